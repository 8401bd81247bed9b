"""Training loop shared by every stage: plain, distillation, pruning masks and QAT.

One custom loop (tf.function step) so the stages differ only in what they add: a teacher's
soft targets (knowledge distillation), masks re-applied after each update (magnitude
pruning), or weights fake-quantized to int8 with a straight-through estimator (QAT).
SpecAugment is applied to each batch's features on the fly.
"""
import os

import numpy as np

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

_THREADS_SET = False


def limit_threads(intra=2, inter=1):
    """The machine is shared: at most 2 compute threads (call before building models)."""
    global _THREADS_SET
    if not _THREADS_SET:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(intra)
            tf.config.threading.set_inter_op_parallelism_threads(inter)
        except RuntimeError:
            pass
        _THREADS_SET = True


def spec_augment_batch(x, rng, time_masks=2, time_width=6, freq_masks=1, freq_width=2):
    """Vectorized SpecAugment on (batch, frames, coeffs): masked cells take the clip mean."""
    x = x.copy()
    b, frames, coeffs = x.shape
    fill = x.mean(axis=(1, 2), keepdims=True)
    t = np.arange(frames)[None, :]
    c = np.arange(coeffs)[None, :]
    mask = np.zeros((b, frames, coeffs), bool)
    for _ in range(time_masks):
        w = rng.integers(0, time_width + 1, size=(b, 1))
        t0 = rng.integers(0, frames - time_width, size=(b, 1))
        mask |= ((t >= t0) & (t < t0 + w))[:, :, None]
    for _ in range(freq_masks):
        w = rng.integers(0, freq_width + 1, size=(b, 1))
        c0 = rng.integers(1, coeffs - freq_width, size=(b, 1))  # c0 (energy) kept
        mask |= ((c >= c0) & (c < c0 + w))[:, None, :]
    return np.where(mask, fill, x).astype(np.float32)


def quantizable_kernels(model):
    return [l.kernel
            for l in model.layers
            if isinstance(l, (layers.Conv2D, layers.DepthwiseConv2D, layers.Dense))]


def fake_quant_per_channel(kernel, depthwise=False):
    """Symmetric int8 per output channel, like the TFLite int8 scheme for weights."""
    axes = [0, 1, 3] if depthwise else list(range(len(kernel.shape) - 1))
    scale = tf.maximum(tf.reduce_max(tf.abs(kernel), axis=axes, keepdims=True), 1e-8) / 127.0
    return tf.clip_by_value(tf.round(kernel / scale), -127.0, 127.0) * scale


