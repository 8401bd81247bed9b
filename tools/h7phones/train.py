"""Training of the streaming phone model (models/phones.tflite + models/phones.json).

    PYTHONPATH=tools python -m h7phones.train [--minutes 30] [--synth 3000] [--out models]

Data (labels.py, synth.py): real clips of the 'train' split (dataset.split_of) with
PocketSphinx frame targets (forced alignment of transcripts; LM pseudo-labels for
LibriSpeech, poor fits dropped), synthetic speech (espeak-ng, flite, festival; held-out
voices never used), real background noise as SIL. Every clip is augmented in the waveform
(real background noise at 0-30 dB SNR or --snr, simulated rooms, level -30..+6 dB) and
turned into features by the C front end (h7frontend, phones_mel40 or --frontend, e.g.
phones_mel40_ns with the noise-suppression stage): the numbers the chip computes.

Model: the last WINDOW frames -> 41 scores for frame (newest - LOOKAHEAD): frequency bands as
channels, time convolutions (a strided conv, then depthwise-separable blocks), a dense
output. Loss: frame cross-entropy on the alignment targets plus a self-normalisation term
(SELF_NORM * logsumexp^2), so the int8 outputs are log-probabilities without a log-softmax
op (the engine has none); the decoder only compares paths within a frame, so a small
per-frame offset changes nothing there.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

from h7speech import phones as P
from h7train.realdata import NOISE_TRAIN   # first 80% of every noise file for training
from h7train.warmstart import warm_start
from h7voice import paths

from . import dataset
from . import labels as L

CONFIG = 'phones_mel40'   # the front end by default; --frontend names another (its record says which)
WINDOW = 32          # frames the model sees (= the config's clip_frames)
LOOKAHEAD = 3        # the output is for frame newest - LOOKAHEAD
PAST = WINDOW - 1 - LOOKAHEAD
SELF_NORM = 0.05
SEED = 1


def log(msg):
    print(f'[{time.strftime("%H:%M:%S")}] {msg}', file=sys.stderr, flush=True)


# ---------------------------------------------------------------- audio + augmentation
class NoisePool:
    def __init__(self, part='train'):
        self.clips = []
        for it in dataset.noise_items():
            x = dataset.read_audio(it['file']).astype(np.float32) / 32768
            cut = int(len(x) * NOISE_TRAIN)
            self.clips.append(x[:cut] if part == 'train' else x[cut:])

    def take(self, rng, n):
        x = self.clips[rng.integers(len(self.clips))]
        if len(x) <= n:
            x = np.tile(x, n // max(len(x), 1) + 1)
        s = rng.integers(0, len(x) - n + 1)
        return x[s:s + n]


# Vocal-tract-length perturbation (h7data.augment.formant_warp): the spectral envelope
# scaled by alpha, the duration kept (frame labels stay valid). Every flite, festival and
# piper training voice is male; alpha > 1 moves formants up as a shorter vocal tract does.
WARP_ALPHA = (0.88, 1.15)


SNR_DB = (0.0, 30.0)   # the noise's SNR range (uniform); --snr changes it


def augment(x, rng, noise, strength=1.0, warp=0.0, snr=SNR_DB, warp_range=WARP_ALPHA):
    """int16 clip -> int16 clip: vocal-tract-length warp (probability `warp`, alpha uniform in
    warp_range), room (35%), real noise at snr dB SNR, uniform (80%), level -30..+6 dB re. the
    clip's peak at -3 dBFS."""
    from h7data import augment as A
    y = x.astype(np.float32) / 32768
    if warp and rng.random() < warp:
        y = A.formant_warp(y, float(rng.uniform(*warp_range)))
    if rng.random() < 0.35 * strength:
        y = A.reverb(y, rng)
    if rng.random() < 0.8 * strength:
        y = A.add_noise(y, noise.take(rng, len(y)), rng.uniform(*snr))
    else:   # a quiet floor: real microphones never give digital zeros
        y = y + noise.take(rng, len(y)) * 10 ** (rng.uniform(-75, -55) / 20)
    peak = np.abs(y).max() + 1e-9
    y = y / peak * 10 ** ((rng.uniform(-30, 6) - 3) / 20)
    return np.clip(np.round(y * 32768), -32768, 32767).astype(np.int16)


def features(x, config=CONFIG):
    from h7frontend import frontend
    return frontend.features(x, config)


