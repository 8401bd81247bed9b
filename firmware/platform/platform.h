/*
 * Portable platform API of h7voice: what applications and portable code may call.
 * The STM32H743 implementation lives in firmware/platform/stm32h743/ (the only code
 * that touches registers). Nothing here exposes a register.
 *
 * Start-up order in an application:  h7_platform_init(H7_OPP_480);  ... then use.
 */
#ifndef H7_PLATFORM_PLATFORM_H
#define H7_PLATFORM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Operating points (DVFS) ------------------------------------------------------ */
typedef enum {
    H7_OPP_64 = 0, /* HSI 64 MHz direct, PLL off, VOS3: lowest power while running */
    H7_OPP_120,    /* PLL1 120 MHz, VOS3 */
    H7_OPP_240,    /* PLL1 240 MHz, VOS2 */
    H7_OPP_480,    /* PLL1 480 MHz, VOS0 (overdrive): full speed */
    H7_OPP_16,     /* HSI 64 MHz / D1CPRE 4 = 16 MHz core and bus, VOS3: waiting between DMA
                    * half buffers (per_ck and the USART3 kernel stay on HSI 64 MHz) */
    H7_OPP_COUNT
} h7_opp_t;

/* The clock state as read back from the clock and power registers. */
typedef struct {
    uint32_t sysclk_hz; /* core clock */
    uint32_t hclk_hz;   /* AXI/AHB clock (flash interface) */
    uint32_t pclk1_hz;  /* APB1 */
    uint8_t vos;        /* 0..3 (0 = VOS0 overdrive) */
    uint8_t flash_latency; /* wait states */
    uint8_t flash_wrhighfreq;
    uint8_t source;     /* 0 HSI, 3 PLL1 (RCC_CFGR SWS) */
} h7_clock_info_t;

/* Brings the chip up: power supply, caches/MPU, clocks at `opp`, SysTick, DWT, console.
 * Call once, first thing in main(). */
void h7_platform_init(h7_opp_t opp);

/* Switches the operating point safely (voltage up before frequency, down after; flash
 * wait states; SysTick reload). Returns 0, or a negative value if an oscillator, PLL or
 * regulator did not become ready (the previous point is then kept or HSI is used). */
int h7_clock_set_opp(h7_opp_t opp);
h7_opp_t h7_clock_get_opp(void);
uint32_t h7_clock_opp_hz(h7_opp_t opp); /* nominal core clock of a point */
uint32_t h7_clock_sysclk_hz(void);      /* current core clock (cached, cheap) */
void h7_clock_read_info(h7_clock_info_t *info); /* decoded from the registers */

/* ---- Time ---------------------------------------------------------------------------- */
/* Milliseconds since boot (SysTick); wraps after 49 days. Exact across operating-point
 * switches (the partial millisecond is carried, see stm32h743/timebase.c); the time in
 * Stop mode (no SysTick there) is measured by a low-power timer and added, to 1 ms. */
uint32_t h7_time_ms(void);
/* The same clock in microseconds (wraps after 71 minutes: use differences). */
uint32_t h7_time_us(void);
/* The same clock as milliseconds plus the microseconds of the current millisecond, read
 * together: time differences to the microsecond that do not wrap for 49 days (h7_time_us
 * wraps after 71 minutes). */
uint32_t h7_time_ms_sub_us(uint32_t *sub_us);
/* A second clock that needs no interrupt: LPTIM1 on LSI / 32, running from
 * h7_platform_init, also in Stop. 16-bit ticks of about 1 ms (differences modulo 65536);
 * h7_lp_ticks_us turns a difference into microseconds with the tick h7_platform_init
 * measured against the core clock (LSI is within a few % of 32 kHz on silicon, the core
 * clock comes from the HSE). SysTick time stops while interrupts are held off; this one
 * does not. */
uint32_t h7_time_lp_ticks(void);
uint32_t h7_lp_ticks_us(uint32_t ticks);
/* The LSI frequency the boot measured (Hz; 0: not measured, the nominal 32 kHz is used). */
uint32_t h7_lsi_measured_hz(void);
uint32_t h7_cycles(void);     /* DWT cycle counter (core clock cycles) */
void h7_delay_ms(uint32_t ms); /* sleeps (WFI) between ticks */

/* ---- Low power ------------------------------------------------------------------------- */
void h7_sleep(void); /* Sleep mode: one WFI, returns after the next interrupt */

/* The board has a wake-on-sound source: h7_stop() also wakes when the microphone's
 * acoustic-activity output (H7_PIN_MIC_WAKE) rises, so an application may stop while it
 * waits for sound (I2S and DMA do not run in Stop). */
