/*
 * Millisecond time base (SysTick) and the DWT cycle counter.
 *
 * SysTick interrupts once per millisecond of the current core clock. An operating-point
 * switch has to reload it for the new clock; the part of the millisecond already counted
 * must not be lost there (it used to be: ~4.5 ms lost per 1000 switches). Time is kept in
 * units of 1/960 MHz, because every operating point's clock divides 960 MHz exactly
 * (480, 240, 120 and 64 MHz: 2, 4, 8 and 15 units per cycle), so the cycles counted
 * at the old clock convert to the new one without rounding:
 *   - each SysTick interrupt adds one millisecond (hz/1000 cycles = 960000 units);
 *   - at a switch, the cycles since the last interrupt go into a remainder (units) that
 *     is carried over to the next millisecond, and SysTick restarts at the new clock;
 *   - h7_time_ms() adds the remainder and the cycles counted since the last interrupt.
 * What is left: the few cycles between stopping and restarting SysTick at a switch
 * (a handful of instructions, tens of ns). In Stop mode SysTick stops with the core
 * clock: power.c measures the Stop with LPTIM1 (1 ms steps) and adds it on wake-up, the
 * last, partial step once the next LPTIM1 edge says how long it was (h7_stop_settle_time).
 * The callers pass the core clock in: this file calls only irq.c (no call back up into
 * clock.c, which calls h7_systick_reconfigure at every switch).
 */
#include "platform/platform.h"
#include "platform/stm32h743/h743_internal.h"
#include "platform/stm32h743/h743_regs.h"

#define UNIT_HZ 960000000u
#define UNITS_PER_MS (UNIT_HZ / 1000u)

static volatile uint32_t s_ms;
static uint32_t s_units;          /* carried remainder, < UNITS_PER_MS */
static uint32_t s_units_per_cycle = UNIT_HZ / 64000000u; /* reset clock: HSI */

void SysTick_Handler(void) { s_ms++; }

static void carry_units(uint32_t units)
{
    s_units += units;
    while (s_units >= UNITS_PER_MS) {
        s_units -= UNITS_PER_MS;
        s_ms++;
    }
}

void h7_systick_reconfigure(uint32_t sysclk_hz)
{
    /* Called with interrupts masked (clock switch) or before they are enabled. Freeze the
     * counter first: a wrap after this point cannot happen, one before it is pending and
     * its handler counts that millisecond; VAL then holds the cycles since that wrap. */
    uint32_t ctrl = H7_SYSTICK->CTRL;
    H7_SYSTICK->CTRL = 0;
    if (ctrl & H7_SYSTICK_CTRL_ENABLE) {
        uint32_t load = H7_SYSTICK->LOAD;
        uint32_t val = H7_SYSTICK->VAL;
        uint32_t elapsed = val <= load ? load - val + 1u : 0u;
        if (val == 0u)
            elapsed = 0u; /* cleared or just wrapped: nothing counted yet */
        carry_units(elapsed * s_units_per_cycle);
    }
    /* 1 kHz from the core clock: 480 MHz / 1000 - 1 = 479999 fits the 24-bit reload. */
    s_units_per_cycle = sysclk_hz && UNIT_HZ % sysclk_hz == 0u ? UNIT_HZ / sysclk_hz : 0u;
    H7_SYSTICK->LOAD = sysclk_hz / 1000u - 1u;
    H7_SYSTICK->VAL = 0;
    H7_SYSTICK->CTRL = H7_SYSTICK_CTRL_CLKSOURCE | H7_SYSTICK_CTRL_TICKINT | H7_SYSTICK_CTRL_ENABLE;
}

void h7_systick_suspend(uint32_t sysclk_hz)
{
    /* Interrupts masked (Stop entry). A pending tick would keep WFI from entering Stop:
     * count it here and clear it, with the cycles since the last one. */
    h7_systick_reconfigure(sysclk_hz); /* carries the partial ms */
    H7_SYSTICK->CTRL = 0;
    if (H7_SCB->ICSR & H7_SCB_ICSR_PENDSTSET) {
        H7_SCB->ICSR = H7_SCB_ICSR_PENDSTCLR;
        s_ms++;
    }
}

void h7_systick_resume(uint32_t sysclk_hz, uint32_t slept_us)
{
    s_ms += slept_us / 1000u;
    carry_units((slept_us % 1000u) * (UNITS_PER_MS / 1000u));
    h7_systick_reconfigure(sysclk_hz); /* the counter is stopped: nothing to carry */
}

void h7_systick_advance_us(uint32_t us)
{
    uint32_t irq = h7_irq_save();
    s_ms += us / 1000u;
    carry_units((us % 1000u) * (UNITS_PER_MS / 1000u));
    h7_irq_restore(irq);
}

void h7_systick_init(uint32_t sysclk_hz)
{
    H7_SCB->SHPR[H7_EXC_SYSTICK - 4u] = (uint8_t)(H7_PRIO_SYSTICK << (8u - H7_NVIC_PRIO_BITS));
    h7_systick_reconfigure(sysclk_hz);
}

void h7_dwt_init(void)
{
    H7_DEMCR |= H7_DEMCR_TRCENA;
    H7_DWT->LAR = H7_DWT_LAR_KEY; /* the M7 DWT is locked after reset */
    H7_DWT->CYCCNT = 0;
    H7_DWT->CTRL |= H7_DWT_CTRL_CYCCNTENA;
}

/* Milliseconds and the units (1/960 MHz) of the current millisecond, read consistently. */
static uint32_t time_now(uint32_t *units_out)
{
    uint32_t irq = h7_irq_save();
    bool pending_before = (H7_SCB->ICSR & H7_SCB_ICSR_PENDSTSET) != 0u;
    uint32_t load = H7_SYSTICK->LOAD;
    uint32_t val = H7_SYSTICK->VAL;
    bool pending = (H7_SCB->ICSR & H7_SCB_ICSR_PENDSTSET) != 0u;
    if (pending != pending_before)
        val = H7_SYSTICK->VAL; /* wrapped between the reads: count from the new period */
    uint32_t ms = s_ms + (pending ? 1u : 0u); /* a wrap whose handler has not run yet */
    uint32_t units = s_units;
    if ((H7_SYSTICK->CTRL & H7_SYSTICK_CTRL_ENABLE) && val != 0u && val <= load)
        units += (load - val + 1u) * s_units_per_cycle;
    h7_irq_restore(irq);
    ms += units / UNITS_PER_MS;
    *units_out = units % UNITS_PER_MS;
    return ms;
}

uint32_t h7_time_ms(void)
{
    uint32_t units;
    return time_now(&units);
}

uint32_t h7_time_us(void)
{
    uint32_t units;
    uint32_t ms = time_now(&units);
    return ms * 1000u + units / (UNITS_PER_MS / 1000u);
}

uint32_t h7_time_ms_sub_us(uint32_t *sub_us)
{
    uint32_t units;
    uint32_t ms = time_now(&units);
    *sub_us = units / (UNITS_PER_MS / 1000u);
    return ms;
}

uint32_t h7_cycles(void) { return H7_DWT->CYCCNT; }

void h7_delay_ms(uint32_t ms)
{
    uint32_t start = h7_time_ms();
    while ((uint32_t)(h7_time_ms() - start) < ms)
        h7_wfi(); /* SysTick wakes us every millisecond */
}
