"""The engine's setup through the host library (libh7nn.so), with resolvers made here:

- (setup, issue 18) the embed step's record of h7nn_init's checks (h7nn_checked_make): taken
  when its digest matches, and any change to it, to a model byte its checks read or to the plan
  gives the full checks, which decide exactly as without a record;
- the KWS-only 3x3 depthwise M7 kernel (h7nn_m7_depthwise_conv_2d_3x3, named by the embed step
  for KWS-shaped models) refuses any other shape at prepare with one line.
"""
import ctypes

import numpy as np
import pytest

from h7nn import embed, engine, opmodels

_P = ctypes.c_void_p


class _Resolver(ctypes.Structure):
    """h7nn_resolver (h7nn.h)."""
    _fields_ = [('kernels', _P), ('count', ctypes.c_uint32), ('plan', _P), ('plan_words', ctypes.c_uint32),
                ('packed', _P), ('packed_words', ctypes.c_uint32), ('checked', _P),
                ('checked_words', ctypes.c_uint32)]


def _lib():
    lib = engine.library()
    lib.h7nn_checked_used.restype = ctypes.c_int
    lib.h7nn_checked_used.argtypes = [_P]
    lib.h7nn_all_ops_resolver.restype = _P
    return lib


class _Setup:
    """h7nn_init + h7nn_allocate of model bytes with a given resolver: (status, error line)."""

    def __init__(self, data, resolver, arena_bytes=256 * 1024):
        lib = _lib()
        self._keep = [resolver]
        self._model = ctypes.create_string_buffer(len(data) + 16)
        model = (ctypes.addressof(self._model) + 15) & ~15
        ctypes.memmove(model, bytes(data), len(data))
        self._arena = ctypes.create_string_buffer(arena_bytes + 16)
        arena = (ctypes.addressof(self._arena) + 15) & ~15
        self.nn = ctypes.create_string_buffer(lib.h7nn_interpreter_size())
        self.status = lib.h7nn_init(self.nn, model, len(data), ctypes.addressof(resolver), arena, arena_bytes)
        self.used_record = lib.h7nn_checked_used(self.nn)
        if self.status == 0:
            self.status = lib.h7nn_allocate(self.nn)
        self.error = lib.h7nn_error(self.nn).decode()
        self.arena_used = lib.h7nn_arena_used(self.nn) if self.status == 0 else None


def _resolver(optimized=True, kernels=None, plan=None, checked=None):
    """The all-ops resolver (or these kernels) with a plan and a checked record (numpy uint32)."""
    base = _Resolver.from_address(_lib().h7nn_all_ops_resolver(1 if optimized else 0))
    r = _Resolver(base.kernels, base.count, None, 0, None, 0, None, 0)
    if kernels is not None:
        r.kernels, r.count = ctypes.addressof(kernels), len(kernels)
    if plan is not None:
        r.plan, r.plan_words = plan.ctypes.data, plan.size
    if checked is not None:
        r.checked, r.checked_words = checked.ctypes.data, checked.size
    return r


@pytest.fixture(scope='module')
def kws_record(host_library, kws_bytes):
    plan = np.ascontiguousarray(engine.load(kws_bytes, optimized=True).plan_words(), dtype=np.uint32)
    record = embed.checked_records('kws', kws_bytes, {'m7': plan})['m7']
    return plan, record


def _ranges(record):
    """The (offset, length) model ranges a record's digest covers (header: 19 words, the
    count in word 6; h7nn_interpreter.c CK_*)."""
    n = int(record[6])
    return [(int(record[19 + 2 * k]), int(record[20 + 2 * k])) for k in range(n)]


def test_record_is_taken_and_gives_the_same_setup(kws_bytes, kws_record):
    plan, record = kws_record
    full = _Setup(kws_bytes, _resolver(plan=plan))
    fast = _Setup(kws_bytes, _resolver(plan=plan, checked=record))
    assert full.status == 0 and fast.status == 0, (full.error, fast.error)
    assert (full.used_record, fast.used_record) == (0, 1)
    assert fast.arena_used == full.arena_used
    # a record covers the plan it was made with: another plan (none here) is not its
    assert _Setup(kws_bytes, _resolver(checked=record)).used_record == 0


@pytest.mark.parametrize('word', [0, 3, 6, 19, 25, 200, -1])
def test_a_changed_record_falls_back_to_the_full_checks(kws_bytes, kws_record, word):
    plan, record = kws_record
    changed = record.copy()
    changed[word] ^= np.uint32(1 << 9)
    s = _Setup(kws_bytes, _resolver(plan=plan, checked=changed))
    assert s.status == 0 and s.used_record == 0, s.error


def test_a_changed_plan_word_falls_back_and_is_checked(kws_bytes, kws_record):
    plan, record = kws_record
    changed = plan.copy()
    changed[7] += np.uint32(8)  # the first buffer's offset: now overlapping or outside
    s = _Setup(kws_bytes, _resolver(plan=changed, checked=record))
    without = _Setup(kws_bytes, _resolver(plan=changed))
    assert s.used_record == 0
    assert (s.status, s.error) == (without.status, without.error)


def test_model_bytes_the_checks_read_are_covered(kws_bytes, kws_record):
    """A change inside a covered range voids the record; the full checks then decide (here: a
    tensor table's vtable offset, which they refuse, with and without the record alike)."""
    plan, record = kws_record
    ranges = _ranges(record)
    assert ranges and sum(n for _, n in ranges) < len(kws_bytes) // 2  # not the weights
    for offset, length in ranges[1:6]:
        data = bytearray(kws_bytes)
        data[offset + length // 2] ^= 0x40
        fast = _Setup(bytes(data), _resolver(plan=plan, checked=record))
        full = _Setup(bytes(data), _resolver(plan=plan))
        assert fast.used_record == 0
        assert (fast.status, fast.error) == (full.status, full.error)


def test_model_bytes_outside_the_ranges_keep_the_record(kws_bytes, kws_record):
    """Bytes the checks do not read (weights): the record stays valid and the setup the same."""
    plan, record = kws_record
    covered = np.zeros(len(kws_bytes), dtype=bool)
    for offset, length in _ranges(record):
        covered[offset:offset + length] = True
    outside = np.flatnonzero(~covered)
    data = bytearray(kws_bytes)
    data[int(outside[len(outside) // 2])] ^= 0x01
    fast = _Setup(bytes(data), _resolver(plan=plan, checked=record))
    full = _Setup(bytes(data), _resolver(plan=plan))
    assert fast.used_record == 1 and fast.status == full.status == 0
    assert fast.arena_used == full.arena_used


def test_3x3_depthwise_kernel_refuses_other_shapes_with_one_line(host_library):
    """The embed step names h7nn_m7_depthwise_conv_2d_3x3 only for KWS-shaped models; a resolver
    that names it for a 5x1 filter is refused at prepare, naming the kernel to use."""
    path = opmodels.build_kernel_check('dw_k5x1_c6_valid')
    with open(path, 'rb') as f:
        data = f.read()
    lib = _lib()
    kernel = ctypes.c_char.in_dll(lib, 'h7nn_m7_depthwise_conv_2d_3x3')
    kernels = (_P * 1)(ctypes.addressof(kernel))
    s = _Setup(data, _resolver(kernels=kernels))
    assert s.status == 3  # H7NN_ERR_UNSUPPORTED
    assert s.error == 'op 0 DEPTHWISE_CONV_2D: not 3x3 at stride 1: resolver needs h7nn_m7_depthwise_conv_2d'
    # the same model with the full depthwise kernel is accepted
    assert _Setup(data, _resolver()).status == 0
