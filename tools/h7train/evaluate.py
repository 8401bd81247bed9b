"""The evaluation command: accuracy per class on held-out voices and on the held-out
engine, across SNRs, on real recordings, and streaming detection (false alarms per hour,
keywords found) on long audio.

Where every figure comes from (the report says it next to each):
- classification figures: features from the C front end's host build (h7frontend), the int8
  model run by OUR engine's host build (tools/h7nn/engine.py, libh7nn.so: the kernels the
  firmware links), checked against TFLM's own kernels on a subset (agreement reported);
- detection figures (streaming, real recordings, demo recording on the host): the firmware's
  keyword pipeline and decision C built for the host (tools/kwsapp/detector.py over
  libh7kws.so), with the firmware's settings read from C;
- the demo recording on the board: tools/h7voice/demo.py running the firmware image on the
  simulated board (see board_demo)."""
import glob
import json
import os
import subprocess
import sys

import numpy as np

from h7data.vocab import KEYWORDS, LABELS, UNKNOWN
from h7voice import paths

from .export import Int8Io, ModelFileError, check_tflite, load_metadata

SNRS = (0, 5, 10, 20, 30)
POCKETSPHINX_DATA = os.path.join(paths.CACHE, 'pocketsphinx-5.1.1', 'test', 'data')
TOLERANCE_MS = 200.0   # kwsapp.score: the demo's and the Robot suites' criterion
CLASSIFY_CODE = ('C front end (h7frontend) + our engine (h7nn), host builds of the firmware '
                 'C')


class Model(Int8Io):
    """An int8 model with its metadata (labels, front-end config), run by our engine's host
    build on features from the C front end, as the board runs it (no TensorFlow)."""

    def __init__(self, tflite_path):
        import h7frontend
        from h7nn.engine import EngineError, Interpreter
        self.path = tflite_path
        try:
            with open(tflite_path, 'rb') as f:
                data = f.read()
        except OSError as err:
            raise ModelFileError(f'{tflite_path}: cannot read ({err.strerror})') from None
        check_tflite(data, tflite_path)
        self.data = data
        self.meta = load_metadata(os.path.splitext(tflite_path)[0] + '.json')
        self.labels = list(self.meta['labels'])
        from h7data.vocab import check_labels
        check_labels(self.labels)
        try:
            self.engine = Interpreter(data)
        except EngineError as err:
            raise ModelFileError(f'{tflite_path}: our engine refuses it ({err})') from None
        inp, out = self.engine.input_details(), self.engine.output_details()
        if inp['dtype'] != np.int8 or out['dtype'] != np.int8:
            raise ModelFileError(f'{tflite_path}: input and output must be int8')
        self.input_shape, self.output_shape = tuple(inp['shape']), tuple(out['shape'])
        self.input_scale, self.input_zero_point = float(inp['scale']), int(inp['zero_point'])
        self.output_scale, self.output_zero_point = float(out['scale']), int(out['zero_point'])
        if self.output_shape[-1] != len(self.labels):
            raise ValueError(f'{tflite_path}: {self.output_shape[-1]} outputs but '
                             f'{len(self.labels)} labels in its metadata')
        fe = dict(self.meta['frontend'])
        self.config = h7frontend.load_config(h7frontend.FrontendConfig(fe))
        self.frontend = h7frontend.Frontend(self.config)
        if list(self.input_shape[1:]) != list(self.config.input_shape):
            raise ValueError(f'{tflite_path}: input shape {self.input_shape} does not match '
                             f'the front-end config {self.config.input_shape}')
        self._stream = None

    def predict_int8(self, features):
        """float32 features [n, frames, coeffs] -> int8 outputs [n, classes] (our engine)."""
        q = self.quantize(features)
        out = np.empty((len(q), self.output_shape[-1]), np.int8)
        for i in range(len(q)):
            out[i] = self.engine.run(q[i]).reshape(-1)
        return out


    @property
    def stream(self):
        """The firmware's keyword pipeline (host build) with this model."""
        if self._stream is None:
            from kwsapp.detector import KwsStream
            self._stream = KwsStream(self.path)
        return self._stream


