/* h7core: the hot paths of the h7sim Cortex-M7 model, called by Unicorn.
 *
 * Python owns the board (memory map, peripherals, virtual time); this helper owns what runs
 * once per translated block or per exception, where Python is too slow:
 *   - the instruction clock: a block hook adds the number of Thumb instructions in the block
 *     (decoded once, cached) and stops the CPU at a deadline set by Python (next event);
 *   - exception entry (stacking the frame, IPSR, EXC_RETURN, vector fetch) at a block start
 *     when an enabled pending exception has enough priority (NVIC, PRIMASK, BASEPRI, ...);
 *   - exception return (unstacking) and tail-chaining, from the UC_HOOK_INTR hook;
 *   - the CPACR check: a block holding an FP instruction while CP10/CP11 are off stops the
 *     CPU so that Python raises the UsageFault (NOCP) the chip would.
 * The NVIC state lives in struct h7_core, shared with Python through ctypes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicorn/unicorn.h>

#define H7_EXC_MAX 256
#define H7_CACHE_SIZE (1u << 16)

enum h7_stop {
    H7_STOP_NONE = 0,
    H7_STOP_DEADLINE = 1,   /* instruction deadline reached (next event is due) */
    H7_STOP_REQUEST = 2,    /* Python asked (stop_request) */
    H7_STOP_INTR = 3,       /* an interrupt number Python must handle (stop_info = intno) */
    H7_STOP_FP_DISABLED = 4,/* FP instruction at stop_info while CPACR forbids it */
    H7_STOP_LOCKUP = 5,     /* fault while in HardFault/NMI: the core would lock up */
    H7_STOP_BAD_RETURN = 6, /* exception return that does not match the stacked state */
    H7_STOP_BREAK = 7,      /* reached a breakpoint address (GDB stub) */
    H7_STOP_TRAP = 8,       /* a trap (see trap_kind, trap_pc, trap_address) */
};

#define H7_MAX_GUARDS 8

struct h7_core {
    uint64_t instructions;     /* instructions executed so far */
    uint64_t deadline;         /* stop at the first block start with instructions >= deadline */
    uint32_t stop_reason;      /* enum h7_stop of the last stop */
    uint32_t stop_info;
    uint32_t stop_request;     /* set by Python (e.g. from an MMIO write) to stop at next block */
    uint32_t vtor;             /* SCB->VTOR */
    uint32_t prigroup;         /* SCB->AIRCR PRIGROUP */
    uint32_t fp_enabled;       /* CPACR CP10 and CP11 = full access */
    uint32_t fp_check;         /* 1: stop on FP instructions while !fp_enabled */
    uint32_t any_pending;      /* non-zero when some pending bit is set (fast path) */
    uint32_t pending[8];       /* by exception number: 1..15 system, 16+n IRQn */
    uint32_t enabled[8];
    uint32_t active[8];
    uint8_t priority[H7_EXC_MAX];
    uint64_t exceptions_taken;
    uint64_t blocks;
    uint32_t last_exception;   /* exception number of the last entry */
    uint32_t sleep_on_exit;    /* SCR.SLEEPONEXIT */
    uint32_t exited_to_thread; /* set when an exception return went back to thread mode */
    uint32_t break_count;      /* breakpoints (GDB) */
    uint32_t breakpoints[16];
    uint32_t break_skip;       /* address at which one breakpoint hit is skipped (resume) */
    uint32_t fp_skip;          /* block address for which the FP check is skipped once */
    uint32_t level[8];         /* interrupt lines held high by peripherals (level-sensitive) */
    uint32_t div0_trap;        /* CCR.DIV_0_TRP */
    uint32_t trap_kind;        /* enum h7_trap of the last trap (0: none pending) */
    uint32_t trap_pc;          /* instruction that trapped */
    uint32_t trap_address;     /* data address (unaligned, MPU) */
    uint32_t stacking_errors;  /* exception entries whose frame could not be written */
    uint64_t masked_blocks;    /* blocks run with an interrupt pending but PRIMASK set */
    uint64_t decodes;          /* block decodings (cache misses) */
};

