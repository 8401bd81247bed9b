"""The keyword cascade through the host build of the firmware C (libh7kws.so): the gate
decides whether the full model runs, and when it opens the detector sees what the full
model alone gives (the catch-up); bad input is refused in one line."""
import os

import numpy as np
import pytest

from h7voice import cascade, paths

WAV = os.path.join(paths.MODELS, 'recordings', 'demo_commands.wav')


@pytest.fixture(scope='module')
def stream_and_audio():
    from h7frontend.wav import load
    audio = np.asarray(load(WAV).samples, dtype=np.int16)[:16000 * 8]  # the first commands
    cs = cascade.CascadeStream(cascade.DEFAULT_MODEL, cascade.DEFAULT_GATE)
    yield cs, audio
    cs.close()


def test_open_gate_gives_the_full_models_detections_closed_gate_none(stream_and_audio):
    cs, audio = stream_and_audio
    cs.set_gate(None)
    alone, st_alone = cs.run(audio)
    assert alone and st_alone['model_runs'] > 0 and st_alone['gate_runs'] == 0
    # a gate that opens on every run: the full model scores the same windows
    cs.set_gate(0.0001)
    gated, st = cs.run(audio)
    assert gated == alone
    assert st['model_runs'] == st_alone['model_runs'] and st['gate_runs'] == st['gate_opened'] > 0
    # a gate that never opens (an int8 softmax stays below 1.0): the full model never runs
    cs.set_gate(1.0)
    none, st = cs.run(audio)
    assert none == [] and st['model_runs'] == 0 and st['gate_runs'] > 0


def test_gate_with_other_inputs_is_refused(stream_and_audio):
    cs, _ = stream_and_audio
    other = cascade.CascadeStream(cascade.DEFAULT_MODEL, os.path.join(paths.MODELS, 'phones.tflite'))
    try:
        with pytest.raises(ValueError, match="main model's int8 input"):
            other.set_gate(0.5)
    finally:
        other.close()


def test_choose_keeps_the_half_point_rule():
    base = {'gate_threshold': None, 'keywords_found': 0.85, 'wrong_keyword': 0.02, 'non_keyword_fired': 0.01}
    rows = [base,
            {**base, 'gate_threshold': 0.05, 'keywords_found': 0.8466},
            {**base, 'gate_threshold': 0.1, 'keywords_found': 0.8430},
            {**base, 'gate_threshold': 0.2, 'keywords_found': 0.85, 'wrong_keyword': 0.03}]
    assert cascade.choose(rows)['gate_threshold'] == 0.05
    assert cascade.choose(rows[:1] + rows[2:]) is None


@pytest.mark.parametrize('argv, words', [
    (['--thresholds', 'x'], 'expected numbers'),
    (['--thresholds', '0,0.5'], 'in (0, 1]'),
    (['--gate', '/nonexistent.tflite'], 'does not exist'),
])
def test_bad_input_is_one_line_exit_2(argv, words, capsys):
    with pytest.raises(SystemExit) as exc:
        cascade.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert words in err and err.count('\n') == 1
