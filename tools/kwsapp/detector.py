"""The keyword firmware's decision on the host: the C of firmware/apps/kws (pipeline, power
policy, pacer) and firmware/speech (kws_detector), with the model run by the engine's host
build, over whole recordings (build/host/firmware/apps/kws/libh7kws.so, kws_host_api.c).

Every evaluation and report figure about detections comes from here, with the firmware's
own settings (kws_config.h, kws_detector_default_config): this module keeps no copy of
them; `settings()` reads them from the C side.

    from kwsapp.detector import KwsStream, settings
    stream = KwsStream('models/kws_default.tflite')
    detections, stats = stream.run(samples)        # int16, 16 kHz
    # detections: dicts like the firmware's "kws" events: word, score, start_ms, end_ms,
    # decided_ms (audio times, ms)

What differs from a board run (kws_host_api.c says why): the host is never behind (no
skipped model runs), and where the power policy asks for Stop mode it keeps listening
(stats['stop_requests'] counts them) unless run(..., wake_pin=True): then it stops as the
board does until the microphone's wake pin (h7sim's microphone model) rises.
"""
import ctypes
import os

import numpy as np

from h7voice import native, paths

LIBRARY = 'firmware/apps/kws/libh7kws.so'
MAX_DETECTIONS = 4096


class DetectorError(ValueError):
    """The model, its metadata or the audio cannot be run (one line, names the file)."""


class _Settings(ctypes.Structure):
    _fields_ = [('sample_rate_hz', ctypes.c_uint32), ('model_hop_ms', ctypes.c_uint32),
                ('max_backlog_ms', ctypes.c_uint32), ('vad_hangover_frames', ctypes.c_uint32),
                ('threshold', ctypes.c_float), ('smooth_count', ctypes.c_int32),
                ('settle_ms', ctypes.c_uint32), ('min_speech_ms', ctypes.c_uint32),
                ('max_segment_ms', ctypes.c_uint32), ('stop_after_silence_ms', ctypes.c_uint32)]


class _Detection(ctypes.Structure):
    """Mirror of kws_detection_t (size checked against C)."""
    _fields_ = [('class_index', ctypes.c_int), ('score', ctypes.c_float),
                ('start_ms', ctypes.c_uint32), ('end_ms', ctypes.c_uint32),
                ('decided_ms', ctypes.c_uint32)]


_STATS = ('hops', 'inferences', 'model_evaluations', 'skipped_inferences', 'model_failures',
          'segments', 'rejected_short', 'rejected_long', 'rejected_low_score', 'detections',
          'stop_requests', 'listen_ms', 'recognize_ms', 'stopped_ms', 'model_runs', 'streamed_runs',
          'stream_frames')
# run(stream=...): kws_host_set_stream's modes
STREAM_MODES = {None: 0, False: 1, True: 2, 'schedule': 3}


class _Stats(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint32) for name in _STATS]


def _lib():
    from h7frontend._native import CConfig
    p = ctypes.c_void_p
    lib = native.load(LIBRARY, {
        'kws_host_settings': (None, [ctypes.POINTER(_Settings)]),
        'kws_host_detection_size': (ctypes.c_size_t, []),
        'kws_host_stats_size': (ctypes.c_size_t, []),
        'kws_host_set_wake_pin': (ctypes.c_int, [p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint32]),
        'kws_host_set_stop_after': (None, [p, ctypes.c_uint32]),
        'kws_host_set_early_stop': (None, [p, ctypes.c_uint32]),
        'kws_host_set_dense_lead': (None, [p, ctypes.c_uint32]),
        'kws_host_set_early_decision': (None, [p, ctypes.c_uint32]),
        'kws_host_set_stream': (ctypes.c_int, [p, ctypes.c_uint32]),
        'kws_host_firmware_cascade': (ctypes.c_int, [p]),
        'kws_host_frontend_config_size': (ctypes.c_size_t, []),
        'kws_host_open': (p, [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(CConfig),
                              ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_char_p,
                              ctypes.c_size_t]),
        'kws_host_close': (None, [p]),
        'kws_host_error': (ctypes.c_char_p, [p]),
        'kws_host_run': (ctypes.c_int, [p, ctypes.POINTER(ctypes.c_int16), ctypes.c_size_t,
                                        ctypes.c_float, ctypes.POINTER(_Detection), ctypes.c_int,
                                        ctypes.POINTER(_Stats)]),
    })
    if lib.kws_host_detection_size() != ctypes.sizeof(_Detection):
        raise RuntimeError('kws_detection_t differs from tools/kwsapp/detector.py; rebuild '
                           '(h7voice build host) and update the mirror')
    if lib.kws_host_stats_size() != ctypes.sizeof(_Stats):
        raise RuntimeError('kws_host_stats_t differs from tools/kwsapp/detector.py; rebuild '
                           '(h7voice build host) and update the mirror')
    if lib.kws_host_frontend_config_size() != ctypes.sizeof(CConfig):
        raise RuntimeError('h7fe_config_t differs from tools/h7frontend/_native.py')
    return lib