class FakeQuantActivation(layers.Layer):
    """Activation fake-quantization for QAT (8 bits, range tracked by an EMA)."""

    def __init__(self, momentum=0.99, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum

    def build(self, shape):
        self.lo = self.add_weight(name='lo', shape=(), initializer='zeros', trainable=False)
        self.hi = self.add_weight(name='hi', shape=(), initializer='ones', trainable=False)
        self.seen = self.add_weight(name='seen', shape=(), initializer='zeros', trainable=False)

    def call(self, x, training=False):
        if training:
            lo, hi = tf.reduce_min(x), tf.reduce_max(x)
            first = tf.equal(self.seen, 0.0)
            self.lo.assign(tf.where(first, lo, self.momentum * self.lo + (1 - self.momentum) * lo))
            self.hi.assign(tf.where(first, hi, self.momentum * self.hi + (1 - self.momentum) * hi))
            self.seen.assign(1.0)
        return tf.quantization.fake_quant_with_min_max_vars(
            x, tf.minimum(self.lo, 0.0), tf.maximum(self.hi, self.lo + 1e-3), num_bits=8)


def with_activation_fake_quant(model):
    """A copy of a model with FakeQuantActivation after every ReLU (for QAT)."""
    def clone(layer):
        return layer.__class__.from_config(layer.get_config())
    inputs = keras.Input(shape=model.input_shape[1:], name='features')
    x = inputs
    for layer in model.layers[1:]:
        x = clone(layer)(x)
        if isinstance(layer, layers.ReLU):
            x = FakeQuantActivation(name=layer.name + '_fq')(x)
    qat = keras.Model(inputs, x, name=model.name + '_qat')
    for layer in model.layers[1:]:
        qat.get_layer(layer.name).set_weights(layer.get_weights())
    return qat


def strip_fake_quant(qat_model, float_model):
    """Copies a QAT model's weights back into the plain architecture."""
    for layer in float_model.layers[1:]:
        layer.set_weights(qat_model.get_layer(layer.name).get_weights())
    return float_model


def evaluate_float(model, x, y, batch=256):
    logits = model.predict(x, batch_size=batch, verbose=0)
    return float(np.mean(np.argmax(logits, axis=1) == y)), logits


def fit(model, train, val, epochs=10, batch=64, lr=3e-3, seed=0, teacher=None,
        kd_alpha=0.7, kd_temperature=4.0, masks=None, qat=False, spec_augment=True,
        progress=True, label=''):
    """Trains model in place; keeps the weights with the best validation accuracy.

    train/val: (features float32 (N, frames, coeffs), labels int). masks: [(variable, 0/1
    array)] re-applied after each step. qat: fake-quantize weights (STE). Returns history.
    """
    from tqdm import tqdm
    limit_threads()
    rng = np.random.default_rng(seed)
    tf.random.set_seed(seed)
    xtr, ytr = train
    steps = max(1, int(np.ceil(len(xtr) / batch)))
    schedule = keras.optimizers.schedules.CosineDecay(lr, decay_steps=epochs * steps, alpha=0.02)
    opt = keras.optimizers.Adam(schedule)
    ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    kernels = quantizable_kernels(model) if qat else []
    depthwise = [isinstance(l, layers.DepthwiseConv2D) for l in model.layers
                 if isinstance(l, (layers.Conv2D, layers.DepthwiseConv2D, layers.Dense))] if qat else []
    shadows = [tf.Variable(k, trainable=False) for k in kernels]
    mask_list = [(v, tf.constant(m, dtype=v.dtype)) for v, m in (masks or [])]
    for v, m in mask_list:
        v.assign(v * m)

    # One trace per fit: without a signature the last, shorter batch of every epoch traces
    # the whole step (model, tape, optimizer) a second time, which is most of a short run.
    @tf.function(input_signature=[tf.TensorSpec((None,) + tuple(xtr.shape[1:]), tf.float32),
                                  tf.TensorSpec((None,), tf.as_dtype(np.asarray(ytr).dtype))])
    def step(x, y):
        for k, s, dw in zip(kernels, shadows, depthwise):
            s.assign(k)
            k.assign(fake_quant_per_channel(k, dw))
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = ce(y, logits)
            if teacher is not None:
                t = tf.nn.softmax(teacher(x, training=False) / kd_temperature)
                s_log = tf.nn.log_softmax(logits / kd_temperature)
                kd = tf.reduce_mean(tf.reduce_sum(t * (tf.math.log(t + 1e-9) - s_log), axis=1))
                loss = (1 - kd_alpha) * loss + kd_alpha * kd_temperature ** 2 * kd
            loss += tf.add_n(model.losses) if model.losses else 0.0
        grads = tape.gradient(loss, model.trainable_variables)
        for k, s in zip(kernels, shadows):   # straight-through: update the float weights
            k.assign(s)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        for v, m in mask_list:
            v.assign(v * m)
        acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32),
                                              tf.cast(y, tf.int32)), tf.float32))
        return loss, acc

    history = {'loss': [], 'acc': [], 'val_acc': []}
    best, best_weights = -1.0, None
    for epoch in range(epochs):
        order = rng.permutation(len(xtr))
        losses, accs = [], []
        bar = tqdm(range(steps), desc=f'{label} epoch {epoch + 1}/{epochs}', leave=False,
                   disable=not progress, mininterval=2)
        for s in bar:
            idx = order[s * batch:(s + 1) * batch]
            xb = xtr[idx]
            if spec_augment:
                xb = spec_augment_batch(xb, rng)
            loss, acc = step(tf.constant(xb, tf.float32), tf.constant(ytr[idx]))
            losses.append(float(loss))
            accs.append(float(acc))
        if qat:   # evaluate what the int8 model will compute
            saved = [k.numpy() for k in kernels]
            for k, dw in zip(kernels, depthwise):
                k.assign(fake_quant_per_channel(k, dw))
        val_acc, _ = evaluate_float(model, val[0], val[1])
        if qat:
            for k, v in zip(kernels, saved):
                k.assign(v)
        history['loss'].append(float(np.mean(losses)))
        history['acc'].append(float(np.mean(accs)))
        history['val_acc'].append(val_acc)
        if progress:
            print(f'{label} epoch {epoch + 1}/{epochs}: loss {np.mean(losses):.3f} '
                  f'train acc {np.mean(accs):.3f} val acc {val_acc:.3f}', flush=True)
        if val_acc > best:
            best, best_weights = val_acc, model.get_weights()
    model.set_weights(best_weights)
    for v, m in mask_list:
        v.assign(v * m)
    history['best_val_acc'] = best
    return history
