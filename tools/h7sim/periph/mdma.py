"""MDMA (RM0433 section 16): 16 channels, software-requested buffer, block and
repeated-block transfers memory to memory, in the background of the CPU.

A channel transfer is BRC + 1 blocks of BNDT bytes (CBRUR updates the addresses between
blocks). A software request (CTCR.SWRM = 1, CCR.SWRQ written with CCR.EN set) moves the
unit TRGM names: one buffer of TLEN + 1 bytes (TRGM = 00), the rest of the current block
(01), or every block left (10; 11 too, with CLAR = 0: no linked list). The data moves at
the end of the unit's transfer time (one memory write per contiguous run, never per beat);
TCIF is set then, BTIF when a block ends, BRTIF and CTCIF when the channel transfer ends
(EN cleared by the hardware); GISR0 and the MDMA interrupt (IRQ 122) follow the enabled
flags.

Time: reading the QSPI window takes the QUADSPI model's time (periph/qspi.py: a command,
then 2 clocks per byte on four lines, sequential within the unit); reading or writing
internal memory one beat (the larger of SSIZE/DSIZE) per AXI clock (rcc_hclk3), read and
write overlapping; so a QSPI transfer is QSPI-bound. A CPU read of the window during a
QSPI transfer waits for the current buffer (TLEN + 1 bytes) and delays the transfer by its
own read plus a new command (the QUADSPI serves one master at a time).

Transfer errors (CISR.TEIF, CESR with the address's low bits, TED for the write side;
the channel disabled, as the chip does): a source or destination outside memory the MDMA
can reach on the bus CTBR selects (AXI: flash, AXI SRAM, SRAM1-4, the QSPI window in
memory-mapped mode; AHBS (SBUS/DBUS = 1): ITCM/DTCM only), or `inject_error()` (the next
transfer fails: the simulated bus error a Robot test provokes). Set-ups outside this model
(hardware triggers, linked lists, packing, decrementing or fixed addresses, sizes that are
not a multiple of the beat) halt the run with one line naming the field."""
import math

from .base import Peripheral, bits
from . import qspi as qspi_model
from ..memory_map import region_of

GISR0 = 0x00
CHANNEL0, CHANNEL_STRIDE = 0x40, 0x40
CISR, CIFCR, CESR, CCR, CTCR, CBNDTR, CSAR, CDAR, CBRUR, CLAR, CTBR, CMAR, CMDR = (
    0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x30, 0x34)
TEIF, CTCIF, BRTIF, BTIF, TCIF = 1, 2, 4, 8, 16
EN, TEIE, CTCIE, BRTIE, BTIE, TCIE, SWRQ = 1, 2, 4, 8, 16, 32, 1 << 16
CESR_TED = 1 << 7
AHB3ENR, MDMAEN_BIT = 0xD4, 0    # RCC_AHB3ENR.MDMAEN
IRQ = 122                        # MDMA_IRQn
CHANNELS = 16


class Channel:
    def __init__(self, index):
        self.index = index
        self.reset()

    def reset(self):
        self.regs = {}
        self.end_time = None       # the running transfer completes then
        self.unit = None           # (pieces, bytes, block bytes, channel bytes, error) of the running request
        self.reads_qspi = False
        self.pos = 0               # bytes of the channel transfer done (since EN was set)


