"""SYSCFG (RM0433 section 12): only PWRCR.ODEN (VOS0 overdrive) is modelled."""
from .base import Peripheral

PWRCR = 0x2C


class Syscfg(Peripheral):
    name = 'SYSCFG'

    def exti_port(self, line):
        """Port letter SYSCFG_EXTICR1..4 routes to EXTI line 0..15."""
        reg = 0x08 + 4 * (line // 4)
        return 'ABCDEFGHIJK'[min(10, (self.regs.get(reg, 0) >> (4 * (line % 4))) & 0xf)]

    def oden(self):
        return bool(self.regs.get(PWRCR, 0) & 1)

    def write32(self, offset, value):
        old = self.oden()
        self.regs[offset] = value
        if offset == PWRCR and self.oden() != old:
            self.board._on_clock_change()