def settings():
    """The firmware's keyword settings as C has them: sample_rate_hz, model_hop_ms,
    max_backlog_ms, vad_hangover_frames, threshold, smooth_count, settle_ms, min_speech_ms,
    max_segment_ms, stop_after_silence_ms."""
    s = _Settings()
    _lib().kws_host_settings(ctypes.byref(s))
    out = {name: getattr(s, name) for name, _ in _Settings._fields_}
    out['threshold'] = round(float(s.threshold), 6)
    return out


def model_metadata(tflite_path, labels=None, frontend=None):
    """(model bytes, labels, front-end config name) as the firmware build takes them: through
    the embed step's one reader of the model record (h7nn.embed.record_of). labels and
    frontend (a config name) given together stand in for the record, for a model that has
    none (the MLPerf peer: realdata.MLPERF_LABELS, 'mlperf_kws')."""
    from h7nn.embed import EmbedError, read_model, record_of
    if (labels is None) != (frontend is None):
        raise DetectorError(f'{tflite_path}: give both labels and frontend, or neither')
    try:
        data = read_model(tflite_path)
        if labels is not None:
            return data, list(labels), frontend
        meta_path, labels, frontend = record_of(tflite_path)
    except EmbedError as err:
        raise DetectorError(str(err)) from None
    if meta_path is None:
        raise DetectorError(f'{os.path.splitext(tflite_path)[0]}.json: the model metadata is '
                            f'missing (its "labels" and "frontend")')
    if not labels or not frontend:
        raise DetectorError(f'{meta_path}: not model metadata with "labels" and "frontend"')
    return data, labels, frontend


