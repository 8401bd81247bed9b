"""Every model we ship (models/*.tflite): host engine vs TFLite Micro, bit for bit, and the
arena split the embed step writes for the firmware adds up to the engine's plan."""
import glob
import os

import numpy as np
import pytest

from h7nn.engine import Interpreter
from h7nn.reference import Reference

MODELS = sorted(glob.glob(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'models', '*.tflite')))


def test_models_are_shipped():
    assert MODELS, 'models/*.tflite missing (an empty list would skip the test below)'


@pytest.mark.parametrize('path', MODELS, ids=[os.path.basename(p) for p in MODELS])
def test_shipped_model_bit_exact(host_library, path):
    data = open(path, 'rb').read()
    ref = Reference(data)
    rng = np.random.default_rng(11)
    for kernels, count in (('m7', 1000), ('reference', 300)):
        eng = Interpreter(data, optimized=kernels == 'm7')
        eng.arena_layout()  # the split the embed step writes adds up to the engine's plan
        d = eng.input_details()
        for _ in range(count):
            x = rng.integers(-128, 128, size=d['shape'], dtype=np.int8)
            assert np.array_equal(eng.run(x), ref.run(x)), kernels
