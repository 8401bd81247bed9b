"""Fault injection: what a failing board or a hostile environment does to the firmware, at
chosen virtual times, with each event and its outcome recorded in the run summary.

    board.inject('irq-hold', 2.5, irq='DMA1_Stream0', ms=60)   # the DMA IRQ not taken for 60 ms
    board.inject('dma-error', 3.0)                             # TEIF on SPI2's DMA stream
    board.inject('stall', 4.0, ms=200)    # the main loop busy 200 ms (interrupts still served)
    board.inject('core-hold', 4.0, ms=50) # the core executes nothing for 50 ms (nor interrupts)
    board.inject('hang', 5.0)             # the main loop stuck in `b .` (interrupts served)
    board.inject('hardfault', 6.0)        # a HardFault (HFSR.FORCED) at that instant
    board.inject('flash-flip', 7.0, address=None, bit=3)   # None: a seeded byte of the model
    board.inject('suspend-ignored', 7.5)  # SPI2 ignores CSUSP: the I2S clocks on until SPE=0
    board.inject('brownout', 8.0)         # BOR reset: RCC_RSR BORRSTF|PINRSTF|CPURSTF
    board.inject('reset', 8.0)            # NRST pin reset: PINRSTF|CPURSTF
    board.inject('power-cycle', 8.0)      # POR: RAM cleared, PORRSTF|BORRSTF|PINRSTF|D1|D2|CPU
    parse_spec('irq-hold:DMA1_Stream0:60ms@2.5s') -> ('irq-hold', 2.5, {'irq': ..., 'ms': 60})

Faults fire as timed events of the run loop (between CPU slices, never inside one), so a
run with the same faults is deterministic. Faults that need the core in thread mode
(stall, hang) or awake (HardFault, stall, core-hold) wait for it: the record says when they
really took effect (`applied_s`). The summary's `injected` list holds, per fault: kind,
time, parameters, what happened (`effect`) and what followed (`outcome`: resets after it,
audio lost in its window, whether capture resumed). The audio ground truth (samples the
microphone produced, written by DMA, overwritten before the firmware took them, dropped
at SPI2) is in the summary's `audio` section; see periph/dma.py."""
import math
import re

from .errors import SimError

KINDS = {
    'irq-hold': 'an interrupt held off (NVIC enable masked) for ms milliseconds',
    'dma-error': 'a DMA transfer error (TEIF set, stream disabled) on a stream',
    'stall': 'the main loop busy for ms milliseconds (interrupts still served)',
    'core-hold': 'the core executes nothing (no interrupts either) for ms milliseconds',
    'hang': 'the main loop stuck for good in `b .` (interrupts still served)',
    'hardfault': 'a HardFault (HFSR.FORCED) taken at that instant',
    'flash-flip': 'one bit of flash inverted (default: a seeded byte of the model)',
    'suspend-ignored': 'SPI2 ignores CR1.CSUSP from then on (a suspend that never comes)',
    'brownout': 'a brown-out reset (RCC_RSR BORRSTF, PINRSTF, CPURSTF); RAM kept',
    'reset': 'an NRST pin reset (RCC_RSR PINRSTF, CPURSTF); RAM kept',
    'power-cycle': 'power off and on (RCC_RSR as at power-on); RAM cleared',
}
NEEDS_MS = ('irq-hold', 'stall', 'core-hold')
RESET_KINDS = {'brownout': 'brownout', 'reset': 'pin', 'power-cycle': 'power_on'}
LOSS_WINDOW_S = 0.05   # audio overwritten up to this long after a fault ends belongs to it
HANG_STUB = 0x0000FFFC  # last word of ITCM: `b .` for stall/hang (checked free of the image)
GRAMMAR = ('KIND[:ARG...]@TIME, e.g. irq-hold:DMA1_Stream0:60ms@2.5s, dma-error@3s, '
           'stall:200ms@4s, core-hold:50ms@4s, hang@5s, hardfault@6s, flash-flip@7s, '
           'flash-flip:0x0800d800:3@7s, suspend-ignored@7.5s, brownout@8s, reset@8s, power-cycle@8s '
           '(TIME and durations in s, ms or us; a bare number is seconds)')


def parse_duration(text, default_unit='s'):
    """'60ms', '2.5s', '300us', '2.5' -> seconds (a finite number >= 0), or raise ValueError."""
    m = re.fullmatch(r'\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(s|ms|us)?\s*', text)
    if not m:
        raise ValueError(f'not a duration: {text!r} (use e.g. 2.5s, 60ms, 300us)')
    value = float(m.group(1)) * {'s': 1.0, 'ms': 1e-3, 'us': 1e-6}[m.group(2) or default_unit]
    if not math.isfinite(value):
        raise ValueError(f'not a finite duration: {text!r}')
    return value