def accuracy_report(probs, y, labels):
    pred = np.argmax(probs, axis=1)
    per_class = {}
    for i, lab in enumerate(labels):
        sel = y == i
        if sel.any():
            per_class[lab] = {'n': int(sel.sum()), 'accuracy': float(np.mean(pred[sel] == i))}
    conf = np.zeros((len(labels), len(labels)), int)
    for t, p in zip(y, pred):
        conf[t, p] += 1
    return {'n': int(len(y)), 'accuracy': float(np.mean(pred == y)), 'per_class': per_class,
            'confusion': conf.tolist()}


def by_voice(probs, y, meta):
    """Accuracy per engine:voice (espeak-ng voices grouped by variant)."""
    ok = np.argmax(probs, axis=1) == y
    groups = {}
    for m, good in zip(meta, ok):
        if m['engine'] == 'none':
            key = 'silence (noise)'
        elif m['engine'] == 'espeak':
            key = 'espeak-ng +' + m['voice'].split('+')[-1]
        else:
            key = f"{m['engine']} {m['voice']}"
        groups.setdefault(key, []).append(good)
    return {k: {'n': len(v), 'accuracy': float(np.mean(v))} for k, v in sorted(groups.items())}


def _score(detections, truth_words):
    """kwsapp.score (the demo's criterion) against [(word, start_ms, end_ms)]."""
    from kwsapp.score import score
    truth = [{'word': w, 'start_ms': float(a), 'end_ms': float(b)} for w, a, b in truth_words]
    return score(detections, truth, TOLERANCE_MS, set(KEYWORDS))


def real_recordings(model):
    """Real speech from the pocketsphinx sdist: 'go forward ten meters' (the keyword 'go'),
    read speech with word alignments (librivox: no keywords, so every aligned word window
    must come out as 'unknown', and no detection may fire), card names ('ten of clubs').
    Detections: the firmware's pipeline (host build), the firmware's threshold."""
    from h7data.wavio import read_wav
    if not os.path.isdir(POCKETSPHINX_DATA):
        raise paths.MissingPart(f'{POCKETSPHINX_DATA} is missing; run: bash tools/setup.sh')
    out = {'source': 'pocketsphinx 5.1.1 sdist test/data (real recordings, 16 kHz)'}
    recs = []
    raw = os.path.join(POCKETSPHINX_DATA, 'goforward.raw')
    if os.path.exists(raw):
        recs.append(('goforward.raw', np.fromfile(raw, '<i2'), ['go']))
    for wav in sorted(glob.glob(os.path.join(POCKETSPHINX_DATA, 'cards', '*.wav'))):
        recs.append(('cards/' + os.path.basename(wav), read_wav(wav, allow_clipped=True), []))
    libri = sorted(glob.glob(os.path.join(POCKETSPHINX_DATA, 'librivox', '*.wav')))
    for wav in libri:
        recs.append(('librivox/' + os.path.basename(wav), read_wav(wav, allow_clipped=True), []))
    detections, seconds = [], 0.0
    for name, audio, expected in recs:
        # The device listens continuously: give each recording 1 s of quiet before and
        # 0.5 s after, as a stream would have (these files start right at the speech).
        audio = np.concatenate([np.zeros(16000, np.int16), audio, np.zeros(8000, np.int16)])
        ev, _ = model.stream.run(audio)
        seconds += len(audio) / 16000
        found = [e['word'] for e in ev]
        detections.append({'recording': name, 'expected_keywords': expected,
                           'detected': ev,
                           'hits': sorted(set(found) & set(expected)),
                           'false_alarms': [w for w in found if w not in expected]})
    out['streaming'] = detections
    out['code'] = _detector_code()
    out['seconds'] = round(seconds, 1)
    out['keywords_expected'] = sum(len(d['expected_keywords']) for d in detections)
    out['keywords_found'] = sum(len(d['hits']) for d in detections)
    out['false_alarms'] = sum(len(d['false_alarms']) for d in detections)
    # Word windows of the aligned read speech: all should be 'unknown'.
    windows = []
    for wav in libri:
        align = os.path.splitext(wav)[0] + '.json'
        if not os.path.exists(align):
            continue
        audio = read_wav(wav, allow_clipped=True)
        with open(align) as f:
            words = json.load(f).get('w', [])
        for w in words:
            if w['t'].startswith('<') or w['d'] < 0.15:
                continue
            centre = int((w['b'] + w['d'] / 2) * 16000)
            clip = np.zeros(16000, np.int16)
            a = centre - 8000
            seg = audio[max(a, 0):a + 16000]
            clip[max(-a, 0):max(-a, 0) + len(seg)] = seg
            windows.append((w['t'].split('(')[0], clip))
    if windows:
        feats = np.stack([model.frontend.features(c) for _, c in windows])
        pred = np.argmax(model.predict(feats), axis=1)
        labels = [model.labels[p] for p in pred]
        out['read_speech_word_windows'] = {
            'n': len(windows), 'classified_unknown': float(np.mean([l == UNKNOWN for l in labels])),
            'classified_silence': float(np.mean([l == 'silence' for l in labels])),
            'classified_keyword': float(np.mean([l in KEYWORDS for l in labels])),
            'keyword_confusions': sorted({f'{w}->{l}' for (w, _), l in zip(windows, labels)
                                          if l in KEYWORDS}),
            'code': CLASSIFY_CODE}
    return out


