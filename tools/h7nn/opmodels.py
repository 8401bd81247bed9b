"""Tiny single-op int8 models for the per-op bit-exactness tests, made by TensorFlow's own
converter (full-int8 post-training quantization from a Keras model and a representative
dataset), with shapes and parameters drawn from a seeded generator. Cached as
build/h7nn_ops/<case>.tflite; `python -m h7nn.opmodels` (re)builds them all."""
import os
import random

from h7data.wavio import atomic_write_bytes
from h7voice.paths import BUILD, TOP  # noqa: F401 (TOP: used by the kernel-check tests)

from .convert import int8_tflite

CACHE = os.path.join(BUILD, 'h7nn_ops')
VERSION = 5   # bump when a case changes: old files are ignored
VARIANTS = 4  # random variants per op


def _cases(seed):
    """name -> (builder, float_io). builder(keras, rng) returns a Keras model."""
    r = random.Random(seed)

    def act():
        return r.choice([None, 'relu', 'relu6'])

    def conv(k, rr):
        h, w, c = rr.randint(5, 12), rr.randint(5, 12), rr.choice([1, 3, 4, 8])
        x = k.Input((h, w, c))
        stride = rr.choice([1, 2])
        dil = 1  # the converter lowers dilation to SPACE_TO_BATCH_ND + CONV_2D
        y = k.layers.Conv2D(rr.choice([3, 8, 16]), (rr.randint(1, 3), rr.randint(1, 3)), strides=stride,
                            dilation_rate=dil, padding=rr.choice(['same', 'valid']), activation=act())(x)
        return k.Model(x, y)

    def conv1x1(k, rr):
        x = k.Input((rr.randint(3, 9), rr.randint(3, 9), rr.choice([8, 16, 12])))
        y = k.layers.Conv2D(rr.choice([8, 16, 7]), 1, activation=act())(x)
        return k.Model(x, y)

    def depthwise(k, rr):
        x = k.Input((rr.randint(4, 12), rr.randint(4, 12), rr.choice([3, 4, 8, 16])))
        kernel = rr.choice([(3, 3), (3, 3), (2, 3), (5, 5)])
        stride = rr.choice([1, 1, 2])
        y = k.layers.DepthwiseConv2D(kernel, strides=stride, depth_multiplier=rr.choice([1, 1, 2]),
                                     padding=rr.choice(['same', 'valid']), activation=act())(x)
        return k.Model(x, y)

    def fully_connected(k, rr):
        x = k.Input((rr.randint(4, 40),))
        y = k.layers.Dense(rr.randint(2, 20), activation=act())(x)
        return k.Model(x, y)

    def average_pool(k, rr):
        x = k.Input((rr.randint(4, 10), rr.randint(4, 10), rr.choice([1, 4, 8])))
        y = k.layers.AveragePooling2D(rr.choice([2, 3]), strides=rr.choice([1, 2]),
                                      padding=rr.choice(['same', 'valid']))(x)
        return k.Model(x, y)

    def max_pool(k, rr):
        x = k.Input((rr.randint(4, 10), rr.randint(4, 10), rr.choice([1, 4, 8])))
        y = k.layers.MaxPooling2D(rr.choice([2, 3]), strides=rr.choice([1, 2]),
                                  padding=rr.choice(['same', 'valid']))(x)
        return k.Model(x, y)

    def add(k, rr):
        shape = (rr.randint(2, 6), rr.randint(2, 6), rr.choice([3, 8]))
        a, b = k.Input(shape, name='a'), k.Input(shape if rr.random() < 0.5 else (1, 1, shape[2]), name='b')
        return k.Model([a, b], k.ops.add(a, b))

    def mul(k, rr):
        shape = (rr.randint(2, 6), rr.randint(2, 6), rr.choice([3, 8]))
        a, b = k.Input(shape, name='a'), k.Input(shape if rr.random() < 0.5 else (1, shape[1], 1), name='b')
        return k.Model([a, b], k.ops.multiply(a, b))

    def relu(k, rr):
        n = rr.randint(2, 30)
        x = k.Input((n,), batch_size=1)
        return k.Model(x, k.layers.ReLU()(k.layers.Reshape((n, 1))(x)))

    def relu6(k, rr):
        n = rr.randint(2, 30)
        x = k.Input((n,), batch_size=1)
        return k.Model(x, k.layers.ReLU(max_value=6.0)(k.layers.Reshape((n, 1))(x)))

    def logistic(k, rr):
        n = rr.randint(2, 30)
        x = k.Input((n,), batch_size=1)
        return k.Model(x, k.layers.Activation('sigmoid')(k.layers.Reshape((n, 1))(x)))

    def hard_swish(k, rr):
        n = rr.randint(2, 30)
        x = k.Input((n,), batch_size=1)
        y = k.layers.Reshape((n, 1))(x)
        return k.Model(x, y * k.ops.relu6(y + 3.0) * (1.0 / 6.0))

    def softmax(k, rr):
        x = k.Input((rr.randint(2, 6), rr.randint(3, 20)))
        return k.Model(x, k.layers.Softmax()(x))

    def pad(k, rr):
        x = k.Input((rr.randint(2, 6), rr.randint(2, 6), rr.choice([1, 3])))
        y = k.layers.ZeroPadding2D(((rr.randint(0, 2), rr.randint(0, 2)), (rr.randint(0, 2), rr.randint(0, 2))))(x)
        return k.Model(x, y)

    def concatenation(k, rr):
        h, w = rr.randint(2, 5), rr.randint(2, 5)
        a, b = k.Input((h, w, rr.choice([2, 3])), name='a'), k.Input((h, w, rr.choice([1, 4])), name='b')
        return k.Model([a, b], k.layers.Concatenate(axis=-1)([a, b]))

    def mean(k, rr):
        x = k.Input((rr.randint(2, 7), rr.randint(2, 7), rr.choice([3, 8])))
        keep = rr.random() < 0.5
        return k.Model(x, k.layers.GlobalAveragePooling2D(keepdims=keep)(x))

    def dynamic_reshape(k, rr):  # dynamic batch: SHAPE, STRIDED_SLICE, PACK feed RESHAPE
        n = rr.randint(2, 30)
        x = k.Input((n,))
        return k.Model(x, k.layers.ReLU()(k.layers.Reshape((n, 1))(x)))

    def float_io(k, rr):  # QUANTIZE at the input, DEQUANTIZE at the output
        x = k.Input((rr.randint(3, 20),))
        return k.Model(x, k.layers.Dense(rr.randint(2, 8))(x))

    return {
        'conv_2d': (conv, False), 'conv_2d_1x1': (conv1x1, False), 'depthwise_conv_2d': (depthwise, False),
        'fully_connected': (fully_connected, False), 'average_pool_2d': (average_pool, False),
        'max_pool_2d': (max_pool, False), 'add': (add, False), 'mul': (mul, False), 'relu': (relu, False),
        'relu6': (relu6, False), 'logistic': (logistic, False), 'hard_swish': (hard_swish, False),
        'softmax': (softmax, False), 'pad': (pad, False), 'concatenation': (concatenation, False),
        'mean': (mean, False), 'quantize_dequantize': (float_io, True), 'shape': (dynamic_reshape, False),
    }


