"""Robot keywords for the commands images on the simulated board: a synthetic voice held out
of all phone-model training says a command (after the wake phrase for the lights image,
alone for the push-to-talk images); the board prints one "intent" event, which must name the
intent and slots the context gives that phrase, within the latency budget; a real sentence
of a held-out speaker must not be taken for a command."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'tools'))  # robot runs this file outside the tools' path

import numpy as np  # noqa: E402

from h7voice import events as ev  # noqa: E402
from h7voice import paths  # noqa: E402

IMAGES = ('commands_lights', 'commands_thermostat', 'commands_media')
LATENCY_MS = 300


class CommandsLibrary:
    ROBOT_LIBRARY_SCOPE = 'SUITE'

    def __init__(self):
        self.events = []

    def commands_images_should_be_built(self):
        for name in IMAGES:
            elf = paths.app_image('commands').replace('commands.elf', f'{name}.elf')
            if not os.path.exists(elf):
                raise AssertionError(f'{paths.rel(elf)} is missing: build it with h7voice build firmware '
                                     f'(needs models/phones.tflite)')

    def _play(self, image, audio):
        from h7sim import Board
        from h7voice.events import parse_console
        elf = paths.app_image('commands').replace('commands.elf', f'{image}.elf')
        board = Board(elf)
        try:
            board.spi2.play(audio)
            board.run(seconds=len(audio) / 16000.0 + 0.1)
            lines, faults = list(board.uart_lines), list(board.faults)
        finally:
            board.close()
        if faults:
            raise AssertionError(f"the board faulted: {faults[0]}")
        self.events, _ = parse_console('\n'.join(lines))
        for e in self.events:
            if e.get('event') in ('wake', 'intent', 'action', 'error'):
                print(f'*INFO* {e}')
        errors = ev.of_kind(self.events, 'error')
        if errors:
            raise AssertionError(f'the image stopped: {errors[0]}')

    def held_out_voice_says(self, image, engine, voice, text, wake=''):
        """Plays `wake` (if any), a pause, then `text`, said by a held-out voice."""
        from h7intent.bench import Voices, held_out_voices
        if (engine, voice) not in held_out_voices():
            raise AssertionError(f'{engine} {voice} is not a held-out voice ({held_out_voices()})')
        rng = np.random.default_rng(16)
        v = Voices()
        quiet = lambda s: np.zeros(int(s * 16000), np.int16)  # noqa: E731
        parts = [quiet(0.4)]
        if wake:
            parts += [v.say(engine, voice, wake, rng), quiet(0.5)]
        parts += [v.say(engine, voice, text, rng), quiet(0.6)]
        self._play(image, np.concatenate(parts))

    def held_out_real_sentence_is_played(self, image):
        """The shortest real sentence of a held-out speaker (h7phones.dataset split) that the
        out-of-context benchmark uses too."""
        from h7frontend import wav
        from h7intent.bench import reject_jobs
        files = sorted({j['file'] for j in reject_jobs('eval')}, key=os.path.getsize)
        x = wav.load(files[0]).samples
        print(f'*INFO* {paths.rel(files[0])} ({len(x) / 16000:.1f} s)')
        self._play(image, np.concatenate([np.zeros(6400, np.int16), x, np.zeros(9600, np.int16)]))

    def the_intent_should_be(self, intent, **slots):
        got = ev.of_kind(self.events, 'intent')
        if len(got) != 1:
            raise AssertionError(f'expected one intent event, got {got}')
        e = got[0]
        want = None if intent in ('null', 'None') else intent
        if e.get('intent') != want or (want is not None and e.get('slots') != slots):
            raise AssertionError(f'expected {want} {slots}, the board said {e}')

    def no_command_should_be_taken(self):
        taken = [e for e in ev.of_kind(self.events, 'intent') if e.get('intent') is not None]
        if taken:
            raise AssertionError(f'out-of-context speech was taken for a command: {taken}')

    def the_wake_phrase_should_have_fired_once(self):
        n = len(ev.of_kind(self.events, 'wake'))
        if n != 1:
            raise AssertionError(f'expected one wake event, got {n}')

    def the_latency_should_be_within_budget(self):
        e = ev.last(self.events, 'intent')
        if e is None or e.get('latency_ms', 10 ** 6) > LATENCY_MS:
            raise AssertionError(f'end of speech -> intent event over {LATENCY_MS} ms: {e}')

    def an_action_should_say(self, text):
        said = [e.get('text') for e in ev.of_kind(self.events, 'action')]
        if text not in said:
            raise AssertionError(f'no action event {text!r}: {said}')
