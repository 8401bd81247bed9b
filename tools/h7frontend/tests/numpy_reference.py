"""An independent float64 NumPy/SciPy implementation of the front end, for tests ONLY.

It is written from the definitions (and tf.signal's documented behaviour), not from the C,
so agreement means both are right. Never use it to make training features: the C library
is the one implementation (h7frontend.features).
"""
import numpy as np
import scipy.fft


def hz_to_mel(hz):
    return 1127.0 * np.log1p(np.asarray(hz, np.float64) / 700.0)


def mel_matrix(v):
    bins = v['fft_length'] // 2 + 1
    freqs = np.linspace(0.0, v['sample_rate_hz'] / 2.0, bins)
    edges = np.linspace(hz_to_mel(v['mel_low_hz']), hz_to_mel(v['mel_high_hz']), v['mel_bands'] + 2)
    mel = hz_to_mel(freqs)[:, None]
    lower, center, upper = edges[:-2][None], edges[1:-1][None], edges[2:][None]
    weights = np.maximum(0.0, np.minimum((mel - lower) / (center - lower),
                                         (upper - mel) / (upper - center)))
    weights[0, :] = 0.0  # DC excluded
    return weights  # [bins, bands]


def features(samples, v, clip=True):
    x = np.asarray(samples, np.float64)
    if clip and v['clip_normalization'] == 'peak' and x.max() > 0:
        x = x / x.max()
    else:
        x = x * v['sample_scale']
    n, hop = v['window_length'], v['hop_length']
    count = 1 + (len(x) - n) // hop if len(x) >= n else 0
    frames = np.stack([x[i * hop:i * hop + n] for i in range(count)])
    a0 = 0.54 if v['window'] == 'hamming' else 0.5
    window = a0 - (1 - a0) * np.cos(2 * np.pi * np.arange(n) / n)
    spectrum = np.abs(np.fft.rfft(frames * window, n=v['fft_length']))
    if v['spectrum'] == 'power':
        spectrum = spectrum ** 2
    log_mel = np.log(spectrum @ mel_matrix(v) + v['log_offset'])
    if v['output'] == 'log_mel':
        return log_mel
    mfcc = scipy.fft.dct(log_mel, type=2, axis=-1) / np.sqrt(2.0 * v['mel_bands'])
    return mfcc[:, :v['mfcc_count']]
