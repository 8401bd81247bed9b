/*
 * Power: supply configuration, Sleep (WFI) and Stop (RM0433 section 6.6).
 *
 * Stop: the core clock stops, PLLs and HSE are switched off by hardware and the chip
 * wakes on HSI (RCC_CFGR.STOPWUCK = 0). We therefore move to the HSI point first,
 * arm the wake-up sources, enter Stop with interrupts masked (WFI still wakes on a
 * pending interrupt), restore the previous operating point, and only then unmask, so
 * no handler ever runs with half-restored clocks.
 * Wake-up sources: USART3 (a byte on RX: UESM, EXTI line 28 direct event), the user
 * button B1 (PC13, EXTI line 13 rising edge) and the microphone's acoustic-activity
 * output (H7_PIN_MIC_WAKE, board_pins.def, rising edge): on the chip I2S and DMA stop in Stop, so the
 * microphone itself has to say that sound came back (a MEMS microphone with a
 * wake-on-sound pin, e.g. Vesper VM3011 DOUT). The mic line is unmasked only in Stop.
 * SysTick stops in Stop: LPTIM1 (on LSI) measures the Stop for the time base.
 */
#include "platform/platform.h"
#include "platform/stm32h743/h743_internal.h"
#include "platform/stm32h743/h743_regs.h"

/* LPTIM1 compare match and its EXTI wake-up line (RM0433 LPTIM registers and the EXTI
 * event input mapping: line 47 = lptim1_wkup, a direct line). Not in h743_regs.h yet. */
#define LPTIM_ISR_CMPM H7_BIT(0)
#define LPTIM_ISR_CMPOK H7_BIT(3)
#define LPTIM_ICR_CMPMCF H7_BIT(0)
#define LPTIM_ICR_CMPOKCF H7_BIT(3)
#define LPTIM_IER_CMPMIE H7_BIT(0)
#define LPTIM1_EXTI_LINE 47u

#define BUTTON_EXTI_LINE 13u
#define MIC_WAKE_PORT H7_PIN_PORT(H7_PIN_MIC_WAKE)
#define MIC_WAKE_LINE H7_PIN_NUMBER(H7_PIN_MIC_WAKE) /* the pin number is the EXTI line */
_Static_assert(H7_PIN_NUMBER(H7_PIN_MIC_WAKE) >= 10u && H7_PIN_NUMBER(H7_PIN_MIC_WAKE) != BUTTON_EXTI_LINE,
               "the microphone's wake line must share EXTI15_10 with B1 and not be B1's line");

void h7_power_init(void)
{
    /* The supply configuration (LDO on, bypass off) can be written once after reset. */
    if (H7_PWR->CR3 & H7_PWR_CR3_SCUEN)
        H7_PWR->CR3 = (H7_PWR->CR3 & ~(H7_PWR_CR3_SCUEN | H7_PWR_CR3_BYPASS)) | H7_PWR_CR3_LDOEN;
    (void)h7_wait_bits(&H7_PWR->CSR1, H7_PWR_CSR1_ACTVOSRDY, H7_PWR_CSR1_ACTVOSRDY, H7_WAIT_TRIES);
}

static void stop_timer_start(void);
static uint32_t stop_timer_read(void);

static void stop_timer_calibrate(void);

/* LPTIM1 runs from boot: it times Stop and is the interrupt-free clock (h7_time_lp_ticks). */
void h7_lp_timer_init(void)
{
    stop_timer_start();
    stop_timer_calibrate();
}

uint32_t h7_time_lp_ticks(void) { return stop_timer_read(); }

void h7_sleep(void) { h7_wfi(); }

static void arm_button_wakeup(void)
{
    H7_RCC->APB4ENR |= H7_RCC_APB4ENR_SYSCFGEN;
    (void)H7_RCC->APB4ENR;
    /* EXTICR4 holds lines 12-15, 4 bits each: port C = 2 for line 13 */
    H7_SYSCFG->EXTICR[3] = (H7_SYSCFG->EXTICR[3] & ~(0xFu << 4)) | ((uint32_t)H7_PORT_C << 4);
    H7_EXTI->RTSR1 |= H7_BIT(BUTTON_EXTI_LINE);
    H7_EXTI->CPUPR1 = H7_BIT(BUTTON_EXTI_LINE);
    H7_EXTI->CPUIMR1 |= H7_BIT(BUTTON_EXTI_LINE);
    h7_irq_enable(H7_IRQ_EXTI15_10, H7_PRIO_CONSOLE);
}

