/*
 * Power: supply configuration, Sleep (WFI) and Stop (RM0433 section 6.6).
 *
 * Stop: the core clock stops, PLLs and HSE are switched off by hardware and the chip
 * wakes on HSI (RCC_CFGR.STOPWUCK = 0). We therefore move to the HSI point first,
 * arm the wake-up sources, enter Stop with interrupts masked (WFI still wakes on a
 * pending interrupt), restore the previous operating point, and only then unmask, so
 * no handler ever runs with half-restored clocks.
 * Wake-up sources: USART3 (a byte on RX: UESM, EXTI line 28 direct event) and the user
 * button B1 (PC13, EXTI line 13 rising edge).
 */
#include "platform/platform.h"
#include "platform/stm32h743/h743_internal.h"
#include "platform/stm32h743/h743_regs.h"

#define BUTTON_EXTI_LINE 13u

void h7_power_init(void)
{
    /* The supply configuration (LDO on, bypass off) can be written once after reset. */
    if (H7_PWR->CR3 & H7_PWR_CR3_SCUEN)
        H7_PWR->CR3 = (H7_PWR->CR3 & ~(H7_PWR_CR3_SCUEN | H7_PWR_CR3_BYPASS)) | H7_PWR_CR3_LDOEN;
    (void)h7_wait_bits(&H7_PWR->CSR1, H7_PWR_CSR1_ACTVOSRDY, H7_PWR_CSR1_ACTVOSRDY, H7_WAIT_TRIES);
}

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

static volatile uint32_t s_button_wakes;

void EXTI15_10_IRQHandler(void)
{
    if (H7_EXTI->CPUPR1 & H7_BIT(BUTTON_EXTI_LINE)) {
        H7_EXTI->CPUPR1 = H7_BIT(BUTTON_EXTI_LINE); /* write 1 to clear */
        s_button_wakes++;
    }
}

void h7_stop(h7_stop_result_t *result)
{
    h7_opp_t resume = h7_clock_get_opp();
    h7_console_flush(); /* the UART must be idle: a byte in flight would be cut */

    uint32_t irq = h7_irq_save();
    (void)h7_clock_set_opp(H7_OPP_64);
    arm_button_wakeup();
    uint32_t button_before = s_button_wakes;
    /* USART3 wakes the chip on a received byte (RXNE), its EXTI line unmasked. */
    H7_USART3->CR1 &= ~H7_USART_CR1_UE;
    H7_USART3->CR3 = (H7_USART3->CR3 & ~H7_USART_CR3_WUS) | (3u << H7_USART_CR3_WUS_Pos);
    H7_USART3->CR1 |= H7_USART_CR1_UESM | H7_USART_CR1_UE;
    H7_EXTI->CPUIMR1 |= H7_BIT(H7_EXTI_LINE_USART3_WKUP);

    /* D1, D2, D3 all to DStop (not Standby) on deep sleep; low-power regulator. */
    H7_PWR->CPUCR &= ~(H7_PWR_CPUCR_PDDS_D1 | H7_PWR_CPUCR_PDDS_D2 | H7_PWR_CPUCR_PDDS_D3);
    H7_PWR->CPUCR |= H7_PWR_CPUCR_CSSF;
    H7_PWR->CR1 = (H7_PWR->CR1 & ~H7_PWR_CR1_SVOS) | (3u << H7_PWR_CR1_SVOS_Pos) | H7_PWR_CR1_LPDS;
    H7_RCC->CFGR &= ~(H7_RCC_CFGR_STOPWUCK | H7_RCC_CFGR_STOPKERWUCK); /* wake on HSI */

    uint32_t t0 = h7_cycles();
    H7_SCB->SCR |= H7_SCB_SCR_SLEEPDEEP;
    h7_dsb();
    h7_wfi();
    H7_SCB->SCR &= ~H7_SCB_SCR_SLEEPDEEP;
    uint32_t t1 = h7_cycles();

    result->entered_stop = (H7_PWR->CPUCR & H7_PWR_CPUCR_STOPF) != 0u;
    H7_PWR->CPUCR |= H7_PWR_CPUCR_CSSF;
    result->stop_cycles = t1 - t0;
    result->wake_source = 0;
    if (H7_USART3->ISR & (H7_USART_ISR_RXNE | H7_USART_ISR_WUF))
        result->wake_source |= H7_WAKE_UART;
    if (H7_EXTI->CPUPR1 & H7_BIT(BUTTON_EXTI_LINE))
        result->wake_source |= H7_WAKE_BUTTON;
    H7_USART3->ICR = H7_USART_ICR_WUCF;
    H7_USART3->CR1 &= ~H7_USART_CR1_UESM;

    /* Clocks back before any handler runs. */
    (void)h7_clock_set_opp(resume);
    h7_irq_restore(irq);
    if (s_button_wakes != button_before)
        result->wake_source |= H7_WAKE_BUTTON;
    if (result->wake_source == 0u)
        result->wake_source = H7_WAKE_OTHER;
}
