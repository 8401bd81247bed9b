"""WAV reading (clear errors for the wrong format) and the command line."""
import json
import os
import subprocess
import sys
import wave

import numpy as np
import pytest

import h7frontend as fe
import signals
from h7frontend.__main__ import main

TOOLS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write_raw_wav(path, rate=16000, channels=1, width=2, frames=1600):
    with wave.open(str(path), 'wb') as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(b'\x00' * frames * channels * width)


def test_round_trip(tmp_path):
    x = signals.speech_like(0.5)
    fe.write_wav(str(tmp_path / 'a.wav'), x)
    assert np.array_equal(fe.read_wav(str(tmp_path / 'a.wav')), x)


@pytest.mark.parametrize('kwargs, message', [
    ({'rate': 44100}, 'resampled 44100 Hz -> 16000 Hz'),
    ({'channels': 2}, '2 channels mixed to mono'),
    ({'width': 1}, '8-bit PCM -> 16-bit'),
    ({'width': 4, 'channels': 2}, '2 channels.*32-bit'),
])
def test_strict_reading_names_the_conversion_and_how_to_do_it(tmp_path, kwargs, message):
    path = tmp_path / 'other.wav'
    write_raw_wav(path, **kwargs)
    with pytest.raises(fe.WavFormatError, match=message) as info:
        fe.read_wav(str(path), strict=True)
    assert 'sox' in str(info.value)
    assert len(fe.read_wav(str(path), announce=False)) > 0  # converted when not strict


def test_not_a_wav_and_missing_file(tmp_path):
    path = tmp_path / 'x.wav'
    path.write_bytes(b'not a wav file at all')
    with pytest.raises(fe.WavFormatError, match='not a WAV file'):
        fe.read_wav(str(path))
    with pytest.raises(fe.WavFormatError, match='no such file'):
        fe.read_wav(str(tmp_path / 'missing.wav'))


def test_float_samples_are_refused_with_a_hint():
    with pytest.raises(TypeError, match='int16'):
        fe.features(np.zeros(16000, np.float32))


def test_cli_features_to_npy_and_quantized(tmp_path, capsys):
    x = signals.speech_like(1.0)
    fe.write_wav(str(tmp_path / 'a.wav'), x)
    out = tmp_path / 'f.npy'
    assert main(['features', str(tmp_path / 'a.wav'), '--config', 'mlperf_kws', '-o', str(out)]) == 0
    assert np.array_equal(np.load(out), fe.features(x, 'mlperf_kws'))
    assert main(['features', str(tmp_path / 'a.wav'), '--quantize', '0.5847', '83', '-o', str(out)]) == 0
    assert np.load(out).dtype == np.int8


def test_cli_errors_are_messages_not_tracebacks(tmp_path):
    (tmp_path / 'text.wav').write_text('not audio')
    result = subprocess.run([sys.executable, '-m', 'h7frontend', 'features',
                             str(tmp_path / 'text.wav')], cwd=TOOLS, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith('h7frontend: error:') and 'Traceback' not in result.stderr
    result = subprocess.run([sys.executable, '-m', 'h7frontend', 'features', 'x.wav',
                             '--config', 'nope'], cwd=TOOLS, capture_output=True, text=True)
    assert result.returncode == 2 and 'available:' in result.stderr


def test_cli_vad_prints_json_events(tmp_path, capsys):
    x = np.concatenate([np.zeros(16000, np.int16), signals.speech_like(1.0, level=12000),
                        np.zeros(16000, np.int16)])
    fe.write_wav(str(tmp_path / 'v.wav'), x)
    assert main(['vad', str(tmp_path / 'v.wav')]) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert events[0]['event'] == 'speech_start' and events[-1]['event'] == 'speech_end'
