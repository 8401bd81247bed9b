"""The bundled demo recording: keywords separated by pauses, from an engine held out of
training (festival), with light room reverb and noise, and its word-level ground truth."""
import json
import os

import numpy as np

from .longaudio import _engine_clip, add_room_and_noise, concatenate
from .vocab import KEYWORDS
from .wavio import atomic_write_text, write_wav

DEMO_SCRIPT = (('yes', 'ked'), ('go', 'slt_hts'), ('left', 'ked'), ('hello', 'slt_hts'),
               ('stop', 'ked'), ('right', 'slt_hts'), ('down', 'ked'), ('off', 'slt_hts'),
               ('no', 'ked'), ('up', 'slt_hts'))


def make_demo(out_wav, seed=1):
    rng = np.random.default_rng([seed, 777])
    clips = _engine_clip([(w, v, 1.0) for w, v in DEMO_SCRIPT], 'festival')
    y, words = concatenate(clips, rng, pause_ms=(450, 750), lead_ms=600, level_db=(-6, -3))
    audio = add_room_and_noise(y, rng, snr_db=30.0, reverb=False)
    write_wav(out_wav, audio)
    truth = {
        'wav': os.path.basename(out_wav), 'sample_rate_hz': 16000,
        'source': 'festival (ked diphone, slt HTS): an engine held out of training; '
                  'made by python -m h7data demo --seed %d' % seed,
        'words': [{'word': w, 'start_ms': s, 'end_ms': e, 'keyword': w in KEYWORDS}
                  for w, s, e in words]}
    path = os.path.splitext(out_wav)[0] + '.json'
    atomic_write_text(path, json.dumps(truth, indent=2) + '\n')
    return {'duration_s': len(audio) / 16000, 'words': words, 'json': path}
