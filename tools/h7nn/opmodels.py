"""Tiny single-op int8 models for the per-op bit-exactness tests, made by TensorFlow's own
converter (full-int8 post-training quantization from a Keras model and a representative
dataset), with shapes and parameters drawn from a seeded generator. Cached as
build/h7nn_ops/<case>.tflite; `python -m h7nn.opmodels` (re)builds them all."""
import os
import random

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(TOP, 'build', 'h7nn_ops')
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
    import tensorflow as tf
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

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if not float_io:
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    data = conv.convert()
    os.makedirs(CACHE, exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)
    return path


if __name__ == '__main__':
    for c in case_names():
        print(build(c), flush=True)
