"""WAV reading and writing for the data tools: 16 kHz mono 16-bit PCM, checked, written atomically.

The format itself is read and written by the front end's one WAV module (h7frontend.wav);
this adds what the data tools also refuse (empty or clipped recordings), float-to-int16
conversion, and atomic writes of other files.
"""
import os
import tempfile

import numpy as np

from h7frontend import wav as frontend_wav
from h7frontend.wav import WavFormatError

SAMPLE_RATE = 16000


class AudioError(WavFormatError):
    """A WAV file that h7voice cannot use as it is (the message says why and what to do)."""


def read_wav(path, allow_clipped=False, clip_fraction=0.01):
    """Returns int16 samples of a 16 kHz mono 16-bit WAV; raises AudioError otherwise.

    The format is checked by the front end's reader (h7frontend.wav); on top of it, an
    empty recording is refused, and one counts as clipped when more than clip_fraction of
    its samples sit at full scale: features of clipped speech are distorted, so callers
    must opt in.
    """
    try:
        samples = frontend_wav.read_wav(path, SAMPLE_RATE)
    except AudioError:
        raise
    except WavFormatError as err:
        raise AudioError(str(err)) from None
    if samples.size == 0:
        raise AudioError(f'{path}: empty (no samples)')
    if not allow_clipped:
        full_scale = np.count_nonzero((samples >= 32767) | (samples <= -32767))
        if full_scale > clip_fraction * samples.size:
            raise AudioError(f'{path}: clipped ({100.0 * full_scale / samples.size:.1f}% of '
                             f'samples at full scale); record at a lower gain')
    return samples


def write_wav(path, samples, rate=SAMPLE_RATE):
    """Writes mono 16-bit PCM (float audio is saturated to int16), never half-written."""
    samples = np.asarray(samples)
    if samples.dtype != np.int16:
        samples = to_int16(samples)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    frontend_wav.write_wav(str(path), samples, rate)


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
