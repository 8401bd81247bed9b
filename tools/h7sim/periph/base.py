"""Base class of memory-mapped peripherals and the generic register file for the rest."""

# An event at time t is due when t <= now + TIME_EPSILON (seconds; far below one cycle at
# 480 MHz, 2.1 ns). Models that count things up to `now` must use the same rule, with the
# same expression for their event times, or an event can be due and never consumed.
TIME_EPSILON = 1e-12


class Peripheral:
    """A block of registers at `base` (size a multiple of 1 KiB, Unicorn's page size).

    Subclasses implement read(offset, size) and write(offset, size, value) for 32-bit
    registers; byte and half-word accesses are merged here (read-modify-write) unless the
    subclass sets byte_access = True and handles them itself."""
    name = 'peripheral'
    size = 0x400
    byte_access = False

    def __init__(self, board, base):
        self.board = board
        self.base = base
        self.regs = {}
        self.reset()

    def reset(self):
        """Reset values of the registers (power-on and system reset)."""
        self.regs = {}

    # 32-bit register access, overridden by the models.
    def read32(self, offset):
        return self.regs.get(offset, 0)

    def write32(self, offset, value):
        self.regs[offset] = value

    def read(self, offset, size):
        if self.byte_access or size == 4:
            return self.read32(offset) if not self.byte_access else self.read_sized(offset, size)
        aligned = offset & ~3
        shift = (offset & 3) * 8
        return (self.read32(aligned) >> shift) & ((1 << (8 * size)) - 1)

    def write(self, offset, size, value):
        if self.byte_access:
            self.write_sized(offset, size, value)
            return
        if size == 4:
            self.write32(offset, value & 0xffffffff)
            return
        aligned = offset & ~3
        shift = (offset & 3) * 8
        mask = ((1 << (8 * size)) - 1) << shift
        old = self.peek32(aligned)
        self.write32(aligned, (old & ~mask) | ((value << shift) & mask))

    def peek32(self, offset):
        """The register value without read side effects (for partial writes)."""
        return self.regs.get(offset, 0)

    def schedule_changed(self):
        """Tells the run loop that this peripheral's next event time changed."""
        self.board.request_stop()


class GenericPeripheral(Peripheral):
    """A known peripheral that h7sim does not model: registers read back what was written.

    Accesses are counted so the run summary can name peripherals the firmware touched
    that the simulator does not model."""

    def __init__(self, board, base, name):
        self.name = name
        self.accesses = 0
        super().__init__(board, base)

    def read32(self, offset):
        self.accesses += 1
        return self.regs.get(offset, 0)

    def write32(self, offset, value):
        self.accesses += 1
        self.regs[offset] = value


def bits(value, lo, width):
    return (value >> lo) & ((1 << width) - 1)
