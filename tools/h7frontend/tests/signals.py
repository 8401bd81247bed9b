"""Test signals for the front-end tests (deterministic)."""
import numpy as np

RATE = 16000


def to_int16(x):
    return np.clip(np.round(x), -32768, 32767).astype(np.int16)


def speech_like(seconds=1.0, seed=0, level=8000.0):
    """Voiced bursts: a 120-220 Hz pulse train through formant-like resonances, with gaps."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    pitch = 150 + 50 * np.sin(2 * np.pi * 1.3 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    x = sum(np.sin(k * phase) / k for k in range(1, 25))
    spectrum = np.fft.rfft(x)
    f = np.fft.rfftfreq(n, 1 / RATE)
    for formant, bw in ((700, 130), (1200, 150), (2600, 250)):
        spectrum *= 1 + 4 / (1 + ((f - formant) / bw) ** 2)
    x = np.fft.irfft(spectrum, n)
    envelope = (np.sin(2 * np.pi * 2.5 * t) > -0.2).astype(float)
    x = x * envelope + 0.01 * rng.standard_normal(n)
    return to_int16(x / np.abs(x).max() * level)


def white_noise(seconds=1.0, seed=1, rms=3000.0):
    return to_int16(np.random.default_rng(seed).standard_normal(int(seconds * RATE)) * rms)


def chirp(seconds=1.0, level=10000.0):
    t = np.arange(int(seconds * RATE)) / RATE
    return to_int16(level * np.sin(2 * np.pi * (50 * t + 3900 * t ** 2 / 2 / seconds)))
