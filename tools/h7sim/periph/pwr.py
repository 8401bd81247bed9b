"""PWR (RM0433 section 6): voltage scaling (VOS), its ready flags, Stop-mode configuration.

VOS0 is VOS1 in PWR_D3CR plus SYSCFG_PWRCR.ODEN. The CPU clock limit per VOS level is from
DS12110 (general operating conditions, revision V devices): VOS0 480 MHz, VOS1 400 MHz,
VOS2 300 MHz, VOS3 200 MHz. Running faster than the level allows is reported as a
firmware fault (the chip would be out of specification)."""
from .base import Peripheral, bits

CR1, CSR1, CR2, CR3, CPUCR, D3CR = 0x00, 0x04, 0x08, 0x0C, 0x10, 0x18
VOSRDY, ACTVOSRDY = 1 << 13, 1 << 13
MAX_CPU_HZ = {'VOS0': 480e6, 'VOS1': 400e6, 'VOS2': 300e6, 'VOS3': 200e6}
# PWR_CPUCR: PDDS_D1..3 (bits 0-2) select Standby instead of Stop; STOPF bit 5 (cleared by CSSF).
STOPF, CSSF = 1 << 5, 1 << 9


class Pwr(Peripheral):
    name = 'PWR'

    def reset(self):
        self.regs = {CR1: 0xF000C000, CR2: 0, CR3: 0x00000046, CPUCR: 0, D3CR: (1 << 14) | VOSRDY}
        self.supply_configured = False

    def vos_field(self):
        return bits(self.regs[D3CR], 14, 2)

    def vos_name(self):
        vos = self.vos_field()
        if vos == 3:
            return 'VOS0' if self.board.syscfg.oden() else 'VOS1'
        return {2: 'VOS2', 1: 'VOS3', 0: 'VOS3'}[vos]

    def svos_name(self):
        """Stop-mode voltage scaling (PWR_CR1.SVOS, bits 14-15: 3 SVOS3, 2 SVOS4, 1 SVOS5;
        0 is reserved and read here as SVOS3, the reset value's level)."""
        return {3: 'SVOS3', 2: 'SVOS4', 1: 'SVOS5'}.get(bits(self.regs[CR1], 14, 2), 'SVOS3')

    def stop_allowed(self):
        """Deep sleep enters Stop (not Standby) when PDDS_D1 is clear."""
        return not self.regs[CPUCR] & 1

    def on_stop_exit(self):
        self.regs[CPUCR] |= STOPF

    def check_frequency(self):
        hz = self.board.rcc.cpu_hz()
        limit = MAX_CPU_HZ[self.vos_name()]
        if hz > limit + 1:
            self.board.config_fault(f'CPU clock {hz / 1e6:.1f} MHz exceeds {limit / 1e6:.0f} MHz, the limit of '
                                    f'{self.vos_name()} (DS12110 operating conditions)')

    def read32(self, offset):
        if offset == CSR1:
            return ACTVOSRDY | (self.vos_field() << 14)
        return self.regs.get(offset, 0)

    def write32(self, offset, value):
        if offset == D3CR:
            self.regs[D3CR] = (value & (3 << 14)) | VOSRDY
            self.board._on_clock_change()
        elif offset == CPUCR:
            flags = self.regs[CPUCR] & (STOPF | (1 << 6) | (1 << 7) | (1 << 8))
            if value & CSSF:
                flags = 0
            self.regs[CPUCR] = (value & ~(CSSF | STOPF | 0x1c0)) | flags
        elif offset == CR3:
            self.regs[CR3] = value
            self.supply_configured = True
        else:
            self.regs[offset] = value