def case_names():
    return ['%s_%d' % (name, v) for name in _cases(0) for v in range(VARIANTS)]


def path_for(case):
    return os.path.join(CACHE, 'v%d_%s.tflite' % (VERSION, case))


def build(case):
    """Converts one case (if not cached) and returns its path."""
    path = path_for(case)
    if os.path.exists(path):
        return path
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    import numpy as np
    import keras
    name, variant = case.rsplit('_', 1)
    seed = hash(name) % 1000 * 0 + sum(map(ord, name)) * 31 + int(variant)
    builder, float_io = _cases(seed)[name]
    rr = random.Random(seed)
    keras.utils.set_random_seed(seed)
    model = builder(keras, rr)
    inputs = model.inputs
    rng = np.random.default_rng(seed)

    def representative():
        for _ in range(64):
            if len(inputs) == 1:
                yield [rng.uniform(-2, 2, size=(1,) + tuple(inputs[0].shape[1:])).astype(np.float32)]
            else:  # by name: the converted signature orders inputs its own way
                yield {t.name: rng.uniform(-2, 2, size=(1,) + tuple(t.shape[1:])).astype(np.float32) for t in inputs}

    data = int8_tflite(model, representative, float_io)
    atomic_write_bytes(path, data)
    return path


if __name__ == '__main__':
    for c in case_names():
        print(build(c), flush=True)


