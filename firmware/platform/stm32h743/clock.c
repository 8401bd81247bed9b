/*
 * Clock tree and operating points (RM0433 chapter 8 RCC, 6 PWR, 4 FLASH).
 *
 * HSE in bypass mode takes the 8 MHz MCO of the ST-LINK; PLL1 runs from it with a
 * 2 MHz reference (DIVM1 = 4) and its P output is SYSCLK. The HSI (64 MHz) stays on
 * as the kernel clock of USART3 and, via per_ck, SPI2/I2S2, so the baud rate and the
 * audio bit clock do not move when the core clock does.
 *
 * The operating points are in opp_table.h (checked against RM0433 by a host test).
 * Limits (RM0433 rev V): VOS0 480/240/120 MHz, VOS2 300/150/75, VOS3 200/100/50
 * (core/AXI/APB); wait states from the FLASH table "recommended number of wait states
 * and programming delay" for the AXI clock at each VOS.
 *
 * Switching order: raise the voltage, raise the wait states, run from HSI while PLL1 is
 * re-programmed, switch, then lower the wait states and the voltage.
 */
#include "platform/platform.h"
#include "platform/stm32h743/h743_internal.h"
#include "platform/stm32h743/h743_regs.h"
#include "platform/stm32h743/opp_table.h"

static h7_opp_t s_opp = H7_OPP_64;
static uint32_t s_sysclk_hz = H7_HSI_HZ; /* reset state: HSI */

/* Current VOS as a number 0..3, from PWR_D3CR and SYSCFG_PWRCR.ODEN. */
static uint32_t read_vos(void)
{
    uint32_t field = (H7_PWR->D3CR & H7_PWR_D3CR_VOS) >> H7_PWR_D3CR_VOS_Pos;
    if (field == H7_PWR_VOS_SCALE1)
        return (H7_SYSCFG->PWRCR & H7_SYSCFG_PWRCR_ODEN) ? 0u : 1u;
    if (field == H7_PWR_VOS_SCALE2)
        return 2u;
    return 3u; /* SCALE3 (and the reserved encoding 0) */
}

static bool wait_vos_ready(void)
{
    return h7_wait_bits(&H7_PWR->D3CR, H7_PWR_D3CR_VOSRDY, H7_PWR_D3CR_VOSRDY, H7_WAIT_TRIES);
}

static bool set_vos(uint32_t target)
{
    uint32_t current = read_vos();
    if (current == target)
        return true;
    if (current == 0u) { /* leave overdrive before changing the scale */
        H7_SYSCFG->PWRCR &= ~H7_SYSCFG_PWRCR_ODEN;
        if (!wait_vos_ready())
            return false;
    }
    static const uint8_t encoding[4] = {H7_PWR_VOS_SCALE1, H7_PWR_VOS_SCALE1, H7_PWR_VOS_SCALE2,
                                        H7_PWR_VOS_SCALE3};
    H7_PWR->D3CR = (H7_PWR->D3CR & ~H7_PWR_D3CR_VOS) | ((uint32_t)encoding[target] << H7_PWR_D3CR_VOS_Pos);
    if (!wait_vos_ready())
        return false;
    if (target == 0u) { /* VOS0 = VOS1 + overdrive (RM0433 "VOS0 activation sequence") */
        H7_RCC->APB4ENR |= H7_RCC_APB4ENR_SYSCFGEN;
        (void)H7_RCC->APB4ENR;
        H7_SYSCFG->PWRCR |= H7_SYSCFG_PWRCR_ODEN;
        if (!wait_vos_ready())
            return false;
    }
    return true;
}

static uint32_t read_latency(void) { return H7_FLASH->ACR & H7_FLASH_ACR_LATENCY; }

static bool set_latency(uint32_t latency, uint32_t wrhighfreq)
{
    uint32_t want = (latency << H7_FLASH_ACR_LATENCY_Pos) | (wrhighfreq << H7_FLASH_ACR_WRHIGHFREQ_Pos);
    uint32_t mask = H7_FLASH_ACR_LATENCY | H7_FLASH_ACR_WRHIGHFREQ;
    H7_FLASH->ACR = (H7_FLASH->ACR & ~mask) | want;
    /* RM0433: read ACR back until the new value is taken into account */
    return h7_wait_bits(&H7_FLASH->ACR, mask, want, H7_WAIT_TRIES);
}

static bool switch_sysclk(uint32_t sw)
{
    H7_RCC->CFGR = (H7_RCC->CFGR & ~H7_RCC_CFGR_SW) | (sw << H7_RCC_CFGR_SW_Pos);
    return h7_wait_bits(&H7_RCC->CFGR, H7_RCC_CFGR_SWS, sw << H7_RCC_CFGR_SWS_Pos, H7_WAIT_TRIES);
}

