import json

import pytest

from h7data.wavio import read_wav
from kwsapp import scenarios


def test_unknown_scenario_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match='unknown scenario'):
        scenarios.make('nope', str(tmp_path / 'x.wav'))


def test_sleep_wake_recording_has_its_truth_and_long_silence(tmp_path):
    wav = tmp_path / 'sw.wav'
    truth = json.loads(open(scenarios.make('sleep_wake', str(wav))).read())
    words = truth['words']
    assert [w['word'] for w in words] == ['on', 'off']
    assert words[1]['start_ms'] - words[0]['end_ms'] >= 8000
    x = read_wav(str(wav))
    assert abs(len(x) / 16.0 - truth['duration_ms']) < 1.0
    # the words are where the truth says: louder there than in the pause
    def rms(a_ms, b_ms):
        seg = x[int(a_ms * 16):int(b_ms * 16)].astype(float)
        return (seg ** 2).mean() ** 0.5
    assert rms(words[0]['start_ms'], words[0]['end_ms']) > 30 * rms(3000, 7000)


def test_the_same_scenario_twice_in_one_process_gives_the_same_bytes(tmp_path):
    # espeak-ng carries state between utterances in a process; make() must not depend on
    # what was made before it (Robot suites make several recordings in one process)
    a, b = tmp_path / 'a.wav', tmp_path / 'b.wav'
    scenarios.make('rapid', str(a))
    scenarios.make('rapid', str(b))
    assert a.read_bytes() == b.read_bytes()
