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
from h7frontend import wav  # noqa: E402
from h7voice import paths  # noqa: E402


class AlignLibrary:
    ROBOT_LIBRARY_SCOPE = 'SUITE'

    def __init__(self):
        self.events = None
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

    def board_should_report_error(self, part, words_allowed=False):
        """One align_error naming `part`, no fault; no word line unless words_allowed (a
        streaming board prints the words that became final before the audio ran out)."""
        err = [e for e in self.events if e.get('event') == 'align_error']
        if len(err) != 1 or part not in err[0].get('message', ''):
            raise AssertionError(f'expected one align_error with {part!r}, got {err}')
        kinds = ('fault',) if str(words_allowed).lower() in ('true', '1', 'yes') else ('word', 'fault')
        if any(e.get('event') in kinds for e in self.events):
            raise AssertionError(f'{" or ".join(kinds)} lines came with the error')
