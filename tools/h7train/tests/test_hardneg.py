"""Recipe 4's pieces: the hard windows are placed where the firmware scores a segment, the
int8 keyword model loads back into its training model, and recipe 4 asks for the model it
mines with."""
import numpy as np
import pytest

from h7train import hardneg


def test_windows_end_where_the_detector_scores_the_segment():
    x = np.arange(48000, dtype=np.int32)   # sample i holds i
    dets = [{'word': 'go', 'score': 0.4, 'start_ms': 1200, 'end_ms': 1500},
            {'word': 'on', 'score': 0.5, 'start_ms': 100, 'end_ms': 400},     # window before 0
            {'word': 'up', 'score': 0.6, 'start_ms': 2700, 'end_ms': 2900}]   # past the end
    got = hardneg.segment_windows(x, dets)
    ends = [(d['word'], int(w[-1]) + 1) for d, w in got]
    assert ends == [('go', 16 * (1500 + lag)) for lag in hardneg.WINDOW_ENDS_MS] + \
        [('up', 16 * (2900 + lag)) for lag in hardneg.WINDOW_ENDS_MS if 16 * (2900 + lag) <= 48000]
    assert all(len(w) == 16000 for _, w in got)


def test_mining_plays_training_sentences_only():
    """The held-out stream's sentences (ljspeech_aligned, transcribed_misc) are never mined."""
    from h7train.realstream import training_negative_sentences
    sources = {s.split(':')[0] for s, _, _ in training_negative_sentences()}
    assert sources == {'librispeech', 'mycroft'}


def test_recipe_4_needs_the_int8_model_it_continues():
    from h7train.realtrain import hard_negatives
    with pytest.raises(ValueError, match='--init MODEL.tflite'):
        hard_negatives(None)
    with pytest.raises(ValueError, match='--init MODEL.tflite'):
        hard_negatives('build/realkws/kws_default.keras')


def test_the_shipped_keyword_model_loads_back_into_its_training_model():
    """warmstart.warm_start on kws_default: the float model gives the int8 model's
    probabilities up to the int8 rounding of its layers."""
    import tensorflow as tf
    from h7data.vocab import LABELS
    from h7train import models as M
    from h7train.warmstart import warm_start
    path = 'models/kws_default.tflite'
    it = tf.lite.Interpreter(path)
    it.allocate_tensors()
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    si, zi = i['quantization']
    so, zo = o['quantization']
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, (48, 49, 10)).cumsum(1) * 2.0 + rng.normal(0, 8, (48, 1, 10))
    q = np.clip(np.round(x / si + zi), -128, 127).astype(np.int8)
    xf = (q.astype(np.float32) - zi) * si
    ref = []
    for k in range(len(q)):
        it.set_tensor(i['index'], q[k][None])
        it.invoke()
        ref.append((it.get_tensor(o['index'])[0].astype(np.float32) - zo) * so)
    ref = np.array(ref)
    model = M.ds_cnn((49, 10), len(LABELS), width=96)
    warm_start(model, path, None, None, xf)
    got = tf.nn.softmax(model.predict(xf, verbose=0)).numpy()
    assert np.abs(got - ref).mean() < 4 * so
    assert np.mean(got.argmax(1) == ref.argmax(1)) >= 0.95
    with pytest.raises(ValueError, match='another architecture'):
        warm_start(M.ds_cnn((49, 10), len(LABELS), width=64), path, None, None, xf)
