/*
 * Board bring-up of the NUCLEO-H743ZI2 and small services: LEDs, the user button, the
 * reset cause and software reset. (Interrupt helpers: irq.c, below every other file.)
 */
#include <string.h>

#include "common/log.h"
#include "platform/platform.h"
#include "platform/sections.h"
#include "platform/stm32h743/h743_internal.h"
#include "platform/stm32h743/h743_regs.h"

static const char *s_reset_cause = "unknown";

/* The reset record in RAM that start-up does not clear: magic + record + CRC-32. */
#define RECORD_MAGIC 0x48375253u /* "H7RS" */
typedef struct {
    uint32_t magic;
    h7_reset_record_t record;
    uint32_t crc;
} stored_record_t;
static stored_record_t s_stored H7_NOINIT;
static bool s_record_valid;

static uint32_t crc32(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t crc = 0xFFFFFFFFu;
    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void record_seal(void)
{
    s_stored.magic = RECORD_MAGIC;
    s_stored.crc = crc32(&s_stored.record, sizeof s_stored.record);
}

/* Called once per boot, after the cause is known: counts this boot. The note of the boot
 * before stays readable for this boot and is cleared for the next. */
static void record_boot(void)
{
    s_record_valid = s_stored.magic == RECORD_MAGIC &&
                     s_stored.crc == crc32(&s_stored.record, sizeof s_stored.record);
    if (!s_record_valid)
        memset(&s_stored.record, 0, sizeof s_stored.record);
    h7_reset_record_t *r = &s_stored.record;
    r->last_note[sizeof r->last_note - 1] = 0;
    r->boots++;
    if (strcmp(s_reset_cause, "iwdg") == 0)
        r->iwdg++;
    else if (strcmp(s_reset_cause, "software") == 0)
        r->software++;
    else if (strcmp(s_reset_cause, "pin") == 0)
        r->pin++;
    else if (strcmp(s_reset_cause, "brown-out") == 0)
        r->brown_out++;
    else if (strcmp(s_reset_cause, "power-on") == 0)
        r->power_on++;
    else
        r->other++;
    record_seal();
}

static h7_reset_record_t s_at_boot;

const h7_reset_record_t *h7_reset_record(bool *valid_at_boot)
{
    if (valid_at_boot)
        *valid_at_boot = s_record_valid;
    return &s_at_boot;
}

void h7_reset_note(const char *why)
{
    h7_reset_record_t *r = &s_stored.record;
    size_t n = 0;
    while (why && why[n] && n < sizeof r->last_note - 1) {
        r->last_note[n] = why[n];
        n++;
    }
    r->last_note[n] = 0;
    record_seal();
}

void h7_reset_cause_capture(void)
{
    uint32_t rsr = H7_RCC->RSR;
    if (rsr & H7_RCC_RSR_IWDG1RSTF)
        s_reset_cause = "iwdg";
    else if (rsr & H7_RCC_RSR_WWDG1RSTF)
        s_reset_cause = "wwdg";
    else if (rsr & H7_RCC_RSR_LPWRRSTF)
        s_reset_cause = "low-power";
    else if (rsr & H7_RCC_RSR_SFTRSTF)
        s_reset_cause = "software";
    else if (rsr & H7_RCC_RSR_PORRSTF)
        s_reset_cause = "power-on";
    else if (rsr & H7_RCC_RSR_BORRSTF)
        s_reset_cause = "brown-out";
    else if (rsr & H7_RCC_RSR_PINRSTF)
        s_reset_cause = "pin";
    H7_RCC->RSR = H7_RCC_RSR_RMVF; /* clear, so the next boot reports its own cause */
}

const char *h7_reset_cause(void) { return s_reset_cause; }

void h7_system_reset(void)
{
    h7_dsb();
    H7_SCB->AIRCR = H7_SCB_AIRCR_VECTKEY | (H7_SCB->AIRCR & (7u << H7_SCB_AIRCR_PRIGROUP_Pos)) |
                    H7_SCB_AIRCR_SYSRESETREQ;
    h7_dsb();
    for (;;) {
    }
}

typedef struct {
    uint8_t port;
    uint8_t pin;
} pin_t;
static const pin_t k_leds[3] = {{H7_PORT_B, 0}, {H7_PORT_E, 1}, {H7_PORT_B, 14}};

static void leds_init(void)
{
    H7_RCC->AHB4ENR |= H7_RCC_AHB4ENR_GPIOEN(H7_PORT_B) | H7_RCC_AHB4ENR_GPIOEN(H7_PORT_C) |
                       H7_RCC_AHB4ENR_GPIOEN(H7_PORT_E);
    (void)H7_RCC->AHB4ENR;
    for (unsigned i = 0; i < 3u; i++) {
        h7_gpio_t *port = H7_GPIO(k_leds[i].port);
        uint32_t pin = k_leds[i].pin;
        port->BSRR = 1u << (pin + 16u); /* off first, then output */
        port->MODER = (port->MODER & ~(3u << (pin * 2u))) | (H7_GPIO_MODE_OUTPUT << (pin * 2u));
    }
    /* B1 on PC13: input (the board has an external pull-down). */
    H7_GPIOC->MODER &= ~(3u << (13u * 2u));
}

void h7_led_set(int led, bool on)
{
    if (led < 0 || led > 2)
        return;
    uint32_t pin = k_leds[led].pin;
    H7_GPIO(k_leds[led].port)->BSRR = on ? (1u << pin) : (1u << (pin + 16u));
}

bool h7_button_pressed(void) { return (H7_GPIOC->IDR & (1u << 13)) != 0u; }

void h7_platform_init(h7_opp_t opp)
{
    h7_reset_cause_capture();
    record_boot();
    s_at_boot = s_stored.record; /* with the note of the boot before */
    h7_reset_note("");
    h7_power_init();
    h7_clock_init_kernels();
    h7_dwt_init();
    /* LPTIM1's LSI tick is measured against PLL1, which runs from the HSE (the ST-LINK's
     * crystal): the 120 MHz point for those ~16 ms, whatever point the application runs at */
    (void)h7_clock_set_opp(H7_OPP_120);
    h7_lp_timer_init();
    (void)h7_clock_set_opp(opp); /* also starts SysTick at the new rate */
    h7_systick_init(h7_clock_sysclk_hz());
    h7_console_init();
    leds_init();
    h7_log_set_writer(h7_console_write);
    h7_log_set_clock(h7_time_ms);
    h7_console_enable_irq();
    h7_irq_enable_all();
}
