"""Keyword-spotting networks (Keras 3): the DS-CNN family and the always-on tiny model.

DS-CNN (Zhang et al., "Hello Edge"): a strided 10x4 convolution, then depthwise-separable
blocks (3x3 depthwise + 1x1 pointwise, each with BatchNorm + ReLU), global average
pooling and a dense classifier. `width` (channels) and `blocks` are the size knob; width
64 / 4 blocks is the MLPerf Tiny reference size. Layers are named so that structured
pruning can rebuild the network with fewer channels per block.

BatchNorm momentum is 0.95: with Keras' default (0.99) and short runs the moving
statistics lag the weights and the network collapsed to "silence" (FACTS.md).
"""
import keras
from keras import layers

BN_MOMENTUM = 0.95


def ds_cnn(input_shape=(49, 10), classes=12, width=64, blocks=4, channels=None,
           dropout=0.2, name=None):
    """channels: optional per-layer widths [first conv, block 1 .. block N] (pruned nets)."""
    channels = list(channels) if channels is not None else [width] * (blocks + 1)
    inputs = keras.Input(shape=input_shape, name='features')
    x = layers.Reshape(input_shape + (1,))(inputs)
    x = layers.Conv2D(channels[0], (10, 4), strides=(2, 2), padding='same', use_bias=False,
                      name='conv0')(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name='conv0_bn')(x)
    x = layers.ReLU(name='conv0_relu')(x)
    x = layers.Dropout(dropout / 2)(x)
    for i, c in enumerate(channels[1:], start=1):
        x = layers.DepthwiseConv2D((3, 3), padding='same', use_bias=False, name=f'dw{i}')(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f'dw{i}_bn')(x)
        x = layers.ReLU(name=f'dw{i}_relu')(x)
        x = layers.Conv2D(c, (1, 1), use_bias=False, name=f'pw{i}')(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f'pw{i}_bn')(x)
        x = layers.ReLU(name=f'pw{i}_relu')(x)
    x = layers.Dropout(dropout)(x)
    x = layers.GlobalAveragePooling2D(name='pool')(x)
    outputs = layers.Dense(classes, name='logits')(x)
    return keras.Model(inputs, outputs, name=name or f'ds_cnn_w{channels[0]}_b{len(channels) - 1}')


def tiny(input_shape=(49, 10), classes=12, name='kws_tiny', width=32):
    """Always-on model, < 8 KB of int8 weights (kernels + int32 biases: 6.5 KB at width 32,
    7.7 KB at 36): the DS-CNN shape with three blocks, 0.65 M MACs at 32 (a quarter of the
    default)."""
    return ds_cnn(input_shape, classes, channels=[width] * 4, dropout=0.1, name=name)


# ds_tcn: the keyword model the engine can stream (firmware/engine/h7nn_stream.h). Time is
# the only spatial axis (MFCC coefficients are channels) and every convolution is VALID along
# it with stride 1 after the first, so a hop computes only its new rows. Defaults: first
# convolution 11 frames at stride 2 (20 rows), then blocks of depthwise K = 5, 5, 5, 5, 4
# (19 rows consumed): one output row that sees all 49 frames (11 + 2 * 19), the full 1 s.
# 96 channels: 0.6 M MACs and ~64 KB of int8 weights (kernels + int32 biases).
DS_TCN_FIRST = (11, 2)
DS_TCN_KERNELS = (5, 5, 5, 5, 4)


def ds_tcn(input_shape=(49, 10), classes=12, width=96, first=DS_TCN_FIRST,
           kernels=DS_TCN_KERNELS, dropout=0.2, name=None):
    """Streamable DS-CNN along time: [T, F] -> [T, 1, F], Conv Kx1 stride s VALID, then
    depthwise Kx1 VALID + 1x1 pointwise blocks (BatchNorm + ReLU after each, folded by the
    converter), MEAN over time, Dense. Raises ValueError when the kernels leave no row."""
    frames, coeffs = input_shape
    k0, s0 = first
    rows = (frames - k0) // s0 + 1 - sum(k - 1 for k in kernels)
    if rows < 1:
        raise ValueError(f'ds_tcn: first {first} and kernels {kernels} leave {rows} rows of {frames}')
    inputs = keras.Input(shape=input_shape, name='features')
    x = layers.Reshape((frames, 1, coeffs))(inputs)
    x = layers.Conv2D(width, (k0, 1), strides=(s0, 1), padding='valid', use_bias=False,
                      name='conv0')(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name='conv0_bn')(x)
    x = layers.ReLU(name='conv0_relu')(x)
    x = layers.Dropout(dropout / 2)(x)
    for i, k in enumerate(kernels, start=1):
        x = layers.DepthwiseConv2D((k, 1), padding='valid', use_bias=False, name=f'dw{i}')(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f'dw{i}_bn')(x)
        x = layers.ReLU(name=f'dw{i}_relu')(x)
        x = layers.Conv2D(width, (1, 1), use_bias=False, name=f'pw{i}')(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f'pw{i}_bn')(x)
        x = layers.ReLU(name=f'pw{i}_relu')(x)
    x = layers.Dropout(dropout)(x)
    x = layers.GlobalAveragePooling2D(name='pool')(x)
    outputs = layers.Dense(classes, name='logits')(x)
    return keras.Model(inputs, outputs, name=name or f'ds_tcn_w{width}_b{len(kernels)}')


def weight_bytes_int8(model):
    """Bytes of int8 weights (kernels at 1 byte, biases as int32, BN folded away)."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, (layers.Conv2D, layers.DepthwiseConv2D, layers.Dense)):
            k = layer.get_weights()[0]
            total += k.size
            # bias per output channel after BN folding: int32
            out_ch = k.shape[-1] if not isinstance(layer, layers.DepthwiseConv2D) else k.shape[2] * k.shape[3]
            total += 4 * out_ch
    return total


def macs(model):
    """Multiply-accumulates of one inference (conv, depthwise, dense)."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, (layers.Conv2D, layers.DepthwiseConv2D, layers.Dense)):
            out = layer.output.shape
            k = layer.get_weights()[0]
            if isinstance(layer, layers.Dense):
                total += k.size
            elif isinstance(layer, layers.DepthwiseConv2D):
                total += out[1] * out[2] * k.shape[0] * k.shape[1] * k.shape[2] * k.shape[3]
            else:
                total += out[1] * out[2] * k.size
    return int(total)


def parameters(model):
    return int(sum(w.size for w in model.get_weights()))
