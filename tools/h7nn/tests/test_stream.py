"""Streaming inference (firmware/engine/h7nn_stream.h): streamable test models with random
weights and the shipped kws_stream (h7nn.stream_models) streamed hop by hop over a long random feature sequence, each
hop's output byte-equal to the full-window h7nn_invoke of that window (both kernel sets; the
full window itself against TFLite Micro), and the one-line refusals of models that cannot
stream."""
import os
import subprocess

import numpy as np
import pytest

from h7nn import stream, stream_models
from h7nn.engine import Interpreter
from h7nn.reference import Reference
from h7voice import paths


@pytest.fixture(scope='module', params=stream_models.names())
def model(request):
    path = stream_models.build(request.param)
    with open(path, 'rb') as f:
        return request.param, path, f.read()


# the M7 kernels on the model's int8 weights (the host tools), on the weights the embed step
# pre-arranges (the board's images: the fewer-than-six-pixels loop of CONV_2D runs on them),
# and the reference kernels; at the model's hop and at twice it (two rows per view)
KERNELS = [(True, False), (True, True), (False, False)]
KERNEL_IDS = ['m7', 'm7-prearranged', 'reference']


@pytest.mark.parametrize('optimized, packed', KERNELS, ids=KERNEL_IDS)
@pytest.mark.parametrize('times', [1, 2], ids=['hop', 'hop2'])
def test_every_hop_equals_full_window(host_library, model, optimized, packed, times):
    name, _, data = model
    hop = stream_models.hop_rows(name) * times
    bad, n = stream.compare(data, hop, 120, seed=len(name), optimized=optimized, reset_every=50, packed=packed)
    assert n == 121 and bad == [], '%s: hops %s differ from the full-window run' % (name, bad[:10])


@pytest.mark.parametrize('packed', [False, True], ids=['int8', 'prearranged'])
def test_full_window_equals_tflite_micro(host_library, model, packed):
    # the oracle of the streaming check is itself TFLM's result (kws_stream's last 1x1
    # CONV_2D, one pixel, and its last depthwise op, one output, run the few-output paths
    # in the full window too)
    name, _, data = model
    ref = Reference(data)
    eng = Interpreter(data, packed=Interpreter(data).packed_words() if packed else None)
    shape = eng.input_details()['shape']
    rng = np.random.default_rng(7)
    for _ in range(10):
        x = rng.integers(-128, 128, size=shape, dtype=np.int8)
        np.testing.assert_array_equal(eng.run(x), ref.run(x))


def test_streamed_outputs_vary(host_library, model):
    # random weights could give one output for every window, which would hide a wrong hop
    name, _, data = model
    st = stream.Stream(data, stream_models.hop_rows(name))
    shape = st.nn.input_details()['shape']
    rng = np.random.default_rng(3)
    seq = rng.integers(-128, 128, size=(shape[1] + 20,) + shape[2:], dtype=np.int8)
    outs = {st.run(seq[h:h + shape[1]][None]).tobytes() for h in range(0, 20, stream_models.hop_rows(name))}
    assert len(outs) >= 5


