"""Long recordings made of synthetic utterances with known word timings: the demo
recording (keywords between pauses) and hours-scale negative audio for false alarms."""
import numpy as np

from . import augment as A
from .vocab import PHRASES, UNKNOWN_WORDS
from .wavio import SAMPLE_RATE


def _engine_clip(requests, engine):
    """[(text, voice, stretch)] -> [(int16 audio, words)] from one held-out engine."""
    if engine == 'festival':
        from .engines import Festival
        return Festival().synthesize_many(requests)
    if engine == 'flite':
        from .engines import Flite
        f = Flite()
        return [f.synthesize(t, v, s) for t, v, s in requests]
    from .dataset import _espeak_all      # a fresh worker process: deterministic audio
    return _espeak_all([(t, v, {'rate': int(175 / s), 'pitch': 50, 'pitch_range': 50})
                        for t, v, s in requests])


def concatenate(clips, rng, pause_ms=(400, 1200), lead_ms=500, level_db=(-12, -3)):
    """Clips with random pauses between them; returns (int16 audio, [(word, start, end)])."""
    pieces, words, pos = [np.zeros(lead_ms * SAMPLE_RATE // 1000, np.float32)], [], lead_ms * SAMPLE_RATE // 1000
    for audio, w in clips:
        x = audio.astype(np.float32) / 32768.0
        x = x / (np.abs(x).max() + 1e-9) * 10 ** (rng.uniform(*level_db) / 20)
        for word, s, e in w:
            words.append((word, int(pos * 1000 / SAMPLE_RATE + s), int(pos * 1000 / SAMPLE_RATE + e)))
        pieces.append(x)
        pos += len(x)
        gap = np.zeros(int(rng.uniform(*pause_ms) * SAMPLE_RATE / 1000), np.float32)
        pieces.append(gap)
        pos += len(gap)
    y = np.concatenate(pieces)
    return y, words


def add_room_and_noise(y, rng, snr_db=25.0, reverb=True):
    if reverb:
        y = A.reverb(y, rng, rt60=0.3)
    noise = A.colored_noise(rng, len(y), 'pink')
    y = A.add_noise(y, noise, snr_db)
    y = y / max(1.0, np.abs(y).max() / 0.9)
    return np.clip(np.round(y * 32767), -32768, 32767).astype(np.int16)


def negative_audio(minutes, seed, engines=('festival', 'flite'), snr_db=25.0):
    """Speech without any keyword (phrases and unknown words from voices held out of
    training), with pauses, light reverb and noise. Returns (int16 audio, words)."""
    rng = np.random.default_rng([seed, 4242])
    target = int(minutes * 60 * SAMPLE_RATE)
    requests = {'festival': [], 'flite': []}
    total_s = 0.0
    while total_s < minutes * 60:
        engine = engines[int(rng.integers(len(engines)))]
        if rng.random() < 0.6:
            text = PHRASES[int(rng.integers(len(PHRASES)))]
            est = 0.35 * len(text.split()) + 0.8
        else:
            text = ' '.join(UNKNOWN_WORDS[int(i)] for i in rng.integers(len(UNKNOWN_WORDS), size=3))
            est = 2.0
        voice = ('ked', 'slt_hts')[int(rng.integers(2))] if engine == 'festival' else 'slt'
        requests[engine].append((text, voice, float(rng.uniform(0.85, 1.2))))
        total_s += est
    clips = []
    for engine, reqs in requests.items():
        if reqs:
            clips += _engine_clip(reqs, engine)
    order = rng.permutation(len(clips))
    y, words = concatenate([clips[i] for i in order], rng, pause_ms=(200, 900))
    return add_room_and_noise(y[:target], rng, snr_db), [w for w in words if w[2] * 16 <= target]


def keyword_audio(count, seed, snr_db=25.0):
    """`count` keywords from voices held out of training (festival ked / slt HTS, flite
    slt), each alone between pauses, with reverb and noise. Returns (int16 audio, words)."""
    from .vocab import KEYWORDS
    rng = np.random.default_rng([seed, 5151])
    requests = {'festival': [], 'flite': []}
    for i in range(count):
        word = KEYWORDS[i % len(KEYWORDS)]
        if rng.random() < 0.6:
            requests['festival'].append((word, ('ked', 'slt_hts')[int(rng.integers(2))],
                                         float(rng.uniform(0.85, 1.2))))
        else:
            requests['flite'].append((word, 'slt', float(rng.uniform(0.85, 1.2))))
    clips = []
    for engine, reqs in requests.items():
        if reqs:
            clips += _engine_clip(reqs, engine)
    order = rng.permutation(len(clips))
    y, words = concatenate([clips[i] for i in order], rng, pause_ms=(900, 1500))
    return add_room_and_noise(y, rng, snr_db), words
