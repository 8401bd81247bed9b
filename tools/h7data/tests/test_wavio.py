import os
import wave

import numpy as np
import pytest

from h7data.wavio import AudioError, read_wav, write_wav


def _raw_wav(path, data, channels=1, width=2, rate=16000):
    with wave.open(str(path), 'wb') as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(data)


def test_round_trip_and_no_temp_left(tmp_path):
    x = (np.sin(np.arange(1600) / 5) * 8000).astype(np.int16)
    path = tmp_path / 'a.wav'
    write_wav(path, x)
    assert np.array_equal(read_wav(path), x)
    assert os.listdir(tmp_path) == ['a.wav']


@pytest.mark.parametrize('kwargs,message,count', [
    (dict(rate=44100), 'resampled 44100 Hz', 1161),
    (dict(channels=2), '2 channels mixed to mono', 1600),
    (dict(width=1), '8-bit PCM', 6400),
])
def test_other_formats_are_converted_and_announced(tmp_path, capsys, kwargs, message, count):
    path = tmp_path / 'other.wav'
    _raw_wav(path, b'\x01\x02' * 3200, **kwargs)
    assert len(read_wav(path)) == count
    assert message in capsys.readouterr().err


def test_empty_clipped_missing_and_not_wav(tmp_path):
    _raw_wav(tmp_path / 'empty.wav', b'')
    with pytest.raises(AudioError, match='no audio'):
        read_wav(tmp_path / 'empty.wav')
    clipped = np.full(1600, 32767, np.int16)
    clipped[::2] = -32768
    write_wav(tmp_path / 'clip.wav', clipped)
    with pytest.raises(AudioError, match='clipped'):
        read_wav(tmp_path / 'clip.wav')
    assert len(read_wav(tmp_path / 'clip.wav', allow_clipped=True)) == 1600
    with pytest.raises(AudioError, match='no such file'):
        read_wav(tmp_path / 'nope.wav')
    (tmp_path / 'text.wav').write_text('hello')
    with pytest.raises(AudioError, match='not a WAV file'):
        read_wav(tmp_path / 'text.wav')


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    write_wav(tmp_path / 'x.wav', np.ones(100, np.int16))

    def disk_full(self, data):
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(wave.Wave_write, 'writeframes', disk_full)
    with pytest.raises(OSError, match='No space'):
        write_wav(tmp_path / 'x.wav', np.zeros(100, np.int16))
    assert os.listdir(tmp_path) == ['x.wav']          # the old file, untouched
    monkeypatch.undo()
    assert np.array_equal(read_wav(tmp_path / 'x.wav', allow_clipped=True), np.ones(100))
