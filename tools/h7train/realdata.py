"""Real speech for keyword training and evaluation, read from ../shared/data (never copied
into the project; a missing ../shared is one line naming the fix).

- speech_commands_dev: real 1 s clips, 12 labels, split by a hash of the speaker id into
  FOLDS folds; fold EVAL_FOLD is the held-out evaluation fold (never trained on) and the
  demo recording's speakers come from it too.
- background noise (Speech Commands _background_noise_): each file's first NOISE_TRAIN
  part is for training, the rest only for evaluation (noise never heard in training).
- negatives: 1 s crops of mycroft not-wake-word / wake-word clips and LibriSpeech read
  speech (none of them says a keyword on purpose).
- the demo recording (make_demo): real clips of >= 10 held-out speakers, deterministic.

Features come only from the C front end (h7frontend, configs kws_stream and mlperf_kws).
"""
import csv
import hashlib
import json
import os

import numpy as np

from h7data.vocab import KEYWORDS, LABELS, SILENCE, UNKNOWN
from h7voice import paths

SAMPLE_RATE = 16000
WINDOW = SAMPLE_RATE
FOLDS = 5
EVAL_FOLD = 0
SPLIT_SALT = 'h7realkws'
NOISE_TRAIN = 0.8
RECORDED_NOISE = ('doing_the_dishes', 'dude_miaowing', 'exercise_bike', 'running_tap')
EVAL_NOISE = ('doing_the_dishes', 'exercise_bike', 'running_tap')   # the real noise
# The MLPerf Tiny KWS model's output order; TEACHER_INDEX[i] = teacher output for LABELS[i].
MLPERF_LABELS = ('down', 'go', 'left', 'no', 'off', 'on', 'right', 'stop', 'up', 'yes',
                 'silence', 'unknown')
TEACHER_INDEX = [MLPERF_LABELS.index(lab) for lab in LABELS]
TEACHER_MODEL = ('models', 'mlperf_tiny_kws_ref_model.tflite')


def data_path(*parts):
    """A path in ../shared/data (MissingPart with one line when absent)."""
    return paths.shared('data', *parts, what='real speech for keyword training/evaluation')


def teacher_path():
    return paths.shared(*TEACHER_MODEL, what='the MLPerf KWS teacher/peer model')


def read_manifest(folder):
    with open(data_path(folder, 'manifest.tsv'), encoding='utf-8') as f:
        return list(csv.DictReader(f, delimiter='\t'))


def read_audio(path):
    """int16 mono samples of a 16 kHz FLAC/WAV file."""
    import soundfile as sf
    x, sr = sf.read(path, dtype='int16', always_2d=False)
    if sr != SAMPLE_RATE or x.ndim != 1:
        raise ValueError(f'{path}: expected 16 kHz mono, got {sr} Hz, shape {x.shape}')
    return x


def fit_window(x, n=WINDOW):
    """Pads (zeros) or centre-crops to n samples."""
    if len(x) >= n:
        start = (len(x) - n) // 2
        return x[start:start + n]
    out = np.zeros(n, x.dtype)
    out[:len(x)] = x
    return out


def speaker_fold(speaker, folds=FOLDS):
    """Deterministic fold of a speaker id (sha1, salted: independent of the dev/hidden split)."""
    return int(hashlib.sha1((SPLIT_SALT + speaker).encode()).hexdigest(), 16) % folds


def _cache_path(name, key):
    from h7data.dataset import cache_dir
    digest = hashlib.sha1(json.dumps(key).encode()).hexdigest()[:12]
    return os.path.join(cache_dir(), 'real', f'{name}-{digest}.npz')


def _label(folder):
    return {'_silence_': SILENCE, '_unknown_': UNKNOWN}.get(folder, folder)


