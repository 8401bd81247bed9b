"""EXTI (RM0433 section 20): registers kept for the firmware; wake-up lines are raised by
other models through raise_line(). CPU event/interrupt masks: C1_IMR1..3 at 0x80/0x90/0xA0,
pending C1_PR1..3 at 0x88/0x98/0xA8 (write 1 to clear)."""
from .base import Peripheral


class Exti(Peripheral):
    name = 'EXTI'
    runs_in_stop = True

    def next_event_time(self):
        return None

    def on_time(self, now):
        pass

    def read32(self, offset):
        return self.regs.get(offset, 0)

    def write32(self, offset, value):
        if offset in (0x88, 0x98, 0xA8):
            self.regs[offset] = self.regs.get(offset, 0) & ~value
        else:
            self.regs[offset] = value
