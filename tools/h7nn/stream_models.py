"""Streamable test models for the engine's streaming inference (firmware/engine/h7nn_stream.h):
random weights, TF's converter through the project's one int8 recipe (h7nn.convert.int8_tflite).
Their time axis (dimension 1) is causal: Kx1 convolutions with VALID padding along time.

  keyword: 49 frames x 10 MFCC as [1, 49, 1, 10]; CONV_2D 10x1 stride 2 (64 channels), four
           depthwise-separable blocks (Kx1 depthwise, K = 3, 5, 3, 5, then 1x1 CONV_2D, 64
           channels), MEAN over time, FULLY_CONNECTED 12, SOFTMAX (the keyword model's shape,
           streamable; hop: 2 frames = 40 ms)
  phone:   [1, 32, 1, 40] (32 frames of 40 log-mel); CONV_2D 5x1 (64), three blocks (K = 5,
           3, 5), stride 1 everywhere, flatten + FULLY_CONNECTED 41 (hop: 1 frame = 20 ms)

  kws_stream: the trained streamable keyword candidate, models/kws_stream.tflite as shipped
           ([1, 49, 10] reshaped to [1, 49, 1, 10]; CONV_2D 11x1 stride 2 (96), five blocks;
           hop: 2 frames = 40 ms; models/kws_stream.md)

Cached as build/h7nn_stream/v<VERSION>_<name>.tflite; `python -m h7nn.stream_models` builds them."""
import os

from h7data.wavio import atomic_write_bytes
from h7voice.paths import BUILD, TOP

from .convert import int8_tflite

CACHE = os.path.join(BUILD, 'h7nn_stream')
VERSION = 5  # bump when a model changes: old files are ignored
# name -> (input shape without the batch, first conv (K, stride), block kernels, head, hop rows)
MODELS = {
    'keyword': ((49, 1, 10), (10, 2), (3, 5, 3, 5), 'mean12', 2),
    'phone': ((32, 1, 40), (5, 1), (5, 3, 5), 'flatten41', 1),
}
CHANNELS = 64
# trained streamable models of the repository, streamed and benched beside the test models
# (name -> (path under the repository root, hop rows)); models/kws_stream.md
SHIPPED = {'kws_stream': ('models/kws_stream.tflite', 2)}


def names():
    return sorted(MODELS) + sorted(SHIPPED)


def hop_rows(name):
    return SHIPPED[name][1] if name in SHIPPED else MODELS[name][4]


def path_for(name):
    if name in SHIPPED:
        return os.path.join(TOP, SHIPPED[name][0])
    return os.path.join(CACHE, 'v%d_%s.tflite' % (VERSION, name))


def _keras_model(keras, name):
    shape, (k0, s0), blocks, head, _ = MODELS[name]
    layers = keras.layers
    x = keras.Input(shape)
    # He initialisation keeps the activations' spread through the ReLU chain
    he = 'he_normal'
    y = layers.Conv2D(CHANNELS, (k0, 1), strides=(s0, 1), padding='valid', activation='relu', kernel_initializer=he,
                      bias_initializer=keras.initializers.RandomNormal(stddev=0.1))(x)
    for k in blocks:
        # (Keras's he_normal counts all channels in a depthwise filter's fan-in: K taps here)
        dw_init = keras.initializers.RandomNormal(stddev=(2.0 / k) ** 0.5)
        y = layers.DepthwiseConv2D((k, 1), padding='valid', activation='relu', depthwise_initializer=dw_init)(y)
        y = layers.Conv2D(CHANNELS, 1, activation='relu', kernel_initializer=he)(y)
    # logits of a few units (random weights give ~0.1: a softmax of 1/12 everywhere, an
    # output that would hide a wrong hop)
    big = keras.initializers.RandomNormal(stddev=0.05)
    if head == 'mean12':
        y = layers.GlobalAveragePooling2D()(y)
        y = layers.Dense(12, activation='softmax', kernel_initializer=big)(y)
    else:
        y = layers.Flatten()(y)
        y = layers.Dense(41, kernel_initializer=big)(y)
    return keras.Model(x, y)