def test_c_host_test_streams_the_models(host_library, model):
    # the C test (firmware/engine/tests/test_stream.c) on the same model: every kernel set
    name, path, _ = model
    exe = os.path.join(paths.HOST_BUILD, 'firmware', 'engine', 'test_stream')
    r = subprocess.run([exe, path, str(stream_models.hop_rows(name)), '60'], cwd=paths.TOP, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count('every hop byte-equal to the full window') == 3, r.stdout


@pytest.mark.parametrize('path, hop, line', [
    ('models/kws_default.tflite', 2,
     'op 4 CONV_2D: not streamable: padding along time (4 rows before, 5 after; needs VALID)'),
    ('models/phones.tflite', 1,
     "op 1 CONV_2D: not streamable: time stride 2 does not divide a 1-row hop's 1 new rows here"),
    ('keyword', 1, "op 0 CONV_2D: not streamable: time stride 2 does not divide a 1-row hop's 1 new rows here"),
    ('keyword', 50, 'stream: hop of 50 rows outside 1..49 (the input\'s time rows)'),
])
def test_refusals_name_the_op_and_why(host_library, path, hop, line):
    path = stream_models.build(path) if path in stream_models.MODELS else os.path.join(paths.TOP, path)
    with open(path, 'rb') as f:
        data = f.read()
    assert stream.refusal(data, hop) == line
    assert stream.refusal(data, hop, optimized=False) == line


@pytest.mark.parametrize('name, start', [
    ('residual', 'op 2 ADD: not streamable: reads streamed tensor '),
    ('flat', "op 4 CONV_2D: not streamable: input of 49 time rows (dimension 1), not the window's 490"),
    ('branch', 'op 1 CONV_2D: not streamable: reads tensor 0, not the streamed chain'),
])
def test_refusals_of_branches_and_reshaped_time(host_library, name, start):
    with open(stream_models.build_refused(name), 'rb') as f:
        data = f.read()
    for optimized in (True, False):
        why = stream.refusal(data, 1, optimized=optimized)
        assert why is not None and why.startswith(start), why


def test_check_command(host_library):
    # the command line: a refused model is one line and exit status 1, no traceback
    r = subprocess.run([os.path.join(paths.VENV_BIN, 'python'), '-m', 'h7nn.stream', 'check',
                        os.path.join(paths.TOP, 'models', 'kws_default.tflite'), '2'],
                       capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, PYTHONPATH=paths.TOOLS))
    assert r.returncode == 1 and 'not streamable: padding along time' in r.stdout and 'Traceback' not in r.stderr


@pytest.mark.parametrize('name', sorted(stream_models.OP_MODELS))
def test_mean_m7_kernel_equals_tflite_micro(host_library, name):
    # MEAN runs every hop (the tail): its M7 kernel over > 255 pixels (int16 lanes flushed),
    # both kernel sets against TFLM, inputs over the whole int8 range
    from h7nn.tflite import Model
    with open(stream_models.build_op(name), 'rb') as f:
        data = f.read()
    assert 'MEAN' in Model(data).op_names()
    ref, engines = Reference(data), [Interpreter(data, optimized=True), Interpreter(data, optimized=False)]
    shape = engines[0].input_details()['shape']
    rng = np.random.default_rng(5)
    for x in [np.full(shape, -128, np.int8), np.full(shape, 127, np.int8)] + \
            [rng.integers(-128, 128, size=shape, dtype=np.int8) for _ in range(20)]:
        want = ref.run(x)
        for eng in engines:
            np.testing.assert_array_equal(eng.run(x), want)


def test_fuzz_target_runs_its_seeds_clean(host_library, tmp_path):
    # the streaming fuzz target (firmware/engine/fuzz/fuzz_stream.c) over its seeds once: the
    # models that stream pass its full-window comparison, the refused ones give a message
    from h7nn import stream_fuzz
    assert os.path.exists(stream_fuzz.BINARY), 'fuzz_stream not built (clang: bash tools/setup.sh, then h7voice build host)'
    seeds = stream_fuzz.seed_corpus(str(tmp_path / 'seeds'))
    files = sorted(str(p) for p in (tmp_path / 'seeds').iterdir())
    assert len(files) >= 20
    r = subprocess.run([stream_fuzz.BINARY] + files, capture_output=True, text=True, timeout=120, cwd=seeds)
    assert r.returncode == 0, r.stderr[-3000:]


def test_state_keeps_only_the_rows_each_convolution_reads(host_library):
    # the keyword image's 48 KB state budget (KWS_STREAM_STATE_MAX_BYTES) holds a 2D DS-CNN
    # shaped like kws_default with nothing padded along time (h7train ds_cnn_stream, untrained
    # weights through the int8 export): each intermediate tensor keeps the rows its consumer
    # reads, only the last its window. Keeping every window twice needed 163,584 B here.
    from h7train import models as M
    from h7train.export import to_int8_tflite
    cal = np.random.default_rng(2).normal(0, 8, (32, 49, 10)).astype(np.float32)
    data = to_int8_tflite(M.ds_cnn_stream(), cal)
    st = stream.Stream(data, 2)
    assert st.state_bytes <= 48 * 1024, st.state_bytes
    bad, n = stream.compare(data, 2, 40, reset_every=25)
    assert n == 41 and bad == []
    # a longer hop keeps more rows of each intermediate tensor, the last window stays
    assert stream.Stream(data, 2).state_bytes < stream.Stream(data, 4).state_bytes <= 48 * 1024
