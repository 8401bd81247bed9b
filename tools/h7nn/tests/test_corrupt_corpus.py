"""The corrupt-model corpus (h7nn.corrupt) on a sample: every model tool (inspect, embed,
check's loading) and the host engine over ~200 broken variants of our two KWS models. No
Python traceback, and nothing embed accepts that the engine (the board's code) refuses. The
whole corpus (~3,300 files) runs with `python -m h7nn fuzz-corpus`."""
import os

import pytest

from h7nn import corrupt
from h7voice import paths


@pytest.fixture(scope='module')
def sample(tmp_path_factory):
    if not os.path.exists(os.path.join(paths.SHARED, 'models', 'mlperf_tiny_kws_ref_model.tflite')):
        pytest.fail('the MLPerf KWS model is missing from ../shared (set H7_SHARED): the corpus needs it')
    out = str(tmp_path_factory.mktemp('corrupt'))
    files = corrupt.generate(out, per_kind=4)   # the first 4 variants of every kind: as in the full corpus
    return corrupt.sample(files, 200)


def test_generation_is_deterministic(tmp_path):
    a = corrupt.generate(str(tmp_path / 'a'), per_kind=1)
    b = corrupt.generate(str(tmp_path / 'b'), per_kind=1)
    assert len(a) == len(b) == 2 * len(corrupt.KINDS)
    for x, y in zip(a, b):
        assert open(x, 'rb').read() == open(y, 'rb').read()
    # every kind changed its model
    originals = {name: open(path, 'rb').read() for name, path in corrupt.sources()}
    for path in a:
        assert open(path, 'rb').read() != originals[os.path.basename(os.path.dirname(path))], path


def test_tools_and_engine_agree_without_tracebacks(host_library, sample):
    s = corrupt.run(sample)
    assert s['files'] == 200
    assert s['tracebacks'] == 0, s['problems']
    assert s['embedded_but_refused_by_engine'] == 0, s['problems']
    # the engine refuses most of them, and embed/inspect/check refuse exactly those
    assert s['refused_by_engine'] > 100
    assert s['refused_by_embed'] == s['refused_by_inspect'] == s['refused_by_engine']
    assert s['refused_by_check'] >= s['refused_by_engine']
