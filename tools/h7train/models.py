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


def _bn_relu(x, name):
    """BatchNorm then ReLU, named NAME_bn / NAME_relu (folded into the op before at export)."""
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f'{name}_bn')(x)
    return layers.ReLU(name=f'{name}_relu')(x)


POOLS = ('mean', 'max', 'meanmax')


def _pool(x, kind):
    """Over every row and position: 'mean' (MEAN), 'max' (a MAX_POOL_2D the size of the map:
    a word near the window's edge is seen fully by only a few VALID rows, and a mean dilutes
    them), or 'meanmax' (both, concatenated)."""
    if kind not in POOLS:
        raise ValueError(f'pool {kind!r}: one of {", ".join(POOLS)}')
    mean = layers.GlobalAveragePooling2D(name='pool')(x) if kind != 'max' else None
    if kind == 'mean':
        return mean
    peak = layers.Flatten(name='pool_max_flat')(
        layers.MaxPooling2D(pool_size=tuple(x.shape[1:3]), name='pool_max')(x))
    return peak if kind == 'max' else layers.Concatenate(name='pool_meanmax')([mean, peak])


def ds_cnn(input_shape=(49, 10), classes=12, width=64, blocks=4, channels=None,
           dropout=0.2, name=None, causal_parts=(), pool='mean'):
    """channels: optional per-layer widths [first conv, block 1 .. block N] (pruned nets).
    causal_parts: ds_cnn_stream's changes one at a time, to measure what each costs
    (`realtrain --causal-parts`; not streamable on their own):
    'valid_time': no padding along time (10 x 4 first convolution: 20 rows; each 3 x 3
    depthwise two rows fewer), frequency padded as 'same' still (5 positions);
    'split_dw': each 3 x 3 depthwise as 3 x 1 then 1 x 3 ('same'), one BatchNorm + ReLU.
    pool: _pool's kind."""
    unknown = set(causal_parts) - {'valid_time', 'split_dw'}
    if unknown:
        raise ValueError(f'ds_cnn: unknown causal parts {sorted(unknown)} (valid_time, split_dw)')
    valid_time, split = 'valid_time' in causal_parts, 'split_dw' in causal_parts
    channels = list(channels) if channels is not None else [width] * (blocks + 1)
    inputs = keras.Input(shape=input_shape, name='features')
    x = layers.Reshape(input_shape + (1,))(inputs)
    if valid_time:   # 'same' along frequency only: 10 coefficients, kernel 4, stride 2 -> 5
        x = layers.ZeroPadding2D(((0, 0), (1, 1)))(x)
    x = layers.Conv2D(channels[0], (10, 4), strides=(2, 2),
                      padding='valid' if valid_time else 'same', use_bias=False,
                      name='conv0')(x)
    x = _bn_relu(x, 'conv0')
    x = layers.Dropout(dropout / 2)(x)
    x = _ds_blocks(x, channels[1:], split, valid_time)
    return _head(inputs, x, classes, dropout, pool, name or f'ds_cnn_w{channels[0]}_b{len(channels) - 1}')


def _ds_blocks(x, channels, split, valid_time):
    """The depthwise-separable blocks dw{i} (3 x 3, or with split 3 x 1 'dwt{i}' then 1 x 3) +
    pw{i}, BatchNorm + ReLU after each; valid_time: no padding along time (frequency 'same')."""
    for i, c in enumerate(channels, start=1):
        if split:
            x = layers.DepthwiseConv2D((3, 1), padding='valid' if valid_time else 'same',
                                       use_bias=False, name=f'dwt{i}')(x)
            x = layers.DepthwiseConv2D((1, 3), padding='same', use_bias=False, name=f'dw{i}')(x)
        elif valid_time:
            x = layers.ZeroPadding2D(((0, 0), (1, 1)))(x)
            x = layers.DepthwiseConv2D((3, 3), padding='valid', use_bias=False, name=f'dw{i}')(x)
        else:
            x = layers.DepthwiseConv2D((3, 3), padding='same', use_bias=False, name=f'dw{i}')(x)
        x = _bn_relu(x, f'dw{i}')
        x = layers.Conv2D(c, (1, 1), use_bias=False, name=f'pw{i}')(x)
        x = _bn_relu(x, f'pw{i}')
    return x


def _head(inputs, x, classes, dropout, pool, name):
    """Dropout, the pooling (_pool), the Dense classifier 'logits'."""
    x = layers.Dropout(dropout)(x)
    x = _pool(x, pool)
    return keras.Model(inputs, layers.Dense(classes, name='logits')(x), name=name)


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


# ds_tcn_avg (`realtrain --arch stream_avg`): the same chain with seven output rows averaged
# instead of one. kws_default (2D, 'same') averages 25 x 5 positions, each a shifted view of
# the word; one output row must learn that shift invariance itself. A 9-frame first
# convolution at stride 2 (21 rows; still reads frame 48), then K = 5, 5, 3, 3, 3 (14 rows
# consumed): 7 rows, each seeing 37 frames (0.74 s), together all 49. Within issue 17's
# budgets at 96 channels: 0.73 M MACs, ~62 KB of int8 weights, 25,920 B of stream state at a
# 2-frame hop. (A 2D DS-CNN with frequency as width does not fit: the engine keeps every
# streamed tensor's window twice, 2 x rows x width x channels, ~120 KB of state at 4 x 96.)
DS_TCN_AVG = {'width': 96, 'first': (9, 2), 'kernels': (5, 5, 3, 3, 3)}


