"""Every op, randomised shapes and parameters (tiny models from TF's converter), host engine
vs TFLite Micro, bit for bit, with both kernel sets."""
import numpy as np
import pytest

from h7nn import opmodels
from h7nn.engine import EngineError, Interpreter
from h7nn.reference import Reference
from h7nn.tflite import Model

INPUTS_PER_MODEL = 200


def random_inputs(model, rng):
    xs = []
    for i in model.inputs:
        t = model.tensors[i]
        shape = tuple(t['shape'])
        if t['type'] == 0:  # float32 I/O: values around the calibrated range, some beyond
            xs.append(rng.uniform(-3, 3, size=shape).astype(np.float32))
        else:
            xs.append(rng.integers(-128, 128, size=shape, dtype=np.int8))
    return xs


def assert_both_kernel_sets_match_tflm(data, model, name, label):
    """Both kernel sets (M7 and reference) give the tflite_micro runtime's bytes on
    INPUTS_PER_MODEL random inputs (seeded by the case name's length)."""
    ref = Reference(data)
    engines = [Interpreter(data, optimized=True), Interpreter(data, optimized=False)]
    rng = np.random.default_rng(len(name))
    for _ in range(INPUTS_PER_MODEL):
        xs = random_inputs(model, rng)
        want = ref.run(*xs)
        for eng in engines:
            np.testing.assert_array_equal(eng.run(*xs), want, err_msg=label)


@pytest.mark.parametrize('case', opmodels.case_names())
def test_op_bit_exact(host_library, case):
    data = open(opmodels.build(case), 'rb').read()
    model = Model(data)
    op = case.rsplit('_', 1)[0]
    expected = {'conv_2d_1x1': 'CONV_2D', 'quantize_dequantize': 'QUANTIZE'}.get(op, op.upper())
    if op == 'shape':
        assert {'SHAPE', 'STRIDED_SLICE', 'PACK', 'RESHAPE'} <= set(model.op_names()), model.op_names()
    assert expected in model.op_names(), '%s: converter produced %s' % (case, model.op_names())
    assert_both_kernel_sets_match_tflm(data, model, case, '%s, ops %s' % (case, model.op_names()))


@pytest.mark.parametrize('case', opmodels.case_names()[::2])
def test_arena_layout_adds_up(host_library, case):
    # the firmware's arena is H7NN_ARENA_BYTES of this split (written by the embed step)
    data = open(opmodels.build(case), 'rb').read()
    for kernels in ('m7', 'reference'):
        eng = Interpreter(data, optimized=kernels == 'm7')
        eng.arena_layout()


# Depthwise shapes the M7 kernel sends off its plane loops (the kernel-check shapes,
# h7nn.opmodels), host engine vs TFLite Micro with both kernel sets:
# - (hopkern2) one-line stride-1 filters over a 2-D input, four channels or more: eval_few
#   (channels last, four per pass);
# - a 1-D input along time, 4n channels, a 3x1, 4x1 or 5x1 filter at any stride: eval_time
#   (four channels per pass, the rows inside it).
LINE_DEPTHWISE = ['dw_k3x1_2d_c8_same', 'dw_k1x3_2d_c6_same_relu', 'dw_k5x1_2d_c4_valid_bigbias']
TIME_DEPTHWISE = ['dw_t3_c8_s1_same', 'dw_t3_c12_s2_same', 'dw_t3_c4_s2_valid', 'dw_t3_c4_s1_valid',
                  'dw_t3_c8_s1_same_relu', 'dw_t3_c4_s1_same_bigbias', 'dw_t3_c8_s1_same_long', 'dw_t5_c8_s1_same',
                  'dw_t4_c4_s2_same', 'dw_t5_c4_s1_valid_relu']


@pytest.mark.parametrize('name', LINE_DEPTHWISE + TIME_DEPTHWISE)
def test_off_plane_depthwise_bit_exact(host_library, name):
    data = open(opmodels.build_kernel_check(name), 'rb').read()
    model = Model(data)
    assert model.op_names() == ['DEPTHWISE_CONV_2D'], model.op_names()
    assert_both_kernel_sets_match_tflm(data, model, name, name)
