"""Robot keywords for the commands images on the simulated board: a synthetic voice held out
of all phone-model training says a command (after the wake phrase for the lights image,
alone for the push-to-talk images); the board's wake and intent events must be exactly what
the host build of the same C gives for the same audio (h7intent.engine.board_replica: the
phone model's pipeline, the C VAD, commands_listen.c: the code every benchmark figure comes
from), every command must be decided within the latency budget, and whether the decision is
the one the context gives that phrase is reported (accuracy itself is the benchmark's:
python -m h7intent.bench)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'tools'))  # robot runs this file outside the tools' path

import numpy as np  # noqa: E402

from h7voice import events as ev  # noqa: E402
from h7voice import paths  # noqa: E402

IMAGES = ('commands_lights', 'commands_thermostat', 'commands_media')
LATENCY_MS = 300
WALL_LIMIT_S = 900  # the simulation must reach the end even on busy shared cores


class CommandsLibrary:
    ROBOT_LIBRARY_SCOPE = 'SUITE'

    def __init__(self):
        self.events = []
        self.audio = None
        self.image = None
        self.wake = ''

    def commands_images_should_be_built(self):
        for name in IMAGES:
            elf = paths.app_image('commands').replace('commands.elf', f'{name}.elf')
            if not os.path.exists(elf):
                raise AssertionError(f'{paths.rel(elf)} is missing: build it with h7voice build firmware '
                                     f'(needs models/phones.tflite)')

    def _play(self, image, audio, wake=''):
        self.audio, self.image, self.wake = audio, image, wake
        from h7sim import Board
        from h7voice.events import parse_console
        elf = paths.app_image('commands').replace('commands.elf', f'{image}.elf')
        board = Board(elf, wall_limit=WALL_LIMIT_S)
        try:
            board.spi2.play(audio)
            reason = board.run(seconds=len(audio) / 16000.0 + 0.1)
            if reason != 'time':  # a run cut short would read as events the board never printed
                raise AssertionError(f'the simulated run ended early ({reason}) at {board.time:.2f} s of '
                                     f'{len(audio) / 16000.0 + 0.1:.2f} s')
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
        self._play(image, np.concatenate(parts), wake)

    def held_out_real_sentence_is_played(self, image):
        """The shortest real sentence of a held-out speaker (h7phones.dataset split) that the
        out-of-context benchmark uses too."""
        from h7frontend import wav
        from h7intent.bench import reject_jobs
        files = sorted({j['file'] for j in reject_jobs('eval')}, key=os.path.getsize)
        x = wav.load(files[0]).samples
        print(f'*INFO* {paths.rel(files[0])} ({len(x) / 16000:.1f} s)')
        self._play(image, np.concatenate([np.zeros(6400, np.int16), x, np.zeros(9600, np.int16)]))

    def the_board_should_decide_as_the_host_library(self):
        """Wake and intent events (intent, slots, score, first frame) equal the host replay."""
        from h7intent.engine import Intents, Wake, board_replica, phone_model
        context = os.path.join(paths.TOOLS, 'h7context', 'examples', self.image.split('_', 1)[1] + '.yml')
        model = phone_model()
        host = board_replica(Intents(context, model), model, self.audio,
                             wake=Wake(self.wake, 0.5, model) if self.wake else None)
        ms = int(round(model.frame_s * 1000))
        want = [(e['event'], e.get('intent'), e.get('slots'), e['score'], e['start'] * ms) for e in host]
        got = [(e['event'], e.get('intent'), e.get('slots'), e['score'], e['start_ms'])
               for e in self.events if e.get('event') in ('wake', 'intent')]
        if got != want:
            raise AssertionError(f'board {got} != host library {want}')
        heard = not self.wake or ev.of_kind(self.events, 'wake')
        if heard and not ev.of_kind(self.events, 'intent'):
            raise AssertionError('no intent event: the command was not decided')
        print(f'*INFO* board = host library: {got}')

    def report_the_decision_against(self, intent, **slots):
        """Logs whether the board's decision is what the context gives the phrase (the
        benchmark measures accuracy; one phrase here is an example, not a measurement)."""
        e = ev.last(self.events, 'intent') or {}
        right = e.get('intent') == intent and e.get('slots') == slots
        print(f"*INFO* said {intent} {slots}; the board decided {e.get('intent')} {e.get('slots')} "
              f"(score {e.get('score')}): {'right' if right else 'WRONG'}")

    def no_command_should_be_taken(self):
        taken = [e for e in ev.of_kind(self.events, 'intent') if e.get('intent') is not None]
        if taken:
            raise AssertionError(f'out-of-context speech was taken for a command: {taken}')

    def report_the_wake_phrase(self):
        """Logs whether the wake phrase fired (at most once: more is a failure); the
        benchmark measures how often it is found."""
        n = len(ev.of_kind(self.events, 'wake'))
        if n > 1:
            raise AssertionError(f'the wake phrase fired {n} times for one utterance')
        print(f"*INFO* wake phrase {'found' if n else 'NOT found'} (early model: see build/bench/intent.json)")

    def the_latency_should_be_within_budget(self):
        """Every command decided within LATENCY_MS of the end of speech (none decided: a
        wake phrase not found, reported above)."""
        for e in ev.of_kind(self.events, 'intent'):
            if e.get('latency_ms', 10 ** 6) > LATENCY_MS:
                raise AssertionError(f'end of speech -> intent event over {LATENCY_MS} ms: {e}')

    def an_action_should_say(self, text):
        said = [e.get('text') for e in ev.of_kind(self.events, 'action')]
        if text not in said:
            raise AssertionError(f'no action event {text!r}: {said}')