def _with_context(feats, labs):
    """Pads a clip's features by edge repetition (PAST frames before, LOOKAHEAD after) so
    that every labelled frame has a full window; labels of the pads are IGNORE."""
    f = np.concatenate([np.repeat(feats[:1], PAST, 0), feats,
                        np.repeat(feats[-1:], LOOKAHEAD, 0)])
    lab = np.concatenate([np.full(PAST, L.IGNORE, np.int8), labs,
                          np.full(LOOKAHEAD, L.IGNORE, np.int8)])
    return f, lab


# ---------------------------------------------------------------- data assembly
REAL_CORPORA = ('speech_commands_dev', 'mycroft_precise_community', 'transcribed_misc',
                'librispeech_samples')


def real_train_clips(split='train', corpora=REAL_CORPORA):
    """[(path, int8 labels per hop, corpus)] of the real transcribed/pseudo-labelled clips
    of a split with usable targets."""
    out = []
    for corpus in corpora:
        if split == 'train' and corpus == 'ljspeech_aligned':
            continue   # never trained on (issue 15's reference)
        d = L.corpus_labels(corpus)
        for i, rel in enumerate(d['files']):
            lab = L.clip_labels(d, i)
            if (lab < 0).all():
                continue
            if corpus == 'librispeech_samples' and d['score'][i] < L.PSEUDO_MIN_SCORE:
                continue
            path = os.path.join(paths.SHARED, str(rel))
            out.append((path, lab, corpus, i))
    items = {it['file']: it for it in dataset.real_items()}
    res = []
    for path, lab, corpus, i in out:
        it = items[path]
        if it['split'] != split:
            continue
        res.append((path, lab, corpus))
    return res


def build_set(clips, rng, noise, copies, clean, log_every=500, warp=0.0, config=CONFIG, snr=SNR_DB,
              warp_range=WARP_ALPHA):
    """Features + labels (with context pads) of clips [(audio, labels, tag)]: `clean` clean
    copy (0/1) and `copies` augmented ones each (formant-warped with probability `warp`).
    Returns feats float16 [F, 40], labels int8 [F]."""
    fs, ls = [], []
    for k, (x, lab, _) in enumerate(clips):
        versions = ([x] if clean else []) + [augment(x, rng, noise, warp=warp, snr=snr, warp_range=warp_range)
                                                   for _ in range(copies)]
        for v in versions:
            f = features(v, config)
            n = min(len(f), len(lab))
            ff, ll = _with_context(f[:n], lab[:n])
            fs.append(ff.astype(np.float16))
            ls.append(ll)
        if log_every and k % log_every == 0:
            log(f'  features {k}/{len(clips)}')
    return np.concatenate(fs), np.concatenate(ls)


def noise_clips(rng, noise, count, seconds=2.0):
    n = int(seconds * 16000)
    out = []
    for _ in range(count):
        y = noise.take(rng, n) * 10 ** (rng.uniform(-50, -5) / 20)
        x = np.clip(np.round(y * 32768), -32768, 32767).astype(np.int16)
        out.append((x, np.full(L.frames_for(n), P.SIL, np.int8), 'noise'))
    return out


# ---------------------------------------------------------------- model
def build_model(channels=(96, 128, 128, 128), batch_size=None):
    """batch_size=1 for export: static shapes give plain RESHAPEs (no SHAPE/PACK ops)."""
    import keras
    from keras import layers
    inp = keras.Input((WINDOW, 40, 1), batch_size=batch_size, name='mel')
    x = layers.Reshape((WINDOW, 1, 40))(inp)     # bands as channels: time convolutions
    x = layers.Conv2D(channels[0], (5, 1), strides=(2, 1), padding='valid', use_bias=True,
                      name='conv0')(x)
    x = layers.BatchNormalization(momentum=0.95)(x)
    x = layers.ReLU()(x)
    for i, c in enumerate(channels[1:]):
        stride = 2 if i == 1 else 1
        x = layers.DepthwiseConv2D((3, 1), strides=(stride, 1), padding='same', use_bias=False)(x)
        x = layers.BatchNormalization(momentum=0.95)(x)
        x = layers.ReLU()(x)
        x = layers.Conv2D(c, 1, use_bias=False)(x)
        x = layers.BatchNormalization(momentum=0.95)(x)
        x = layers.ReLU()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.1)(x)
    out = layers.Dense(P.COUNT, name='logits')(x)
    return keras.Model(inp, out)


