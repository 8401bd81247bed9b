"""Robot keywords for the align image on the simulated board: a real recording and its
transcript in, the board's word lines out, judged against the host build of the same C and
against the reference boundaries (tools/h7align)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'tools'))  # robot runs this file outside the tools' path

from h7align import align as A  # noqa: E402
from h7align import bench  # noqa: E402
from h7align import board as B  # noqa: E402
from h7align import pronounce as PR  # noqa: E402
from h7align import record as R  # noqa: E402
from h7frontend import wav  # noqa: E402
from h7voice import paths  # noqa: E402


class AlignLibrary:
    ROBOT_LIBRARY_SCOPE = 'SUITE'

    def __init__(self):
        self.events = self.log = self.host_log = None
        self.samples = self.text = self.ref = None

    def align_image_should_be_built(self):
        elf = paths.app_image('align')
        if not os.path.exists(elf):
            raise AssertionError(f'{paths.rel(elf)} is missing: build it with h7voice build firmware '
                                 '(it needs models/phones.tflite)')

    def use_ljspeech_clip(self, utt, seconds=None):
        """A real utterance of ljspeech_aligned with its transcript and MFA boundaries; with
        `seconds`, its first seconds and the words that end in them (keeps the suite fast)."""
        for u, path, text, ref in bench.corpus_ljspeech():
            if u == utt:
                x = wav.load(path).samples
                if seconds is not None:
                    n = int(float(seconds) * 16000)
                    x, ref = x[:n], [r for r in ref if r[2] * 16000 <= n]
                    text = ' '.join(w for w, _, _ in ref)
                self.samples, self.text, self.ref = x, text, ref
                return
        raise AssertionError(f'{utt} is not in ljspeech_aligned')

    def align_on_the_board(self, text=None, samples=None):
        text = self.text if text is None else text
        x = self.samples if samples is None else samples
        self.events, _ = B.run(x, text, phones=True)

    def align_on_the_board_with_the_governor(self, wait='low', busy=None):
        """opp auto: 50 hops measured from 64 MHz up, then the governor's point; between hops
        the core waits at 16 MHz (wait low, the default) or at the computing point (wait same).
        busy: the most of a hop's 20 ms the work may take, in % (opp auto P; default 80)."""
        opp = 'auto' if busy is None else f'auto {int(busy)}'
        self.events, summary = B.run(self.samples, self.text, phones=True, opp=opp, wait=wait)
        self.energy = getattr(self, 'energy', {})
        self.energy[wait] = summary['joules']

    def governor_should_pick_its_cheapest_point_and_wait_at(self, mhz):
        from h7voice import events as ev
        gov, done = ev.last(self.events, 'governor'), B.done_event(self.events)
        if not gov or not done:
            raise AssertionError(f'no governor or align_done event: {self.events[-3:]}')
        ok = [p for p in gov['points'] if p['mA'] >= 0]
        best = min(ok, key=lambda p: p['mA'])['mhz']
        if gov['chosen_mhz'] != best or done['mhz'] != best:
            raise AssertionError(f'governor chose {gov["chosen_mhz"]} MHz (ran at {done["mhz"]}), its cheapest '
                                 f'point is {best}: {gov}')
        if gov['wait_mhz'] != int(mhz) or done['wait_mhz'] != int(mhz):
            raise AssertionError(f'waits at {gov["wait_mhz"]} / {done["wait_mhz"]} MHz, not {mhz}')
        if done['lost_samples']:
            raise AssertionError(f'{done["lost_samples"]} samples lost')
        hops = done['frames']
        if int(mhz) != done['mhz'] and done['opp_switches'] < hops:
            raise AssertionError(f'{done["opp_switches"]} point switches for {hops} hops: it does not wait at {mhz} MHz')

    def governor_should_have_measured_at(self, mhz, step_ups):
        """The point the governor's last measured hop ran at, and how many times a hop over
        its budget moved the measurement one point faster (from 64 MHz)."""
        from h7voice import events as ev
        gov = ev.last(self.events, 'governor')
        if not gov:
            raise AssertionError(f'no governor event: {self.events[-3:]}')
        if (gov['measured_mhz'], gov['step_ups']) != (int(mhz), int(step_ups)):
            raise AssertionError(f'measured at {gov["measured_mhz"]} MHz after {gov["step_ups"]} step-ups, '
                                 f'expected {mhz} MHz after {step_ups}: {gov}')

    def waiting_low_should_cost_less_than_waiting_at_the_computing_point(self):
        low, same = self.energy['low'], self.energy['same']
        if not low < same:
            raise AssertionError(f'waiting at 16 MHz {1e3 * low:.1f} mJ, at the computing point {1e3 * same:.1f} mJ')
        print(f'*INFO* energy from go: waiting at 16 MHz {1e3 * low:.1f} mJ, at the computing point {1e3 * same:.1f} mJ')

    def align_silence_on_the_board(self, text, seconds):
        import numpy as np
        self.align_on_the_board(text, np.zeros(int(float(seconds) * 16000), dtype=np.int16))

    def words_should_equal_the_host_build(self):
        board = B.result_of(self.events)
        host = A.Aligner().align(self.samples, self.text)
        if board != host:
            raise AssertionError(f'board {board["words"]} != host {host["words"]}')

    def word_boundaries_should_be_within(self, ms):
        words = B.result_of(self.events)['words']
        errs = bench.boundary_errors(words, self.ref)
        if len(errs) != 2 * len(self.ref):
            raise AssertionError(f'{len(words)} words aligned, the reference has {len(self.ref)}')
        worst = max(errs)
        if worst > float(ms):
            raise AssertionError(f'a boundary is {worst:.0f} ms from the reference (limit {ms} ms): {words}')

    def pronunciation_report_should_equal_the_host_build(self):
        """h7voice pronounce --board's report from the board's word, phone (GOP) and vad lines
        of the last run equals the host's report of the same take (the verdict logic is the
        one in h7align.pronounce; every number in it comes from the board)."""
        board = PR.report(B.result_of(self.events), R.board_segments(self.events, len(self.samples) / 16000.0))
        host = PR.analyse(A.Aligner(), self.samples, self.text)
        if board != host:
            raise AssertionError(f'board {board} != host {host}')

    def record_on_the_board(self):
        """h7voice record --board: the current clip twice, each with half a second of silence
        before it (and the host's log of the same audio)."""
        import numpy as np
        sil = np.zeros(8000, np.int16)
        x = np.concatenate([sil, self.samples, sil, self.samples, sil])
        self.log, self.host_log = R.log_board(x), R.log(x)

    def record_two_sentences_finding(self, *phrases, threshold=None, stop=False):
        """h7voice record --board --find: LJ001-0002 and LJ001-0008 (two sentences of a speaker
        the phone model never trained on), each after a second of silence, the phrases searched
        by the board while it records (and the host's log of the same audio). stop: with Stop
        between the segments (record --board --stop --find); the host's hits are then those of
        the stretches the board heard (record.find_in_stretches, placed by the simulator's
        truth of where each capture began)."""
        import numpy as np
        sil = np.zeros(16000, np.int16)
        self.use_ljspeech_clip('LJ001-0008')
        later = self.samples
        self.use_ljspeech_clip('LJ001-0002')
        self.offset_s = (2 * len(sil) + len(self.samples)) / 16000.0   # where LJ001-0008 starts
        x = np.concatenate([sil, self.samples, sil, later, sil])
        th = None if threshold is None else float(threshold)
        raw = []
        self.log = R.log_board(x, list(phrases), threshold=th, stop=str(stop).lower() in ('true', '1'), raw=raw)
        self.host_log = R.log(x, list(phrases), threshold=th)
        events, summ = raw[0]
        self.stretch_hits = R.find_in_stretches(x, R.board_stretches(events, summ['captures_first_sample'], len(x)),
                                                events, list(phrases), th)

    def recorder_hits_should_equal_the_host_on_the_stretches_heard(self):
        hits, search = self.stretch_hits
        if self.log['found'] != hits or self.log['search'] != search:
            raise AssertionError(f'board {self.log["found"]} {self.log["search"]} != host {hits} {search}')

    def recorder_should_find_once_at_the_reference(self, phrase, utt, ms):
        """phrase found exactly once, starting within ms of its first word's Montreal Forced
        Aligner start in utt (the second sentence), and nothing lost by the search."""
        from h7align import bench
        ref = next(w for u, _, _, w in bench.corpus_ljspeech() if u == utt)
        first = phrase.split()[0]
        start = next(s for word, s, _ in ref if word.lower() == first) + self.offset_s
        hits = [h for h in self.log['found'] if h['phrase'] == phrase]
        if len(hits) != 1 or abs(hits[0]['start_s'] - start) * 1000 > float(ms):
            raise AssertionError(f'{phrase!r}: {hits}, expected one at {start:.3f} s (within {ms} ms)')
        if self.log['search']['frames_lost'] or self.log['search']['segments_lost']:
            raise AssertionError(f'the search lost frames or segments: {self.log["search"]}')

    def recorder_should_not_find(self, phrase):
        hits = [h for h in self.log['found'] if h['phrase'] == phrase]
        if hits:
            raise AssertionError(f'{phrase!r} is not said, found {hits}')

    def send_the_board(self, *lines):
        """Console lines to the align image as they are (then `end` and `record`), past the
        host's own checks: the board's answer to bad input is in self.events."""
        from h7align import board as B
        self.events, _ = B.run(self.samples, '', phones=False, record=True, raw_lines=list(lines))

    def board_should_have_searched_for(self, n):
        """The recording ran to its end searching for n phrases (align_started, find_done)."""
        started = [e for e in self.events if e.get('event') == 'align_started']
        done = [e for e in self.events if e.get('event') == 'find_done']
        if len(started) != 1 or started[0].get('phrases') != int(n) or len(done) != 1:
            raise AssertionError(f'expected a recording searching for {n} phrases: {started} {done}')

    def record_on_the_board_with_stop(self, lsi_hz=None):
        """h7voice record --board --stop: the current clip twice with a second of silence
        between (Stop there, woken by the microphone's wake-on-sound output). lsi_hz: the
        simulated part's LSI (default the nominal 32 kHz)."""
        import numpy as np
        sil = np.zeros(16000, np.int16)
        x = np.concatenate([sil[:8000], self.samples, sil, self.samples, sil])
        self.log = R.log_board(x, stop=True, lsi_hz=lsi_hz)
        self.host_log = R.log(x)

    def recorder_should_have_stopped(self, times, min_seconds):
        if self.log.get('stops') != int(times) or self.log['stopped_s'] < float(min_seconds):
            raise AssertionError(f'stops {self.log.get("stops")}, {self.log.get("stopped_s")} s in Stop '
                                 f'(expected {times}, at least {min_seconds} s)')

    def recorder_segments_should_be_within_of_the_host(self, ms):
        """Stop loses the sound before the capture resumes: a segment may start up to one hop
        later than on the host, which hears everything."""
        b, h = self.log['segments'], self.host_log['segments']
        worst = max(round(abs(x[k] - y[k]) * 1000) for x, y in zip(b, h) for k in ('start_s', 'end_s')) if b else None
        if len(b) != len(h) or worst > float(ms):
            raise AssertionError(f'board {b} vs host {h} (limit {ms} ms)')

    def recorder_log_should_equal_the_host_build(self):
        if self.log != self.host_log:
            raise AssertionError(f'board {self.log} != host {self.host_log}')

    def recorder_should_find_segments(self, n):
        if len(self.log['segments']) != int(n):
            raise AssertionError(f'{len(self.log["segments"])} speech segments, expected {n}: {self.log["segments"]}')

    def board_should_report_error(self, part, words_allowed=False):
        """One align_error naming `part`, no fault; no word line unless words_allowed (a
        streaming board prints the words that became final before the audio ran out)."""
        err = [e for e in self.events if e.get('event') == 'align_error']
        if len(err) != 1 or part not in err[0].get('message', ''):
            raise AssertionError(f'expected one align_error with {part!r}, got {err}')
        kinds = ('fault',) if str(words_allowed).lower() in ('true', '1', 'yes') else ('word', 'fault')
        if any(e.get('event') in kinds for e in self.events):
            raise AssertionError(f'{" or ".join(kinds)} lines came with the error')
