"""Keywords of robot_tests/capture_loss.robot: the keyword image on the simulated board
with faults injected (h7sim's Board.inject), the firmware's loss counters (kws_stats)
against the simulator's ground truth.

Ground truth, independent of the firmware's counters:
  - samples overwritten in the DMA buffer before the firmware took them: the simulator's
    loss log (tools/h7sim: spi2.loss_log, board.audio_loss_between);
  - samples the sample ring could not take (main loop behind): read from the ring's own
    memory. The microphone plays a ramp (sample i = i mod 32768), so a gap in what reached
    the ring is a jump in the ramp, of exactly the samples lost;
  - samples written by DMA (spi2.samples_written) when capture is stopped (Stop mode): every
    one must be processed, waiting in the ring, or counted.
One run serves the whole suite (its faults are spaced so each has its own window)."""
import os
import sys

import numpy as np

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, 'tools'))

from h7voice import paths  # noqa: E402

RAMP_S = 5.0          # loud ramp, then silence: the firmware stops capture for Stop
SILENCE_S = 10.0      # > the 10 s between two Stop statistics lines (kws main.c)
AGAIN_S = 1.0         # then a second, short ramp (wakes the board) and silence again
AGAIN_SILENCE_S = 2.0
STATS_AFTER_S = 0.04  # the stats request after a fault ends (its losses are all counted)


