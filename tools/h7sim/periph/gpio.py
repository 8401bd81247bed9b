"""GPIO ports (RM0433 section 11): MODER, OTYPER, OSPEEDR, PUPDR, IDR, ODR, BSRR, AFR.

Output pin levels are observable (board.pin('B', 0)); input levels can be driven from
tests (set_input). NUCLEO-H743ZI2 LEDs: PB0 (green), PE1 (yellow), PB14 (red)."""
from .base import Peripheral

MODER, OTYPER, OSPEEDR, PUPDR, IDR, ODR, BSRR, LCKR, AFRL, AFRH = \
    0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x1C, 0x20, 0x24
RESET_MODER = {'A': 0xABFFFFFF, 'B': 0xFFFFFEBF}


class Gpio(Peripheral):
    def __init__(self, board, base, port):
        self.port = port
        self.name = 'GPIO' + port
        self.inputs = 0
        self.toggles = [0] * 16
        super().__init__(board, base)

    def reset(self):
        self.regs = {MODER: RESET_MODER.get(self.port, 0xFFFFFFFF), ODR: 0}

    def mode(self, pin):
        return (self.regs[MODER] >> (2 * pin)) & 3  # 0 in, 1 out, 2 AF, 3 analog

    def pin_level(self, pin):
        """Level of the pin: ODR for outputs, the driven input level otherwise."""
        if self.mode(pin) == 1:
            return (self.regs[ODR] >> pin) & 1
        return (self.inputs >> pin) & 1

    def set_input(self, pin, level):
        self.inputs = (self.inputs & ~(1 << pin)) | ((1 if level else 0) << pin)

    def _set_odr(self, value):
        changed = (self.regs[ODR] ^ value) & 0xffff
        for pin in range(16):
            if changed >> pin & 1:
                self.toggles[pin] += 1
        self.regs[ODR] = value & 0xffff

    def read32(self, offset):
        if offset == IDR:
            out_mask = 0
            for pin in range(16):
                if self.mode(pin) == 1:
                    out_mask |= 1 << pin
            return (self.regs[ODR] & out_mask) | (self.inputs & ~out_mask & 0xffff)
        if offset == BSRR:
            return 0
        return self.regs.get(offset, 0)

    def write32(self, offset, value):
        if offset == BSRR:
            odr = self.regs[ODR]
            odr |= value & 0xffff
            odr &= ~(value >> 16) | (value & 0xffff)
            self._set_odr(odr)
        elif offset == ODR:
            self._set_odr(value)
        elif offset != IDR:
            self.regs[offset] = value
