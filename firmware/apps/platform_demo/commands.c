/* Commands of platform_demo; each answers with one JSON event line (see README.md). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "apps/platform_demo/demo.h"
#include "common/json.h"
#include "common/line.h"
#include "common/log.h"
#include "platform/platform.h"
#include "platform/sections.h"

typedef struct {
    const char *name;
    const char *usage;
    void (*run)(int argc, char **argv);
} command_t;

void demo_error(const char *cmd, const char *message)
{
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "error");
    h7_json_str(&j, "cmd", cmd);
    h7_json_str(&j, "message", message);
    h7_json_emit(&j);
}


static void clock_fields(h7_json_t *j)
{
    h7_clock_info_t info;
    h7_clock_info_t *p = &info;
    h7_clock_read_info(p);
    h7_json_uint(j, "sysclk_hz", p->sysclk_hz);
    h7_json_uint(j, "hclk_hz", p->hclk_hz);
    h7_json_uint(j, "pclk1_hz", p->pclk1_hz);
    h7_json_uint(j, "vos", p->vos);
    h7_json_uint(j, "flash_ws", p->flash_latency);
    h7_json_uint(j, "wrhighfreq", p->flash_wrhighfreq);
    h7_json_str(j, "source", p->source == 3u ? "pll1" : p->source == 0u ? "hsi" : "other");
}

static void cmd_opp(int argc, char **argv)
{
    static const struct { uint32_t mhz; h7_opp_t opp; } points[] = {
        {480, H7_OPP_480}, {240, H7_OPP_240}, {120, H7_OPP_120}, {64, H7_OPP_64}, {16, H7_OPP_16}};
    uint32_t mhz = 0;
    if (argc != 2 || !h7_line_uint(argv[1], &mhz)) {
        demo_error("opp", "usage: opp 480|240|120|64|16");
        return;
    }
    for (unsigned i = 0; i < sizeof points / sizeof points[0]; i++) {
        if (points[i].mhz != mhz)
            continue;
        h7_console_flush(); /* not needed for the baud rate (HSI kernel clock); keeps logs tidy */
        int status = h7_clock_set_opp(points[i].opp);
        char buf[H7_JSON_LINE_MAX];
        h7_json_t j;
        h7_json_begin(&j, buf, sizeof buf, "opp");
        h7_json_uint(&j, "mhz", h7_clock_opp_hz(h7_clock_get_opp()) / 1000000u);
        h7_json_int(&j, "status", status);
        clock_fields(&j);
        h7_json_emit(&j);
        return;
    }
    demo_error("opp", "unknown operating point; choose 480, 240, 120, 64 or 16");
}

static void cmd_info(int argc, char **argv)
{
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "info");
    h7_json_uint(&j, "opp", h7_clock_opp_hz(h7_clock_get_opp()) / 1000000u);
    clock_fields(&j);
    h7_json_str(&j, "reset_cause", h7_reset_cause());
    h7_json_uint(&j, "time_ms", h7_time_ms());
    h7_json_uint(&j, "tx_dropped", h7_console_dropped());
    h7_json_emit(&j);
}

static void cmd_sleep(int argc, char **argv)
{
    uint32_t ms = 0;
    if (argc != 2 || !h7_line_uint(argv[1], &ms) || ms > 60000u) {
        demo_error("sleep", "usage: sleep <ms> (0..60000)");
        return;
    }
    uint32_t t0 = h7_time_ms();
    uint32_t c0 = h7_cycles();
    uint32_t wakes = 0;
    while ((uint32_t)(h7_time_ms() - t0) < ms) {
        h7_sleep();
        wakes++;
    }
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "sleep");
    h7_json_uint(&j, "ms", ms);
    h7_json_uint(&j, "elapsed_ms", h7_time_ms() - t0);
    h7_json_uint(&j, "wakeups", wakes);
    h7_json_uint(&j, "cycles", h7_cycles() - c0);
    h7_json_emit(&j);
}

static void cmd_stop(int argc, char **argv)
{
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "stop");
    h7_json_uint(&j, "opp", h7_clock_opp_hz(h7_clock_get_opp()) / 1000000u);
    h7_json_str(&j, "wake_on", "uart_rx,button,sound");
    uint32_t t0 = h7_time_ms();
    h7_json_uint(&j, "time_ms", t0);
    h7_json_emit(&j);
    h7_console_flush(); /* the answer before the Stop (h7_stop would send it after the wake-up) */
    h7_stop_result_t r;
    h7_stop(&r);
    (void)h7_stop_settle_time();
    uint32_t t1 = h7_time_ms();
    h7_json_begin(&j, buf, sizeof buf, "wake");
    h7_json_str(&j, "from", "stop");
    h7_json_bool(&j, "stopf", r.entered_stop);
    h7_json_str(&j, "wake_source", h7_wake_source_name(r.wake_source));
    h7_json_uint(&j, "time_ms", t1);
    h7_json_uint(&j, "stopped_ms", t1 - t0);
    h7_json_uint(&j, "opp", h7_clock_opp_hz(h7_clock_get_opp()) / 1000000u);
    clock_fields(&j);
    h7_json_emit(&j);
}