def macs_of(model):
    """Multiply-accumulates of one inference (conv/depthwise/dense layers)."""
    from keras import layers
    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.DepthwiseConv2D):
            o = layer.output.shape
            total += int(np.prod(o[1:])) * int(np.prod(layer.kernel_size))
        elif isinstance(layer, layers.Conv2D):
            o = layer.output.shape
            total += int(np.prod(o[1:])) * int(np.prod(layer.kernel_size)) * layer.input.shape[-1]
        elif isinstance(layer, layers.Dense):
            total += layer.input.shape[-1] * layer.units
    return total


def fold_normalisation(model, mean, std):
    """Moves the per-band input normalisation (x - mean) / std into conv0 (valid padding:
    exact), so the exported model takes raw front-end features."""
    conv = model.get_layer('conv0')
    w, b = conv.get_weights()            # w [5, 1, 40, C]
    w2 = w / std[None, None, :, None]
    b2 = b - np.einsum('kjco,c->o', w, mean / std)
    conv.set_weights([w2.astype(np.float32), b2.astype(np.float32)])


class Windows:
    """Batches of windows gathered from the padded feature stream."""

    def __init__(self, feats, labs, batch, rng, sil_keep=0.35, mean=None, std=None):
        self.feats = feats
        self.labs = labs
        self.batch = batch
        self.rng = rng
        self.mean = mean.astype(np.float32)
        self.std = std.astype(np.float32)
        targets = np.flatnonzero(labs >= 0)
        sil = labs[targets] == P.SIL
        self.speech = targets[~sil]
        self.sil = targets[sil]
        self.sil_keep = sil_keep
        self.offsets = np.arange(-PAST, LOOKAHEAD + 1)
        self.epoch()

    def epoch(self):
        k = int(len(self.sil) * self.sil_keep)
        idx = np.concatenate([self.speech, self.rng.choice(self.sil, k, replace=False)])
        self.rng.shuffle(idx)
        self.order = idx
        return len(idx) // self.batch

    def get(self, i, specaug=True):
        t = self.order[i * self.batch:(i + 1) * self.batch]
        x = self.feats[t[:, None] + self.offsets[None, :]].astype(np.float32)
        x = (x - self.mean) / self.std
        if specaug:
            b = len(t)
            f0 = self.rng.integers(0, 40, b)
            fw = self.rng.integers(0, 6, b)
            band = np.arange(40)[None, :]
            m = (band >= f0[:, None]) & (band < (f0 + fw)[:, None])
            x = np.where(m[:, None, :], 0.0, x)
        return x[..., None], self.labs[t].astype(np.int32)


def train_model(train, val, minutes, batch=256, lr=3e-3, seed=SEED, channels=(96, 128, 128, 128),
                init=None, log_fn=None):
    import tensorflow as tf
    import keras
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    feats, labs = train
    sel = labs >= 0
    mean = feats[sel].astype(np.float32).mean(0)
    std = feats[sel].astype(np.float32).std(0) + 1e-3
    model = build_model(channels)
    w = Windows(feats, labs, batch, rng, mean=mean, std=std)
    steps_per_epoch = w.epoch()
    if init:
        calib = np.concatenate([w.get(i, specaug=False)[0] for i in range(8)])
        warm_start(model, init, mean, std, calib)
        log(f'warm start from {init}: float frame accuracy on validation '
            f'{evaluate_keras(model, val, mean, std) if val is not None else None}')
    opt = keras.optimizers.Adam(lr)
    model.compile()   # builds; the loop below is our own (time-bounded)

    @tf.function(reduce_retracing=True)
    def step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            ce = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
            lse = tf.reduce_logsumexp(logits, axis=-1)
            loss = ce + SELF_NORM * tf.reduce_mean(tf.square(lse))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), y),
                                     tf.float32))
        return ce, acc, tf.reduce_mean(tf.abs(lse))

    deadline = time.time() + minutes * 60
    history, epoch, total_steps = [], 0, 0
    # cosine decay over the time budget: the learning rate follows the elapsed fraction
    t0 = time.time()
    while time.time() < deadline:
        epoch += 1
        steps = w.epoch()
        ce_s = acc_s = lse_s = 0.0
        done = 0
        for i in range(steps):
            frac = min(1.0, (time.time() - t0) / (minutes * 60))
            opt.learning_rate.assign(lr * (0.02 + 0.98 * 0.5 * (1 + np.cos(np.pi * frac))))
            x, y = w.get(i)
            ce, acc, lse = step(tf.constant(x), tf.constant(y))
            ce_s += float(ce); acc_s += float(acc); lse_s += float(lse)
            done += 1
            total_steps += 1
            if time.time() >= deadline:
                break
        va = evaluate_keras(model, val, mean, std) if val is not None else None
        history.append({'epoch': epoch, 'steps': done, 'ce': round(ce_s / done, 4),
                        'train_acc': round(acc_s / done, 4), 'mean_abs_lse': round(lse_s / done, 3),
                        'val_acc_float': va, 'seconds': round(time.time() - t0, 1)})
        log(f'epoch {epoch}: {history[-1]}')
    fold_normalisation(model, mean, std)
    fixed = build_model(channels, batch_size=1)
    fixed.set_weights(model.get_weights())
    return fixed, history, {'steps': total_steps, 'batch': batch, 'lr': lr,
                            'minutes': round((time.time() - t0) / 60, 1)}


