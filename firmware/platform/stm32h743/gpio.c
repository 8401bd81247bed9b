/*
 * General-purpose outputs/inputs on the NUCLEO-H743ZI2 header pins (platform.h, "GPIO").
 * Pins the board already uses (console, I2S microphone, its wake pin, LEDs, button, SWD,
 * HSE input) are refused, so an application cannot take them over by mistake.
 */
#include "platform/platform.h"
#include "platform/stm32h743/h743_internal.h"
#include "platform/stm32h743/h743_regs.h"

#define PORT_OF(pin) ((uint32_t)(pin) >> 4)
#define NUMBER_OF(pin) ((uint32_t)(pin) & 15u)
#define PORT_COUNT 11u /* A..K */

/* The BOARD rows of the pin table: console, I2S, microphone wake, LEDs, B1, SWD, HSE. */
static const h7_pin_t k_reserved[] = {
#define H7_BOARD_PIN_BOARD(name) H7_PIN_##name,
#define H7_BOARD_PIN_FREE(name)
#define H7_BOARD_PIN(name, port, number, arduino, use, what) H7_BOARD_PIN_##use(name)
#include "platform/stm32h743/board_pins.def"
#undef H7_BOARD_PIN
#undef H7_BOARD_PIN_BOARD
#undef H7_BOARD_PIN_FREE
};

static bool usable(h7_pin_t pin)
{
    if (PORT_OF(pin) >= PORT_COUNT)
        return false;
    for (unsigned i = 0; i < sizeof k_reserved / sizeof k_reserved[0]; i++) {
        if (k_reserved[i] == pin)
            return false;
    }
    return true;
}

int h7_gpio_output(h7_pin_t pin)
{
    if (!usable(pin))
        return -1;
    uint32_t n = NUMBER_OF(pin);
    H7_RCC->AHB4ENR |= H7_RCC_AHB4ENR_GPIOEN(PORT_OF(pin));
    (void)H7_RCC->AHB4ENR;
    h7_gpio_t *port = H7_GPIO(PORT_OF(pin));
    port->BSRR = 1u << (n + 16u); /* low first, then output: no glitch high */
    port->OTYPER &= ~(1u << n);   /* push-pull */
    port->MODER = (port->MODER & ~(3u << (n * 2u))) | (H7_GPIO_MODE_OUTPUT << (n * 2u));
    return 0;
}

void h7_gpio_write(h7_pin_t pin, bool high)
{
    if (PORT_OF(pin) >= PORT_COUNT)
        return;
    uint32_t n = NUMBER_OF(pin);
    H7_GPIO(PORT_OF(pin))->BSRR = high ? (1u << n) : (1u << (n + 16u));
}

bool h7_gpio_read(h7_pin_t pin)
{
    if (PORT_OF(pin) >= PORT_COUNT)
        return false;
    return (H7_GPIO(PORT_OF(pin))->IDR >> NUMBER_OF(pin)) & 1u;
}

void h7_gpio_write_bits(const h7_pin_t *pins, unsigned count, uint32_t value)
{
    for (unsigned i = 0; i < count; i++)
        h7_gpio_write(pins[i], (value >> i) & 1u);
}
