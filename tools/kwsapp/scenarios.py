"""Test recordings for the keyword firmware, made with our own data tools (h7data: espeak-ng
with word timings) and written as 16 kHz WAV + ground-truth JSON. Deterministic: the same
name gives the same audio, so Robot suites can make them on the fly (they are not
committed; the demo recording in models/recordings/ is).

    python -m kwsapp scenario commands --out build/kws_audio/commands.wav
"""
import json
import os

import numpy as np

from h7data import vocab
from h7data.wavio import atomic_write_text, write_wav

RATE = 16000


def _tts():
    from h7data.espeak import Espeak
    if not hasattr(_tts, 'engine'):
        _tts.engine = Espeak(fresh=True)  # the same name gives the same audio in any process
    return _tts.engine


def _quiet(rng, seconds, level_dbfs=-70.0):
    """Room tone: white noise far below any speech, so the VAD has a floor to learn."""
    n = int(seconds * RATE)
    return rng.normal(0.0, 10 ** (level_dbfs / 20.0), n)


class Track:
    """Audio assembled piece by piece, with the ground truth of the words placed."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.parts = []
        self.length = 0
        self.words = []

    def pause(self, seconds):
        self._add(_quiet(self.rng, seconds))

    def say(self, text, voice='en-us+f3', rate=160, level=0.5, label=True):
        audio, words = _tts().synthesize(text, voice, rate)
        x = audio.astype(np.float64) / 32768.0
        peak = np.max(np.abs(x)) or 1.0
        x = x * (level / peak)
        offset_ms = 1000.0 * self.length / RATE
        if label:
            for w, s, e in words:
                self.words.append({'word': w, 'start_ms': round(offset_ms + s, 1),
                                   'end_ms': round(offset_ms + e, 1)})
        self._add(x + _quiet(self.rng, len(x) / RATE))

    def noise(self, seconds, level_dbfs=-12.0):
        self._add(self.rng.normal(0.0, 10 ** (level_dbfs / 20.0), int(seconds * RATE)))

    def _add(self, x):
        self.parts.append(np.asarray(x, dtype=np.float64))
        self.length += len(x)

    def write(self, wav_path, description):
        write_wav(wav_path, np.concatenate(self.parts))
        truth = {'description': description, 'sample_rate': RATE,
                 'duration_ms': round(1000.0 * self.length / RATE, 1), 'words': self.words}
        json_path = os.path.splitext(wav_path)[0] + '.json'
        atomic_write_text(json_path, json.dumps(truth, indent=1) + '\n')
        return json_path


# espeak-ng voices the default model was not trained on (models/kws_default.json,
# "held_out_voices"), so the suites do not test on training voices.
HELD_OUT_VOICES = ('en-us+f3', 'en-us+m7')


def commands(t):
    """Every command word once, in two held-out voices, with 1.2 s pauses."""
    t.pause(1.0)
    for i, word in enumerate(vocab.KEYWORDS):
        t.say(word, voice=HELD_OUT_VOICES[i % 2])
        t.pause(1.2)
    return 'ten commands with pauses'


def quick_commands(t):
    """Commands 0.4 s apart: two words inside one model window."""
    t.pause(1.0)
    for word in ('yes', 'no', 'on', 'off', 'up', 'down'):
        t.say(word)
        t.pause(0.4)
    t.pause(1.0)
    return 'six commands 0.4 s apart'


def silence(t):
    """60 s of room tone: no speech at all."""
    t.pause(60.0)
    return 'room tone only'


def loud_noise(t):
    """Continuous loud white noise."""
    t.pause(1.0)
    t.noise(20.0, level_dbfs=-10.0)
    t.pause(1.0)
    return 'continuous loud noise'


def non_keywords(t):
    """Sentences and single words that are not commands."""
    t.pause(1.0)
    for text in vocab.PHRASES[:6]:
        t.say(text, label=True)
        t.pause(1.0)
    for word in ('bird', 'house', 'seven', 'water', 'table', 'music'):
        t.say(word)
        t.pause(1.0)
    return 'speech without command words'


def sleep_wake(t):
    """A command, 8 s of silence (the board must enter Stop after 5 s), another command."""
    t.pause(1.0)
    t.say('on')
    t.pause(8.0)
    t.say('off')
    t.pause(1.5)
    return 'command, 8 s silence, command'


def rapid(t):
    """Commands spoken at 350 words/min with no pauses: faster than the model's hop."""
    t.pause(1.0)
    t.say(' '.join(vocab.KEYWORDS * 2), rate=350)
    t.pause(1.0)
    return 'rapid speech'


def long_run(t):
    """60 s with commands every few seconds and silence between (sample-loss check)."""
    t.pause(1.0)
    words = list(vocab.KEYWORDS) * 2
    for i, word in enumerate(words):
        t.say(word, voice=HELD_OUT_VOICES[i % 2])
        t.pause(2.4)
    remaining = 60.0 - t.length / RATE
    if remaining > 0:
        t.pause(remaining)
    return '60 s with twenty commands'


def hostile(t):
    """60 s of everything that must give no detection: room tone, continuous loud noise,
    sentences and single words that are not commands, speech far faster than the model's
    hop, and a long silence (Stop)."""
    t.pause(2.0)
    t.noise(10.0, level_dbfs=-10.0)
    t.pause(2.0)
    for text in ('the weather is nice today', 'please call me back later',
                 'seven happy birds flew over the house'):
        t.say(text)
        t.pause(1.0)
    for word in ('bird', 'house', 'water', 'music'):
        t.say(word)
        t.pause(1.0)
    t.say('seven happy birds flew over the house and the cat sat by the window', rate=380)
    t.pause(max(0.0, 60.0 - t.length / RATE))
    return 'noise, non-command speech, rapid speech, silence (60 s)'


SCENARIOS = {f.__name__: f for f in (commands, quick_commands, silence, loud_noise,
                                      non_keywords, sleep_wake, rapid, long_run, hostile)}


def make(name, wav_path, seed=7):
    """Writes scenario `name` to wav_path (+ .json ground truth); returns the JSON path.

    Made in a fresh process: espeak-ng keeps state from one utterance to the next inside a
    process (the same text twice gives different samples, also after espeak_Initialize), so
    a second recording made in the same process (a Robot suite making several) would
    depend on what was synthesized before it. A fresh process gives the same bytes every
    time."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}")
    import subprocess
    import sys
    tools = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (tools, os.environ.get('PYTHONPATH')) if p))
    # (a child interpreter by command line, not multiprocessing: a caller's script without a
    # __main__ guard would be run again by a spawned child)
    r = subprocess.run([sys.executable, '-m', 'kwsapp', 'scenario', name, '--out', wav_path, '--seed', str(seed),
                        '--here'], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f'making scenario {name!r} failed: {(r.stderr or r.stdout).strip()[-800:]}')
    return os.path.splitext(wav_path)[0] + '.json'


def make_here(name, wav_path, seed=7):
    """make() in this process (its synthesis depends on what espeak-ng said before here)."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}")
    t = Track(seed)
    description = SCENARIOS[name](t)
    return t.write(wav_path, description)
