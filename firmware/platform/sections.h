/*
 * Where data and code live on the STM32H743 (see stm32h743/h743.ld):
 *   H7_ITCM_CODE  hot code copied to ITCM at boot (0-wait-state, no flash latency)
 *   H7_DTCM_BSS   zeroed buffers in DTCM (CPU only; DMA1/2 cannot reach it)
 *   H7_AXI_BSS    large zeroed buffers in AXI SRAM (512 KB, cacheable)
 *   H7_DMA_BSS    DMA buffers in SRAM1 (D2 domain), mapped non-cacheable by the MPU
 *   H7_NOINIT     not zeroed at start-up: survives resets (not power cycles); guard it
 *                 with a magic number and a CRC
 * On the host build these are empty, so portable code can use them freely.
 */
#ifndef H7_PLATFORM_SECTIONS_H
#define H7_PLATFORM_SECTIONS_H

#if defined(H7_TARGET_FIRMWARE)
#define H7_ITCM_CODE __attribute__((section(".itcm_text"), noinline))
#define H7_DTCM_BSS __attribute__((section(".dtcm_bss")))
#define H7_AXI_BSS __attribute__((section(".axi_bss")))
#define H7_DMA_BSS __attribute__((section(".dma_bss"), aligned(32)))
#define H7_NOINIT __attribute__((section(".noinit")))
#else
#define H7_NOINIT
#define H7_ITCM_CODE
#define H7_DTCM_BSS
#define H7_AXI_BSS
#define H7_DMA_BSS __attribute__((aligned(32)))
#endif

#endif /* H7_PLATFORM_SECTIONS_H */
