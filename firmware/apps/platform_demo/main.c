/*
 * platform_demo: boots the platform and serves a line-based command interface on the
 * console (USART3) so that the platform can be exercised on the simulated board and on
 * a real NUCLEO-H743ZI2. Commands and the JSON events they print: README.md here.
 */
#include "apps/platform_demo/demo.h"
#include "common/json.h"
#include "common/line.h"
#include "common/log.h"
#include "platform/platform.h"

#ifndef H7_BUILD_INFO
#define H7_BUILD_INFO "stm32h743, gcc " __VERSION__
#endif

static void boot_banner(void)
{
    h7_log_printf("h7voice %s %s (%s)\r\n", DEMO_APP, DEMO_VERSION, H7_BUILD_INFO);
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "boot");
    h7_json_str(&j, "app", DEMO_APP);
    h7_json_str(&j, "version", DEMO_VERSION);
    h7_json_str(&j, "reset_cause", h7_reset_cause());
    h7_json_uint(&j, "opp", h7_clock_opp_hz(h7_clock_get_opp()) / 1000000u);
    h7_json_uint(&j, "sysclk_hz", h7_clock_sysclk_hz());
    h7_json_emit(&j);
}

int main(void)
{
    h7_platform_init(H7_OPP_480);
    boot_banner();
    demo_print_help();

    char buf[DEMO_LINE_MAX];
    h7_line_t line;
    h7_line_init(&line, buf, sizeof buf);
    for (;;) {
        int c = h7_console_getc();
        if (c < 0) {
            h7_sleep(); /* WFI until the UART or SysTick interrupts */
            continue;
        }
        int result = h7_line_feed(&line, c);
        if (result == H7_LINE_READY)
            demo_execute(buf);
        else if (result == H7_LINE_TOO_LONG)
            demo_error("", "line too long");
    }
}
