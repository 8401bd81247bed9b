"""The embed tool: C source and header with bytes, resolver and arena size; errors name the op."""
import json
import os
import subprocess
import sys
import zlib

import numpy as np
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
    # (mm16: conv_2d_packed, every CONV_2D has pre-arranged weights)
    for op in ('conv_2d_packed', 'depthwise_conv_2d_3x3', 'average_pool_2d', 'fully_connected'):
        assert '&H7NN_KERNEL_M7(%s),' % op in source   # M7 kernels per the op list
    # every depthwise op of the KWS model is 3x3 stride 1: the kernel without the other shapes' code
    assert '#define h7nn_ref_depthwise_conv_2d_3x3 h7nn_ref_depthwise_conv_2d' in source
    for op in ('reshape', 'softmax'):
        assert '&h7nn_ref_%s,' % op in source
    assert 'h7nn_ref_add' not in source
    assert '"l11"' in source


def test_generated_plan_and_arena_run_as_the_board_runs_them(host_library, kws_bytes, tmp_path):
    """The generated model record, compiled for this host with the engine: h7nn_init +
    h7nn_allocate take the embedded plan through the resolver (both kernel builds), use exactly
    H7NN_<NAME>_ARENA_BYTES (the firmware compiler evaluates the same macro with its sizes;
    the board checks it too), and give the host engine's outputs."""
    from h7nn.engine import Interpreter
    from h7voice import paths
    model = tmp_path / 'kws.tflite'
    model.write_bytes(kws_bytes)
    rec = embed(str(model), str(tmp_path / 'out'), 'kws')
    probe = tmp_path / 'probe.c'
    probe.write_text(
        '#include <stdio.h>\n#include "kws_model.h"\n'
        'static unsigned char arena[H7NN_KWS_ARENA_BYTES] __attribute__((aligned(16)));\n'
        'int main(void) {\n  h7nn_interpreter nn; h7nn_tensor in, out;\n'
        '  if (h7nn_init(&nn, h7nn_kws_model_data, sizeof h7nn_kws_model_data, &h7nn_kws_resolver, arena,\n'
        '                sizeof arena) != H7NN_OK || h7nn_allocate(&nn) != H7NN_OK) {\n'
        '    printf("error %s\\n", h7nn_error(&nn)); return 1; }\n'
        '  h7nn_input(&nn, 0, &in); for (size_t i = 0; i < in.bytes; i++) ((signed char *)in.data)[i] = (signed char)(i * 37);\n'
        '  h7nn_invoke(&nn); h7nn_output(&nn, 0, &out);\n'
        '  printf("%zu %zu %zu", (size_t)H7NN_KWS_ARENA_BYTES, h7nn_arena_used(&nn), (size_t)H7NN_KWS_PERSISTENT_BYTES);\n'
        '  for (size_t i = 0; i < out.bytes; i++) printf(" %d", ((signed char *)out.data)[i]);\n'
        '  printf("\\n"); return 0; }\n')
    lib = os.path.join(paths.HOST_BUILD, 'firmware', 'engine', 'libh7nn_static.a')
    for defines in ([], ['-DH7NN_REFERENCE_KERNELS']):
        exe = tmp_path / 'probe'
        subprocess.run(['gcc', '-std=c11', '-O1', *defines, '-DH7_TARGET_HOST', '-I', paths.FIRMWARE, '-I',
                        str(tmp_path / 'out'), str(probe), str(tmp_path / 'out' / 'kws_model.c'), lib, '-lm', '-o',
                        str(exe)], check=True)
        proc = subprocess.run([str(exe)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout
        arena, used, persistent, *outs = map(int, proc.stdout.split())
        assert arena == used
        # the persistent part (what an arena sized for h7nn_init's kept descriptions adds to)
        assert arena - persistent == rec['layout_reference' if defines else 'layout']['activations']
        nn = Interpreter(kws_bytes, optimized=not defines)
        shape = nn.input_details()['shape']
        x = (np.arange(int(np.prod(shape))) * 37).astype(np.uint8).view(np.int8)   # the probe's input
        assert outs == nn.run(x.reshape(shape)).reshape(-1).tolist()
        assert used < nn.arena_used   # the plan keeps the requantization tables in flash


def test_bad_plans_are_refused_with_one_line(host_library, kws_bytes):
    from h7nn.engine import EngineError, Interpreter
    words = Interpreter(kws_bytes).plan_words()
    assert Interpreter(kws_bytes, plan=words).arena_used > 0
    header, n_buffers = 7, int(words[4]) + int(words[5])
    offsets = words[header:header + n_buffers]
    model_input, op0_scratch = 0, int(words[4])    # buffers: tensors, then one scratch per op
    bad = {}
    w = words.copy()
    w[header + op0_scratch] = w[header + model_input]   # both alive during op 0
    bad['overlap while both are alive'] = w
    w = words.copy()
    w[header + model_input] += 4
    bad['outside the plan'] = w                         # (misaligned)
    w = words.copy()
    w[3] += 16
    bad['made for another model'] = w
    bad['not an h7nn plan'] = words[:-3]                # truncated
    w = words.copy()
    rec = int(w[header + n_buffers + 0])                # op 0's record (the first CONV_2D)
    w[rec + 2] = 5
    bad['multiplier or shift out of range'] = w        # a multiplier below 2^30
    cases = [bad]
    # the four-channel check (plan_channels_common) against the exact rule: a multiplier of
    # 2^31 + 1, a shift above or below the range, in the second channel of a group of four
    channels = int(words[rec + 1])
    for kind, value in (('multiplier', 0x80000001), ('shift', 31), ('shift', -32)):
        w = words.copy()
        if kind == 'multiplier':
            w[rec + 2 + 1] = value
        else:
            w.view(np.int8)[(rec + 2 + channels) * 4 + 1] = value
        cases.append({'multiplier or shift out of range': w})
    # records of modes 0 and 2 take zero multipliers in the four-channel check too
    # (plan_channels_zero_ok); around them: 2^30 - 1, 2^31 + 1, 3 * 2^30, a zero multiplier
    # with a shift out of range
    zero = words.copy()
    zero[rec] = 0
    zero[rec + 2 + 1] = 0
    assert Interpreter(kws_bytes, plan=zero).arena_used > 0
    for value, shift in ((0x3FFFFFFF, None), (0x80000001, None), (0xC0000000, None), (0, 31)):
        w = zero.copy()
        w[rec + 2 + 2] = value
        if shift is not None:
            w.view(np.int8)[(rec + 2 + channels) * 4 + 2] = shift
        cases.append({'multiplier or shift out of range': w})
    for what, w in [kv for case in cases for kv in case.items()]:
        with pytest.raises(EngineError) as e:
            Interpreter(kws_bytes, plan=w)
        assert e.value.message.startswith('plan: ') and what in e.value.message and '\n' not in e.value.message, \
            (what, e.value.message)


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


def test_depthwise_kernel_pick_follows_the_shapes(kws_bytes):
    """The resolver names the 3x3-only depthwise kernel exactly when every depthwise op has
    its shape: the KWS DS-CNN (3x3, stride 1) yes; the streaming wake-word model (Kx1
    filters) and VWW (stride-2 blocks) keep the full kernel; a model without depthwise ops
    has nothing to pick."""
    from h7nn.embed import depthwise_3x3_only
    from h7voice import paths
    assert depthwise_3x3_only(kws_bytes)
    for name in ('mlperf_tiny_str_ww_ref_model.tflite', 'mlperf_tiny_vww_96_int8.tflite',
                 'mlperf_tiny_ad01_int8.tflite'):
        with open(paths.shared('models', name), 'rb') as f:
            assert not depthwise_3x3_only(f.read()), name
