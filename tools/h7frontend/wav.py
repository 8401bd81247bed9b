"""The one WAV reader of every h7voice tool (front end, data tools, simulator, demo).

Accepts RIFF/WAVE with PCM 8/16/24/32-bit, IEEE float 32/64-bit and WAVE_FORMAT_EXTENSIBLE
wrapping either, and FLAC (the real speech in ../shared/data; decoded by soundfile); returns int16 mono at the rate asked for. Conversions (channel mixing,
sample width, resampling) are allowed unless strict=True and are announced in one line
(`Audio.note`, printed by the tools). Files that cannot be trusted are refused with one
line that says why and what to do: not a WAV, an unknown encoding, no audio, shorter than
the caller's minimum, or a header that claims more audio than the file holds.
"""
import math
import os
import struct
import sys
import tempfile
from dataclasses import dataclass

import numpy as np

FORMAT_PCM, FORMAT_FLOAT, FORMAT_EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
# A data size of 0 or 0xFFFFFFFF is what streaming writers (sox or ffmpeg to a pipe) leave
# in the header: the audio runs to the end of the file.
STREAMING_SIZES = (0, 0xFFFFFFFF)


class WavFormatError(ValueError):
    """A WAV file a tool cannot take (the message says what is wrong and what to do)."""


@dataclass
class Audio:
    samples: np.ndarray          # int16, mono, at `rate`
    rate: int
    note: str | None             # one line describing conversions, None when none were needed
    source_rate: int
    source_channels: int
    source_format: str

    @property
    def seconds(self):
        return len(self.samples) / self.rate


def _convert_hint(path, rate):
    return f'convert it with: sox {path} -r {rate} -c 1 -b 16 out.wav'


def _chunks(data, path):
    """(id, offset, size) of each RIFF sub-chunk; sizes are clipped to the file only for
    the data chunk (checked by the caller)."""
    pos = 12
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack_from('<I', data, pos + 4)[0]
        yield cid, pos + 8, size
        if cid == b'data':
            return
        pos += 8 + size + (size & 1)


