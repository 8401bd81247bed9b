"""The embed tool: C source and header with bytes, resolver and arena size; errors name the op."""
import json
import os
import subprocess
import sys
import zlib

import pytest

from h7nn.embed import EmbedError, embed

HERE = os.path.dirname(os.path.abspath(__file__))


def test_embed_writes_resolver_and_arena(host_library, kws_bytes, tmp_path):
    model = tmp_path / 'kws.tflite'
    model.write_bytes(kws_bytes)
    (tmp_path / 'kws.json').write_text(json.dumps({'name': 'kws', 'labels': ['l%d' % i for i in range(12)],
                                                   'frontend': {'name': 'mlperf_kws'},
                                                   'input': {'scale': 0.5847029089927673, 'zero_point': 83}}))
    info = embed(str(model), str(tmp_path / 'out'), 'kws')
    header = (tmp_path / 'out' / 'kws_model.h').read_text()
    source = (tmp_path / 'out' / 'kws_model.c').read_text()
    lay = info['layout']
    assert 'H7NN_KWS_ARENA_BYTES H7NN_ARENA_BYTES(%du, %du, %du, %du, %du)' % (
        lay['activations'], lay['constants'], lay['pointers'], lay['tensors'], lay['ops']) in header
    assert 'H7NN_KWS_MODEL_CRC32 0x%08xu' % zlib.crc32(kws_bytes) in header
    assert 'H7NN_KWS_INPUT_ZERO_POINT 83' in header
    assert 'H7NN_KWS_LABEL_COUNT 12' in header
    assert 'H7NN_KWS_FRONTEND "mlperf_kws"' in header
    for op in ('conv_2d', 'depthwise_conv_2d', 'average_pool_2d', 'fully_connected'):
        assert '&H7NN_KERNEL_M7(%s),' % op in source   # M7 kernels per the op list
    for op in ('reshape', 'softmax'):
        assert '&h7nn_ref_%s,' % op in source
    assert 'h7nn_ref_add' not in source
    assert '"l11"' in source


def test_generated_arena_macro_is_the_engines_plan(host_library, kws_bytes, tmp_path):
    """H7NN_<NAME>_ARENA_BYTES, compiled for this host, equals the host engine's own figure
    (the firmware compiler evaluates the same macro with its sizes; the board checks it)."""
    from h7nn.engine import Interpreter
    from h7voice import paths
    model = tmp_path / 'kws.tflite'
    model.write_bytes(kws_bytes)
    embed(str(model), str(tmp_path / 'out'), 'kws')
    probe = tmp_path / 'probe.c'
    probe.write_text('#include <stdio.h>\n#include "kws_model.h"\n'
                     'int main(void) { printf("%zu %zu\\n", (size_t)H7NN_KWS_ARENA_BYTES, sizeof(void *)); return 0; }\n')
    for defines in ([], ['-DH7NN_REFERENCE_KERNELS']):
        exe = tmp_path / 'probe'
        subprocess.run(['gcc', '-std=c11', *defines, '-I', os.path.join(paths.FIRMWARE), '-I', str(tmp_path / 'out'),
                        str(probe), '-o', str(exe)], check=True)
        arena, ptr = map(int, subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split())
        assert ptr == 8
        assert arena == Interpreter(kws_bytes, optimized=not defines).arena_used


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
    bad.write_bytes(b'hello, this is no model at all')
    tools = os.path.dirname(os.path.dirname(HERE))
    proc = subprocess.run([sys.executable, '-m', 'h7nn', 'embed', str(bad), '-o', str(tmp_path)], cwd=tools,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert 'not a .tflite model' in proc.stderr and 'Traceback' not in proc.stderr
    assert proc.stderr.count('\n') == 1


def test_scons_embed_step_refuses_what_the_board_refuses(host_library, tmp_path):
    """env.H7Model's action (what `scons model=X` runs): a model the engine refuses is a build
    error carrying the engine's message, not a built image."""
    import SCons.Errors
    from h7voice import paths
    sys.path.insert(0, os.path.join(paths.TOP, 'site_scons'))
    import h7_model
    bad = tmp_path / 'huge.tflite'
    data = bytearray(open(os.path.join(paths.MODELS, 'kws_default.tflite'), 'rb').read())
    from h7nn.corrupt import Walk
    pos, _ = Walk(bytes(data)).fields['dim'][0]
    data[pos:pos + 4] = (0x7FFFFFFF).to_bytes(4, 'little')   # a dimension of 2^31-1
    bad.write_bytes(bytes(data))
    with pytest.raises(SCons.Errors.BuildError) as e:
        h7_model._embed_action([str(tmp_path / 'x_model.c')], [str(bad)], {'H7NN_MODEL_NAME': 'x'})
    assert 'the engine refuses it' in e.value.errstr and 'dimension 2147483647' in e.value.errstr
    assert not (tmp_path / 'x_model.c').exists()