/* Many operating-point switches with busy work of varying length in between (so every
 * switch falls at a different point of a millisecond): the time base must not drift. */
static void cmd_dvfs(int argc, char **argv)
{
    static const h7_opp_t cycle[] = {H7_OPP_480, H7_OPP_64, H7_OPP_240, H7_OPP_120};
    uint32_t n = 0;
    if (argc != 2 || !h7_line_uint(argv[1], &n) || n > 100000u) {
        demo_error("dvfs", "usage: dvfs <switches> (0..100000)");
        return;
    }
    h7_opp_t resume = h7_clock_get_opp();
    uint32_t t0 = h7_time_ms();
    uint32_t failures = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (h7_clock_set_opp(cycle[i & 3u]) != 0)
            failures++;
        for (volatile uint32_t k = (i * 7919u) % 3000u; k > 0u; k--) {
        }
    }
    (void)h7_clock_set_opp(resume);
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "dvfs");
    h7_json_uint(&j, "switches", n + 1u);
    h7_json_uint(&j, "failures", failures);
    h7_json_uint(&j, "elapsed_ms", h7_time_ms() - t0);
    h7_json_emit(&j);
}

/* Drives a free header pin through the platform GPIO API (board pins are refused). */
static void cmd_pin(int argc, char **argv)
{
    uint32_t number = 0;
    const char *name = argc == 3 ? argv[1] : "";
    bool high = argc == 3 && strcmp(argv[2], "1") == 0;
    if (argc != 3 || name[0] < 'A' || name[0] > 'K' || !h7_line_uint(name + 1, &number) ||
        number > 15u || (!high && strcmp(argv[2], "0") != 0)) {
        demo_error("pin", "usage: pin <port><number> 0|1, e.g. pin E13 1");
        return;
    }
    h7_pin_t pin = H7_PIN(name[0], number);
    if (h7_gpio_output(pin) != 0) {
        demo_error("pin", "pin used by the board (console, I2S, mic wake, LEDs, button, SWD, HSE)");
        return;
    }
    h7_gpio_write(pin, high);
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "pin");
    h7_json_str(&j, "pin", name);
    h7_json_uint(&j, "level", h7_gpio_read(pin) ? 1u : 0u);
    h7_json_emit(&j);
}

/* Recurses until the stack runs into the MPU guard (the limit is never reached). */
static volatile uint32_t s_recursion_limit = 0xFFFFFFFFu;
__attribute__((noinline, noipa)) static uint32_t eat_stack(volatile uint32_t depth)
{
    volatile uint32_t pad[64];
    pad[0] = depth;
    if (depth >= s_recursion_limit)
        return pad[0];
    return eat_stack(depth + 1u) + pad[0];
}

static void cmd_fault(int argc, char **argv)
{
    const char *kind = argc == 2 ? argv[1] : "";
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "fault_provoke");
    h7_json_str(&j, "kind", kind);
    if (strcmp(kind, "unmapped") == 0) {
        h7_json_emit(&j);
        h7_console_flush();
        /* just past the end of DTCM (128 KB): reserved space, the bus answers an error */
        (void)*(volatile uint32_t *)0x20020000u;
    } else if (strcmp(kind, "udf") == 0) {
        h7_json_emit(&j);
        h7_console_flush();
        __asm volatile("udf #0");
    } else if (strcmp(kind, "div0") == 0) {
        h7_json_emit(&j);
        h7_console_flush();
        volatile int32_t num = 1, den = 0;
        volatile int32_t q = num / den; /* SDIV traps: CCR.DIV_0_TRP is set */
        (void)q;
    } else if (strcmp(kind, "unaligned") == 0) {
        h7_json_emit(&j);
        h7_console_flush();
        volatile uint32_t words[4] = {1, 2, 3, 4};
        uint32_t a, b;
        /* LDRD always needs word alignment, whatever CCR.UNALIGN_TRP says */
        __asm volatile("ldrd %0, %1, [%2]" : "=r"(a), "=r"(b) : "r"((uintptr_t)words + 1u) : "memory");
        (void)a;
        (void)b;
    } else if (strcmp(kind, "nocp") == 0) {
        h7_json_emit(&j);
        h7_console_flush();
        /* FPU access disabled (CPACR CP10/CP11 = 0), then a floating-point instruction */
        *(volatile uint32_t *)0xE000ED88u &= ~(0xFu << 20);
        __asm volatile("dsb\n isb\n vmov.f32 s0, #1.0\n vadd.f32 s0, s0, s0" ::: "s0", "memory");
    } else if (strcmp(kind, "null") == 0) {
        h7_json_emit(&j);
        h7_console_flush();
        /* the address goes through a volatile so the compiler cannot see the NULL and
         * replace the access by a trap of its own */
        volatile uintptr_t null_address = 0;
        (void)*(volatile uint32_t *)null_address; /* MPU NULL guard (first 32 B of ITCM) */
    } else if (strcmp(kind, "irq") == 0) {
        h7_json_emit(&j);
        h7_console_flush();
        /* TIM2 (IRQ 28) has no handler in this image: the default handler reports it */
        h7_irq_enable(28, 8);
        h7_irq_trigger(28);
    } else if (strcmp(kind, "stack") == 0) {
        h7_json_emit(&j);
        h7_console_flush();
        (void)eat_stack(0);
    } else {
        demo_error("fault", "usage: fault unmapped|udf|div0|unaligned|nocp|null|irq|stack");
        return;
    }
    demo_error("fault", "no fault happened");
}

