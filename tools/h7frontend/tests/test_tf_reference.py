"""mlperf_kws against TensorFlow's own tf.signal pipeline, as MLPerf Tiny KWS computes its
training input (mlcommons/tiny keyword_spotting get_dataset.py). Skipped without TF."""
import numpy as np
import pytest

import h7frontend as fe
import signals

SCALE, ZERO_POINT = 0.5847029089927673, 83


def mlperf_tf_features(samples):
    import tensorflow as tf
    wav = tf.cast(samples, tf.float32)
    wav = wav / tf.reduce_max(wav)
    stfts = tf.signal.stft(wav, frame_length=480, frame_step=320, fft_length=None,
                           window_fn=tf.signal.hann_window)
    spectrograms = tf.abs(stfts)
    weights = tf.signal.linear_to_mel_weight_matrix(40, stfts.shape[-1], 16000, 20.0, 4000.0)
    log_mel = tf.math.log(tf.tensordot(spectrograms, weights, 1) + 1e-6)
    return tf.signal.mfccs_from_log_mel_spectrograms(log_mel)[..., :10].numpy()


def test_mlperf_kws_equals_tensorflow():
    for x in (signals.speech_like(1.0), signals.white_noise(1.0), signals.chirp(1.0)):
        want = mlperf_tf_features(x)
        got = fe.features(x, 'mlperf_kws')
        assert got.shape == want.shape == (49, 10)
        assert np.abs(got - want).max() < 0.02
        q_diff = np.abs(fe.quantize(got, SCALE, ZERO_POINT).astype(int) -
                        fe.quantize(want, SCALE, ZERO_POINT))
        assert q_diff.max() <= 1 and (q_diff > 0).mean() < 0.01
