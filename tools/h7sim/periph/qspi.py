"""QUADSPI (RM0433 section 23) with a 64 Mbit quad-SPI NOR flash behind it, and the
memory-mapped window at 0x90000000 (256 MB).

The flash is a Winbond W25Q64JV (datasheet W25Q64JV rev. J, 2018/2019: 8 MB, JEDEC ID
EF 40 17; "Fast Read Quad I/O" EBh: 8 instruction clocks on IO0, the 24-bit address on
four lines (6 clocks), the mode byte M7-0 on four lines (2 clocks), 4 dummy clocks, then
2 clocks per data byte; every instruction except Read Data 03h runs up to fR = 133 MHz).
Its content is the image's segments at 0x90000000 (the ELF's .qspi section, loaded by
the board like internal flash); erased bytes read 0xFF.

Timing of a read: the QUADSPI clock is its kernel clock (RCC_D1CCIPR.QSPISEL: rcc_hclk3,
pll1_q_ck or per_ck) / (PRESCALER + 1). A read at a new address costs the whole command
(instruction + address + alternate bytes + dummy cycles, from CCR), a read at the address
following the previous one only its data clocks (the QUADSPI keeps the command going in
memory-mapped mode). CPU reads of the window stall the core for that time (cycles added
to the board clock; DWT.CYCCNT, which counts instructions, does not see them); MDMA
transfers from the window take it in the background (periph/mdma.py). A clock above the
flash's 133 MHz, a memory-mapped set-up the flash cannot answer, DDR mode or a read of the
window outside memory-mapped mode halt the run with one line (on the chip they are bus
errors or garbage). Indirect mode: the read commands a driver needs to find the flash
(JEDEC ID 9Fh, status registers 05h/35h); anything else halts with the command named.

`AS_INTERNAL_FLASH = True` (set before making the Board) maps the window as plain memory
with no wait: the comparison run "weights in a larger internal flash" of the QSPI
benchmark (tools/h7qspi), whose image reads the weights in place."""
import math

from .base import Peripheral, bits

CR, DCR, SR, FCR, DLR, CCR, AR, ABR, DR, PSMKR, PSMAR, PIR, LPTR = (
    0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x2C, 0x30)
CR_EN, CR_ABORT = 1, 2
SR_TEF, SR_TCF, SR_FTF, SR_BUSY = 1, 2, 4, 1 << 5
FMODE_INDIRECT_WRITE, FMODE_INDIRECT_READ, FMODE_AUTO_POLL, FMODE_MEMORY_MAPPED = 0, 1, 2, 3
AHB3ENR, QSPIEN_BIT = 0xD4, 14   # RCC_AHB3ENR.QSPIEN (RM0433 8.7.38)

WINDOW_BASE, WINDOW_SIZE = 0x90000000, 0x10000000
FLASH_BYTES = 8 * 1024 * 1024           # W25Q64JV: 64 Mbit
JEDEC_ID = bytes((0xEF, 0x40, 0x17))    # Winbond, W25Q64JV-IQ/JQ
MAX_HZ = 133_000_000                    # fR, all instructions but 03h
QUAD_READ = 0xEB                        # Fast Read Quad I/O
STATUS1, STATUS2, READ_ID = 0x05, 0x35, 0x9F
STATUS2_QE = 0x02                       # Quad Enable: 1 in the model (writing SR2 is not modelled)
LINES = {0: 0, 1: 1, 2: 2, 3: 4}        # IMODE/ADMODE/ABMODE/DMODE encodings
AS_INTERNAL_FLASH = False


