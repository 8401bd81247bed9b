"""Corrupt, truncated and hostile models give an error naming the problem, never a crash."""
import numpy as np
import pytest

from h7nn.engine import EngineError, Interpreter


def _try(data):
    try:
        eng = Interpreter(data, arena_size=64 * 1024)
    except EngineError as e:
        assert e.message, 'every error carries a message'
        return 'error'
    x = np.zeros(eng.input_details()['shape'], dtype=eng.input_details()['dtype'])
    eng.run(x)
    return 'ran'


def test_truncated_models_are_rejected(host_library, kws_bytes):
    for n in (0, 3, 8, 16, 100, 1000, len(kws_bytes) // 2, len(kws_bytes) - 1):
        if n < len(kws_bytes):
            assert _try(kws_bytes[:n]) == 'error'


def test_not_a_model(host_library):
    with pytest.raises(EngineError) as e:
        Interpreter(b'\x00' * 64)
    assert 'TFL3' in e.value.message


def test_random_corruptions_never_crash(host_library, kws_bytes):
    rng = np.random.default_rng(7)
    outcomes = {'error': 0, 'ran': 0}
    for _ in range(1500):
        data = bytearray(kws_bytes)
        for _ in range(rng.integers(1, 8)):
            pos = int(rng.integers(0, len(data)))
            data[pos] = int(rng.integers(0, 256))
        outcomes[_try(bytes(data))] += 1
    assert outcomes['error'] > 0 and outcomes['ran'] > 0


def test_unsupported_op_named(host_library, kws_bytes):
    # turn the SOFTMAX op code (25) into TANH (28): the resolver has no TANH kernel
    from h7nn.tflite import Model
    model = Model(kws_bytes)
    data = bytearray(kws_bytes)
    import struct
    root = struct.unpack_from('<I', data, 0)[0]
    vt = root - struct.unpack_from('<i', data, root)[0]
    off = struct.unpack_from('<H', data, vt + 4 + 2 * 1)[0]
    codes = root + off + struct.unpack_from('<I', data, root + off)[0]
    n = struct.unpack_from('<I', data, codes)[0]
    for i in range(n):
        p = codes + 4 + 4 * i
        table = p + struct.unpack_from('<I', data, p)[0]
        tvt = table - struct.unpack_from('<i', data, table)[0]
        vt_size = struct.unpack_from('<H', data, tvt)[0]
        for fid, fmt in ((0, '<b'), (3, '<i')):
            if 4 + 2 * fid + 2 <= vt_size:
                foff = struct.unpack_from('<H', data, tvt + 4 + 2 * fid)[0]
                if foff and struct.unpack_from(fmt, data, table + foff)[0] == 25:
                    struct.pack_into(fmt, data, table + foff, 28)
    assert 'SOFTMAX' in model.op_names()
    with pytest.raises(EngineError) as e:
        Interpreter(bytes(data))
    assert 'TANH' in e.value.message and 'resolver' in e.value.message