BASE_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def _detector_code():
    from kwsapp.detector import describe
    return describe()


def thresholds():
    """The sweep: fixed points plus the firmware's own threshold (read from C)."""
    from kwsapp.detector import settings
    return tuple(sorted(set(BASE_THRESHOLDS) | {settings()['threshold']}))


_LONG_AUDIO = {}


def _long_audio(kind, amount, seed):
    """negative_audio / keyword_audio (minutes of TTS, deterministic for a seed), kept in the
    data cache so both models and later reports hear the same audio without re-synthesis."""
    from h7data import longaudio
    from h7data.dataset import cache_dir
    from h7data.wavio import atomic_write_bytes
    key = (kind, amount, seed)
    if key in _LONG_AUDIO:
        return _LONG_AUDIO[key]
    path = os.path.join(cache_dir(), f'longaudio-{kind}-{amount}-{seed}.npz')
    if os.path.exists(path):
        with np.load(path) as z:
            audio = z['audio']
            words = [(str(w), int(a), int(b)) for w, a, b in json.loads(str(z['words']))]
    else:
        make = longaudio.negative_audio if kind == 'negative' else longaudio.keyword_audio
        audio, words = make(amount, seed)
        import io
        buf = io.BytesIO()
        np.savez(buf, audio=audio, words=json.dumps([list(w) for w in words]))
        os.makedirs(cache_dir(), exist_ok=True)
        atomic_write_bytes(path, buf.getvalue())
    _LONG_AUDIO[key] = (audio, words)
    return _LONG_AUDIO[key]