enum h7_trap {
    H7_TRAP_NONE = 0,
    H7_TRAP_DIV0 = 1,       /* SDIV/UDIV by zero with CCR.DIV_0_TRP */
    H7_TRAP_UNALIGNED = 2,  /* LDRD/STRD not word aligned (always faults on Armv7-M) */
    H7_TRAP_MPU_READ = 3,   /* read of an MPU no-access region */
    H7_TRAP_MPU_WRITE = 4,  /* write of an MPU no-access region */
};

struct block_entry {
    uint32_t address;
    uint32_t size;
    uint32_t count;     /* instructions in the block */
    int32_t fp_offset;  /* byte offset of the first FP instruction, or -1 */
};

struct h7_sim {
    uc_engine *uc;
    struct h7_core *core;
    uc_hook block_hook;
    uc_hook intr_hook;
    struct block_entry *cache;
    /* Per-block instruction profile (open addressing, never evicts): address -> instructions. */
    uint32_t *prof_addr;
    uint64_t *prof_count;
    uint32_t prof_size;
    uint32_t prof_used;
    uc_hook guards[H7_MAX_GUARDS];
    int guard_used[H7_MAX_GUARDS];
};

#define H7_PROF_SIZE (1u << 18)

static void profile_add(struct h7_sim *sim, uint32_t address, uint32_t count) {
    uint32_t mask = sim->prof_size - 1;
    uint32_t i = ((address >> 1) * 2654435761u) & mask;
    for (uint32_t probe = 0; probe < sim->prof_size; probe++, i = (i + 1) & mask) {
        if (sim->prof_addr[i] == address) {
            sim->prof_count[i] += count;
            return;
        }
        if (sim->prof_addr[i] == 0xffffffffu) {
            if (sim->prof_used + 1 >= sim->prof_size) return;  /* full: drop (reported) */
            sim->prof_addr[i] = address;
            sim->prof_count[i] = count;
            sim->prof_used++;
            return;
        }
    }
}

static int is_32bit(uint16_t hw) { return (hw >> 11) >= 0x1d; }

/* FP/SIMD data processing and load/store on coprocessors 10/11 (VFP): first half-word
 * 111x 11xx xxxx xxxx, second half-word xxxx 101x xxxx xxxx. */
static int is_fp(uint16_t hw1, uint16_t hw2) {
    return (hw1 & 0xec00) == 0xec00 && (hw2 & 0x0e00) == 0x0a00;
}

static struct block_entry *lookup_block(struct h7_sim *sim, uint32_t address, uint32_t size) {
    struct block_entry *e = &sim->cache[((address >> 1) ^ (address >> 17)) & (H7_CACHE_SIZE - 1)];
    if (e->address == address && e->size == size && e->count != 0) return e;
    uint8_t buf[4096];
    uint32_t n = size < sizeof buf ? size : sizeof buf;
    sim->core->decodes++;
    e->address = address;
    e->size = size;
    e->count = 0;
    e->fp_offset = -1;
    if (uc_mem_read(sim->uc, address, buf, n) != UC_ERR_OK) {
        e->count = (size + 1) / 2;
        return e;
    }
    uint32_t off = 0;
    while (off < n) {
        uint16_t hw = (uint16_t)(buf[off] | (buf[off + 1] << 8));
        uint32_t len = is_32bit(hw) ? 4 : 2;
        if (len == 4 && off + 3 < n && e->fp_offset < 0) {
            uint16_t hw2 = (uint16_t)(buf[off + 2] | (buf[off + 3] << 8));
            if (is_fp(hw, hw2)) e->fp_offset = (int32_t)off;
        }
        e->count++;
        off += len;
    }
    if (e->count == 0) e->count = 1;
    return e;
}

static int get_bit(const uint32_t *bits, unsigned n) { return (bits[n >> 5] >> (n & 31)) & 1; }
static void set_bit(uint32_t *bits, unsigned n) { bits[n >> 5] |= 1u << (n & 31); }
static void clear_bit(uint32_t *bits, unsigned n) { bits[n >> 5] &= ~(1u << (n & 31)); }

static void refresh_any_pending(struct h7_core *c) {
    uint32_t any = 0;
    for (int i = 0; i < 8; i++) any |= c->pending[i];
    c->any_pending = any;
}