static void arm_mic_wakeup(void)
{
    H7_RCC->AHB4ENR |= H7_RCC_AHB4ENR_GPIOEN(MIC_WAKE_PORT);
    (void)H7_RCC->AHB4ENR;
    h7_gpio_t *port = H7_GPIO(MIC_WAKE_PORT);
    /* input, pull-down: a board without the microphone's wake wire stays quiet */
    port->MODER &= ~(3u << (MIC_WAKE_LINE * 2u));
    port->PUPDR = (port->PUPDR & ~(3u << (MIC_WAKE_LINE * 2u))) | (2u << (MIC_WAKE_LINE * 2u));
    /* EXTICRn holds lines 4(n-1)..4n-1, 4 bits each */
    uint32_t shift = 4u * (MIC_WAKE_LINE % 4u);
    H7_SYSCFG->EXTICR[MIC_WAKE_LINE / 4u] =
        (H7_SYSCFG->EXTICR[MIC_WAKE_LINE / 4u] & ~(0xFu << shift)) | (MIC_WAKE_PORT << shift);
    H7_EXTI->RTSR1 |= H7_BIT(MIC_WAKE_LINE);
    H7_EXTI->CPUPR1 = H7_BIT(MIC_WAKE_LINE);
    H7_EXTI->CPUIMR1 |= H7_BIT(MIC_WAKE_LINE);
}

static void disarm_mic_wakeup(void)
{
    H7_EXTI->CPUIMR1 &= ~H7_BIT(MIC_WAKE_LINE);
    H7_EXTI->CPUPR1 = H7_BIT(MIC_WAKE_LINE);
}

static bool mic_signals_sound(void)
{
    return (H7_GPIO(MIC_WAKE_PORT)->IDR >> MIC_WAKE_LINE) & 1u;
}

/* Time in Stop: SysTick stops with the core clock; LPTIM1 on LSI (32 kHz / 32 = 1 kHz,
 * 16 bits) keeps counting, so a Stop of up to ~65 s is measured in ~1 ms ticks. LSI is an
 * RC oscillator within a few % of 32 kHz on silicon (DS12110, LSI oscillator
 * characteristics): taken as exactly 32 kHz, a part 3 % slow would put the clock 30 ms
 * behind for every second of Stop (a meeting log's times, the audio clock after each
 * wake). So the boot measures the tick against the core clock (PLL1 from the HSE: the
 * ST-LINK's crystal), and every tick counts for what it measured. */
#define STOP_TIMER_NOMINAL_Q8 (1000u << 8) /* the tick at 32 kHz / 32, in 1/256 us */
#define STOP_TIMER_CAL_TICKS 16u           /* measured over 16 ticks: ~16 ms at boot */
static uint32_t s_tick_q8 = STOP_TIMER_NOMINAL_Q8; /* one tick, in 1/256 us */
static uint32_t s_lsi_hz;                          /* the LSI the boot measured (0: not) */

uint32_t h7_lp_ticks_us(uint32_t ticks) { return (uint32_t)(((uint64_t)ticks * s_tick_q8 + 128u) >> 8); }

uint32_t h7_lsi_measured_hz(void) { return s_lsi_hz; }

/* Whole ticks in max_ms (at least one). */
static uint32_t ticks_in_ms(uint32_t max_ms)
{
    uint64_t t = ((uint64_t)max_ms * 1000u << 8) / s_tick_q8;
    return t < 1u ? 1u : t > 0xFFFFu ? 0xFFFFu : (uint32_t)t;
}

/* Tick edge to tick edge over STOP_TIMER_CAL_TICKS ticks, in core cycles (DWT) at the boot's
 * operating point. A timer that does not tick within twice the nominal time keeps the
 * nominal tick (and s_lsi_hz 0, which the boot event reports). */
static void stop_timer_calibrate(void)
{
    uint32_t hz = h7_clock_sysclk_hz();
    uint32_t limit = (uint32_t)((uint64_t)hz * 2u * (STOP_TIMER_CAL_TICKS + 1u) / 1000u);
    uint32_t c_start = h7_cycles(), first = stop_timer_read(), edge, c0, c1;
    while ((edge = stop_timer_read()) == first)
        if (h7_cycles() - c_start > limit) return;
    c0 = h7_cycles();
    uint32_t last = (edge + STOP_TIMER_CAL_TICKS) & 0xFFFFu;
    while (stop_timer_read() != last)
        if (h7_cycles() - c_start > limit) return;
    c1 = h7_cycles();
    uint64_t q8 = ((uint64_t)(c1 - c0) * 256000000u + (uint64_t)hz * STOP_TIMER_CAL_TICKS / 2u) /
                  ((uint64_t)hz * STOP_TIMER_CAL_TICKS);
    /* an LSI beyond +-25 % is not an LSI: a wrong core clock figure; keep the nominal tick */
    if (q8 < (STOP_TIMER_NOMINAL_Q8 / 4u) * 3u || q8 > (STOP_TIMER_NOMINAL_Q8 / 4u) * 5u)
        return;
    s_tick_q8 = (uint32_t)q8;
    s_lsi_hz = (uint32_t)((32ull * 256000000u + q8 / 2u) / q8);
}