def speech_commands():
    """All speech_commands_dev clips: dict(x int16 [n, 16000], y, speaker, word, path, fold),
    in manifest order. Cached (npz) after the first read."""
    rows = read_manifest('speech_commands_dev')
    path = _cache_path('speech_commands_dev', [len(rows), rows[0], rows[-1], FOLDS, SPLIT_SALT])
    if os.path.exists(path):
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    x = np.stack([fit_window(read_audio(data_path('speech_commands_dev', r['file'])))
                  for r in rows])
    labels = [_label(r['file'].split('/')[0]) for r in rows]
    out = {'x': x, 'y': np.array([LABELS.index(lab) for lab in labels], np.int32),
           'speaker': np.array([r['speaker'] for r in rows]),
           'word': np.array([r['word'] for r in rows]),
           'path': np.array([r['file'] for r in rows]),
           'fold': np.array([speaker_fold(r['speaker']) for r in rows], np.int32)}
    _save_npz(path, out)
    return out


def _save_npz(path, arrays):
    import io
    from h7data.wavio import atomic_write_bytes
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    atomic_write_bytes(path, buf.getvalue())


def split(data, eval_fold=EVAL_FOLD):
    """(train indices, eval indices): speaker-disjoint by construction (fold of the speaker)."""
    ev = data['fold'] == eval_fold
    return np.flatnonzero(~ev), np.flatnonzero(ev)


def noise(part='train', names=None):
    """{name: float32 [-1, 1) samples}: the first NOISE_TRAIN of each background-noise file
    for 'train', the rest for 'eval'."""
    out = {}
    for r in read_manifest('speech_commands_background_noise'):
        name = os.path.splitext(os.path.basename(r['file']))[0]
        if names is not None and name not in names:
            continue
        x = read_audio(data_path('speech_commands_background_noise', r['file'])).astype(np.float32) / 32768
        cut = int(len(x) * NOISE_TRAIN)
        out[name] = x[:cut] if part == 'train' else x[cut:]
    return out


def mycroft_noise(min_s=1.0):
    """{name: float32 samples}: mycroft's real background recordings (rooms, fans, street),
    never used in any evaluation: extra noise for training only."""
    out = {}
    for r in read_manifest('mycroft_precise_community'):
        if r['kind'] == 'background_noise' and float(r['duration_s']) >= min_s + 0.1:
            x = read_audio(data_path('mycroft_precise_community', r['file'])).astype(np.float32)
            out['mycroft_' + os.path.splitext(os.path.basename(r['file']))[0]] = x / 32768
    return out


def mix(clip, noise_pool, snr_db, rng):
    """clip int16 + a random stretch of a random noise at snr_db (clip RMS vs noise RMS)."""
    name = sorted(noise_pool)[int(rng.integers(len(noise_pool)))]
    n = noise_pool[name]
    start = int(rng.integers(0, len(n) - len(clip)))
    seg = n[start:start + len(clip)]
    s = clip.astype(np.float32) / 32768
    ps, pn = np.sqrt(np.mean(s ** 2)) + 1e-7, np.sqrt(np.mean(seg ** 2)) + 1e-7
    y = s + seg * (ps / pn) * 10 ** (-snr_db / 20)
    y = y / max(1.0, np.abs(y).max() / 0.98)
    return np.round(y * 32767).astype(np.int16)


def _crops(x, hop=WINDOW, min_rms=0.003):
    """1 s crops of x (int16) every hop samples; crops quieter than min_rms dropped."""
    if len(x) < WINDOW:
        x = fit_window(x)
    out = []
    for start in range(0, len(x) - WINDOW + 1, hop):
        c = x[start:start + WINDOW]
        if np.sqrt(np.mean((c.astype(np.float32) / 32768) ** 2)) >= min_rms:
            out.append(c)
    return out


def negatives(hop=WINDOW):
    """1 s crops of real speech that is not a Speech Commands clip: dict(x, source).
    mycroft wake-word and not-wake-word clips (one centred crop each), LibriSpeech (a crop
    every hop samples). They are "unknown" (or "silence" when the teacher hears none)."""
    rows = read_manifest('mycroft_precise_community')
    lib = read_manifest('librispeech_samples')
    key = [len(rows), len(lib), 2] + ([hop] if hop != WINDOW else [])
    path = _cache_path('negatives', key)
    if os.path.exists(path):
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    xs, src = [], []
    for r in rows:
        if r['kind'] == 'background_noise':
            continue
        x = read_audio(data_path('mycroft_precise_community', r['file']))
        xs.append(fit_window(x))
        src.append('mycroft:' + r['kind'])
    for r in lib:
        for c in _crops(read_audio(data_path('librispeech_samples', r['file'])), hop=hop):
            xs.append(c)
            src.append('librispeech:' + r['speaker'])
    out = {'x': np.stack(xs).astype(np.int16), 'source': np.array(src)}
    _save_npz(path, out)
    return out


