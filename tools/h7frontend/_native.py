"""ctypes binding of the host build of the C front end (build/host/.../libh7frontend.so),
loaded through the project's one loader (h7voice.native)."""
import ctypes
import os

from h7voice import native, paths

LIBRARY = 'firmware/frontend/libh7frontend.so'
LIBRARY_PATH = os.path.join(paths.HOST_BUILD, LIBRARY)
LibraryMissing = paths.MissingPart  # a library not built: one line naming the build command


class CConfig(ctypes.Structure):
    """Mirror of h7fe_config_t (all fields 32-bit; the size is checked against C)."""
    _fields_ = [
        ('sample_rate_hz', ctypes.c_uint32), ('window_length', ctypes.c_uint32),
        ('hop_length', ctypes.c_uint32), ('fft_length', ctypes.c_uint32),
        ('window', ctypes.c_uint32), ('spectrum', ctypes.c_uint32),
        ('mel_bands', ctypes.c_uint32), ('mel_low_hz', ctypes.c_float),
        ('mel_high_hz', ctypes.c_float), ('log_offset', ctypes.c_float),
        ('output', ctypes.c_uint32), ('mfcc_count', ctypes.c_uint32),
        ('sample_scale', ctypes.c_float), ('clip_normalization', ctypes.c_uint32),
        ('clip_frames', ctypes.c_uint32), ('noise_suppression', ctypes.c_uint32),
    ]


class CVadConfig(ctypes.Structure):
    """Mirror of h7vad_config_t."""
    _fields_ = [
        ('sample_rate_hz', ctypes.c_uint32), ('start_margin_db', ctypes.c_float),
        ('end_margin_db', ctypes.c_float), ('min_speech_dbfs', ctypes.c_float),
        ('floor_window_ms', ctypes.c_uint32),
        ('start_frames', ctypes.c_uint32), ('hangover_frames', ctypes.c_uint32),
    ]


_lib = None


def lib():
    """The loaded library (loaded once); a clear message if it has not been built."""
    global _lib
    if _lib is not None:
        return _lib
    p, i16, f32, i8 = (ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16),
                       ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_int8))
    size = ctypes.c_size_t
    signatures = {
        'h7fe_state_size': (size, []),
        'h7fe_config_size': (size, []),
        'h7vad_state_size': (size, []),
        'h7vad_config_size': (size, []),
        'h7fe_config_check': (ctypes.c_int, [ctypes.POINTER(CConfig),
                                             ctypes.POINTER(ctypes.c_char_p)]),
        'h7fe_init': (ctypes.c_int, [p, ctypes.POINTER(CConfig)]),
        'h7fe_reset': (None, [p]),
        'h7fe_frames_for': (size, [p, size]),
        'h7fe_push': (size, [p, i16, size, f32, size, ctypes.POINTER(size)]),
        'h7fe_clip_features': (size, [p, i16, size, f32, size]),
        'h7fe_last_log_mel': (f32, [p]),
        'h7fe_last_mel': (f32, [p]),
        'h7fe_features_from_mel': (None, [p, f32, ctypes.c_float, f32]),
        'h7fe_quantize_int8': (ctypes.c_int32, [f32, size, ctypes.c_float, ctypes.c_int32, i8]),
        'h7fe_logf': (ctypes.c_float, [ctypes.c_float]),
        'h7vad_default_config': (None, [ctypes.POINTER(CVadConfig), ctypes.c_uint32]),
        'h7vad_init': (ctypes.c_int, [p, ctypes.POINTER(CVadConfig)]),
        'h7vad_process': (ctypes.c_int, [p, i16, size]),
        'h7vad_frame_energy_db': (ctypes.c_float, [i16, size]),
        'h7vad_event_time_ms': (ctypes.c_uint32, [p]),
        'h7vad_in_speech': (ctypes.c_int, [p]),
        'h7vad_noise_floor_db': (ctypes.c_float, [p]),
        'h7vad_last_energy_db': (ctypes.c_float, [p]),
    }
    so = native.load(LIBRARY, signatures)
    if so.h7fe_config_size() != ctypes.sizeof(CConfig):
        raise RuntimeError('h7fe_config_t layout differs from the Python mirror; rebuild '
                           '(scons variant=host) and update tools/h7frontend/_native.py')
    if so.h7vad_config_size() != ctypes.sizeof(CVadConfig):
        raise RuntimeError('h7vad_config_t layout differs from the Python mirror')
    _lib = so
    return so