static void stop_timer_start(void)
{
    if (H7_LPTIM1->CR & H7_LPTIM_CR_ENABLE)
        return;
    H7_RCC->CSR |= H7_RCC_CSR_LSION;
    (void)h7_wait_bits(&H7_RCC->CSR, H7_RCC_CSR_LSIRDY, H7_RCC_CSR_LSIRDY, H7_WAIT_TRIES);
    H7_RCC->D2CCIP2R = (H7_RCC->D2CCIP2R & ~H7_RCC_D2CCIP2R_LPTIM1SEL) |
                       (H7_RCC_LPTIM1SEL_LSI << H7_RCC_D2CCIP2R_LPTIM1SEL_Pos);
    H7_RCC->APB1LENR |= H7_RCC_APB1LENR_LPTIM1EN;
    (void)H7_RCC->APB1LENR;
    H7_LPTIM1->CFGR = 5u << H7_LPTIM_CFGR_PRESC_Pos; /* /32 (before ENABLE) */
    /* IER may only change while LPTIM1 is disabled: the compare interrupt is enabled once,
     * here; it reaches the core only in Stop (EXTI line and NVIC unmasked by h7_stop_within) */
    H7_LPTIM1->IER = LPTIM_IER_CMPMIE;
    H7_LPTIM1->CR = H7_LPTIM_CR_ENABLE;
    H7_LPTIM1->ARR = 0xFFFFu; /* after ENABLE; done when ARROK says it reached LPTIM's clock */
    (void)h7_wait_bits(&H7_LPTIM1->ISR, H7_LPTIM_ISR_ARROK, H7_LPTIM_ISR_ARROK, H7_WAIT_TRIES);
    H7_LPTIM1->ICR = H7_LPTIM_ICR_ARROKCF;
    H7_LPTIM1->CR = H7_LPTIM_CR_ENABLE | H7_LPTIM_CR_CNTSTRT;
}

static uint32_t stop_timer_read(void)
{
    uint32_t a, b = H7_LPTIM1->CNT;
    do { /* the counter runs on its own clock */
        a = b;
        b = H7_LPTIM1->CNT;
    } while (a != b);
    return a & 0xFFFFu;
}

static volatile uint32_t s_button_wakes, s_mic_wakes, s_timer_wakes;

/* The last Stop's partial tick, measured after the wake-up (h7_stop_settle_time): the tick
 * count and the time at the wake-up, with the whole ticks already added. */
static bool s_settle_pending;
static uint32_t s_wake_tick, s_wake_us;

uint32_t h7_stop_settle_time(void)
{
    if (!s_settle_pending)
        return 0u;
    s_settle_pending = false;
    uint32_t tick_us = h7_lp_ticks_us(1u);
    uint32_t now = h7_time_us(), tick = stop_timer_read();
    uint32_t ticks = (tick - s_wake_tick) & 0xFFFFu, since;
    if (ticks == 0u) { /* the wake-up's tick still runs: its end, exactly */
        do {
            tick = stop_timer_read();
            now = h7_time_us();
        } while (tick == s_wake_tick && now - s_wake_us < tick_us + tick_us / 10u);
        since = now - s_wake_us;
    } else if (ticks == 1u) { /* it ended since: somewhere in the time since the wake-up */
        since = (now - s_wake_us) / 2u;
    } else {
        since = tick_us / 2u; /* unseen: half a tick */
    }
    uint32_t part = since < tick_us ? tick_us - since : 0u;
    h7_systick_advance_us(part);
    return part;
}

void LPTIM1_IRQHandler(void)
{
    if (H7_LPTIM1->ISR & LPTIM_ISR_CMPM) {
        H7_LPTIM1->ICR = LPTIM_ICR_CMPMCF;
        s_timer_wakes++;
    }
}

