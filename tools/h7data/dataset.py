"""Cached, seeded dataset builds: clean TTS clips -> augmented 1 s windows with labels.

Splits (voices never cross them):
  train        espeak-ng voices (all English languages x most variants) + flite kal,
               kal16, awb, rms; heavy augmentation
  val          same engines/voices as train, other draws (early stopping, calibration)
  test_voices  held-out voices: espeak-ng variants never trained on + flite slt
  test_engine  festival (ked diphone, slt HTS): an engine held out of training entirely
Test windows get time shift and gain only; noise robustness is measured separately by
sweeping the SNR (see noisy()).
"""
import hashlib
import json
import os

import numpy as np
from tqdm import tqdm

from . import augment as A
from .vocab import KEYWORDS, LABELS, PHRASES, SILENCE, UNKNOWN, UNKNOWN_WORDS
from .wavio import SAMPLE_RATE, atomic_write_bytes

VERSION = 5
WINDOW = SAMPLE_RATE  # 1 s
HELD_OUT_ESPEAK_VARIANTS = ('f3', 'm7', 'Annie', 'steph', 'klatt3', 'rob', 'travis', 'belinda')
TRAIN_FLITE = ('kal', 'kal16', 'awb', 'rms')
HELD_OUT_FLITE = ('slt',)
FESTIVAL = ('ked', 'slt_hts')


def cache_dir():
    return os.environ.get('H7_DATA_CACHE',
                          os.path.join(os.path.expanduser('~'), '.cache', 'h7voice', 'data'))


def _espeak_voices(held_out):
    from .espeak import LANGUAGES, VARIANTS
    variants = [v for v in VARIANTS if (v in HELD_OUT_ESPEAK_VARIANTS) == held_out]
    return [f'{lang}+{v}' for lang in LANGUAGES for v in variants]


def plan(split, per_word, seed):
    """The clean utterances of a split: [(engine, voice, text, params, label)]."""
    rng = np.random.default_rng([seed, hash(split) % (2 ** 31) if False else
                                 int(hashlib.sha1(split.encode()).hexdigest()[:8], 16)])
    items = []
    n_unknown = 3 * per_word

    def texts():
        for w in KEYWORDS:
            for _ in range(per_word):
                yield w, w
        for _ in range(n_unknown):
            if rng.random() < 0.15:
                ph = PHRASES[rng.integers(len(PHRASES))].split()
                a = int(rng.integers(0, max(len(ph) - 1, 1)))
                yield ' '.join(ph[a:a + 2]), UNKNOWN
            else:
                yield UNKNOWN_WORDS[rng.integers(len(UNKNOWN_WORDS))], UNKNOWN

    if split in ('train', 'val', 'test_voices'):
        held = split == 'test_voices'
        espeak_voices = _espeak_voices(held)
        flite_voices = HELD_OUT_FLITE if held else TRAIN_FLITE
        for text, label in texts():
            if rng.random() < (0.35 if not held else 0.4):
                voice = flite_voices[rng.integers(len(flite_voices))]
                # shift: voice made higher (formants and pitch x shift, duration kept) by
                # synthesizing slower and resampling faster: flite's training voices are
                # all male, this gives them female/child-like vocal tracts.
                shift = 1.0 if held or rng.random() < 0.45 else float(rng.uniform(1.08, 1.38))
                params = {'stretch': float(rng.uniform(0.75, 1.4)) * shift,
                          'f0': float(rng.choice([0, rng.uniform(80, 220)])) / shift,
                          'shift': shift}
                items.append(('flite', voice, text, params, label))
            else:
                voice = espeak_voices[rng.integers(len(espeak_voices))]
                shift = 1.0 if held or rng.random() < 0.7 else float(rng.uniform(0.85, 1.3))
                params = {'rate': int(rng.integers(110, 260) / shift),
                          'pitch': int(rng.integers(15, 85)),
                          'pitch_range': int(rng.integers(10, 90)), 'shift': shift}
                items.append(('espeak', voice, text, params, label))
    elif split == 'test_engine':
        for text, label in texts():
            items.append(('festival', FESTIVAL[rng.integers(len(FESTIVAL))], text,
                          {'stretch': float(rng.uniform(0.8, 1.3))}, label))
    else:
        raise ValueError(f'unknown split {split!r}')
    return items