/* Group (preemption) priority of exception n; fixed negative ones for Reset/NMI/HardFault. */
static int group_priority(const struct h7_core *c, unsigned n) {
    if (n == 1) return -3;
    if (n == 2) return -2;
    if (n == 3) return -1;
    uint32_t mask = 0xffu & ~((2u << c->prigroup) - 1u);
    if (c->prigroup >= 7) mask = 0;
    return (int)(c->priority[n] & mask);
}

static uint32_t reg_read(uc_engine *uc, int reg) {
    uint32_t v = 0;
    uc_reg_read(uc, reg, &v);
    return v;
}

static void reg_write(uc_engine *uc, int reg, uint32_t v) { uc_reg_write(uc, reg, &v); }

/* Execution priority from the active exceptions, excluding `ignore` (0: none), and masks
 * (PRIMASK too unless for_wakeup: WFI wakes on what would preempt with PRIMASK clear). */
static int execution_priority_full(struct h7_sim *sim, unsigned ignore, int for_wakeup) {
    struct h7_core *c = sim->core;
    int prio = 256;
    for (unsigned w = 0; w < 8; w++) {
        uint32_t bits = c->active[w];
        while (bits) {
            unsigned b = (unsigned)__builtin_ctz(bits);
            bits &= bits - 1;
            unsigned n = w * 32 + b;
            if (n == ignore) continue;
            int g = group_priority(c, n);
            if (g < prio) prio = g;
        }
    }
    uint32_t basepri = reg_read(sim->uc, UC_ARM_REG_BASEPRI) & 0xff;
    if (basepri) {
        uint32_t mask = 0xffu & ~((2u << c->prigroup) - 1u);
        int b = (int)(basepri & mask);
        if (b < prio) prio = b;
    }
    if (!for_wakeup && (reg_read(sim->uc, UC_ARM_REG_PRIMASK) & 1)) {
        if (prio > 0) prio = 0;
    }
    if (reg_read(sim->uc, UC_ARM_REG_FAULTMASK) & 1) {
        if (prio > -1) prio = -1;
    }
    return prio;
}

static int execution_priority(struct h7_sim *sim, unsigned ignore) {
    return execution_priority_full(sim, ignore, 0);
}

/* The pending, enabled exception with the highest priority that preempts `exec_prio`. */
static int pick_exception(struct h7_core *c, int exec_prio) {
    int best = 0, best_prio = 1000;
    for (unsigned w = 0; w < 8; w++) {
        uint32_t bits = c->pending[w] & c->enabled[w];
        while (bits) {
            unsigned b = (unsigned)__builtin_ctz(bits);
            bits &= bits - 1;
            unsigned n = w * 32 + b;
            int g = group_priority(c, n);
            if (g < exec_prio && g < best_prio) {
                best = (int)n;
                best_prio = g;
            }
        }
    }
    return best;
}

static void set_ipsr(uc_engine *uc, uint32_t ipsr, uint32_t apsr) {
    /* Writing IPSR alone does not refresh Unicorn's handler-mode flag; APSR right after does. */
    reg_write(uc, UC_ARM_REG_IPSR, ipsr);
    reg_write(uc, UC_ARM_REG_APSR_NZCV, apsr);
}

