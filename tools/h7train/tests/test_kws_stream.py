"""The streamable keyword model (models.ds_tcn, the candidate models/kws_stream.*): its shape
(the whole 1 s window seen by one output row), its budget against kws_default, and the
engine streaming it over real held-out speech byte-equal to the full window."""
import json
import os

import pytest

from h7train import models as M
from h7voice import paths

STREAM = os.path.join(paths.TOP, 'models', 'kws_stream.tflite')


def _int8_streams_byte_equal(model, seed, hops):
    """The untrained model through the project's int8 export (calibrated on random windows),
    streamed at a 2-frame hop: every one of `hops` hops byte-equal to the full window.
    Returns the .tflite bytes."""
    import numpy as np
    from h7nn.stream import compare
    from h7train.export import to_int8_tflite
    cal = np.random.default_rng(seed).normal(0, 8, (32, 49, 10)).astype(np.float32)
    data = to_int8_tflite(model, cal)
    bad, n = compare(data, 2, hops)
    assert n == hops + 1 and bad == []
    return data


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


def test_ds_tcn_avg_builds_within_issue_17_budgets_and_the_engine_streams_it():
    """The seven-rows-averaged architecture (realtrain --arch stream_avg), untrained weights
    through the project's int8 export: VALID along time, the 1 s window read as a whole,
    <= 3 M MACs, <= 64 KB of int8 weights, and the engine's streaming code accepts it at a
    2-frame hop (byte-equal to the full window) and refuses a 3-frame hop (stride 2)."""
    from h7nn.stream import refusal
    from h7train.export import constant_bytes
    m = M.ds_tcn_avg()
    k0, s0 = M.DS_TCN_AVG['first']
    kernels = M.DS_TCN_AVG['kernels']
    rows = (49 - k0) // s0 + 1 - sum(k - 1 for k in kernels)
    assert m.get_layer('pool').input.shape[1] == rows == 7
    assert (49 - k0) % s0 == 0                         # the last row reads the newest frame
    convs = [l for l in m.layers if type(l).__name__ in ('Conv2D', 'DepthwiseConv2D')]
    assert all(l.padding == 'valid' for l in convs)
    assert M.macs(m) <= 3_000_000
    data = _int8_streams_byte_equal(m, 0, 40)
    assert constant_bytes(data)['constant_tensor_bytes'] <= 64 * 1024
    assert 'time stride 2 does not divide' in refusal(data, 3)


def test_candidate_on_the_simulated_board_every_hop_byte_equal_and_the_slot_put_back():
    """streamcheck --board: the stream_bench keyword image built with the candidate, run on
    the simulated board (DWT instructions, each hop checked there against h7nn_invoke); the
    image's model slot is left as it was found."""
    from h7nn import stream_models
    from h7train.streamcheck import board
    slot = stream_models.path_for('keyword')
    before = open(slot, 'rb').read() if os.path.exists(slot) else None
    r = board(STREAM)
    after = open(slot, 'rb').read() if os.path.exists(slot) else None
    assert before == after
    assert r['model_file'].endswith('kws_stream.tflite')
    hops = {h['hop_rows']: h for h in r['hops']}
    assert hops[2]['hops_checked'] >= 100 and hops[2]['mismatches'] == 0
    assert 0 < hops[2]['instructions_per_hop']['mean'] < r['full_window_instructions']


def test_ds_tcn_avg_with_a_2d_stem_streams_too():
    """--stem: the first convolution 2D over the MFCC (VALID both ways), then 1 x 4 into
    channels; still a chain the engine streams byte-equal at a 2-frame hop."""
    m = M.ds_tcn_avg(stem=16)
    assert m.get_layer('stem').output.shape[1:] == (21, 4, 16)
    assert m.get_layer('conv0').output.shape[1:] == (21, 1, 96)
    _int8_streams_byte_equal(m, 1, 20)


