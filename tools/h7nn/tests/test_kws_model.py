"""The MLPerf Tiny KWS reference model: host engine vs TFLite Micro, bit for bit."""
import numpy as np
import pytest

from h7nn.engine import Interpreter
from h7nn.reference import Reference


@pytest.mark.parametrize('kernels', ['m7', 'reference'])
def test_bit_exact_on_1000_random_inputs(host_library, kws_bytes, kernels):
    engine = Interpreter(kws_bytes, optimized=kernels == 'm7')
    ref = Reference(kws_bytes)
    rng = np.random.default_rng(1234 if kernels == 'm7' else 4321)
    shape = engine.input_details()['shape']
    differing = 0
    for _ in range(1000):
        x = rng.integers(-128, 128, size=shape, dtype=np.int8)
        if not np.array_equal(engine.run(x), ref.run(x)):
            differing += 1
    assert differing == 0


def test_extreme_inputs(host_library, kws_bytes):
    engine = Interpreter(kws_bytes)
    ref = Reference(kws_bytes)
    shape = engine.input_details()['shape']
    for value in (-128, 127, 0, 83):
        x = np.full(shape, value, dtype=np.int8)
        assert np.array_equal(engine.run(x), ref.run(x))


@pytest.mark.parametrize('kernels', ['m7', 'reference'])
def test_arena_layout_adds_up(host_library, kws_bytes, kernels):
    # the split the embed step writes for the firmware (H7NN_ARENA_BYTES) is the engine's plan
    engine = Interpreter(kws_bytes, optimized=kernels == 'm7')
    layout = engine.arena_layout()   # raises if the parts do not add up to arena_used
    assert layout['tensors'] and layout['ops'] and layout['activations'] < engine.arena_used


def test_arena_too_small_names_bytes_needed(host_library, kws_bytes):
    needed = Interpreter(kws_bytes).arena_used
    from h7nn.engine import EngineError
    with pytest.raises(EngineError) as e:
        Interpreter(kws_bytes, arena_size=needed - 8)
    assert e.value.status == 4
    assert str(needed) in e.value.message
    small = Interpreter(kws_bytes, arena_size=needed - 8, allocate=False)
    with pytest.raises(EngineError):
        small.allocate()
    assert small.arena_needed == needed
    Interpreter(kws_bytes, arena_size=needed)  # exactly enough
