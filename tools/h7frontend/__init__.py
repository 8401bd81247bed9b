"""h7frontend: the C speech front end of h7voice (MFCC / log-mel, int8 quantization, VAD)
from Python, through its host build. One implementation serves the chip and the tools.

    import h7frontend as fe
    cfg = fe.load_config('kws_stream')          # or 'mlperf_kws', or a .json path
    x = fe.features(samples_int16, cfg)         # float32 [49, 10] for 1 s at 16 kHz
    q = fe.quantize(x, scale, zero_point)       # int8, as the chip quantizes
    s = fe.Stream(cfg); s.push(chunk)           # one frame per hop, like the chip
See tools/h7frontend/README.md.
"""
from ._native import LIBRARY_PATH, LibraryMissing
from .config import (CONFIG_DIR, ConfigError, FrontendConfig, available_configs, c_header,
                     parse_config)
from .frontend import Frontend, Stream, features, load_config, quantize
from .vad import Vad
from .wav import WavFormatError, read_wav, write_wav

__all__ = ['CONFIG_DIR', 'ConfigError', 'Frontend', 'FrontendConfig', 'LIBRARY_PATH',
           'LibraryMissing', 'Stream', 'Vad', 'WavFormatError', 'available_configs',
           'c_header', 'features', 'load_config', 'parse_config', 'quantize', 'read_wav',
           'write_wav']
