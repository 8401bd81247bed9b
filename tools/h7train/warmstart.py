"""Warm start: a shipped int8 .tflite loaded back into its float training model, so training
goes on from the shipped weights (up to their int8 rounding) instead of from random ones.
One implementation for every model we train (the keyword models: `realtrain --init X.tflite`;
the phone model: `h7phones.train --init`).

The export folds each BatchNorm into the convolution before it (and, for the phone model,
the input normalisation into conv0). Loading unfolds them: every kernel is set from the file,
and every BatchNorm is set to 'add the folded bias', with its running statistics measured on
calibration windows, so its output in inference equals the folded op's."""
import numpy as np


def tflite_layers(path):
    """[(op, float weights, float bias)] of the CONV_2D / DEPTHWISE_CONV_2D /
    FULLY_CONNECTED ops of an int8 .tflite, in graph order, dequantised (per channel)."""
    import tensorflow as tf
    it = tf.lite.Interpreter(path)
    det = {d['index']: d for d in it.get_tensor_details()}

    def deq(i):
        d = det[i]
        q = d['quantization_parameters']
        v = it.get_tensor(i).astype(np.float32)
        shape = [1] * v.ndim
        shape[q['quantized_dimension']] = -1
        scale = np.asarray(q['scales'], np.float32).reshape(shape)
        zp = np.asarray(q['zero_points'], np.float32).reshape(shape)
        return (v - zp) * scale
    out = []
    for op in it._get_ops_details():
        if op['op_name'] in ('CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'):
            _, w, b = op['inputs']
            out.append((op['op_name'], deq(w), deq(b)))
    return out


def warm_start(model, path, mean, std, calib):
    """Loads the int8 model at `path` into the float Keras `model` (the same architecture).
    mean, std: the input normalisation folded into the layer named conv0 at export (the phone
    model); None for a model that takes its features as they are (the keyword models).
    calib: windows as the model takes them (the BatchNorms' statistics are measured on them).
    ValueError names the file when the architectures differ."""
    from keras import layers
    import keras
    ops = tflite_layers(path)
    convs = [l for l in model.layers
             if isinstance(l, (layers.Conv2D, layers.DepthwiseConv2D, layers.Dense))]
    if len(ops) != len(convs):
        raise ValueError(f'{path}: {len(ops)} weight ops, the training model has {len(convs)}: '
                         'another architecture (pass the options of that model or drop --init)')
    for (op, w, b), layer in zip(ops, convs):
        if isinstance(layer, layers.DepthwiseConv2D):
            k = w[0][:, :, :, None]                     # [1, kh, kw, C] -> [kh, kw, C, 1]
        elif isinstance(layer, layers.Conv2D):
            k = np.transpose(w, (1, 2, 3, 0))           # [O, kh, kw, I] -> [kh, kw, I, O]
        else:
            k = w.T                                     # [units, in] -> [in, units]
        if tuple(k.shape) != tuple(layer.kernel.shape):
            raise ValueError(f'{path}: {layer.name} is {tuple(layer.kernel.shape)}, the file has '
                             f'{k.shape}: another architecture')
        if layer.name == 'conv0' and mean is not None:
            # folded: w2 x + b2 on raw features = w (x - m) / s + b  =>  w = w2 s, b = b2 + w2 m
            b = b + np.einsum('kjco,c->o', k, mean)
            k = k * std[None, None, :, None]
        if layer.use_bias:
            layer.set_weights([k, b])
            layer._h7_bias = np.zeros_like(b) if layer.name == 'conv0' and mean is not None else None
        else:
            layer.set_weights([k])
            layer._h7_bias = b
    idx = {id(l): i for i, l in enumerate(model.layers)}
    for layer in model.layers:
        if not isinstance(layer, layers.BatchNormalization):
            continue
        prev = model.layers[idx[id(layer)] - 1]
        bias = getattr(prev, '_h7_bias', None)
        if bias is None:
            raise ValueError(f'{path}: {layer.name} follows {prev.name}, which carries its own '
                             'bias: not a layout the export folds')
        z = keras.Model(model.input, layer.input).predict(calib, verbose=0, batch_size=1024)
        z = z.reshape(-1, z.shape[-1])
        mu, var = z.mean(0), z.var(0)
        # gamma (z - mu) / sqrt(var + eps) + beta = z + bias: the folded convolution
        layer.set_weights([np.sqrt(var + layer.epsilon), mu + bias, mu, var])
