"""LPTIM1 (RM0433 section 42) as a free-running counter: what the platform uses to measure
time in Stop mode (SysTick stops with the core clock; LPTIM1 on LSI keeps counting).

Modelled: CR.ENABLE + CNTSTRT (continuous mode), CFGR.PRESC (/1../128), ARR, CNT (read
in virtual time, wrapping at ARR), ISR.ARROK/CMPOK after an ARR/CMP write, the kernel clock
LSI (RCC_D2CCIP2R.LPTIM1SEL = 100, LSION; the part's frequency, Rcc.lsi_hz), the compare
match interrupt. No external inputs."""
import math

from .base import Peripheral, bits

ISR, ICR, IER, CFGR, CR, CMP, ARR, CNT = 0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x1C
ENABLE, CNTSTRT = 1, 4
CMPOK, ARROK = 1 << 3, 1 << 4


class Lptim(Peripheral):
    name = 'LPTIM1'
    runs_in_stop = True

    def reset(self):
        self.regs = {ISR: 0, IER: 0, CFGR: 0, CR: 0, CMP: 0, ARR: 1}
        self.start_time = None

    def kernel_hz(self):
        rcc = self.board.rcc
        sel = bits(rcc.regs.get(0x54, 0), 28, 3)
        if sel == 4 and rcc.lsi_on():
            return rcc.lsi_hz
        return 0  # other kernel clocks are not modelled

    def counter_hz(self):
        return self.kernel_hz() / (1 << bits(self.regs[CFGR], 9, 3))

    def count(self):
        if self.start_time is None or not self.counter_hz():
            return 0
        ticks = math.floor((self.board.time - self.start_time) * self.counter_hz() + 1e-9)
        return ticks % (self.regs[ARR] + 1)

    def _ticks(self):
        return math.floor((self.board.time - self.start_time) * self.counter_hz() + 1e-9)

    def _next_match(self):
        if self.start_time is None or not self.counter_hz() or not self.regs[IER] & 1:
            return None
        period = self.regs[ARR] + 1
        after = getattr(self, 'matched_tick', -1)
        ahead = (self.regs[CMP] - after) % period or period
        return self.start_time + (after + ahead) / self.counter_hz()

    def next_event_time(self):
        return self._next_match()

    def on_time(self, now):
        self.matched_tick = self._ticks()
        self.regs[ISR] |= 1  # CMPM
        self._irq()

    def _irq(self):
        self.board.irq_level(93, bool(self.regs[ISR] & 1 and self.regs[IER] & 1))

    def read32(self, offset):
        if offset == CNT:
            return self.count()
        return self.regs.get(offset, 0)

    def write32(self, offset, value):
        if offset == ICR:
            self.regs[ISR] &= ~value
            self._irq()
            return
        if offset == CNT:
            return
        if offset == CR:
            if not value & ENABLE:
                self.start_time = None
            elif value & CNTSTRT and self.start_time is None:
                self.start_time = self.board.time
            self.regs[CR] = value & ENABLE
            return
        self.regs[offset] = value & (0xffff if offset in (ARR, CMP) else 0xffffffff)
        if offset == ARR:
            self.regs[ISR] |= ARROK  # the write reached the counter's clock domain
        elif offset == CMP:
            self.regs[ISR] |= CMPOK
            if self.start_time is not None and self.counter_hz():
                self.matched_tick = self._ticks()