def evaluate_keras(model, val, mean, std, limit=40000):
    """Float frame accuracy on validation windows (normalised input)."""
    feats, labs = val
    t = np.flatnonzero(labs >= 0)[:limit]
    offs = np.arange(-PAST, LOOKAHEAD + 1)
    correct = 0
    for s in range(0, len(t), 2048):
        tt = t[s:s + 2048]
        x = (feats[tt[:, None] + offs[None, :]].astype(np.float32) - mean) / std
        p = model.predict(x[..., None], verbose=0, batch_size=2048).argmax(-1)
        correct += int((p == labs[tt]).sum())
    return round(correct / max(len(t), 1), 4)


# ---------------------------------------------------------------- main
def gather(args, rng, noise):
    real = real_train_clips('train', args.corpora)
    log(f'real train clips: {len(real)}')
    real_audio = [(dataset.read_audio(p), lab, c) for p, lab, c in real]
    from . import synth
    syn = synth.corpus(args.synth, seed=args.synth_seed, workers=args.workers, log=log)
    syn_clips = []
    for i in range(len(syn['text'])):
        a = syn['audio'][syn['a_off'][i]:syn['a_off'][i + 1]]
        lab = syn['labels'][syn['l_off'][i]:syn['l_off'][i + 1]]
        syn_clips.append((a, lab, 'synthetic/' + str(syn['engine'][i])))
    for seed in args.piper_seeds:
        if args.piper <= 0:
            break
        pip = synth.piper_corpus(args.piper, seed=seed, log=log)
        for i in range(len(pip['text'])):
            a = pip['audio'][pip['a_off'][i]:pip['a_off'][i + 1]]
            lab = pip['labels'][pip['l_off'][i]:pip['l_off'][i + 1]]
            syn_clips.append((a, lab, 'synthetic/piper'))
    nclips = noise_clips(rng, noise, args.noise_clips)
    summary = {'real': {}, 'synthetic': {}, 'noise': {}}
    for x, _, c in real_audio:
        s = summary['real'].setdefault(c, [0, 0.0])
        s[0] += 1
        s[1] += len(x) / 16000 / 60
    for x, _, c in syn_clips:
        s = summary['synthetic'].setdefault(c.split('/')[1], [0, 0.0])
        s[0] += 1
        s[1] += len(x) / 16000 / 60
    summary['noise'] = {'clips_2s': len(nclips), 'minutes': round(len(nclips) * 2 / 60, 2)}
    for k in ('real', 'synthetic'):
        summary[k] = {c: {'clips': v[0], 'minutes': round(v[1], 2)} for c, v in summary[k].items()}
    return real_audio, syn_clips, nclips, summary


def _pair(lo_min, hi_max, unit, example):
    """An argparse type for 'LO,HI' with lo_min <= LO < HI <= hi_max (--snr, --warp-range)."""
    def parse(text):
        try:
            lo, hi = (float(v) for v in text.split(','))
        except ValueError:
            raise argparse.ArgumentTypeError(f'{text!r}: two numbers, LO,HI{unit} (e.g. {example})') from None
        if not lo_min <= lo < hi <= hi_max:
            raise argparse.ArgumentTypeError(f'{text!r}: need {lo_min:g} <= LO < HI <= {hi_max:g}{unit}')
        return (lo, hi)
    return parse


_snr_range = _pair(-20.0, 60.0, ' dB', '0,30')
_warp_range = _pair(0.7, 1.4, '', '0.88,1.15')


