"""The simulated STM32H743 board: a Unicorn Cortex-M7, the memory map, the peripherals and
virtual time.

    board = Board('build/firmware/firmware/apps/platform_demo/platform_demo.elf')
    board.run(seconds=0.5)              # virtual seconds
    print(board.uart_lines)             # complete lines from USART3
    board.uart_write('opp 240\\n')
    board.run(until=lambda b: b.uart_contains('"event":"opp"'), seconds=1)
    print(board.instructions, board.time, board.summary())

Virtual time: one instruction is one cycle of the current CPU clock (from the RCC model).
WFI fast-forwards to the next event (SysTick, a peripheral), Stop mode too (with the
core clock stopped). Runs are deterministic: the same ELF and inputs give the same
instruction counts and outputs."""
import collections
import ctypes
import math
import os
import time as walltime

from unicorn import Uc, UcError, UC_ARCH_ARM, UC_MODE_THUMB, UC_HOOK_MEM_INVALID, \
    UC_PROT_READ, UC_PROT_WRITE, UC_PROT_EXEC, UC_MEM_READ_UNMAPPED, UC_MEM_WRITE_UNMAPPED, \
    UC_MEM_FETCH_UNMAPPED, UC_MEM_WRITE_PROT, UC_MEM_FETCH_PROT, UC_MEM_READ_PROT
from unicorn import unicorn_const as ucc
from unicorn.arm_const import UC_CPU_ARM_CORTEX_M7, UC_ARM_REG_PC, UC_ARM_REG_SP, \
    UC_ARM_REG_IPSR, UC_ARM_REG_PRIMASK, UC_ARM_REG_BASEPRI, UC_ARM_REG_CONTROL, \
    UC_ARM_REG_FAULTMASK, UC_ARM_REG_XPSR, UC_ARM_REG_APSR_NZCV, UC_ARM_REG_LR, \
    UC_ARM_REG_MSP, UC_ARM_REG_PSP

from h7voice import board_pins

from . import native
from .elf import load_elf
from .errors import SimError
from .memory_map import REGIONS, KNOWN_PERIPHERALS, region_of

# Seconds per bin of the power timeline every new Board keeps (time per mode and operating
# point in each bin; the summary's 'power_trace'), or None for none. Set by tools that draw
# it (h7voice demo --timeline) before they make the board.
POWER_TRACE_BIN_S = None
from .faults import FaultPlan, HANG_STUB
from .periph.base import GenericPeripheral, TIME_EPSILON
from .periph.dwt import Dwt
from .periph.nvic import Nvic
from .periph.scb import Scb
from .periph.scs import SystemControlSpace
from .periph.systick import SysTick
from .periph.rcc import Rcc
from .periph.pwr import Pwr
from .periph.flash import FlashInterface
from .periph.syscfg import Syscfg
from .periph.gpio import Gpio
from .periph.usart import Usart
from .periph.iwdg import Iwdg
from .periph.exti import Exti
from .periph.spi_i2s import SpiI2s
from .periph.dma import Dma
from .periph.dmamux import Dmamux
from .periph.microphone import Microphone
from .periph.lptim import Lptim
from .periph.qspi import Quadspi
from .periph.mdma import Mdma

BOOT_ADDRESS = 0x08000000
UART_TAIL = 20
SLICE_INSTRUCTIONS = 20_000_000  # at most this many instructions per emu_start (wall checks)
POLL_INSTRUCTIONS = 2_000        # slice while a fault waits for the core to leave a handler
# No-progress watchdog: the run loop stops ('stuck') when virtual time and the instruction
# count have not moved for this many loop iterations (a model that keeps an event due
# without consuming it) or this many wall-clock seconds.
NO_PROGRESS_ITERATIONS = 20_000
NO_PROGRESS_WALL_S = 30.0
HANG_INSTRUCTION = b'\xfe\xe7'  # Thumb `b .`


def wall_factor():
    """Wall-clock seconds allowed per virtual second: 10, or H7SIM_WALL_FACTOR (a machine
    shared with other work runs the simulator several times slower)."""
    text = os.environ.get('H7SIM_WALL_FACTOR', '10')
    try:
        factor = float(text)
    except ValueError:
        factor = -1.0
    if not factor > 0:
        raise SimError(f'H7SIM_WALL_FACTOR={text!r}: expected a positive number of wall seconds per virtual second')
    return factor


def default_wall_limit(seconds):
    """Wall-clock limit of a run of `seconds` virtual seconds: max(60 s, 10x virtual), the
    factor from H7SIM_WALL_FACTOR when set."""
    return max(60.0, wall_factor() * seconds) if seconds is not None and math.isfinite(seconds) else None

# Exception numbers (ARMv7-M) and fault status bits (CFSR).
HARDFAULT, MEMMANAGE, BUSFAULT, USAGEFAULT = 3, 4, 5, 6
EXCEPTION_NAMES = {1: 'Reset', 2: 'NMI', 3: 'HardFault', 4: 'MemManage', 5: 'BusFault',
                   6: 'UsageFault', 11: 'SVCall', 12: 'DebugMonitor', 14: 'PendSV', 15: 'SysTick'}
