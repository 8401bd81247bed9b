/*
 * Fault handlers: HardFault, MemManage, BusFault, UsageFault and unexpected interrupts.
 *
 * Each prints the fault status (CFSR, HFSR, MMFAR, BFAR) and the stacked PC and LR as a
 * text line and as a {"event":"fault",...} line, polling the UART (no interrupt can run
 * at fault priority), then resets the chip. The handlers switch to a stack of their own
 * first, so a stack overflow into the MPU guard still gets reported.
 */
#include "common/fmt.h"
#include "common/json.h"
#include "platform/platform.h"
#include "platform/stm32h743/h743_internal.h"
#include "platform/stm32h743/h743_regs.h"

#define FAULT_STACK_BYTES 1024 /* literal in the trampoline below */
__attribute__((aligned(8), used)) uint32_t h7_fault_stack[FAULT_STACK_BYTES / 4];

FAULT_TRAMPOLINE(HardFault_Handler)
FAULT_TRAMPOLINE(MemManage_Handler)
FAULT_TRAMPOLINE(BusFault_Handler)
FAULT_TRAMPOLINE(UsageFault_Handler)

void h7_fault_handlers_enable(void)
{
    /* Separate handlers for MemManage/Bus/Usage faults; trap integer division by zero. */
    H7_SCB->SHCSR |= H7_SCB_SHCSR_MEMFAULTENA | H7_SCB_SHCSR_BUSFAULTENA | H7_SCB_SHCSR_USGFAULTENA;
    H7_SCB->CCR |= H7_SCB_CCR_DIV_0_TRP;
    h7_dsb();
    h7_isb();
}

static const char *fault_name(uint32_t exception)
{
    switch (exception) {
    case H7_EXC_HARDFAULT: return "hardfault";
    case H7_EXC_MEMMANAGE: return "memmanage";
    case H7_EXC_BUSFAULT: return "busfault";
    case H7_EXC_USAGEFAULT: return "usagefault";
    case H7_EXC_NMI: return "nmi";
    default: return "unexpected_irq";
    }
}

/* The most specific cause bit of CFSR/HFSR, as text. */
static const char *fault_cause(uint32_t cfsr, uint32_t hfsr)
{
    static const struct { uint32_t bit; const char *text; } causes[] = {
        {H7_BIT(0), "instruction access violation"}, {H7_BIT(1), "data access violation"},
        {H7_BIT(3), "stacking (memmanage) - stack overflow?"}, {H7_BIT(4), "unstacking (memmanage)"},
        {H7_BIT(5), "lazy FP state (memmanage)"}, {H7_BIT(8), "instruction bus error"},
        {H7_BIT(9), "precise data bus error"}, {H7_BIT(10), "imprecise data bus error"},
        {H7_BIT(11), "unstacking bus error"}, {H7_BIT(12), "stacking bus error"},
        {H7_BIT(16), "undefined instruction"}, {H7_BIT(17), "invalid state"},
        {H7_BIT(18), "invalid PC load"}, {H7_BIT(19), "no coprocessor (FPU off?)"},
        {H7_BIT(24), "unaligned access"}, {H7_BIT(25), "divide by zero"},
    };
    for (unsigned i = 0; i < sizeof causes / sizeof causes[0]; i++)
        if (cfsr & causes[i].bit)
            return causes[i].text;
    if (hfsr & H7_BIT(1))
        return "vector table read error";
    if (hfsr & H7_SCB_HFSR_FORCED)
        return "forced (escalated)";
    return "unknown";
}

void h7_fault_report(const uint32_t *frame, uint32_t exc_return, uint32_t exception)
{
    h7_irq_disable_all();
    exception &= H7_SCB_ICSR_VECTACTIVE;
    uint32_t cfsr = H7_SCB->CFSR;
    uint32_t hfsr = H7_SCB->HFSR;
    uint32_t mmfar = H7_SCB->MMFAR;
    uint32_t bfar = H7_SCB->BFAR;
    /* The frame may itself be unreadable (stack overflow): then the stacked values are
     * not trusted; MemManage stacking errors are reported with pc = lr = 0. */
    const char *cause = exception >= 16u ? "interrupt without a handler" : fault_cause(cfsr, hfsr);
    bool frame_ok = (cfsr & (H7_BIT(3) | H7_BIT(12))) == 0u;
    uint32_t pc = frame_ok ? frame[6] : 0u;
    uint32_t lr = frame_ok ? frame[5] : 0u;
    uint32_t psr = frame_ok ? frame[7] : 0u;

    char line[200];
    size_t n = h7_fmt(line, sizeof line,
                      "\r\n*** FAULT %s (exception %u): %s\r\n"
                      "    CFSR=%08x HFSR=%08x MMFAR=%08x BFAR=%08x\r\n",
                      fault_name(exception), (unsigned)exception, cause,
                      (unsigned)cfsr, (unsigned)hfsr, (unsigned)mmfar, (unsigned)bfar);
    h7_console_write_polled(line, n);
    n = h7_fmt(line, sizeof line, "    PC=%08x LR=%08x xPSR=%08x EXC_RETURN=%08x SP=%08x\r\n",
               (unsigned)pc, (unsigned)lr, (unsigned)psr, (unsigned)exc_return,
               (unsigned)(uintptr_t)frame);
    h7_console_write_polled(line, n);

    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "fault");
    h7_json_str(&j, "kind", fault_name(exception));
    h7_json_uint(&j, "exception", exception); /* IRQ n is exception 16 + n */
    if (exception >= 16u)
        h7_json_uint(&j, "irq", exception - 16u);
    h7_json_str(&j, "cause", cause);
    h7_json_hex(&j, "cfsr", cfsr);
    h7_json_hex(&j, "hfsr", hfsr);
    h7_json_hex(&j, "mmfar", mmfar);
    h7_json_hex(&j, "bfar", bfar);
    h7_json_hex(&j, "pc", pc);
    h7_json_hex(&j, "lr", lr);
    n = h7_json_end(&j);
    h7_console_write_polled(buf, n);
    h7_console_write_polled("resetting\r\n", 11);
    char note[24];
    h7_fmt(note, sizeof note, "%s@%08x", fault_name(exception), (unsigned)pc);
    h7_reset_note(note); /* the next boot says which fault reset the board */
    h7_system_reset();
}

void h7_app_fail(const char *app, const char *what, const char *detail)
{
    char line[2 * H7_JSON_LINE_MAX];   /* room for a decoder's refusal message */
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "error");
    h7_json_str(&j, "app", app);
    h7_json_str(&j, "what", what);
    h7_json_str(&j, "detail", detail);
    h7_json_emit(&j);
    h7_console_flush();
    h7_reset_note(what);
    h7_led_set(H7_LED_RED, true);
    for (;;)
        h7_sleep();
}