def main(argv=None):
    ap = argparse.ArgumentParser(prog='h7phones.train', description=__doc__.split('\n')[0])
    ap.add_argument('--minutes', type=float, default=30.0, help='training time budget')
    ap.add_argument('--synth', type=int, default=3000, help='synthetic clips to generate')
    ap.add_argument('--synth-seed', type=int, default=1)
    ap.add_argument('--noise-clips', type=int, default=300)
    ap.add_argument('--real-copies', type=int, default=2, help='augmented copies per real clip')
    ap.add_argument('--sentence-copies', type=int, default=None,
                    help='augmented copies per real SENTENCE clip (librispeech_samples, '
                         'transcribed_misc; default: --real-copies)')
    ap.add_argument('--piper', type=int, default=0,
                    help='piper (neural TTS) clips per --piper-seeds seed')
    ap.add_argument('--piper-seeds', type=lambda s: tuple(int(x) for x in s.split(',')),
                    default=(1,))
    ap.add_argument('--piper-copies', type=int, default=2, help='augmented copies per piper clip')
    ap.add_argument('--formant-warp', type=float, default=0.0, metavar='P',
                    help='vocal-tract-length warp of each augmented copy with probability P '
                         '(alpha in --warp-range; default 0: none)')
    ap.add_argument('--warp-range', type=_warp_range, default=WARP_ALPHA, metavar='LO,HI',
                    help=f'the warp factor range, uniform (default {WARP_ALPHA[0]:g},{WARP_ALPHA[1]:g}; '
                         '> 1 moves formants up, as a shorter vocal tract does)')
    ap.add_argument('--frontend', default=CONFIG,
                    help=f'front-end configuration (firmware/frontend/configs; default {CONFIG}; '
                         'phones_mel40_ns: the same with the noise-suppression stage)')
    ap.add_argument('--snr', type=_snr_range, default=SNR_DB, metavar='LO,HI',
                    help=f'SNR range in dB of the real noise mixed into 80%% of augmented copies '
                         f'(uniform; default {SNR_DB[0]:g},{SNR_DB[1]:g})')
    ap.add_argument('--init', default=None,
                    help='warm start from this .tflite (same architecture), e.g. models/phones.tflite')
    ap.add_argument('--lr', type=float, default=3e-3, help='peak learning rate (cosine decay)')
    ap.add_argument('--workers', type=int, default=1)
    ap.add_argument('--corpora', type=lambda s: tuple(s.split(',')), default=REAL_CORPORA,
                    help='real corpora to train on (comma-separated)')
    ap.add_argument('--out', default=paths.MODELS, help='folder for phones.tflite/.json')
    ap.add_argument('--name', default='phones')
    ap.add_argument('--seed', type=int, default=SEED)
    args = ap.parse_args(argv)
    bad = [c for c in args.corpora if c not in REAL_CORPORA]
    if bad:
        print(f'h7phones.train: cannot train on {", ".join(bad)}; corpora: '
              f'{", ".join(REAL_CORPORA)} (ljspeech_aligned is evaluation only)', file=sys.stderr)
        return 2
    import h7frontend
    try:
        fe = h7frontend.load_config(args.frontend)
    except (h7frontend.ConfigError, OSError) as e:
        print(f'h7phones.train: --frontend {args.frontend}: {e}', file=sys.stderr)
        return 2
    if (fe.c_values['hop_length'], fe.c_values['window_length'], fe.c_values['mel_bands'],
            fe.c_values.get('clip_frames')) != (320, 480, 40, WINDOW):
        print(f'h7phones.train: --frontend {args.frontend}: the phone model needs a 20 ms hop, '
              f'a 30 ms window, 40 bands and clip_frames {WINDOW} (as phones_mel40)', file=sys.stderr)
        return 2
    if args.init and not os.path.isfile(args.init):
        print(f'h7phones.train: --init {args.init}: no such file', file=sys.stderr)
        return 2
    if args.minutes <= 0 or args.synth < 0 or args.real_copies < 0 or args.piper < 0:
        print('h7phones.train: --minutes must be > 0, --synth and --real-copies >= 0',
              file=sys.stderr)
        return 2
    if not 0.0 <= args.formant_warp <= 1.0:
        print(f'h7phones.train: --formant-warp is a probability in [0, 1], not {args.formant_warp}',
              file=sys.stderr)
        return 2
    try:
        return _main(args, argv)
    except paths.MissingPart as e:
        print(f'h7phones.train: {e}', file=sys.stderr)
        return 2


