"""The phone-loop graph the phones image embeds, its refusal for another phone set or a model
with another output count (the C loader and model check), and the model record reader."""
import json
import subprocess
import sys

import pytest

from h7phones import acoustic
from h7speech import decoder, phones
from h7voice import paths


def test_phone_loop_graph_loads_in_c_and_matches_a_model_of_our_phone_set():
    g = decoder.LoadedGraph(acoustic.phone_loop_graph())
    assert g.g.node_count == 42 and g.g.phone_count == phones.COUNT
    g.check_model(phones.NAME, phones.HASH, phones.COUNT)   # no exception


def test_graph_for_another_phone_set_is_refused_naming_both():
    with pytest.raises(decoder.DecoderError) as e:
        decoder.LoadedGraph(acoustic.foreign_graph())
    assert acoustic.FOREIGN_PHONESET in str(e.value) and phones.NAME in str(e.value)


def test_model_with_another_output_count_is_refused_naming_both():
    g = decoder.LoadedGraph(acoustic.phone_loop_graph())
    with pytest.raises(decoder.DecoderError) as e:
        g.check_model(phones.NAME, phones.HASH, 40)
    assert '40 outputs' in str(e.value) and f'expects {phones.COUNT}' in str(e.value)
    with pytest.raises(decoder.DecoderError) as e:
        g.check_model('timit61', phones.phoneset_hash('timit61'), phones.COUNT)
    assert 'timit61' in str(e.value) and phones.NAME in str(e.value)


def test_loop_penalty_comes_from_the_c_header():
    assert acoustic._loop_penalty() < 0


GOOD = {'frontend_config': 'phones_mel40', 'window_frames': 32, 'lookahead_frames': 3, 'ctc': False,
        'output_kind': 'log_softmax', 'output': {'shape': [1, 41]}}


@pytest.mark.parametrize('change, words', [
    ({'window_frames': 'x'}, 'window_frames'),
    ({'ctc': 'yes'}, '"ctc"'),
    ({'output_kind': 'logits'}, 'output_kind'),
    ({'frontend_config': ''}, 'frontend_config'),
])
def test_model_record_errors_name_the_file_and_the_key(tmp_path, change, words):
    model = tmp_path / 'm.tflite'
    model.write_bytes(b'')
    (tmp_path / 'm.json').write_text(json.dumps(dict(GOOD, **change)))
    with pytest.raises(acoustic.RecordError) as e:
        acoustic.model_record(str(model))
    assert words in str(e.value) and 'm.json' in str(e.value)


def test_model_record_reads_the_contract(tmp_path):
    model = tmp_path / 'm.tflite'
    model.write_bytes(b'')
    (tmp_path / 'm.json').write_text(json.dumps(GOOD))
    r = acoustic.model_record(str(model))
    assert (r['window_frames'], r['lookahead_frames'], r['ctc'], r['output']) == (32, 3, False, 'log_softmax')
    assert (r['phoneset'], r['phoneset_hash']) == (phones.NAME, phones.HASH)


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path):
    cmd = [sys.executable, '-m', 'h7voice', 'phones', 'recognize', str(tmp_path / 'none.wav')]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=paths.TOP,
                       env={'PYTHONPATH': paths.TOOLS, 'PATH': '/usr/bin:/bin'})
    assert p.returncode == 2 and 'Traceback' not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and 'none.wav' in p.stderr
