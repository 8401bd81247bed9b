"""Model family, pruning and quantization helpers (fast: no training)."""
import numpy as np
import pytest

from h7train import models as M, prune as P, train as T


def test_size_knob_and_always_on_budget():
    big, small = M.ds_cnn(width=64), M.ds_cnn(width=32)
    assert M.macs(big) == 2_656_768            # the MLPerf Tiny DS-CNN size
    assert M.parameters(small) < M.parameters(big) and M.macs(small) < M.macs(big)
    tiny = M.tiny()
    assert M.weight_bytes_int8(tiny) <= 8 * 1024


def test_channel_pruning_removes_channels_and_keeps_function():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 49, 10)).astype(np.float32)
    model = M.ds_cnn(width=16)
    for layer in model.layers:         # non-trivial BN statistics
        if 'bn' in layer.name:
            w = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, w[0].shape), rng.normal(0, 0.1, w[1].shape),
                               rng.normal(0, 0.1, w[2].shape), rng.uniform(0.5, 1.5, w[3].shape)])
    same = P.channel_prune(model, 1.0)
    assert np.allclose(model.predict(x, verbose=0), same.predict(x, verbose=0), atol=1e-5)
    half = P.channel_prune(model, 0.5)
    assert M.macs(half) < 0.4 * M.macs(model)
    assert [half.get_layer(n).kernel.shape[-1] for n in ('conv0', 'pw1', 'pw4')] == [8, 8, 8]


def test_magnitude_masks_hit_the_sparsity():
    model = M.ds_cnn(width=16)
    masks = P.magnitude_masks(model, 0.5)
    assert masks and all(abs(m.mean() - 0.5) < 0.05 for _, m in masks)


def test_fake_quant_is_int8_per_channel():
    k = np.random.default_rng(1).standard_normal((1, 1, 8, 4)).astype(np.float32)
    k[..., 0] *= 100           # one channel much larger: per-channel scales keep the others fine
    q = T.fake_quant_per_channel(T.tf.constant(k)).numpy()
    scale = np.abs(k).max(axis=(0, 1, 2)) / 127
    assert np.all(np.abs(q - k) <= scale / 2 + 1e-6)
    assert len(np.unique(np.round(q[..., 1] / scale[1]))) <= 255


def test_spec_augment_masks_time_and_frequency():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 49, 10)).astype(np.float32)
    y = T.spec_augment_batch(x, rng, time_width=8, freq_width=3)
    changed = y != x
    assert changed.any() and not changed[:, :, 0].all()
    assert (changed.all(axis=2).any(axis=1)).sum() > 8    # whole frames masked in most clips


def test_training_is_reproducible_from_a_seed():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 49, 10)).astype(np.float32)
    y = rng.integers(0, 12, 96)
    weights = []
    for _ in range(2):
        T.keras.utils.set_random_seed(11)
        T.tf.config.experimental.enable_op_determinism()
        model = M.ds_cnn(width=8, blocks=2)
        T.fit(model, (x, y), (x[:32], y[:32]), epochs=1, batch=32, seed=11, progress=False)
        weights.append(model.get_weights())
    assert all(np.array_equal(a, b) for a, b in zip(*weights))