def _decode(path, data, rate_wanted):
    if len(data) < 12 or data[:4] not in (b'RIFF', b'RF64') or data[8:12] != b'WAVE':
        raise WavFormatError(f'{path}: not a WAV file (no RIFF/WAVE header); '
                             + _convert_hint(path, rate_wanted))
    fmt = None
    pcm = None
    for cid, off, size in _chunks(data, path):
        if cid == b'fmt ':
            if size < 16 or off + 16 > len(data):
                raise WavFormatError(f'{path}: the fmt chunk is truncated')
            tag, channels, rate, _, block, bits = struct.unpack_from('<HHIIHH', data, off)
            if tag == FORMAT_EXTENSIBLE:
                if size < 40 or off + 40 > len(data):
                    raise WavFormatError(f'{path}: WAVE_FORMAT_EXTENSIBLE without its sub-format')
                tag = struct.unpack_from('<H', data, off + 24)[0]  # first 2 bytes of the GUID
            fmt = (tag, channels, rate, block, bits)
        elif cid == b'data':
            if fmt is None:
                raise WavFormatError(f'{path}: the data chunk comes before the fmt chunk')
            available = len(data) - off
            if size in STREAMING_SIZES:
                size = available
            elif size > available:
                block = max(fmt[3], 1)
                claimed, held = size / block / max(fmt[2], 1), available / block / max(fmt[2], 1)
                raise WavFormatError(f'{path}: the header claims {claimed:.2f} s of audio but the '
                                     f'file holds {held:.2f} s (truncated or corrupt); '
                                     + _convert_hint(path, rate_wanted))
            pcm = data[off:off + size]
    if fmt is None:
        raise WavFormatError(f'{path}: no fmt chunk')
    if pcm is None:
        raise WavFormatError(f'{path}: no data chunk')
    tag, channels, rate, block, bits = fmt
    if channels < 1 or rate < 1000 or rate > 384000:
        raise WavFormatError(f'{path}: implausible header ({channels} channels, {rate} Hz)')
    kinds = {(FORMAT_PCM, 8): 'u1', (FORMAT_PCM, 16): '<i2', (FORMAT_PCM, 24): 'i3',
             (FORMAT_PCM, 32): '<i4', (FORMAT_FLOAT, 32): '<f4', (FORMAT_FLOAT, 64): '<f8'}
    kind = kinds.get((tag, bits))
    if kind is None:
        name = {FORMAT_PCM: 'PCM', FORMAT_FLOAT: 'float'}.get(tag, f'format 0x{tag:04x}')
        raise WavFormatError(f'{path}: {name} with {bits}-bit samples is not supported '
                             f'(PCM 8/16/24/32-bit and float 32/64-bit are); '
                             + _convert_hint(path, rate_wanted))
    width = bits // 8
    if block != width * channels:
        raise WavFormatError(f'{path}: inconsistent header (block align {block} for '
                             f'{channels} x {bits}-bit)')
    frames = len(pcm) // block
    pcm = pcm[:frames * block]
    if kind == 'i3':  # 24-bit little endian: widen to int32 with the sign in the top byte
        raw = np.frombuffer(pcm, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        x = ((raw[:, 0] << 8) | (raw[:, 1] << 16) | (raw[:, 2] << 24)).astype(np.float64) / 2**31
    elif kind == 'u1':
        x = (np.frombuffer(pcm, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    elif kind in ('<f4', '<f8'):
        x = np.frombuffer(pcm, dtype=kind).astype(np.float64)
        if not np.all(np.isfinite(x)):
            raise WavFormatError(f'{path}: float samples that are NaN or infinite')
    else:
        x = np.frombuffer(pcm, dtype=kind).astype(np.float64) / float(2 ** (bits - 1))
    x = x.reshape(frames, channels)
    name = {FORMAT_PCM: 'PCM', FORMAT_FLOAT: 'float'}[tag]
    return x, rate, channels, f'{bits}-bit {name}'


def _decode_flac(path):
    import soundfile
    try:
        info = soundfile.info(path)
        x = soundfile.read(path, dtype='float64', always_2d=True)[0]
    except (RuntimeError, soundfile.LibsndfileError) as e:
        raise WavFormatError(f'{path}: not a readable FLAC file ({e})') from None
    bits = {'PCM_16': 16, 'PCM_24': 24, 'PCM_S8': 8}.get(info.subtype, 0)
    # FLAC decodes to k / 2^(bits-1): 16-bit FLAC is exact like 16-bit PCM
    return x, info.samplerate, info.channels, f'{bits}-bit FLAC' if bits != 16 else '16-bit PCM'


def load(path, rate=16000, strict=False, min_seconds=None):
    """Reads any supported WAV as int16 mono at `rate` (an Audio). strict=True refuses a
    file that would need conversion instead of converting it."""
    path = str(path)
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except FileNotFoundError:
        raise WavFormatError(f'{path}: no such file') from None
    except IsADirectoryError:
        raise WavFormatError(f'{path}: is a folder, not a WAV file') from None
    except OSError as e:
        raise WavFormatError(f'{path}: cannot read ({e.strerror})') from None
    if data[:4] == b'fLaC':
        x, source_rate, channels, source_format = _decode_flac(path)
    else:
        x, source_rate, channels, source_format = _decode(path, data, rate)
    if len(x) == 0:
        raise WavFormatError(f'{path}: no audio (0 samples)')
    notes = []
    if channels > 1:
        notes.append(f'{channels} channels mixed to mono')
        x = x.mean(axis=1)
    else:
        x = x[:, 0]
    exact16 = source_format == '16-bit PCM'
    if not exact16:
        notes.append(f'{source_format} -> 16-bit')
    if source_rate != rate:
        from scipy.signal import resample_poly
        g = math.gcd(int(source_rate), int(rate))
        notes.append(f'resampled {source_rate} Hz -> {rate} Hz')
        x = resample_poly(x, rate // g, source_rate // g)
    if notes and strict:
        raise WavFormatError(f'{path}: needs 16-bit mono PCM at {rate} Hz, this file needs '
                             f'conversion ({", ".join(notes)}); ' + _convert_hint(path, rate))
    # x is in units of full scale (16-bit k -> k/32768), so 16-bit input comes back exactly
    samples = np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)
    seconds = len(samples) / rate
    if min_seconds is not None and seconds < min_seconds:
        raise WavFormatError(f'{path}: {seconds:.2f} s of audio is too short '
                             f'(at least {min_seconds:g} s is needed)')
    note = (f'note: {path} converted: {", ".join(notes)}') if notes else None
    return Audio(samples, rate, note, source_rate, channels, source_format)


def read_wav(path, sample_rate_hz=16000, strict=False, min_seconds=None, announce=True):
    """int16 mono samples at sample_rate_hz; a conversion is announced on stderr (one line)."""
    audio = load(path, sample_rate_hz, strict=strict, min_seconds=min_seconds)
    if audio.note and announce:
        print(audio.note, file=sys.stderr)
    return audio.samples


def write_wav(path, samples, sample_rate_hz=16000):
    """Writes int16 mono samples (to a temp file, then renames it into place)."""
    import wave
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