def false_alarms_per_hour(model, minutes, seed, keywords=200):
    """Streaming detection through the firmware's pipeline (host build) at several
    thresholds: false alarms per hour on keyword-free speech, and the share of isolated
    keywords found exactly once (kwsapp.score, +-200 ms), both from voices held out of
    training (festival ked / slt HTS, flite slt), with reverb and 25 dB pink noise."""
    from kwsapp.detector import settings
    firmware_threshold = settings()['threshold']
    audio, _ = _long_audio('negative', minutes, seed)
    hours = len(audio) / 16000 / 3600
    sweep_at = thresholds()
    negatives = {t: model.stream.run(audio, t)[0] for t in sweep_at}
    kw_audio, kw_words = _long_audio('keyword', keywords, seed) if keywords else (None, [])
    positives = {t: model.stream.run(kw_audio, t)[0] for t in sweep_at} if keywords else {}
    sweep = []
    for t in sweep_at:
        row = {'threshold': t, 'false_alarms': len(negatives[t]),
               'false_alarms_per_hour': round(len(negatives[t]) / hours, 1)}
        if keywords:
            r = _score(positives[t], kw_words)
            row.update({'keyword_hit_rate': r['exactly_once'] / max(1, r['commands']),
                        'keywords_missed': len(r['missed']),
                        'wrong_words': len(r['wrong_word']),
                        'false_alarms_between_keywords': len(r['false_alarms'])
                        + len(r['non_keyword_hits']),
                        'duplicates': r['duplicates']})
        sweep.append(row)
    chosen = next(r for r in sweep if r['threshold'] == firmware_threshold)
    fired = negatives[firmware_threshold]
    return {'audio_minutes': round(len(audio) / 16000 / 60, 2), 'false_alarms': chosen['false_alarms'],
            'false_alarms_per_hour': chosen['false_alarms_per_hour'],
            'keyword_hit_rate': chosen.get('keyword_hit_rate'),
            'keywords': len([w for w in kw_words if w[0] in KEYWORDS]),
            'by_keyword': {k: sum(1 for e in fired if e['word'] == k)
                           for k in KEYWORDS if any(e['word'] == k for e in fired)},
            'threshold_sweep': sweep,
            'audio': 'keyword-free phrases and words from festival (ked, slt HTS) and flite slt '
                     '(held out of training), pauses, reverb RT60 0.3 s, pink noise 25 dB SNR; '
                     'keywords: the same voices, one word between pauses',
            'firmware_settings': settings(), 'code': _detector_code()}


def demo_check(model, wav):
    """The demo recording through the firmware's pipeline (host build), scored as the demo
    scores the board (kwsapp.score)."""
    from h7data.wavio import read_wav
    from kwsapp.truth import load_truth
    truth = load_truth(os.path.splitext(wav)[0] + '.json')
    dets, stats = model.stream.run(read_wav(wav))
    return demo_summary(dets, truth, os.path.basename(wav), _detector_code(), stats)


def demo_summary(detections, truth, recording, code, stats=None):
    """One scoring of a demo run (board or host): kwsapp.score over the "kws" events."""
    from kwsapp.score import score
    r = score(detections, truth, TOLERANCE_MS, set(KEYWORDS))
    return {'recording': recording, 'code': code, 'commands': r['commands'],
            'exactly_once': r['exactly_once'], 'missed': [w['word'] for w in r['missed']],
            'wrong_words': [d['word'] for d in r['wrong_word']],
            'false_alarms': len(r['false_alarms']) + len(r['non_keyword_hits']),
            'duplicates': r['duplicates'],
            'detections': [{k: d[k] for k in ('word', 'score', 'start_ms', 'end_ms', 'decided_ms')
                            if k in d} for d in detections],
            **({'stats': stats} if stats else {})}


