"""The one WAV reader (h7frontend.wav): every encoding sox writes comes back as the same
16-bit mono samples, conversions are announced, untrustworthy files are refused in one line."""
import shutil
import struct
import subprocess

import numpy as np
import pytest

from h7frontend.wav import WavFormatError, load, read_wav, write_wav

SOX = shutil.which('sox')


@pytest.fixture
def speech(tmp_path):
    """0.5 s of a chirp with harmonics, 16 kHz 16-bit mono, and its path."""
    t = np.arange(8000) / 16000.0
    x = 0.4 * np.sin(2 * np.pi * (200 + 600 * t) * t) + 0.1 * np.sin(2 * np.pi * 1700 * t)
    samples = np.round(x * 32767).astype(np.int16)
    path = tmp_path / 'ref.wav'
    write_wav(str(path), samples)
    return samples, path


def test_16bit_mono_is_read_exactly_with_no_note(speech):
    samples, path = speech
    audio = load(path)
    assert audio.note is None
    assert np.array_equal(audio.samples, samples)


@pytest.mark.parametrize('options, note', [
    (['-b', '24'], '24-bit PCM -> 16-bit'),
    (['-b', '32'], '32-bit PCM -> 16-bit'),
    (['-e', 'floating-point', '-b', '32'], '32-bit float -> 16-bit'),
    (['-e', 'floating-point', '-b', '64'], '64-bit float -> 16-bit'),
    (['-c', '2'], '2 channels mixed to mono'),
])
def test_wider_formats_and_channels_convert_losslessly_and_say_so(speech, tmp_path, options, note):
    samples, path = speech
    out = tmp_path / 'converted.wav'
    subprocess.run([SOX, str(path)] + options + [str(out)], check=True)
    audio = load(out)
    assert note in audio.note
    assert np.array_equal(audio.samples, samples)


def test_extensible_header_and_8bit_and_resampling(speech, tmp_path):
    samples, path = speech
    ext = tmp_path / 'ext.wav'
    subprocess.run([SOX, str(path), '-b', '24', '-t', 'wavpcm', str(ext)], check=True)
    assert np.array_equal(load(ext).samples, samples)
    eight = tmp_path / 'eight.wav'
    subprocess.run([SOX, str(path), '-b', '8', str(eight)], check=True)
    assert np.abs(load(eight).samples.astype(int) - samples).max() <= 512  # two 8-bit steps: sox dithers
    hi = tmp_path / 'hi.wav'
    subprocess.run([SOX, str(path), '-r', '48000', str(hi)], check=True)
    audio = load(hi)
    assert 'resampled 48000 Hz -> 16000 Hz' in audio.note
    assert abs(len(audio.samples) - len(samples)) <= 1
    with pytest.raises(WavFormatError, match='needs conversion'):
        load(hi, strict=True)


def _header(data_bytes, claimed=None, channels=1, bits=16, rate=16000, tag=1):
    block = channels * bits // 8
    fmt = struct.pack('<HHIIHH', tag, channels, rate, rate * block, block, bits)
    size = data_bytes if claimed is None else claimed
    return (b'RIFF' + struct.pack('<I', min(36 + size, 0xFFFFFFFF)) + b'WAVE' + b'fmt ' + struct.pack('<I', 16)
            + fmt + b'data' + struct.pack('<I', size))


@pytest.mark.parametrize('content, message', [
    (b'', 'not a WAV file'),
    (b'hello world, not audio at all', 'not a WAV file'),
    (_header(0) , 'no audio'),
    (_header(3200, claimed=2_000_000_000) + bytes(3200), 'header claims'),
    (_header(3200, bits=12) + bytes(3200), 'not supported'),
    (b'RIFF\0\0\0\0WAVEfmt ', 'no fmt chunk'),
])
def test_untrustworthy_files_are_refused_in_one_line(tmp_path, content, message):
    path = tmp_path / 'bad.wav'
    path.write_bytes(content)
    with pytest.raises(WavFormatError, match=message) as err:
        load(path)
    assert '\n' not in str(err.value)


def test_streaming_header_reads_to_the_end_and_minimum_length(tmp_path):
    path = tmp_path / 'stream.wav'
    path.write_bytes(_header(0, claimed=0xFFFFFFFF) + np.arange(1600, dtype='<i2').tobytes())
    assert len(read_wav(path)) == 1600
    with pytest.raises(WavFormatError, match='too short'):
        load(path, min_seconds=0.5)


def test_nan_float_samples_are_refused(tmp_path):
    path = tmp_path / 'nan.wav'
    data = np.array([0.0, np.nan, 0.5, 0.1], dtype='<f4').tobytes()
    path.write_bytes(_header(len(data), bits=32, tag=3) + data)
    with pytest.raises(WavFormatError, match='NaN'):
        load(path)


def test_flac_as_the_shared_real_speech_is_stored(speech, tmp_path):
    samples, path = speech
    flac = tmp_path / 'ref.flac'
    subprocess.run([SOX, str(path), str(flac)], check=True)
    audio = load(flac)
    assert audio.note is None and np.array_equal(audio.samples, samples)
    (tmp_path / 'bad.flac').write_bytes(b'fLaC' + bytes(40))
    with pytest.raises(WavFormatError, match='not a readable FLAC'):
        load(tmp_path / 'bad.flac')