def features(clips, config):
    """float32 [n, 49, 10] from the C front end (h7frontend) for int16 clips [n, 16000]."""
    from .features import compute, load_frontend
    return compute(clips, load_frontend(config), desc=f'{config} features')


class Teacher:
    """The MLPerf Tiny KWS model (trained on real speech) as a label source: probabilities
    in OUR label order from mlperf_kws features. Used for training targets and as the peer
    in evaluations; never shipped."""

    def __init__(self):
        from .export import Int8Model
        self.model = Int8Model(teacher_path())

    def probabilities(self, clips):
        p = self.model.predict(features(clips, 'mlperf_kws'))
        return p[:, TEACHER_INDEX]


# ---- the demo recording -------------------------------------------------------------

DEMO_GAP_S = (0.7, 1.3)


def demo_speakers(data, n=12):
    """n speakers of the evaluation fold (never trained on) with the most keyword clips,
    ties by id: the demo recording's voices."""
    _, ev = split(data)
    counts = {}
    for i in ev:
        if data['y'][i] >= 2:
            counts[str(data['speaker'][i])] = counts.get(str(data['speaker'][i]), 0) + 1
    return sorted(counts, key=lambda s: (-counts[s], s))[:n]


def _word_bounds(clip, frame=160, rel_db=-30.0):
    """(start, end) samples of the loud part of a clip: frames within rel_db of the
    loudest 10 ms frame."""
    f = clip.astype(np.float32) / 32768
    e = np.array([np.sqrt(np.mean(f[i:i + frame] ** 2)) + 1e-9
                  for i in range(0, len(f) - frame + 1, frame)])
    db = 20 * np.log10(e / e.max())
    on = np.flatnonzero(db > rel_db)
    return int(on[0] * frame), int(min(len(f), (on[-1] + 1) * frame))


def _separable(clip, longest_s=0.85):
    """The word stands out of the clip's background (the detector's VAD needs silence
    around words): its loud part is shorter than longest_s."""
    a, b = _word_bounds(clip)
    return b - a <= longest_s * SAMPLE_RATE