def _espeak_all(jobs):
    """espeak-ng's output depends on what it synthesized before (its wave generator keeps
    state between utterances), so a split's espeak-ng clips are made by a fresh process
    whose history is only that split: the same audio for the same seed, whatever ran
    before in the calling process."""
    import subprocess
    import sys
    import tempfile
    tools = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory(prefix='h7espeak-') as tmp:
        with open(os.path.join(tmp, 'jobs.json'), 'w') as f:
            json.dump(jobs, f)
        env = dict(os.environ, PYTHONPATH=tools + os.pathsep + os.environ.get('PYTHONPATH', ''))
        run = subprocess.run([sys.executable, '-m', 'h7data.espeak', os.path.join(tmp, 'jobs.json'),
                              os.path.join(tmp, 'out.npz')], env=env, capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f'espeak-ng worker failed: {run.stderr.strip()[-600:]}')
        with np.load(os.path.join(tmp, 'out.npz'), allow_pickle=False) as z:
            lengths, audio = z['lengths'], z['audio']
            words = json.loads(str(z['words']))
    clips, pos = [], 0
    for n, w in zip(lengths, words):
        clips.append((audio[pos:pos + n], [tuple(x) for x in w]))
        pos += n
    return clips


def synthesize(items, desc='synthesizing'):
    """Runs the engines: [(int16 audio, words)] in the order of items."""
    out = [None] * len(items)
    esp_idx = [i for i, it in enumerate(items) if it[0] == 'espeak']
    if esp_idx:
        print(f'{desc}: {len(esp_idx)} clips from espeak-ng (in a fresh process)', flush=True)
        results = _espeak_all([(items[i][2], items[i][1], items[i][3]) for i in esp_idx])
        for i, r in zip(esp_idx, results):
            out[i] = r
    flite = None
    fl_idx = [i for i, it in enumerate(items) if it[0] == 'flite']
    for i in tqdm(fl_idx, desc=f'{desc} (flite)', unit='clip', mininterval=2,
                  disable=len(fl_idx) < 200):
        engine, voice, text, p, _ = items[i]
        if flite is None:
            from .engines import Flite
            flite = Flite()
        out[i] = flite.synthesize(text, voice, p['stretch'], p['f0'])
    fest_idx = [i for i, it in enumerate(items) if it[0] == 'festival']
    if fest_idx:
        from .engines import Festival
        fest = Festival()
        for start in tqdm(range(0, len(fest_idx), 100), desc=f'{desc} (festival)',
                          mininterval=2, disable=len(fest_idx) < 200):
            chunk = fest_idx[start:start + 100]
            res = fest.synthesize_many([(items[i][2], items[i][1], items[i][3]['stretch'])
                                        for i in chunk])
            for i, r in zip(chunk, res):
                out[i] = r
    return out


def _augment_speech(x, words, rng, heavy, babble_pool, shift=1.0):
    x = x.astype(np.float32) / 32768.0
    x = x / (np.abs(x).max() + 1e-9) * 0.5
    if shift != 1.0:     # the clip was synthesized `shift` times slower: speed it up
        x = A.speed(x, shift)
        words = [(w, s / shift, e / shift) for w, s, e in words]
    if heavy:
        f = rng.uniform(0.85, 1.15)
        if rng.random() < 0.7:
            x = A.speed(x, f)
            words = [(w, s / f, e / f) for w, s, e in words]
        if rng.random() < 0.7:
            x = A.formant_warp(x, rng.uniform(0.8, 1.25))
        if rng.random() < 0.35:
            x = A.reverb(x, rng)
    target = None
    window, _ = A.place(x, words, WINDOW, rng, max_shift_ms=150 if heavy else 100,
                        target=target)
    if heavy and rng.random() < 0.8:
        kind = rng.choice(['colored', 'hum', 'babble', 'nonspeech'], p=[0.4, 0.15, 0.3, 0.15])
        noise = (A.colored_noise(rng, WINDOW) if kind == 'colored' else
                 A.hum(rng, WINDOW) if kind == 'hum' else
                 A.babble(rng, WINDOW, babble_pool) if kind == 'babble' else
                 A.non_speech(rng, WINDOW))
        window = A.add_noise(window, noise, rng.uniform(0, 30))
    gain = 10 ** (rng.uniform(-24, 0) / 20)
    window = window / (np.abs(window).max() + 1e-9) * 0.9 * gain
    return window