# ---------------------------------------------------------------------------------------------
# Kernel-check models: single-op CONV_2D / DEPTHWISE_CONV_2D models with hand-picked shapes
# that drive the M7 kernels' firmware-only assembly loops (h7nn_m7_dot_1x6 at every k % 16,
# pixel counts around the six-column grouping; h7nn_m7_dw3x3_plane at row lengths 1..9, both
# plane orientations) and the paths beside them. The firmware image firmware/apps/kernel_check
# embeds every file of KERNEL_CHECK_DIR (tools/h7nn/tests/test_board_kernels.py).
KERNEL_CHECK_DIR = os.path.join(BUILD, 'h7nn_kernel_check')
KERNEL_CHECK_VERSION = 7  # bump when a spec changes: files of other versions are removed


def _pw(h, w, k, oc, act):
    """1x1 CONV_2D, stride 1, on an h x w x k input."""
    return ('conv', (h, w, k), oc, (1, 1), (1, 1), 'valid', act)


def _cv(h, w, c, oc, kernel, stride, padding, act):
    return ('conv', (h, w, c), oc, kernel, stride, padding, act)


def _dw(h, w, c, stride, padding, act, multiplier=1):
    return ('depthwise', (h, w, c), multiplier, (3, 3), stride, padding, act)


def _fc(k, n, act, bias=True):
    """FULLY_CONNECTED on a k-vector (mm, issue 18: h7nn_m7_fc_pairs and the C rows beside it)."""
    return ('fc', (k,), n, bias, None, None, act)


def _requantized(spec, out_zero_point=None, out_scale_factor=None, first_bias=None, in_scale_factor=None,
                 filter_zero_point=None):
    """The converted model with its output's zero point set or its scale multiplied (a
    fused ReLU/ReLU6 then clamps to a narrower range than int8's; a larger input scale makes
    the same int8 inputs reach past ReLU6's 6.0), or the first output
    channel's bias set (2^30: accumulators too large for the kernels' short requantization,
    so the whole op takes the exact TFLite arithmetic). TFLite Micro computes the same
    model, so the check stays bit-exactness against it."""
    return spec + ({'out_zero_point': out_zero_point, 'out_scale_factor': out_scale_factor,
                    'first_bias': first_bias, 'in_scale_factor': in_scale_factor,
                    'filter_zero_point': filter_zero_point},)


def _batched(spec, batch):
    """The same op on `batch` images at once (the kernels loop over the batch outside)."""
    return spec + ({'batch': batch},)