/* Exception entry: push the frame (8 words, or 26 with FP state), then vector. */
int h7_enter_exception(struct h7_sim *sim, unsigned n, uint32_t return_pc) {
    uc_engine *uc = sim->uc;
    struct h7_core *c = sim->core;
    uint32_t regs_id[6] = {UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2,
                           UC_ARM_REG_R3, UC_ARM_REG_R12, UC_ARM_REG_LR};
    uint32_t frame[26];
    for (int i = 0; i < 6; i++) frame[i] = reg_read(uc, (int)regs_id[i]);
    uint32_t xpsr = reg_read(uc, UC_ARM_REG_XPSR);
    frame[6] = return_pc & ~1u;
    frame[7] = (xpsr | (1u << 24)) & ~(1u << 9);
    uint32_t words = 8;
    if (c->fp_enabled) {
        /* FP context is stacked whenever FP is on (lazy stacking not modelled): safe for
         * handlers that use FP registers. */
        for (int i = 0; i < 16; i++) frame[8 + i] = reg_read(uc, UC_ARM_REG_S0 + i);
        frame[24] = reg_read(uc, UC_ARM_REG_FPSCR);
        frame[25] = 0;
        words = 26;
    }
    uint32_t ipsr_now = xpsr & 0x1ff;
    uint32_t control = reg_read(uc, UC_ARM_REG_CONTROL);
    uint32_t sp = reg_read(uc, UC_ARM_REG_SP);
    uint32_t align = (sp >> 2) & 1;  /* CCR.STKALIGN = 1: 8-byte aligned frames */
    sp = (sp - words * 4) & ~(align << 2);
    if (align) frame[7] |= 1u << 9;
    int stacking_failed = uc_mem_write(uc, sp, frame, words * 4) != UC_ERR_OK;
    uint32_t vector = 0;
    if (uc_mem_read(uc, c->vtor + 4 * n, &vector, 4) != UC_ERR_OK) return -2;
    uint32_t exc_return;
    if (ipsr_now != 0) exc_return = 0xfffffff1;
    else exc_return = (control & 2) ? 0xfffffffd : 0xfffffff9;
    if (words == 26) exc_return &= ~0x10u;
    reg_write(uc, UC_ARM_REG_SP, sp);
    reg_write(uc, UC_ARM_REG_LR, exc_return);
    /* ITSTATE is stacked (frame[7]) and cleared for the handler (ARMv7-M exception entry);
     * Unicorn keeps it otherwise: a handler entered inside an IT block ran its first
     * instructions conditionally. */
    reg_write(uc, UC_ARM_REG_XPSR, xpsr & ~0x0600fc00u);
    set_ipsr(uc, n, xpsr & 0xf8000000u);
    reg_write(uc, UC_ARM_REG_PC, vector | 1u);
    clear_bit(c->pending, n);
    set_bit(c->active, n);
    refresh_any_pending(c);
    c->exceptions_taken++;
    c->last_exception = n;
    if (stacking_failed) {
        /* The chip still takes the exception with SP moved (STKERR/MSTKERR); the frame is
         * lost. */
        c->stacking_errors++;
        return 1;
    }
    return 0;
}

static int take_pending_if_any(struct h7_sim *sim, uint32_t pc) {
    struct h7_core *c = sim->core;
    int n = pick_exception(c, execution_priority(sim, 0));
    if (n <= 0) return 0;
    if (h7_enter_exception(sim, (unsigned)n, pc) < 0) {
        c->stop_reason = H7_STOP_LOCKUP;
        c->stop_info = (uint32_t)n;
        uc_emu_stop(sim->uc);
        return -1;
    }
    return 1;
}

static void block_hook(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
    struct h7_sim *sim = user;
    struct h7_core *c = sim->core;
    if (c->break_count) {
        for (uint32_t i = 0; i < c->break_count; i++) {
            if (c->breakpoints[i] == (uint32_t)address) {
                if (c->break_skip == (uint32_t)address) {
                    c->break_skip = 0xffffffffu;
                    break;
                }
                c->stop_reason = H7_STOP_BREAK;
                c->stop_info = (uint32_t)address;
                uc_emu_stop(uc);
                return;
            }
        }
    }
    if (c->stop_request) {
        c->stop_request = 0;
        c->stop_reason = H7_STOP_REQUEST;
        uc_emu_stop(uc);
        return;
    }
    if (c->instructions >= c->deadline) {
        c->stop_reason = H7_STOP_DEADLINE;
        uc_emu_stop(uc);
        return;
    }
    if (c->any_pending) {
        /* Fast path: with PRIMASK set only NMI could be taken (faults are raised by Python). */
        if (!(c->pending[0] & (1u << 2)) && (reg_read(uc, UC_ARM_REG_PRIMASK) & 1)) {
            c->masked_blocks++;
        } else {
            int taken = take_pending_if_any(sim, (uint32_t)address);
            if (taken != 0) return;  /* PC changed: this block does not run */
        }
    }
    struct block_entry *e = lookup_block(sim, (uint32_t)address, size);
    if (e->fp_offset >= 0 && c->fp_check && !c->fp_enabled) {
        if (c->fp_skip == (uint32_t)address) {
            c->fp_skip = 0xffffffffu;
        } else {
            c->stop_reason = H7_STOP_FP_DISABLED;
            c->stop_info = (uint32_t)address + (uint32_t)e->fp_offset;
            uc_emu_stop(uc);
            return;
        }
    }
    c->instructions += e->count;
    c->blocks++;
    if (sim->prof_addr) profile_add(sim, (uint32_t)address, e->count);
}

