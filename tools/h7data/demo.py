"""The bundled demo recording: keywords separated by pauses, from voices held out of
training, with light noise, and its word-level ground truth.

engine='espeak' (default) uses espeak-ng variants that training never saw (m7, steph);
engine='festival' uses the engine held out of training entirely (harder: see the report)."""
import json
import os

import numpy as np

from .longaudio import _engine_clip, add_room_and_noise, concatenate
from .vocab import KEYWORDS
from .wavio import atomic_write_text, write_wav

DEMO_WORDS = ('yes', 'go', 'left', 'hello', 'stop', 'right', 'down', 'off', 'no', 'up')
DEMO_VOICES = {'festival': ('ked', 'slt_hts'), 'espeak': ('en-us+m7', 'en-gb-x-rp+steph')}


def make_demo(out_wav, seed=1, engine='espeak'):
    rng = np.random.default_rng([seed, 777])
    voices = DEMO_VOICES[engine]
    clips = _engine_clip([(w, voices[i % 2], 1.0) for i, w in enumerate(DEMO_WORDS)], engine)
    y, words = concatenate(clips, rng, pause_ms=(450, 750), lead_ms=600, level_db=(-6, -3))
    audio = add_room_and_noise(y, rng, snr_db=30.0, reverb=False)
    write_wav(out_wav, audio)
    truth = {
        'wav': os.path.basename(out_wav), 'sample_rate_hz': 16000,
        'source': f'{engine} voices {", ".join(voices)} (held out of training); made by '
                  f'python -m h7data demo --seed {seed} --engine {engine}',
        'words': [{'word': w, 'start_ms': s, 'end_ms': e, 'keyword': w in KEYWORDS}
                  for w, s, e in words]}
    path = os.path.splitext(out_wav)[0] + '.json'
    atomic_write_text(path, json.dumps(truth, indent=2) + '\n')
    return {'duration_s': len(audio) / 16000, 'words': words, 'json': path}
