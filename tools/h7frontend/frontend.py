"""Python API of the C speech front end (the host build of firmware/frontend)."""
import ctypes

import numpy as np

from . import _native
from .config import ConfigError, FrontendConfig, parse_config

_I16P = ctypes.POINTER(ctypes.c_int16)
_F32P = ctypes.POINTER(ctypes.c_float)
_I8P = ctypes.POINTER(ctypes.c_int8)


def _c_config(config):
    c = _native.CConfig()
    for key, value in config.c_values.items():
        setattr(c, key, value)
    return c


def load_config(name_or_path='kws_stream'):
    """Reads a configuration (a name in firmware/frontend/configs/ or a .json path) and checks
    it with the C rules; raises ConfigError with the reason if the C code cannot honour it."""
    config = name_or_path if isinstance(name_or_path, FrontendConfig) else parse_config(name_or_path)
    message = ctypes.c_char_p()
    rule = _native.lib().h7fe_config_check(ctypes.byref(_c_config(config)), ctypes.byref(message))
    if rule != 0:
        where = config.path or config.name
        raise ConfigError(f'{where}: {message.value.decode()} (rule {rule} of H7FE_CONFIG_RULES)')
    return config


def _samples(samples):
    a = np.asarray(samples)
    if a.dtype != np.int16:
        raise TypeError(f'samples must be int16 (got {a.dtype}); scale float audio with '
                        f'np.clip(np.round(x * 32768), -32768, 32767).astype(np.int16)')
    if a.ndim != 1:
        raise ValueError(f'samples must be 1-D (got shape {a.shape})')
    return np.ascontiguousarray(a)


class Frontend:
    """One front-end instance (C state + tables) for a configuration."""

    def __init__(self, config='kws_stream'):
        self.config = load_config(config)
        self._lib = _native.lib()
        self._state = ctypes.create_string_buffer(self._lib.h7fe_state_size())
        status = self._lib.h7fe_init(self._state, ctypes.byref(_c_config(self.config)))
        if status != 0:
            raise ConfigError(f'{self.config.name}: h7fe_init failed ({status})')
        self.feature_count = self.config.feature_count

    def features(self, samples):
        """Features of one clip: float32 [frames, feature_count]. Uses the clip API, so the
        config's clip_normalization applies. Frames = 1 + (len - window) // hop."""
        a = _samples(samples)
        frames = self._lib.h7fe_frames_for(self._reset_state(), len(a))
        out = np.zeros((frames, self.feature_count), np.float32)
        n = self._lib.h7fe_clip_features(self._state, a.ctypes.data_as(_I16P), len(a),
                                         out.ctypes.data_as(_F32P), frames)
        assert n == frames
        return out

    def features_batch(self, clips):
        """Features of equally long clips: int16 [n, samples] -> float32 [n, frames, features]."""
        clips = np.asarray(clips)
        if clips.ndim != 2:
            raise ValueError(f'clips must be 2-D [n, samples] (got shape {clips.shape})')
        first = self.features(clips[0]) if len(clips) else np.zeros((0, self.feature_count))
        out = np.empty((len(clips),) + first.shape, np.float32)
        for i, clip in enumerate(clips):
            out[i] = first if i == 0 else self.features(clip)
        return out

    def _reset_state(self):
        self._lib.h7fe_reset(self._state)
        return self._state

    def stream(self):
        """A streaming front end (its own state) with this configuration."""
        return Stream(self.config)


class Stream:
    """Streaming features: push() audio in any chunk size, get one frame per hop. Streaming
    uses sample_scale (never clip normalization), exactly as the chip does."""

    def __init__(self, config='kws_stream'):
        self._frontend = Frontend(config)
        self.config = self._frontend.config
        self.feature_count = self._frontend.feature_count
        self._lib = self._frontend._lib
        self._state = self._frontend._state
        self.frames_emitted = 0

    def push(self, samples):
        """Feeds samples; returns the frames they completed, float32 [k, feature_count]."""
        a = _samples(samples)
        frames = self._lib.h7fe_frames_for(self._state, len(a))
        out = np.zeros((frames, self.feature_count), np.float32)
        consumed = ctypes.c_size_t()
        n = self._lib.h7fe_push(self._state, a.ctypes.data_as(_I16P), len(a),
                                out.ctypes.data_as(_F32P), frames, ctypes.byref(consumed))
        assert n == frames and consumed.value == len(a)
        self.frames_emitted += n
        return out

    def last_log_mel(self):
        """Log-mel energies of the last frame (mel_bands values)."""
        ptr = self._lib.h7fe_last_log_mel(self._state)
        return np.ctypeslib.as_array(ptr, shape=(self.config.values['mel_bands'],)).copy()

    def last_mel(self):
        """Linear mel energies of the last frame (mel_bands values)."""
        ptr = self._lib.h7fe_last_mel(self._state)
        return np.ctypeslib.as_array(ptr, shape=(self.config.values['mel_bands'],)).copy()

    def push_mel(self, samples):
        """Like push(), but returns each new frame's linear mel energies [k, mel_bands]
        (what firmware keeps to apply a clip's peak normalization later)."""
        a = _samples(samples)
        hop = self.config.values['hop_length']
        rows = []
        for start in range(0, len(a), hop):
            if len(self.push(a[start:start + hop])):
                rows.append(self.last_mel())
        return np.array(rows, np.float32).reshape(-1, self.config.values['mel_bands'])

    def features_from_mel(self, mel, gain_ratio=1.0):
        """Features of frames from their linear mel energies, as if their audio had been
        scaled by gain_ratio more (h7fe_features_from_mel): [k, mel_bands] -> [k, features]."""
        m = np.ascontiguousarray(mel, dtype=np.float32).reshape(-1, self.config.values['mel_bands'])
        out = np.zeros((len(m), self.feature_count), np.float32)
        for i in range(len(m)):
            self._lib.h7fe_features_from_mel(self._state, m[i].ctypes.data_as(_F32P), float(gain_ratio),
                                             out[i].ctypes.data_as(_F32P))
        return out

    def reset(self):
        self._lib.h7fe_reset(self._state)
        self.frames_emitted = 0


_cache = {}


def features(samples, config='kws_stream'):
    """Features of one int16 clip with a configuration (name, path or FrontendConfig)."""
    key = config if isinstance(config, str) else id(config)
    if key not in _cache:
        _cache[key] = Frontend(config)
    return _cache[key].features(samples)


def quantize(features, scale, zero_point, return_saturated=False):
    """float features -> int8 model input: clamp(round_half_away(x / scale) + zero_point).
    The same C as the chip. With return_saturated, also returns how many values clamped."""
    x = np.ascontiguousarray(features, dtype=np.float32)
    out = np.empty(x.shape, np.int8)
    saturated = _native.lib().h7fe_quantize_int8(x.ctypes.data_as(_F32P), x.size,
                                                 float(scale), int(zero_point),
                                                 out.ctypes.data_as(_I8P))
    if saturated < 0:
        raise ValueError(f'quantize: scale must be a positive finite number (got {scale})')
    return (out, saturated) if return_saturated else out
