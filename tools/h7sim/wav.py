"""WAV input for the simulated microphone: 16 kHz mono 16-bit PCM.

Other WAVs are converted (stereo -> left channel, other sample widths -> 16-bit, other
rates -> 16 kHz by polyphase resampling) and a note says so; files that are not WAV are
refused with a clear message."""
import math

import numpy as np

from .errors import SimError

RATE = 16000


def load_wav(path, strict=False):
    """Returns (int16 samples at 16 kHz, note or None)."""
    from scipy.io import wavfile
    try:
        rate, data = wavfile.read(path)
    except FileNotFoundError:
        raise SimError(f'WAV file not found: {path}')
    except (ValueError, OSError, EOFError) as exc:
        raise SimError(f'{path}: not a readable WAV file ({exc})')
    notes = []
    if data.ndim == 2:
        notes.append(f'{data.shape[1]} channels -> left channel')
        data = data[:, 0]
    if data.dtype == np.int16:
        samples = data
    elif data.dtype == np.uint8:
        notes.append('8-bit -> 16-bit')
        samples = ((data.astype(np.int16) - 128) << 8)
    elif data.dtype == np.int32:
        notes.append('32-bit (or 24-bit) -> 16-bit')
        samples = (data >> 16).astype(np.int16)
    elif data.dtype in (np.float32, np.float64):
        notes.append('float -> 16-bit')
        samples = np.clip(np.round(data * 32767), -32768, 32767).astype(np.int16)
    else:
        raise SimError(f'{path}: unsupported WAV sample type {data.dtype}')
    if rate != RATE:
        from scipy.signal import resample_poly
        g = math.gcd(int(rate), RATE)
        notes.append(f'{rate} Hz -> {RATE} Hz')
        resampled = resample_poly(samples.astype(np.float64), RATE // g, int(rate) // g)
        samples = np.clip(np.round(resampled), -32768, 32767).astype(np.int16)
    if notes and strict:
        raise SimError(f'{path}: the microphone needs 16 kHz mono 16-bit PCM; this file needs conversion '
                       f'({", ".join(notes)}). Convert it, e.g.: sox {path} -r 16000 -c 1 -b 16 out.wav')
    note = f'note: {path} converted for the 16 kHz mono 16-bit microphone: {", ".join(notes)}' if notes else None
    return samples, note
