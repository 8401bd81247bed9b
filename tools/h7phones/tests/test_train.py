"""The shipped phone model: the engine accepts it with the contract's shapes, and its record
says what the consumers read (front end, window, lookahead, ctc, output kind, phone set)."""
import json
import os

import numpy as np
import pytest

from h7phones import train
from h7speech import phones as P
from h7voice import paths

MODEL = os.path.join(paths.MODELS, 'phones.tflite')


def test_shipped_model_loads_in_our_engine_with_the_contract_shapes():
    from h7nn import engine
    with open(MODEL, 'rb') as f:
        data = f.read()
    nets = engine.verify(data)               # both kernel sets, as the board checks
    nn = nets['m7']
    meta = json.load(open(os.path.join(paths.MODELS, 'phones.json')))
    W = meta['window_frames']
    assert W <= 32 and 2 <= meta['lookahead_frames'] <= 4
    assert nn.input_details()['shape'] == (1, W, 40, 1)
    assert nn.output_details()['shape'] == (1, P.COUNT)
    import h7frontend   # the front end the record names has the contract's frames and bands
    fe = h7frontend.load_config(meta['frontend_config']).c_values
    assert (fe['hop_length'], fe['window_length'], fe['mel_bands'], fe['clip_frames']) == (320, 480, 40, W)
    assert meta['ctc'] is False
    assert meta['output_kind'] in ('log_softmax', 'softmax')
    assert meta['phone_set']['hash'] == P.HASH and meta['phone_set']['name'] == P.NAME
    assert nn.arena_used <= 96 * 1024 and len(data) <= 320 * 1024
    assert meta['input']['scale'] == nn.input_details()['scale']
    # both kernel sets give the same scores on a window (the board runs the M7 ones)
    x = np.random.default_rng(0).integers(-128, 128, (1, W, 40, 1)).astype(np.int8)
    assert np.array_equal(nets['m7'].run(x), nets['reference'].run(x))


def test_model_windows_see_context_without_crossing_clips():
    feats = np.arange(5 * 40, dtype=np.float32).reshape(5, 40)
    f, lab = train._with_context(feats, np.arange(1, 6, dtype=np.int8))
    assert len(f) == 5 + train.PAST + train.LOOKAHEAD
    first = train.PAST                        # the window of frame 0 ends LOOKAHEAD later
    assert lab[first] == 1 and (lab[:first] == -1).all() and (lab[-train.LOOKAHEAD:] == -1).all()
    assert np.array_equal(f[0], feats[0]) and np.array_equal(f[-1], feats[-1])


def test_bad_arguments_give_one_line_and_exit_2(capsys):
    assert train.main(['--corpora', 'ljspeech_aligned']) == 2
    assert train.main(['--minutes', '0']) == 2
    assert train.main(['--init', 'no/such/phones.tflite']) == 2
    assert train.main(['--formant-warp', '1.5']) == 2
    assert train.main(['--frontend', 'no_such_config']) == 2
    assert train.main(['--frontend', 'kws_stream']) == 2   # a keyword front end: 49 frames of MFCC
    from h7phones import export
    assert export.main(['evaluate', '--corpora', 'timit']) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 7 and 'evaluation only' in err[0] and 'no such file' in err[2]
    assert 'probability' in err[3]
    assert 'no_such_config' in err[4] and 'clip_frames 32' in err[5]


def test_noise_suppressed_front_end_is_the_same_bands_with_the_stage_on():
    """phones_mel40_ns differs from phones_mel40 only by the noise-suppression stage, so a
    model trained on it keeps the phone model's contract (and the board's 20 ms frame)."""
    import h7frontend
    plain = h7frontend.load_config('phones_mel40').c_values
    ns = h7frontend.load_config('phones_mel40_ns').c_values
    assert {k: v for k, v in ns.items() if k != 'noise_suppression'} == \
        {k: v for k, v in plain.items() if k != 'noise_suppression'}
    assert ns['noise_suppression'] == 1 and plain.get('noise_suppression', 0) == 0
    # steady noise is what the stage lowers: the same hum gives lower features with it on
    rng = np.random.default_rng(0)
    hum = np.round(rng.normal(0, 800, 32000)).astype(np.int16)
    assert train.features(hum, 'phones_mel40_ns')[-10:].mean() < train.features(hum)[-10:].mean() - 1.0


