"""DWT (ARMv7-M ARM C1.8): CYCCNT counts executed instructions (1 instruction = 1 cycle on
the simulated board), when DEMCR.TRCENA and DWT_CTRL.CYCCNTENA are set."""
from .base import Peripheral

CYCCNTENA = 1
NUMCOMP = 4 << 28


class Dwt(Peripheral):
    name = 'DWT'
    size = 0x1000

    def reset(self):
        self.ctrl = 0
        self.frozen = 0
        self.offset = 0  # CYCCNT = instructions - offset while counting

    def counting(self):
        return bool(self.ctrl & CYCCNTENA) and self.board.scb.trace_enabled()

    def cyccnt(self):
        if self.counting():
            return (self.board.core.instructions - self.offset) & 0xffffffff
        return self.frozen

    def read32(self, offset):
        if offset == 0x000:
            return NUMCOMP | self.ctrl
        if offset == 0x004:
            return self.cyccnt()
        return 0

    def write32(self, offset, value):
        if offset == 0x000:
            current = self.cyccnt()
            self.ctrl = value & 0x1fff
            self.frozen = current
            self.offset = (self.board.core.instructions - current) & 0xffffffffffffffff
        elif offset == 0x004:
            self.frozen = value
            self.offset = self.board.core.instructions - value
        # LAR (0xFB0) and other registers: accepted, no effect.
