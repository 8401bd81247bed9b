"""RCC (RM0433 section 8): oscillators, PLL1, the system clock switch and kernel clocks.

Ready flags follow their enable bits at once (the simulated oscillators and PLLs lock
instantly). The CPU clock is sys_ck / D1CPRE; SYSCLK comes from HSI, CSI, HSE (8 MHz
bypass from the ST-LINK on the NUCLEO board) or PLL1's P output. Changing it tells the
board, which re-times virtual time and checks flash wait states and VOS."""
from .base import Peripheral, bits

HSE_HZ = 8_000_000
CSI_HZ = 4_000_000
HSI_HZ = 64_000_000
# LSI: a 32 kHz RC oscillator, within a few % of it on silicon (DS12110, LSI oscillator
# characteristics). This part's frequency is Rcc.lsi_hz (Board(lsi_hz=...)): LPTIM1 and
# IWDG1 count it, the firmware measures it at boot.
LSI_HZ = 32_000

CR, CFGR, D1CFGR, D2CFGR, D3CFGR = 0x00, 0x10, 0x18, 0x1C, 0x20
PLLCKSELR, PLLCFGR, PLL1DIVR, PLL1FRACR = 0x28, 0x2C, 0x30, 0x34
D1CCIPR, D2CCIP1R, D2CCIP2R, D3CCIPR = 0x4C, 0x50, 0x54, 0x58
CSR, RSR, C1_RSR = 0x74, 0xD0, 0x130
HSION, HSIRDY, HSIDIVF, CSION, CSIRDY, HSI48ON, HSI48RDY = 1, 4, 32, 1 << 7, 1 << 8, 1 << 12, 1 << 13
D1CKRDY, D2CKRDY = 1 << 14, 1 << 15
HSEON, HSERDY, HSEBYP = 1 << 16, 1 << 17, 1 << 18
PLL1ON, PLL1RDY = 1 << 24, 1 << 25
# RCC_RSR reset flags per reset source (RM0433 "Reset source identification" table; bit
# positions as in ST's stm32h743xx.h). Every system reset drives NRST, hence PINRSTF.
CPURSTF, D1RSTF, D2RSTF, BORRSTF, PINRSTF, PORRSTF, SFTRSTF, IWDG1RSTF = \
    1 << 17, 1 << 19, 1 << 20, 1 << 21, 1 << 22, 1 << 23, 1 << 24, 1 << 26
RSR_FLAGS = {'power_on': PORRSTF | BORRSTF | PINRSTF | D1RSTF | D2RSTF | CPURSTF,
             'brownout': BORRSTF | PINRSTF | CPURSTF,
             'pin': PINRSTF | CPURSTF,
             'software': SFTRSTF | PINRSTF | CPURSTF, 'iwdg': IWDG1RSTF | PINRSTF | CPURSTF,
             'lockup': PINRSTF | CPURSTF}
# D1CPRE / HPRE divider codes (0xxx: /1)
AHB_DIVIDERS = {8: 2, 9: 4, 10: 8, 11: 16, 12: 64, 13: 128, 14: 256, 15: 512}
# Enable registers (RCC_xxxENR and their RCC_C1_ aliases) and the bits the models check.
ENABLE_BITS = {'DMA1': (0xD8, 0), 'GPIOA': (0xE0, 0), 'SPI2': (0xE8, 14), 'USART3': (0xE8, 18),
               'SYSCFG': (0xF4, 1)}