static void set_prescalers(const h7_opp_config_t *c)
{
    H7_RCC->D1CFGR = ((uint32_t)c->d1cpre << H7_RCC_D1CFGR_D1CPRE_Pos) |
                     ((uint32_t)c->hpre << H7_RCC_D1CFGR_HPRE_Pos) |
                     ((uint32_t)c->ppre << H7_RCC_D1CFGR_D1PPRE_Pos);
    H7_RCC->D2CFGR = ((uint32_t)c->ppre << H7_RCC_D2CFGR_D2PPRE1_Pos) |
                     ((uint32_t)c->ppre << H7_RCC_D2CFGR_D2PPRE2_Pos);
    H7_RCC->D3CFGR = (uint32_t)c->ppre << H7_RCC_D3CFGR_D3PPRE_Pos;
}

static bool start_pll1(const h7_opp_config_t *c)
{
    if (!(H7_RCC->CR & H7_RCC_CR_HSERDY)) {
        H7_RCC->CR |= H7_RCC_CR_HSEBYP; /* ST-LINK MCO drives OSC_IN */
        H7_RCC->CR |= H7_RCC_CR_HSEON;
        if (!h7_wait_bits(&H7_RCC->CR, H7_RCC_CR_HSERDY, H7_RCC_CR_HSERDY, H7_WAIT_TRIES))
            return false;
    }
    H7_RCC->PLLCKSELR = (H7_RCC->PLLCKSELR & ~(H7_RCC_PLLCKSELR_PLLSRC | H7_RCC_PLLCKSELR_DIVM1)) |
                        (H7_RCC_PLLSRC_HSE << H7_RCC_PLLCKSELR_PLLSRC_Pos) |
                        (H7_PLL_REF_DIVM << H7_RCC_PLLCKSELR_DIVM1_Pos);
    H7_RCC->PLLCFGR = (H7_RCC->PLLCFGR & ~(H7_RCC_PLLCFGR_PLL1FRACEN | H7_RCC_PLLCFGR_PLL1VCOSEL |
                                           H7_RCC_PLLCFGR_PLL1RGE | H7_RCC_PLLCFGR_DIVQ1EN |
                                           H7_RCC_PLLCFGR_DIVR1EN)) |
                      (H7_RCC_PLLRGE_2_4MHZ << H7_RCC_PLLCFGR_PLL1RGE_Pos) | H7_RCC_PLLCFGR_DIVP1EN;
    H7_RCC->PLL1DIVR = ((uint32_t)(c->pll_divn - 1u) << H7_RCC_PLLDIVR_DIVN_Pos) |
                       ((uint32_t)(c->pll_divp - 1u) << H7_RCC_PLLDIVR_DIVP_Pos) |
                       (1u << H7_RCC_PLLDIVR_DIVQ_Pos) | (1u << H7_RCC_PLLDIVR_DIVR_Pos);
    H7_RCC->CR |= H7_RCC_CR_PLL1ON;
    return h7_wait_bits(&H7_RCC->CR, H7_RCC_CR_PLL1RDY, H7_RCC_CR_PLL1RDY, H7_WAIT_TRIES);
}

static void stop_pll1(void)
{
    H7_RCC->CR &= ~H7_RCC_CR_PLL1ON;
    (void)h7_wait_bits(&H7_RCC->CR, H7_RCC_CR_PLL1RDY, 0u, H7_WAIT_TRIES);
}

void h7_clock_init_kernels(void)
{
    /* HSI 64 MHz on and kept on: it is the kernel clock of USART3 and of SPI2/I2S2. */
    H7_RCC->CR |= H7_RCC_CR_HSION;
    (void)h7_wait_bits(&H7_RCC->CR, H7_RCC_CR_HSIRDY, H7_RCC_CR_HSIRDY, H7_WAIT_TRIES);
    H7_RCC->D1CCIPR = (H7_RCC->D1CCIPR & ~H7_RCC_D1CCIPR_CKPERSEL) |
                      (H7_RCC_CKPERSEL_HSI << H7_RCC_D1CCIPR_CKPERSEL_Pos);
    H7_RCC->D2CCIP1R = (H7_RCC->D2CCIP1R & ~H7_RCC_D2CCIP1R_SPI123SEL) |
                       (H7_RCC_SPI123SEL_PER_CK << H7_RCC_D2CCIP1R_SPI123SEL_Pos);
    H7_RCC->D2CCIP2R = (H7_RCC->D2CCIP2R & ~H7_RCC_D2CCIP2R_USART234578SEL) |
                       (H7_RCC_USARTSEL_HSI << H7_RCC_D2CCIP2R_USART234578SEL_Pos);
}