static void cmd_wdt(int argc, char **argv)
{
    uint32_t ms = 500;
    if (argc > 2 || (argc == 2 && (!h7_line_uint(argv[1], &ms) || ms == 0u || ms > 30000u))) {
        demo_error("wdt", "usage: wdt [timeout_ms 1..30000]");
        return;
    }
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "watchdog");
    h7_json_uint(&j, "timeout_ms", ms);
    h7_json_str(&j, "action", "started, not kicking: expect a reset");
    h7_json_emit(&j);
    h7_console_flush();
    h7_watchdog_start(ms);
    for (;;)
        h7_sleep(); /* never kicks: the IWDG resets the chip */
}

static void cmd_led(int argc, char **argv)
{
    uint32_t n = 0;
    bool on;
    if (argc != 3 || !h7_line_uint(argv[1], &n) || n > 2u ||
        !((on = strcmp(argv[2], "on") == 0) || strcmp(argv[2], "off") == 0)) {
        demo_error("led", "usage: led 0|1|2 on|off  (0 green PB0, 1 yellow PE1, 2 red PB14)");
        return;
    }
    h7_led_set((int)n, on);
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "led");
    h7_json_uint(&j, "led", n);
    h7_json_bool(&j, "on", on);
    h7_json_emit(&j);
}

/* The same 1000-iteration loop, once from flash and once copied to ITCM at boot. */
__attribute__((noinline)) static uint32_t loop_in_flash(void)
{
    uint32_t c0 = h7_cycles();
    for (volatile uint32_t i = 0; i < 1000u; i++) {
    }
    return h7_cycles() - c0;
}

H7_ITCM_CODE static uint32_t loop_in_itcm(void)
{
    uint32_t c0 = h7_cycles();
    for (volatile uint32_t i = 0; i < 1000u; i++) {
    }
    return h7_cycles() - c0;
}

static void cmd_cycles(int argc, char **argv)
{
    uint32_t loop = loop_in_flash();
    uint32_t loop_itcm = loop_in_itcm();
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "cycles");
    h7_json_uint(&j, "cycles", h7_cycles());
    h7_json_uint(&j, "loop_cycles", loop);
    h7_json_uint(&j, "itcm_loop_cycles", loop_itcm);
    h7_json_hex(&j, "itcm_loop_addr", (uint32_t)(uintptr_t)loop_in_itcm);
    h7_json_uint(&j, "time_ms", h7_time_ms());
    h7_json_uint(&j, "sysclk_hz", h7_clock_sysclk_hz());
    h7_json_emit(&j);
}

static void cmd_reset(int argc, char **argv)
{
    h7_log_printf("resetting\r\n");
    h7_console_flush();
    h7_system_reset();
}

static void cmd_help(int argc, char **argv);

static const command_t k_commands[] = {
    {"help", "help", cmd_help},
    {"info", "info", cmd_info},
    {"opp", "opp 480|240|120|64|16", cmd_opp},
    {"sleep", "sleep <ms>", cmd_sleep},
    {"stop", "stop   (wake: any byte on the console, button B1, or sound at the microphone)", cmd_stop},
    {"dvfs", "dvfs <switches>", cmd_dvfs},
    {"pin", "pin <port><number> 0|1", cmd_pin},
    {"fault", "fault unmapped|udf|div0|unaligned|nocp|null|irq|stack", cmd_fault},
    {"wdt", "wdt [timeout_ms]", cmd_wdt},
    {"led", "led 0|1|2 on|off", cmd_led},
    {"cycles", "cycles", cmd_cycles},
    {"reset", "reset", cmd_reset},
};

void demo_print_help(void)
{
    h7_log_printf("commands:");
    for (unsigned i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++)
        h7_log_printf(" %s%s", k_commands[i].name,
                      i + 1u < sizeof k_commands / sizeof k_commands[0] ? "," : "\r\n");
}

static void cmd_help(int argc, char **argv)
{
    for (unsigned i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++)
        h7_log_printf("  %s\r\n", k_commands[i].usage);
}

void demo_execute(char *line)
{
    char *argv[4];
    int argc = 0;
    for (char *p = line; *p != '\0' && argc < 4;) {
        while (*p == ' ' || *p == '\t')
            *p++ = '\0';
        if (*p == '\0')
            break;
        argv[argc++] = p;
        while (*p != '\0' && *p != ' ' && *p != '\t')
            p++;
    }
    if (argc == 0)
        return;
    for (unsigned i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++) {
        if (strcmp(argv[0], k_commands[i].name) == 0) {
            k_commands[i].run(argc, argv);
            return;
        }
    }
    demo_error(argv[0], "unknown command (try: help)");
}
