"""The C front end (host build) against the independent NumPy reference.

Stated tolerance (float32 C vs float64 NumPy):
- log-mel: |C - NumPy| <= 2e-3 for bands within 40 dB of the frame's strongest band; weaker
  bands sit near the float32 FFT's rounding floor (~1e-7 of the frame's peak), so there the
  linear energies must agree within 1e-6 of the frame's strongest band instead;
- MFCC: |C - NumPy| <= 0.02 absolute (measured max 0.0066, on a chirp whose low bands are
  ~100 dB down); that is 3% of one int8 step of the MLPerf KWS input (scale 0.585), and the
  quantized inputs differ by at most 1 step, in under 1% of the values.
"""
import numpy as np
import pytest

import h7frontend as fe
import numpy_reference as ref
import signals

LOG_MEL_TOLERANCE = 2e-3
MFCC_TOLERANCE = 0.02

SIGNALS = {
    'speech_like': signals.speech_like(1.0),
    'white_noise': signals.white_noise(1.0),
    'chirp': signals.chirp(1.0),
    'quiet_speech': signals.speech_like(1.0, seed=3, level=300.0),
}


@pytest.mark.parametrize('config', ['mlperf_kws', 'kws_stream', 'log_mel_40'])
@pytest.mark.parametrize('name', sorted(SIGNALS))
def test_c_matches_numpy_reference(config, name):
    cfg = fe.load_config(config)
    got = fe.features(SIGNALS[name], cfg)
    want = ref.features(SIGNALS[name], cfg.values)
    assert got.shape == want.shape == (49, cfg.feature_count)
    if cfg.values['output'] == 'log_mel':
        check_log_mel(got, want)
    else:
        error = np.abs(got - want).max()
        assert error <= MFCC_TOLERANCE, f'{config}/{name}: max |C - NumPy| = {error:.2e}'
        q_got, q_want = fe.quantize(got, 0.5847029, 83), fe.quantize(want, 0.5847029, 83)
        step_diff = np.abs(q_got.astype(int) - q_want)
        assert step_diff.max() <= 1 and (step_diff > 0).mean() < 0.01


def check_log_mel(got, want):
    strong = want >= want.max(axis=1, keepdims=True) - np.log(1e4)
    error = np.abs(got - want)[strong].max()
    assert error <= LOG_MEL_TOLERANCE, f'max |C - NumPy| on strong bands = {error:.2e}'
    peak = np.exp(want.max(axis=1, keepdims=True))
    linear_error = (np.abs(np.exp(got.astype(np.float64)) - np.exp(want)) / peak)[~strong]
    assert linear_error.size == 0 or linear_error.max() <= 1e-6


def test_other_settings_match_too():
    """Power spectrum, Hamming window, 1024-point FFT, 13 MFCC, 64 bands, 25/10 ms."""
    values = dict(fe.parse_config('kws_stream').values, spectrum='power', window='hamming',
                  fft_length=1024, window_length=400, hop_length=160, mel_bands=64,
                  mfcc_count=13, mel_low_hz=60.0, mel_high_hz=7600.0, name='variant')
    cfg = fe.load_config(fe.FrontendConfig(values))
    x = SIGNALS['speech_like']
    got = fe.Frontend(cfg).features(x)
    want = ref.features(x, cfg.values)
    assert got.shape == want.shape == (98, 13)
    assert np.abs(got - want).max() <= 2 * MFCC_TOLERANCE  # power spectrum doubles log errors


def test_streaming_equals_clip_bit_for_bit():
    x = SIGNALS['speech_like']
    clip = fe.features(x, 'kws_stream')
    stream = fe.Stream('kws_stream')
    chunks = [stream.push(x[i:i + 123]) for i in range(0, len(x), 123)]
    assert np.array_equal(np.concatenate(chunks), clip)
    assert stream.frames_emitted == 49


def test_peak_normalization_only_shifts_c0():
    """mlperf_kws divides by the clip peak: with a loud signal the other coefficients
    match kws_stream's, c0 moves by sqrt(2/40) * 40 * ln(32768 / peak)."""
    x = SIGNALS['chirp']
    a, b = fe.features(x, 'mlperf_kws'), fe.features(x, 'kws_stream')
    assert np.abs(a[:, 1:] - b[:, 1:]).max() < 0.05
    shift = np.sqrt(2 / 40) * 40 * np.log(32768 / x.max())
    assert np.abs((a[:, 0] - b[:, 0]) - shift).max() < 0.05


def test_quantize_matches_numpy_rounding_rule():
    x = np.array([-300.0, -2.5, -0.2, 0.0, 0.29, 0.3, 1.5, 2.5, 74.9, 1e9], np.float32)
    q, saturated = fe.quantize(x, 0.2, -10, return_saturated=True)
    want = np.clip(np.sign(x / 0.2) * np.floor(np.abs(x / np.float32(0.2)) + 0.5) - 10, -128, 127)
    assert q.tolist() == want.astype(int).tolist()
    assert saturated == 3


def test_peak_normalization_applied_to_streamed_frames():
    """Firmware streams frames at sample_scale and cannot know a clip's peak in advance;
    keeping each frame's mel energies and applying h7fe_features_from_mel with
    (1 / peak) / sample_scale afterwards gives mlperf_kws's clip features."""
    for x in (SIGNALS['speech_like'], SIGNALS['quiet_speech'], SIGNALS['chirp']):
        stream = fe.Stream('mlperf_kws')
        mel = stream.push_mel(x)
        ratio = (1.0 / float(x.max())) / stream.config.values['sample_scale']
        got = stream.features_from_mel(mel, ratio)
        want = fe.features(x, 'mlperf_kws')
        assert got.shape == want.shape == (49, 10)
        assert np.abs(got - want).max() <= MFCC_TOLERANCE   # 6e-6 on speech, 0.009 on the chirp
        step_diff = np.abs(fe.quantize(got, 0.5847029, 83).astype(int) - fe.quantize(want, 0.5847029, 83))
        assert step_diff.max() <= 1 and (step_diff > 0).mean() < 0.01