def make_demo(wav_path, json_path=None, commands=30, others=8, seed=14):
    """Writes the demo recording: ~60 s of real speech_commands_dev clips of held-out
    speakers (commands: every keyword 3 times; other words from _unknown_), each
    word trimmed to its loud part with 80 ms margins, DEMO_GAP_S of silence (plus -60 dBFS
    of the training noise's quietest file) between words. Truth JSON in the format of
    tools/kwsapp/truth.py. Deterministic for a seed."""
    from h7data.wavio import atomic_write_text
    data = speech_commands()
    speakers = demo_speakers(data)
    rng = np.random.default_rng(seed)
    pool = {s: [] for s in speakers}
    for i in split(data)[1]:
        s = str(data['speaker'][i])
        if s in pool and data['y'][i] >= 1:
            pool[s].append(int(i))
    chosen = []
    words = [KEYWORDS[i % len(KEYWORDS)] for i in range(commands)]
    rng.shuffle(words)
    used = set()
    for k, w in enumerate(words):
        cands = [i for s in speakers for i in pool[s]
                 if data['word'][i] == w and data['y'][i] >= 2 and i not in used]
        cands = [i for i in cands if _separable(data['x'][i])] or cands
        # spread voices: prefer the speaker whose turn it is
        turn = speakers[k % len(speakers)]
        pref = [i for i in cands if data['speaker'][i] == turn] or cands
        i = pref[int(rng.integers(len(pref)))]
        used.add(i)
        chosen.append(i)
    unk = [i for s in speakers for i in pool[s] if data['y'][i] == 1 and _separable(data['x'][i])]
    for i in rng.choice(unk, size=min(others, len(unk)), replace=False):
        chosen.insert(int(rng.integers(1, len(chosen))), int(i))
    margin = int(0.08 * SAMPLE_RATE)
    audio = [np.zeros(int(0.6 * SAMPLE_RATE), np.int16)]
    pos = len(audio[0])
    truth = []
    for i in chosen:
        clip = data['x'][i]
        w0, w1 = _word_bounds(clip)
        a, b = max(0, w0 - margin), min(len(clip), w1 + margin)
        seg = clip[a:b]
        # word times: the loud part (without the margins)
        truth.append({'word': str(data['word'][i]),
                      'start_ms': round(1000 * (pos + w0 - a) / SAMPLE_RATE),
                      'end_ms': round(1000 * (pos + w1 - a) / SAMPLE_RATE),
                      'keyword': bool(data['y'][i] >= 2),
                      'speaker': str(data['speaker'][i]), 'clip': str(data['path'][i])})
        audio.append(seg)
        pos += len(seg)
        gap = np.zeros(int(rng.uniform(*DEMO_GAP_S) * SAMPLE_RATE), np.int16)
        audio.append(gap)
        pos += len(gap)
    x = np.concatenate(audio)
    # a faint real room tone so the silence is not digital zero (training-part noise)
    room = noise('train', ('running_tap',))['running_tap']
    start = int(rng.integers(0, len(room) - len(x))) if len(room) > len(x) else 0
    tone = np.resize(room[start:start + len(x)], len(x))
    tone = tone / (np.sqrt(np.mean(tone ** 2)) + 1e-9) * 10 ** (-60 / 20)
    x = np.clip(np.round(x.astype(np.float32) + tone * 32767), -32768, 32767).astype(np.int16)
    _write_wav(wav_path, x)
    json_path = json_path or os.path.splitext(wav_path)[0] + '.json'
    spk = sorted({w['speaker'] for w in truth})
    meta = {'wav': os.path.basename(wav_path), 'sample_rate_hz': SAMPLE_RATE,
            'source': f'real speech: {len(truth)} Speech Commands v0.02 clips of {len(spk)} '
                      f'speakers of the held-out evaluation fold (fold {EVAL_FOLD} of {FOLDS}, '
                      f'never trained on), CC BY 4.0 (see README.md); made by '
                      f'python -m h7train.realdata demo --seed {seed}',
            'speakers': spk, 'words': truth}
    atomic_write_text(json_path, json.dumps(meta, indent=2) + '\n')
    return meta


def _write_wav(path, x):
    import io
    import wave
    from h7data.wavio import atomic_write_bytes
    buf = io.BytesIO()
    with wave.open(buf, 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(x.astype('<i2').tobytes())
    atomic_write_bytes(path, buf.getvalue())


def main(argv=None):
    import argparse
    import sys
    ap = argparse.ArgumentParser(prog='python -m h7train.realdata')
    sub = ap.add_subparsers(dest='cmd', required=True)
    d = sub.add_parser('demo', help='write the real-speech demo recording')
    d.add_argument('--out', default=os.path.join(paths.MODELS, 'recordings', 'demo_commands.wav'))
    d.add_argument('--seed', type=int, default=14)
    sub.add_parser('split', help='print the speaker-disjoint folds')
    args = ap.parse_args(argv)
    try:
        if args.cmd == 'demo':
            meta = make_demo(args.out, seed=args.seed)
            print(f'wrote {args.out}: {len(meta["words"])} words, '
                  f'{len(meta["speakers"])} speakers')
        else:
            data = speech_commands()
            for f in range(FOLDS):
                sel = data['fold'] == f
                print(f'fold {f}{" (eval)" if f == EVAL_FOLD else ""}: {int(sel.sum())} clips, '
                      f'{len(set(data["speaker"][sel]))} speakers')
    except paths.MissingPart as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
