/*
 * Host test: every operating point of opp_table.h obeys RM0433 (revision V device):
 * PLL1 input and VCO ranges, even DIVP, the core/AXI/APB maxima of its VOS, and the
 * minimum flash wait states and WRHIGHFREQ of the FLASH table for its AXI clock.
 */
#include "platform/stm32h743/opp_table.h"
#include "testing/h7test.h"

/* RM0433 rev V: max core / AXI (hclk) / APB clocks per VOS (VOS0..3), MHz. */
static const uint32_t k_max_core_mhz[4] = {480, 400, 300, 200};
static const uint32_t k_max_hclk_mhz[4] = {240, 200, 150, 100};
static const uint32_t k_max_pclk_mhz[4] = {120, 100, 75, 50};

/* FLASH "recommended number of wait states and programming delay": upper AXI clock
 * bound (MHz) of each wait-state count per VOS, with WRHIGHFREQ; 0 = not allowed. */
typedef struct {
    uint32_t max_mhz;
    uint8_t latency;
    uint8_t wrhighfreq;
} ws_row_t;
static const ws_row_t k_ws[4][6] = {
    /* VOS0 */ {{70, 0, 0}, {140, 1, 1}, {185, 2, 1}, {210, 2, 2}, {225, 3, 2}, {240, 4, 2}},
    /* VOS1 */ {{70, 0, 0}, {140, 1, 1}, {185, 2, 1}, {210, 2, 2}, {225, 3, 2}, {0, 0, 0}},
    /* VOS2 */ {{55, 0, 0}, {110, 1, 1}, {165, 2, 1}, {225, 3, 2}, {0, 0, 0}, {0, 0, 0}},
    /* VOS3 */ {{45, 0, 0}, {90, 1, 1}, {135, 2, 1}, {180, 3, 2}, {225, 4, 2}, {0, 0, 0}},
};

static const ws_row_t *required_ws(uint32_t vos, uint32_t hclk_hz)
{
    for (int i = 0; i < 6; i++)
        if (k_ws[vos][i].max_mhz != 0 && hclk_hz <= k_ws[vos][i].max_mhz * 1000000u)
            return &k_ws[vos][i];
    return 0;
}

H7_TEST(each_point_runs_at_its_nominal_frequency_from_a_legal_pll)
{
    for (int i = 0; i < H7_OPP_COUNT; i++) {
        const h7_opp_config_t *c = &h7_opp_table[i];
        if (c->pll_divn == 0) {
            H7_EXPECT_EQ_INT(c->sysclk_hz, H7_HSI_HZ / h7_ahb_divider(c->d1cpre));
            continue;
        }
        H7_EXPECT_EQ_INT(c->d1cpre, H7_RCC_D1CPRE_DIV1);
        uint32_t ref = H7_HSE_HZ / H7_PLL_REF_DIVM;
        H7_EXPECT(ref >= 2000000u && ref <= 4000000u); /* PLL1RGE = 2-4 MHz */
        uint64_t vco = (uint64_t)ref * c->pll_divn;
        H7_EXPECT(vco >= 192000000u && vco <= 960000000u); /* wide VCO, rev V */
        H7_EXPECT(c->pll_divn >= 4 && c->pll_divn <= 512);
        H7_EXPECT(c->pll_divp >= 2 && c->pll_divp % 2 == 0); /* DIVP1: even only */
        H7_EXPECT_EQ_INT(vco / c->pll_divp, c->sysclk_hz);
    }
}

H7_TEST(clocks_stay_within_the_limits_of_each_voltage_scale)
{
    for (int i = 0; i < H7_OPP_COUNT; i++) {
        const h7_opp_config_t *c = &h7_opp_table[i];
        uint32_t hclk = c->sysclk_hz / h7_ahb_divider(c->hpre);
        uint32_t pclk = hclk / h7_apb_divider(c->ppre);
        H7_EXPECT(c->vos <= 3);
        H7_EXPECT(c->sysclk_hz <= k_max_core_mhz[c->vos] * 1000000u);
        H7_EXPECT(hclk <= k_max_hclk_mhz[c->vos] * 1000000u);
        H7_EXPECT(pclk <= k_max_pclk_mhz[c->vos] * 1000000u);
    }
}

H7_TEST(flash_wait_states_match_the_rm0433_table)
{
    for (int i = 0; i < H7_OPP_COUNT; i++) {
        const h7_opp_config_t *c = &h7_opp_table[i];
        uint32_t hclk = c->sysclk_hz / h7_ahb_divider(c->hpre);
        const ws_row_t *row = required_ws(c->vos, hclk);
        H7_EXPECT(row != 0);
        if (row != 0) {
            H7_EXPECT_EQ_INT(c->latency, row->latency);
            H7_EXPECT_EQ_INT(c->wrhighfreq, row->wrhighfreq);
        }
    }
}

H7_TEST(points_are_ordered_and_distinct)
{
    H7_EXPECT_EQ_INT(h7_opp_table[H7_OPP_480].sysclk_hz, 480000000u);
    H7_EXPECT_EQ_INT(h7_opp_table[H7_OPP_240].sysclk_hz, 240000000u);
    H7_EXPECT_EQ_INT(h7_opp_table[H7_OPP_120].sysclk_hz, 120000000u);
    H7_EXPECT_EQ_INT(h7_opp_table[H7_OPP_64].sysclk_hz, 64000000u);
    H7_EXPECT_EQ_INT(h7_opp_table[H7_OPP_16].sysclk_hz, 16000000u);
    H7_EXPECT_EQ_INT(h7_opp_table[H7_OPP_480].vos, 0);
}

H7_TEST(console_baud_error_is_small_on_the_hsi_kernel_clock)
{
    uint32_t brr = (H7_HSI_HZ + 115200u / 2u) / 115200u;
    double actual = (double)H7_HSI_HZ / brr;
    H7_EXPECT_EQ_INT(brr, 556);
    H7_EXPECT_NEAR(actual / 115200.0, 1.0, 0.001);
}

H7_TEST(prescaler_encodings_decode)
{
    H7_EXPECT_EQ_INT(h7_ahb_divider(H7_RCC_HPRE_DIV1), 1);
    H7_EXPECT_EQ_INT(h7_ahb_divider(H7_RCC_HPRE_DIV2), 2);
    H7_EXPECT_EQ_INT(h7_ahb_divider(H7_RCC_HPRE_DIV4), 4);
    H7_EXPECT_EQ_INT(h7_apb_divider(H7_RCC_PPRE_DIV1), 1);
    H7_EXPECT_EQ_INT(h7_apb_divider(H7_RCC_PPRE_DIV2), 2);
    H7_EXPECT_EQ_INT(h7_apb_divider(H7_RCC_PPRE_DIV4), 4);
}

int main(void)
{
    H7_RUN(each_point_runs_at_its_nominal_frequency_from_a_legal_pll);
    H7_RUN(clocks_stay_within_the_limits_of_each_voltage_scale);
    H7_RUN(flash_wait_states_match_the_rm0433_table);
    H7_RUN(points_are_ordered_and_distinct);
    H7_RUN(console_baud_error_is_small_on_the_hsi_kernel_clock);
    H7_RUN(prescaler_encodings_decode);
    return h7test_summary();
}
