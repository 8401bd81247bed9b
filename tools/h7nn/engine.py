"""The h7nn engine's host build (build/host/firmware/engine/libh7nn.so) through ctypes:
the same C code the firmware runs, compiled natively."""
import ctypes
import os

import numpy as np

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIBRARY = os.path.join(TOP, 'build', 'host', 'firmware', 'engine', 'libh7nn.so')
STATUS = ['ok', 'bad argument', 'bad model', 'unsupported', 'arena too small', 'runtime error']
DTYPES = {0: np.float32, 2: np.int32, 3: np.uint8, 4: np.int64, 7: np.int16, 9: np.int8}


class EngineError(Exception):
    def __init__(self, status, message):
        super().__init__('%s: %s' % (STATUS[status] if 0 <= status < len(STATUS) else status, message))
        self.status = status
        self.message = message


class _Tensor(ctypes.Structure):
    _fields_ = [('data', ctypes.c_void_p), ('bytes', ctypes.c_size_t), ('type', ctypes.c_int),
                ('rank', ctypes.c_int), ('dims', ctypes.c_int32 * 6), ('scale', ctypes.c_float),
                ('zero_point', ctypes.c_int32), ('name', ctypes.c_void_p), ('name_length', ctypes.c_uint32)]


_lib = None


def library():
    global _lib
    if _lib is None:
        if not os.path.exists(LIBRARY):
            raise FileNotFoundError('%s is missing: build it with  scons variant=host' % LIBRARY)
        lib = ctypes.CDLL(LIBRARY)
        lib.h7nn_all_ops_resolver.restype = ctypes.c_void_p
        lib.h7nn_interpreter_size.restype = ctypes.c_size_t
        lib.h7nn_tensor_size.restype = ctypes.c_size_t
        lib.h7nn_init.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p,
                                  ctypes.c_void_p, ctypes.c_size_t]
        for name in ('h7nn_allocate', 'h7nn_invoke'):
            getattr(lib, name).argtypes = [ctypes.c_void_p]
        lib.h7nn_input.argtypes = lib.h7nn_output.argtypes = lib.h7nn_tensor_at.argtypes = [
            ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(_Tensor)]
        lib.h7nn_error.restype = ctypes.c_char_p
        lib.h7nn_error.argtypes = [ctypes.c_void_p]
        for name in ('h7nn_arena_used', 'h7nn_arena_needed'):
            getattr(lib, name).restype = ctypes.c_size_t
            getattr(lib, name).argtypes = [ctypes.c_void_p]
        lib.h7nn_scratch_bytes.restype = ctypes.c_size_t
        lib.h7nn_scratch_bytes.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.h7nn_op_count.argtypes = [ctypes.c_void_p]
        lib.h7nn_op_name.restype = ctypes.c_char_p
        lib.h7nn_op_name.argtypes = [ctypes.c_void_p, ctypes.c_int]
        assert lib.h7nn_tensor_size() == ctypes.sizeof(_Tensor), 'h7nn_tensor layout changed'
        _lib = lib
    return _lib


class Interpreter:
    """One model in the host engine: Interpreter(model_bytes).run(input) -> outputs."""

    def __init__(self, model, optimized=True, arena_size=256 * 1024, allocate=True):
        lib = library()
        self._lib = lib
        data = bytes(model)
        # model and arena copies aligned to 16 bytes, as the firmware places them
        self._model_buf = ctypes.create_string_buffer(len(data) + 16)
        model_addr = (ctypes.addressof(self._model_buf) + 15) & ~15
        ctypes.memmove(model_addr, data, len(data))
        self._arena = ctypes.create_string_buffer(arena_size + 16)
        arena_addr = (ctypes.addressof(self._arena) + 15) & ~15
        self._nn = ctypes.create_string_buffer(lib.h7nn_interpreter_size())
        status = lib.h7nn_init(self._nn, model_addr, len(data), lib.h7nn_all_ops_resolver(int(optimized)),
                               arena_addr, arena_size)
        self._check(status)
        if allocate:
            self.allocate()

    def _check(self, status):
        if status != 0:
            raise EngineError(status, self._lib.h7nn_error(self._nn).decode())

    def allocate(self):
        self._check(self._lib.h7nn_allocate(self._nn))

    @property
    def arena_used(self):
        return self._lib.h7nn_arena_used(self._nn)

    @property
    def arena_needed(self):
        return self._lib.h7nn_arena_needed(self._nn)

    def ops(self):
        return [self._lib.h7nn_op_name(self._nn, i).decode() for i in range(self._lib.h7nn_op_count(self._nn))]

    def scratch_bytes(self, op_index):
        return self._lib.h7nn_scratch_bytes(self._nn, op_index)

    def _tensor(self, fn, index):
        t = _Tensor()
        self._check(fn(self._nn, index, ctypes.byref(t)))
        return t

    def _array(self, t):
        dtype = DTYPES[t.type]
        shape = tuple(t.dims[:t.rank])
        buf = (ctypes.c_char * t.bytes).from_address(t.data)
        return np.frombuffer(buf, dtype=dtype).reshape(shape)

    def input_details(self, index=0):
        t = self._tensor(self._lib.h7nn_input, index)
        return {'shape': tuple(t.dims[:t.rank]), 'dtype': DTYPES[t.type], 'scale': t.scale,
                'zero_point': t.zero_point}

    def output_details(self, index=0):
        t = self._tensor(self._lib.h7nn_output, index)
        return {'shape': tuple(t.dims[:t.rank]), 'dtype': DTYPES[t.type], 'scale': t.scale,
                'zero_point': t.zero_point}

    def set_input(self, value, index=0):
        t = self._tensor(self._lib.h7nn_input, index)
        arr = self._array(t)
        value = np.asarray(value, dtype=arr.dtype)
        if value.size != arr.size:
            raise ValueError('input %d needs %d values, got %d' % (index, arr.size, value.size))
        arr.reshape(-1)[:] = value.reshape(-1)

    def invoke(self):
        self._check(self._lib.h7nn_invoke(self._nn))

    def get_output(self, index=0):
        return self._array(self._tensor(self._lib.h7nn_output, index)).copy()

    def run(self, *inputs):
        for i, x in enumerate(inputs):
            self.set_input(x, i)
        self.invoke()
        n = self._lib.h7nn_output_count(self._nn)
        outs = [self.get_output(i) for i in range(n)]
        return outs[0] if n == 1 else outs
