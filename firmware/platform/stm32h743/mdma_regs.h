/*
 * MDMA registers (RM0433 section 16.5), in the style of h743_regs.h. Checked against ST's
 * stm32h743xx.h by firmware/platform/stm32h743/tests/test_qspi_mdma_regs.py. Only board
 * code includes it.
 */
#ifndef H7_PLATFORM_STM32H743_MDMA_REGS_H
#define H7_PLATFORM_STM32H743_MDMA_REGS_H

#include <stddef.h>
#include <stdint.h>

#define H7_MDMA_BASE 0x52000000u

typedef struct {
    volatile uint32_t CISR;   /* 0x00 (channel base = MDMA + 0x40 + 0x40 x) */
    volatile uint32_t CIFCR;  /* 0x04 */
    volatile uint32_t CESR;   /* 0x08 */
    volatile uint32_t CCR;    /* 0x0C */
    volatile uint32_t CTCR;   /* 0x10 */
    volatile uint32_t CBNDTR; /* 0x14 */
    volatile uint32_t CSAR;   /* 0x18 */
    volatile uint32_t CDAR;   /* 0x1C */
    volatile uint32_t CBRUR;  /* 0x20 */
    volatile uint32_t CLAR;   /* 0x24 */
    volatile uint32_t CTBR;   /* 0x28 */
    uint32_t RESERVED0;       /* 0x2C */
    volatile uint32_t CMAR;   /* 0x30 */
    volatile uint32_t CMDR;   /* 0x34 */
    uint32_t RESERVED1[2];    /* 0x38 */
} h7_mdma_channel_t;
_Static_assert(offsetof(h7_mdma_channel_t, CMDR) == 0x34, "h7_mdma_channel_t.CMDR offset");
_Static_assert(sizeof(h7_mdma_channel_t) == 0x40, "h7_mdma_channel_t size");

typedef struct {
    volatile uint32_t GISR0;  /* 0x00 */
    uint32_t RESERVED0[15];   /* 0x04 */
    h7_mdma_channel_t CH[16]; /* 0x40 */
} h7_mdma_t;
_Static_assert(offsetof(h7_mdma_t, CH) == 0x40, "h7_mdma_t.CH offset");
#define H7_MDMA ((h7_mdma_t *)H7_MDMA_BASE)

#define H7_MDMA_CISR_TEIF (1u << 0)
#define H7_MDMA_CISR_CTCIF (1u << 1)
#define H7_MDMA_CISR_BRTIF (1u << 2)
#define H7_MDMA_CISR_BTIF (1u << 3)
#define H7_MDMA_CISR_TCIF (1u << 4)
#define H7_MDMA_CISR_CRQA (1u << 16)
#define H7_MDMA_CIFCR_CTEIF (1u << 0)
#define H7_MDMA_CIFCR_CCTCIF (1u << 1)
#define H7_MDMA_CIFCR_CBRTIF (1u << 2)
#define H7_MDMA_CIFCR_CBTIF (1u << 3)
#define H7_MDMA_CIFCR_CLTCIF (1u << 4)
#define H7_MDMA_CESR_TEA (0x7Fu << 0)
#define H7_MDMA_CESR_TED (1u << 7)
#define H7_MDMA_CCR_EN (1u << 0)
#define H7_MDMA_CCR_TEIE (1u << 1)
#define H7_MDMA_CCR_CTCIE (1u << 2)
#define H7_MDMA_CCR_SWRQ (1u << 16)
#define H7_MDMA_CTCR_SINC_Pos 0u
#define H7_MDMA_CTCR_DINC_Pos 2u
#define H7_MDMA_CTCR_SSIZE_Pos 4u
#define H7_MDMA_CTCR_DSIZE_Pos 6u
#define H7_MDMA_CTCR_SINCOS_Pos 8u
#define H7_MDMA_CTCR_DINCOS_Pos 10u
#define H7_MDMA_CTCR_TLEN_Pos 18u
#define H7_MDMA_CTCR_TRGM_Pos 28u
#define H7_MDMA_CTCR_SWRM (1u << 30)
#define H7_MDMA_CBNDTR_BNDT (0x1FFFFu << 0)
#define H7_MDMA_CBNDTR_BRC_Pos 20u
#define H7_MDMA_CTBR_SBUS (1u << 16)
#define H7_MDMA_CTBR_DBUS (1u << 17)
/* field encodings (RM0433 16.5.6) */
#define H7_MDMA_INC_UP 2u
#define H7_MDMA_TRGM_REPEATED_BLOCK 2u
#define H7_MDMA_TLEN_MAX 127u

#endif /* H7_PLATFORM_STM32H743_MDMA_REGS_H */