#define H7_WAKE_SOUND 1

typedef struct {
    bool entered_stop;    /* PWR_CPUCR.STOPF was set: the chip really went to Stop */
    uint32_t wake_source; /* H7_WAKE_* bits */
    uint32_t stop_cycles; /* DWT cycles spent from entry to wake (0 on silicon in Stop) */
} h7_stop_result_t;
#define H7_WAKE_UART 0x1u   /* byte on USART3 RX */
#define H7_WAKE_BUTTON 0x2u /* user button B1 (PC13, EXTI13) */
#define H7_WAKE_OTHER 0x4u
#define H7_WAKE_SOUND_PIN 0x8u /* microphone acoustic activity (H7_PIN_MIC_WAKE rising) */
#define H7_WAKE_TIMER 0x10u    /* the max_ms of h7_stop_within ran out (LPTIM1) */
/* Stop mode: drops to HSI, enters Stop with the console, the user button and the
 * microphone's wake-on-sound output armed as wake-up sources, then restores the operating
 * point that was active. If the microphone already signals sound, it returns at once
 * (entered_stop false, wake_source H7_WAKE_SOUND_PIN): there is no edge to wait for. */
void h7_stop(h7_stop_result_t *result);
/* The same, but wakes after at most max_ms (1..65535; 0 = no limit) on LPTIM1: e.g. to
 * refresh the watchdog, which keeps counting in Stop. */
void h7_stop_within(h7_stop_result_t *result, uint32_t max_ms);
/* The Stop's last, partial millisecond: h7_stop returns with the time base advanced by the
 * whole LPTIM1 ticks of the Stop; the tick the wake-up fell in is measured from its end,
 * the next LPTIM1 edge (waited for here, at most 1 ms), and added. Call it right after
 * restarting what must restart first (the capture: the waking word is arriving), before
 * reading the time; the next Stop calls it too. Returns the microseconds added (0..1000;
 * 500, half a tick, where the edge had passed unseen: called more than a tick late). */
uint32_t h7_stop_settle_time(void);
/* The wake source's name for events: "sound", "timer", "uart", "button" or "other" (the first
 * bit set in that order: the microphone is the source the applications care about). */
const char *h7_wake_source_name(uint32_t wake_source);

/* ---- Watchdog -------------------------------------------------------------------------- */
void h7_watchdog_start(uint32_t timeout_ms); /* IWDG1; cannot be stopped once started */
void h7_watchdog_kick(void);

/* ---- Interrupts ------------------------------------------------------------------------ */
/* Priorities 0 (highest) .. 15. Audio DMA uses H7_PRIO_AUDIO, the console H7_PRIO_CONSOLE.
 * SysTick counts milliseconds one interrupt at a time, so it must preempt anything that can
 * run for over a millisecond: a console interrupt sending a whole line back to back (a UART
 * that is ready at once, as the simulated one is) starved it at priority 14 and lost ~5 ms
 * of board time per stats line at 16 MHz. Its handler is one increment. */
#define H7_PRIO_AUDIO 2u
#define H7_PRIO_SYSTICK 11u
#define H7_PRIO_CONSOLE 12u
void h7_irq_enable(int irq, uint32_t priority);
void h7_irq_disable(int irq);
void h7_irq_trigger(int irq);        /* sets the interrupt pending by software (NVIC STIR) */
void h7_irq_clear_pending(int irq);  /* a latched request of a source already cleared */
uint32_t h7_irq_save(void);          /* masks interrupts, returns the previous state */
void h7_irq_restore(uint32_t state);

/* ---- Console (USART3, 115200 8N1, ST-LINK virtual COM port) ---------------------------- */
/* Queues bytes for interrupt-driven transmission. Never spins in an interrupt handler or
 * with interrupts masked: if the buffer is full there, bytes are dropped and counted. */
size_t h7_console_write(const char *data, size_t len);
void h7_console_flush(void);    /* waits until everything queued has left the wire */
/* Stop's console pause (h7_stop_within calls them): hold lets the byte on the wire and the
 * one waiting in TDR finish (<= 2 characters, 174 us) and keeps the rest queued; release
 * sends it after the wake-up. A Stop no longer waits for the queue: a 1 KB line is 90 ms
 * of wire time, in which the microphone was off and a word starting then was lost. */
void h7_console_hold(void);     /* interrupts masked */
void h7_console_release(void);
/* Nothing queued and the last byte sent: an application that stops while listening waits
 * for this first, still capturing, so a Stop never leaves half a line for the next wake-up. */
