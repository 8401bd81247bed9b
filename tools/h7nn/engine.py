"""The h7nn engine's host build (build/host/firmware/engine/libh7nn.so) through ctypes:
the same C code the firmware runs, compiled natively. It is the model verifier and the
arena planner of record for every tool: verify() refuses what the board would refuse, with
the engine's own message; plan() is the engine's plan (and the firmware's arena, through
h7nn_arena_layout)."""
import ctypes

import numpy as np

from h7voice import native, paths

TOP = paths.TOP
LIBRARY_REL = 'firmware/engine/libh7nn.so'
STATUS = ['ok', 'bad argument', 'bad model', 'unsupported', 'arena too small', 'runtime error']
DTYPES = {0: np.float32, 2: np.int32, 3: np.uint8, 4: np.int64, 7: np.int16, 9: np.int8}
H7NN_ERR_ARENA = 4


class EngineError(Exception):
    def __init__(self, status, message):
        super().__init__('%s: %s' % (STATUS[status] if 0 <= status < len(STATUS) else status, message))
        self.status = status
        self.message = message


class _Tensor(ctypes.Structure):
    _fields_ = [('data', ctypes.c_void_p), ('bytes', ctypes.c_size_t), ('type', ctypes.c_int),
                ('rank', ctypes.c_int), ('dims', ctypes.c_int32 * 6), ('scale', ctypes.c_float),
                ('zero_point', ctypes.c_int32), ('name', ctypes.c_void_p), ('name_length', ctypes.c_uint32)]


class _Layout(ctypes.Structure):
    _fields_ = [(f, ctypes.c_uint32) for f in ('activations', 'constants', 'pointers', 'tensors', 'ops')]


_P, _I, _S = ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t
_SIGNATURES = {
    'h7nn_all_ops_resolver': (_P, [_I]),
    'h7nn_interpreter_size': (_S, []),
    'h7nn_tensor_size': (_S, []),
    'h7nn_init': (_I, [_P, _P, _S, _P, _P, _S]),
    'h7nn_allocate': (_I, [_P]),
    'h7nn_invoke': (_I, [_P]),
    'h7nn_input': (_I, [_P, _I, ctypes.POINTER(_Tensor)]),
    'h7nn_output': (_I, [_P, _I, ctypes.POINTER(_Tensor)]),
    'h7nn_tensor_at': (_I, [_P, _I, ctypes.POINTER(_Tensor)]),
    'h7nn_input_count': (_I, [_P]),
    'h7nn_output_count': (_I, [_P]),
    'h7nn_error': (ctypes.c_char_p, [_P]),
    'h7nn_arena_used': (_S, [_P]),
    'h7nn_arena_needed': (_S, [_P]),
    'h7nn_arena_layout_of': (_I, [_P, ctypes.POINTER(_Layout)]),
    'h7nn_arena_layout_bytes': (_S, [ctypes.POINTER(_Layout)]),
    'h7nn_scratch_bytes': (_S, [_P, _I]),
    'h7nn_op_count': (_I, [_P]),
    'h7nn_op_name': (ctypes.c_char_p, [_P, _I]),
    'h7nn_crc32': (ctypes.c_uint32, [_P, _S]),
    'h7nn_plan_export': (_S, [_P, _P, _S]),
    'h7nn_use_plan': (_I, [_P, _P, _S]),
    # (mm16) weights pre-arranged at embed time for the M7 kernels
    'h7nn_packed_export': (_S, [_P, _P, _S]),
    'h7nn_packed_export_ops': (_S, [_P, _P, _P, _S]),
    'h7nn_use_packed': (_I, [_P, _P, _S]),
}
_lib = None


def library():
    """libh7nn.so of the host build; paths.MissingPart (one line naming the build) if absent."""
    global _lib
    if _lib is None:
        lib = native.load(LIBRARY_REL, _SIGNATURES)
        if lib.h7nn_tensor_size() != ctypes.sizeof(_Tensor):
            raise paths.MissingPart('%s is stale (h7nn_tensor layout differs): rebuild it with  scons variant=host'
                                    % LIBRARY_REL)
        _lib = lib
    return _lib


def crc32(data):
    """The engine's CRC-32 of the model bytes (what the board checks at boot)."""
    buf = ctypes.create_string_buffer(bytes(data), len(data) or 1)
    return library().h7nn_crc32(buf, len(data))