def parse_spec(spec):
    """'KIND[:ARG...]@TIME' -> (kind, at_s, params). ValueError with one line if malformed."""
    if '@' not in spec:
        raise ValueError(f'fault {spec!r} has no @TIME; grammar: {GRAMMAR}')
    head, when = spec.rsplit('@', 1)
    at_s = parse_duration(when)
    parts = head.split(':')
    kind, args = parts[0].strip().lower(), [a.strip() for a in parts[1:]]
    if kind not in KINDS:
        raise ValueError(f'unknown fault kind {kind!r}; kinds: {", ".join(KINDS)}')
    params = {}
    for arg in args:
        if not arg:
            raise ValueError(f'empty argument in fault {spec!r}; grammar: {GRAMMAR}')
        if re.fullmatch(r'[0-9.]+(s|ms|us)', arg) and kind in NEEDS_MS:
            params['ms'] = parse_duration(arg) * 1e3
        elif kind == 'irq-hold' and 'irq' not in params:
            params['irq'] = arg
        elif kind == 'dma-error' and 'stream' not in params:
            params['stream'] = arg
        elif kind == 'flash-flip' and 'address' not in params:
            try:
                params['address'] = int(arg, 0)
            except ValueError:
                raise ValueError(f'flash-flip address {arg!r} is not a number (e.g. 0x0800d800)') from None
        elif kind == 'flash-flip' and 'bit' not in params:
            if not arg.isdigit() or int(arg) > 7:
                raise ValueError(f'flash-flip bit {arg!r} must be 0..7')
            params['bit'] = int(arg)
        else:
            raise ValueError(f'unexpected argument {arg!r} for {kind}; grammar: {GRAMMAR}')
    if kind in NEEDS_MS and 'ms' not in params:
        raise ValueError(f'{kind} needs a duration, e.g. {kind}:60ms@{when}')
    return kind, at_s, params


class Fault:
    """One injected event: kind, time, parameters; effect when it fired; outcome at the end."""

    def __init__(self, kind, at_s, params):
        self.kind, self.at_s, self.params = kind, at_s, dict(params)
        self.state = 'scheduled'   # scheduled -> waiting (for thread mode/wake) -> active -> done
        self.applied_s = None
        self.end_s = None
        self.effect = None
        self.saved = None          # what the fault took from the core (PC, NVIC enable)
        self.frames_delivered_at_end = None

    def record(self, board):
        out = {'kind': self.kind, 'at_s': self.at_s, 'params': self.params, 'state': self.state,
               'applied_s': self.applied_s, 'end_s': self.end_s, 'effect': self.effect}
        out['outcome'] = self._outcome(board)
        return out

    def _outcome(self, board):
        if self.applied_s is None:
            return {'fired': False}
        start = self.applied_s
        resets = [r for r in board.resets if r['time'] >= start - 1e-12]
        outcome = {'fired': True,
                   'first_reset_after': {'reason': resets[0]['reason'], 'time_s': resets[0]['time']}
                   if resets else None}
        end = self.end_s if self.end_s is not None else board.time
        lost = board.audio_loss_between(start, end + LOSS_WINDOW_S)
        outcome['audio_frames_lost_in_window'] = lost
        delivered_after = board.spi2.frames_delivered - (self.frames_delivered_at_end or 0) \
            if self.frames_delivered_at_end is not None else None
        outcome['capture_resumed'] = bool(delivered_after) if delivered_after is not None else None
        if self.kind == 'dma-error' and self.saved is not None:
            stream = self.saved
            outcome['stream_reenabled_s'] = next((t for t in stream.enable_times if t >= start), None)
        if self.kind == 'hang':
            outcome['recovered_by'] = resets[0]['reason'] if resets else None
        return outcome