def test_formant_warp_keeps_the_length_and_only_runs_when_asked():
    """--formant-warp: the warped copy keeps its duration (its frame labels stay valid);
    with warp 0 the augmentation draws exactly what it drew before, so runs without the
    option make the same data as before it existed."""
    class Quiet:   # the noise pool's interface, silent
        def take(self, rng, n):
            return np.zeros(n, np.float32)
    t = np.arange(16000) / 16000.0
    x = np.round(8000 * np.sin(2 * np.pi * 440 * t) * np.sin(2 * np.pi * 3 * t)).astype(np.int16)
    plain = train.augment(x, np.random.default_rng(5), Quiet())
    again = train.augment(x, np.random.default_rng(5), Quiet(), warp=0.0)
    warped = train.augment(x, np.random.default_rng(5), Quiet(), warp=1.0)
    assert np.array_equal(plain, again)
    assert len(warped) == len(x) and not np.array_equal(warped, plain)
    # --warp-range: the default range is the one the shipped models were made with; another
    # range draws the same random numbers (the rest of the data stays the same) but warps differently
    same = train.augment(x, np.random.default_rng(5), Quiet(), warp=1.0, warp_range=train.WARP_ALPHA)
    wider = train.augment(x, np.random.default_rng(5), Quiet(), warp=1.0, warp_range=(0.88, 1.25))
    assert np.array_equal(same, warped) and not np.array_equal(wider, warped)


@pytest.mark.parametrize('value', ['1.2', '1.2,1.1', '0.5,1.1', 'a,b'])
def test_warp_range_out_of_bounds_is_one_line(value, capsys):
    with pytest.raises(SystemExit) as e:
        train.main(['--warp-range', value])
    assert e.value.code == 2 and '--warp-range' in capsys.readouterr().err


def test_warm_start_reproduces_the_shipped_model():
    """--init: the int8 file loaded into the training model (BatchNorm and normalisation
    unfolded) and folded again gives each of the shipped model's layers, from that layer's
    own int8 input, to within its int8 output rounding, and the scores up to the rounding
    the 8 layers accumulate."""
    import tensorflow as tf
    from keras import layers
    rng = np.random.default_rng(1)
    # no delegate: every intermediate tensor is kept, for the per-layer comparison
    it = tf.lite.Interpreter(MODEL, experimental_preserve_all_tensors=True,
                             experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    si, zi = i['quantization']
    so, zo = o['quantization']
    tensors = {t['index']: t for t in it.get_tensor_details()}
    ops = [op for op in it._get_ops_details() if op['op_name'] in ('CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED')]

    def value(index):
        s, z = tensors[index]['quantization']
        return (it.get_tensor(index).astype(np.float32) - z) * s
    x = rng.normal(0, 1, (64, train.WINDOW, 40)).cumsum(1) * 0.3 + 8.0   # smooth, mel-like
    q = np.clip(np.round(x / si + zi), -128, 127).astype(np.int8)
    xf = (q.astype(np.float32) - zi) * si
    ref, ins, outs = [], [[] for _ in ops], [[] for _ in ops]
    for k in range(len(q)):
        it.set_tensor(i['index'], q[k][None, :, :, None])
        it.invoke()
        ref.append((it.get_tensor(o['index'])[0].astype(np.float32) - zo) * so)
        for j, op in enumerate(ops):
            ins[j].append(value(op['inputs'][0]))
            outs[j].append(value(op['outputs'][0]))
    ref = np.array(ref)
    mean = xf.reshape(-1, 40).mean(0)
    std = xf.reshape(-1, 40).std(0) + 1e-3
    model = train.build_model()
    train.warm_start(model, MODEL, mean, std, ((xf - mean) / std)[..., None])
    train.fold_normalisation(model, mean, std)
    # each layer (conv, its BatchNorm and ReLU) on the int8 model's own input to it: one
    # output rounding apart (<= 0.5 LSB, a little more from the int8 requantisation; v2 and
    # v3 measured 0.50-0.56 LSB at most, v4 0.62; 0.04-0.25 on average)
    convs = [l for l in model.layers if isinstance(l, (layers.Conv2D, layers.DepthwiseConv2D, layers.Dense))]
    assert len(convs) == len(ops)
    at = {id(l): n for n, l in enumerate(model.layers)}
    for op, conv, a, want in zip(ops, convs, ins, outs):
        n = at[id(conv)]
        a = conv(np.concatenate(a))
        for layer in model.layers[n + 1:n + 3]:
            if isinstance(layer, layers.BatchNormalization):
                a = layer(a, training=False)
            elif isinstance(layer, layers.ReLU):
                a = layer(a)
        want = np.concatenate(want)
        lsb = np.abs(np.asarray(a).reshape(want.shape) - want) / tensors[op['outputs'][0]]['quantization'][0]
        assert lsb.max() < 0.7 and lsb.mean() < 0.3, (conv.name, lsb.max(), lsb.mean())
    got = model.predict(xf[..., None], verbose=0)
    # end to end the int8 rounding of 8 layers adds up: ~2-4 output LSB on average
    assert np.abs(got - ref).mean() < 4 * so
    assert (got.argmax(1) == ref.argmax(1)).mean() > 0.9


def test_snr_option_takes_a_range_and_refuses_anything_else(capsys):
    import pytest
    assert train._snr_range('-5,20') == (-5.0, 20.0)
    for bad in ('10', '20,5', 'a,b', '-30,10'):
        with pytest.raises(SystemExit) as e:
            train.main(['--snr', bad])
        assert e.value.code == 2
    assert capsys.readouterr().err.count('argument --snr') == 4
