/* Board-internal functions shared between the files of firmware/platform/stm32h743/. */
#ifndef H7_PLATFORM_STM32H743_H743_INTERNAL_H
#define H7_PLATFORM_STM32H743_H743_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "platform/platform.h"

void h7_mpu_init(void);
void h7_cache_enable(void);
void h7_fault_handlers_enable(void);
void h7_power_init(void);
void h7_lp_timer_init(void); /* LPTIM1 on LSI / 32, its tick measured (power.c) */
void h7_clock_init_kernels(void);
void h7_systick_init(uint32_t sysclk_hz);
void h7_systick_reconfigure(uint32_t sysclk_hz);
void h7_systick_suspend(uint32_t sysclk_hz);
/* Restarts SysTick at sysclk_hz after a suspension (Stop) that lasted slept_us. */
void h7_systick_resume(uint32_t sysclk_hz, uint32_t slept_us);
/* Moves the time base forward by us (the part of a Stop measured after it, power.c). */
void h7_systick_advance_us(uint32_t us);
void h7_dwt_init(void);
void h7_console_init(void);
void h7_console_enable_irq(void);
void h7_board_init(void);
void h7_reset_cause_capture(void);

/* Busy-wait until (*reg & mask) == want, at most `tries` reads; true on success. */
static inline bool h7_wait_bits(volatile uint32_t *reg, uint32_t mask, uint32_t want, uint32_t tries)
{
    while (tries-- > 0u) {
        if ((*reg & mask) == want)
            return true;
    }
    return false;
}
#define H7_WAIT_TRIES 2000000u

/* Fault reporting (faults.c): prints the fault and resets. */
void h7_fault_report(const uint32_t *frame, uint32_t exc_return, uint32_t exception)
    __attribute__((noreturn, used));
extern uint32_t h7_fault_stack[];

/* r0 = stacked frame (MSP or PSP per EXC_RETURN bit 2), r1 = EXC_RETURN, r2 = IPSR. */
#define FAULT_TRAMPOLINE(name)                                                          \
    __attribute__((naked)) void name(void)                                              \
    {                                                                                   \
        __asm volatile("tst lr, #4\n"                                                   \
                       "ite eq\n"                                                       \
                       "mrseq r0, msp\n"                                                \
                       "mrsne r0, psp\n"                                                \
                       "mov r1, lr\n"                                                   \
                       "mrs r2, ipsr\n"                                                 \
                       "movw r3, #:lower16:h7_fault_stack+1024\n"                       \
                       "movt r3, #:upper16:h7_fault_stack+1024\n"                       \
                       "mov sp, r3\n"                                                   \
                       "b h7_fault_report\n");                                          \
    }


#endif /* H7_PLATFORM_STM32H743_H743_INTERNAL_H */
