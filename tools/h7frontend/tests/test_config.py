"""Configuration errors: clear messages from JSON checks, C rules and the firmware build."""
import json
import subprocess

import pytest

import h7frontend as fe
from h7frontend import config as config_mod

BASE = fe.parse_config('kws_stream').values


def write(tmp_path, **changes):
    values = dict(BASE, **changes)
    for key, value in list(changes.items()):
        if value is None:
            del values[key]
    path = tmp_path / 'cfg.json'
    path.write_text(json.dumps(values))
    return str(path)


@pytest.mark.parametrize('changes, message', [
    ({'fft_length': 500}, 'fft_length must be 256, 512 or 1024'),
    ({'window_length': 600}, 'window_length must be in 16..fft_length'),
    ({'hop_length': 0}, 'hop_length must be in 1..window_length'),
    ({'mel_high_hz': 9000.0}, 'Nyquist'),
    ({'mel_low_hz': 5000.0, 'mel_high_hz': 4000.0}, 'mel_low_hz < mel_high_hz'),
    ({'mfcc_count': 41}, 'mfcc_count'),
    ({'log_offset': 0.0}, 'log_offset'),
    ({'sample_rate_hz': 100}, 'sample_rate_hz'),
    ({'mel_bands': 200}, 'mel_bands'),
    ({'fft_length': 2048, 'window_length': 480}, 'fft_length must be 256, 512 or 1024'),
])
def test_c_rules_reject_what_the_code_cannot_honour(tmp_path, changes, message):
    with pytest.raises(fe.ConfigError, match=message):
        fe.load_config(write(tmp_path, **changes))


@pytest.mark.parametrize('changes, message', [
    ({'window': 'blackman'}, 'choose one of: hann, hamming'),
    ({'output': 'plp'}, 'choose one of: mfcc, log_mel'),
    ({'hop_length': 32.5}, 'non-negative integer'),
    ({'mel_low_hz': 'low'}, 'must be a number'),
    ({'hop_length': None}, 'missing key "hop_length"'),
    ({'hop_lenght': 320}, 'unknown key'),
])
def test_json_mistakes_are_named(tmp_path, changes, message):
    with pytest.raises(fe.ConfigError, match=message):
        fe.parse_config(write(tmp_path, **changes))


def test_unknown_name_lists_the_available_ones():
    with pytest.raises(fe.ConfigError, match='available: .*mlperf_kws'):
        fe.load_config('no_such_config')


def test_not_json(tmp_path):
    path = tmp_path / 'broken.json'
    path.write_text('{"sample_rate_hz": 16000,')
    with pytest.raises(fe.ConfigError, match='not valid JSON'):
        fe.parse_config(str(path))


def test_every_shipped_config_loads_and_records_metadata():
    for name in fe.available_configs():
        cfg = fe.load_config(name)
        meta = cfg.to_metadata()
        assert meta['name'] == name
        assert fe.FrontendConfig(meta).c_values == cfg.c_values   # metadata reproduces it
    assert fe.load_config('mlperf_kws').input_shape == (49, 10)


def test_firmware_header_fails_the_build_for_an_unsupported_config(tmp_path):
    """The generated header turns the C rules into _Static_assert: 1024- and 256-point FFTs
    are valid on the host, but the chip build links only the 512-point tables
    (H7FE_MAX_FFT_LENGTH / H7FE_MIN_FFT_LENGTH)."""
    good = fe.parse_config('kws_stream')
    big = fe.parse_config(write(tmp_path, fft_length=1024))
    small = fe.parse_config(write(tmp_path, fft_length=256, window_length=256, hop_length=128))
    source = tmp_path / 'use.c'
    for cfg, should_compile, why in ((good, True, None), (big, False, 'larger than H7FE_MAX_FFT_LENGTH'),
                                     (small, False, 'smaller than H7FE_MIN_FFT_LENGTH')):
        (tmp_path / 'fe_config.h').write_text(config_mod.c_header(cfg))
        source.write_text('#include "fe_config.h"\nconst h7fe_config_t c = H7FE_CONFIG_INIT;\n')
        result = subprocess.run(
            ['arm-none-eabi-gcc', '-std=c11', '-Wall', '-Wextra', '-DH7_TARGET_FIRMWARE',
             f'-I{config_mod.TOP}/firmware', f'-I{tmp_path}', '-c', str(source), '-o',
             str(tmp_path / 'use.o')], capture_output=True, text=True)
        assert (result.returncode == 0) == should_compile, result.stderr
        if not should_compile:
            assert 'fft_length is ' + why in result.stderr