KERNEL_CHECK_SPECS = {
    # 1x1, six-column loop: k % 16 = 4, 8, 12, 0 and odd pixel counts (n % 6 != 0)
    'pw_k4_px35': _pw(5, 7, 4, 8, None),
    'pw_k8_px6_relu': _pw(2, 3, 8, 5, 'relu'),
    'pw_k12_px7_relu6': _pw(1, 7, 12, 3, 'relu6'),
    'pw_k16_px15': _pw(3, 5, 16, 16, None),
    'pw_k20_px16_relu': _pw(4, 4, 20, 7, 'relu'),
    'pw_k24_px9_oc1': _pw(3, 3, 24, 1, None),
    'pw_k28_px14_relu6': _pw(2, 7, 28, 9, 'relu6'),
    'pw_k36_px25': _pw(5, 5, 36, 12, None),
    'pw_k44_px11': _pw(1, 11, 44, 6, None),
    'pw_k72_px12_relu': _pw(3, 4, 72, 10, 'relu'),
    'pw_k64_px7': _pw(1, 7, 64, 5, None),
    'pw_k32_px6_oc33': _pw(2, 3, 32, 33, 'relu6'),
    # 1x1 with fewer than 6 pixels (the pairs record: h7nn_m7_pairs_rows, an odd last channel
    # by h7nn_m7_dot_1col; im2col ones: h7nn_m7_dot_1col), odd depth, stride 2 (im2col)
    'pw_k12_px4': _pw(2, 2, 12, 8, None),
    'pw_k8_px1_relu': _pw(1, 1, 8, 4, 'relu'),
    'pw_k20_px5': _pw(1, 5, 20, 3, None),
    'pw_k96_px4_oc9': _pw(2, 2, 96, 9, None),
    'pw_k28_px1_oc7_relu6': _pw(1, 1, 28, 7, 'relu6'),
    'pw_k16_px3_oc1': _pw(1, 3, 16, 1, None),
    'pw_k12_px4_oc5_relu_b2': _batched(_pw(1, 4, 12, 5, 'relu'), 2),
    'c3x3_d3_px2_oc5': _cv(3, 4, 3, 5, (3, 3), (1, 1), 'valid', None),
    'pw_k6_px12': _pw(3, 4, 6, 5, None),
    'c1x1_d8_s2': _cv(7, 7, 8, 8, (1, 1), (2, 2), 'valid', None),
    # im2col: small depths, strides, padding
    'c3x3_d1_s1_same_relu': _cv(8, 6, 1, 8, (3, 3), (1, 1), 'same', 'relu'),
    'c3x3_d2_s2_same': _cv(9, 7, 2, 5, (3, 3), (2, 2), 'same', None),
    'c3x3_d3_s1_valid_relu6': _cv(7, 8, 3, 8, (3, 3), (1, 1), 'valid', 'relu6'),
    'c3x3_d4_s1_same': _cv(6, 6, 4, 7, (3, 3), (1, 1), 'same', None),
    'c3x3_d4_s2_valid_relu': _cv(9, 8, 4, 6, (3, 3), (2, 2), 'valid', 'relu'),
    'c3x3_d8_s2_same': _cv(7, 9, 8, 5, (3, 3), (2, 2), 'same', None),
    'c3x3_d8_s1_valid_relu6': _cv(5, 6, 8, 16, (3, 3), (1, 1), 'valid', 'relu6'),
    'c3x3_d12_s1_same': _cv(5, 5, 12, 4, (3, 3), (1, 1), 'same', None),
    'c10x4_d1_s2_same_relu': _cv(20, 10, 1, 8, (10, 4), (2, 2), 'same', 'relu'),
    'c10x4_d1_s1_valid': _cv(14, 9, 1, 5, (10, 4), (1, 1), 'valid', None),
    'c10x4_d2_s1_same': _cv(12, 6, 2, 6, (10, 4), (1, 1), 'same', None),
    'c10x4_d3_s21_same_relu6': _cv(12, 8, 3, 4, (10, 4), (2, 1), 'same', 'relu6'),
    'c10x4_d4_s2_valid': _cv(14, 8, 4, 8, (10, 4), (2, 2), 'valid', None),
    'c10x4_d8_s12_same': _cv(12, 6, 8, 4, (10, 4), (1, 2), 'same', None),
    'c10x4_d1_big_plane': _cv(64, 40, 1, 4, (10, 4), (1, 1), 'same', None),
    'c3x4_d1_s1_same': _cv(10, 10, 1, 6, (3, 4), (1, 1), 'same', None),
    'c5x4_d1_s2_valid_relu': _cv(15, 9, 1, 7, (5, 4), (2, 2), 'valid', 'relu'),
    'c2x2_d1_s1_same': _cv(7, 7, 1, 5, (2, 2), (1, 1), 'same', None),
    'c1x4_d1_s1_valid': _cv(6, 9, 1, 3, (1, 4), (1, 1), 'valid', None),
    'c3x8_d1_s1_same': _cv(9, 12, 1, 5, (3, 8), (1, 1), 'same', None),
    'c2x2_d3_s1_valid': _cv(6, 7, 3, 6, (2, 2), (1, 1), 'valid', None),
    # depthwise 3x3 stride 1, multiplier 1: row lengths (the plane's long axis) 1..9
    'dw_row1_c3_valid': _dw(3, 3, 3, 1, 'valid', None),
    'dw_row2_c5_same': _dw(2, 2, 5, 1, 'same', None),
    'dw_row3_c7_valid': _dw(4, 5, 7, 1, 'valid', None),
    'dw_row4_c1_same': _dw(4, 4, 1, 1, 'same', None),
    'dw_row5_c6_same': _dw(3, 5, 6, 1, 'same', None),
    'dw_row6_c3_valid': _dw(5, 8, 3, 1, 'valid', None),
    'dw_row7_c5_same': _dw(7, 7, 5, 1, 'same', None),
    'dw_row8_c13_same': _dw(2, 8, 13, 1, 'same', None),
    'dw_row9_c7_valid': _dw(6, 11, 7, 1, 'valid', None),
    # ... along image columns (out_h > out_w: the plane is transposed)
    'dw_col5_c3_same': _dw(5, 1, 3, 1, 'same', None),
    'dw_col6_c2_same': _dw(6, 5, 2, 1, 'same', None),
    'dw_col8_c6_valid': _dw(10, 4, 6, 1, 'valid', None),
    'dw_col9_c5_same': _dw(9, 3, 5, 1, 'same', None),
    'dw_col2_c3_same': _dw(2, 1, 3, 1, 'same', None),
    'dw_col3_c5_valid': _dw(5, 4, 5, 1, 'valid', None),
    'dw_col4_c7_same': _dw(4, 1, 7, 1, 'same', None),
    'dw_col7_c9_same': _dw(7, 3, 9, 1, 'same', None),
    # depthwise beside the quad loop: fused ReLU (exact path), stride 2 and multiplier 2
    'dw_row6_c5_same_relu': _dw(6, 6, 5, 1, 'same', 'relu'),
    'dw_s2_c5_same': _dw(9, 7, 5, 2, 'same', None),
    'dw_s2_c3_valid_relu6': _dw(8, 9, 3, 2, 'valid', 'relu6'),
    'dw_m2_c3_same': _dw(6, 6, 3, 1, 'same', None, multiplier=2),
    # narrower activation ranges (clamps after the six-column loop; depthwise exact path) and
    # large requantization multipliers (exact TFLite arithmetic instead of SMMULR)
    'pw_k16_px13_relu_zp': _requantized(_pw(1, 13, 16, 8, 'relu'), out_zero_point=-70),
    'c3x3_d4_s1_same_relu6_narrow': _requantized(_cv(6, 6, 4, 6, (3, 3), (1, 1), 'same', 'relu6'),
                                               in_scale_factor=4.0, out_scale_factor=3.0),
    'pw_k24_px8_bigbias': _requantized(_pw(2, 4, 24, 5, None), first_bias=1 << 30),
    'dw_row7_c5_same_relu_zp': _requantized(_dw(7, 7, 5, 1, 'same', 'relu'), out_zero_point=-50),
    # batches of 2 (the planes and six-column groups restart per image)
    'pw_k20_px10_b2': _batched(_pw(2, 5, 20, 6, None), 2),
    'c10x4_d1_s2_same_b2': _batched(_cv(16, 8, 1, 4, (10, 4), (2, 2), 'same', None), 2),
    'c3x3_d3_s1_same_b2': _batched(_cv(5, 6, 3, 4, (3, 3), (1, 1), 'same', None), 2),
    'dw_row6_c3_same_b2': _batched(_dw(5, 6, 3, 1, 'same', None), 2),
    'dw_row5_c6_same_bigbias': _requantized(_dw(3, 5, 6, 1, 'same', None), first_bias=1 << 30),
    # the depthwise path for any filter and stride (eval_any): 1-D Kx1 filters along the
    # time axis (streaming models; odd and even K), a 1xK filter at stride 2, 3x3 at stride 2
    # with a channel on the exact path
    'dw_k5x1_c6_valid': ('depthwise', (12, 1, 6), 1, (5, 1), 1, 'valid', None),
    'dw_k10x1_c4_valid_relu': ('depthwise', (21, 1, 4), 1, (10, 1), 1, 'valid', 'relu'),
    'dw_k1x4_c3_s2_same': ('depthwise', (5, 9, 3), 1, (1, 4), 2, 'same', None),
    'dw_s2_c4_same_bigbias': _requantized(_dw(8, 8, 4, 2, 'same', None), first_bias=1 << 30),
    # 3x3 at stride 2 (h7nn_m7_dw3x3s2_plane): lines of 2 quads + 3 along rows, 2 quads + 2
    # along columns (valid padding), 1 quad + 2 (VWW's 12x12 -> 6x6 shape), a tail of 3 alone
    # (VWW's 6x6 -> 3x3), a tail of 1 in batches of 2
    'dw_s2_row11_c6_same': _dw(6, 22, 6, 2, 'same', None),
    'dw_s2_col10_c5_valid': _dw(21, 5, 5, 2, 'valid', None),
    'dw_s2_row6_c8_same': _dw(12, 12, 8, 2, 'same', None),
    'dw_s2_row3_c7_same': _dw(6, 6, 7, 2, 'same', None),
    'dw_s2_row9_c4_same_b2': _batched(_dw(4, 17, 4, 2, 'same', None), 2),
    # one-line stride-1 filters (h7nn_m7_dw_line1, channels widened in pairs): quads and a tail
    # of 3, an odd channel count (the last channel alone), one output per channel (K = 15),
    # 'same' padding along time, a channel on the exact path beside line1 channels
    'dw_k3x1_c5_valid': ('depthwise', (9, 1, 5), 1, (3, 1), 1, 'valid', None),
    'dw_k15x1_c3_valid': ('depthwise', (15, 1, 3), 1, (15, 1), 1, 'valid', None),
    'dw_k4x1_c7_same': ('depthwise', (10, 1, 7), 1, (4, 1), 1, 'same', None),
    'dw_k1x6_c4_valid': ('depthwise', (1, 11, 4), 1, (1, 6), 1, 'valid', None),
    'dw_k5x1_c4_valid_bigbias': _requantized(('depthwise', (14, 1, 4), 1, (5, 1), 1, 'valid', None),
                                             first_bias=1 << 30),
    # one-line stride-1 filters over a 2-D input, four channels or more (eval_few's four
    # channels per pass, no plane): a tail of 2 channels with a fused ReLU, a channel on the
    # exact path
    'dw_k3x1_2d_c8_same': ('depthwise', (9, 5, 8), 1, (3, 1), 1, 'same', None),
    'dw_k1x3_2d_c6_same_relu': ('depthwise', (6, 7, 6), 1, (1, 3), 1, 'same', 'relu'),
    'dw_k5x1_2d_c4_valid_bigbias': _requantized(('depthwise', (10, 3, 4), 1, (5, 1), 1, 'valid', None),
                                                first_bias=1 << 30),
    # a 1-D input along time, 4n channels, a 3x1 filter (eval_time: four channels per pass,
    # the rows inside it; the phone model's blocks):
    # 'same' at strides 1 and 2 (the inside rows at once), 'valid' at both, a fused ReLU (the
    # per-channel requantization), a channel on the exact path
    'dw_t3_c8_s1_same': ('depthwise', (8, 1, 8), 1, (3, 1), 1, 'same', None),
    'dw_t3_c12_s2_same': ('depthwise', (14, 1, 12), 1, (3, 1), 2, 'same', None),
    'dw_t3_c4_s2_valid': ('depthwise', (15, 1, 4), 1, (3, 1), 2, 'valid', None),
    'dw_t3_c4_s1_valid': ('depthwise', (10, 1, 4), 1, (3, 1), 1, 'valid', None),
    'dw_t3_c8_s1_same_relu': ('depthwise', (7, 1, 8), 1, (3, 1), 1, 'same', 'relu'),
    'dw_t3_c4_s1_same_bigbias': _requantized(('depthwise', (7, 1, 4), 1, (3, 1), 1, 'same', None),
                                             first_bias=1 << 30),
    # the same loop for 4x1 and 5x1 filters and longer lines (the streaming models' temporal
    # layers, the phone model's 14-row block): 'same' with two padded rows at each end and
    # TFLite's uneven split for an even filter, stride 2, a fused ReLU
    'dw_t3_c8_s1_same_long': ('depthwise', (16, 1, 8), 1, (3, 1), 1, 'same', None),
    'dw_t5_c8_s1_same': ('depthwise', (12, 1, 8), 1, (5, 1), 1, 'same', None),
    'dw_t4_c4_s2_same': ('depthwise', (11, 1, 4), 1, (4, 1), 2, 'same', None),
    'dw_t5_c4_s1_valid_relu': ('depthwise', (14, 1, 4), 1, (5, 1), 1, 'valid', 'relu'),
    # FULLY_CONNECTED: the pairs loop at k % 16 = 0 and 8, an odd last neuron, depths that are
    # not 8n, no bias, batches, a narrower clamp and a channel on the exact path (C rows)
    'fc_k64_n12': _fc(64, 12, None),
    'fc_k24_n7_relu': _fc(24, 7, 'relu'),
    'fc_k8_n5': _fc(8, 5, None),
    'fc_k20_n6': _fc(20, 6, None),
    'fc_k16_n4_nobias': _fc(16, 4, None, bias=False),
    'fc_k40_n6_relu6_b2': _batched(_fc(40, 6, 'relu6'), 2),
    'fc_k32_n8_relu_zp': _requantized(_fc(32, 8, 'relu'), out_zero_point=-70),
    'fc_k16_n6_bigbias': _requantized(_fc(16, 6, None), first_bias=1 << 30),
    'fc_k20_n6_asym': _requantized(_fc(20, 6, None), filter_zero_point=-7),
    # odd neuron counts (the last one by h7nn_m7_dot_1col), a batch of rows (the phone model's)
    'fc_k128_n41_b7': _batched(_fc(128, 41, None), 7),
    'fc_k44_n3_relu': _fc(44, 3, 'relu'),
}