def test_ds_cnn_stream_is_kws_defaults_shape_valid_along_time_and_streams():
    """realtrain --arch stream2d: kws_default's DS-CNN (frequency as width, 96 channels, 4
    blocks, 4-wide first convolution at stride (2, 2), MEAN) with nothing padded along time:
    'same' only on 1-row kernels. Untrained weights through the int8 export: <= 3 M MACs,
    <= 64 KB of constants, streamed byte-equal at a 2-frame hop, a 3-frame hop refused."""
    from h7nn.stream import refusal
    from h7train.export import constant_bytes
    m = M.ds_cnn_stream()
    d = M.ds_cnn(width=96)
    convs = [l for l in m.layers if type(l).__name__ in ('Conv2D', 'DepthwiseConv2D')]
    assert all(l.padding == 'valid' or l.kernel_size[0] == 1 for l in convs)
    assert [l.strides for l in convs][0] == d.get_layer('conv0').strides == (2, 2)
    assert m.get_layer('conv0').kernel_size[1] == d.get_layer('conv0').kernel_size[1] == 4
    assert m.get_layer('pw4').output.shape[-1] == 96 and 'pw5' not in [l.name for l in m.layers]
    k0, s0 = M.DS_CNN_STREAM_FIRST
    assert (49 - k0) % s0 == 0                          # the last row reads the newest frame
    assert m.get_layer('pool').input.shape[1:3] == ((49 - k0) // s0 + 1 - 8, 4) == (13, 4)
    assert M.macs(m) <= 3_000_000
    data = _int8_streams_byte_equal(m, 2, 30)
    assert constant_bytes(data)['constant_tensor_bytes'] <= 64 * 1024
    assert 'time stride 2 does not divide' in refusal(data, 3)
    with pytest.raises(ValueError, match='leave'):
        M.ds_cnn_stream(blocks=11)


def test_ds_cnn_stream_max_pooled_streams_byte_equal_too():
    """--pool max: the streamed chain ends at the last convolution and a MAX_POOL_2D the size
    of the map runs on its kept rows, as MEAN does: every hop byte-equal to the window."""
    m = M.ds_cnn_stream(pool='max')
    assert m.get_layer('pool_max').pool_size == (13, 4)
    _int8_streams_byte_equal(m, 3, 20)
    with pytest.raises(ValueError, match='pool'):
        M.ds_cnn_stream(pool='median')


def test_causal_parts_change_one_thing_each_and_leave_kws_default_as_it_is():
    """realtrain --causal-parts (what each of ds_cnn_stream's changes costs, models/kws_stream.md
    round 4): the default network is untouched; valid_time drops the rows the padding made
    (25 -> 12) and keeps 5 frequency positions; split_dw keeps the shape."""
    d = M.ds_cnn(width=96)
    assert d.get_layer('pool').input.shape[1:3] == (25, 5) and M.macs(d) == 5_521_152
    v = M.ds_cnn(width=96, causal_parts=('valid_time',))
    assert v.get_layer('pool').input.shape[1:3] == (12, 5)
    assert all(l.padding == 'valid' for l in v.layers if type(l).__name__.endswith('Conv2D'))
    s = M.ds_cnn(width=96, causal_parts=('split_dw',))
    assert s.get_layer('pool').input.shape[1:3] == (25, 5)
    assert s.get_layer('dwt1').kernel_size == (3, 1) and s.get_layer('dw1').kernel_size == (1, 3)
    assert M.parameters(s) < M.parameters(d)
    with pytest.raises(ValueError, match='unknown causal parts'):
        M.ds_cnn(causal_parts=('valid_freq',))


def test_realtrain_refuses_causal_parts_and_pool_where_they_mean_nothing(capsys):
    from h7train import realtrain
    assert realtrain.main(['--arch', 'stream', '--causal-parts', 'valid_time']) == 2
    assert '--causal-parts: only for --arch default' in capsys.readouterr().err
    assert realtrain.main(['--causal-parts', 'valid_freq']) == 2
    assert "--causal-parts 'valid_freq': valid_time, split_dw" in capsys.readouterr().err
    assert realtrain.main(['--arch', 'stream_avg', '--pool', 'max']) == 2
    assert '--pool: only for --arch default or stream2d' in capsys.readouterr().err


def test_context_frames_repeat_the_edges_and_bad_values_are_refused(capsys):
    """realtrain --context PAST,FUTURE (models/kws_stream.md round 4): the first frame
    repeated before the window, the last after it; the window itself unchanged."""
    import numpy as np
    from h7train import realtrain
    x = np.arange(2 * 5 * 3, dtype=np.float32).reshape(2, 5, 3)
    y = realtrain.with_context(x, (2, 1))
    assert y.shape == (2, 8, 3)
    assert (y[:, :2] == x[:, :1]).all() and (y[:, 2:7] == x).all() and (y[:, 7:] == x[:, -1:]).all()
    assert realtrain.with_context(x, (0, 0)) is x
    assert realtrain.main(['--context', '12']) == 2
    assert "--context '12': PAST,FUTURE" in capsys.readouterr().err