FAULT_KINDS = {
    # kind: (exception, CFSR bits, description)
    'bus_read': (BUSFAULT, (1 << 9) | (1 << 15), 'precise bus error on a data read'),
    'bus_write': (BUSFAULT, 1 << 10, 'imprecise bus error on a data write'),
    'bus_fetch': (BUSFAULT, 1 << 8, 'bus error on an instruction fetch'),
    'undefined': (USAGEFAULT, 1 << 16, 'undefined instruction'),
    'invalid_state': (USAGEFAULT, 1 << 17, 'invalid state (branch to an ARM-state address)'),
    'no_coprocessor': (USAGEFAULT, 1 << 19, 'FP instruction while CPACR disables the FPU'),
    'stacking': (BUSFAULT, 1 << 12, 'bus error while stacking for an exception'),
    'divide_by_zero': (USAGEFAULT, 1 << 25, 'integer divide by zero (CCR.DIV_0_TRP)'),
    'unaligned': (USAGEFAULT, 1 << 24, 'unaligned LDRD/STRD'),
    'mpu_data': (MEMMANAGE, (1 << 1) | (1 << 7), 'data access to an MPU no-access region'),
    'debug': (HARDFAULT, 0, 'BKPT without a debugger'),
    'injected': (HARDFAULT, 0, 'HardFault injected by the simulator (fault injection)'),
}
MODES = ('run', 'sleep', 'stop')


