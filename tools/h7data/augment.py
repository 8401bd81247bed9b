"""Waveform augmentation (deterministic from a numpy Generator) and SpecAugment.

Waveforms are float32 in [-1, 1) at 16 kHz. Every function takes the Generator it draws
from, so a dataset built from a seed is the same every time.
"""
import numpy as np
from scipy.signal import fftconvolve, resample_poly, stft, istft, lfilter

from .wavio import SAMPLE_RATE


def speed(x, factor):
    """Plays x faster (factor > 1) or slower: tempo and pitch change together."""
    if abs(factor - 1.0) < 1e-3:
        return x
    up = 100
    down = int(round(100 * factor))
    return resample_poly(x, up, down).astype(np.float32)


def formant_warp(x, alpha):
    """Vocal-tract-length perturbation: warps the spectral envelope by alpha (0.85-1.15)
    with a piecewise-linear frequency map (VTLP), keeping the duration."""
    if abs(alpha - 1.0) < 1e-3:
        return x
    n = 512
    _, _, spec = stft(x, nperseg=n, noverlap=n - 128)
    bins = spec.shape[0]
    f = np.arange(bins, dtype=np.float64)
    cut = 0.8 * (bins - 1)
    # Source bin for each output bin: linear below the knee, then to Nyquist.
    knee = cut / alpha if alpha > 1 else cut
    src = np.where(f <= knee * alpha, f / alpha,
                   knee + (f - knee * alpha) * ((bins - 1) - knee) / max((bins - 1) - knee * alpha, 1e-6))
    src = np.clip(src, 0, bins - 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, bins - 1)
    w = (src - lo)[:, None]
    mag = np.abs(spec)
    warped = (1 - w) * mag[lo] + w * mag[hi]
    _, y = istft(warped * np.exp(1j * np.angle(spec)), nperseg=n, noverlap=n - 128)
    y = y[:len(x)]
    if len(y) < len(x):
        y = np.pad(y, (0, len(x) - len(y)))
    return y.astype(np.float32)


def room_impulse(rng, rt60=None):
    """A simulated room: direct path, a few early reflections and an exponentially
    decaying diffuse tail with reverberation time rt60 (s)."""
    rt60 = rng.uniform(0.15, 0.7) if rt60 is None else rt60
    length = int(SAMPLE_RATE * min(rt60, 0.8))
    t = np.arange(length) / SAMPLE_RATE
    tail = rng.standard_normal(length) * np.exp(-6.9 * t / rt60)
    tail = lfilter([1.0], [1.0, -0.6], tail)          # walls absorb highs
    h = 0.3 * tail / (np.abs(tail).max() + 1e-9)
    h[0] = 1.0
    for _ in range(rng.integers(2, 6)):
        h[rng.integers(int(0.002 * SAMPLE_RATE), int(0.03 * SAMPLE_RATE))] += rng.uniform(0.2, 0.6)
    return (h / np.sqrt(np.sum(h ** 2))).astype(np.float32)


def reverb(x, rng, rt60=None):
    y = fftconvolve(x, room_impulse(rng, rt60))[:len(x)]
    return (y * (np.abs(x).max() / (np.abs(y).max() + 1e-9))).astype(np.float32)


def colored_noise(rng, n, color=None):
    """White, pink or brown noise, unit RMS."""
    color = color or rng.choice(['white', 'pink', 'brown'])
    white = rng.standard_normal(n)
    if color == 'white':
        y = white
    else:
        spec = np.fft.rfft(white)
        f = np.arange(len(spec), dtype=np.float64)
        f[0] = 1.0
        spec /= np.sqrt(f) if color == 'pink' else f
        y = np.fft.irfft(spec, n)
    return (y / (np.sqrt(np.mean(y ** 2)) + 1e-12)).astype(np.float32)


def hum(rng, n):
    """Mains hum: 50 or 60 Hz with decaying harmonics, unit RMS."""
    base = rng.choice([50.0, 60.0])
    t = np.arange(n) / SAMPLE_RATE
    y = sum(rng.uniform(0.2, 1.0) / k * np.sin(2 * np.pi * base * k * t + rng.uniform(0, 6.3))
            for k in range(1, 8))
    y = y + 0.05 * rng.standard_normal(n)
    return (y / np.sqrt(np.mean(y ** 2))).astype(np.float32)