/* Exception return: bx/pop of an EXC_RETURN value in handler mode arrives here (intno 8). */
static void exception_return(struct h7_sim *sim) {
    uc_engine *uc = sim->uc;
    struct h7_core *c = sim->core;
    uint32_t exc_return = reg_read(uc, UC_ARM_REG_PC) | 0xf0000000u;
    uint32_t ipsr = reg_read(uc, UC_ARM_REG_IPSR) & 0x1ff;
    if (ipsr == 0 || !get_bit(c->active, ipsr)) {
        c->stop_reason = H7_STOP_BAD_RETURN;
        c->stop_info = exc_return;
        uc_emu_stop(uc);
        return;
    }
    clear_bit(c->active, ipsr);
    if (get_bit(c->level, ipsr)) {  /* line still high: pending again */
        set_bit(c->pending, ipsr);
        refresh_any_pending(c);
    }
    /* Tail-chaining: a pending exception that would preempt the context we return to is
     * entered at once, reusing the frame already on the stack. */
    int next = pick_exception(c, execution_priority(sim, ipsr));
    if (next > 0) {
        uint32_t vector = 0;
        uc_mem_read(uc, c->vtor + 4 * (uint32_t)next, &vector, 4);
        clear_bit(c->pending, (unsigned)next);
        set_bit(c->active, (unsigned)next);
        refresh_any_pending(c);
        uint32_t apsr = reg_read(uc, UC_ARM_REG_XPSR) & 0xf8000000u;
        set_ipsr(uc, (uint32_t)next, apsr);
        reg_write(uc, UC_ARM_REG_LR, exc_return);
        reg_write(uc, UC_ARM_REG_PC, vector | 1u);
        c->exceptions_taken++;
        c->last_exception = (uint32_t)next;
        return;
    }
    uint32_t sp = reg_read(uc, (exc_return & 4) ? UC_ARM_REG_PSP : UC_ARM_REG_MSP);
    uint32_t words = (exc_return & 0x10) ? 8 : 26;
    uint32_t frame[26];
    if (uc_mem_read(uc, sp, frame, words * 4) != UC_ERR_OK) {
        c->stop_reason = H7_STOP_BAD_RETURN;
        c->stop_info = exc_return;
        uc_emu_stop(uc);
        return;
    }
    uint32_t regs_id[6] = {UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2,
                           UC_ARM_REG_R3, UC_ARM_REG_R12, UC_ARM_REG_LR};
    for (int i = 0; i < 6; i++) reg_write(uc, (int)regs_id[i], frame[i]);
    if (words == 26) {
        for (int i = 0; i < 16; i++) reg_write(uc, UC_ARM_REG_S0 + i, frame[8 + i]);
        reg_write(uc, UC_ARM_REG_FPSCR, frame[24]);
    }
    uint32_t xpsr = frame[7];
    sp += words * 4;
    if (xpsr & (1u << 9)) sp += 4;
    reg_write(uc, UC_ARM_REG_SP, sp);
    uint32_t ret_ipsr = xpsr & 0x1ff;
    if ((exc_return & 8) && ret_ipsr != 0) ret_ipsr = 0;  /* return to thread mode */
    reg_write(uc, UC_ARM_REG_XPSR, (xpsr & ~0x1ffu & ~(1u << 9)) | ret_ipsr);
    set_ipsr(uc, ret_ipsr, xpsr & 0xf8000000u);
    reg_write(uc, UC_ARM_REG_PC, frame[6] | 1u);
    if (ret_ipsr == 0) {
        c->exited_to_thread = 1;
        if (c->sleep_on_exit) {
            c->stop_reason = H7_STOP_REQUEST;
            c->stop_info = 0x51ee9;  /* sleep-on-exit */
            uc_emu_stop(uc);
        }
    }
}