def _main(args, argv):
    t_start = time.time()
    rng = np.random.default_rng(args.seed)
    noise = NoisePool('train')
    real_audio, syn_clips, nclips, summary = gather(args, rng, noise)
    log('features (C front end) ...')
    # mycroft is ~900 clips of a few wake phrases by 4 people: one augmented copy is enough
    sentences = ('librispeech_samples', 'transcribed_misc')
    wake = [c for c in real_audio if c[2] == 'mycroft_precise_community']
    sent = [c for c in real_audio if c[2] in sentences]
    rest = [c for c in real_audio if c[2] not in sentences + ('mycroft_precise_community',)]
    sent_copies = args.real_copies if args.sentence_copies is None else args.sentence_copies
    opts = {'warp': args.formant_warp, 'config': args.frontend, 'snr': args.snr, 'warp_range': args.warp_range}
    tr_rest = build_set(rest, rng, noise, copies=args.real_copies, clean=1, **opts)
    tr_sent = build_set(sent, rng, noise, copies=sent_copies, clean=1, **opts)
    tr_wake = build_set(wake, rng, noise, copies=1, clean=0, **opts)
    tr_real = (np.concatenate([tr_rest[0], tr_sent[0], tr_wake[0]]),
               np.concatenate([tr_rest[1], tr_sent[1], tr_wake[1]]))
    pip = [c for c in syn_clips if c[2] == 'synthetic/piper']
    other = [c for c in syn_clips if c[2] != 'synthetic/piper']
    tr_syn = build_set(other, rng, noise, copies=1, clean=0, **opts)
    if pip:
        tr_pip = build_set(pip, rng, noise, copies=args.piper_copies, clean=0, **opts)
        tr_syn = (np.concatenate([tr_syn[0], tr_pip[0]]), np.concatenate([tr_syn[1], tr_pip[1]]))
    tr_noise = build_set(nclips, rng, noise, copies=0, clean=1, log_every=0, **opts)
    feats = np.concatenate([tr_real[0], tr_syn[0], tr_noise[0]])
    labs = np.concatenate([tr_real[1], tr_syn[1], tr_noise[1]])
    log(f'train frames: {int((labs >= 0).sum())} labelled ({feats.nbytes / 1e6:.0f} MB)')
    val_clips = [(dataset.read_audio(p), lab, c)
                 for p, lab, c in real_train_clips('eval', args.corpora)][::3]
    val = build_set(val_clips, rng, noise, copies=0, clean=1, log_every=0, **opts)
    t_feat = time.time() - t_start
    model, history, tinfo = train_model((feats, labs), val, args.minutes, seed=args.seed,
                                        lr=args.lr, init=args.init)
    from . import export
    record = {
        'training': {
            'command': 'PYTHONPATH=tools python -m h7phones.train ' + ' '.join(argv or sys.argv[1:]),
            'seed': args.seed, 'history': history, **tinfo,
            'data_prep_minutes': round(t_feat / 60, 1),
            'data': {**summary, 'train_frames_labelled': int((labs >= 0).sum()),
                     'real_versions_per_clip': f'1 clean + {args.real_copies} augmented '
                                               f'(librispeech_samples, transcribed_misc: 1 + '
                                               f'{sent_copies}; mycroft_precise_community: '
                                               '1 augmented)',
                     'synthetic_versions_per_clip': f'1 augmented (piper: {args.piper_copies})',
                     'warm_start': args.init and os.path.relpath(os.path.abspath(args.init),
                                                                 paths.TOP),
                     'augmentation': (f'vocal-tract-length warp alpha {args.warp_range[0]}-{args.warp_range[1]} '
                                      f'({100 * args.formant_warp:.0f}% of augmented copies), '
                                      if args.formant_warp else '') +
                                     f'real background noise (first 80% of each file) at {args.snr[0]:g}-{args.snr[1]:g} dB SNR '
                                     '(80%), simulated room (35%), level -30..+6 dB, SpecAugment '
                                     '(one band mask <= 5 bands)',
                     'labels': 'real: PocketSphinx 5.1.1 en-us forced alignment of transcripts; '
                               'librispeech: PocketSphinx LM decoding + alignment, clips with '
                               f'score/frame < {L.PSEUDO_MIN_SCORE} dropped; synthetic: espeak-ng '
                               'phoneme events (mapped), flite/festival/piper PocketSphinx alignment'},
        }}
    export.export(model, (feats, labs), args.out, args.name, record, log=log, config=args.frontend,
                  corpora=tuple(c for c in args.corpora if c != 'mycroft_precise_community')
                  + ('ljspeech_aligned',))
    log(f'total {(time.time() - t_start) / 60:.1f} min')
    return 0


if __name__ == '__main__':
    sys.exit(main())