def ds_tcn_avg(input_shape=(49, 10), classes=12, name=None, **overrides):
    cfg = dict(DS_TCN_AVG, **{k: v for k, v in overrides.items() if v is not None})
    w, k0, ks = cfg['width'], cfg['first'], cfg['kernels']
    return ds_tcn(input_shape, classes, name=name or f'ds_tcn_avg_w{w}_f{k0[0]}_b{len(ks)}', **cfg)


def ds_tcn(input_shape=(49, 10), classes=12, width=96, first=DS_TCN_FIRST,
           kernels=DS_TCN_KERNELS, dropout=0.2, name=None, stem=0):
    """Streamable DS-CNN along time: [T, F] -> [T, 1, F], Conv Kx1 stride s VALID, then
    depthwise Kx1 VALID + 1x1 pointwise blocks (BatchNorm + ReLU after each, folded by the
    converter), MEAN over time, Dense. Raises ValueError when the kernels leave no row.
    stem > 0: the first convolution is 2D instead (frequency as width, as kws_default's:
    K x 4 at stride (s, 2) VALID, `stem` channels, 4 positions over the 10 MFCC), then a
    1 x 4 VALID convolution folds the positions into `width` channels."""
    frames, coeffs = input_shape
    k0, s0 = first
    rows = (frames - k0) // s0 + 1 - sum(k - 1 for k in kernels)
    if rows < 1:
        raise ValueError(f'ds_tcn: first {first} and kernels {kernels} leave {rows} rows of {frames}')
    inputs = keras.Input(shape=input_shape, name='features')
    if stem:
        x = layers.Reshape((frames, coeffs, 1))(inputs)
        x = layers.Conv2D(stem, (k0, 4), strides=(s0, 2), padding='valid', use_bias=False,
                          name='stem')(x)
        x = _bn_relu(x, 'stem')
        x = layers.Conv2D(width, (1, x.shape[2]), padding='valid', use_bias=False,
                          name='conv0')(x)
    else:
        x = layers.Reshape((frames, 1, coeffs))(inputs)
        x = layers.Conv2D(width, (k0, 1), strides=(s0, 1), padding='valid', use_bias=False,
                          name='conv0')(x)
    x = _bn_relu(x, 'conv0')
    x = layers.Dropout(dropout / 2)(x)
    for i, k in enumerate(kernels, start=1):
        x = layers.DepthwiseConv2D((k, 1), padding='valid', use_bias=False, name=f'dw{i}')(x)
        x = _bn_relu(x, f'dw{i}')
        x = layers.Conv2D(width, (1, 1), use_bias=False, name=f'pw{i}')(x)
        x = _bn_relu(x, f'pw{i}')
    x = layers.Dropout(dropout)(x)
    x = layers.GlobalAveragePooling2D(name='pool')(x)
    outputs = layers.Dense(classes, name='logits')(x)
    return keras.Model(inputs, outputs, name=name or f'ds_tcn_w{width}_b{len(kernels)}')


# ds_cnn_stream (`realtrain --arch stream2d`): kws_default's ds_cnn made streamable. Same
# layout (the 49 x 10 MFCC as a 2D image, frequency as width), width 96, 4 blocks, a 4-wide
# first convolution at stride (2, 2), MEAN over every position, Dense. What differs is only
# what the engine needs to stream it (firmware/engine/h7nn_stream.c): no padding along time.
# - The first convolution is VALID in both axes (a PAD op would end the streamed chain and
#   'same' pads time too): 9 x 4 at (2, 2) gives 21 rows x 4 positions (kws_default, 10 x 4
#   'same': 25 x 5); 9 frames so that at stride 2 the window's newest frame is read (10 would
#   leave frame 48 out). Depth 9 x 4 = 36, a multiple of 4 (no six-row view on the M7).
# - Each 3 x 3 depthwise is a 3 x 1 depthwise VALID along time then a 1 x 3 depthwise
#   'same' (a 1-row kernel pads nothing along time, only the 4 positions): a separable
#   3 x 3 per channel. One BatchNorm + ReLU after the pair, as after kws_default's 3 x 3.
# 13 rows x 4 positions reach the MEAN; each row sees 9 + 2 x 4 x 2 = 25 frames (kws_default:
# 26), together all 49. 2.7 M MACs, ~48 KB of int8 weights.
DS_CNN_STREAM_FIRST = (9, 2)


def ds_cnn_stream(input_shape=(49, 10), classes=12, width=96, blocks=4,
                  first=DS_CNN_STREAM_FIRST, dropout=0.2, name=None, pool='mean'):
    frames, coeffs = input_shape
    k0, s0 = first
    rows = (frames - k0) // s0 + 1 - 2 * blocks
    if rows < 1:
        raise ValueError(f'ds_cnn_stream: first {first} and {blocks} blocks leave {rows} rows of {frames}')
    inputs = keras.Input(shape=input_shape, name='features')
    x = layers.Reshape((frames, coeffs, 1))(inputs)
    x = layers.Conv2D(width, (k0, 4), strides=(s0, 2), padding='valid', use_bias=False,
                      name='conv0')(x)
    x = _bn_relu(x, 'conv0')
    x = layers.Dropout(dropout / 2)(x)
    x = _ds_blocks(x, [width] * blocks, split=True, valid_time=True)
    return _head(inputs, x, classes, dropout, pool, name or f'ds_cnn_stream_w{width}_b{blocks}')


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
