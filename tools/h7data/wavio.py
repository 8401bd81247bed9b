"""WAV reading and writing for h7voice: 16 kHz mono 16-bit PCM, checked, written atomically.

Every tool reads audio through read_wav() so that a wrong sample rate, stereo, a
non-PCM file, an empty or a clipped recording is reported the same clear way.
"""
import os
import tempfile
import wave

import numpy as np

SAMPLE_RATE = 16000


class AudioError(ValueError):
    """A WAV file that h7voice cannot use as it is (the message says why and what to do)."""


def read_wav(path, expect_rate=SAMPLE_RATE, allow_clipped=False, clip_fraction=0.01):
    """Returns int16 samples of a 16 kHz mono 16-bit WAV; raises AudioError otherwise.

    A recording counts as clipped when more than clip_fraction of its samples sit at
    full scale: features of clipped speech are distorted, so callers must opt in.
    """
    try:
        with wave.open(str(path), 'rb') as w:
            channels, width, rate, frames = (w.getnchannels(), w.getsampwidth(),
                                             w.getframerate(), w.getnframes())
            data = w.readframes(frames)
    except FileNotFoundError:
        raise AudioError(f'{path}: no such file') from None
    except (wave.Error, EOFError) as err:
        raise AudioError(f'{path}: not a PCM WAV file ({err})') from None
    if width != 2:
        raise AudioError(f'{path}: {8 * width}-bit samples; need 16-bit PCM '
                         f'(convert with: sox in.wav -b 16 out.wav)')
    if channels != 1:
        raise AudioError(f'{path}: {channels} channels; need mono '
                         f'(convert with: sox in.wav -c 1 out.wav)')
    if expect_rate and rate != expect_rate:
        raise AudioError(f'{path}: sample rate {rate} Hz; need {expect_rate} Hz '
                         f'(convert with: sox in.wav -r {expect_rate} out.wav)')
    samples = np.frombuffer(data, dtype='<i2').astype(np.int16)
    if samples.size == 0:
        raise AudioError(f'{path}: empty (no samples)')
    if not allow_clipped:
        full_scale = np.count_nonzero((samples >= 32767) | (samples <= -32767))
        if full_scale > clip_fraction * samples.size:
            raise AudioError(f'{path}: clipped ({100.0 * full_scale / samples.size:.1f}% of '
                             f'samples at full scale); record at a lower gain')
    return samples


def write_wav(path, samples, rate=SAMPLE_RATE):
    """Writes mono 16-bit PCM via a temporary file and a rename (never half-written)."""
    samples = np.asarray(samples)
    if samples.dtype != np.int16:
        samples = to_int16(samples)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.tmp-', suffix='.wav', dir=directory)
    os.close(fd)
    try:
        with wave.open(tmp, 'wb') as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(samples.astype('<i2').tobytes())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def to_int16(x):
    """Float audio in [-1, 1) to int16 with saturation."""
    return np.clip(np.round(np.asarray(x, dtype=np.float64) * 32768.0), -32768, 32767).astype(np.int16)


def to_float(x):
    return np.asarray(x, dtype=np.float32) / 32768.0


def atomic_write_bytes(path, data):
    """Writes bytes via a temporary file and a rename."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.tmp-', dir=directory)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path, text):
    atomic_write_bytes(path, text.encode('utf-8'))
