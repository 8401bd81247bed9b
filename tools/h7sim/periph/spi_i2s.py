"""SPI2 in I2S master-receive mode (RM0433 section 50), fed by the board's microphone
(periph/microphone.py) on the left channel (right channel reads 0). The microphone is a
continuous signal in virtual time: a capture that starts (or restarts, after Stop or after
the firmware disables SPI2) begins with the sound of that moment; what passed while I2S
was off is not captured.

The I2S frame rate comes from the kernel clock (per_ck/PLL1Q per RCC_D2CCIP1R) and
I2SCFGR: Fs = f_ker / (32 * (2*I2SDIV + ODD)) for 16-bit channels (64 for 32-bit), e.g.
64 MHz / (32 * 125) = 16 kHz. Half-words L,R,L,R... are produced in virtual time; with
CFG1.RXDMAEN they go to the DMA1 stream that DMAMUX1 routes request 39 to, in batches up
to the next half/full-transfer point. Without a DMA consumer the RX FIFO overflows (OVR)
and samples are counted as dropped.

Suspend (RM0433, SPI/I2S master receiver): CR1.CSUSP asks the master to stop clocking at
the end of the frame in progress; then SR.SUSP is set (cleared by IFCR.SUSPC), CSTART and
CSUSP read 0 and nothing more is produced, so a driver can stop the DMA after the last
sample without one arriving in between. (With the DMA stream enabled, every half-word
produced goes to it at once here, so a suspended capture leaves nothing of its own in the
RX FIFO.)"""
import numpy as np

from .base import Peripheral, TIME_EPSILON, bits

CR1, CR2, CFG1, CFG2, IER, SR, IFCR, TXDR, RXDR, I2SCFGR = 0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x20, 0x30, 0x50
SPE, CSTART, CSUSP, RXDMAEN = 1, 1 << 9, 1 << 10, 1 << 14
RXP, OVR, SUSP = 1, 1 << 6, 1 << 11
FIFO_HALFWORDS = 8