def build(name):
    """Converts one model (if not cached) and returns its path (a shipped model's own)."""
    if name in SHIPPED:
        return path_for(name)
    if name not in MODELS:
        raise ValueError('no stream model %r (have: %s)' % (name, ', '.join(names())))
    path = path_for(name)
    if os.path.exists(path):
        return path
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    import numpy as np
    import keras
    seed = 1000 + sum(map(ord, name))
    keras.utils.set_random_seed(seed)
    model = _keras_model(keras, name)
    rng = np.random.default_rng(seed)
    shape = (1,) + MODELS[name][0]

    def representative():
        for _ in range(64):
            yield [rng.normal(0, 1, size=shape).astype(np.float32)]

    atomic_write_bytes(path, int8_tflite(model, representative))
    return path


# Models the engine must refuse to stream, each for a reason the shipped models do not show:
#   residual: a streamed tensor (the first convolution's output) also feeds the tail's ADD
#   flat:     a flat [1, 490] input reshaped to [1, 49, 1, 10]: its time axis is not the input's
#   branch:   two convolutions of the input side by side (the second is not on the chain)
REFUSED = ('residual', 'flat', 'branch')


def _refused_model(keras, name):
    layers = keras.layers
    if name == 'residual':
        x = keras.Input((20, 1, 8))
        a = layers.Conv2D(8, (3, 1), padding='valid', activation='relu')(x)
        b = layers.Conv2D(8, 1, activation='relu')(a)
        y = layers.GlobalAveragePooling2D()(layers.Add()([a, b]))
        return keras.Model(x, layers.Dense(4)(y))
    if name == 'branch':
        x = keras.Input((20, 1, 8))
        a = layers.Conv2D(8, (3, 1), padding='valid', activation='relu')(x)
        b = layers.Conv2D(8, (3, 1), padding='valid', activation='relu')(x)
        y = layers.GlobalAveragePooling2D()(layers.Add()([a, b]))
        return keras.Model(x, layers.Dense(4)(y))
    x = keras.Input((490,))
    y = layers.Conv2D(8, (3, 1), padding='valid', activation='relu')(layers.Reshape((49, 1, 10))(x))
    return keras.Model(x, layers.Dense(4)(layers.GlobalAveragePooling2D()(y)))


def build_refused(name):
    """Converts one model of REFUSED (if not cached) and returns its path."""
    path = path_for(name)
    if os.path.exists(path):
        return path
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    import numpy as np
    import keras
    keras.utils.set_random_seed(len(name))
    model = _refused_model(keras, name)
    rng = np.random.default_rng(len(name))
    shape = (1,) + tuple(model.inputs[0].shape[1:])

    def representative():
        for _ in range(16):
            yield [rng.normal(0, 1, size=shape).astype(np.float32)]

    atomic_write_bytes(path, int8_tflite(model, representative))
    return path


# Single-op models of the ops streaming runs every hop in full, for their M7 kernels' checks
# (tools/h7nn/tests/test_stream.py, against TFLite Micro): MEAN over more than 255 pixels (the
# M7 kernel's int16 lanes move to int32 every 255) with 4n channels; keepdims on and off.
OP_MODELS = {
    'mean_long': ((300, 2, 12), False),
    'mean_long_keep': ((97, 3, 8), True),
}


def build_op(name):
    """Converts one single-op model of OP_MODELS (if not cached) and returns its path."""
    path = path_for(name)
    if os.path.exists(path):
        return path
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    import numpy as np
    import keras
    shape, keep = OP_MODELS[name]
    keras.utils.set_random_seed(len(name))
    x = keras.Input(shape)
    model = keras.Model(x, keras.layers.GlobalAveragePooling2D(keepdims=keep)(x))
    rng = np.random.default_rng(len(name))

    def representative():
        for _ in range(32):
            yield [rng.uniform(-2, 3, size=(1,) + shape).astype(np.float32)]

    atomic_write_bytes(path, int8_tflite(model, representative))
    return path


if __name__ == '__main__':
    for n in names():
        print(build(n), flush=True)
