"""Embedded flash interface (RM0433 section 4): FLASH_ACR LATENCY and WRHIGHFREQ.

Too few wait states for the AXI clock (hclk) at the current VOS level would make the chip
read wrong instructions; the simulator reports it as a firmware fault instead. Limits are
RM0433 table 17 (FLASH recommended number of wait states and programming delay): the
highest hclk each LATENCY supports, per VOS level. (Transcribed from the Rev 7 table; a
third-party H7 driver agrees on VOS1 200 MHz = 2 WS. Check the figures against your copy.)"""
from .base import Peripheral

ACR = 0x00
# max hclk (MHz) for LATENCY = index, per VOS (RM0433 Rev 7 table 17)
MAX_HCLK_MHZ = {
    'VOS0': (70, 140, 210, 225, 240),
    'VOS1': (70, 140, 210, 225),
    'VOS2': (55, 110, 165, 225),
    'VOS3': (45, 90, 135, 180, 225),
}


class FlashInterface(Peripheral):
    name = 'FLASH'
    size = 0x1000

    def reset(self):
        self.regs = {ACR: 0x37}  # LATENCY 7, WRHIGHFREQ 3

    def latency(self):
        return self.regs[ACR] & 0xf

    def required_latency(self, hclk_hz, vos):
        limits = MAX_HCLK_MHZ[vos]
        for ws, limit in enumerate(limits):
            if hclk_hz <= limit * 1e6 + 1:
                return ws
        return None  # hclk too high for this VOS at any latency

    def check_wait_states(self):
        hclk = self.board.rcc.hclk_hz()
        vos = self.board.pwr.vos_name()
        need = self.required_latency(hclk, vos)
        if need is None:
            self.board.config_fault(f'AXI clock {hclk / 1e6:.1f} MHz is above the flash limit for {vos}')
        elif self.latency() < need:
            self.board.config_fault(f'FLASH_ACR LATENCY={self.latency()} is too few wait states for '
                                    f'hclk {hclk / 1e6:.1f} MHz at {vos} (needs >= {need}, RM0433 table 17)')

    def read32(self, offset):
        if offset in (ACR, 0x100):  # ACR is mirrored in bank 2
            return self.regs[ACR]
        return self.regs.get(offset, 0)

    def write32(self, offset, value):
        if offset in (ACR, 0x100):
            self.regs[ACR] = value & 0x3f
            self.check_wait_states()
        else:
            self.regs[offset] = value