def _silence(rng, heavy):
    kind = rng.choice(['zero', 'colored', 'hum', 'nonspeech'], p=[0.1, 0.5, 0.2, 0.2])
    if kind == 'zero':
        return np.zeros(WINDOW, np.float32) + rng.standard_normal(WINDOW).astype(np.float32) * 1e-4
    noise = (A.colored_noise(rng, WINDOW) if kind == 'colored' else
             A.hum(rng, WINDOW) if kind == 'hum' else A.non_speech(rng, WINDOW))
    return noise * 10 ** (rng.uniform(-60, -12) / 20)


def build(split, per_word=60, copies=1, seed=0, heavy=None, progress=True):
    """Returns dict(x=int16 (N, 16000), y=int labels, meta=[...]) for a split, cached."""
    heavy = (split == 'train') if heavy is None else heavy
    key = hashlib.sha1(json.dumps([VERSION, split, per_word, copies, seed, heavy]).encode()
                       ).hexdigest()[:12]
    path = os.path.join(cache_dir(), f'{split}-{per_word}-{copies}-{seed}-{key}.npz')
    if os.path.exists(path):
        with np.load(path, allow_pickle=False) as z:
            return {'x': z['x'], 'y': z['y'], 'meta': json.loads(str(z['meta']))}
    items = plan(split, per_word, seed)
    clips = synthesize(items, desc=f'{split}: synthesizing')
    rng = np.random.default_rng([seed, 7, int(hashlib.sha1(split.encode()).hexdigest()[:8], 16)])
    babble_pool = [a for (a, _), it in zip(clips, items) if it[4] == UNKNOWN] or [a for a, _ in clips]
    xs, ys, meta = [], [], []
    for (audio, words), (engine, voice, text, params, label) in tqdm(
            list(zip(clips, items)), desc=f'{split}: augmenting', unit='clip', mininterval=2):
        for c in range(copies):
            if label == UNKNOWN and len(words) > 1:
                # a word cut out of a phrase, still not a keyword
                choice = int(rng.integers(len(words)))
                w = [words[choice]]
            else:
                w = words
            xs.append(_augment_speech(audio, w, rng, heavy, babble_pool, params.get('shift', 1.0)))
            ys.append(LABELS.index(label))
            meta.append({'engine': engine, 'voice': voice, 'text': text})
    n_silence = per_word * copies
    for _ in range(n_silence):
        xs.append(_silence(rng, heavy))
        ys.append(LABELS.index(SILENCE))
        meta.append({'engine': 'none', 'voice': 'none', 'text': ''})
    x = np.clip(np.round(np.stack(xs) * 32767), -32768, 32767).astype(np.int16)
    y = np.asarray(ys, np.int32)
    os.makedirs(cache_dir(), exist_ok=True)
    import io
    buf = io.BytesIO()
    np.savez(buf, x=x, y=y, meta=json.dumps(meta))
    atomic_write_bytes(path, buf.getvalue())
    return {'x': x, 'y': y, 'meta': meta}


def noisy(x, snr_db, seed, speech_pool):
    """The windows x (int16) with noise added at snr_db (colored, hum or babble, a third
    each). Windows without speech ("silence") get colored noise or hum at -40 dBFS, never
    babble: babble is speech, which would make them "unknown"."""
    rng = np.random.default_rng([seed, int(snr_db * 10) + 1000])
    out = np.empty_like(x)
    for i, w in enumerate(x):
        f = w.astype(np.float32) / 32768.0
        speech = np.abs(f).max() > 0.02
        kind = rng.choice(['colored', 'hum', 'babble'] if speech else ['colored', 'hum'])
        noise = (A.colored_noise(rng, WINDOW) if kind == 'colored' else
                 A.hum(rng, WINDOW) if kind == 'hum' else A.babble(rng, WINDOW, speech_pool))
        y = A.add_noise(f, noise, snr_db) if speech else f + noise * 0.01
        y = y / max(1.0, np.abs(y).max() / 0.95)
        out[i] = np.clip(np.round(y * 32767), -32768, 32767)
    return out