def babble(rng, n, speech_pool, talkers=None):
    """Several other utterances summed at random offsets, unit RMS."""
    talkers = talkers or int(rng.integers(3, 7))
    y = np.zeros(n, np.float32)
    for _ in range(talkers):
        clip = speech_pool[int(rng.integers(len(speech_pool)))]
        clip = clip.astype(np.float32) / 32768.0 if clip.dtype == np.int16 else clip
        off = int(rng.integers(-len(clip) // 2, n))
        a, b = max(off, 0), min(off + len(clip), n)
        if b > a:
            y[a:b] += clip[a - off:b - off] * rng.uniform(0.5, 1.0)
    rms = np.sqrt(np.mean(y ** 2))
    return y / rms if rms > 0 else colored_noise(rng, n, 'pink')


def non_speech(rng, n):
    """Sounds that are not speech: tones, chirps, clicks, bursts; unit RMS."""
    t = np.arange(n) / SAMPLE_RATE
    kind = rng.integers(4)
    if kind == 0:
        y = np.sin(2 * np.pi * rng.uniform(200, 4000) * t)
    elif kind == 1:
        f0, f1 = rng.uniform(100, 6000, 2)
        y = np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t ** 2 / 2))
    elif kind == 2:
        y = np.zeros(n)
        for p in rng.integers(0, n - 200, rng.integers(3, 30)):
            y[p:p + 200] += rng.standard_normal(200) * np.exp(-np.arange(200) / 30)
    else:
        y = colored_noise(rng, n) * (np.sin(2 * np.pi * rng.uniform(1, 8) * t) > 0)
    rms = np.sqrt(np.mean(y ** 2))
    return (y / rms if rms > 0 else colored_noise(rng, n)).astype(np.float32)


def add_noise(x, noise, snr_db):
    """x + noise scaled so that the speech-to-noise ratio is snr_db (speech RMS measured
    where the speech is, so short words do not get buried)."""
    active = x[np.abs(x) > 0.05 * (np.abs(x).max() + 1e-9)]
    p_speech = np.mean(active ** 2) if active.size else np.mean(x ** 2)
    p_noise = np.mean(noise ** 2) + 1e-12
    return (x + noise * np.sqrt(p_speech / p_noise / 10 ** (snr_db / 10))).astype(np.float32)


def place(x, words, length, rng, max_shift_ms=150, target=None):
    """Cuts/pads x to length samples so the target word sits inside, shifted randomly.

    words: [(word, start_ms, end_ms)]; target: index of the word to keep (default: the
    whole utterance). Returns (window, start offset of x in the window)."""
    if words:
        w = words[target] if target is not None else (None, words[0][1], words[-1][2])
        s, e = int(w[1] * SAMPLE_RATE / 1000), int(w[2] * SAMPLE_RATE / 1000)
    else:
        s, e = 0, len(x)
    s, e = max(0, min(s, len(x))), max(0, min(e, len(x)))
    span = max(e - s, 1)
    centre = (s + e) // 2
    shift = int(rng.integers(-max_shift_ms, max_shift_ms + 1)) * SAMPLE_RATE // 1000
    slack = max(0, (length - span) // 2)
    shift = int(np.clip(shift, -slack, slack))
    offset = length // 2 + shift - centre      # where x[0] lands in the window
    out = np.zeros(length, np.float32)
    a, b = max(offset, 0), min(offset + len(x), length)
    if b > a:
        out[a:b] = x[a - offset:b - offset]
    return out, offset


def spec_augment(features, rng, time_masks=2, time_width=6, freq_masks=1, freq_width=2):
    """SpecAugment on a (frames, coefficients) feature map: masks set to the map's mean."""
    f = features.copy()
    fill = f.mean()
    frames, coeffs = f.shape
    for _ in range(time_masks):
        w = int(rng.integers(0, time_width + 1))
        t0 = int(rng.integers(0, max(frames - w, 1)))
        f[t0:t0 + w, :] = fill
    for _ in range(freq_masks):
        w = int(rng.integers(0, freq_width + 1))
        c0 = int(rng.integers(0, max(coeffs - w, 1)))
        f[:, c0:c0 + w] = fill
    return f