static void intr_hook(uc_engine *uc, uint32_t intno, void *user) {
    struct h7_sim *sim = user;
    struct h7_core *c = sim->core;
    if (intno == 8) {  /* EXCP_EXCEPTION_EXIT */
        exception_return(sim);
        return;
    }
    if (intno == 2) {  /* SVC: the instruction has completed; the return address is PC */
        uint32_t pc = reg_read(uc, UC_ARM_REG_PC);
        set_bit(c->pending, 11);
        refresh_any_pending(c);
        int n = pick_exception(c, execution_priority(sim, 0));
        if (n == 11) {
            h7_enter_exception(sim, 11, pc);
            return;
        }
        /* SVC with too low a priority escalates to HardFault (Python decides). */
    }
    c->stop_reason = H7_STOP_INTR;
    c->stop_info = intno;
    uc_emu_stop(uc);
}

static const int core_regs[16] = {
    UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R4, UC_ARM_REG_R5,
    UC_ARM_REG_R6, UC_ARM_REG_R7, UC_ARM_REG_R8, UC_ARM_REG_R9, UC_ARM_REG_R10, UC_ARM_REG_R11,
    UC_ARM_REG_R12, UC_ARM_REG_SP, UC_ARM_REG_LR, UC_ARM_REG_PC};

static void trap(struct h7_sim *sim, uint32_t kind, uint32_t pc, uint32_t address) {
    struct h7_core *c = sim->core;
    if (c->trap_kind) return;  /* the first trap of a block wins */
    c->trap_kind = kind;
    c->trap_pc = pc;
    c->trap_address = address;
    c->stop_reason = H7_STOP_TRAP;
    uc_emu_stop(sim->uc);
}

/* Code hook on the divide and LDRD/STRD instructions of the image (found by Python in the
 * ELF's functions): checks the divisor or the address before the instruction runs. */
static void trap_code_hook(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
    struct h7_sim *sim = user;
    uint16_t hw[2];
    if (size != 4 || uc_mem_read(uc, address, hw, 4) != UC_ERR_OK) return;
    if ((hw[0] & 0xffd0) == 0xfb90 && (hw[1] & 0x00f0) == 0x00f0) {  /* SDIV / UDIV */
        if (sim->core->div0_trap && reg_read(uc, core_regs[hw[1] & 0xf]) == 0)
            trap(sim, H7_TRAP_DIV0, (uint32_t)address, 0);
        return;
    }
    if ((hw[0] & 0xfe40) == 0xe840 && (hw[0] & 0x0120)) {  /* LDRD/STRD (immediate, literal) */
        unsigned rn = hw[0] & 0xf;
        uint32_t base = rn == 15 ? (((uint32_t)address + 4) & ~3u) : reg_read(uc, core_regs[rn]);
        uint32_t imm = (uint32_t)(hw[1] & 0xff) << 2;
        uint32_t ea = (hw[0] & 0x100) ? ((hw[0] & 0x80) ? base + imm : base - imm) : base;
        if (ea & 3) trap(sim, H7_TRAP_UNALIGNED, (uint32_t)address, ea);
    }
}

/* Hooks the instructions at addrs (divides, LDRD/STRD) for the traps above. */
int h7_add_instruction_traps(struct h7_sim *sim, const uint32_t *addrs, int n) {
    for (int i = 0; i < n; i++) {
        uc_hook h;
        if (uc_hook_add(sim->uc, &h, UC_HOOK_CODE, (void *)trap_code_hook, sim, addrs[i], addrs[i]) != UC_ERR_OK)
            return -1;
    }
    return 0;
}

static void guard_hook(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value,
                       void *user) {
    struct h7_sim *sim = user;
    trap(sim, type == UC_MEM_WRITE ? H7_TRAP_MPU_WRITE : H7_TRAP_MPU_READ,
         reg_read(uc, UC_ARM_REG_PC), (uint32_t)address);
}

