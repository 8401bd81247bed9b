"""The streamable keyword model (models.ds_tcn, the candidate models/kws_stream.*): its shape
(the whole 1 s window seen by one output row), its budget against kws_default, and the
engine streaming it over real held-out speech byte-equal to the full window."""
import json
import os

import pytest

from h7train import models as M
from h7voice import paths

STREAM = os.path.join(paths.TOP, 'models', 'kws_stream.tflite')


def test_ds_tcn_sees_the_whole_window_through_valid_convolutions():
    m = M.ds_tcn()
    k0, s0 = M.DS_TCN_FIRST
    rows = (49 - k0) // s0 + 1 - sum(k - 1 for k in M.DS_TCN_KERNELS)
    assert rows == 1 and k0 + s0 * sum(k - 1 for k in M.DS_TCN_KERNELS) == 49   # receptive field 1 s
    convs = [l for l in m.layers if type(l).__name__ in ('Conv2D', 'DepthwiseConv2D')]
    assert convs and all(l.padding == 'valid' and l.kernel_size[1] == 1 for l in convs)
    assert [l.strides[0] for l in convs] == [s0] + [1] * (len(convs) - 1)
    with pytest.raises(ValueError, match='leave'):
        M.ds_tcn(kernels=(9, 9, 9))


def _meta(name):
    with open(os.path.join(paths.TOP, 'models', name + '.json')) as f:
        return json.load(f)


def test_candidate_within_the_default_models_budget():
    s, d = _meta('kws_stream'), _meta('kws_default')
    assert s['model']['macs'] <= d['model']['macs']
    assert s['model']['constant_tensor_bytes'] <= 64 * 1024
    assert s['input'] == dict(d['input'], scale=s['input']['scale'], zero_point=s['input']['zero_point'])
    assert s['labels'] == d['labels'] and s['frontend'] == d['frontend']


def test_candidate_streams_byte_equal_on_real_speech_and_odd_hops_are_refused():
    from h7train.streamcheck import check
    r = check(STREAM, hops=(2, 3), clips=12)
    assert r['hops']['2']['hops_checked'] > 300 and r['hops']['2']['mismatches'] == 0
    assert 'time stride 2 does not divide' in r['hops']['3']['refused']
