/* Independent watchdog IWDG1 (RM0433 chapter 45): LSI (32 kHz nominal), 12-bit reload. */
#include "platform/platform.h"
#include "platform/stm32h743/h743_internal.h"
#include "platform/stm32h743/h743_regs.h"

void h7_watchdog_start(uint32_t timeout_ms)
{
    /* Smallest prescaler (4 << pr) whose 12-bit reload reaches the timeout, in this part's
     * LSI as the boot measured it (a few % off 32 kHz on silicon; power.c) */
    uint32_t lsi_hz = h7_lsi_measured_hz() ? h7_lsi_measured_hz() : H7_LSI_HZ;
    uint32_t pr = 0;
    uint64_t ticks = (uint64_t)timeout_ms * lsi_hz / 1000u / 4u;
    while (ticks > 4096u && pr < 6u) {
        pr++;
        ticks /= 2u;
    }
    if (ticks > 4096u)
        ticks = 4096u;
    if (ticks == 0u)
        ticks = 1u;
    H7_IWDG1->KR = H7_IWDG_KEY_START; /* starts LSI and the counter */
    H7_IWDG1->KR = H7_IWDG_KEY_UNLOCK;
    H7_IWDG1->PR = pr;
    H7_IWDG1->RLR = (uint32_t)ticks - 1u;
    (void)h7_wait_bits(&H7_IWDG1->SR, H7_IWDG_SR_PVU | H7_IWDG_SR_RVU, 0u, H7_WAIT_TRIES);
    H7_IWDG1->KR = H7_IWDG_KEY_RELOAD;
}

void h7_watchdog_kick(void) { H7_IWDG1->KR = H7_IWDG_KEY_RELOAD; }
