"""Google Speech Commands v2 in its standard folder layout, mapped to the 12-class task.

    <root>/<word>/<speaker>_nohash_<n>.wav     1 s, 16 kHz, 16-bit mono clips
    <root>/_background_noise_/*.wav            long noise recordings (-> "silence")
    <root>/validation_list.txt, testing_list.txt   relative paths of those subsets

Keywords keep their label, every other word is "unknown", and 1 s slices of the
background noise are "silence" (one per 10 keyword clips, like the standard recipe).
"""
import os

import numpy as np

from .vocab import KEYWORDS, LABELS, SILENCE, UNKNOWN
from .wavio import AudioError, read_wav

WINDOW = 16000
NOISE_DIR = '_background_noise_'


def _read_list(root, name):
    path = os.path.join(root, name)
    if not os.path.exists(path):
        return set()
    with open(path) as f:
        return {line.strip().replace('\\', '/') for line in f if line.strip()}


def load_speech_commands(root, subset='testing', limit=0, seed=0):
    """Returns dict(x=int16 (N, 16000), y=label indices, files=[...], counts={label: n}).

    subset: 'training', 'validation' or 'testing' (membership from the list files).
    limit: at most this many clips per label (0 = all).
    """
    if subset not in ('training', 'validation', 'testing'):
        raise ValueError(f'subset must be training, validation or testing, not {subset!r}')
    if not os.path.isdir(root):
        raise ValueError(f'{root}: no such folder (expected Speech Commands v2: '
                         f'<root>/<word>/*.wav with validation_list.txt and testing_list.txt)')
    validation = _read_list(root, 'validation_list.txt')
    testing = _read_list(root, 'testing_list.txt')
    words = sorted(d for d in os.listdir(root)
                   if os.path.isdir(os.path.join(root, d)) and not d.startswith('_'))
    if not words:
        raise ValueError(f'{root}: no word folders found')
    rng = np.random.default_rng(seed)
    xs, ys, files = [], [], []
    counts = {label: 0 for label in LABELS}
    for word in words:
        label = word if word in KEYWORDS else UNKNOWN
        for name in sorted(os.listdir(os.path.join(root, word))):
            if not name.endswith('.wav'):
                continue
            rel = f'{word}/{name}'
            member = ('validation' if rel in validation else
                      'testing' if rel in testing else 'training')
            if member != subset or (limit and counts[label] >= limit):
                continue
            path = os.path.join(root, word, name)
            try:
                audio = read_wav(path, allow_clipped=True)
            except AudioError as err:
                raise AudioError(f'Speech Commands clip unusable: {err}') from None
            clip = np.zeros(WINDOW, np.int16)
            clip[:min(len(audio), WINDOW)] = audio[:WINDOW]
            xs.append(clip)
            ys.append(LABELS.index(label))
            files.append(rel)
            counts[label] += 1
    noise_dir = os.path.join(root, NOISE_DIR)
    n_silence = max(1, sum(counts[k] for k in KEYWORDS) // 10)
    if limit:
        n_silence = min(n_silence, limit)
    noises = []
    if os.path.isdir(noise_dir):
        noises = [read_wav(os.path.join(noise_dir, f), allow_clipped=True)
                  for f in sorted(os.listdir(noise_dir)) if f.endswith('.wav')]
        noises = [n for n in noises if len(n) >= WINDOW]
    for i in range(n_silence if noises else 0):
        noise = noises[i % len(noises)]
        start = int(rng.integers(0, len(noise) - WINDOW + 1))
        xs.append(noise[start:start + WINDOW].copy())
        ys.append(LABELS.index(SILENCE))
        files.append(f'{NOISE_DIR}#{i}')
        counts[SILENCE] += 1
    if not xs:
        raise ValueError(f'{root}: no clips in subset {subset!r}')
    return {'x': np.stack(xs), 'y': np.asarray(ys, np.int32), 'files': files, 'counts': counts}
