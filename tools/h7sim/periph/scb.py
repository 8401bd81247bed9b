"""System Control Block (ARMv7-M ARM B3.2) and the Cortex-M7 cache/FPU registers around it.

Fault status (CFSR/HFSR/MMFAR/BFAR) is set by the board when it raises a fault. CPACR gates
the FPU: Unicorn would run FP instructions anyway, so the native core stops on them while
CP10/CP11 are off and the board raises UsageFault NOCP, as the chip does."""

CPUID_M7_R1P1 = 0x411FC271
# SHCSR enable bits for MemManage, BusFault, UsageFault.
MEMFAULTENA, BUSFAULTENA, USGFAULTENA = 1 << 16, 1 << 17, 1 << 18
SLEEPONEXIT, SLEEPDEEP = 2, 4
# Cortex-M7 with 16 KB 4-way D-cache and 16 KB 2-way I-cache, 32-byte lines (CCSIDR).
CCSIDR_DCACHE = 0xF0000000 | (127 << 13) | (3 << 3) | 1
CCSIDR_ICACHE = 0xF0000000 | (255 << 13) | (1 << 3) | 1


class Scb:
    def __init__(self, board):
        self.board = board
        self.reset()

    def reset(self):
        self.scr = 0
        self.ccr = 0x00040200  # STKALIGN, BP
        self.shcsr = 0
        self.cfsr = 0
        self.hfsr = 0
        self.mmfar = 0
        self.bfar = 0
        self.cpacr = 0
        self.fpccr = 0xC0000000
        self.demcr = 0
        self.csselr = 0
        self.actlr = 0
        self.mpu = {'ctrl': 0, 'rnr': 0}
        self.mpu_regions = {}
        core = self.board.core
        core.vtor = self.board.boot_address
        core.prigroup = 0
        core.fp_enabled = 0
        core.sleep_on_exit = 0
        core.div0_trap = 0
        self.board.mpu_changed()

    def mpu_no_access_regions(self):
        """(start, end) of enabled MPU regions with AP=000 (no access, privileged included),
        when the MPU is on. Sub-region disable bits are honoured."""
        if not self.mpu['ctrl'] & 1:
            return []
        ranges = []
        for region in range(16):
            rasr = self.mpu_regions.get((region, 0xA0), 0)
            rbar = self.mpu_regions.get((region, 0x9C), 0)
            if not rasr & 1 or (rasr >> 24) & 7 != 0:
                continue
            size = 2 << ((rasr >> 1) & 0x1f)
            base = rbar & ~(size - 1) & 0xffffffe0
            srd = (rasr >> 8) & 0xff
            if size >= 256 and srd:
                sub = size // 8
                for k in range(8):
                    if not srd >> k & 1:
                        ranges.append((base + k * sub, base + (k + 1) * sub - 1))
            else:
                ranges.append((base, base + size - 1))
        return ranges

    def trace_enabled(self):
        return bool(self.demcr & (1 << 24))

    def sleepdeep(self):
        return bool(self.scr & SLEEPDEEP)

    def fault_enabled(self, exception):
        bit = {4: MEMFAULTENA, 5: BUSFAULTENA, 6: USGFAULTENA}.get(exception)
        return bit is None or bool(self.shcsr & bit)

    def _icsr(self):
        core = self.board.core
        active = self.board.uc_ipsr()
        pending = self.board.highest_pending()
        value = active | (pending << 12)
        if any(core.pending[i] & (0xffffffff if i else 0xffff0000) for i in range(8)):
            value |= 1 << 22  # ISRPENDING
        if core.pending[0] & (1 << 14):
            value |= 1 << 28
        if core.pending[0] & (1 << 15):
            value |= 1 << 26
        return value

    def read(self, offset, size):
        """offset from 0xE000ED00 (also 0xE000EF00 area as offset >= 0x200)."""
        core = self.board.core
        if 0x18 <= offset < 0x24:  # SHPR1-3, byte-addressable
            value = 0
            for i in range(size):
                value |= core.priority[4 + offset - 0x18 + i] << (8 * i)
            return value
        word = {
            0x00: CPUID_M7_R1P1, 0x08: core.vtor, 0x0C: 0xFA050000 | (core.prigroup << 8),
            0x10: self.scr, 0x14: self.ccr, 0x24: self._shcsr(), 0x28: self.cfsr,
            0x2C: self.hfsr, 0x34: self.mmfar, 0x38: self.bfar, 0x78: 0x09000003,
            0x7C: 0x8303C003, 0x80: CCSIDR_ICACHE if self.csselr & 1 else CCSIDR_DCACHE,
            0x84: self.csselr, 0x88: self.cpacr, 0x90: 0x00001000, 0x94: self.mpu['ctrl'],
            0x98: self.mpu['rnr'], 0xFC: self.demcr, 0x234: self.fpccr,
        }
        if offset == 0x04:
            # PENDSTSET with the counter's wrap: the run loop counts SysTick at block ends, a
            # read just past a wrap saw VAL reloaded but no tick pending (time went back 1 ms)
            self.board.systick.on_clock(self.board.clock())
            return self._icsr()
        if offset in (0x9C, 0xA0):
            return self.mpu_regions.get((self.mpu['rnr'], offset), 0)
        return word.get(offset & ~3, 0) >> (8 * (offset & 3)) & ((1 << (8 * size)) - 1)

    def _shcsr(self):
        active = self.board.core.active[0]
        value = self.shcsr
        for exc, bit in ((4, 0), (5, 1), (6, 3), (11, 7), (14, 10), (15, 11)):
            if active & (1 << exc):
                value |= 1 << bit
        return value

    def write(self, offset, size, value):
        core = self.board.core
        if 0x18 <= offset < 0x24:
            for i in range(size):
                core.priority[4 + offset - 0x18 + i] = (value >> (8 * i)) & 0xf0
            return
        if offset == 0x04:
            if value & (1 << 31):
                self.board.set_pending(2)
            if value & (1 << 28):
                self.board.set_pending(14)
            if value & (1 << 27):
                self.board.clear_pending(14)
            if value & (1 << 26):
                self.board.set_pending(15)
            if value & (1 << 25):
                self.board.clear_pending(15)
        elif offset == 0x08:
            core.vtor = value & 0xFFFFFF80
        elif offset == 0x0C:
            if (value >> 16) != 0x05FA:
                return  # writes without VECTKEY are ignored
            core.prigroup = (value >> 8) & 7
            if value & 4:
                self.board.request_reset('software')
        elif offset == 0x10:
            self.scr = value & 0x16
            core.sleep_on_exit = 1 if value & SLEEPONEXIT else 0
        elif offset == 0x14:
            self.ccr = value
            core.div0_trap = 1 if value & (1 << 4) else 0
        elif offset == 0x24:
            self.shcsr = value & (MEMFAULTENA | BUSFAULTENA | USGFAULTENA)
        elif offset == 0x28:
            self.cfsr &= ~value  # write 1 to clear
        elif offset == 0x2C:
            self.hfsr &= ~value
        elif offset == 0x34:
            self.mmfar = value
        elif offset == 0x38:
            self.bfar = value
        elif offset == 0x84:
            self.csselr = value & 0xf
        elif offset == 0x88:
            self.cpacr = value
            cp10, cp11 = (value >> 20) & 3, (value >> 22) & 3
            core.fp_enabled = 1 if (cp10 and cp11) else 0
        elif offset == 0x94:
            self.mpu['ctrl'] = value & 7
            self.board.mpu_changed()
        elif offset == 0x98:
            self.mpu['rnr'] = value & 0xf
        elif offset in (0x9C, 0xA0):
            region = self.mpu['rnr']
            if offset == 0x9C and value & 0x10:
                region = value & 0xf
                self.mpu['rnr'] = region
            self.mpu_regions[(region, offset)] = value
            self.board.mpu_changed()
        elif offset == 0xFC:
            self.demcr = value
        elif offset == 0x234:
            self.fpccr = value
        # Cache maintenance (0xE000EF50..) and the rest: accepted, no effect.
