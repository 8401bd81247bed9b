/*
 * MPU and L1 caches (Armv7-M PMSA; Cortex-M7 TRM).
 *
 * MPU regions (the default memory map stays for everything else, PRIVDEFENA):
 *   0: SRAM1 (128 KB, DMA buffers) normal memory, non-cacheable, shareable, XN
 *   1: 32-byte stack guard below the main stack: no access, so an overflow faults
 *      (MemManage) instead of silently corrupting memory.
 *   2: 32-byte NULL guard at address 0 (start of ITCM, kept empty by the linker
 *      script): a NULL pointer dereference faults (MemManage, MMFAR = 0).
 */
#include "platform/platform.h"
#include "platform/stm32h743/h743_internal.h"
#include "platform/stm32h743/h743_regs.h"

extern uint32_t __stack_guard_start[];
extern uint32_t __dma_region_start[];
extern uint32_t __null_guard_start[];

static uint32_t size_field(uint32_t bytes)
{
    uint32_t log2 = 0;
    while ((1u << log2) < bytes)
        log2++;
    return (log2 - 1u) << H7_MPU_RASR_SIZE_Pos;
}

void h7_mpu_init(void)
{
    h7_dmb();
    H7_MPU->CTRL = 0;

    H7_MPU->RNR = 0;
    H7_MPU->RBAR = (uint32_t)(uintptr_t)__dma_region_start;
    H7_MPU->RASR = H7_MPU_RASR_XN | (3u << H7_MPU_RASR_AP_Pos) | (1u << H7_MPU_RASR_TEX_Pos) |
                   H7_MPU_RASR_S | size_field(H7_SRAM1_SIZE) | H7_MPU_RASR_ENABLE;

    H7_MPU->RNR = 1;
    H7_MPU->RBAR = (uint32_t)(uintptr_t)__stack_guard_start;
    H7_MPU->RASR = H7_MPU_RASR_XN | (0u << H7_MPU_RASR_AP_Pos) | size_field(32u) | H7_MPU_RASR_ENABLE;

    H7_MPU->RNR = 2;
    H7_MPU->RBAR = (uint32_t)(uintptr_t)__null_guard_start;
    H7_MPU->RASR = H7_MPU_RASR_XN | (0u << H7_MPU_RASR_AP_Pos) | size_field(32u) | H7_MPU_RASR_ENABLE;

    H7_MPU->CTRL = H7_MPU_CTRL_PRIVDEFENA | H7_MPU_CTRL_ENABLE;
    h7_dsb();
    h7_isb();
}

void h7_cache_enable(void)
{
    /* I-cache: invalidate, then enable. */
    h7_dsb();
    h7_isb();
    H7_CACHE_OPS->ICIALLU = 0;
    h7_dsb();
    h7_isb();
    H7_SCB->CCR |= H7_SCB_CCR_IC;
    h7_dsb();
    h7_isb();

    /* D-cache: invalidate every set/way of the L1 data cache, then enable. */
    H7_SCB->CSSELR = 0; /* level 1 data cache */
    h7_dsb();
    uint32_t ccsidr = H7_SCB->CCSIDR;
    uint32_t sets = ((ccsidr >> 13) & 0x7FFFu) + 1u;
    uint32_t ways = ((ccsidr >> 3) & 0x3FFu) + 1u;
    for (uint32_t set = 0; set < sets; set++)
        for (uint32_t way = 0; way < ways; way++)
            H7_CACHE_OPS->DCISW = (set << 5) | (way << 30); /* 32-byte lines, 4 ways */
    h7_dsb();
    H7_SCB->CCR |= H7_SCB_CCR_DC;
    h7_dsb();
    h7_isb();
}

void h7_dcache_clean(const void *addr, size_t len)
{
    uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(H7_CACHE_LINE_BYTES - 1u);
    uintptr_t end = (uintptr_t)addr + len;
    h7_dsb();
    for (; p < end; p += H7_CACHE_LINE_BYTES)
        H7_CACHE_OPS->DCCMVAC = (uint32_t)p;
    h7_dsb();
    h7_isb();
}

void h7_dcache_invalidate(void *addr, size_t len)
{
    /* Lines shared with other data at the edges would lose writes: callers align DMA
     * buffers to 32 bytes (H7_DMA_BSS does). */
    uintptr_t p = (uintptr_t)addr & ~(uintptr_t)(H7_CACHE_LINE_BYTES - 1u);
    uintptr_t end = (uintptr_t)addr + len;
    h7_dsb();
    for (; p < end; p += H7_CACHE_LINE_BYTES)
        H7_CACHE_OPS->DCIMVAC = (uint32_t)p;
    h7_dsb();
    h7_isb();
}
