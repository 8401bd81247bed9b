"""Compression by pruning: magnitude (unstructured) and structured channel pruning.

Magnitude pruning zeroes the smallest weights of the 1x1 and dense layers; the zeros are
kept by masks while fine-tuning. An int8 .tflite stores zeros like any other weight, so
this saves flash only with a compressed format: the stage table reports non-zero weights
separately. Structured pruning removes whole channels (the ones with the smallest
BatchNorm scale x L1 norm) and rebuilds a narrower DS-CNN, so the int8 model really is
smaller and faster.
"""
import numpy as np
from keras import layers

from .models import ds_cnn


def magnitude_masks(model, sparsity):
    """[(kernel variable, 0/1 mask)] zeroing the `sparsity` fraction of smallest weights of
    each 1x1 conv and dense layer (the first conv and depthwise layers are small and
    sensitive, they stay dense)."""
    masks = []
    for layer in model.layers:
        if isinstance(layer, layers.Dense) or (isinstance(layer, layers.Conv2D)
                                               and layer.name.startswith('pw')):
            k = layer.kernel.numpy()
            threshold = np.quantile(np.abs(k), sparsity)
            masks.append((layer.kernel, (np.abs(k) > threshold).astype(np.float32)))
    return masks


def nonzero_weights(model):
    return int(sum(np.count_nonzero(w) for w in model.get_weights()))


def _channel_layers(model):
    """Names of the convolutions whose output channels can be removed, in order."""
    names = ['conv0'] + sorted((l.name for l in model.layers
                                if l.name.startswith('pw') and l.name[2:].isdigit()),
                               key=lambda n: int(n[2:]))
    return names


def channel_prune(model, keep_fraction, multiple=4, min_channels=8):
    """A new, narrower DS-CNN keeping the most important channels of every block.

    Importance of an output channel: |BatchNorm gamma| x L1 norm of its kernel. Kept
    counts are rounded to a multiple of 4 (the SIMD kernels work on 4 channels at once).
    """
    names = _channel_layers(model)
    keep = []
    for name in names:
        kernel = model.get_layer(name).kernel.numpy()
        gamma = model.get_layer(name + '_bn').gamma.numpy()
        score = np.abs(gamma) * np.abs(kernel).reshape(-1, kernel.shape[-1]).sum(axis=0)
        n = max(min_channels, int(round(kernel.shape[-1] * keep_fraction / multiple)) * multiple)
        n = min(n, kernel.shape[-1])
        keep.append(np.sort(np.argsort(score)[::-1][:n]))
    small = ds_cnn(model.input_shape[1:], model.output_shape[-1],
                   channels=[len(k) for k in keep],
                   name=f'{model.name}_pruned')

    def copy_bn(src, dst, idx):
        dst.set_weights([w[idx] for w in src.get_weights()])

    for i, name in enumerate(names):
        out_idx = keep[i]
        in_idx = keep[i - 1] if i > 0 else None
        src, dst = model.get_layer(name), small.get_layer(name)
        k = src.kernel.numpy()
        if in_idx is not None:
            k = k[:, :, in_idx, :]
        dst.set_weights([k[..., out_idx]])
        copy_bn(model.get_layer(name + '_bn'), small.get_layer(name + '_bn'), out_idx)
        # The depthwise layer after this conv sees only the kept channels.
        nxt = f'dw{i + 1}'
        if i + 1 < len(names):
            dk = model.get_layer(nxt).kernel.numpy()[:, :, out_idx, :]
            small.get_layer(nxt).set_weights([dk])
            copy_bn(model.get_layer(nxt + '_bn'), small.get_layer(nxt + '_bn'), out_idx)
    w, b = model.get_layer('logits').get_weights()
    small.get_layer('logits').set_weights([w[keep[-1]], b])
    return small