class Mdma(Peripheral):
    name = 'MDMA'
    size = 0x1000
    runs_in_stop = False

    def __init__(self, board, base):
        self.channels = [Channel(i) for i in range(CHANNELS)]
        self.transfers = []        # (start s, end s, source, destination, bytes, error) of each unit
        self.inject_next_error = False
        self.qspi_until = 0.0      # end of the last QSPI-reading transfer (0: none running)
        super().__init__(board, base)

    def reset(self):
        for ch in self.channels:
            ch.reset()
        self.irq_high = False

    def inject_error(self):
        """The next transfer ends with a bus error (TEIF) instead of moving data."""
        self.inject_next_error = True

    # ---------------------------------------------------------------- timing
    def next_event_time(self):
        times = [ch.end_time for ch in self.channels if ch.end_time is not None]
        return min(times) if times else None

    def on_time(self, now):
        for ch in self.channels:
            if ch.end_time is not None and ch.end_time <= now + 1e-12:
                self._complete(ch)

    def qspi_busy(self):
        now = self.board.time
        busy = [ch.end_time for ch in self.channels if ch.end_time is not None and ch.reads_qspi and ch.end_time > now]
        self.qspi_until = max(busy) if busy else 0.0
        return bool(busy)

    def cpu_preempts(self, cpu_clocks, qspi_hz):
        """A CPU read of the window during a QSPI transfer: the core cycles it waits for the
        current buffer; the transfer ends later by the CPU's read and a new command."""
        board = self.board
        wait_clocks = 0
        for ch in self.channels:
            if ch.end_time is not None and ch.reads_qspi and ch.end_time > board.time:
                ch.end_time += cpu_clocks / qspi_hz
                wait_clocks = max(wait_clocks, 2 * (bits(ch.regs.get(CTCR, 0), 18, 7) + 1))
                self.schedule_changed()
        return math.ceil(wait_clocks * board.hz / qspi_hz)

    def _memory_seconds(self, nbytes, beat):
        return nbytes / beat / max(1.0, self.board.rcc.hclk_hz())

    # ---------------------------------------------------------------- registers
    def _unmodelled(self, text):
        self.board.halt_unmodelled(f'MDMA: {text}')

    def _channel(self, offset):
        if offset < CHANNEL0:
            return None, offset
        n, reg = divmod(offset - CHANNEL0, CHANNEL_STRIDE)
        return (self.channels[n], reg) if n < CHANNELS else (None, offset)

    def _flags_irq(self):
        level = any(self._active(ch) for ch in self.channels)
        if level != self.irq_high:
            self.irq_high = level
            self.board.irq_level(IRQ, level)
        elif level:
            self.board.irq_level(IRQ, True)

    @staticmethod
    def _active(ch):
        isr, ccr = ch.regs.get(CISR, 0), ch.regs.get(CCR, 0)
        return bool((isr & TEIF and ccr & TEIE) or (isr & CTCIF and ccr & CTCIE) or (isr & BRTIF and ccr & BRTIE)
                    or (isr & BTIF and ccr & BTIE) or (isr & TCIF and ccr & TCIE))

    def read32(self, offset):
        if offset == GISR0:
            return sum(1 << ch.index for ch in self.channels if self._active(ch))
        ch, reg = self._channel(offset)
        if ch is None:
            return 0
        if reg == CISR:
            return ch.regs.get(CISR, 0) | ((1 << 16) if ch.end_time is not None else 0)  # CRQA
        return ch.regs.get(reg, 0)

    def write32(self, offset, value):
        rcc = self.board.rcc.regs
        if not (rcc.get(AHB3ENR, 0) | rcc.get(AHB3ENR + 0x5C, 0)) >> MDMAEN_BIT & 1:
            self._unmodelled(f'register 0x{offset:03x} written while RCC_AHB3ENR.MDMAEN is 0')
            return
        ch, reg = self._channel(offset)
        if ch is None:
            return  # GISR0 and reserved words are read-only
        if reg == CIFCR:
            ch.regs[CISR] = ch.regs.get(CISR, 0) & ~(value & 0x1F)
            if value & TEIF:
                ch.regs[CESR] = 0
            self._flags_irq()
            return
        if reg in (CISR, CESR):
            return  # read-only
        if reg == CCR:
            old = ch.regs.get(CCR, 0)
            ch.regs[CCR] = value & ~SWRQ
            if value & EN and not old & EN:
                ch.pos = 0  # a new channel transfer
            if old & EN and not value & EN and ch.end_time is not None:
                ch.end_time, ch.unit = None, None  # disabled mid-transfer: suspended and dropped
                self.schedule_changed()
            if value & SWRQ:
                if not value & EN:
                    self._unmodelled(f'channel {ch.index}: SWRQ with EN clear')
                elif ch.end_time is not None:
                    self._unmodelled(f'channel {ch.index}: software request while a transfer runs')
                else:
                    self._start(ch)
            self._flags_irq()
            return
        if ch.regs.get(CCR, 0) & EN and reg in (CTCR, CBNDTR, CSAR, CDAR, CBRUR, CLAR, CTBR):
            self._unmodelled(f'channel {ch.index}: register 0x{reg:02x} written while the channel is enabled')
        ch.regs[reg] = value

    # ---------------------------------------------------------------- transfers
    def _check_setup(self, ch):
        ctcr, bndtr = ch.regs.get(CTCR, 0), ch.regs.get(CBNDTR, 0)
        problems = []
        if not ctcr >> 30 & 1:
            problems.append('CTCR.SWRM = 0 (hardware request: not modelled)')
        trgm = bits(ctcr, 28, 2)
        if trgm == 3 and ch.regs.get(CLAR, 0):
            problems.append('CLAR != 0 (linked list: not modelled)')
        if bits(ctcr, 0, 2) != 2 or bits(ctcr, 2, 2) != 2:
            problems.append(f'SINC={bits(ctcr, 0, 2)}, DINC={bits(ctcr, 2, 2)} (only incrementing, 10, is modelled)')
        ssize, dsize = bits(ctcr, 4, 2), bits(ctcr, 6, 2)
        if ssize != dsize or bits(ctcr, 8, 2) != ssize or bits(ctcr, 10, 2) != dsize:
            problems.append('SSIZE/DSIZE/SINCOS/DINCOS differ (packing and offsets: not modelled)')
        if ctcr & (1 << 25):
            problems.append('PKE (packing: not modelled)')
        bndt = bits(bndtr, 0, 17)
        beat = 1 << ssize
        if bndt == 0 or bndt % beat:
            problems.append(f'BNDT={bndt} is not a positive multiple of the {beat}-byte beat')
        if problems:
            self._unmodelled(f'channel {ch.index}: ' + '; '.join(problems))
            return None
        return trgm, bndt, beat

    def _pieces(self, ch, bndt, nbytes):
        """The contiguous (source, destination, bytes) runs of the next nbytes of the
        channel transfer, from its position (blocks after the first start at the addresses
        the CBRUR update values give)."""
        bndtr, brur = ch.regs.get(CBNDTR, 0), ch.regs.get(CBRUR, 0)
        suv, duv = bits(brur, 0, 16), bits(brur, 16, 16)
        src_step = bndt + (-suv if bndtr >> 18 & 1 else suv)
        dst_step = bndt + (-duv if bndtr >> 19 & 1 else duv)
        src, dst = ch.regs.get(CSAR, 0), ch.regs.get(CDAR, 0)
        pos, end, out = ch.pos, ch.pos + nbytes, []
        while pos < end:
            k, off = divmod(pos, bndt)
            n = min(end - pos, bndt - off)
            out.append((src + k * src_step + off, dst + k * dst_step + off, n))
            pos += n
        return out

    def _start(self, ch):
        setup = self._check_setup(ch)
        if setup is None:
            return
        trgm, bndt, beat = setup
        ctcr, bndtr = ch.regs.get(CTCR, 0), ch.regs.get(CBNDTR, 0)
        total = bndt * (bits(bndtr, 20, 12) + 1)
        if ch.pos >= total:
            ch.pos = 0
        # what one request moves: a buffer (TLEN + 1 bytes, within the block), the rest of
        # the block, or every block left
        if trgm == 0:
            nbytes = min(bits(ctcr, 18, 7) + 1, bndt - ch.pos % bndt)
        elif trgm == 1:
            nbytes = bndt - ch.pos % bndt
        else:
            nbytes = total - ch.pos
        pieces = self._pieces(ch, bndt, nbytes)
        ctbr = ch.regs.get(CTBR, 0)
        error = None
        if self.inject_next_error:
            self.inject_next_error = False
            error = (pieces[0][0], False, 'injected bus error')
        for s, d, n in pieces:
            if error:
                break
            why = self._reach(s, n, ctbr >> 16 & 1, read=True)
            if why:
                error = (s, False, why)
                break
            why = self._reach(d, n, ctbr >> 17 & 1, read=False)
            if why:
                error = (d, True, why)
        qspi = self.board.qspi
        src = pieces[0][0]
        ch.reads_qspi = qspi_model.WINDOW_BASE <= src < qspi_model.WINDOW_BASE + qspi_model.WINDOW_SIZE
        now = max(self.board.time, qspi.busy_until if ch.reads_qspi else 0.0)
        if error:
            seconds = self._memory_seconds(beat, beat)
        elif ch.reads_qspi and not qspi_model.AS_INTERNAL_FLASH:
            clocks = sum(qspi.read_clocks(s, n) for s, _, n in pieces)
            seconds = clocks / qspi.clock_hz()
            qspi.busy_until = now + seconds
        else:
            seconds = self._memory_seconds(nbytes, beat)
        ch.unit = (pieces, nbytes, bndt, total, error)
        ch.end_time = now + seconds
        if ch.reads_qspi:
            self.qspi_until = max(self.qspi_until, ch.end_time)
        self.transfers.append({'start_s': now, 'end_s': ch.end_time, 'source': src, 'destination': pieces[0][1],
                               'bytes': nbytes, 'error': error[2] if error else None})
        self.schedule_changed()

    def _reach(self, address, nbytes, tcm_bus, read):
        """Why the MDMA cannot access [address, address + nbytes) on that bus (None: it can)."""
        qspi = self.board.qspi
        if qspi_model.WINDOW_BASE <= address < qspi_model.WINDOW_BASE + qspi_model.WINDOW_SIZE:
            if not read:
                return 'write to the QSPI window'
            if qspi_model.AS_INTERNAL_FLASH:
                return None
            return qspi.window_error(address, nbytes)
        region = region_of(address, nbytes)
        if region is None:
            return f'0x{address:08x}+{nbytes} is not memory'
        if not read and 'w' not in region.perms:
            return f'write to {region.name}'
        tcm = region.name in ('itcm', 'dtcm')
        if tcm != bool(tcm_bus):
            return (f'{region.name} on the {"AHBS/TCM" if tcm_bus else "AXI"} bus '
                    f'(CTBR.{"S" if read else "D"}BUS = {tcm_bus})')
        return None

    def _complete(self, ch):
        pieces, nbytes, bndt, total, error = ch.unit
        ch.end_time, ch.unit = None, None
        board = self.board
        if error:
            address, write_side, _ = error
            ch.regs[CESR] = (address & 0x7F) | (CESR_TED if write_side else 0)
            ch.regs[CISR] = ch.regs.get(CISR, 0) | TEIF
            ch.regs[CCR] = ch.regs.get(CCR, 0) & ~EN
        else:
            qspi = board.qspi
            for s, d, n in pieces:
                if qspi_model.WINDOW_BASE <= s < qspi_model.WINDOW_BASE + qspi_model.WINDOW_SIZE:
                    data = qspi.fetch(s, n)
                else:
                    data = board.read_memory(s, n)
                board.write_memory(d, data)
            ch.pos += nbytes
            flags = TCIF | (BTIF if ch.pos % bndt == 0 else 0)
            if ch.pos >= total:  # the channel transfer is done: the channel disables itself
                flags |= BRTIF | CTCIF
                ch.regs[CCR] = ch.regs.get(CCR, 0) & ~EN
            ch.regs[CISR] = ch.regs.get(CISR, 0) | flags
        self._flags_irq()