class Board:
    """One simulated NUCLEO-H743ZI2 running one firmware ELF."""

    def __init__(self, elf_path, echo_uart=False, wall_limit=None, profile=False, mpu_guards=True,
                 lsi_hz=None):
        """lsi_hz: this part's LSI frequency, a number or its text (default the nominal
        32 kHz; silicon is within a few % of it): the Stop clock and the watchdog run on it."""
        self.lib = native.load()
        native.bind_profile(self.lib)
        self.elf = load_elf(elf_path)
        self.elf_path = elf_path
        self.boot_address = BOOT_ADDRESS
        self.echo_uart = echo_uart
        self.wall_limit = wall_limit
        self.core = native.Core()
        self.uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
        self.uc.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_M7)
        self._map_memory()
        self._install_peripherals(lsi_hz)
        self.uc.hook_add(UC_HOOK_MEM_INVALID, self._on_invalid_access)
        self._sim = self.lib.h7_attach(self.uc._uch, ctypes.byref(self.core))
        if not self._sim:
            raise SimError('h7sim: could not attach the native core to Unicorn')
        if profile:
            self.lib.h7_profile_enable(self._sim, 1)
        trapped = self.elf.trapped_instructions
        if trapped:
            addrs = (ctypes.c_uint32 * len(trapped))(*trapped)
            self.lib.h7_add_instruction_traps(self._sim, addrs, len(trapped))
        self._guards = []
        self._mpu_dirty = True
        # MPU no-access regions are enforced with Unicorn memory hooks, which make every
        # load/store slower (about 2x on int8 kernels); mpu_guards=False trades that check
        # for speed (instruction counts are the same either way).
        self.mpu_guards = mpu_guards
        self.profiling = profile
        # Measurements and logs.
        self.uart_lines = []
        self.uart_partial = ''
        self.faults = []
        self.resets = []
        self.warnings = []
        self.events = []  # JSON events parsed from UART lines
        self.event_times = []  # virtual time of each of self.events
        self.dma_errors = []
        self._invalid = None
        self.mode = 'run'
        self.mode_times = collections.defaultdict(float)  # (mode, hz, vos) -> seconds
        self.mode_instructions = collections.defaultdict(int)  # (hz, vos) -> instructions
        self.stopped_reason = None
        self.halted = None  # set when the simulation cannot go on (lockup, bad return)
        self.wakeups = collections.Counter()
        self.pending_reset = None
        self.external_stop = False
        self.wall_stop = None
        self.time_nudges = 0  # idle steps that had to pass a cycle for an unconsumed event
        self._booting = True
        self._load_image()
        self._time_anchor = 0.0
        self._clock_anchor = 0
        self._idle_cycles = 0
        self._stalled = 0
        self._booting = False
        self._hz = self.rcc.cpu_hz()
        self._acct_time = 0.0
        self._acct_instr = 0
        self._acct_vos = None  # the VOS of the interval being accounted (None: read it now)
        self.power_trace_bin_s = POWER_TRACE_BIN_S
        self.power_trace = collections.defaultdict(lambda: collections.defaultdict(float))
        self.cpu_reset()

    # ---------------------------------------------------------------- memory and peripherals
    def _map_memory(self):
        perms = {'r': UC_PROT_READ, 'w': UC_PROT_WRITE, 'x': UC_PROT_EXEC}
        for region in REGIONS:
            p = 0
            for ch in region.perms:
                p |= perms[ch]
            self.uc.mem_map(region.base, region.size, p)

    def _install_peripherals(self, lsi_hz=None):
        self.peripherals = {}
        self.systick = SysTick(self)
        self.nvic = Nvic(self)
        self.scb = Scb(self)
        self.scs = SystemControlSpace(self, 0xE000E000)
        self.dwt = Dwt(self, 0xE0001000)
        self.rcc = Rcc(self, 0x58024400, lsi_hz)
        self.pwr = Pwr(self, 0x58024800)
        self.flash = FlashInterface(self, 0x52002000)
        self.syscfg = Syscfg(self, 0x58000400)
        self.exti = Exti(self, 0x58000000)
        self.gpio = {}
        for i, port in enumerate('ABCDEFGHIJK'):
            self.gpio[port] = Gpio(self, 0x58020000 + 0x400 * i, port)
        self.usart3 = Usart(self, 0x40004800, 'USART3', irq=39)
        self.iwdg = Iwdg(self, 0x58004800)
        self.dma1 = Dma(self, 0x40020000, 'DMA1', irqs=(11, 12, 13, 14, 15, 16, 17, 47))
        self.dmamux1 = Dmamux(self, 0x40020800)
        self.lptim1 = Lptim(self, 0x40002400)
        # The I2S MEMS microphone (SPI2) with its wake-on-sound output (board_pins.def MIC_WAKE).
        self.microphone = Microphone(self)
        self.spi2 = SpiI2s(self, 0x40003800, 'SPI2', irq=36, dma_request=39)
        self.qspi = Quadspi(self, 0x52005000)  # and its flash's window at 0x90000000
        self.mdma = Mdma(self, 0x52000000)
        modelled = [self.scs, self.dwt, self.rcc, self.pwr, self.flash, self.syscfg, self.exti,
                    self.usart3, self.iwdg, self.dma1, self.dmamux1, self.spi2,
                    self.lptim1, self.qspi, self.mdma] + list(self.gpio.values())
        self.modelled = modelled
        modelled_bases = {dev.base for dev in modelled}
        self.generic = [GenericPeripheral(self, base, name) for base, name in KNOWN_PERIPHERALS.items()
                        if base not in modelled_bases]
        # Other PPB blocks (ITM, FPB, TPIU, ETM, ...): accepted, read as zero.
        self.generic.append(GenericPeripheral(self, 0xE0000000, 'ITM'))
        self.generic.append(GenericPeripheral(self, 0xE0002000, 'FPB'))
        for dev in modelled + self.generic:
            self._mmio(dev)
        self.fault_plan = FaultPlan(self)
        self.timed = [self.usart3, self.iwdg, self.spi2, self.exti, self.microphone, self.fault_plan, self.lptim1,
                      self.mdma]
        self.qspi.map_window(self.uc)

    def _mmio(self, dev):
        def read(uc, offset, size, user):
            return dev.read(offset, size)

        def write(uc, offset, size, value, user):
            dev.write(offset, size, value)

        self.uc.mmio_map(dev.base, dev.size, read, None, write, None)
        self.peripherals[dev.base] = dev

    def _load_image(self):
        for seg in self.elf.segments:
            region = region_of(seg.address, max(1, len(seg.data)))
            if region is None and self.qspi.in_window(seg.address):
                self.qspi.load(seg.address, seg.data)  # the external flash's content
                continue
            if region is None:
                raise SimError(f'{self.elf_path}: segment at 0x{seg.address:08x} ({len(seg.data)} bytes) '
                               'is outside the STM32H743 memory map')
            self.uc.mem_write(seg.address, seg.data)
        if self.elf.segment_at(self.boot_address) is None:
            raise SimError(f'{self.elf_path}: nothing is loaded at the boot address 0x{self.boot_address:08x} '
                           '(no vector table in flash)')

    # ---------------------------------------------------------------- reset
    def cpu_reset(self):
        """Core reset: NVIC cleared, SP and PC from the vector table at the boot address."""
        core = self.core
        for i in range(8):
            core.pending[i] = core.active[i] = core.enabled[i] = core.level[i] = 0
        for n in range(256):
            core.priority[n] = 0
        core.enabled[0] = 0xffff & ~0x70  # system exceptions; MemManage/Bus/Usage via SHCSR
        core.any_pending = 0
        core.fp_check = 1
        self.scb.reset()
        self.systick.reset()
        self.dwt.reset()
        sp = int.from_bytes(self.uc.mem_read(self.boot_address, 4), 'little')
        pc = int.from_bytes(self.uc.mem_read(self.boot_address + 4, 4), 'little')
        if not pc & 1 or region_of(sp - 4) is None or region_of(pc & ~1) is None:
            raise SimError(f'{self.elf_path}: vector table at 0x{self.boot_address:08x} is not valid '
                           f'(initial SP 0x{sp:08x}, reset vector 0x{pc:08x})')
        for reg, value in ((UC_ARM_REG_IPSR, 0), (UC_ARM_REG_PRIMASK, 0), (UC_ARM_REG_BASEPRI, 0),
                           (UC_ARM_REG_FAULTMASK, 0), (UC_ARM_REG_CONTROL, 0)):
            self.uc.reg_write(reg, value)
        self.uc.reg_write(UC_ARM_REG_APSR_NZCV, 0)
        self.uc.reg_write(UC_ARM_REG_MSP, sp)
        self.uc.reg_write(UC_ARM_REG_SP, sp)
        self.uc.reg_write(UC_ARM_REG_LR, 0xffffffff)
        self.uc.reg_write(UC_ARM_REG_PC, pc)
        self.mode = 'run'

    def system_reset(self, reason):
        """Reset of the whole chip (software, watchdog): peripherals to reset values, RAM kept."""
        self._account()
        self.resets.append({'reason': reason, 'time': self.time, 'instructions': self.instructions})
        for dev in self.modelled:
            if dev not in (self.scs, self.dwt):
                dev.reset()
        self.fault_plan.reset()
        if reason == 'power_on':
            # Power off and on: RAM loses its content (read back as 0 here); flash keeps its
            # own (a flipped bit stays flipped); the backup SRAM is kept (VBAT).
            for region in REGIONS:
                if region.name not in ('flash', 'backup_sram'):
                    self.uc.mem_write(region.base, bytes(region.size))
            self.uc.ctl_flush_tb()
            self.rcc.reset_flags = 0
        self.rcc.note_reset(reason)
        self._on_clock_change()
        self.cpu_reset()

    def mpu_changed(self):
        self._mpu_dirty = True
        self.request_stop()

    def _apply_mpu(self):
        """Installs data hooks on the MPU's no-access regions (outside emulation)."""
        self._mpu_dirty = False
        ranges = self.scb.mpu_no_access_regions()[:8] if self.mpu_guards else []
        if ranges == self._guards or not hasattr(self, '_sim') or not self._sim:
            return
        for i in range(8):
            start, end = ranges[i] if i < len(ranges) else (1, 0)
            self.lib.h7_set_guard(self._sim, i, start, end)
        self._guards = ranges
        self.uc.ctl_flush_tb()

    def request_reset(self, reason):
        self.pending_reset = reason
        self.request_stop()

    # ---------------------------------------------------------------- interrupts
    def set_pending(self, exception):
        self.core.pending[exception >> 5] |= 1 << (exception & 31)
        self.core.any_pending = 1

    def clear_pending(self, exception):
        self.core.pending[exception >> 5] &= ~(1 << (exception & 31)) & 0xffffffff
        self.lib.h7_refresh_pending(ctypes.byref(self.core))

    def pending_changed(self):
        self.lib.h7_refresh_pending(ctypes.byref(self.core))

    def irq_level(self, irq, high):
        """A peripheral's interrupt line (level-sensitive): high pends IRQ irq."""
        n = 16 + irq
        word, bit = n >> 5, 1 << (n & 31)
        if high:
            self.core.level[word] |= bit
            if not self.core.pending[word] & bit:
                self.core.pending[word] |= bit
                self.core.any_pending = 1
        else:
            self.core.level[word] &= ~bit & 0xffffffff

    def highest_pending(self):
        best, best_prio = 0, 1 << 10
        for n in range(1, 256):
            if self.core.pending[n >> 5] >> (n & 31) & 1:
                prio = -4 + n if n <= 3 else self.core.priority[n]
                if prio < best_prio:
                    best, best_prio = n, prio
        return best

    def uc_ipsr(self):
        return self.uc.reg_read(UC_ARM_REG_IPSR) & 0x1ff

    def request_stop(self):
        """Stops the CPU at the next block so the run loop re-plans (new event times)."""
        self.core.stop_request = 1

    # ---------------------------------------------------------------- virtual time
    @property
    def instructions(self):
        return self.core.instructions

    def clock(self):
        """Core clock cycles elapsed (instructions plus cycles spent sleeping)."""
        return self.core.instructions + self._idle_cycles

    @property
    def time(self):
        """Virtual time in seconds."""
        if self.mode == 'stop':
            return self._time_anchor
        return self._time_anchor + (self.clock() - self._clock_anchor) / self._hz

    @property
    def hz(self):
        return self._hz

    def clock_at(self, t):
        """Core clock cycle at which virtual time t is reached (at the current frequency)."""
        return self._clock_anchor + max(0, math.ceil((t - self._time_anchor) * self._hz - 1e-6))

    def _on_clock_change(self):
        """Called by RCC/PWR when the CPU clock may have changed."""
        new_hz = self.rcc.cpu_hz()
        self._account()
        if new_hz != self._hz:
            self._time_anchor = self.time
            self._clock_anchor = self.clock()
            self._hz = new_hz
            self.request_stop()
        self.flash.check_wait_states()
        self.pwr.check_frequency()

    def operating_point(self):
        return (self._hz, self.pwr.vos_name())

    def _account(self):
        """Adds time since the last call to the current mode and operating point."""
        now = self.time
        # The clock is still the interval's (the board re-times after accounting), but the
        # VOS register may just have been written: the interval ran at the VOS noted at its
        # start, not the new one (else a VOS raise charged the listening time before it to
        # the higher level).
        hz, vos = self.operating_point()
        if self._acct_vos is not None:
            vos = self._acct_vos
        self._acct_vos = self.pwr.vos_name()
        if self.mode == 'stop':  # the regulator holds the Stop level the firmware chose
            vos = self.pwr.svos_name()
        self.mode_times[(self.mode, hz, vos)] += now - self._acct_time
        if self.power_trace_bin_s:
            self._trace(self._acct_time, now, (self.mode, hz, vos))
        self.mode_instructions[(hz, vos)] += self.core.instructions - self._acct_instr
        self._acct_time = now
        self._acct_instr = self.core.instructions

    def _trace(self, t0, t1, key):
        """Spreads the interval [t0, t1) over the timeline's bins."""
        b = self.power_trace_bin_s
        while t1 > t0:
            i = int(t0 / b)
            end = min(t1, (i + 1) * b)
            if end <= t0:  # rounding at a bin edge
                end = min(t1, t0 + b * 1e-9)
                i += 1
            self.power_trace[i][key] += end - t0
            t0 = end

    def _set_mode(self, mode):
        if mode != self.mode:
            self._account()
            self.mode = mode

    # ---------------------------------------------------------------- running
    def run(self, seconds=None, until=None, max_instructions=None, wall_limit=None):
        """Runs for `seconds` of virtual time (or until until(board) is true, checked after
        each event). Returns the reason: 'time', 'until', 'instructions', 'halted', 'wall'
        (wall-clock limit: default max(60 s, 10 x seconds); board.wall_stop says where),
        'stuck' (virtual time stopped advancing: a simulator bug) or 'break'."""
        if seconds is not None and not (isinstance(seconds, (int, float)) and math.isfinite(seconds)
                                        and seconds >= 0):
            raise SimError(f'run(): seconds must be a finite number >= 0, not {seconds!r}')
        wall_limit = wall_limit if wall_limit is not None else self.wall_limit
        if wall_limit is None:
            wall_limit = default_wall_limit(seconds)
        end_time = self.time + seconds if seconds is not None else math.inf
        end_instr = self.instructions + max_instructions if max_instructions else None
        wall_start = walltime.monotonic()
        if end_time == math.inf and until is None and end_instr is None:
            raise ValueError('run() needs seconds, until or max_instructions')
        progress = (self.time, self.instructions)
        still, still_since = 0, wall_start
        while True:
            now_progress = (self.time, self.instructions)
            if now_progress != progress:
                progress, still, still_since = now_progress, 0, None
            else:
                still += 1
                if still_since is None:
                    still_since = walltime.monotonic()
                if still >= NO_PROGRESS_ITERATIONS or (
                        still % 256 == 0 and walltime.monotonic() - still_since > NO_PROGRESS_WALL_S):
                    self._halt('no_progress', self._no_progress_text(still))
                    return self._stopped('stuck')
            if self.halted:
                return self._stopped('halted')
            if until is not None and until(self):
                return self._stopped('until')
            if self.time >= end_time - TIME_EPSILON:
                return self._stopped('time')
            if end_instr is not None and self.instructions >= end_instr:
                return self._stopped('instructions')
            if wall_limit is not None and walltime.monotonic() - wall_start > wall_limit:
                self.warnings.append(f'wall-time limit {wall_limit:g} s reached at virtual time {self.time:.6f} s')
                self.wall_stop = self.where()
                return self._stopped('wall')
            if self.fault_plan.waiting() and self.mode != 'stop':
                self.fault_plan.poll()
            if self.fault_plan.held_until is not None and self.mode != 'stop':
                self._held_step(end_time)
            elif self.mode == 'run' and self._spinning_in_stub():
                self._held_step(end_time, spin=True)
            elif self.mode == 'run':
                reason = self._run_cpu(end_time, end_instr)
                if reason == 'break':
                    return self._stopped('break')
            else:
                self._idle_step(end_time)
            self._process_events()
            if self.pending_reset:
                reason, self.pending_reset = self.pending_reset, None
                self.system_reset(reason)

    def _stopped(self, reason):
        self._account()
        self.stopped_reason = reason
        return reason

    def where(self):
        """Where the board is now: virtual time, PC, function, mode, last UART line."""
        pc = self.pc
        tail = self.uart_tail(1)
        return {'time_s': self.time, 'pc': pc, 'function': self.elf.function_at(pc), 'mode': self.mode,
                'instructions': self.instructions, 'last_uart_line': tail[-1] if tail else None}

    def _no_progress_text(self, iterations):
        due = []
        for dev in self.timed:
            t = dev.next_event_time()
            if t is not None:
                due.append((t, getattr(dev, 'name', type(dev).__name__)))
        nxt = min(due) if due else (None, None)
        nxt_text = f'next event {nxt[1]} at {nxt[0]!r} s' if nxt[0] is not None else 'no event scheduled'
        return (f'virtual time stuck at {self.time!r} s in {self.mode} mode for {iterations} loop iterations '
                f'({nxt_text}): a simulator bug, please report it')

    def _spinning_in_stub(self):
        """Thread mode sits in the stall/hang stub's `b .` with no interrupt to take."""
        return (self.fault_plan.diverted() and (self.pc & ~1) == HANG_STUB and self.uc_ipsr() == 0
                and self.lib.h7_pending_any_enabled(self._sim) <= 0)

    def _held_step(self, end_time, spin=False):
        """core-hold fault: the core clock runs but no instruction executes and no exception
        is taken; time goes to the next event (or the end of the hold). spin: the same for
        thread mode spinning in the stall/hang stub (`b .` changes nothing but time; its
        cycles pass at the core clock without being executed one by one, so a hang at
        480 MHz costs no wall time; interrupts are taken as soon as one is pending)."""
        held = self.fault_plan.held_until if not spin else math.inf
        t_next = min(self._next_event_time(), end_time, held)
        tick = self.systick.next_event_clock()
        target = self.clock_at(t_next)
        if tick is not None:
            target = min(target, tick)
        self._idle_cycles += max(1, target - self.clock())

    # ---------------------------------------------------------------- fault injection
    def inject(self, kind, at_s, **params):
        """Schedules a fault at virtual time at_s (see faults.py for the kinds). Returns the
        Fault; its record (effect, outcome) is in summary()['injected']."""
        return self.fault_plan.add(kind, at_s, params)

    def inject_spec(self, spec):
        """inject() from the command-line grammar, e.g. 'irq-hold:DMA1_Stream0:60ms@2.5s'."""
        from .faults import parse_spec
        try:
            kind, at_s, params = parse_spec(spec)
        except ValueError as exc:
            raise SimError(str(exc)) from None
        return self.fault_plan.add(kind, at_s, params)

    def flash_region_of(self, address):
        region = region_of(address)
        return region if region is not None and region.name == 'flash' else None

    def wake_for_fault(self):
        """A fault needs the core running: leave Sleep (the PC stays after the WFI)."""
        self._set_mode('run')

    def inject_hardfault(self):
        self._raise_fault('injected', self.pc)
        self.faults[-1]['injected'] = True

    def divert_thread(self, stub):
        """Sends thread mode to a `b .` at `stub` (stall/hang faults); handlers still run."""
        if self.elf.segment_at(stub) is not None:
            raise SimError(f'the image occupies 0x{stub:08x}, where the hang stub goes')
        if self.read_memory(stub, 2) != HANG_INSTRUCTION:
            self.write_memory(stub, HANG_INSTRUCTION)
            self.uc.ctl_flush_tb()
        self.uc.reg_write(UC_ARM_REG_PC, stub | 1)

    def resume_thread(self, pc):
        self.uc.reg_write(UC_ARM_REG_PC, pc | 1)

    def audio_loss_between(self, t0, t1):
        """Microphone frames lost (overwritten before read, or dropped) in [t0, t1]."""
        return sum(n for t, n, _ in self.spi2.loss_log if t0 - 1e-12 <= t <= t1)

    def _next_event_time(self, stop_mode=False):
        times = []
        for dev in self.timed:
            if stop_mode and not dev.runs_in_stop:
                continue
            t = dev.next_event_time()
            if t is not None:
                times.append(t)
        return min(times) if times else math.inf

    def _run_cpu(self, end_time, end_instr):
        core = self.core
        deadline_clock = self.clock_at(min(self._next_event_time(), end_time))
        tick = self.systick.next_event_clock()
        if tick is not None:
            deadline_clock = min(deadline_clock, tick)
        budget = max(1, deadline_clock - self.clock())
        if self.fault_plan.waiting() or self.fault_plan.diverted():
            budget = min(budget, POLL_INSTRUCTIONS)  # back to the loop soon (fault bookkeeping)
        budget = min(budget, SLICE_INSTRUCTIONS)
        if end_instr is not None:
            budget = min(budget, max(1, end_instr - self.instructions))
        if self._mpu_dirty:
            self._apply_mpu()
        core.deadline = core.instructions + budget
        core.stop_reason = native.STOP_NONE
        core.trap_kind = 0
        stacking_errors = core.stacking_errors
        core.stop_request = 0
        pc = self.uc.reg_read(UC_ARM_REG_PC)
        self._invalid = None
        try:
            self.uc.emu_start(pc | 1, 0xffffffff)
        except UcError as exc:
            self._on_uc_error(exc)
            return 'fault'
        reason, info = core.stop_reason, core.stop_info
        if core.stacking_errors != stacking_errors:
            self._stacking_error()
        if reason == native.STOP_TRAP:
            self._on_trap()
            return 'fault'
        if reason in (native.STOP_DEADLINE, native.STOP_REQUEST):
            if info == native.SLEEP_ON_EXIT_INFO:
                core.stop_info = 0
                self._enter_sleep(self.uc.reg_read(UC_ARM_REG_PC))
            return 'ok'
        if reason == native.STOP_INTR:
            self._on_interrupt_number(info)
            return 'fault'
        if reason == native.STOP_FP_DISABLED:
            self._raise_fault('no_coprocessor', info)
            return 'fault'
        if reason == native.STOP_LOCKUP:
            self._halt('lockup', f'exception {info} could not be entered (stack unusable)')
            return 'fault'
        if reason == native.STOP_BAD_RETURN:
            self._halt('bad_exception_return', f'exception return 0x{info:08x} with no active exception')
            return 'fault'
        if reason == native.STOP_BREAK:
            return 'break'
        if self.external_stop:  # a hook outside the native core stopped the CPU (GDB breakpoint)
            self.external_stop = False
            return 'ok'
        # Unicorn returned by itself: WFI/WFE.
        pc = self.uc.reg_read(UC_ARM_REG_PC)
        if self._is_sleep_instruction(pc):
            self._enter_sleep(pc)
            return 'ok'
        self._halt('unexpected_stop', f'emulation stopped at 0x{pc:08x} for no known reason')
        return 'fault'

    def _is_sleep_instruction(self, pc):
        try:
            prev = int.from_bytes(self.uc.mem_read(pc - 2, 2), 'little')
            prev32 = int.from_bytes(self.uc.mem_read(pc - 4, 4), 'little')
        except UcError:
            return False
        return prev in (0xBF30, 0xBF20) or prev32 in (0x8003F3AF, 0x8002F3AF)

    def _enter_sleep(self, pc):
        deep = self.scb.sleepdeep() and self.pwr.stop_allowed()
        if self.lib.h7_pending_any_enabled(self._sim) > 0:
            return  # a pending interrupt: WFI does not sleep
        if deep:
            self._set_mode('stop')
            self._time_anchor = self.time_of_clock_now()
            self._clock_anchor = self.clock()
            self.rcc.on_stop_entry()
        else:
            self._set_mode('sleep')

    def time_of_clock_now(self):
        return self._time_anchor + (self.clock() - self._clock_anchor) / self._hz

    def _idle_step(self, end_time):
        """Sleep/Stop: jump to the next event, then wake if an interrupt is pending."""
        stop = self.mode == 'stop'
        if self.lib.h7_pending_any_enabled(self._sim) > 0:
            self._wake()
            return
        t_next = min(self._next_event_time(stop_mode=stop), end_time)
        if not stop:
            tick = self.systick.next_event_clock()
            if tick is not None:
                t_next = min(t_next, self._time_anchor + (tick - self._clock_anchor) / self._hz)
        if t_next == math.inf:
            self._halt('sleep_forever', f'core in {self.mode} mode with no wake-up source')
            return
        if stop:
            self._time_anchor = max(self._time_anchor, t_next)
        else:
            target = self.clock_at(t_next)
            if target > self.clock():
                self._idle_cycles += target - self.clock()
        self._process_events()
        if self.lib.h7_pending_any_enabled(self._sim) > 0 or self.pending_reset:
            self._wake()
        elif not stop and self._next_event_time() <= self.time + TIME_EPSILON:
            # An event still due after processing: a model did not consume it. One cycle
            # passes so that time cannot freeze (it did: SPI2's rounding at ~155 s, see
            # spi_i2s.py); the no-progress watchdog in run() reports anything worse.
            self._idle_cycles += 1
            self.time_nudges += 1

    def _wake(self):
        self.wakeups[self.mode] += 1
        if self.mode == 'stop':
            self._account()
            self.mode = 'run'
            self._clock_anchor = self.clock()
            self.rcc.on_stop_exit()
            self.pwr.on_stop_exit()
            self._on_clock_change()
        else:
            self._set_mode('run')

    def _process_events(self):
        if self.mode != 'stop':
            self.systick.on_clock(self.clock())
        now = self.time
        for dev in self.timed:
            if self.mode == 'stop' and not dev.runs_in_stop:
                continue
            t = dev.next_event_time()
            if t is not None and t <= now + TIME_EPSILON:
                dev.on_time(now)

    # ---------------------------------------------------------------- faults
    def _on_invalid_access(self, uc, access, address, size, value, user):
        self._invalid = (access, address, size)
        return False

    def _on_uc_error(self, exc):
        pc = self.uc.reg_read(UC_ARM_REG_PC)
        access = self._invalid[0] if self._invalid else None
        address = self._invalid[1] if self._invalid else None
        if access in (UC_MEM_FETCH_UNMAPPED, UC_MEM_FETCH_PROT) or exc.errno in (
                ucc.UC_ERR_FETCH_UNMAPPED, ucc.UC_ERR_FETCH_PROT):
            # The stacked return address is the address that could not be fetched.
            self._raise_fault('bus_fetch', address if address is not None else pc, address)
        elif access in (UC_MEM_READ_UNMAPPED, UC_MEM_READ_PROT):
            self._raise_fault('bus_read', pc, address)
        elif access in (UC_MEM_WRITE_UNMAPPED, UC_MEM_WRITE_PROT):
            self._raise_fault('bus_write', pc, address)
        elif exc.errno == ucc.UC_ERR_INSN_INVALID:
            self._raise_fault('undefined', pc)
        else:
            self._halt('emulator_error', f'Unicorn stopped at 0x{pc:08x}: {exc}')

    def _on_trap(self):
        core = self.core
        kind, pc, address = core.trap_kind, core.trap_pc, core.trap_address
        core.trap_kind = 0
        self.uc.reg_write(UC_ARM_REG_PC, pc | 1)
        if kind == native.TRAP_DIV0:
            self._raise_fault('divide_by_zero', pc)
        elif kind == native.TRAP_UNALIGNED:
            self._raise_fault('unaligned', pc, address)
        else:
            self._raise_fault('mpu_data', pc, address)

    def _stacking_error(self):
        """An exception entry could not write its frame: STKERR, or MSTKERR in an MPU guard."""
        sp = self.uc.reg_read(UC_ARM_REG_SP)
        in_guard = any(start <= sp + k <= end for start, end in self._guards for k in (0, 31))
        self.scb.cfsr |= (1 << 4) if in_guard else (1 << 12)
        self.faults.append({'kind': 'stacking', 'exception': 'MemManage' if in_guard else 'BusFault',
                            'reason': f'exception frame could not be stacked at SP 0x{sp:08x} (stack overflow?)',
                            'pc': self.pc, 'address': sp, 'time': self.time, 'instructions': self.instructions,
                            'function': self.elf.function_at(self.pc), 'uart_tail': self.uart_tail()})

    def _on_interrupt_number(self, intno):
        pc = self.uc.reg_read(UC_ARM_REG_PC)
        if intno == 1:  # EXCP_UDEF
            self._raise_fault('undefined', pc)
        elif intno == 7:  # EXCP_BKPT
            self._raise_fault('debug', pc)
        elif intno == 2:  # SVC that cannot be taken now escalates
            self._raise_fault('undefined', pc, reason='SVC with too low a priority (escalated)')
        elif intno == 6:  # EXCP_NOCP
            self._raise_fault('no_coprocessor', pc)
        elif intno == 18:  # EXCP_INVSTATE
            self._raise_fault('invalid_state', pc)
        else:
            self._halt('emulator_error', f'unhandled CPU exception {intno} at 0x{pc:08x}')

    def _raise_fault(self, kind, pc, address=None, reason=None):
        """Raises a fault as the chip would: CFSR/HFSR/BFAR, escalation, handler entry."""
        exception, cfsr_bits, text = FAULT_KINDS[kind]
        scb, core = self.scb, self.core
        if exception == HARDFAULT:
            # BKPT: DEBUGEVT; an injected HardFault shows FORCED, as an escalated fault does
            scb.hfsr |= 1 << 30 if kind == 'injected' else 1 << 31
        else:
            scb.cfsr |= cfsr_bits
            if kind == 'bus_read' and address is not None:
                scb.bfar = address
            if kind == 'mpu_data':
                scb.mmfar = address
        exec_prio = self.lib.h7_execution_priority(self._sim)
        escalated = False
        if exception != HARDFAULT:
            prio = core.priority[exception]
            if not scb.fault_enabled(exception) or prio >= exec_prio:
                exception, escalated = HARDFAULT, True
                scb.hfsr |= 1 << 30  # FORCED
        ipsr = self.uc_ipsr()
        record = {
            'kind': kind, 'reason': reason or text, 'pc': pc, 'address': address,
            'exception': EXCEPTION_NAMES.get(exception, str(exception)), 'escalated': escalated,
            'cfsr': scb.cfsr, 'hfsr': scb.hfsr, 'time': self.time, 'instructions': self.instructions,
            'function': self.elf.function_at(pc), 'uart_tail': self.uart_tail(),
        }
        self.faults.append(record)
        if exception == HARDFAULT and exec_prio <= -1:
            self._halt('lockup', f'{text} at 0x{pc:08x} inside {EXCEPTION_NAMES.get(ipsr, ipsr)}: the core locks up')
            return
        before = core.stacking_errors
        entered = self.lib.h7_enter_exception(self._sim, exception, pc)
        if entered > 0 and core.stacking_errors != before:
            self._stacking_error()
        if entered < 0:
            self.scb.cfsr |= 1 << 12
            self._halt('lockup', f'{text} at 0x{pc:08x}; stacking for {record["exception"]} failed '
                                 f'(SP 0x{self.uc.reg_read(UC_ARM_REG_SP):08x})')

    def stall(self, cycles):
        """The core waits `cycles` without executing (a slow bus: QSPI reads). A long
        wait stops the slice so that events stay on time."""
        self._idle_cycles += cycles
        self._stalled += cycles
        if self._stalled > 20_000:
            self._stalled = 0
            self.request_stop()

    def halt_unmodelled(self, text):
        """A peripheral set-up the models do not cover: the run stops, saying which."""
        self._halt('unmodelled', text)
        self.request_stop()

    def config_fault(self, text):
        """A clock/voltage/flash configuration the chip cannot run: a firmware fault."""
        if getattr(self, '_booting', False):
            return
        self._halt('clock_config', text)
        self.request_stop()

    def _halt(self, kind, text):
        if self.halted:
            return
        pc = self.uc.reg_read(UC_ARM_REG_PC)
        self.halted = {'kind': kind, 'reason': text, 'pc': pc, 'function': self.elf.function_at(pc),
                       'time': self.time, 'instructions': self.instructions,
                       'uart_tail': self.uart_tail()}
        if kind != 'sleep_forever':
            self.faults.append(dict(self.halted, exception='lockup' if kind == 'lockup' else kind))

    # ---------------------------------------------------------------- UART
    def uart_output(self, byte):
        """USART3 transmitted a byte: collect lines, echo if asked."""
        ch = chr(byte)
        if self.echo_uart:
            import sys
            sys.stdout.write(ch)
            sys.stdout.flush()
        if ch == '\n':
            line = self.uart_partial.rstrip('\r')
            self.uart_partial = ''
            self.uart_lines.append(line)
            self.request_stop()  # lets run(until=...) see the line at once
            if line.startswith('{') and '"event"' in line:
                from h7voice.events import parse_line
                event = parse_line(line)
                if event is None:
                    self.warnings.append(f'malformed JSON event line: {line[:80]}')
                else:
                    self.events.append(event)
                    self.event_times.append(self.time)
        else:
            self.uart_partial += ch

    def uart_write(self, text):
        """Queues text to USART3 RX (delivered at the baud rate in virtual time)."""
        self.usart3.inject(text.encode() if isinstance(text, str) else bytes(text))

    def ask(self, command, marker, seconds=1.0):
        """Writes `command` to the console and runs until a line containing `marker` has
        arrived whole (its last byte off the wire: a 1.3 KB statistics line takes ~0.11 s at
        115200 baud), at most `seconds`. Returns that line, or None."""
        n = len(self.uart_lines)
        self.uart_write(command)
        self.run(seconds=seconds, until=lambda b: b.uart_contains(marker, n))
        return next((line for line in self.uart_lines[n:] if marker in line), None)

    def uart_tail(self, n=UART_TAIL):
        tail = self.uart_lines[-n:]
        return tail + ([self.uart_partial] if self.uart_partial else [])

    def uart_contains(self, text, start=0):
        return any(text in line for line in self.uart_lines[start:])

    # ---------------------------------------------------------------- inspection
    def read_memory(self, address, size):
        return bytes(self.uc.mem_read(address, size))

    def write_memory(self, address, data):
        self.uc.mem_write(address, bytes(data))

    def read_u32(self, address):
        return int.from_bytes(self.read_memory(address, 4), 'little')

    def symbol(self, name):
        return self.elf.symbol(name)

    def register(self, name):
        from unicorn import arm_const
        return self.uc.reg_read(getattr(arm_const, 'UC_ARM_REG_' + name.upper()))

    @property
    def pc(self):
        return self.uc.reg_read(UC_ARM_REG_PC)

    def pin(self, port, number):
        return self.gpio[port.upper()].pin_level(number)

    def set_pin_input(self, port, number, level):
        """Drives an input pin; an edge raises its EXTI line (if SYSCFG_EXTICR selects the port)."""
        gpio = self.gpio[port.upper()]
        old = gpio.inputs >> number & 1
        gpio.set_input(number, level)
        new = 1 if level else 0
        if old != new and self.syscfg.exti_port(number) == port.upper():
            self.exti.edge(number, rising=bool(new))

    def press_button(self):
        """User button B1 (PC13, active high on the NUCLEO board): press and keep pressed."""
        self.set_pin_input(*board_pins.pin('BUTTON'), 1)

    def release_button(self):
        self.set_pin_input(*board_pins.pin('BUTTON'), 0)

    def profile(self):
        """Per-function instructions (needs Board(..., profile=True)), highest first."""
        if not self.profiling:
            return []
        n = 1 << 18
        addrs = (ctypes.c_uint32 * n)()
        counts = (ctypes.c_uint64 * n)()
        got = self.lib.h7_profile_read(self._sim, addrs, counts, n)
        by_function = collections.Counter()
        for i in range(got):
            by_function[self.elf.function_at(addrs[i]) or f'0x{addrs[i]:08x}'] += counts[i]
        return by_function.most_common()

    def summary(self):
        from .measure import summarize
        return summarize(self)

    def close(self):
        if self._sim:
            self.lib.h7_detach(self._sim)
            self._sim = None