class Quadspi(Peripheral):
    name = 'QUADSPI'

    def __init__(self, board, base):
        self.image = bytearray(b'\xff' * FLASH_BYTES)
        self.present = True        # False: no flash answers (board without the chip)
        self.reads = 0             # CPU reads of the window
        self.stall_cycles = 0      # core cycles those reads stalled
        self.busy_until = 0.0      # the bus is the MDMA's until then (periph/mdma.py)
        super().__init__(board, base)

    def reset(self):
        self.regs = {}
        self.regs_version = getattr(self, 'regs_version', 0) + 1
        self._timing_key = None
        self.next_offset = None    # window offset the running memory-mapped read continues at
        self.rx = bytearray()

    # ---------------------------------------------------------------- image and window
    @staticmethod
    def in_window(address):
        return WINDOW_BASE <= address < WINDOW_BASE + WINDOW_SIZE

    def map_window(self, uc):
        """The 256 MB window: CPU reads go through window_read (timed), or with
        AS_INTERNAL_FLASH the flash's 8 MB are plain memory read without waiting."""
        from unicorn import UC_PROT_READ, UC_PROT_EXEC
        self.as_internal = AS_INTERNAL_FLASH
        if self.as_internal:
            uc.mem_map(WINDOW_BASE, FLASH_BYTES, UC_PROT_READ | UC_PROT_EXEC)
            uc.mem_write(WINDOW_BASE, bytes(self.image))
        else:
            uc.mmio_map(WINDOW_BASE, WINDOW_SIZE, lambda _uc, off, size, _u: self.window_read(off, size),
                        None, lambda _uc, off, size, value, _u: self._unmodelled(
                            f'write to the QSPI window at 0x{WINDOW_BASE + off:08x} (memory-mapped mode is read-only)'),
                        None)

    def load(self, address, data):
        """An ELF segment in the window: programmed into the flash (as a loader would)."""
        off = address - WINDOW_BASE
        if off < 0 or off + len(data) > FLASH_BYTES:
            from ..errors import SimError
            raise SimError(f'segment at 0x{address:08x} ({len(data)} bytes) does not fit the '
                           f'{FLASH_BYTES // (1024 * 1024)} MB QSPI flash (W25Q64JV)')
        self.image[off:off + len(data)] = data
        if getattr(self, 'as_internal', False):
            self.board.uc.mem_write(address, bytes(data))

    # ---------------------------------------------------------------- clocks and timing
    def kernel_hz(self):
        rcc = self.board.rcc
        sel = bits(rcc.regs.get(0x4C, 0), 4, 2)  # RCC_D1CCIPR.QSPISEL
        if sel == 0:
            return rcc.hclk_hz()
        if sel == 1:
            return rcc.pll1_hz('q')
        if sel == 3:
            return rcc.per_ck_hz()
        return 0  # pll2_r_ck: not modelled

    def clock_hz(self):
        return self.kernel_hz() / (bits(self.regs.get(CR, 0), 24, 8) + 1)

    def command_clocks(self, ccr=None):
        """QUADSPI clocks of one command before its data: instruction, address, alternate
        bytes and dummy cycles, as CCR sets them."""
        ccr = self.regs.get(CCR, 0) if ccr is None else ccr
        clocks = 0
        if LINES[bits(ccr, 8, 2)]:
            clocks += 8 // LINES[bits(ccr, 8, 2)]
        if LINES[bits(ccr, 10, 2)]:
            clocks += 8 * (bits(ccr, 12, 2) + 1) // LINES[bits(ccr, 10, 2)]
        if LINES[bits(ccr, 14, 2)]:
            clocks += 8 * (bits(ccr, 16, 2) + 1) // LINES[bits(ccr, 14, 2)]
        return clocks + bits(ccr, 18, 5)

    def data_clocks(self, nbytes):
        return 8 * nbytes // max(1, LINES[bits(self.regs.get(CCR, 0), 24, 2)])

    def read_clocks(self, address, nbytes):
        """QUADSPI clocks to read nbytes at address in memory-mapped mode (and the state
        that the next read at address + nbytes continues this one)."""
        clocks = self.data_clocks(nbytes)
        if address - WINDOW_BASE != self.next_offset:
            clocks += self.command_clocks()
        self.next_offset = address - WINDOW_BASE + nbytes
        return clocks

    def memory_mapped(self):
        return bool(self.regs.get(CR, 0) & CR_EN) and bits(self.regs.get(CCR, 0), 26, 2) == FMODE_MEMORY_MAPPED

    def window_error(self, address, nbytes):
        """Why a read of the window cannot be answered now (None: it can)."""
        if not self.present:
            return 'no QSPI flash answers (the board has none)'
        if not self.memory_mapped():
            return ('read of the QSPI window while QUADSPI is not in memory-mapped mode '
                    f'(CR=0x{self.regs.get(CR, 0):08x}, CCR=0x{self.regs.get(CCR, 0):08x})')
        size = 1 << (bits(self.regs.get(DCR, 0), 16, 5) + 1)
        off = address - WINDOW_BASE
        if off + nbytes > min(size, FLASH_BYTES):
            return (f'read of 0x{address:08x} beyond the flash (DCR.FSIZE gives {size} bytes, '
                    f'the W25Q64JV has {FLASH_BYTES})')
        return None

    def fetch(self, address, nbytes):
        off = address - WINDOW_BASE
        return bytes(self.image[off:off + nbytes])

    # ---------------------------------------------------------------- the window (CPU)
    def _timing(self):
        """(bytes readable through the window, core cycles per QSPI clock, clocks per data
        byte, clocks per command) or a problem string; cached until a QUADSPI register or
        the clocks change (every CPU read of the window uses it)."""
        size = 1 << (bits(self.regs.get(DCR, 0), 16, 5) + 1)
        problem = self.window_error(WINDOW_BASE, 1)
        if not problem and not 0 < self.clock_hz() <= MAX_HZ:  # e.g. hclk raised after set-up
            problem = (f'clock {self.clock_hz() / 1e6:.1f} MHz: not in (0, {MAX_HZ / 1e6:.0f}] MHz, '
                       'the W25Q64JV\'s range')
        return problem or (min(size, FLASH_BYTES), self.board.hz / self.clock_hz(), self.data_clocks(1),
                           self.command_clocks())

    def window_read(self, offset, size):
        board = self.board
        rcc = board.rcc.regs
        key = (board._hz, rcc.get(0x18, 0), rcc.get(0x4C, 0), self.regs_version)
        if self._timing_key != key:
            self._timing_key, self._timing_value = key, self._timing()
        timing = self._timing_value
        if timing.__class__ is str or offset + size > timing[0]:
            self._unmodelled(timing if isinstance(timing, str) else self.window_error(WINDOW_BASE + offset, size))
            return 0
        # 2 clocks per byte on four lines; a whole command when the read does not continue
        # the previous one
        clocks = timing[2] * size
        if offset != self.next_offset:
            clocks += timing[3]
        self.next_offset = offset + size
        cycles = int(clocks * timing[1] + 0.999999)
        # The MDMA holds the bus: the CPU waits for the running transfer's current burst
        # and then costs the MDMA a new command (mdma.py pushes its end).
        if board.mdma.qspi_until and board.mdma.qspi_busy():
            cycles += board.mdma.cpu_preempts(clocks + timing[3], board.hz / timing[1])
            self.next_offset = None
        self.reads += 1
        self.stall_cycles += cycles
        board.stall(cycles)
        return int.from_bytes(self.image[offset:offset + size], 'little')

    # ---------------------------------------------------------------- registers
    def _unmodelled(self, text):
        self.board.halt_unmodelled(f'QUADSPI: {text}')

    def _clock_on(self):
        rcc = self.board.rcc.regs
        return bool((rcc.get(AHB3ENR, 0) | rcc.get(AHB3ENR + 0x5C, 0)) >> QSPIEN_BIT & 1)

    def read32(self, offset):
        if offset == SR:
            level = min(len(self.rx), 32)
            return (self.regs.get(SR, 0) & ~(0x3F << 8)) | (level << 8) | (SR_FTF if self.rx else 0)
        if offset == DR:
            size = 4
            data = bytes(self.rx[:size])
            del self.rx[:size]
            if not self.rx:
                self.regs[SR] = self.regs.get(SR, 0) & ~SR_BUSY
            return int.from_bytes(data.ljust(4, b'\0'), 'little')
        return self.regs.get(offset, 0)

    def write32(self, offset, value):
        self.regs_version += 1
        if not self._clock_on():
            self._unmodelled(f'register 0x{offset:02x} written while RCC_AHB3ENR.QSPIEN is 0')
            return
        if offset == SR:
            return  # read-only
        if offset == FCR:
            self.regs[SR] = self.regs.get(SR, 0) & ~(value & 0x1B)
            return
        if offset == CR:
            if value & CR_ABORT:
                self.rx.clear()
                self.next_offset = None
                self.regs[SR] = self.regs.get(SR, 0) & ~SR_BUSY
                value &= ~CR_ABORT
            if self.kernel_hz() and value & CR_EN:
                hz = self.kernel_hz() / (bits(value, 24, 8) + 1)
                if hz > MAX_HZ:
                    self._unmodelled(f'clock {hz / 1e6:.1f} MHz above the W25Q64JV\'s {MAX_HZ / 1e6:.0f} MHz '
                                     f'(kernel {self.kernel_hz() / 1e6:.1f} MHz / PRESCALER+1 = {bits(value, 24, 8) + 1})')
            elif value & CR_EN:
                self._unmodelled('kernel clock not modelled (RCC_D1CCIPR.QSPISEL = pll2_r_ck)')
            if value & ((1 << 6) | (1 << 7)):
                self._unmodelled('dual-flash mode (DFM/FSEL): one flash is modelled')
            self.regs[CR] = value
            return
        self.regs[offset] = value
        if offset == CCR:
            self._on_ccr(value)
        elif offset == AR and bits(self.regs.get(CCR, 0), 26, 2) == FMODE_INDIRECT_READ:
            self._indirect_read(self.regs.get(CCR, 0))

    def _on_ccr(self, ccr):
        self.next_offset = None
        fmode = bits(ccr, 26, 2)
        if ccr & (1 << 31):
            self._unmodelled('DDR mode (CCR.DDRM) is not modelled')
        elif fmode == FMODE_MEMORY_MAPPED:
            want = {'instruction': (bits(ccr, 0, 8), QUAD_READ), 'IMODE': (bits(ccr, 8, 2), 1),
                    'ADMODE': (bits(ccr, 10, 2), 3), 'ADSIZE': (bits(ccr, 12, 2), 2),
                    'ABMODE': (bits(ccr, 14, 2), 3), 'ABSIZE': (bits(ccr, 16, 2), 0),
                    'DCYC': (bits(ccr, 18, 5), 4), 'DMODE': (bits(ccr, 24, 2), 3)}
            wrong = [f'{k}={got} (the W25Q64JV\'s EBh needs {need})' for k, (got, need) in want.items() if got != need]
            if wrong:
                self._unmodelled('memory-mapped read the flash cannot answer: ' + ', '.join(wrong))
            elif ccr & (1 << 28):
                self._unmodelled('SIOO (instruction only once, continuous read mode) is not modelled')
        elif fmode == FMODE_INDIRECT_READ and bits(ccr, 10, 2) == 0:
            self._indirect_read(ccr)  # no address phase: the command starts now
        elif fmode in (FMODE_INDIRECT_WRITE, FMODE_AUTO_POLL):
            self._unmodelled(f'command 0x{bits(ccr, 0, 8):02x} in '
                             f'{"indirect write" if fmode == 0 else "automatic polling"} mode is not modelled')

    def _indirect_read(self, ccr):
        instruction = bits(ccr, 0, 8)
        n = self.regs.get(DLR, 0) + 1
        if not self.present:
            data = b'\xff' * n  # nothing drives the lines: the pull-ups read as ones
        elif instruction == READ_ID:
            data = (JEDEC_ID * n)[:n]
        elif instruction == STATUS1:
            data = b'\x00' * n  # not busy, write-disabled
        elif instruction == STATUS2:
            data = bytes((STATUS2_QE,)) * n
        else:
            self._unmodelled(f'indirect read command 0x{instruction:02x} is not modelled '
                             '(9Fh, 05h, 35h are)')
            return
        self.rx = bytearray(data)
        self.regs[SR] = self.regs.get(SR, 0) | SR_TCF | SR_BUSY