class KwsStream:
    """One model in the firmware's keyword pipeline (host build)."""

    def __init__(self, tflite_path, labels=None, frontend=None):
        """labels, frontend: for a model without a .json record (model_metadata)."""
        import h7frontend
        from h7frontend.frontend import _c_config
        data, self.labels, frontend = model_metadata(tflite_path, labels, frontend)
        self.model = os.path.basename(tflite_path)
        try:
            self.frontend_config = h7frontend.load_config(frontend)
        except (h7frontend.ConfigError, OSError) as err:
            raise DetectorError(f'{tflite_path}: front-end config {frontend!r}: {err}') from None
        self._lib = _lib()
        self._c_config = _c_config(self.frontend_config)
        names = (ctypes.c_char_p * len(self.labels))(*[l.encode() for l in self.labels])
        error = ctypes.create_string_buffer(200)
        self._h = self._lib.kws_host_open(data, len(data), ctypes.byref(self._c_config), names,
                                          len(self.labels), error, len(error))
        if not self._h:
            raise DetectorError(f'{tflite_path}: refused as the firmware would refuse it: '
                                f'{error.value.decode() or "out of memory"}')
        self._out = (_Detection * MAX_DETECTIONS)()
        self._stream_mode = 0
        # the hop the firmware would stream this model at (0: full windows)
        self.stream_frames = self._lib.kws_host_set_stream(self._h, 0)
        # the firmware's cascade (kws_config.h) in front of this model, as on the board (not
        # in front of a streamed one: KWS_STREAM_CASCADE)
        from h7voice.cascade import apply_firmware_cascade
        self.gate_threshold = (apply_firmware_cascade(self) if self._lib.kws_host_firmware_cascade(self._h)
                               else None)

    def close(self):
        if getattr(self, '_h', None):
            self._lib.kws_host_close(self._h)
            self._h = None

    def __del__(self):
        self.close()

    def run(self, samples, threshold=None, wake_pin=False, stop_after_ms=None, stop_frames=None,
            lead=None, stream=None, early=None):
        """Runs the pipeline from a fresh start over the recording (int16, 16 kHz).
        threshold: None = the firmware's. wake_pin: Stop as the board does, woken by the
        microphone's wake-on-sound pin (h7sim.periph.microphone). stop_after_ms: the power
        policy's silence before Stop (None: the firmware's). stop_frames: the quiet frames a
        word ending in a stop consonant waits for its early decision (None: the firmware's).
        lead: score the window of the last speech frame at the first quiet frame (True/False;
        None: the firmware's KWS_DENSE_LEAD). stream: None the firmware's (the model streams
        if the engine can stream it, kws_stream.h), False full windows with the schedule of a
        model that cannot stream (console 'f'), True streaming, 'schedule' the streaming
        schedule with every run a full window (streaming must not change a decision).
        early: decide a confident word after the dense runs instead of after the VAD's
        hangover (True/False; None: the firmware's KWS_EARLY_DECISION).
        Returns (detections, stats); stats['stream_frames'] is the hop streamed at (0: none)."""
        a = np.asarray(samples)
        if a.dtype != np.int16 or a.ndim != 1:
            raise DetectorError(f'audio must be 1-D int16 at 16 kHz (got {a.dtype} {a.shape})')
        a = np.ascontiguousarray(a)
        active = None
        if wake_pin:
            from h7sim.periph.microphone import AAD_WINDOW, activity_windows
            active = np.ascontiguousarray(activity_windows(a), dtype=np.uint8)
            self._wake_active = active  # the C side keeps the pointer
            self._lib.kws_host_set_wake_pin(self._h, active.ctypes.data, len(active), AAD_WINDOW)
        else:
            self._lib.kws_host_set_wake_pin(self._h, None, 0, 0)
        self._lib.kws_host_set_stop_after(self._h, int(stop_after_ms or 0))
        self._lib.kws_host_set_early_stop(self._h, int(stop_frames or 0))
        self._lib.kws_host_set_dense_lead(self._h, 0 if lead is None else 2 if lead else 1)
        self._lib.kws_host_set_early_decision(self._h, 0 if early is None else 2 if early else 1)
        if stream not in STREAM_MODES:
            raise DetectorError(f'stream={stream!r}: use None, False, True or "schedule"')
        if self._stream_mode != STREAM_MODES[stream]:  # (the C side then drops its cache)
            self._stream_mode = STREAM_MODES[stream]
            self._lib.kws_host_set_stream(self._h, self._stream_mode)
        stats = _Stats()
        n = self._lib.kws_host_run(self._h, a.ctypes.data_as(ctypes.POINTER(ctypes.c_int16)),
                                   len(a), float(threshold or 0.0), self._out, MAX_DETECTIONS,
                                   ctypes.byref(stats))
        if n < 0:
            raise DetectorError(f'{self.model}: {self._lib.kws_host_error(self._h).decode()}')
        if n > MAX_DETECTIONS:
            raise DetectorError(f'{self.model}: {n} detections, more than {MAX_DETECTIONS}: '
                                f'split the audio')
        dets = []
        for d in self._out[:n]:
            dets.append({'word': self.labels[d.class_index], 'score': round(float(d.score), 3),
                         'start_ms': int(d.start_ms), 'end_ms': int(d.end_ms),
                         'decided_ms': int(d.decided_ms)})
        return dets, {name: int(getattr(stats, name)) for name in _STATS}


def describe():
    """One line naming the code and settings the figures come from (for reports)."""
    s = settings()
    return (f'host build of the firmware C (kws_pipeline + kws_detector + engine, '
            f'{paths.rel(paths.host_library(LIBRARY))}): model from the word\'s end (the VAD\'s '
            f'hangover; firmware/apps/kws/kws_config.h), then every {s["model_hop_ms"]} ms (a model the '
            f'engine streams: every stream hop) until the decision, {s["smooth_count"]} posteriors averaged, '
            f'threshold {s["threshold"]:g}')