def kernel_check_path(name):
    return os.path.join(KERNEL_CHECK_DIR, 'v%d_%s.tflite' % (KERNEL_CHECK_VERSION, name))


def _convert_int8(model, seed):
    """Full-int8 post-training quantization by TF's converter (int8 input and output)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    shape = (1,) + tuple(model.inputs[0].shape[1:])

    def representative():
        for _ in range(64):
            yield [rng.uniform(-2, 2, size=shape).astype(np.float32)]

    return int8_tflite(model, representative)


def build_kernel_check(name):
    """Converts one kernel-check model (if not cached) and returns its path."""
    path = kernel_check_path(name)
    if os.path.exists(path):
        return path
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    import keras
    kind, shape, n, kernel, stride, padding, act = KERNEL_CHECK_SPECS[name][:7]
    tweak = KERNEL_CHECK_SPECS[name][7] if len(KERNEL_CHECK_SPECS[name]) > 7 else None
    seed = sum(map(ord, name)) * 31
    keras.utils.set_random_seed(seed)
    x = keras.Input(shape, batch_size=tweak.get('batch') if tweak else None)
    if kind == 'fc':
        y = keras.layers.Dense(n, activation=act, use_bias=kernel, bias_initializer='random_normal')(x)
    elif kind == 'conv':
        y = keras.layers.Conv2D(n, kernel, strides=stride, padding=padding, activation=act,
                                bias_initializer='random_normal')(x)
    else:
        y = keras.layers.DepthwiseConv2D(kernel, strides=stride, depth_multiplier=n, padding=padding,
                                         activation=act, bias_initializer='random_normal')(x)
    data = _convert_int8(keras.Model(x, y), seed)
    if tweak and any(tweak.get(key) is not None for key in ('out_zero_point', 'out_scale_factor', 'first_bias',
                                                             'in_scale_factor', 'filter_zero_point')):
        data = _set_output_quantization(data, tweak.get('out_zero_point'), tweak.get('out_scale_factor'),
                                        tweak.get('first_bias'), tweak.get('in_scale_factor'),
                                        tweak.get('filter_zero_point'))
    os.makedirs(KERNEL_CHECK_DIR, exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)
    return path


def _set_output_quantization(data, zero_point, scale_factor, first_bias=None, in_scale_factor=None,
                             filter_zero_point=None):
    """The model with its (single) output tensor's zero point and/or scale changed, the
    first value of its op's bias (int32) set, and/or its input's scale multiplied."""
    import flatbuffers
    from tensorflow.lite.python import schema_py_generated as schema
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(bytearray(data), 0))
    graph = model.subgraphs[0]
    q = graph.tensors[graph.outputs[0]].quantization
    if zero_point is not None:
        q.zeroPoint = [zero_point]
    if scale_factor is not None:
        q.scale = [float(v) * scale_factor for v in q.scale]
    if in_scale_factor is not None:
        q_in = graph.tensors[graph.inputs[0]].quantization
        q_in.scale = [float(v) * in_scale_factor for v in q_in.scale]
    if filter_zero_point is not None:  # per-tensor weights with a zero point (asymmetric FULLY_CONNECTED)
        q_w = graph.tensors[graph.operators[0].inputs[1]].quantization
        q_w.scale = [float(q_w.scale[0])]
        q_w.zeroPoint = [filter_zero_point]
    if first_bias is not None:
        import numpy as np
        buf = model.buffers[graph.tensors[graph.operators[0].inputs[2]].buffer]
        bias = np.frombuffer(bytes(bytearray(buf.data)), dtype=np.int32).copy()
        bias[0] = first_bias
        buf.data = np.frombuffer(bias.tobytes(), dtype=np.uint8)
    builder = flatbuffers.Builder(len(data) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b'TFL3')
    return bytes(builder.Output())


def build_kernel_check_all():
    """Every kernel-check model, in the firmware's order (sorted file names); files of other
    versions or of specs no longer listed are removed, so the image embeds exactly these."""
    wanted = {os.path.basename(kernel_check_path(n)) for n in KERNEL_CHECK_SPECS}
    if os.path.isdir(KERNEL_CHECK_DIR):
        for f in os.listdir(KERNEL_CHECK_DIR):
            if f.endswith('.tflite') and f not in wanted:
                os.remove(os.path.join(KERNEL_CHECK_DIR, f))
    return sorted((build_kernel_check(n) for n in KERNEL_CHECK_SPECS), key=os.path.basename)
