/* SysTick millisecond time base and the DWT cycle counter. */
#include "platform/platform.h"
#include "platform/stm32h743/h743_internal.h"
#include "platform/stm32h743/h743_regs.h"

static volatile uint32_t s_ms;

void SysTick_Handler(void) { s_ms++; }

void h7_systick_reconfigure(uint32_t sysclk_hz)
{
    /* 1 kHz from the core clock: 480 MHz / 1000 - 1 = 479999 fits the 24-bit reload. */
    H7_SYSTICK->CTRL = 0;
    H7_SYSTICK->LOAD = sysclk_hz / 1000u - 1u;
    H7_SYSTICK->VAL = 0;
    H7_SYSTICK->CTRL = H7_SYSTICK_CTRL_CLKSOURCE | H7_SYSTICK_CTRL_TICKINT | H7_SYSTICK_CTRL_ENABLE;
}

void h7_systick_init(void)
{
    H7_SCB->SHPR[H7_EXC_SYSTICK - 4u] = (uint8_t)(H7_PRIO_SYSTICK << (8u - H7_NVIC_PRIO_BITS));
    h7_systick_reconfigure(h7_clock_sysclk_hz());
}

void h7_dwt_init(void)
{
    H7_DEMCR |= H7_DEMCR_TRCENA;
    H7_DWT->LAR = H7_DWT_LAR_KEY; /* the M7 DWT is locked after reset */
    H7_DWT->CYCCNT = 0;
    H7_DWT->CTRL |= H7_DWT_CTRL_CYCCNTENA;
}

uint32_t h7_time_ms(void) { return s_ms; }

uint32_t h7_cycles(void) { return H7_DWT->CYCCNT; }

void h7_delay_ms(uint32_t ms)
{
    uint32_t start = s_ms;
    while ((uint32_t)(s_ms - start) < ms)
        h7_wfi(); /* SysTick wakes us every millisecond */
}