/* Wake from Stop within max_ms: LPTIM1 (free-running, ~1 ms ticks, 16 bits) compares at
 * now + the ticks in max_ms and wakes the core through EXTI line 47. */
static void arm_timer_wakeup(uint32_t max_ms)
{
    H7_LPTIM1->ICR = LPTIM_ICR_CMPMCF | LPTIM_ICR_CMPOKCF;
    H7_LPTIM1->CMP = (stop_timer_read() + ticks_in_ms(max_ms)) & 0xFFFFu;
    (void)h7_wait_bits(&H7_LPTIM1->ISR, LPTIM_ISR_CMPOK, LPTIM_ISR_CMPOK, H7_WAIT_TRIES);
    H7_LPTIM1->ICR = LPTIM_ICR_CMPOKCF;
    H7_EXTI->CPUIMR2 |= H7_BIT(LPTIM1_EXTI_LINE - 32u);
    h7_irq_clear_pending(H7_IRQ_LPTIM1); /* a match while it was disarmed */
    h7_irq_enable(H7_IRQ_LPTIM1, H7_PRIO_CONSOLE);
}

static void disarm_timer_wakeup(void)
{
    H7_EXTI->CPUIMR2 &= ~H7_BIT(LPTIM1_EXTI_LINE - 32u);
    h7_irq_disable(H7_IRQ_LPTIM1);
    H7_LPTIM1->ICR = LPTIM_ICR_CMPMCF;
    h7_irq_clear_pending(H7_IRQ_LPTIM1);
}

void EXTI15_10_IRQHandler(void)
{
    uint32_t pending = H7_EXTI->CPUPR1;
    if (pending & H7_BIT(BUTTON_EXTI_LINE)) {
        H7_EXTI->CPUPR1 = H7_BIT(BUTTON_EXTI_LINE); /* write 1 to clear */
        s_button_wakes++;
    }
    if (pending & H7_BIT(MIC_WAKE_LINE)) {
        H7_EXTI->CPUPR1 = H7_BIT(MIC_WAKE_LINE);
        s_mic_wakes++;
    }
}

void h7_stop(h7_stop_result_t *result) { h7_stop_within(result, 0u); }