bool h7_console_idle(void);
int h7_console_getc(void);      /* next received byte, or -1 */
uint32_t h7_console_dropped(void); /* bytes dropped because the TX buffer was full */
/* Writes directly to the UART, polling; for fault handlers and early boot only. */
void h7_console_write_polled(const char *data, size_t len);

/* ---- Board ----------------------------------------------------------------------------- */
#define H7_LED_GREEN 0 /* LD1 PB0 */
#define H7_LED_YELLOW 1 /* LD2 PE1 */
#define H7_LED_RED 2   /* LD3 PB14 */
void h7_led_set(int led, bool on);
bool h7_button_pressed(void); /* B1, PC13 */

/* ---- GPIO ------------------------------------------------------------------------------ */
/* A pin: port letter and number, e.g. H7_PIN('E', 13). */
typedef uint8_t h7_pin_t;
#define H7_PIN(port, number) ((h7_pin_t)((((port) - 'A') << 4) | ((number) & 15)))
/* Board pins, from the one pin table firmware/platform/stm32h743/board_pins.def (UM2407):
 * H7_PIN_<name> for every row, e.g. H7_PIN_LED_GREEN (PB0), H7_PIN_USART3_TX (PD8),
 * H7_PIN_I2S2_CK (PB10). The free Arduino-header pins: H7_PIN_D3 PE13, H7_PIN_D4 PE14,
 * H7_PIN_D5 PE11, H7_PIN_D6 PE9, H7_PIN_D7 PG12, H7_PIN_D8 PF3. H7_PIN_MIC_WAKE: the
 * microphone's acoustic-activity (wake-on-sound) output on Arduino D2 = PG14, EXTI line 14,
 * input with pull-down; armed by h7_stop(). */
enum {
#define H7_BOARD_PIN(name, port, number, arduino, use, what) H7_PIN_##name = H7_PIN(port, number),
#include "platform/stm32h743/board_pins.def"
#undef H7_BOARD_PIN
};
#define H7_PIN_PORT(pin) ((uint32_t)(pin) >> 4)    /* 0 = A .. 10 = K */
#define H7_PIN_NUMBER(pin) ((uint32_t)(pin) & 15u) /* also its EXTI line */
/* Makes `pin` a push-pull output, driven low. Returns 0, or -1 for a pin the board uses
 * itself (console, I2S, microphone wake, LEDs, button, SWD, HSE) or does not have. */
int h7_gpio_output(h7_pin_t pin);
void h7_gpio_write(h7_pin_t pin, bool high);
bool h7_gpio_read(h7_pin_t pin); /* the pin's level (an output reads what it drives) */
/* Bit i of value to pins[i], for i < count (a small parallel bus, e.g. a level 0..7). */
void h7_gpio_write_bits(const h7_pin_t *pins, unsigned count, uint32_t value);

/* Reset cause of this boot, as text: "power-on", "pin", "software", "iwdg", ... */
const char *h7_reset_cause(void);

/* What survives resets (RAM the start-up code leaves alone, checked by a magic number
 * and a CRC; a power cycle or a corrupt record starts it again, valid_at_boot false). */
typedef struct {
    uint32_t boots;              /* boots counted in this record, this one included */
    uint32_t iwdg, software, pin, brown_out, power_on, other; /* boots per reset cause */
    char last_note[24];          /* h7_reset_note() before the reset ("" if none) */
} h7_reset_record_t;
/* The record as of this boot (updated by h7_platform_init); valid_at_boot false when it
 * was started afresh (power cycle, corrupt). */
const h7_reset_record_t *h7_reset_record(bool *valid_at_boot);
/* Why the board is about to reset (a fault, an unrecoverable error before the watchdog
 * ends it): reported by the next boot as last_note. */
void h7_reset_note(const char *why);
void h7_system_reset(void) __attribute__((noreturn));
/* An app's unrecoverable error: one {"event":"error","app","what","detail"} line, the
 * console flushed, the reason noted for the next boot, the red LED on, then sleep until the
 * watchdog (no longer refreshed) resets the board. */
void h7_app_fail(const char *app, const char *what, const char *detail) __attribute__((noreturn));

/* ---- D-cache maintenance for DMA buffers outside the non-cacheable region ---------- */
void h7_dcache_clean(const void *addr, size_t len);
void h7_dcache_invalidate(void *addr, size_t len);

/* ---- Faults ---------------------------------------------------------------------------- */
/* Fault handlers print CFSR/HFSR/MMFAR/BFAR and the stacked PC/LR as text and as a
 * {"event":"fault",...} line on the console, then reset the chip. */

#ifdef __cplusplus
}
#endif

#endif /* H7_PLATFORM_PLATFORM_H */
