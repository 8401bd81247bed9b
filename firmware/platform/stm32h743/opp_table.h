/*
 * The operating points as data, shared by clock.c and the host test that checks them
 * against RM0433's limits (tests/test_opp_table.c). No register access here.
 *
 * | point | SYSCLK | source        | VOS | HCLK (AXI) | APBx | flash WS | WRHIGHFREQ |
 * |  480  | 480    | PLL1 N480 P2  |  0  | 240 (/2)   | 120  |    4     |     2      |
 * |  240  | 240    | PLL1 N240 P2  |  2  | 120 (/2)   |  60  |    2     |     1      |
 * |  120  | 120    | PLL1 N240 P4  |  3  |  60 (/2)   |  30  |    1     |     1      |
 * |   64  |  64    | HSI           |  3  |  64 (/1)   |  32  |    1     |     1      |
 * |   16  |  16    | HSI, D1CPRE/4 |  3  |  16 (/1)   |  16  |    0     |     0      |
 *
 * The 16 MHz point divides the core clock (RCC_D1CFGR.D1CPRE) instead of the HSI itself
 * (RCC_CR.HSIDIV would also divide hsi_ker_ck, the I2S bit clock's source via per_ck, and
 * USART3's kernel clock): the audio and console clocks do not move.
 */
#ifndef H7_PLATFORM_STM32H743_OPP_TABLE_H
#define H7_PLATFORM_STM32H743_OPP_TABLE_H

#include <stdint.h>

#include "platform/platform.h"
#include "platform/stm32h743/h743_regs.h"

#define H7_HSE_HZ 8000000u
#define H7_HSI_HZ 64000000u
#define H7_PLL_REF_DIVM 4u /* 8 MHz / 4 = 2 MHz: PLL1RGE 2-4 MHz, wide VCO */

typedef struct {
    uint32_t sysclk_hz; /* the core clock (SYSCLK / D1CPRE) */
    uint16_t pll_divn; /* 0: no PLL, run from HSI */
    uint8_t pll_divp;
    uint8_t vos;       /* 0..3 */
    uint8_t hpre;      /* RCC_D1CFGR.HPRE encoding */
    uint8_t ppre;      /* APB1..4 prescaler encoding */
    uint8_t latency;
    uint8_t wrhighfreq;
    uint8_t d1cpre;    /* RCC_D1CFGR.D1CPRE encoding (core = SYSCLK / it) */
} h7_opp_config_t;

static const h7_opp_config_t h7_opp_table[H7_OPP_COUNT] = {
    [H7_OPP_64] = {64000000u, 0, 0, 3, H7_RCC_HPRE_DIV1, H7_RCC_PPRE_DIV2, 1, 1, H7_RCC_D1CPRE_DIV1},
    [H7_OPP_16] = {16000000u, 0, 0, 3, H7_RCC_HPRE_DIV1, H7_RCC_PPRE_DIV1, 0, 0, H7_RCC_D1CPRE_DIV4},
    [H7_OPP_120] = {120000000u, 240, 4, 3, H7_RCC_HPRE_DIV2, H7_RCC_PPRE_DIV2, 1, 1},
    [H7_OPP_240] = {240000000u, 240, 2, 2, H7_RCC_HPRE_DIV2, H7_RCC_PPRE_DIV2, 2, 1},
    [H7_OPP_480] = {480000000u, 480, 2, 0, H7_RCC_HPRE_DIV2, H7_RCC_PPRE_DIV2, 4, 2},
};

/* Divider values of the prescaler encodings (RCC_D1CFGR/D2CFGR/D3CFGR). */
static inline uint32_t h7_ahb_divider(uint32_t hpre)
{
    static const uint16_t div[8] = {2, 4, 8, 16, 64, 128, 256, 512};
    return (hpre & 8u) ? div[hpre & 7u] : 1u;
}

static inline uint32_t h7_apb_divider(uint32_t ppre) { return (ppre & 4u) ? (2u << (ppre & 3u)) : 1u; }

#endif /* H7_PLATFORM_STM32H743_OPP_TABLE_H */
