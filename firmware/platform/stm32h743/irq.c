/*
 * NVIC and PRIMASK helpers (h7_irq_*). They sit below every other board file and call
 * none of them, so clock.c, power.c, console_uart.c, timebase.c and the drivers use them
 * without a call back up into board.c (which brings those files up).
 */
#include "platform/platform.h"
#include "platform/stm32h743/h743_regs.h"

void h7_irq_enable(int irq, uint32_t priority)
{
    if (irq < 0 || irq >= (int)H7_IRQ_COUNT)
        return;
    H7_NVIC->IPR[irq] = (uint8_t)((priority & 0xFu) << (8u - H7_NVIC_PRIO_BITS));
    H7_NVIC->ISER[(uint32_t)irq >> 5] = 1u << ((uint32_t)irq & 31u);
}

void h7_irq_disable(int irq)
{
    if (irq < 0 || irq >= (int)H7_IRQ_COUNT)
        return;
    H7_NVIC->ICER[(uint32_t)irq >> 5] = 1u << ((uint32_t)irq & 31u);
    h7_dsb();
    h7_isb();
}

void h7_irq_clear_pending(int irq)
{
    if (irq < 0 || irq >= (int)H7_IRQ_COUNT)
        return;
    H7_NVIC->ICPR[(uint32_t)irq >> 5] = 1u << ((uint32_t)irq & 31u);
}

void h7_irq_trigger(int irq)
{
    if (irq < 0 || irq >= (int)H7_IRQ_COUNT)
        return;
    H7_NVIC->STIR = (uint32_t)irq;
    h7_dsb();
    h7_isb();
}

uint32_t h7_irq_save(void)
{
    uint32_t state = h7_get_primask();
    h7_irq_disable_all();
    return state;
}

void h7_irq_restore(uint32_t state) { h7_set_primask(state); }