def board_demo(tflite_path, wav, json_out):
    """Runs the main job on the simulated board with this model (h7voice demo: builds the
    image with model=, runs it with the recording, writes --json) and scores its "kws"
    events the way the demo does. The figure is what the board printed."""
    from kwsapp.truth import load_truth
    cmd = [sys.executable, '-m', 'h7voice.demo', '--wav', wav, '--json', json_out,
           '--model', paths.rel(os.path.abspath(tflite_path))]
    env = dict(os.environ, PYTHONPATH=paths.TOOLS + os.pathsep + os.environ.get('PYTHONPATH', ''))
    proc = subprocess.run(cmd, cwd=paths.TOP, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0 or not os.path.exists(json_out):
        tail = proc.stdout.strip().splitlines()[-1:] or ['no output']
        raise RuntimeError(f'the board run of {paths.rel(tflite_path)} failed ({tail[0]}); '
                           f'run: h7voice demo --model {paths.rel(tflite_path)}')
    with open(json_out) as f:
        run = json.load(f)
    truth = load_truth(os.path.splitext(wav)[0] + '.json')
    out = demo_summary(run['detections'], truth, os.path.basename(wav),
                       'board run: h7voice demo --model ' + paths.rel(tflite_path)
                       + ' (the firmware image on the simulated NUCLEO-H743ZI2)')
    out['score_printed_by_demo'] = run.get('score')
    if run.get('score') and run['score']['exactly_once'] != out['exactly_once']:
        raise RuntimeError(f'{json_out}: the demo printed {run["score"]} but rescoring its '
                           f'events gives {out["exactly_once"]}: kwsapp.score changed underneath')
    return out


def evaluate(tflite_path, seed=1, per_word=100, fa_minutes=20, snr_subset=1200,
             demo_wav=None, progress=True, tflm_check=200, fa_keywords=200):
    """Runs every evaluation on one int8 model; returns the report dict."""
    from h7data.dataset import build, noisy
    from .features import cached
    model = Model(tflite_path)
    report = {'model': os.path.basename(tflite_path), 'seed': seed, 'per_word': per_word,
              'code': {'classification': CLASSIFY_CODE, 'detection': _detector_code()}}

    def say(msg):
        if progress:
            print(msg, flush=True)

    sets = {}
    for split in ('test_voices', 'test_engine'):
        d = build(split, per_word=per_word, copies=1, seed=seed)
        feats = cached(f'{split}-{per_word}-{seed}', d['x'], model.frontend)
        sets[split] = (d, feats)
        probs = model.predict(feats)
        report[split] = accuracy_report(probs, d['y'], model.labels)
        report[split]['by_voice'] = by_voice(probs, d['y'], d['meta'])
        say(f'{split}: int8 accuracy {100 * report[split]["accuracy"]:.2f}% (n={len(d["y"])})')
    check = sets['test_voices'][1]
    check = check[np.linspace(0, len(check) - 1, min(tflm_check, len(check))).astype(int)]
    top1, lsb, frac = model.tflm_agreement(check)
    report['tflm_check'] = {'windows': int(len(check)),
                            'top1_agreement': top1, 'max_output_lsb_difference': lsb,
                            'outputs_differing': frac,
                            'code': 'our engine (libh7nn.so) vs TFLM kernels (tflite_micro)'}
    say(f'our engine vs TFLM kernels on {report["tflm_check"]["windows"]} windows: '
        f'top-1 agreement {100 * top1:.2f}%, max output difference {lsb} LSB')
    d, _ = sets['test_voices']
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.permutation(len(d['y']))[:snr_subset])
    speech_pool = [x for x, y in zip(d['x'], d['y']) if LABELS[y] == UNKNOWN]
    report['snr'] = {}
    for snr in SNRS:
        xn = noisy(d['x'][idx], snr, seed, speech_pool)
        feats = np.stack([model.frontend.features(c) for c in xn])
        acc = accuracy_report(model.predict(feats), d['y'][idx], model.labels)['accuracy']
        report['snr'][str(snr)] = acc
        say(f'test_voices at {snr} dB SNR: {100 * acc:.2f}%')
    report['real_recordings'] = real_recordings(model)
    rr = report['real_recordings']
    if 'streaming' in rr:
        say(f'real recordings: {rr["keywords_found"]}/{rr["keywords_expected"]} keywords, '
            f'{rr["false_alarms"]} false alarms in {rr["seconds"]} s')
    if fa_minutes:
        report['false_alarms'] = false_alarms_per_hour(model, fa_minutes, seed, keywords=fa_keywords)
        fa = report['false_alarms']
        for r in fa['threshold_sweep']:
            say(f'threshold {r["threshold"]}: {r["false_alarms_per_hour"]} false alarms/h '
                f'({fa["audio_minutes"]} min), keywords found '
                f'{100 * r.get("keyword_hit_rate", 0):.1f}% of {fa["keywords"]}')
    if demo_wav:
        report['demo_host'] = d = demo_check(model, demo_wav)
        say(f'demo recording (host build of the firmware C): {d["exactly_once"]}/{d["commands"]} '
            f'commands, missed {d["missed"]}, wrong words {d["wrong_words"]}, '
            f'{d["false_alarms"]} false alarms')
    return report