/* MPU no-access region `index` covers [start, end] (inclusive); start > end removes it. */
int h7_set_guard(struct h7_sim *sim, int index, uint32_t start, uint32_t end) {
    if (index < 0 || index >= H7_MAX_GUARDS) return -1;
    if (sim->guard_used[index]) {
        uc_hook_del(sim->uc, sim->guards[index]);
        sim->guard_used[index] = 0;
    }
    if (start > end) return 0;
    if (uc_hook_add(sim->uc, &sim->guards[index], UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE,
                    (void *)guard_hook, sim, (uint64_t)start, (uint64_t)end) != UC_ERR_OK)
        return -1;
    sim->guard_used[index] = 1;
    return 0;
}

struct h7_sim *h7_attach(uc_engine *uc, struct h7_core *core) {
    struct h7_sim *sim = calloc(1, sizeof *sim);
    if (!sim) return NULL;
    sim->uc = uc;
    sim->core = core;
    sim->cache = calloc(H7_CACHE_SIZE, sizeof *sim->cache);
    if (!sim->cache) {
        free(sim);
        return NULL;
    }
    if (uc_hook_add(uc, &sim->block_hook, UC_HOOK_BLOCK, (void *)block_hook, sim, 1, 0) != UC_ERR_OK ||
        uc_hook_add(uc, &sim->intr_hook, UC_HOOK_INTR, (void *)intr_hook, sim, 1, 0) != UC_ERR_OK) {
        free(sim->cache);
        free(sim);
        return NULL;
    }
    return sim;
}

/* Starts (on=1) or stops per-block profiling; starting clears earlier counts. */
int h7_profile_enable(struct h7_sim *sim, int on) {
    free(sim->prof_addr);
    free(sim->prof_count);
    sim->prof_addr = NULL;
    sim->prof_count = NULL;
    sim->prof_used = 0;
    if (!on) return 0;
    sim->prof_size = H7_PROF_SIZE;
    sim->prof_addr = malloc(sim->prof_size * sizeof *sim->prof_addr);
    sim->prof_count = calloc(sim->prof_size, sizeof *sim->prof_count);
    if (!sim->prof_addr || !sim->prof_count) return -1;
    memset(sim->prof_addr, 0xff, sim->prof_size * sizeof *sim->prof_addr);
    return 0;
}

/* Copies up to max (address, instructions) pairs; returns how many blocks were profiled. */
int h7_profile_read(struct h7_sim *sim, uint32_t *addrs, uint64_t *counts, int max) {
    int n = 0;
    if (!sim->prof_addr) return 0;
    for (uint32_t i = 0; i < sim->prof_size && n < max; i++) {
        if (sim->prof_addr[i] == 0xffffffffu) continue;
        addrs[n] = sim->prof_addr[i];
        counts[n] = sim->prof_count[i];
        n++;
    }
    return n;
}

void h7_detach(struct h7_sim *sim) {
    if (!sim) return;
    h7_profile_enable(sim, 0);
    uc_hook_del(sim->uc, sim->block_hook);
    uc_hook_del(sim->uc, sim->intr_hook);
    free(sim->cache);
    free(sim);
}

/* Forget cached block decodings (after code is written into RAM). */
void h7_flush_blocks(struct h7_sim *sim) { memset(sim->cache, 0, H7_CACHE_SIZE * sizeof *sim->cache); }

/* Takes the highest-priority pending exception now if it can preempt; returns 1 if taken. */
int h7_take_pending(struct h7_sim *sim) {
    uint32_t pc = reg_read(sim->uc, UC_ARM_REG_PC);
    return take_pending_if_any(sim, pc);
}

/* Execution priority now (for WFI wake-up decisions and tests). */
int h7_execution_priority(struct h7_sim *sim) { return execution_priority(sim, 0); }

/* Highest pending enabled exception that could preempt now (0: none). */
int h7_pending_takeable(struct h7_sim *sim) {
    return pick_exception(sim->core, execution_priority(sim, 0));
}

/* Pending enabled exception that wakes WFI: would preempt if PRIMASK were clear. */
int h7_pending_any_enabled(struct h7_sim *sim) {
    return pick_exception(sim->core, execution_priority_full(sim, 0, 1));
}

void h7_refresh_pending(struct h7_core *c) { refresh_any_pending(c); }

int h7_struct_size(void) { return (int)sizeof(struct h7_core); }