class Rcc(Peripheral):
    name = 'RCC'

    def __init__(self, board, base, lsi_hz=None):
        self.reset_flags = RSR_FLAGS['power_on']
        self.lsi_hz = float(lsi_hz or LSI_HZ)   # the part's own: kept across resets
        super().__init__(board, base)

    def reset(self):
        self.regs = {CR: HSION | HSIRDY | HSIDIVF | D1CKRDY | D2CKRDY, CFGR: 0, D1CFGR: 0,
                     D2CFGR: 0, D3CFGR: 0, PLLCKSELR: 0x02020200, PLLCFGR: 0x01FF0000,
                     PLL1DIVR: 0x01010280, PLL1FRACR: 0, 0x38: 0x01010280, 0x40: 0x01010280,
                     D1CCIPR: 0, D2CCIP1R: 0, D2CCIP2R: 0, D3CCIPR: 0, CSR: 0}

    def note_reset(self, reason):
        self.reset_flags |= RSR_FLAGS.get(reason, RSR_FLAGS['lockup'])

    # -------------------------------------------------------------- clocks
    def hsi_hz(self):
        return HSI_HZ >> bits(self.regs[CR], 3, 2)

    def pll1_input_hz(self):
        src = bits(self.regs[PLLCKSELR], 0, 2)
        divm = bits(self.regs[PLLCKSELR], 4, 6)
        if src == 3 or divm == 0:
            return 0
        return (self.hsi_hz(), CSI_HZ, HSE_HZ)[src] / divm

    def pll1_vco_hz(self):
        divr = self.regs[PLL1DIVR]
        n = bits(divr, 0, 9) + 1
        frac = bits(self.regs[PLL1FRACR], 3, 13) / 8192 if self.regs[PLLCFGR] & 1 else 0
        return self.pll1_input_hz() * (n + frac)

    def pll1_hz(self, output='p'):
        shift = {'p': 9, 'q': 16, 'r': 24}[output]
        return self.pll1_vco_hz() / (bits(self.regs[PLL1DIVR], shift, 7) + 1)

    def sys_hz(self):
        sws = bits(self.regs[CFGR], 3, 3)
        if sws == 0:
            return self.hsi_hz()
        if sws == 1:
            return CSI_HZ
        if sws == 2:
            return HSE_HZ
        return self.pll1_hz('p')

    def cpu_hz(self):
        d1cpre = bits(self.regs[D1CFGR], 8, 4)
        return int(round(self.sys_hz() / AHB_DIVIDERS.get(d1cpre, 1)))

    def hclk_hz(self):
        hpre = bits(self.regs[D1CFGR], 0, 4)
        return self.cpu_hz() / AHB_DIVIDERS.get(hpre, 1)

    def per_ck_hz(self):
        sel = bits(self.regs[D1CCIPR], 28, 2)
        return (self.hsi_hz(), CSI_HZ, HSE_HZ, 0)[sel]

    def spi123_kernel_hz(self):
        sel = bits(self.regs[D2CCIP1R], 12, 3)
        if sel == 0:
            return self.pll1_hz('q')
        if sel == 4:
            return self.per_ck_hz()
        return 0  # PLL2/PLL3/I2S_CKIN: not modelled

    def usart3_kernel_hz(self):
        sel = bits(self.regs[D2CCIP2R], 0, 3)
        if sel == 0:  # rcc_pclk1 = hclk / D2PPRE1
            return self.hclk_hz() / {4: 2, 5: 4, 6: 8, 7: 16}.get(bits(self.regs[D2CFGR], 4, 3), 1)
        if sel == 3:
            return self.hsi_hz()
        if sel == 4:
            return CSI_HZ
        return 0

    def lsi_on(self):
        return bool(self.regs[CSR] & 1)

    def clock_enabled(self, name):
        reg, bit = ENABLE_BITS[name]
        return bool((self.regs.get(reg, 0) | self.regs.get(reg + 0x5C, 0)) >> bit & 1)

    def describe(self):
        return {'sysclk_source': ('HSI', 'CSI', 'HSE', 'PLL1')[min(3, bits(self.regs[CFGR], 3, 3))],
                'cpu_hz': self.cpu_hz(), 'hclk_hz': self.hclk_hz(), 'pll1_p_hz': self.pll1_hz('p')}

    # -------------------------------------------------------------- registers
    def read32(self, offset):
        if offset in (RSR, C1_RSR):
            return self.reset_flags
        return self.regs.get(offset, 0)

    def write32(self, offset, value):
        if offset == CR:
            self._write_cr(value)
        elif offset == CFGR:
            self._write_cfgr(value)
        elif offset in (RSR, C1_RSR):
            if value & (1 << 16):  # RMVF
                self.reset_flags = 0
        elif offset == CSR:
            self.regs[CSR] = (value & 1) | ((value & 1) << 1)  # LSIRDY follows LSION
        else:
            self.regs[offset] = value
            if offset == D1CFGR or (offset in (PLLCKSELR, PLLCFGR, PLL1DIVR, PLL1FRACR)
                                    and bits(self.regs[CFGR], 3, 3) == 3):
                self.board._on_clock_change()

    def _write_cr(self, value):
        old = self.regs[CR]
        sws = bits(self.regs[CFGR], 3, 3)
        # The oscillator feeding SYSCLK (and PLL1 while selected) cannot be stopped.
        if sws == 0:
            value |= HSION
        if sws == 3:
            value |= PLL1ON
        if sws == 2:
            value |= HSEON
        new = value & ~(HSIRDY | CSIRDY | HSI48RDY | HSERDY | PLL1RDY | (1 << 27) | (1 << 29) | HSIDIVF)
        for on, rdy in ((HSION, HSIRDY), (CSION, CSIRDY), (HSI48ON, HSI48RDY), (HSEON, HSERDY),
                        (PLL1ON, PLL1RDY), (1 << 26, 1 << 27), (1 << 28, 1 << 29)):
            if new & on:
                new |= rdy
        new |= HSIDIVF | D1CKRDY | D2CKRDY
        if new & HSEON and not new & HSEBYP and not old & HSEON:
            self.board.warnings.append('RCC: HSE enabled without HSEBYP; the NUCLEO-H743ZI2 feeds '
                                       'HSE from the ST-LINK MCO (bypass), no crystal is fitted')
        if new & PLL1ON and not old & PLL1ON:
            vco = self.pll1_vco_hz()
            wide = not self.regs[PLLCFGR] & 2
            lo, hi = (192e6, 960e6) if wide else (150e6, 420e6)
            if not lo <= vco <= hi:
                self.board.warnings.append(f'RCC: PLL1 VCO {vco / 1e6:.1f} MHz outside {lo / 1e6:.0f}-{hi / 1e6:.0f} MHz')
        self.regs[CR] = new
        if bits(old, 3, 2) != bits(new, 3, 2):
            self.board._on_clock_change()

    def _write_cfgr(self, value):
        sw = value & 7
        ready = {0: HSIRDY, 1: CSIRDY, 2: HSERDY, 3: PLL1RDY}.get(sw)
        sws = sw if ready and self.regs[CR] & ready else bits(self.regs[CFGR], 3, 3)
        self.regs[CFGR] = (value & ~0x38) | (sws << 3)
        self.board._on_clock_change()

    # -------------------------------------------------------------- Stop mode
    def on_stop_entry(self):
        pass

    def on_stop_exit(self):
        """Leaving Stop: PLLs and HSE are off, SYSCLK is HSI (STOPWUCK=0) or CSI."""
        cr = self.regs[CR] & ~(HSEON | HSERDY | PLL1ON | PLL1RDY | (0xf << 26))
        use_csi = bool(self.regs[CFGR] & (1 << 6))
        cr |= (CSION | CSIRDY) if use_csi else (HSION | HSIRDY)
        self.regs[CR] = cr
        src = 1 if use_csi else 0
        self.regs[CFGR] = (self.regs[CFGR] & ~0x3f) | src | (src << 3)
