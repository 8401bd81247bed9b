"""Clipped, DC-offset, silent, very loud and very noisy audio: finite features, no
saturated garbage after quantization with the MLPerf KWS input scale."""
import numpy as np
import pytest

import h7frontend as fe
import signals

SCALE, ZERO_POINT = 0.5847029089927673, 83   # mlperf_tiny_kws_ref_model input


def cases():
    speech = signals.speech_like(1.0).astype(np.float64)
    return {
        'hard_clipped': signals.to_int16(speech * 40),          # 32x over full scale
        'dc_offset': signals.to_int16(speech * 0.3 + 20000),
        'silent': np.zeros(16000, np.int16),
        'one_lsb_noise': signals.to_int16(np.random.default_rng(2).integers(-1, 2, 16000)),
        'full_scale_square': np.where((np.arange(16000) // 20) % 2, 32767, -32768).astype(np.int16),
        'loud_noise': signals.to_int16(np.random.default_rng(3).standard_normal(16000) * 20000),
        'speech_in_loud_noise': signals.to_int16(speech + np.random.default_rng(4).standard_normal(16000) * 8000),
        'alternating_extremes': np.tile(np.array([32767, -32768], np.int16), 8000),
        'no_positive_sample': signals.to_int16(-np.abs(speech) - 5),
    }


@pytest.mark.parametrize('config', ['mlperf_kws', 'kws_stream', 'log_mel_40'])
@pytest.mark.parametrize('name', sorted(cases()))
def test_features_are_finite_and_bounded(config, name):
    x = fe.features(cases()[name], config)
    assert x.shape[0] == 49
    assert np.isfinite(x).all()
    # Bounds that follow from int16 input: log(1e-6) floor below, full-scale energy above.
    assert np.abs(x).max() < 200


@pytest.mark.parametrize('name', ['hard_clipped', 'full_scale_square', 'loud_noise',
                                  'speech_in_loud_noise', 'alternating_extremes', 'dc_offset'])
def test_loud_input_does_not_saturate_the_model_input(name):
    """With peak normalization (mlperf_kws) a loud clip looks like a normal one: at most a
    few percent of the int8 inputs clamp."""
    x = fe.features(cases()[name], 'mlperf_kws')
    q, saturated = fe.quantize(x, SCALE, ZERO_POINT, return_saturated=True)
    assert saturated <= 0.05 * q.size, f'{name}: {saturated} of {q.size} values clamp'


def test_silence_is_the_log_floor_not_garbage():
    x = fe.features(np.zeros(16000, np.int16), 'kws_stream')
    floor_c0 = 2 / np.sqrt(80) * 40 * np.log(1e-6)
    assert np.allclose(x[:, 0], floor_c0, atol=1e-3)
    assert np.allclose(x[:, 1:], 0, atol=1e-3)
    q, saturated = fe.quantize(x, SCALE, ZERO_POINT, return_saturated=True)
    assert saturated == 0   # c0 = -123.6: -123.6 / 0.585 + 83 rounds to -128, just in range
