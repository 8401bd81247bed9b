"""The weights streamer (firmware/engine/weights_stream.c) in the host engine: the model's
own bytes play the external memory, memmove is the copier. Streaming (with and without
prefetch) must give the outputs of in-place reads bit for bit, copy what the plan says,
retry a failed copy once and fall back to in-place reads after a second failure. (On the
board: robot_tests/qspi, python -m h7qspi bench.)"""
import ctypes
import os

import numpy as np
import pytest

from h7voice import native, paths
from h7nn import engine

MODEL = os.path.join(paths.TOP, 'models', 'kws_default.tflite')   # DS-CNN: CONV_2D, DEPTHWISE, FC
IN_PLACE, SYNC, PREFETCH = 0, 1, 2
OK, ERR_ARGUMENT = 0, 1

_P, _S = ctypes.c_void_p, ctypes.c_size_t
COPY = ctypes.CFUNCTYPE(ctypes.c_int, _P, _P, _P, _S)
WAIT = ctypes.CFUNCTYPE(ctypes.c_int, _P)
ERROR = ctypes.CFUNCTYPE(_P, _P)  # const char * (an address: a bytes return would leak)
DONE = ctypes.CFUNCTYPE(None, _P, _P, _S)
RESET = ctypes.CFUNCTYPE(None, _P)


class Port(ctypes.Structure):
    _fields_ = [('copy', COPY), ('wait', WAIT), ('error', ERROR), ('done', DONE), ('reset', RESET),
                ('user', _P), ('external_lo', ctypes.c_size_t), ('external_hi', ctypes.c_size_t)]


def lib():
    return native.load(engine.LIBRARY_REL, {
        'h7_ws_size': (_S, []),
        'h7_ws_init': (ctypes.c_int, [_P, _P, ctypes.POINTER(Port), ctypes.c_int, _P, _P, _S, _P, _P]),
        'h7_ws_buffer_bytes': (_S, [_P, ctypes.c_size_t, ctypes.c_size_t]),
        'h7_ws_set_mode': (ctypes.c_int, [_P, ctypes.c_int]),
        'h7_ws_error': (ctypes.c_char_p, [_P]),
        'h7_ws_counters': (None, [_P, ctypes.POINTER(ctypes.c_uint32)]),
    })


class Streamed:
    """An engine interpreter whose model bytes count as external memory, with a streamer."""

    def __init__(self, mode, fail_waits=0, buffer_bytes=None, scribble=False):
        self.interp = engine.Interpreter(open(MODEL, 'rb').read())
        nn = self.interp._nn
        lo = ctypes.addressof(self.interp._model_buf)
        hi = lo + ctypes.sizeof(self.interp._model_buf)
        self.need = lib().h7_ws_buffer_bytes(nn, lo, hi)
        size = buffer_bytes or self.need
        self.bufs = [ctypes.create_string_buffer(size + 32) for _ in range(2)]
        self.fail_waits, self.copies, self.pending = fail_waits, 0, []
        # scribble: the copier takes the weights from a copy of the model and zeroes them in
        # the model after copying, so only kernels that read the SRAM copies get them right
        pristine = ctypes.create_string_buffer(ctypes.string_at(lo, hi - lo), hi - lo)
        self._pristine = pristine
        self._message = ctypes.create_string_buffer(b'test copier: bus error')

        def copy(_u, dst, src, n):
            self.pending.append((dst, src, n))
            return 0

        def wait(_u):
            if self.fail_waits:
                self.fail_waits -= 1
                self.pending.clear()   # a bus error: nothing arrives
                return -1
            for dst, src, n in self.pending:
                ctypes.memmove(dst, ctypes.addressof(pristine) + (src - lo), n)
                if scribble:
                    ctypes.memset(src, 0, n)
                self.copies += 1
            self.pending.clear()
            return 0

        self._callbacks = (COPY(copy), WAIT(wait), ERROR(lambda _u: ctypes.addressof(self._message)), DONE(0),
                           RESET(lambda _u: None))
        self.port = Port(*self._callbacks[:5], None, lo, hi)
        self.ws = ctypes.create_string_buffer(lib().h7_ws_size())
        addr = [(ctypes.addressof(b) + 31) & ~31 for b in self.bufs]
        self.status = lib().h7_ws_init(self.ws, nn, ctypes.byref(self.port), mode, addr[0], addr[1], size,
                                       None, None)

    def counters(self):
        out = (ctypes.c_uint32 * 5)()
        lib().h7_ws_counters(self.ws, out)
        return dict(zip(('bytes_copied', 'waits', 'errors', 'off', 'steps'), out))

    def run(self, x):
        return self.interp.run(x)[0]


def _inputs(n=3):
    shape = engine.Interpreter(open(MODEL, 'rb').read()).input_details()['shape']
    rng = np.random.default_rng(18)
    return [rng.integers(-128, 128, size=shape, dtype=np.int8) for _ in range(n)]


def test_streaming_gives_the_in_place_outputs_and_copies_every_streamed_op():
    xs = _inputs()
    want = [Streamed(IN_PLACE).run(x) for x in xs]
    for mode in (SYNC, PREFETCH):
        s = Streamed(mode, scribble=True)
        assert s.status == OK, lib().h7_ws_error(s.ws)
        got = [s.run(x) for x in xs]
        assert all(np.array_equal(a, b) for a, b in zip(got, want)), mode
        c = s.counters()
        assert c['steps'] >= 6 and c['errors'] == 0 and not c['off']
        # every streamed op's weights once per inference (prefetch also queues the first
        # op's for a next inference)
        assert c['bytes_copied'] > 0 and s.copies >= len(xs) * c['steps']
        if mode == PREFETCH:
            assert c['waits'] >= len(xs) * (c['steps'] - 1)


def test_a_failed_copy_is_retried_then_streaming_stops_and_outputs_stay_right():
    xs = _inputs(2)
    want = [Streamed(IN_PLACE).run(x) for x in xs]
    once = Streamed(PREFETCH, fail_waits=1)
    assert [np.array_equal(once.run(x), w) for x, w in zip(xs, want)] == [True, True]
    c = once.counters()
    assert c['errors'] == 1 and not c['off'] and lib().h7_ws_error(once.ws) == b'test copier: bus error'
    broken = Streamed(PREFETCH, fail_waits=10 ** 6)
    assert [np.array_equal(broken.run(x), w) for x, w in zip(xs, want)] == [True, True]
    c = broken.counters()
    assert c['off'] and c['errors'] == 2   # one retry, then the kernels read in place
    assert lib().h7_ws_set_mode(broken.ws, SYNC) == OK and not broken.counters()['off']


def test_a_buffer_too_small_is_refused_naming_the_size():
    s = Streamed(PREFETCH, buffer_bytes=64)
    assert s.status == ERR_ARGUMENT and b'do not fit the buffer' in lib().h7_ws_error(s.ws)
