"""The MEMS microphone on the board: a continuous signal in virtual time, read by SPI2/I2S2,
with an acoustic-activity-detect (AAD, "wake on sound") output wired to a GPIO pin.

Time axis: microphone sample n is the sound at virtual time t0 + n / rate. The audio given
to play() starts when the I2S first starts capturing (or at once if the board has already
captured, e.g. during Stop), and goes on in virtual time whether or not anything captures
it: samples that pass while I2S is off (Stop, a restart, a chip reset) are simply not
captured; a capture that starts later begins at the sound of that moment. After the end of
the audio the microphone hears silence.

AAD output (like the wake pin of a Vesper VM3011 or a Knowles wake-on-sound microphone):
the microphone measures the RMS level of its own signal over consecutive 10 ms windows
(160 samples) and drives its output high for every window whose level exceeds
AAD_THRESHOLD_DBFS (-55 dBFS, full scale = 32768), low otherwise; the level changes at the
end of the window that decided it (the microphone needs the window to measure).
The threshold is the keyword firmware's own speech floor (its VAD's min_speech_dbfs, below
which nothing is speech and under which the power policy may stop): the pin rises on any
sound the firmware could take for speech. At -45 dBFS (before December 2026) a word whose
first 10-100 ms stay between -55 and -45 dBFS (soft consonants, real speech) lost them to
the wake, and Stop in the pauses between words cost 1.6 words of 30 on the real-speech demo
(averaged over 8 hop phases; apps/kws/README.md). A wake-on-sound microphone's threshold
is a setting of the part (programmable on e.g. a Vesper VM3011), not fixed. The pin
(MIC_WAKE in firmware/platform/stm32h743/board_pins.def) raises its EXTI line on a rising
edge and wakes the core from Stop. The envelope is computed once per play() with numpy;
the edges are timed events of the run loop (no per-sample work while running)."""
import math

import numpy as np

from h7voice import board_pins

AAD_WINDOW = 160              # samples at 16 kHz = 10 ms
AAD_THRESHOLD_DBFS = -55.0    # RMS over a window, 0 dBFS = full-scale int16 (above: why)
MIC_WAKE_PORT, MIC_WAKE_PIN = board_pins.pin('MIC_WAKE')  # firmware/platform/stm32h743/board_pins.def


def activity_windows(samples, threshold_dbfs=AAD_THRESHOLD_DBFS, window=AAD_WINDOW):
    """Boolean per full window of `samples`: RMS level above threshold_dbfs."""
    n = len(samples) // window
    if n == 0:
        return np.zeros(0, dtype=bool)
    x = np.asarray(samples[:n * window], dtype=np.float64).reshape(n, window) / 32768.0
    power = np.mean(x * x, axis=1)
    return power > 10.0 ** (threshold_dbfs / 10.0)


class Microphone:
    runs_in_stop = True
    name = 'microphone'

    def __init__(self, board, rate=16000, port=MIC_WAKE_PORT, pin=MIC_WAKE_PIN,
                 threshold_dbfs=AAD_THRESHOLD_DBFS):
        self.board = board
        self.rate = rate
        self.port, self.pin = port, pin
        self.threshold_dbfs = threshold_dbfs
        self.t0 = None                      # virtual time of sample 0 (None: not anchored yet)
        self.audio = np.zeros(0, dtype=np.int16)
        self.audio_start = 0                # microphone sample index of audio[0]
        self._edges = np.zeros(0, dtype=np.int64)   # sample index of each output change
        self._levels = np.zeros(0, dtype=np.int8)   # output level after each change
        self._next_edge = 0
        self.level = 0
        self.rising_edges = []              # virtual times of rising edges (for reports)

    # ------------------------------------------------------------ the signal
    def play(self, samples, rate=16000):
        """Sound for the microphone (int16 mono at `rate`): after the audio still playing,
        or from now (from the first capture if nothing has captured yet)."""
        new = np.asarray(samples, dtype=np.int16)
        self.rate = rate
        if self.t0 is None:
            self.audio = np.concatenate([self.audio, new])
        else:
            now = self.index_at(self.board.time)
            end = self.audio_start + len(self.audio)
            if now < end:
                self.audio = np.concatenate([self.audio, new])
            else:
                self.audio, self.audio_start = new, now
        self._compute_edges()

    def anchor(self, time):
        """The first capture starts at `time`: sample 0 of the audio is heard then."""
        if self.t0 is None:
            self.t0 = time
            self._compute_edges()
            self.board.request_stop()

    def index_at(self, time):
        """Microphone sample index heard at virtual time `time` (anchored)."""
        return int(math.floor((time - self.t0) * self.rate + 1e-6))

    def samples(self, first, count):
        """int16 samples first..first+count of the microphone (silence outside the audio)."""
        out = np.zeros(count, dtype=np.int16)
        lo = max(first, self.audio_start)
        hi = min(first + count, self.audio_start + len(self.audio))
        if hi > lo:
            out[lo - first:hi - first] = self.audio[lo - self.audio_start:hi - self.audio_start]
        return out

    def audio_left(self):
        """Samples of the played audio not yet heard (all of it before the first capture)."""
        if self.t0 is None:
            return len(self.audio)
        return max(0, self.audio_start + len(self.audio) - self.index_at(self.board.time))

    # ------------------------------------------------------------ AAD output
    def _compute_edges(self):
        active = activity_windows(self.audio, self.threshold_dbfs)
        # output level per window; it changes at the END of a window (sample index)
        levels = np.concatenate([[0], active.astype(np.int8), [0]])
        change = np.nonzero(np.diff(levels))[0]          # window k decides a change
        ends = self.audio_start + (change + 1) * AAD_WINDOW
        self._edges = ends.astype(np.int64)
        self._levels = levels[change + 1] if len(change) else np.zeros(0, dtype=np.int8)
        if self.t0 is not None:
            now = self.index_at(self.board.time)
            self._next_edge = int(np.searchsorted(self._edges, now, side='right'))
        else:
            self._next_edge = 0

    def next_event_time(self):
        if self.t0 is None or self._next_edge >= len(self._edges):
            return None
        return self.t0 + int(self._edges[self._next_edge]) / self.rate

    def on_time(self, now):
        idx = self.index_at(now)
        while self._next_edge < len(self._edges) and self._edges[self._next_edge] <= idx:
            level = int(self._levels[self._next_edge])
            self._next_edge += 1
            if level != self.level:
                self.level = level
                if level:
                    self.rising_edges.append(now)
                self.board.set_pin_input(self.port, self.pin, level)

    def reset(self):
        """A chip reset does not touch the microphone (it is not part of the chip)."""