class Interpreter:
    """One model in the host engine: Interpreter(model_bytes).run(input) -> outputs."""

    def __init__(self, model, optimized=True, arena_size=256 * 1024, allocate=True, plan=None, packed=None):
        lib = library()
        self._lib = lib
        data = bytes(model)
        # model and arena copies aligned to 16 bytes, as the firmware places them
        self._model_buf = ctypes.create_string_buffer(len(data) + 16)
        model_addr = (ctypes.addressof(self._model_buf) + 15) & ~15
        ctypes.memmove(model_addr, data, len(data))
        self.arena_size = arena_size
        self._arena = ctypes.create_string_buffer(arena_size + 16)
        arena_addr = (ctypes.addressof(self._arena) + 15) & ~15
        self._nn = ctypes.create_string_buffer(lib.h7nn_interpreter_size())
        status = lib.h7nn_init(self._nn, model_addr, len(data), lib.h7nn_all_ops_resolver(int(optimized)),
                               arena_addr, arena_size)
        self._check(status)
        if plan is not None:
            # the plan's words, kept alive with the interpreter (the engine reads them at allocate)
            self._plan = np.ascontiguousarray(plan, dtype=np.uint32)
            self._check(lib.h7nn_use_plan(self._nn, self._plan.ctypes.data, self._plan.size))
        if packed is not None:
            # (mm16) pre-arranged weights (packed_words of the same model), kept alive likewise
            self._packed = np.ascontiguousarray(packed, dtype=np.uint32)
            self._check(lib.h7nn_use_packed(self._nn, self._packed.ctypes.data, self._packed.size))
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

    def arena_layout(self):
        """The plan's parts (h7nn_arena_layout): the firmware's arena is H7NN_ARENA_BYTES(...) of them."""
        layout = _Layout()
        self._check(self._lib.h7nn_arena_layout_of(self._nn, ctypes.byref(layout)))
        # the split must add up, or the firmware's arena from it would be wrong
        if self._lib.h7nn_arena_layout_bytes(ctypes.byref(layout)) != self.arena_used:
            raise EngineError(5, 'arena layout does not add up to h7nn_arena_used (engine accounting bug)')
        return {f: getattr(layout, f) for f, _ in _Layout._fields_}

    def plan_words(self):
        """The engine's plan of this allocated model (h7nn_plan_export) as a uint32 array: what the
        embed step stores beside the model for the board's h7nn_allocate."""
        n = self._lib.h7nn_plan_export(self._nn, None, 0)
        if n == 0:
            raise EngineError(1, 'h7nn_plan_export: the model is not allocated')
        words = np.zeros(n, dtype=np.uint32)
        if self._lib.h7nn_plan_export(self._nn, words.ctypes.data, n) != n:
            raise EngineError(5, 'h7nn_plan_export: size changed between calls (engine bug)')
        return words

    def packed_words(self, ops=None):
        """(mm16) The weights this allocated model's M7 kernels take pre-arranged (h7nn_packed_export)
        as a uint32 array: what the embed step stores beside the plan (h7nn_resolver.packed);
        with `ops` (op indices), records for those ops only."""
        take = None
        if ops is not None:
            take = np.zeros(max(1, self._lib.h7nn_op_count(self._nn)), dtype=np.uint8)
            take[list(ops)] = 1
        arg = take.ctypes.data if take is not None else None
        n = self._lib.h7nn_packed_export_ops(self._nn, arg, None, 0)
        if n == 0:
            raise EngineError(1, 'h7nn_packed_export: the model is not allocated')
        words = np.zeros(n, dtype=np.uint32)
        if self._lib.h7nn_packed_export_ops(self._nn, arg, words.ctypes.data, n) != n:
            raise EngineError(5, 'h7nn_packed_export: size changed between calls (engine bug)')
        return words

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
        return {'shape': tuple(t.dims[:t.rank]), 'dtype': DTYPES[t.type], 'type': t.type, 'scale': t.scale,
                'zero_point': t.zero_point}

    def output_details(self, index=0):
        t = self._tensor(self._lib.h7nn_output, index)
        return {'shape': tuple(t.dims[:t.rank]), 'dtype': DTYPES[t.type], 'type': t.type, 'scale': t.scale,
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


MAX_ARENA = 16 << 20   # host tools plan up to this; the board has 1 MiB of SRAM in all


def load(data, optimized=True, plan=None, packed=None):
    """The model accepted by the engine as the board would run it (h7nn_init + h7nn_allocate,
    with an arena as large as the plan needs; with `plan`, the words of h7nn_plan_export that
    the board's allocate checks and uses); EngineError with the engine's message if the
    engine refuses it."""
    arena = 256 * 1024
    while True:
        nn = Interpreter(data, optimized=optimized, arena_size=arena, allocate=False, plan=plan, packed=packed)
        try:
            nn.allocate()
            return nn
        except EngineError as e:
            if e.status != H7NN_ERR_ARENA or arena >= MAX_ARENA:
                raise
            arena = min(MAX_ARENA, max(2 * arena, (nn.arena_needed + 4095) & ~4095))


def verify(data):
    """Both kernel builds of the engine accept the model (what `scons model=`, inspect, embed,
    check and bench require first); EngineError with the engine's one-line message otherwise.
    Returns the accepted Interpreters {'m7': ..., 'reference': ...}."""
    return {'m7': load(data, True), 'reference': load(data, False)}


def plan(nn):
    """The engine's arena plan of an accepted model (an Interpreter): host bytes, the layout
    (the firmware's arena is H7NN_ARENA_BYTES of it, evaluated by the firmware compiler), and
    each op's name and scratch bytes."""
    return {'arena_used': nn.arena_used, 'layout': nn.arena_layout(),
            'ops': [{'op': name, 'scratch': nn.scratch_bytes(i)} for i, name in enumerate(nn.ops())]}
