"""NVIC registers (ARMv7-M ARM B3.4): ISER/ICER/ISPR/ICPR/IABR/IPR and STIR.

The pending/enabled/active bits and priorities live in the native core (h7core.c) that
takes exceptions; these registers are views of it. Exception number = 16 + IRQ number."""

IRQ_COUNT = 150  # STM32H743: IRQ 0..149


class Nvic:
    def __init__(self, board):
        self.board = board

    @property
    def core(self):
        return self.board.core

    def _word(self, array, index):
        # IRQ bits 32k..32k+31 are exception bits 16+32k..: a 16-bit shift across words.
        n0 = 16 + 32 * index
        value = 0
        for bit in range(32):
            n = n0 + bit
            if n < 256 and (array[n >> 5] >> (n & 31)) & 1:
                value |= 1 << bit
        return value

    def _apply(self, array, index, value, set_bits):
        n0 = 16 + 32 * index
        for bit in range(32):
            if (value >> bit) & 1:
                n = n0 + bit
                if n >= 16 + IRQ_COUNT:
                    continue
                if set_bits:
                    array[n >> 5] |= 1 << (n & 31)
                else:
                    array[n >> 5] &= ~(1 << (n & 31)) & 0xffffffff

    def read(self, offset):
        """offset from 0xE000E100."""
        group, index = offset // 0x80, (offset % 0x80) // 4
        if offset >= 0x300 and offset < 0x320:
            return self._word(self.core.active, (offset - 0x300) // 4)
        if index >= 8:
            return 0
        if group == 0 or group == 1:
            value = self._word(self.core.enabled, index)
            for n, enabled in self.board.fault_plan.irq_holds.items():
                if (n - 16) // 32 == index and enabled:
                    value |= 1 << ((n - 16) % 32)  # the firmware sees its own enable bit
            return value
        if group == 2 or group == 3:
            return self._word(self.core.pending, index)
        return 0

    def write(self, offset, value):
        group, index = offset // 0x80, (offset % 0x80) // 4
        if index >= 8:
            return
        if group == 0:
            self._apply(self.core.enabled, index, value, True)
            self._keep_holds(index, value, True)
            self.board.pending_changed()
        elif group == 1:
            self._apply(self.core.enabled, index, value, False)
            self._keep_holds(index, value, False)
        elif group == 2:
            self._apply(self.core.pending, index, value, True)
            self.board.pending_changed()
        elif group == 3:
            self._apply(self.core.pending, index, value, False)
            self.board.pending_changed()

    def _keep_holds(self, index, value, enable):
        """An IRQ held off by fault injection stays masked; the enable bit the firmware
        writes meanwhile is kept aside and applied when the hold ends."""
        holds = self.board.fault_plan.irq_holds
        for n in holds:
            irq = n - 16
            if irq // 32 == index and value >> (irq % 32) & 1:
                holds[n] = enable
            self.core.enabled[n >> 5] &= ~(1 << (n & 31)) & 0xffffffff

    def read_priority(self, offset, size):
        """IPR bytes, offset from 0xE000E400; 4 implemented bits (upper nibble)."""
        value = 0
        for i in range(size):
            irq = offset + i
            if irq < IRQ_COUNT:
                value |= self.core.priority[16 + irq] << (8 * i)
        return value

    def write_priority(self, offset, size, value):
        for i in range(size):
            irq = offset + i
            if irq < IRQ_COUNT:
                self.core.priority[16 + irq] = (value >> (8 * i)) & 0xf0

    def software_trigger(self, value):
        irq = value & 0x1ff
        if irq < IRQ_COUNT:
            self.board.set_pending(16 + irq)
