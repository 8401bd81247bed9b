"""Python API of the C voice activity detector (firmware/frontend/vad.c)."""
import ctypes

import numpy as np

from . import _native

SPEECH_START, SPEECH_END = 1, 2
EVENT_NAMES = {SPEECH_START: 'speech_start', SPEECH_END: 'speech_end'}


class Vad:
    """Energy VAD with noise-floor tracking, hysteresis and hangover.

    Vad(16000, hangover_frames=20).run(samples, frame_length=320) -> list of
    (event_name, time_ms). Keyword arguments override h7vad_default_config()."""

    def __init__(self, sample_rate_hz=16000, **overrides):
        self._lib = _native.lib()
        self.config = _native.CVadConfig()
        self._lib.h7vad_default_config(ctypes.byref(self.config), sample_rate_hz)
        for key, value in overrides.items():
            if key not in dict(_native.CVadConfig._fields_):
                raise ValueError(f'unknown VAD setting {key!r}')
            setattr(self.config, key, value)
        self._state = ctypes.create_string_buffer(self._lib.h7vad_state_size())
        if self._lib.h7vad_init(self._state, ctypes.byref(self.config)) != 0:
            raise ValueError('VAD configuration refused by h7vad_init')

    def process(self, frame):
        """Feeds one frame; returns (event_name or None, time_ms)."""
        a = np.ascontiguousarray(frame, dtype=np.int16)
        event = self._lib.h7vad_process(self._state, a.ctypes.data_as(ctypes.POINTER(ctypes.c_int16)), len(a))
        return EVENT_NAMES.get(event), self._lib.h7vad_event_time_ms(self._state)

    @property
    def in_speech(self):
        return bool(self._lib.h7vad_in_speech(self._state))

    @property
    def noise_floor_db(self):
        return self._lib.h7vad_noise_floor_db(self._state)

    @property
    def last_energy_db(self):
        return self._lib.h7vad_last_energy_db(self._state)

    def decisions(self, samples, frame_length=320):
        """Per-frame speech decisions (bool array) over a whole signal."""
        a = np.ascontiguousarray(samples, dtype=np.int16)
        out = []
        for start in range(0, len(a) - frame_length + 1, frame_length):
            self.process(a[start:start + frame_length])
            out.append(self.in_speech)
        return np.array(out, bool)

    def run(self, samples, frame_length=320):
        """Runs over a whole signal; returns the events [(name, time_ms), ...]."""
        a = np.ascontiguousarray(samples, dtype=np.int16)
        events = []
        for start in range(0, len(a) - frame_length + 1, frame_length):
            name, time_ms = self.process(a[start:start + frame_length])
            if name:
                events.append((name, time_ms))
        return events