class CaptureLossLibrary:
    ROBOT_LIBRARY_SCOPE = 'SUITE'

    def __init__(self):
        self.board = None
        self.faults = []      # per fault: spec, record, stats before / after, ring truth
        self.stop_stats = None
        self.written_at_stop = None

    # ------------------------------------------------------------------ the run
    def run_kws_with_faults(self, *windows):
        """Boots the kws image, plays the ramp and silence, injects the faults of each window
        (h7sim grammar, e.g. irq-hold:DMA1_Stream0:60ms@1.0037s; several joined by + share
        one window), asks for kws_stats before and after each window, and runs until the
        firmware stops capture for Stop mode."""
        from h7sim import Board
        from h7sim.faults import parse_spec
        elf = paths.app_image('kws')
        if not os.path.exists(elf):
            raise AssertionError(f'{paths.rel(elf)} is missing: build with scons -j2')
        ramp = (np.arange(int(16000 * RAMP_S)) % 32768).astype(np.int16)
        audio = np.concatenate([ramp, np.zeros(int(16000 * SILENCE_S), dtype=np.int16),
                                ramp[:int(16000 * AGAIN_S)],
                                np.zeros(int(16000 * AGAIN_SILENCE_S), dtype=np.int16)])
        board = self.board = Board(elf)
        board.spi2.play(audio)
        plan = []
        for window in windows:
            faults = [parse_spec(spec) for spec in window.split('+')]
            start = min(at for _, at, _ in faults)
            end = max(at + p.get('ms', 0) / 1e3 for _, at, p in faults)
            records = [board.inject(kind, at, **p) for kind, at, p in faults]
            plan.append((start, end, window, records))
        plan.sort(key=lambda w: w[0])
        for start, end, window, records in plan:
            before = self._stats_now(until=start - 0.02)
            board.run(seconds=max(0.0, end + STATS_AFTER_S - board.time),
                      until=lambda b, rs=records: all(r.end_s is not None for r in rs)
                      and b.time > max(r.end_s for r in rs) + 0.01)
            ring_gap = self._ring_gaps()
            after = self._stats_now()
            self.faults.append({'spec': window, 'records': records, 'before': before,
                                'after': after, 'ring_gaps': ring_gap})
        n = len(board.events)
        self.stop_stats, self.written_at_stop = self._at_stop(n, RAMP_S + SILENCE_S + 0.5,
                                                              RAMP_S + SILENCE_S + AGAIN_S)

    def _at_stop(self, n, stop_by_s, line_by_s):
        """Runs until the core enters Stop (the firmware stopped capture just before) and takes
        the samples the simulator wrote to memory then; runs on until the Stop's kws_stats
        arrives (it goes out after the wake-up: the platform does not hold the Stop for the
        console) and returns (that kws_stats, the samples written at the Stop)."""
        board = self.board
        board.run(seconds=max(0.0, stop_by_s - board.time), until=lambda b: b.mode == 'stop')
        if board.mode != 'stop':
            raise AssertionError(f'the firmware never entered Stop (capture stopped) by {board.time:.2f} s')
        # the simulator counts samples left in SPI2's RX FIFO when the DMA stopped as
        # written, but those the firmware did not read never reach memory (the FIFO is
        # flushed when the I2S restarts)
        self.fifo_stranded = board.spi2.stranded_samples()
        written = board.spi2.samples_written - self.fifo_stranded
        def reported(b):
            return any(e.get('event') == 'kws_stats' and e.get('reason') == 'stop' for e in b.events[n:])
        board.run(seconds=max(0.0, line_by_s - board.time), until=reported)
        if not reported(board) and board.mode == 'stop':
            # still stopped in the silence: a console byte (no command) wakes the board and
            # the queued line goes out
            board.uart_write('\n')
            board.run(seconds=0.5, until=reported)
        stats = next((e for e in board.events[n:] if e.get('event') == 'kws_stats'
                      and e.get('reason') == 'stop'), None)
        if stats is None:
            raise AssertionError('the firmware never reported its Stop (no kws_stats with reason stop '
                                 f'by {board.time:.2f} s)')
        if board.faults:
            raise AssertionError(f'the firmware faulted: {board.faults[0]}')
        return stats, written

    def run_on_to_a_second_stop_with(self, spec):
        """After the first Stop: injects `spec` (e.g. suspend-ignored) now, lets the second
        ramp wake the board and runs until the firmware stops capture again."""
        from h7sim.faults import parse_spec
        board = self.board
        kind, _, params = parse_spec(spec + '@0s')
        self.second_fault = board.inject(kind, board.time, **params)
        self.fifo_read_before = board.spi2.fifo_samples_read
        self.dropped_before = board.spi2.samples_dropped
        n = len(board.events)
        end = RAMP_S + SILENCE_S + AGAIN_S + AGAIN_SILENCE_S
        # out of the first Stop (the second ramp wakes the board) before looking for the next
        board.run(seconds=max(0.0, end - board.time), until=lambda b: b.mode != 'stop')
        self.stop_stats, self.written_at_stop = self._at_stop(n, end, end + 0.5)
        return self.stop_stats

    def samples_taken_from_the_fifo(self):
        """Microphone samples the firmware read from SPI2's RX FIFO since the second fault."""
        return self.board.spi2.fifo_samples_read - self.fifo_read_before

    def overrun_at_stop_should_be_counted_as_the_simulator_saw_it(self):
        """Samples SPI2 dropped at the second Stop (simulator) <=> an overrun counted."""
        dropped = self.board.spi2.samples_dropped - self.dropped_before
        before = int(self.faults[-1]['after']['spi_overruns']) if self.faults else 0
        counted = int(self.stop_stats['spi_overruns']) - before
        print(f'*INFO* SPI2 dropped {dropped} samples at the Stop; the firmware counted {counted} overruns')
        if (dropped > 0) != (counted > 0):
            raise AssertionError(f'SPI2 dropped {dropped} samples but the firmware counted {counted} overruns')

    def _stats_now(self, until=None):
        board = self.board
        if until is not None and until > board.time:
            board.run(seconds=until - board.time)
        n = len(board.events)
        board.ask('s', '"kws_stats"', 0.5)
        stats = [e for e in board.events[n:] if e.get('event') == 'kws_stats']
        if not stats:
            raise AssertionError(f'no kws_stats answer to "s" at {board.time:.3f} s')
        return stats[-1]

    def _ring_gaps(self):
        """Samples missing from the ramp in what the sample ring holds now (its last 4096)."""
        board = self.board
        ring = board.symbol('ring')           # h7_ring_t: buf, mask, elem, head, tail
        buf, mask, _, head = (board.read_u32(ring + 4 * k) for k in range(4))
        n = mask + 1
        data = np.frombuffer(board.read_memory(buf, 2 * n), dtype='<i2').astype(np.int64)
        held = data[(np.arange(head - min(head, n), head)) % n]
        steps = np.diff(held) % 32768
        # a step of 0 is a repeated sample, not a loss: when capture restarts within one
        # sample period the simulator's new capture begins with the sample of that moment,
        # whose left half-word the stopped DMA had already written
        return int(np.sum(steps[steps > 1] - 1))

    # ------------------------------------------------------------------ checks
    def _fault(self, spec):
        for f in self.faults:
            if f['spec'] == spec:
                return f
        raise AssertionError(f'no fault {spec!r} in this run: {[f["spec"] for f in self.faults]}')

    def counted_loss_of(self, spec, counter):
        """The firmware's count `counter` (a kws_stats field) over the fault's window."""
        f = self._fault(spec)
        return int(f['after'][counter]) - int(f['before'][counter])

    def simulator_loss_of(self, spec):
        """The simulator's ground truth over the fault's window: samples overwritten in the
        DMA buffer before the firmware took them, or dropped at SPI2."""
        rs = self._fault(spec)['records']
        start = min(r.applied_s for r in rs)
        end = max(r.end_s if r.end_s is not None else r.applied_s for r in rs)
        return self.board.audio_loss_between(start, end + STATS_AFTER_S)

    def ring_loss_of(self, spec):
        """Ground truth read from the ring's memory: ramp samples missing right after the fault."""
        return self._fault(spec)['ring_gaps']

    def firmware_count_should_equal_ground_truth(self, spec, counter, truth, tolerance=0):
        counted = self.counted_loss_of(spec, counter)
        truth = int(truth)
        print(f'*INFO* {spec}: firmware {counter} {counted}, ground truth {truth}')
        if abs(counted - truth) > int(tolerance):
            raise AssertionError(f'{spec}: the firmware counted {counted} ({counter}), '
                                 f'the ground truth is {truth}'
                                 + (f' (+-{tolerance} allowed)' if int(tolerance) else ''))
        return counted

    def every_captured_sample_should_be_accounted_for(self):
        """At the Stop (capture stopped): the DMA's samples (simulator) = the firmware's
        captured = processed + waiting + lost (overwritten, ring full) + discarded."""
        s = self.stop_stats
        accounted = (int(s['samples']) + int(s['waiting']) + int(s['lost_overwritten'])
                     + int(s['lost_ring_full']) + int(s['discarded']))
        print(f"*INFO* simulator wrote {self.written_at_stop} to memory ({self.fifo_stranded} more "
              f"stranded in SPI2's FIFO); firmware captured {s['captured']} = "
              f"processed {s['samples']} + waiting {s['waiting']} + overwritten "
              f"{s['lost_overwritten']} + ring full {s['lost_ring_full']} + discarded {s['discarded']}")
        if int(s['captured']) != self.written_at_stop:
            raise AssertionError(f"the firmware says {s['captured']} samples were captured, the "
                                 f'simulator wrote {self.written_at_stop}')
        if accounted != int(s['captured']):
            raise AssertionError(f"{s['captured']} captured but {accounted} accounted for")

    def stats_at_stop(self, field):
        return self.stop_stats[field]

    def board_should_not_have_reset(self):
        if self.board.resets:
            raise AssertionError(f'the board reset: {self.board.resets}')

    # ------------------------------------------------------------------ recovery
    def run_kws_with_resets(self, *specs):
        """Boots the kws image with the ramp (sound all along), injects the faults (hang,
        hardfault, brownout, power-cycle, ...), runs 1 s past the last one. Returns the
        boot events."""
        from h7sim import Board
        from h7sim.faults import parse_spec
        elf = paths.app_image('kws')
        board = self.board = Board(elf)
        faults = [parse_spec(s) for s in specs]
        last = max(at for _, at, _ in faults)
        board.spi2.play((np.arange(int(16000 * (last + 1.5))) % 32768).astype(np.int16))
        self.records = [board.inject(kind, at, **p) for kind, at, p in faults]
        board.run(seconds=last + 1.0)
        self.boots = [e for e in board.events if e.get('event') == 'boot']
        print(f'*INFO* resets {board.resets}; boots {self.boots}')
        return self.boots

    def boot_should_report(self, index, reset, boots, record='kept', note=''):
        """Boot event `index` (0 = power-on) says the reset cause, the boot count, whether
        the reset record was kept, and the note of the reset before (a prefix)."""
        index = int(index)
        if index >= len(self.boots):
            raise AssertionError(f'only {len(self.boots)} boots: {self.boots}')
        b = self.boots[index]
        problems = []
        if b.get('reset') != reset:
            problems.append(f"reset {b.get('reset')!r}, expected {reset!r}")
        if int(b.get('boots', -1)) != int(boots):
            problems.append(f"boots {b.get('boots')}, expected {boots}")
        if b.get('record') != record:
            problems.append(f"record {b.get('record')!r}, expected {record!r}")
        if not str(b.get('last_note', '')).startswith(note):
            problems.append(f"last_note {b.get('last_note')!r}, expected it to start with {note!r}")
        if problems:
            raise AssertionError(f'boot {index}: ' + '; '.join(problems) + f' ({b})')
        return b

    def reset_should_follow_fault(self, index, reason, within_s, after_event=None):
        """The simulator reset the board for `reason` within `within_s` of fault `index`, or,
        with after_event, of the first such JSON event after the fault reached the host (the
        firmware's fault report goes out at 115200 baud before it resets: ~36 ms)."""
        r = self.records[int(index)]
        board = self.board
        start = r.applied_s
        if after_event:
            seen = [t for e, t in zip(board.events, board.event_times)
                    if e.get('event') == after_event and t >= r.applied_s]
            if not seen:
                raise AssertionError(f'fault {r.kind} at {r.applied_s}: no {after_event} event after it')
            start = seen[0]
        resets = [x for x in board.resets if x['time'] >= r.applied_s - 1e-9]
        if not resets or resets[0]['reason'] != reason or resets[0]['time'] - start > float(within_s):
            raise AssertionError(f'fault {r.kind} at {r.applied_s}: expected a {reason} reset within '
                                 f'{within_s} s of {after_event or "it"} (at {start}), resets after it: {resets}')
        return resets[0]['time'] - start

    def capture_should_run_after_the_last_boot(self):
        """After the last boot the firmware processes audio again (a kws_stats with samples)."""
        board = self.board
        n = len(board.events)
        board.ask('s', '"kws_stats"', 0.5)
        stats = [e for e in board.events[n:] if e.get('event') == 'kws_stats']
        if not stats or int(stats[-1]['samples']) <= 0:
            raise AssertionError(f'no audio processed after the last boot: {stats}')
        return stats[-1]
