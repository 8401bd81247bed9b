"""Keyword models for real people: real clips + distillation from a real-trained teacher.

    python -m h7train.realtrain --epochs 24 --out build/realkws      # then realeval

Training data (speaker-disjoint from the evaluation fold, see realdata.split):
- real speech_commands_dev clips of the training folds, each as a clean copy (time shift)
  and `copies` augmented ones (real background noise, training part only, at 0-20 dB SNR
  for 80%; gain -15..+6 dB; shift +-100 ms);
- negatives: 1 s crops of mycroft and LibriSpeech real speech, clean and noisy;
- silence: windows of training-part background noise at -55..-15 dBFS;
- the synthetic h7data training set (espeak-ng / flite, already augmented).
Targets: the hard label and the MLPerf teacher's probabilities on the same audio through
the mlperf_kws config (loss = (1 - a) CE + a T^2 KL, per-sample a), SpecAugment on the
student's kws_stream features. Then int8 PTQ with training windows as calibration
(export.to_int8_tflite) and the metadata of export.metadata.
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np

from h7data.vocab import LABELS, SILENCE, UNKNOWN
from h7voice import paths

from . import realdata as R

VERSION = 1
KD_T = 2.0
# 'word': recipe 3's TTS non-keyword words; the teacher takes a fifth of them for a keyword
# (goal, gold -> go), so their hard "unknown" label weighs more than on the other negatives.
# 'hard': recipe 4's hard negatives (hardneg.py); the teacher itself takes 39 % of them for a
# keyword (it false-alarms in running speech more than our model), so their "unknown" label
# weighs most.
ALPHA = {'real': 0.5, 'negative': 0.6, 'silence': 0.3, 'synthetic': 0.3, 'word': 0.3, 'hard': 0.2}


# Training recipes (the transfer set each one builds; 1 made the first real-trained models):
# 2 = real noise mostly at 0-10 dB SNR (the range where the models failed), mycroft's own
# background recordings added to the training noise, every real "unknown" clip of the
# training folds three times as often (the non-keyword words people say alone), LibriSpeech
# crops every 0.5 s instead of 1 s, and every negative's noisy copy at 0-10 dB.
RECIPES = {
    1: {'snr_low': 0.0, 'snr': (0.0, 20.0), 'unknown_factor': 1, 'neg_hop': R.WINDOW,
        'neg_snr': (0.0, 20.0), 'mycroft_noise': False},
    2: {'snr_low': 0.6, 'snr': (0.0, 20.0), 'unknown_factor': 3, 'neg_hop': R.WINDOW // 2,
        'neg_snr': (0.0, 10.0), 'mycroft_noise': True},
}
# 3 = recipe 2's windows + single spoken words that are not keywords (WORD_NEGATIVES
# utterances, each clean and in real noise): the held-out misses were non-keyword words
# said alone taken for a keyword, and LibriSpeech/mycroft crops are mostly running speech.
RECIPES[3] = dict(RECIPES[2], base=2, word_negatives=2400)
# 4 = recipe 2's windows + the hard negatives of the model being continued (hardneg.mine: the
# windows the firmware's decision scores in training speakers' running speech where that model
# comes near a keyword), as mined, label "unknown". Only with --init MODEL.tflite: the model
# mines its own. Most false alarms in a stream fire inside sentences (models/real_stream.md).
RECIPES[4] = dict(RECIPES[2], base=2, hard_negatives=True)
LOW_SNR = (0.0, 10.0)

# The shipped kws_default (v2) from scratch in one command (realtrain --stages): 30 epochs
# of recipe 1 at lr 3e-3, then 8 of recipe 2 at lr 1e-3 continued from it (v2 was this chain
# run by hand: two commands, --init). WORD_NEGATIVES_STAGES (recipe 3 in the second stage)
# was measured against it on the held-out fold and not shipped (models/kws_default.json,
# "training.reproduction").
SHIPPED_STAGES = '1:30:3e-3,2:8:1e-3'
WORD_NEGATIVES_STAGES = '1:30:3e-3,3:8:1e-3'

# Non-keyword words said alone, for recipe 3 (TTS: piper's joe voice, espeak-ng and flite
# training voices, never the held-out voices): h7data's unknown words (the other Speech
# Commands words and near-keywords) + common short words. Keywords, their homophones
# (know, write) and words that contain a keyword (going, stopped) are left out.
SHORT_WORDS = (
    'the', 'and', 'to', 'in', 'it', 'is', 'that', 'this', 'what', 'when', 'where', 'why',
    'how', 'who', 'yeah', 'yep', 'okay', 'oh', 'so', 'well', 'just', 'then', 'there', 'here',
    'more', 'less', 'some', 'all', 'not', 'can', 'will', 'would', 'could', 'very', 'much',
    'time', 'day', 'night', 'home', 'car', 'phone', 'call', 'name', 'thing', 'way', 'work',
    'look', 'see', 'come', 'get', 'got', 'give', 'take', 'make', 'let', 'put', 'say', 'tell',
    'ask', 'want', 'need', 'like', 'love', 'help', 'find', 'keep', 'set', 'sit', 'walk',
    'run', 'jump', 'fast', 'slow', 'hot', 'cold', 'big', 'small', 'red', 'blue', 'green',
    'black', 'white', 'apple', 'bottle', 'button', 'ten', 'eleven', 'twelve', 'hundred',
    'first', 'last', 'word', 'sound', 'bag', 'box', 'dot', 'pup', 'cop', 'nap', 'lot',
    'stock', 'spot', 'gap', 'goal', 'ghost', 'gone', 'bone', 'tone', 'cone', 'loan', 'lawn',
    'land', 'lend', 'lean', 'leaf', 'rise', 'rot', 'knee', 'sky', 'moon', 'sun', 'rain',
    'snow', 'fire', 'tea', 'milk', 'bread', 'egg', 'fish', 'horse', 'cow', 'mouse', 'duck',
    'chair', 'door', 'key', 'book', 'desk', 'plate', 'shoe', 'hat', 'coat', 'gown', 'brown',
    'round', 'sound', 'fight', 'white', 'wide', 'cough', 'if', 'an', 'yak',
    'nah', 'nor', 'nut', 'dull', 'doubt', 'lot', 'let', 'lip', 'rope', 'rock', 'rat', 'sob',
    'top', 'tip', 'cut', 'gut', 'god', 'got', 'get', 'guy', 'boat', 'coat', 'joke')
WORD_NEGATIVE_VOICES = {'piper': 0.25, 'flite': 0.25, 'espeak': 0.5}


def augment(clip, rng, noise_pool, p_noise=0.8, snr=(0.0, 20.0), gain_db=(-15.0, 6.0),
            shift=1600, p_low=0.0):
    """Time shift, real noise (p_noise; with probability p_low at LOW_SNR instead of snr),
    gain."""
    x = np.zeros_like(clip)
    s = int(rng.integers(-shift, shift + 1))
    if s >= 0:
        x[s:] = clip[:len(clip) - s]
    else:
        x[:s] = clip[-s:]
    if rng.random() < p_noise:
        band = LOW_SNR if (p_low and rng.random() < p_low) else snr
        x = R.mix(x, noise_pool, float(rng.uniform(*band)), rng)
    g = 10 ** (rng.uniform(*gain_db) / 20)
    f = x.astype(np.float32) * g
    f = f / max(1.0, np.abs(f).max() / 32000)
    return np.round(f).astype(np.int16)


def _transfer_key(seed, copies, synth_per_word, recipe, eval_fold, real):
    key = [VERSION, seed, copies, synth_per_word, R.FOLDS, eval_fold, R.SPLIT_SALT]
    if recipe != 1:
        key += [recipe, RECIPES[recipe]]
    if not real:
        key += ['no real clips']
    return hashlib.sha1(json.dumps(key).encode()).hexdigest()[:12]


def transfer_set(seed=1, copies=5, synth_per_word=120, progress=True, recipe=1,
                 eval_fold=R.EVAL_FOLD, real=True, frontend='kws_stream', mine_with=None):
    """The training windows with targets: dict(x int16, y, kind, teacher [n, 12] in our
    label order, features [n, 49, 10] from the C front end's `frontend` config). Cached.
    eval_fold: the speech_commands_dev fold never used (k-fold runs pass theirs);
    real=False leaves every speech_commands_dev clip out (shared pre-training);
    mine_with: the int8 model whose hard negatives recipe 4 adds."""
    from h7data.dataset import cache_dir
    from .features import cached, load_frontend
    rc = RECIPES[recipe]
    if 'base' in rc:
        # a base recipe's (cached) windows + the extra negatives (cached on their own)
        out = transfer_set(seed, copies, synth_per_word, progress, rc['base'], eval_fold,
                           real, frontend)
        if 'word_negatives' in rc:
            extra = word_negatives(seed, rc['word_negatives'], rc['neg_snr'], progress)
            extra['features'] = cached(f'wordneg-{extra.pop("digest")}', extra['x'],
                                       load_frontend(frontend))
            extra['kind'] = np.array(['word'] * len(extra['x']))
        else:
            extra = hard_negatives(mine_with, frontend, progress)
        return {k: np.concatenate([out[k], extra[k]]) for k in ('x', 'y', 'kind', 'teacher',
                                                                 'features')}
    digest = _transfer_key(seed, copies, synth_per_word, recipe, eval_fold, real)
    path = os.path.join(cache_dir(), 'real', f'transfer-{digest}.npz')
    if os.path.exists(path):
        with np.load(path, allow_pickle=False) as z:
            out = {k: z[k] for k in z.files}
    else:
        out = _build_transfer(seed, copies, synth_per_word, progress, recipe, eval_fold, real)
        R._save_npz(path, out)
    if frontend != 'kws_stream' or 'features' not in out:
        out['features'] = cached(f'transfer-{digest}', out['x'], load_frontend(frontend))
    return out


def _build_transfer(seed, copies, synth_per_word, progress, recipe, eval_fold, real):
    t0 = time.time()
    rc = RECIPES[recipe]

    def say(msg):
        if progress:
            print(f'[{time.time() - t0:5.0f} s] {msg}', flush=True)
    rng = np.random.default_rng([seed, 14])
    data = R.speech_commands()
    train_idx, _ = R.split(data, eval_fold)
    pool = R.noise('train')
    if rc['mycroft_noise']:
        pool.update(R.mycroft_noise())
    xs, ys, kinds = [], [], []
    unk = LABELS.index(UNKNOWN)
    for i in (train_idx if real else []):
        clip, y = data['x'][i], int(data['y'][i])
        sil = y == LABELS.index(SILENCE)
        n = copies * (rc['unknown_factor'] if y == unk else 1)
        xs.append(augment(clip, rng, pool, p_noise=0.0, gain_db=(0, 0)))
        for _ in range(n):
            xs.append(augment(clip, rng, pool, p_noise=0.0 if sil else 0.8, snr=rc['snr'],
                              p_low=rc['snr_low']))
        ys += [y] * (n + 1)
        kinds += ['real'] * (n + 1)
    say(f'real: {len(xs)} windows from {len(train_idx) if real else 0} clips of the training folds')
    neg = R.negatives(rc['neg_hop'])
    for clip in neg['x']:
        xs.append(clip)
        xs.append(augment(clip, rng, pool, p_noise=0.7, snr=rc['neg_snr']))
        ys += [-1, -1]            # silence or unknown: decided by the teacher below
        kinds += ['negative', 'negative']
    names = sorted(pool)
    for _ in range(max(400, len(train_idx) // 4)):
        n = pool[names[int(rng.integers(len(names)))]]
        s = int(rng.integers(0, len(n) - R.WINDOW))
        f = n[s:s + R.WINDOW] / (np.sqrt(np.mean(n[s:s + R.WINDOW] ** 2)) + 1e-9)
        f = f * 10 ** (rng.uniform(-55, -15) / 20)
        xs.append(np.round(np.clip(f, -0.98, 0.98) * 32767).astype(np.int16))
        ys.append(LABELS.index(SILENCE))
        kinds.append('silence')
    say(f'+ negatives and silence: {len(xs)} windows')
    if synth_per_word:
        from h7data.dataset import build
        syn = build('train', per_word=synth_per_word, copies=1, seed=seed, progress=progress)
        xs += list(syn['x'])
        ys += [int(v) for v in syn['y']]
        kinds += ['synthetic'] * len(syn['y'])
        say(f'+ synthetic: {len(xs)} windows')
    x = np.stack(xs).astype(np.int16)
    y = np.asarray(ys, np.int32)
    teacher = R.Teacher().probabilities(x).astype(np.float32)
    say('teacher probabilities done')
    neg_sel = y < 0
    sil = LABELS.index(SILENCE)
    y[neg_sel] = np.where(teacher[neg_sel, sil] > teacher[neg_sel, unk], sil, unk)
    out = {'x': x, 'y': y, 'kind': np.array(kinds), 'teacher': teacher}
    if recipe == 1 and real:
        # recipe 1's cache kept the kws_stream features inside (same bytes as before)
        out['features'] = R.features(x, 'kws_stream')
        say('student features done')
    return out


def hard_negatives(model_path, frontend='kws_stream', progress=True):
    """Recipe 4's windows: hardneg.mine(model_path), label "unknown", kind "hard", teacher
    probabilities as every other window."""
    from .features import cached, load_frontend
    from .hardneg import mine
    if not model_path or not str(model_path).endswith('.tflite'):
        raise ValueError('recipe 4 adds the hard negatives of the model it continues: pass '
                         '--init MODEL.tflite (an int8 model of the same architecture)')
    hard = mine(model_path, progress=progress)
    x = hard['x']
    digest = hashlib.sha1(x.tobytes()).hexdigest()[:12]
    teacher = R.Teacher().probabilities(x).astype(np.float32)
    return {'x': x, 'y': np.full(len(x), LABELS.index(UNKNOWN), np.int32),
            'kind': np.array(['hard'] * len(x)), 'teacher': teacher,
            'features': cached(f'hardneg-{digest}', x, load_frontend(frontend))}


def word_negatives(seed, count, snr, progress=True):
    """count single non-keyword words (SHORT_WORDS + h7data's UNKNOWN_WORDS) from the
    training TTS voices, each trimmed to its loud part, placed at a random offset in a 1 s
    window, at a random level; a clean and a real-noise (snr dB) copy of each. Label
    "unknown", kind "negative", teacher probabilities as every other window. Cached."""
    from h7data.dataset import _espeak_voices, cache_dir, synthesize, TRAIN_FLITE
    from h7data.vocab import UNKNOWN_WORDS
    words = sorted(set(SHORT_WORDS) | set(UNKNOWN_WORDS))
    # flite rms is a held-out voice of the phone models (issue 13): left out here too
    flite_voices = [v for v in TRAIN_FLITE if v != 'rms']
    key = [VERSION, 'word negatives', seed, count, list(snr), words, flite_voices,
           WORD_NEGATIVE_VOICES, R.SPLIT_SALT]
    digest = hashlib.sha1(json.dumps(key).encode()).hexdigest()[:12]
    path = os.path.join(cache_dir(), 'real', f'wordneg-{digest}.npz')
    if os.path.exists(path):
        with np.load(path, allow_pickle=False) as z:
            return dict({k: z[k] for k in z.files}, digest=digest)
    t0 = time.time()
    rng = np.random.default_rng([seed, 14, 3])
    espeak_voices = _espeak_voices(False)
    engines = sorted(WORD_NEGATIVE_VOICES)
    p = np.array([WORD_NEGATIVE_VOICES[e] for e in engines])
    items, piper = [], []
    for _ in range(count):
        word = words[int(rng.integers(len(words)))]
        engine = engines[int(rng.choice(len(engines), p=p / p.sum()))]
        if engine == 'piper':
            piper.append((word, {'length_scale': float(rng.uniform(0.75, 1.5)),
                                 'noise_scale': float(rng.uniform(0.3, 1.0)),
                                 'noise_w': float(rng.uniform(0.3, 1.2))}))
        elif engine == 'flite':
            items.append(('flite', flite_voices[int(rng.integers(len(flite_voices)))], word,
                          {'stretch': float(rng.uniform(0.75, 1.4)),
                           'f0': float(rng.choice([0, rng.uniform(80, 220)]))}, UNKNOWN))
        else:
            items.append(('espeak', espeak_voices[int(rng.integers(len(espeak_voices)))], word,
                          {'rate': int(rng.integers(110, 260)), 'pitch': int(rng.integers(15, 85)),
                           'pitch_range': int(rng.integers(10, 90)), 'shift': 1.0}, UNKNOWN))
    audio = [a for a, _ in synthesize(items, desc='word negatives')]
    if piper:
        from h7phones.synth import piper_synthesize
        audio += [piper_synthesize(w, 'joe', prm) for w, prm in piper]
    if progress:
        print(f'[{time.time() - t0:5.0f} s] word negatives: {len(audio)} words synthesized',
              flush=True)
    pool = R.noise('train')
    pool.update(R.mycroft_noise())
    xs = []
    for a in audio:
        a = np.asarray(a, np.int16)
        if len(a) < 320 or not np.abs(a).max():
            continue
        w0, w1 = R._word_bounds(a)
        seg = a[max(0, w0 - 800):w1 + 800][:R.WINDOW]
        win = np.zeros(R.WINDOW, np.float32)
        at = int(rng.integers(0, R.WINDOW - len(seg) + 1))
        win[at:at + len(seg)] = seg.astype(np.float32) / (np.abs(seg).max() + 1e-9)
        win *= 10 ** (rng.uniform(-24, -1) / 20)
        clean = np.round(win * 32767).astype(np.int16)
        xs.append(clean)
        xs.append(R.mix(clean, pool, float(rng.uniform(*snr)), rng))
    x = np.stack(xs).astype(np.int16)
    out = {'x': x, 'y': np.full(len(x), LABELS.index(UNKNOWN), np.int32),
           'kind': np.array(['negative'] * len(x)),
           'teacher': R.Teacher().probabilities(x).astype(np.float32)}
    if progress:
        print(f'[{time.time() - t0:5.0f} s] word negatives: {len(x)} windows, teacher done',
              flush=True)
    R._save_npz(path, out)
    return dict(out, digest=digest)


def real_window_folds(ts, copies=5, recipe=1, eval_fold=R.EVAL_FOLD):
    """The speech_commands_dev fold of each window of a transfer set (-1: not a real clip),
    replayed from _build_transfer's order (each training-fold clip: 1 clean + its copies,
    real windows first). Raises ValueError when the set does not match that order."""
    rc = RECIPES[RECIPES[recipe].get('base', recipe)]
    data = R.speech_commands()
    train_idx, _ = R.split(data, eval_fold)
    unk = LABELS.index(UNKNOWN)
    reps = np.array([1 + copies * (rc['unknown_factor'] if data['y'][i] == unk else 1)
                     for i in train_idx])
    folds = np.repeat(data['fold'][train_idx], reps)
    labels = np.repeat(data['y'][train_idx], reps)
    real = np.flatnonzero(ts['kind'] == 'real')
    if len(real) != len(folds) or not np.array_equal(real, np.arange(len(folds))) or \
            not np.array_equal(ts['y'][real], labels):
        raise ValueError('transfer set: its real windows are not the training folds\' clips in '
                         'order (rebuild it with --data-only)')
    out = np.full(len(ts['kind']), -1, np.int32)
    out[real] = folds
    return out


def with_context(feats, context):
    """[n, frames, coeffs] with context = (past, future) more frames: the first and the last
    frame repeated (`realtrain --context`: what a causal network gains from frames around the
    one-second window; the firmware's pipeline feeds the model's own window, so a model
    trained with it is an experiment, not one the image can run as it is)."""
    past, future = context
    if not past and not future:
        return feats
    return np.concatenate([np.repeat(feats[:, :1], past, 1), feats, np.repeat(feats[:, -1:], future, 1)], 1)


def validation_scores(model, int8_data, val_fold, context=(0, 0)):
    """The float model and its int8 export on the clean clips of training fold val_fold
    (left out of this run's training): accuracy, keywords, non-keyword false accepts."""
    from .export import Int8Model
    from .realeval import scores
    data = R.speech_commands()
    sel = np.flatnonzero(data['fold'] == val_fold)
    feats = with_context(R.features(data['x'][sel], 'kws_stream'), context)
    y = data['y'][sel]
    out = {'fold': val_fold, 'clips': int(len(sel))}
    for kind, pred in (('float', model.predict(feats, verbose=0, batch_size=256)),
                       ('int8', Int8Model(int8_data).predict(feats))):
        s = scores(pred.argmax(1), y)
        out[kind] = {k: s[k] for k in ('accuracy', 'keyword_accuracy', 'false_accept',
                                       'worst_keyword')}
    return out


def ensemble_teacher(ts, teacher_models):
    """The MLPerf teacher's probabilities averaged with those of our own int8 keyword models
    (trained on the training folds only, kws_stream features: the student's own input)."""
    from .export import Int8Model, load_metadata
    probs = [ts['teacher']]
    for path in teacher_models:
        meta = load_metadata(os.path.splitext(path)[0] + '.json')
        if meta['frontend']['name'] != 'kws_stream':
            raise ValueError(f'{path}: teacher front end {meta["frontend"]["name"]!r}, '
                             'the student\'s is kws_stream')
        order = [meta['labels'].index(lab) for lab in LABELS]
        probs.append(Int8Model(path).predict(ts['features'])[:, order])
    p = np.clip(np.mean(probs, axis=0), 0.0, None).astype(np.float32)
    return p / p.sum(1, keepdims=True)


def parse_stages(text):
    """'1:18:3e-3,3:8:1e-3' -> [(recipe, epochs, lr)]; ValueError naming the bad part."""
    out = []
    for part in text.split(','):
        try:
            r, e, lr = part.split(':')
            stage = (int(r), int(e), float(lr))
        except ValueError:
            raise ValueError(f'--stages: {part!r} is not RECIPE:EPOCHS:LR (e.g. 1:18:3e-3)')
        if stage[0] not in RECIPES or stage[1] < 1 or stage[2] <= 0:
            raise ValueError(f'--stages: {part!r}: recipe one of {sorted(RECIPES)}, epochs >= 1, '
                             'lr > 0')
        out.append(stage)
    return out


def fit_distill(model, x, y, teacher, alpha, epochs, batch=64, lr=3e-3, seed=1,
                progress=True, label='real'):
    """Trains in place on (x, hard y) with per-sample distillation weight alpha toward the
    teacher's probabilities (temperature KD_T); SpecAugment as train.fit. Keeps the last
    epoch's weights (no selection on held-out data)."""
    from .train import keras, limit_threads, spec_augment_batch, tf
    limit_threads()
    rng = np.random.default_rng(seed)
    tf.random.set_seed(seed)
    steps = int(np.ceil(len(x) / batch))
    opt = keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(
        lr, decay_steps=epochs * steps, alpha=0.02))
    soft = teacher ** (1 / KD_T)
    soft = (soft + 1e-6) / (soft + 1e-6).sum(1, keepdims=True)

    @tf.function
    def step(xb, yb, tb, ab):
        with tf.GradientTape() as tape:
            logits = model(xb, training=True)
            ce = tf.nn.sparse_softmax_cross_entropy_with_logits(yb, logits)
            s_log = tf.nn.log_softmax(logits / KD_T)
            kd = tf.reduce_sum(tb * (tf.math.log(tb) - s_log), axis=1)
            loss = tf.reduce_mean((1 - ab) * ce + ab * KD_T ** 2 * kd)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32), yb),
                                     tf.float32))
        return loss, acc

    history = []
    for epoch in range(epochs):
        t0 = time.time()
        order = rng.permutation(len(x))
        losses, accs = [], []
        for s in range(steps):
            idx = order[s * batch:(s + 1) * batch]
            xb = spec_augment_batch(x[idx], rng)
            loss, acc = step(tf.constant(xb), tf.constant(y[idx]), tf.constant(soft[idx]),
                             tf.constant(alpha[idx]))
            losses.append(float(loss))
            accs.append(float(acc))
        history.append({'epoch': epoch + 1, 'loss': float(np.mean(losses)),
                        'train_acc': float(np.mean(accs)), 'seconds': round(time.time() - t0, 1)})
        if progress:
            print(f'{label} epoch {epoch + 1}/{epochs}: loss {np.mean(losses):.3f} '
                  f'train acc {np.mean(accs):.3f} ({time.time() - t0:.0f} s)', flush=True)
    return history


