"""SysTick (ARMv7-M ARM B3.3): a 24-bit down-counter on the core clock.

It counts core clock cycles (instructions while running, fast-forwarded cycles while
sleeping; it stops in Stop mode with the clock). CLKSOURCE=0 is the STM32H7 external
reference, the CPU clock divided by 8 (RM0433 RCC clock tree)."""

ENABLE, TICKINT, CLKSOURCE, COUNTFLAG = 1, 2, 4, 1 << 16
SYSTICK_EXCEPTION = 15


class SysTick:
    def __init__(self, board):
        self.board = board
        self.reset()

    def reset(self):
        self.ctrl = 0
        self.reload = 0
        self.anchor_clock = 0    # core clock cycle at which the counter held anchor_value
        self.anchor_value = 0
        self.frozen_value = 0    # value while disabled

    def _divider(self):
        return 1 if self.ctrl & CLKSOURCE else 8

    def value(self):
        if not self.ctrl & ENABLE:
            return self.frozen_value
        ticks = (self.board.clock() - self.anchor_clock) // self._divider()
        if ticks <= self.anchor_value:
            return self.anchor_value - ticks
        k = ticks - self.anchor_value - 1
        return self.reload - (k % (self.reload + 1)) if self.reload else 0

    def next_event_clock(self):
        if not self.ctrl & ENABLE or self.reload == 0:
            return None
        first = self.anchor_value if self.anchor_value > 0 else self.reload + 1
        return self.anchor_clock + first * self._divider()

    def on_clock(self, clock):
        """Counts down to clock; fires (COUNTFLAG, exception) at every wrap to 0."""
        while True:
            when = self.next_event_clock()
            if when is None or when > clock:
                return
            self.anchor_clock, self.anchor_value = when, 0
            self.ctrl |= COUNTFLAG
            if self.ctrl & TICKINT:
                self.board.set_pending(SYSTICK_EXCEPTION)

    def read(self, offset):
        if offset == 0x0:
            self.on_clock(self.board.clock())  # COUNTFLAG with the wrap VAL already shows
            value = self.ctrl
            self.ctrl &= ~COUNTFLAG
            return value
        if offset == 0x4:
            return self.reload
        if offset == 0x8:
            return self.value()
        if offset == 0xC:
            return 0x40000000  # CALIB: NOREF=0, SKEW=1, TENMS unknown (0)
        return 0

    def write(self, offset, value):
        if offset == 0x0:
            was_enabled = self.ctrl & ENABLE
            current = self.value()
            self.ctrl = (self.ctrl & COUNTFLAG) | (value & 7)
            if self.ctrl & ENABLE and not was_enabled:
                self.anchor_clock, self.anchor_value = self.board.clock(), current
            elif not self.ctrl & ENABLE and was_enabled:
                self.frozen_value = current
            self.board.request_stop()
        elif offset == 0x4:
            self.reload = value & 0xffffff
            self.board.request_stop()
        elif offset == 0x8:
            # Any write clears the counter and COUNTFLAG; it reloads on the next tick.
            self.ctrl &= ~COUNTFLAG
            self.frozen_value = 0
            self.anchor_clock, self.anchor_value = self.board.clock(), 0
            self.board.request_stop()
