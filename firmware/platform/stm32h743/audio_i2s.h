/* STM32H743 I2S microphone capture (implements firmware/platform/audio.h).
 *
 * SPI2 as I2S2 master receive, Philips standard, 16-bit data in 16-bit channels, stereo
 * frames with the microphone on the left channel. Pins (AF5): PB10 I2S2_CK, PB12 I2S2_WS,
 * PC2 I2S2_SDI. Kernel clock per_ck = HSI 64 MHz (set by clock.c), so 16 kHz is exact:
 * 64 MHz / (32 * 125) with I2SDIV = 62, ODD = 1, whatever the core's operating point.
 *
 * DMA1 stream H7AUDIO_DMA_STREAM, request spi2_rx_dma (39) through DMAMUX1, half-words,
 * circular over one buffer of two halves in SRAM1 (.dma_bss, mapped non-cacheable by the
 * MPU, so the CPU never reads stale cache lines and no cache maintenance is needed). Each
 * half-transfer / transfer-complete interrupt takes the left samples the DMA wrote since
 * the last look into the sample ring, counting any it finds overwritten (audio_i2s.c).
 */
#ifndef H7_PLATFORM_STM32H743_AUDIO_I2S_H
#define H7_PLATFORM_STM32H743_AUDIO_I2S_H

#include "platform/audio.h"

#define H7AUDIO_DMA_STREAM 0u
/* Stereo frames per DMA half buffer: 160 = 10 ms at 16 kHz, one interrupt per 10 ms. */
#define H7AUDIO_HALF_FRAMES 160u
/* Mono samples the ring holds between the interrupt and the main loop (256 ms). */
#define H7AUDIO_RING_SAMPLES 4096u

/* DMA errors in a row (each right after a restart, no good half buffer between) before
 * capture gives up (h7audio_failed). */
#define H7AUDIO_MAX_RESTARTS 8u

/* The I2S kernel clock the divider is computed from (per_ck = HSI). */
#define H7AUDIO_KERNEL_HZ 64000000u

#endif