int h7_clock_set_opp(h7_opp_t opp)
{
    if ((unsigned)opp >= (unsigned)H7_OPP_COUNT)
        return -1;
    const h7_opp_config_t *target = &h7_opp_table[opp];
    int status = 0;
    uint32_t irq = h7_irq_save();

    uint32_t vos_now = read_vos();
    if (target->vos < vos_now && !set_vos(target->vos)) {
        status = -2; /* regulator did not settle: keep the present point */
        goto out;
    }
    uint32_t latency_now = read_latency();
    if (target->latency > latency_now)
        (void)set_latency(target->latency, target->wrhighfreq);

    /* Leaving the divided HSI point: undivide the core first (HSI 64 MHz, /1 everywhere
     * but APB /2: within VOS3, and the wait states were raised above for any target). */
    if (h7_opp_table[s_opp].d1cpre != H7_RCC_D1CPRE_DIV1) {
        const h7_opp_config_t *hsi = &h7_opp_table[H7_OPP_64];
        if (read_latency() < hsi->latency) /* e.g. 16 -> 16: the target needs none */
            (void)set_latency(hsi->latency, hsi->wrhighfreq);
        set_prescalers(hsi);
        h7_systick_reconfigure(H7_HSI_HZ);
    }
    /* Run from HSI while PLL1 is re-programmed (PLL1 must be off to change it). SysTick
     * is re-timed around each clock change so the time base keeps the partial ms. */
    h7_systick_reconfigure(H7_HSI_HZ);
    if (!switch_sysclk(H7_RCC_CFGR_SW_HSI)) {
        h7_systick_reconfigure(s_sysclk_hz);
        status = -3;
        goto out;
    }
    if (target->d1cpre != H7_RCC_D1CPRE_DIV1)
        h7_systick_reconfigure(target->sysclk_hz); /* the core slows down right here */
    set_prescalers(target);
    stop_pll1();
    if (target->pll_divn != 0u) {
        if (!start_pll1(target) || !switch_sysclk(H7_RCC_CFGR_SW_PLL1)) {
            /* HSE or PLL1 failed: settle on the HSI point so the state stays coherent */
            stop_pll1();
            opp = H7_OPP_64;
            target = &h7_opp_table[H7_OPP_64];
            set_prescalers(target);
            status = -4;
        }
    } else {
        H7_RCC->CR &= ~H7_RCC_CR_HSEON; /* HSE not needed on HSI: save its power */
    }
    (void)set_latency(target->latency, target->wrhighfreq);
    if (target->vos > read_vos())
        (void)set_vos(target->vos);
    s_opp = opp;
    s_sysclk_hz = target->sysclk_hz;
    h7_systick_reconfigure(s_sysclk_hz);
out:
    h7_irq_restore(irq);
    return status;
}

h7_opp_t h7_clock_get_opp(void) { return s_opp; }

uint32_t h7_clock_opp_hz(h7_opp_t opp)
{
    return (unsigned)opp < (unsigned)H7_OPP_COUNT ? h7_opp_table[opp].sysclk_hz : 0u;
}

uint32_t h7_clock_sysclk_hz(void) { return s_sysclk_hz; }

void h7_clock_read_info(h7_clock_info_t *info)
{
    uint32_t sws = (H7_RCC->CFGR & H7_RCC_CFGR_SWS) >> H7_RCC_CFGR_SWS_Pos;
    uint32_t sysclk = H7_HSI_HZ >> ((H7_RCC->CR & H7_RCC_CR_HSIDIV) >> H7_RCC_CR_HSIDIV_Pos);
    if (sws == H7_RCC_CFGR_SW_HSE) {
        sysclk = H7_HSE_HZ;
    } else if (sws == H7_RCC_CFGR_SW_PLL1) {
        uint32_t src = (H7_RCC->PLLCKSELR & H7_RCC_PLLCKSELR_PLLSRC) >> H7_RCC_PLLCKSELR_PLLSRC_Pos;
        uint32_t divm = (H7_RCC->PLLCKSELR & H7_RCC_PLLCKSELR_DIVM1) >> H7_RCC_PLLCKSELR_DIVM1_Pos;
        uint32_t divr = H7_RCC->PLL1DIVR;
        uint32_t divn = ((divr & H7_RCC_PLLDIVR_DIVN) >> H7_RCC_PLLDIVR_DIVN_Pos) + 1u;
        uint32_t divp = ((divr & H7_RCC_PLLDIVR_DIVP) >> H7_RCC_PLLDIVR_DIVP_Pos) + 1u;
        uint32_t ref = src == H7_RCC_PLLSRC_HSE ? H7_HSE_HZ : src == H7_RCC_PLLSRC_CSI ? 4000000u : H7_HSI_HZ;
        sysclk = divm ? (uint32_t)(((uint64_t)ref / divm) * divn / divp) : 0u;
    }
    uint32_t d1 = H7_RCC->D1CFGR;
    uint32_t core = sysclk / h7_ahb_divider((d1 & H7_RCC_D1CFGR_D1CPRE) >> H7_RCC_D1CFGR_D1CPRE_Pos);
    uint32_t hclk = core / h7_ahb_divider((d1 & H7_RCC_D1CFGR_HPRE) >> H7_RCC_D1CFGR_HPRE_Pos);
    uint32_t d2 = H7_RCC->D2CFGR;
    info->sysclk_hz = core;
    info->hclk_hz = hclk;
    info->pclk1_hz = hclk / h7_apb_divider((d2 & H7_RCC_D2CFGR_D2PPRE1) >> H7_RCC_D2CFGR_D2PPRE1_Pos);
    info->vos = (uint8_t)read_vos();
    info->flash_latency = (uint8_t)read_latency();
    info->flash_wrhighfreq = (uint8_t)((H7_FLASH->ACR & H7_FLASH_ACR_WRHIGHFREQ) >> H7_FLASH_ACR_WRHIGHFREQ_Pos);
    info->source = (uint8_t)sws;
}
