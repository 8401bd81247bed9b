"""The embed tool: C source and header with bytes, resolver and arena size; errors name the op."""
import json
import os
import shutil
import subprocess
import sys

from h7nn.embed import EmbedError, embed

HERE = os.path.dirname(os.path.abspath(__file__))


def test_embed_writes_resolver_and_arena(kws_bytes, tmp_path):
    model = tmp_path / 'kws.tflite'
    model.write_bytes(kws_bytes)
    (tmp_path / 'kws.json').write_text(json.dumps({'name': 'kws', 'labels': ['l%d' % i for i in range(12)],
                                                   'input': {'scale': 0.5847029089927673, 'zero_point': 83}}))
    info = embed(str(model), str(tmp_path / 'out'), 'kws')
    header = (tmp_path / 'out' / 'kws_model.h').read_text()
    source = (tmp_path / 'out' / 'kws_model.c').read_text()
    assert 'H7NN_KWS_ARENA_BYTES %du' % info['arena_bytes'] in header
    assert 'H7NN_KWS_INPUT_ZERO_POINT 83' in header
    assert 'H7NN_KWS_LABEL_COUNT 12' in header
    for op in ('conv_2d', 'depthwise_conv_2d', 'average_pool_2d', 'reshape', 'fully_connected', 'softmax'):
        assert '&h7nn_kernel_%s,' % op in source
    assert 'h7nn_kernel_add' not in source
    assert '"l11"' in source


def test_metadata_mismatch_is_an_error(kws_bytes, tmp_path):
    model = tmp_path / 'kws.tflite'
    model.write_bytes(kws_bytes)
    (tmp_path / 'kws.json').write_text(json.dumps({'input': {'scale': 0.1, 'zero_point': 83}}))
    try:
        embed(str(model), str(tmp_path / 'out'), 'kws')
    except EmbedError as e:
        assert 'input scale' in str(e)
    else:
        raise AssertionError('expected an error')


def test_cli_reports_bad_file_without_traceback(tmp_path):
    bad = tmp_path / 'bad.tflite'
    bad.write_bytes(b'hello')
    tools = os.path.dirname(os.path.dirname(HERE))
    proc = subprocess.run([sys.executable, '-m', 'h7nn', 'embed', str(bad), '-o', str(tmp_path)], cwd=tools,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert 'not a .tflite model' in proc.stderr and 'Traceback' not in proc.stderr