def train_and_export(out_dir, name='kws_default', arch='default', width=None, epochs=24,
                     seed=1, copies=5, synth_per_word=120, progress=True, command='',
                     recipe=1, init=None, lr=3e-3, frontend='kws_stream', stages=None,
                     kernels=None, first=None, val_fold=None, teacher_models=(), stem=None,
                     causal_parts=(), pool='mean', context=(0, 0), eval_fold=R.EVAL_FOLD):
    """Trains (from scratch, or on from the float model `init`) and writes
    out_dir/name.{tflite,json,keras}. stages [(recipe, epochs, lr)]: trained one after the
    other on the same model (each stage a fresh optimizer and cosine schedule; the float
    model after each stage is kept as name.stageK.keras); recipe/epochs/lr are then unused.
    val_fold: a training fold whose real clips are left out and scored at the end (choosing
    architecture and epochs on training speakers, never on the evaluation fold).
    teacher_models: our int8 models whose probabilities are averaged with the MLPerf
    teacher's (ensemble_teacher). eval_fold: the speech_commands_dev fold left out of
    training (realkfold --shipped trains the shipped recipe once per fold)."""
    from . import models as M
    from .export import metadata, save_model, to_int8_tflite
    from .features import load_frontend
    from .train import keras, tf
    t0 = time.time()
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    stages = stages or [(recipe, epochs, lr)]
    history, model = [], None
    os.makedirs(out_dir, exist_ok=True)
    for n, (recipe, epochs, lr) in enumerate(stages, 1):
        ts = x = None   # the previous stage's windows freed before the next are loaded
        if n > 1:
            # exactly what `--init <previous stage>.keras` in a new process does (the seeds
            # reset, the model reloaded): the chain gives the bytes of the stages run by hand
            keras.utils.set_random_seed(seed)
        ts = transfer_set(seed, copies, synth_per_word, progress, recipe=recipe,
                          eval_fold=eval_fold, frontend=frontend, mine_with=init)
        teacher = ensemble_teacher(ts, teacher_models) if teacher_models else ts['teacher']
        if val_fold is not None:
            keep = real_window_folds(ts, copies, recipe, eval_fold) != val_fold
            ts = {k: ts[k][keep] for k in ('features', 'y', 'kind')}
            teacher = teacher[keep]
        x, y, kind = with_context(ts['features'], context), ts['y'], ts['kind']
        alpha = np.array([ALPHA[k] for k in kind], np.float32)
        if model is not None:
            model = keras.saving.load_model(os.path.join(out_dir, f'{name}.stage{n - 1}.keras'),
                                            compile=False)
        elif init and not init.endswith('.tflite'):
            model = keras.saving.load_model(init, compile=False)
        elif arch == 'tiny':
            model = M.tiny(x.shape[1:], len(LABELS), width=width or 32)
        elif arch == 'stream':
            # the streamable keyword model (models.ds_tcn: VALID along time, MFCC as channels)
            model = M.ds_tcn(x.shape[1:], len(LABELS), width=width or 96,
                             kernels=kernels or M.DS_TCN_KERNELS,
                             first=first or M.DS_TCN_FIRST)
        elif arch == 'stream_avg':
            model = M.ds_tcn_avg(x.shape[1:], len(LABELS), width=width, kernels=kernels,
                                 first=first, stem=stem)
        elif arch == 'stream2d':
            model = M.ds_cnn_stream(x.shape[1:], len(LABELS), width=width or 96,
                                    first=first or M.DS_CNN_STREAM_FIRST, pool=pool)
        else:
            model = M.ds_cnn(x.shape[1:], len(LABELS), width=width or 96,
                             causal_parts=causal_parts, pool=pool)
        if n == 1 and init and init.endswith('.tflite'):
            # an int8 model of this architecture: its weights are where training starts
            from .warmstart import warm_start
            warm_start(model, init, None, None,
                       x[np.random.default_rng(seed + 2).permutation(len(x))[:3000]])
        label = name if len(stages) == 1 else f"{name} stage {n}/{len(stages)} (recipe {recipe})"
        h = fit_distill(model, x, y, teacher, alpha, epochs, seed=seed, lr=lr,
                        progress=progress, label=label)
        history += [dict(e, stage=n, recipe=recipe) for e in h] if len(stages) > 1 else h
        if len(stages) > 1:
            model.save(os.path.join(out_dir, f"{name}.stage{n}.keras"))
    # the float model first: an export that fails must not lose the training
    model.save(os.path.join(out_dir, f'{name}.keras'))
    cal = x[np.random.default_rng(seed + 1).permutation(len(x))[:400]]
    data = to_int8_tflite(model, cal)
    counts = {k: int(np.sum(kind == k)) for k in ALPHA}
    rc = RECIPES[recipe]
    aug = (f'real background noise (training 80% of each file'
           f'{", plus mycroft background recordings" if rc["mycroft_noise"] else ""}) at '
           f'{rc["snr"][0]:g}-{rc["snr"][1]:g} dB SNR'
           + (f' ({100 * rc["snr_low"]:.0f}% of them at {LOW_SNR[0]:g}-{LOW_SNR[1]:g} dB)'
              if rc['snr_low'] else '') +
           ', gain -15..+6 dB, shift +-100 ms, SpecAugment')
    training = {'seed': seed, 'preset': 'realkws', 'command': command, 'recipe': recipe,
                'data': {'windows': counts, 'real_training_folds':
                         [f for f in range(R.FOLDS) if f != eval_fold],
                         'held_out': f'speech_commands_dev fold {eval_fold} of {R.FOLDS} '
                                     f'(speaker hash, salt {R.SPLIT_SALT!r})'
                                     + ('; demo speakers come from it'
                                        if eval_fold == R.EVAL_FOLD else ''),
                         'teacher': 'MLPerf Tiny KWS DS-CNN (mlperf_kws features), soft '
                                    f'labels only, T={KD_T}, alpha {ALPHA}',
                         'augmentation': aug,
                         'unknown_clip_factor': rc['unknown_factor'],
                         'negative_crop_hop_s': rc['neg_hop'] / R.SAMPLE_RATE},
                'epochs': sum(e for _, e, _ in stages), 'learning_rate': lr, 'history': history,
                'train_seconds': round(time.time() - t0)}
    if len(stages) > 1:
        training['stages'] = [{'recipe': r, 'epochs': e, 'learning_rate': l}
                              for r, e, l in stages]
    if 'word_negatives' in rc:
        training['data']['word_negatives'] = (
            f'{rc["word_negatives"]} single non-keyword words ({len(SHORT_WORDS)} short words '
            f'+ h7data unknown words) from TTS training voices {WORD_NEGATIVE_VOICES}, clean + '
            f'real noise at {rc["neg_snr"][0]:g}-{rc["neg_snr"][1]:g} dB')
    if teacher_models:
        training['data']['teacher'] += (' averaged with our ' + ', '.join(
            paths.rel(os.path.abspath(t)) for t in teacher_models) + ' (kws_stream features)')
    if val_fold is not None:
        training['validation'] = validation_scores(model, data, val_fold, context)
        training['data']['real_training_folds'].remove(val_fold)
    if init:
        training['initialized_from'] = paths.rel(os.path.abspath(init))
        with open(init, 'rb') as f:
            training['initialized_from_sha256'] = hashlib.sha256(f.read()).hexdigest()
    if 'hard_negatives' in rc:
        from .hardneg import MINE_THRESHOLD, WINDOW_ENDS_MS
        training['data']['hard_negatives'] = (
            f'{counts["hard"]} windows of training speakers\' running speech (LibriSpeech, '
            f'mycroft) that the firmware\'s decision (host build) with the initial model took for '
            f'a keyword at {MINE_THRESHOLD}, ending at each such segment\'s end + '
            f'{", ".join(str(t) for t in WINDOW_ENDS_MS)} ms (h7train/hardneg.py)')
    chain = ' then '.join(f'recipe {r} x {e} epochs' for r, e, _ in stages)
    stage = (f'realkws {arch} + KD ({chain} from scratch), PTQ int8' if len(stages) > 1 else
             f'realkws {arch} + KD (recipe {recipe}{", continued from " + os.path.basename(init) if init else ""}), PTQ int8')
    # the detector's settings are the firmware's (C), never copied into the model metadata
    meta = metadata(name, data, model, LABELS, load_frontend(frontend).config,
                    dict(training, stage=stage))
    os.makedirs(out_dir, exist_ok=True)
    save_model(out_dir, name, data, meta)
    return meta