class FaultPlan:
    """The board's scheduled faults: a timed device of the run loop (also runs in Stop)."""
    name = 'faults'
    runs_in_stop = True

    def __init__(self, board):
        self.board = board
        self.faults = []
        self.irq_holds = {}    # exception number -> the firmware's NVIC enable bit meanwhile
        self.held_until = None  # core-hold: no instruction runs before this time
        self.seed = 1

    # -------------------------------------------------------------- scheduling
    def add(self, kind, at_s, params):
        if kind not in KINDS:
            raise SimError(f'unknown fault kind {kind!r}; kinds: {", ".join(KINDS)}')
        if not (isinstance(at_s, (int, float)) and math.isfinite(at_s) and at_s >= 0):
            raise SimError(f'fault time must be a finite number of seconds >= 0, not {at_s!r}')
        params = dict(params)
        if kind in NEEDS_MS:
            ms = params.get('ms')
            if not (isinstance(ms, (int, float)) and math.isfinite(ms) and ms > 0):
                raise SimError(f'{kind} needs ms > 0 (milliseconds), not {ms!r}')
        if kind == 'irq-hold':
            params['irq_number'] = self.irq_number(params.get('irq', 'DMA1_Stream0'))
            params.setdefault('irq', 'DMA1_Stream0')
        if kind == 'dma-error':
            self.stream(params.get('stream'))  # checked now, resolved when it fires
        if kind == 'flash-flip':
            params['address'], params['bit'] = self.flip_target(params.get('address'), params.get('bit'))
        if kind in ('stall', 'hang') and self.board.elf.segment_at(HANG_STUB) is not None:
            raise SimError(f'{kind} needs the last word of ITCM (0x{HANG_STUB:08x}) for its `b .`, '
                           'and this image occupies it')
        fault = Fault(kind, float(at_s), params)
        self.faults.append(fault)
        self.board.request_stop()
        return fault

    def irq_names(self):
        b = self.board
        names = {f'DMA1_Stream{i}': s.irq for i, s in enumerate(b.dma1.streams)}
        names.update({b.spi2.name: b.spi2.irq, b.usart3.name: b.usart3.irq})
        return names

    def irq_number(self, irq):
        names = self.irq_names()
        if isinstance(irq, int) or (isinstance(irq, str) and irq.isdigit()):
            n = int(irq)
            if not 0 <= n < 150:
                raise SimError(f'IRQ {n} does not exist on the STM32H743 (0..149)')
            return 16 + n
        if irq not in names:
            raise SimError(f'unknown IRQ {irq!r}; use a number or one of {", ".join(names)}')
        return 16 + names[irq]

    def stream(self, name):
        b = self.board
        if name is None:
            ch = b.dmamux1.channel_for_request(b.spi2.dma_request)
            return b.dma1.streams[ch] if ch is not None and ch < 8 else None
        m = re.fullmatch(r'DMA1_Stream([0-7])', str(name))
        if not m:
            raise SimError(f'unknown DMA stream {name!r}; use DMA1_Stream0..DMA1_Stream7')
        return b.dma1.streams[int(m.group(1))]

    def model_region(self):
        """(address, size) of the embedded model's data in flash (symbol h7nn_*_model_data)."""
        for name, address in self.board.elf._symbols.items():
            if re.fullmatch(r'h7nn_\w+_model_data', name):
                size = self.board.elf.symbol_size(name)
                if size:
                    return address, size
        return None

    def flip_target(self, address, bit):
        if address is None:
            region = self.model_region()
            if region is None:
                raise SimError('flash-flip without an address needs a model in the image '
                               '(symbol h7nn_<name>_model_data); give an address: flash-flip:0x08012345@1s')
            base, size = region
            # deterministic "random" byte: a multiplicative hash of the fault count
            self.seed = (self.seed * 1103515245 + 12345) & 0x7fffffff
            address = base + self.seed % size
        if bit is None:
            self.seed = (self.seed * 1103515245 + 12345) & 0x7fffffff
            bit = self.seed % 8
        region = self.board.flash_region_of(address)
        if region is None:
            raise SimError(f'flash-flip address 0x{address:08x} is not in flash (0x08000000..0x081fffff)')
        return address, int(bit)

    # -------------------------------------------------------------- timed device
    def next_event_time(self):
        times = []
        for f in self.faults:
            if f.state == 'scheduled':
                times.append(f.at_s)
            elif f.state == 'active' and f.end_s is not None:
                times.append(f.end_s)
        return min(times) if times else None

    def on_time(self, now):
        for f in list(self.faults):
            if f.state == 'scheduled' and f.at_s <= now + 1e-12:
                self._fire(f, now)
            elif f.state == 'active' and f.end_s is not None and f.end_s <= now + 1e-12:
                self._finish(f, now)

    def reset(self):
        """A chip reset ends the stalls, hangs and holds in effect (the core restarts); faults
        scheduled or waiting for the core (e.g. asleep in Stop) still come."""
        for f in self.faults:
            if f.state == 'active' and f.kind in ('stall', 'hang', 'core-hold', 'irq-hold'):
                self._finish(f, self.board.time, by_reset=True)

    # -------------------------------------------------------------- effects
    def _fire(self, f, now):
        b = self.board
        if f.kind in ('stall', 'hang', 'hardfault', 'core-hold'):
            f.state = 'waiting'
            self.poll()
            return
        f.applied_s = now
        if f.kind == 'irq-hold':
            n = f.params['irq_number']
            if n in self.irq_holds:
                f.state, f.effect = 'done', 'already held by another fault: no effect'
                return
            word, bit = n >> 5, 1 << (n & 31)
            self.irq_holds[n] = bool(b.core.enabled[word] & bit)
            b.core.enabled[word] &= ~bit & 0xffffffff
            f.state, f.end_s = 'active', now + f.params['ms'] / 1e3
            f.effect = f'IRQ {n - 16} ({f.params["irq"]}) held off for {f.params["ms"]:g} ms'
        elif f.kind == 'dma-error':
            stream = self.stream(f.params.get('stream'))
            f.saved = stream
            b.spi2.sync()
            if stream is None or not stream.enabled():
                f.effect = 'stream not enabled: no effect'
            else:
                stream.inject_transfer_error('injected')
                f.effect = f'transfer error on DMA1 stream {stream.index} (stream disabled)'
            f.state = 'done'
            self._mark_end(f, now)
        elif f.kind == 'flash-flip':
            address, bit = f.params['address'], f.params['bit']
            old = b.read_memory(address, 1)[0]
            new = old ^ (1 << bit)
            b.write_memory(address, bytes([new]))
            b.uc.ctl_flush_tb()  # the byte may be code already translated
            region = self.model_region()
            where = 'model' if region and region[0] <= address < region[0] + region[1] else \
                (b.elf.function_at(address) or 'flash')
            f.effect = f'bit {bit} of 0x{address:08x} ({where}) flipped: 0x{old:02x} -> 0x{new:02x}'
            f.state = 'done'
            self._mark_end(f, now)
        elif f.kind == 'suspend-ignored':
            b.spi2.ignore_suspend = True
            f.effect = 'SPI2 ignores CR1.CSUSP from now on'
            f.state = 'done'
            self._mark_end(f, now)
        elif f.kind in RESET_KINDS:
            f.effect = f'{f.kind} at {now:.6f} s'
            f.state = 'done'
            self._mark_end(f, now)
            b.request_reset(RESET_KINDS[f.kind])

    def poll(self):
        """Applies faults waiting for the core (thread mode / awake). Called by the run loop."""
        b = self.board
        for f in self.faults:
            if f.state != 'waiting':
                continue
            if b.mode == 'stop':
                continue  # the core is stopped: applies when it wakes
            if f.kind in ('stall', 'hang') and b.uc_ipsr() != 0:
                continue  # in a handler: the main loop is stalled when it returns to thread mode
            now = b.time
            f.applied_s = now
            if b.mode == 'sleep':
                b.wake_for_fault()
            if f.kind == 'hardfault':
                b.inject_hardfault()
                f.state, f.effect = 'done', f'HardFault forced at PC 0x{b.pc:08x}'
                self._mark_end(f, now)
            elif f.kind == 'core-hold':
                f.state, f.end_s = 'active', now + f.params['ms'] / 1e3
                self.held_until = max(self.held_until or 0.0, f.end_s)
                f.effect = f'core held {f.params["ms"]:g} ms at PC 0x{b.pc:08x}'
            else:
                pc = b.pc
                b.divert_thread(HANG_STUB)
                f.saved = pc
                f.state = 'active'
                if f.kind == 'stall':
                    f.end_s = now + f.params['ms'] / 1e3
                    f.effect = f'main loop stalled {f.params["ms"]:g} ms at PC 0x{pc:08x} ({b.elf.function_at(pc)})'
                else:
                    f.effect = f'main loop hung at PC 0x{pc:08x} ({b.elf.function_at(pc)})'
        b.request_stop()

    def waiting(self):
        return any(f.state == 'waiting' for f in self.faults)

    def diverted(self):
        """Thread mode is sent to the `b .` stub (an active stall or hang)."""
        return any(f.state == 'active' and f.kind in ('stall', 'hang') for f in self.faults)

    def _finish(self, f, now, by_reset=False):
        b = self.board
        if f.kind == 'irq-hold':
            n = f.params['irq_number']
            enabled = self.irq_holds.pop(n, False)
            if enabled and not by_reset:
                b.core.enabled[n >> 5] |= 1 << (n & 31)
                b.pending_changed()
        elif f.kind == 'stall' and not by_reset:
            if b.uc_ipsr() != 0:
                f.end_s = now + 1e-4   # back in thread mode first; check again shortly
                return
            b.resume_thread(f.saved)
        elif f.kind == 'core-hold':
            active = [g.end_s for g in self.faults if g is not f and g.kind == 'core-hold' and g.state == 'active']
            self.held_until = max(active) if active and not by_reset else None
        f.state = 'done'
        f.end_s = now
        if by_reset:
            f.effect = (f.effect or '') + f'; ended by a reset at {now:.6f} s'
        self._mark_end(f, now)
        b.request_stop()

    def _mark_end(self, f, now):
        f.frames_delivered_at_end = self.board.spi2.frames_delivered

    def summary(self):
        return [f.record(self.board) for f in self.faults]
