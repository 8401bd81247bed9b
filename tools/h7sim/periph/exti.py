"""EXTI (RM0433 section 20): registers kept for the firmware; wake-up lines are raised by
other models through raise_line(). CPU event/interrupt masks: C1_IMR1..3 at 0x80/0x90/0xA0,
pending C1_PR1..3 at 0x88/0x98/0xA8 (write 1 to clear)."""
from .base import Peripheral


# EXTI lines 0..15 (GPIO) share these NVIC interrupts (RM0433 table 147).
LINE_IRQ = {0: 6, 1: 7, 2: 8, 3: 9, 4: 10}
LINE_IRQ.update({n: 23 for n in range(5, 10)})
LINE_IRQ.update({n: 40 for n in range(10, 16)})
RTSR1, FTSR1, SWIER1, CPUIMR1, CPUPR1 = 0x00, 0x04, 0x08, 0x80, 0x88


class Exti(Peripheral):
    name = 'EXTI'
    runs_in_stop = True

    def edge(self, line, rising):
        """A GPIO edge on EXTI line 0..15: pends the line if its trigger and mask are set."""
        trigger = self.regs.get(RTSR1 if rising else FTSR1, 0)
        if trigger >> line & 1:
            self.regs[CPUPR1] = self.regs.get(CPUPR1, 0) | (1 << line)
            self._update(line)

    def _update(self, line):
        pending = self.regs.get(CPUPR1, 0) & self.regs.get(CPUIMR1, 0)
        irq = LINE_IRQ[line]
        lines = [n for n, i in LINE_IRQ.items() if i == irq]
        self.board.irq_level(irq, any(pending >> n & 1 for n in lines))

    def next_event_time(self):
        return None

    def on_time(self, now):
        pass

    def read32(self, offset):
        return self.regs.get(offset, 0)

    def write32(self, offset, value):
        if offset in (0x88, 0x98, 0xA8):
            self.regs[offset] = self.regs.get(offset, 0) & ~value
            if offset == CPUPR1:
                for line in range(16):
                    if value >> line & 1:
                        self._update(line)
        else:
            self.regs[offset] = value