def _int_pair(text, least, message):
    """'A,B' -> (A, B), both integers >= least; ValueError(message) otherwise."""
    try:
        pair = tuple(int(k) for k in text.split(','))
    except ValueError:
        pair = ()
    if len(pair) != 2 or min(pair) < least:
        raise ValueError(message)
    return pair


def main(argv=None):
    ap = argparse.ArgumentParser(prog='python -m h7train.realtrain')
    ap.add_argument('--out', default=os.path.join('build', 'realkws'))
    ap.add_argument('--name', default='kws_default')
    ap.add_argument('--arch', choices=('default', 'tiny', 'stream', 'stream_avg', 'stream2d'),
                    default='default', help='stream: models.ds_tcn, the keyword model the '
                    'engine streams; stream_avg: models.ds_tcn_avg (seven rows averaged); stream2d: '
                    'models.ds_cnn_stream (kws_default\'s 2D DS-CNN, VALID along time)')
    ap.add_argument('--width', type=int, help='channels (default 96; tiny: 32; stream: 96)')
    ap.add_argument('--kernels', help='stream: the blocks\' depthwise kernel lengths along time '
                    '(default 5,5,5,5,4: one output row that sees the whole window)')
    ap.add_argument('--stem', type=int, help='stream_avg: channels of a 2D first convolution '
                    '(frequency as width, then folded into channels; default none)')
    ap.add_argument('--first', help='stream archs: first convolution FRAMES,STRIDE along time')
    ap.add_argument('--causal-parts', help='default arch: ds_cnn_stream\'s changes one at a '
                    'time (valid_time, split_dw; comma-separated), to measure what each costs')
    ap.add_argument('--pool', choices=('mean', 'max', 'meanmax'), default='mean',
                    help='default and stream2d archs: how the last map is pooled (models._pool)')
    ap.add_argument('--context', help='PAST,FUTURE: frames around the window, the first and last '
                    'repeated (an experiment: the image feeds the model its own window)')
    ap.add_argument('--val-fold', type=int, choices=[f for f in range(R.FOLDS) if f != R.EVAL_FOLD],
                    help='leave this training fold\'s real clips out and score them at the end')
    ap.add_argument('--teacher-model', action='append', default=[], dest='teacher_models',
                    help='average this int8 model\'s probabilities with the MLPerf teacher\'s '
                    '(repeatable; e.g. models/kws_default.tflite)')
    ap.add_argument('--recipe', type=int, choices=sorted(RECIPES), default=1)
    ap.add_argument('--init', help='continue training this float .keras model, or this int8 '
                    '.tflite of the default architecture (its weights loaded back: '
                    'warmstart.py; recipe 4 mines its hard negatives with it)')
    ap.add_argument('--stages', help='RECIPE:EPOCHS:LR,...: train these stages one after the '
                    f'other from scratch (the shipped kws_default: {SHIPPED_STAGES})')
    ap.add_argument('--lr', type=float, default=3e-3)
    ap.add_argument('--frontend', default='kws_stream', help='front-end config name')
    ap.add_argument('--epochs', type=int, default=24)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--copies', type=int, default=5)
    ap.add_argument('--synth-per-word', type=int, default=120)
    ap.add_argument('--data-only', action='store_true', help='build the cached transfer set')
    args = ap.parse_args(argv)
    from .export import ModelFileError
    command = 'python -m h7train.realtrain ' + ' '.join(argv if argv is not None else sys.argv[1:])
    try:
        stages = parse_stages(args.stages) if args.stages else None
        kernels = tuple(int(k) for k in args.kernels.split(',')) if args.kernels else None
        first = (_int_pair(args.first, 1, f'--first {args.first!r}: FRAMES,STRIDE, positive integers (e.g. 9,2)')
                 if args.first else None)
        if first and args.arch not in ('stream', 'stream_avg', 'stream2d'):
            raise ValueError(f'--first: only for --arch stream, stream_avg or stream2d, not {args.arch}')
        if kernels and args.arch not in ('stream', 'stream_avg'):
            raise ValueError(f'--kernels: only for --arch stream or stream_avg, not {args.arch}')
        causal_parts = tuple(p for p in (args.causal_parts or '').split(',') if p)
        if causal_parts and args.arch != 'default':
            raise ValueError(f'--causal-parts: only for --arch default, not {args.arch}')
        if set(causal_parts) - {'valid_time', 'split_dw'}:
            raise ValueError(f'--causal-parts {args.causal_parts!r}: valid_time, split_dw')
        context = (_int_pair(args.context, 0, f'--context {args.context!r}: PAST,FUTURE, frames >= 0 (e.g. 12,12)')
                   if args.context else (0, 0))
        if args.pool != 'mean' and args.arch not in ('default', 'stream2d'):
            raise ValueError(f'--pool: only for --arch default or stream2d, not {args.arch}')
        if args.init and args.init.endswith('.tflite') and args.arch != 'default':
            raise ValueError(f'--init {args.init}: an int8 .tflite warm-starts --arch default only')
        if args.stem and args.arch != 'stream_avg':
            raise ValueError(f'--stem: only for --arch stream_avg, not {args.arch}')
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    try:
        if args.data_only and stages:
            for r in sorted({st[0] for st in stages}):
                ts = transfer_set(args.seed, args.copies, args.synth_per_word, recipe=r,
                                  frontend=args.frontend)
                print(r, {k: int(np.sum(ts['kind'] == k)) for k in ALPHA})
            return 0
        if args.data_only:
            ts = transfer_set(args.seed, args.copies, args.synth_per_word, recipe=args.recipe,
                              frontend=args.frontend)
            print({k: int(np.sum(ts['kind'] == k)) for k in ALPHA})
            return 0
        meta = train_and_export(args.out, args.name, args.arch, args.width, args.epochs,
                                args.seed, args.copies, args.synth_per_word, command=command,
                                recipe=args.recipe, init=args.init, lr=args.lr,
                                frontend=args.frontend, stages=stages, kernels=kernels,
                                first=first, stem=args.stem, val_fold=args.val_fold,
                                teacher_models=args.teacher_models,
                                causal_parts=causal_parts, pool=args.pool, context=context)
    except (paths.MissingPart, ModelFileError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    if 'validation' in meta['training']:
        print('validation', json.dumps(meta['training']['validation']))
    print(f'wrote {args.out}/{args.name}.tflite ({meta["model"]["bytes"]} bytes, arena '
          f'{meta["arena"]["tflm_arena_bytes"]} B, {meta["model"]["macs"]} MACs)')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
