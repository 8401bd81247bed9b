"""WAV files for the front end: 16-bit PCM mono at the configured rate, or a clear error."""
import os
import tempfile
import wave

import numpy as np


class WavFormatError(ValueError):
    """A WAV file the front end cannot take as it is (the message says what to do)."""


def read_wav(path, sample_rate_hz=16000):
    """Returns the samples of a 16-bit mono WAV file as an int16 array."""
    try:
        with wave.open(str(path), 'rb') as w:
            channels, width, rate, frames = (w.getnchannels(), w.getsampwidth(),
                                             w.getframerate(), w.getnframes())
            data = w.readframes(frames)
    except FileNotFoundError:
        raise WavFormatError(f'{path}: no such file') from None
    except (wave.Error, EOFError) as e:
        raise WavFormatError(f'{path}: not a PCM WAV file ({e}); convert it with: '
                             f'sox in.file -r {sample_rate_hz} -c 1 -b 16 out.wav') from None
    problems = []
    if rate != sample_rate_hz:
        problems.append(f'sample rate {rate} Hz (need {sample_rate_hz})')
    if channels != 1:
        problems.append(f'{channels} channels (need mono)')
    if width != 2:
        problems.append(f'{8 * width}-bit samples (need 16-bit)')
    if problems:
        raise WavFormatError(f'{path}: {", ".join(problems)}; convert it with: '
                             f'sox {path} -r {sample_rate_hz} -c 1 -b 16 out.wav')
    samples = np.frombuffer(data, dtype='<i2').astype(np.int16)
    if len(samples) != frames:
        raise WavFormatError(f'{path}: truncated ({len(samples)} of {frames} samples)')
    return samples


def write_wav(path, samples, sample_rate_hz=16000):
    """Writes int16 mono samples (to a temp file, then renames it into place)."""
    samples = np.asarray(samples)
    if samples.dtype != np.int16:
        raise TypeError('write_wav wants int16 samples')
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix='.wav', dir=directory)
    os.close(fd)
    try:
        with wave.open(tmp, 'wb') as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(sample_rate_hz)
            w.writeframes(samples.astype('<i2').tobytes())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