void h7_stop_within(h7_stop_result_t *result, uint32_t max_ms)
{
    (void)h7_stop_settle_time(); /* a Stop right after a Stop (the watchdog's timer wake-ups) */
    h7_opp_t resume = h7_clock_get_opp();

    uint32_t irq = h7_irq_save();
    /* the byte on the wire finishes (Stop would cut it); what is still queued goes out after
     * the wake-up instead of holding the Stop (and a stopped capture) for its wire time */
    h7_console_hold();
    (void)h7_clock_set_opp(H7_OPP_64);
    arm_button_wakeup();
    arm_mic_wakeup();
    uint32_t button_before = s_button_wakes;
    uint32_t mic_before = s_mic_wakes;
    uint32_t timer_before = s_timer_wakes;
    if (mic_signals_sound()) {
        /* sound already: no rising edge would come; do not go deaf */
        disarm_mic_wakeup();
        (void)h7_clock_set_opp(resume);
        h7_irq_restore(irq);
        h7_console_release();
        result->entered_stop = false;
        result->stop_cycles = 0;
        result->wake_source = H7_WAKE_SOUND_PIN;
        return;
    }
    /* USART3 wakes the chip on a received byte (RXNE), its EXTI line unmasked. */
    H7_USART3->CR1 &= ~H7_USART_CR1_UE;
    H7_USART3->CR3 = (H7_USART3->CR3 & ~H7_USART_CR3_WUS) | (3u << H7_USART_CR3_WUS_Pos);
    H7_USART3->CR1 |= H7_USART_CR1_UESM | H7_USART_CR1_UE;
    H7_EXTI->CPUIMR1 |= H7_BIT(H7_EXTI_LINE_USART3_WKUP);

    /* D1, D2, D3 all to DStop (not Standby) on deep sleep; low-power regulator at SVOS5,
     * the lowest Stop level (DS12110 Table 133: 1.27 mA against 3.07 at SVOS3; SVOS4/5
     * always use the low-power regulator, LPDS only matters at SVOS3). Its price is a longer
     * wake-up (DS12110 tWUSTOP, tens of us) while the regulator climbs back: the microphone's
     * own 10 ms detection window is what the word loses (apps/kws/README.md). */
    H7_PWR->CPUCR &= ~(H7_PWR_CPUCR_PDDS_D1 | H7_PWR_CPUCR_PDDS_D2 | H7_PWR_CPUCR_PDDS_D3);
    H7_PWR->CPUCR |= H7_PWR_CPUCR_CSSF;
    H7_PWR->CR1 = (H7_PWR->CR1 & ~H7_PWR_CR1_SVOS) | (1u << H7_PWR_CR1_SVOS_Pos) | H7_PWR_CR1_LPDS;
    H7_RCC->CFGR &= ~(H7_RCC_CFGR_STOPWUCK | H7_RCC_CFGR_STOPKERWUCK); /* wake on HSI */

    stop_timer_start();
    if (max_ms > 0u)
        arm_timer_wakeup(max_ms);
    /* The Stop is timed in LPTIM1 ticks (1 ms). It starts on a tick edge (a wait of at most
     * 1 ms at the HSI point); the whole ticks are added at the wake-up and the tick the
     * wake-up fell in by h7_stop_settle_time, from the next edge. Read at both ends alone,
     * the Stop came out 1-2 ms short every time and the audio clock of a board that stops
     * between words fell ~1 ms behind per word (apps/kws/README.md, "Stop between words");
     * counting the last tick as half a tick was unbiased only where the wake-up falls at a
     * random point of a tick: on the simulated board the microphone's 10 ms wake windows
     * and the LSI ticks keep one phase, and the half-tick error came back at every wake
     * (0.5 ms per wake, 4 ms after 8). */
    uint32_t edge = stop_timer_read();
    uint32_t ticks0;
    do {
        ticks0 = stop_timer_read();
    } while (ticks0 == edge);
    h7_systick_suspend(h7_clock_sysclk_hz()); /* a pending tick would keep the core out of Stop */
    uint32_t t0 = h7_cycles();
    H7_SCB->SCR |= H7_SCB_SCR_SLEEPDEEP;
    h7_dsb();
    h7_wfi();
    H7_SCB->SCR &= ~H7_SCB_SCR_SLEEPDEEP;
    uint32_t t1 = h7_cycles();
    uint32_t woke = stop_timer_read();
    h7_systick_resume(h7_clock_sysclk_hz(), h7_lp_ticks_us((woke - ticks0) & 0xFFFFu));
    s_wake_tick = woke;
    s_wake_us = h7_time_us();
    s_settle_pending = true;

    result->entered_stop = (H7_PWR->CPUCR & H7_PWR_CPUCR_STOPF) != 0u;
    H7_PWR->CPUCR |= H7_PWR_CPUCR_CSSF;
    result->stop_cycles = t1 - t0;
    result->wake_source = 0;
    if (H7_USART3->ISR & (H7_USART_ISR_RXNE | H7_USART_ISR_WUF))
        result->wake_source |= H7_WAKE_UART;
    if (H7_EXTI->CPUPR1 & H7_BIT(BUTTON_EXTI_LINE))
        result->wake_source |= H7_WAKE_BUTTON;
    if (H7_EXTI->CPUPR1 & H7_BIT(MIC_WAKE_LINE))
        result->wake_source |= H7_WAKE_SOUND_PIN;
    if (max_ms > 0u && (H7_LPTIM1->ISR & LPTIM_ISR_CMPM))
        result->wake_source |= H7_WAKE_TIMER;
    disarm_mic_wakeup();
    if (max_ms > 0u)
        disarm_timer_wakeup();
    H7_USART3->ICR = H7_USART_ICR_WUCF;
    H7_USART3->CR1 &= ~H7_USART_CR1_UESM;

    /* Clocks back before any handler runs. */
    (void)h7_clock_set_opp(resume);
    h7_irq_restore(irq);
    h7_console_release();
    if (s_button_wakes != button_before)
        result->wake_source |= H7_WAKE_BUTTON;
    if (s_mic_wakes != mic_before)
        result->wake_source |= H7_WAKE_SOUND_PIN;
    if (s_timer_wakes != timer_before)
        result->wake_source |= H7_WAKE_TIMER;
    H7_LPTIM1->ICR = LPTIM_ICR_CMPMCF;
    if (result->wake_source == 0u)
        result->wake_source = H7_WAKE_OTHER;
}

const char *h7_wake_source_name(uint32_t wake_source)
{
    if (wake_source & H7_WAKE_SOUND_PIN) return "sound";
    if (wake_source & H7_WAKE_TIMER) return "timer";
    if (wake_source & H7_WAKE_UART) return "uart";
    if (wake_source & H7_WAKE_BUTTON) return "button";
    return "other";
}
