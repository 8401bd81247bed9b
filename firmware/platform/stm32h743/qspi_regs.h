/*
 * QUADSPI registers (RM0433 section 23.5) and the RCC bits that clock it, in the style of
 * h743_regs.h (a struct of volatile words at the base, masks already shifted, _Pos for
 * multi-bit fields). Checked against ST's stm32h743xx.h by
 * firmware/platform/stm32h743/tests/test_qspi_mdma_regs.py. Only board code includes it.
 */
#ifndef H7_PLATFORM_STM32H743_QSPI_REGS_H
#define H7_PLATFORM_STM32H743_QSPI_REGS_H

#include <stddef.h>
#include <stdint.h>

#define H7_QUADSPI_BASE 0x52005000u
#define H7_QSPI_MEM_BASE 0x90000000u /* memory-mapped window, 256 MB */

typedef struct {
    volatile uint32_t CR;    /* 0x00 */
    volatile uint32_t DCR;   /* 0x04 */
    volatile uint32_t SR;    /* 0x08 */
    volatile uint32_t FCR;   /* 0x0C */
    volatile uint32_t DLR;   /* 0x10 */
    volatile uint32_t CCR;   /* 0x14 */
    volatile uint32_t AR;    /* 0x18 */
    volatile uint32_t ABR;   /* 0x1C */
    volatile uint32_t DR;    /* 0x20 */
    volatile uint32_t PSMKR; /* 0x24 */
    volatile uint32_t PSMAR; /* 0x28 */
    volatile uint32_t PIR;   /* 0x2C */
    volatile uint32_t LPTR;  /* 0x30 */
} h7_quadspi_t;
_Static_assert(offsetof(h7_quadspi_t, LPTR) == 0x30, "h7_quadspi_t.LPTR offset");
#define H7_QUADSPI ((h7_quadspi_t *)H7_QUADSPI_BASE)

#define H7_QUADSPI_CR_EN (1u << 0)
#define H7_QUADSPI_CR_ABORT (1u << 1)
#define H7_QUADSPI_CR_TCEN (1u << 3)
#define H7_QUADSPI_CR_SSHIFT (1u << 4)
#define H7_QUADSPI_CR_PRESCALER_Pos 24u
#define H7_QUADSPI_CR_PRESCALER (0xFFu << 24)
#define H7_QUADSPI_DCR_CSHT_Pos 8u
#define H7_QUADSPI_DCR_CSHT (7u << 8)
#define H7_QUADSPI_DCR_FSIZE_Pos 16u
#define H7_QUADSPI_DCR_FSIZE (0x1Fu << 16)
#define H7_QUADSPI_SR_TEF (1u << 0)
#define H7_QUADSPI_SR_TCF (1u << 1)
#define H7_QUADSPI_SR_FTF (1u << 2)
#define H7_QUADSPI_SR_BUSY (1u << 5)
#define H7_QUADSPI_FCR_CTEF (1u << 0)
#define H7_QUADSPI_FCR_CTCF (1u << 1)
#define H7_QUADSPI_CCR_INSTRUCTION_Pos 0u
#define H7_QUADSPI_CCR_IMODE_Pos 8u
#define H7_QUADSPI_CCR_ADMODE_Pos 10u
#define H7_QUADSPI_CCR_ADSIZE_Pos 12u
#define H7_QUADSPI_CCR_ABMODE_Pos 14u
#define H7_QUADSPI_CCR_ABSIZE_Pos 16u
#define H7_QUADSPI_CCR_DCYC_Pos 18u
#define H7_QUADSPI_CCR_DMODE_Pos 24u
#define H7_QUADSPI_CCR_FMODE_Pos 26u
#define H7_QUADSPI_CCR_FMODE (3u << 26)
#define H7_QUADSPI_CCR_SIOO (1u << 28)
#define H7_QUADSPI_CCR_DDRM (1u << 31)
/* CCR field encodings (RM0433 23.5.6) */
#define H7_QSPI_LINES_NONE 0u
#define H7_QSPI_LINES_1 1u
#define H7_QSPI_LINES_4 3u
#define H7_QSPI_ADSIZE_24 2u
#define H7_QSPI_ABSIZE_8 0u
#define H7_QSPI_FMODE_INDIRECT_READ 1u
#define H7_QSPI_FMODE_MEMORY_MAPPED 3u

#define H7_RCC_AHB3ENR_QSPIEN (1u << 14)
#define H7_RCC_AHB3ENR_MDMAEN (1u << 0)
#define H7_RCC_D1CCIPR_QSPISEL_Pos 4u
#define H7_RCC_D1CCIPR_QSPISEL (3u << 4)

#endif /* H7_PLATFORM_STM32H743_QSPI_REGS_H */
