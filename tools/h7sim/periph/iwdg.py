"""Independent watchdog IWDG1 (RM0433 section 45) on the LSI (32 kHz nominal: Rcc.lsi_hz).

KR: 0xCCCC starts it (and LSI), 0xAAAA reloads, 0x5555 unlocks PR/RLR. The counter runs
in virtual time, also in Stop mode; reaching 0 resets the chip (RCC_RSR IWDG1RSTF)."""
from .base import Peripheral

KR, PR, RLR, SR, WINR = 0x00, 0x04, 0x08, 0x0C, 0x10


class Iwdg(Peripheral):
    name = 'IWDG1'
    runs_in_stop = True

    def reset(self):
        self.running = False
        self.unlocked = False
        self.pr = 0
        self.rlr = 0xFFF
        self.winr = 0xFFF
        self.reload_time = 0.0
        self.resets = 0

    def period(self):
        return 4 << min(self.pr, 6)  # LSI cycles per counter tick

    def timeout(self):
        return (self.rlr + 1) * self.period() / self.board.rcc.lsi_hz

    def counter(self):
        if not self.running:
            return self.rlr
        ticks = int((self.board.time - self.reload_time) * self.board.rcc.lsi_hz / self.period())
        return max(0, self.rlr - ticks)

    def next_event_time(self):
        return self.reload_time + self.timeout() if self.running else None

    def on_time(self, now):
        self.resets += 1
        self.running = False  # the reset that follows restarts the chip without it
        self.board.warnings.append(f'IWDG1: watchdog expired at {now:.6f} s (timeout {self.timeout() * 1e3:.1f} ms)')
        self.board.request_reset('iwdg')

    def read32(self, offset):
        if offset == PR:
            return self.pr
        if offset == RLR:
            return self.rlr
        if offset == WINR:
            return self.winr
        return 0  # SR: updates are instant

    def write32(self, offset, value):
        value &= 0xffff
        if offset == KR:
            if value == 0xCCCC:
                if not self.running:
                    self.running = True
                    self.board.rcc.regs[0x74] |= 3  # the watchdog forces LSI on
                self.reload_time = self.board.time
            elif value == 0xAAAA:
                self.reload_time = self.board.time
            elif value == 0x5555:
                self.unlocked = True
                return
            self.unlocked = False
            self.schedule_changed()
        elif self.unlocked:
            if offset == PR:
                self.pr = value & 7
            elif offset == RLR:
                self.rlr = value & 0xFFF
            elif offset == WINR:
                self.winr = value & 0xFFF
