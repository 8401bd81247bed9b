"""Robot keywords for the phone recognizer image on the simulated board: stream a held-out
real clip, compare every recognized phone and score with the host library (the code every
evaluation figure comes from), and check the refusal of a graph built for another phone set.
The board run and the comparison are h7phones.eval's (shared with `h7voice phones eval`)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'tools'))  # robot runs this file outside the tools' path

from h7voice import events as ev  # noqa: E402
from h7voice import paths  # noqa: E402

FOREIGN_ELF = os.path.join(os.path.dirname(paths.app_image('phones')), 'phones_foreign_graph.elf')


class PhonesLibrary:
    ROBOT_LIBRARY_SCOPE = 'SUITE'

    def __init__(self):
        self.run = None
        self.samples = None

    def phones_images_should_be_built(self):
        for elf in (paths.app_image('phones'), FOREIGN_ELF):
            if not os.path.exists(elf):
                raise AssertionError(f'{paths.rel(elf)} is missing: build it with h7voice build firmware '
                                     f'(needs models/phones.tflite)')

    def held_out_real_clip(self):
        """The first speech_commands_dev clip of a held-out speaker (h7phones.dataset), 1 s."""
        from h7phones import dataset
        items = [it for it in dataset.real_items('speech_commands_dev', split='eval', transcribed=True)
                 if it['text']]
        if not items:
            raise AssertionError('no held-out speech_commands_dev clip in ../shared/data')
        it = sorted(items, key=lambda i: i['file'])[0]
        print(f"*INFO* {paths.rel(it['file'])} (speaker {it['speaker']}, '{it['text']}')")
        return it['file']

    def run_phones_image_with(self, path, seconds=0.5, tail_s=0.06):
        """Streams the loudest `seconds` of the clip (the word; the suite must stay fast: the
        simulated board runs ~15 M instructions per wall second and the model ~1.8 M per 20 ms
        hop) plus tail_s of silence, then ends the utterance."""
        import numpy as np
        from h7phones import dataset, eval as pe
        x = dataset.read_audio(path)
        n, hop = int(float(seconds) * 16000), 320
        if len(x) > n:
            energy = np.convolve(x.astype(np.float64) ** 2, np.ones(n), 'valid')[::hop]
            start = int(np.argmax(energy)) * hop
            x = x[start:start + n]
            print(f'*INFO* streaming {start / 16000:.2f}-{(start + n) / 16000:.2f} s of the clip')
        self.samples = x
        self.run = pe.board_run(self.samples, tail_s=float(tail_s))
        if self.run['faults']:
            f = self.run['faults'][0]
            raise AssertionError(f"the board faulted: {f.get('kind')} in {f.get('function')}")
        phones = [e['phone'] for e in ev.of_kind(self.run['events'], 'phone')]
        print(f"*INFO* board phones: {' '.join(phones)}")

    def phones_and_scores_should_equal_the_host_library(self):
        """Every "phone" event (phone, frames, score) and the digest of every frame's 41 scores
        equal the host library's (libh7phones.so) over the same audio."""
        from h7phones import eval as pe
        from h7phones.acoustic import PhoneModel
        model = self._model_path()
        same, details = pe.compare_board_host(self.run, PhoneModel(model), self.samples)
        if not same:
            raise AssertionError(f'board and host library differ: {details}')
        print(f"*INFO* identical: {details['frames']} frames, {details['board_segments']} segments, "
              f"digest {details['board_digest']}")

    def board_should_report_cycles_per_hop(self):
        st = ev.last(self.run['events'], 'phones_stats')
        if st is None or not st.get('scored') or not st.get('hop_cycles_max'):
            raise AssertionError(f'no phones_stats with cycles per hop: {st}')
        print(f"*INFO* cycles per hop (front end + model): mean {st['hop_cycles_mean']}, max {st['hop_cycles_max']}")

    def foreign_graph_should_be_refused_naming_both_phone_sets(self):
        from h7phones.acoustic import FOREIGN_PHONESET
        from h7sim import Board
        from h7speech import phones
        board = Board(FOREIGN_ELF)
        try:
            board.run(seconds=0.2, until=lambda b: any(e.get('event') == 'error' for e in b.events))
            events = list(board.events)
        finally:
            board.close()
        errors = ev.of_kind(events, 'error')
        if not errors:
            raise AssertionError('the image with a foreign graph did not refuse it')
        detail = errors[0].get('detail', '')
        for name in (FOREIGN_PHONESET, phones.NAME):
            if name not in detail:
                raise AssertionError(f'the refusal does not name {name!r}: {detail}')
        if errors[0].get('what') != 'graph' or ev.of_kind(events, 'phones_ready'):
            raise AssertionError(f'expected a graph refusal before anything ran: {errors[0]}')
        print(f'*INFO* {detail}')

    def _model_path(self):
        boot = ev.of_kind(self.run['events'], 'boot')
        name = boot[0].get('model') if boot else None
        path = os.path.join(paths.MODELS, f'{name}.tflite')
        if not name or not os.path.exists(path):
            raise AssertionError(f'the image runs model {name!r}; {paths.rel(path)} is not there to compare with')
        return path