class SpiI2s(Peripheral):
    runs_in_stop = False

    def __init__(self, board, base, name, irq, dma_request):
        self.name = name
        self.irq = irq
        self.dma_request = dma_request
        self.mic = board.microphone
        self.frames_delivered = 0
        self.captures = []    # [start time, stop time or None, first microphone sample]
        self.frames_dropped = 0
        # Ground truth in microphone samples (left half-words), exact: produced by the I2S,
        # written to memory by DMA, overwritten there before the firmware took them,
        # dropped at SPI2 (no DMA, FIFO full); loss_log: (time, samples lost, cause).
        self.samples_produced = 0
        self.samples_written = 0
        self.samples_overwritten = 0
        self.samples_dropped = 0
        self.loss_log = []
        self.rate_warned = False
        self.ignore_suspend = False  # fault 'suspend-ignored': CSUSP has no effect
        self.fifo_samples_read = 0   # microphone samples the CPU took from RXDR
        super().__init__(board, base)

    def reset(self):
        if getattr(self, 'running', False):
            self._note_stop()
        self.regs = {CR1: 0, CFG1: 0x00070007, CFG2: 0, IER: 0, I2SCFGR: 0}
        self.sr = 0x1002
        self.running = False
        self.start_time = 0.0
        self.produced = 0     # half-words produced since start
        self.first_sample = 0  # microphone sample index of the capture's first frame
        self.fifo = 0         # half-words waiting in the RX FIFO (no DMA)
        self.fifo_data = []
        self.fifo_index = []  # capture half-word index of each fifo_data entry (L even, R odd)
        self.suspend_at = None  # half-word count at which a CSUSP request stops the clock

    # ------------------------------------------------------------ audio source
    @property
    def audio_rate(self):
        return self.mic.rate

    def play(self, samples, rate=16000):
        """Audio for the microphone (int16 mono at `rate`); see Microphone.play."""
        self.mic.play(samples, rate)

    def audio_position(self):
        """Samples of the played audio already heard (captured or not)."""
        return len(self.mic.audio) - self.mic.audio_left()

    def _halfwords(self, start, count):
        """Half-words start..start+count of the L,R stream as bytes (L = microphone, R = 0)."""
        first_frame = start // 2
        n_frames = (start + count + 1) // 2 - first_frame + 1
        frames = np.zeros((n_frames, 2), dtype='<i2')
        frames[:, 0] = self.mic.samples(self.first_sample + first_frame, n_frames)
        flat = frames.reshape(-1)
        offset = start - 2 * first_frame
        return flat[offset:offset + count]

    @staticmethod
    def _left(a, b):
        """Left-channel (microphone) samples among half-words a..b-1 of a capture."""
        return (b + 1) // 2 - (a + 1) // 2

    def stranded_samples(self):
        """Microphone (left) samples in the RX FIFO, never moved to memory: counted as written
        but lost. Which half-words are left samples depends on where each came from in the
        L,R stream (the FIFO may keep half-words from an earlier stop), not on how many
        there are."""
        return sum(1 for i in self.fifo_index if i % 2 == 0)

    def _lose(self, samples, cause):
        if samples:
            if cause == 'overwritten':
                self.samples_overwritten += samples
            else:
                self.samples_dropped += samples
            if self.loss_log and self.loss_log[-1][2] == cause and self.loss_log[-1][0] == self.board.time:
                self.loss_log[-1] = (self.board.time, self.loss_log[-1][1] + samples, cause)
            else:
                self.loss_log.append((self.board.time, samples, cause))

    def _note_stop(self):
        if self.captures and self.captures[-1][1] is None:
            self.captures[-1][1] = self.board.time

    # ------------------------------------------------------------ configuration
    def is_i2s_master_rx(self):
        cfg = self.regs[I2SCFGR]
        return bool(cfg & 1) and bits(cfg, 1, 3) == 3

    def frame_rate(self):
        cfg = self.regs[I2SCFGR]
        div = bits(cfg, 16, 8)
        odd = bits(cfg, 24, 1)
        divider = 2 * div + odd if div >= 2 else 1
        channel_bits = 32 if cfg & (1 << 10) else 16
        kernel = self.board.rcc.spi123_kernel_hz()
        return kernel / (2 * channel_bits * divider) if kernel else 0

    def _consumer(self):
        if not self.regs[CFG1] & RXDMAEN:
            return None
        ch = self.board.dmamux1.channel_for_request(self.dma_request)
        if ch is None:
            return None
        return self.board.dma1.streams[ch]

    def _update_running(self):
        should = bool(self.regs[CR1] & SPE and self.regs[CR1] & CSTART and self.is_i2s_master_rx())
        if should and not self.running:
            self.running = True
            self.start_time = self.board.time
            self.produced = 0
            self.mic.anchor(self.start_time)
            self.first_sample = self.mic.index_at(self.start_time)
            self.captures.append([self.start_time, None, self.first_sample])
            rate = self.frame_rate()
            if not self.rate_warned and abs(rate - self.audio_rate) > 1:
                self.rate_warned = True
                self.board.warnings.append(f'{self.name}: I2S frame rate {rate:.1f} Hz differs from the audio rate '
                                           f'{self.audio_rate} Hz (I2SCFGR=0x{self.regs[I2SCFGR]:08x}, kernel '
                                           f'{self.board.rcc.spi123_kernel_hz() / 1e6:.2f} MHz)')
        elif not should and self.running:
            self.sync()
            self.running = False
            self._note_stop()
        self.schedule_changed()

    # ------------------------------------------------------------ time
    def _halfword_rate(self):
        return 2 * self.frame_rate()

    def _time_of(self, halfwords, rate):
        """Virtual time at which `halfwords` half-words have been produced. next_event_time
        and _produced_at both use this one expression."""
        return self.start_time + halfwords / rate

    def _produced_at(self, now):
        """Half-words produced by `now`: every n whose time is due (t <= now + TIME_EPSILON,
        the run loop's rule). Flooring (now - start) * rate instead lost one half-word
        whenever start + n/rate - start rounded below n/rate: the DMA stopped one item
        short of its half-transfer point, the event stayed due, and a core sleeping in WFI
        waited for it forever (the 10-minute recording froze at ~155 s, the first start
        time where one ulp of the clock exceeded the old 1e-9 half-word margin)."""
        rate = self._halfword_rate()
        if not rate:
            return self.produced
        n = max(self.produced, int((now - self.start_time) * rate))
        while self._time_of(n + 1, rate) <= now + TIME_EPSILON:
            n += 1
        if self.suspend_at is not None:
            n = min(n, self.suspend_at)
        return n

    def sync(self):
        """Delivers the half-words produced up to now (to DMA, or into the FIFO)."""
        if not self.running:
            return
        target = self._produced_at(self.board.time)
        count = target - self.produced
        if count > 0:
            self._deliver(count)
        if self.suspend_at is not None and self.produced >= self.suspend_at:
            self._suspended()

    def _suspended(self):
        """The suspend request took effect: the master stopped clocking at a frame end."""
        self.suspend_at = None
        self.sr |= SUSP
        self.regs[CR1] &= ~(CSTART | CSUSP)
        self.running = False
        self._note_stop()
        self.schedule_changed()

    def _deliver(self, count):
        stream = self._consumer()
        if stream is not None and stream.enabled():
            size = stream.item_size()
            per_item = max(1, size // 2)
            usable = count - count % per_item
            data = self._halfwords(self.produced, usable).tobytes()
            accepted = stream.transfer(data) // 2
            self.frames_delivered += accepted / 2
            first = self.produced
            self.samples_produced += self._left(first, first + usable)
            self.samples_written += self._left(first, first + accepted)
            for offset, nbytes in stream.overwrites:
                a = first + offset // 2
                self._lose(self._left(a, a + nbytes // 2), 'overwritten')
            lost = usable - accepted
            self.produced += usable
            if lost:
                self._lose(self._left(first + accepted, first + usable), 'dropped')
                self._overrun(lost)
        else:
            first = self.produced
            self.produced += count
            self.samples_produced += self._left(first, first + count)
            space = FIFO_HALFWORDS - self.fifo
            kept = min(space, count)
            if kept:
                self.fifo_index.extend(range(first, first + kept))
                self.fifo_data.extend(self._halfwords(self.produced - count, kept).tolist())
                self.fifo += kept
                self.sr |= RXP
                self.samples_written += self._left(first, first + kept)
            if count > kept:
                self._lose(self._left(first + kept, first + count), 'dropped')
                self._overrun(count - kept)
        self._update_irq()

    def _overrun(self, halfwords):
        self.frames_dropped += halfwords / 2
        self.sr |= OVR

    def _update_irq(self):
        ier = self.regs[IER]
        level = (ier & 0x40 and self.sr & OVR) or (ier & 1 and self.sr & RXP)
        self.board.irq_level(self.irq, bool(level))

    def next_event_time(self):
        if not self.running:
            return None
        rate = self._halfword_rate()
        if not rate:
            return None
        if self.suspend_at is not None:
            # the suspend is the next thing that happens unless a DMA flag comes first
            due = self._time_of(self.suspend_at, rate)
            nxt = self._next_data_event(rate)
            return due if nxt is None else min(due, nxt)
        return self._next_data_event(rate)

    def _next_data_event(self, rate):
        stream = self._consumer()
        if stream is not None and stream.enabled():
            items = stream.items_to_next_flag()
            if items is None:
                return None
            per_item = max(1, stream.item_size() // 2)
            return self._time_of(self.produced + items * per_item, rate)
        if self.sr & OVR and not self.regs[IER] & 0x41:
            # Overrunning with nobody listening: wake up rarely just to count drops.
            return self._time_of(self.produced + int(rate * 0.1), rate)
        return self._time_of(self.produced + 1, rate)

    def on_time(self, now):
        self.sync()

    # ------------------------------------------------------------ registers
    def read32(self, offset):
        self.sync()
        if offset == SR:
            return self.sr | ((min(self.fifo, 3)) << 13)
        if offset == RXDR:
            if self.fifo_data:
                value = self.fifo_data.pop(0) & 0xffff
                if self.fifo_index.pop(0) % 2 == 0:
                    self.fifo_samples_read += 1
                self.fifo -= 1
                if not self.fifo:
                    self.sr &= ~RXP
                self._update_irq()
                return value
            return 0
        return self.regs.get(offset, 0)

    def write32(self, offset, value):
        self.sync()
        if offset == IFCR:
            if value & OVR:
                self.sr &= ~OVR
            if value & SUSP:   # SUSPC
                self.sr &= ~SUSP
            self._update_irq()
            return
        if offset in (RXDR, SR):
            return
        if offset == CR1 and value & CSUSP and self.running and self.suspend_at is None \
                and not self.ignore_suspend:
            # RM0433: the master stops at the end of the frame in progress (L,R half-words)
            self.suspend_at = (self.produced // 2 + 1) * 2
        self.regs[offset] = value
        if offset == CR1 and not value & SPE:
            self.regs[CR1] = 0  # clearing SPE also clears CSTART
            self.suspend_at = None
        if offset in (CR1, I2SCFGR, CFG1):
            self._update_running()
