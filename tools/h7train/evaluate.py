"""The evaluation command: accuracy per class on held-out voices and on the held-out
engine, across SNRs, on real recordings, and false alarms per hour on long keyword-free
audio. Every figure comes from the int8 .tflite (TFLite's built-in int8 kernels, checked
against TFLM's own kernels on a subset: agreement reported) on features from the C front
end (h7frontend)."""
import glob
import json
import os

import numpy as np

from h7data.vocab import KEYWORDS, LABELS, UNKNOWN

from . import detect as D
from .export import Int8Model, load_metadata

SNRS = (0, 5, 10, 20, 30)
POCKETSPHINX_DATA = os.path.join(os.path.expanduser('~'), '.cache', 'h7voice',
                                 'pocketsphinx-5.1.1', 'test', 'data')


class Model:
    """An int8 model with its metadata (labels, front-end config)."""

    def __init__(self, tflite_path):
        import h7frontend
        self.net = Int8Model(tflite_path)
        self.meta = load_metadata(os.path.splitext(tflite_path)[0] + '.json')
        self.labels = list(self.meta['labels'])
        from h7data.vocab import check_labels
        check_labels(self.labels)
        if self.net.output_shape[-1] != len(self.labels):
            raise ValueError(f'{tflite_path}: {self.net.output_shape[-1]} outputs but '
                             f'{len(self.labels)} labels in its metadata')
        fe = dict(self.meta['frontend'])
        self.config = h7frontend.load_config(h7frontend.FrontendConfig(fe))
        self.frontend = h7frontend.Frontend(self.config)
        if list(self.net.input_shape[1:]) != list(self.config.input_shape):
            raise ValueError(f'{tflite_path}: input shape {self.net.input_shape} does not match '
                             f'the front-end config {self.config.input_shape}')

    def predict(self, features):
        return self.net.predict(features)


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


def real_recordings(model, detector=D.DEFAULT):
    """Real speech from the pocketsphinx sdist: 'go forward ten meters' (the keyword 'go'),
    read speech with word alignments (librivox: no keywords, so every aligned word window
    must come out as 'unknown', and no detection may fire), card names ('ten of clubs')."""
    from h7data.wavio import read_wav
    if not os.path.isdir(POCKETSPHINX_DATA):
        return {'skipped': f'{POCKETSPHINX_DATA} missing (tools/setup.sh fetches it)'}
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
        times, probs = D.posteriors(model, audio, model.config, detector['stride_frames'])
        ev = D.detect(times, probs, model.labels, **{k: detector[k] for k in
                                                     ('stride_frames', 'smooth', 'threshold', 'refractory_ms')})
        seconds += len(audio) / 16000
        found = [e[0] for e in ev]
        detections.append({'recording': name, 'expected_keywords': expected,
                           'detected': [{'keyword': l, 'time_ms': round(t), 'score': round(s, 3)}
                                        for l, t, s in ev],
                           'hits': sorted(set(found) & set(expected)),
                           'false_alarms': [l for l in found if l not in expected]})
    out['streaming'] = detections
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
                                          if l in KEYWORDS})}
    return out


THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def _detect_all(model, audio, detector, thresholds):
    times, probs = D.posteriors(model, audio, model.config, detector['stride_frames'])
    return {t: D.detect(times, probs, model.labels, detector['stride_frames'], detector['smooth'],
                        t, detector['refractory_ms']) for t in thresholds}


def false_alarms_per_hour(model, minutes, seed, detector=D.DEFAULT, keywords=200):
    """Streaming detection at several thresholds: false alarms per hour on keyword-free
    speech, and the share of isolated keywords found, both from voices held out of
    training (festival ked / slt HTS, flite slt), with reverb and 25 dB pink noise."""
    from h7data.longaudio import keyword_audio, negative_audio
    audio, _ = negative_audio(minutes, seed)
    hours = len(audio) / 16000 / 3600
    negatives = _detect_all(model, audio, detector, THRESHOLDS)
    kw_audio, kw_words = keyword_audio(keywords, seed) if keywords else (None, [])
    positives = _detect_all(model, kw_audio, detector, THRESHOLDS) if keywords else {}
    sweep = []
    for t in THRESHOLDS:
        row = {'threshold': t, 'false_alarms': len(negatives[t]),
               'false_alarms_per_hour': round(len(negatives[t]) / hours, 1)}
        if keywords:
            hits, misses, fas = D.match(positives[t], kw_words, model.labels)
            row.update({'keyword_hit_rate': len(hits) / max(1, len(hits) + len(misses)),
                        'wrong_or_extra_detections': len(fas)})
        sweep.append(row)
    chosen = next(r for r in sweep if r['threshold'] == detector['threshold'])
    return {'audio_minutes': round(len(audio) / 16000 / 60, 2), 'false_alarms': chosen['false_alarms'],
            'false_alarms_per_hour': chosen['false_alarms_per_hour'],
            'keyword_hit_rate': chosen.get('keyword_hit_rate'),
            'keywords': len([w for w in kw_words if w[0] in KEYWORDS]),
            'by_keyword': {k: sum(1 for e in negatives[detector['threshold']] if e[0] == k)
                           for k in KEYWORDS if any(e[0] == k for e in negatives[detector['threshold']])},
            'threshold_sweep': sweep,
            'audio': 'keyword-free phrases and words from festival (ked, slt HTS) and flite slt '
                     '(held out of training), pauses, reverb RT60 0.3 s, pink noise 25 dB SNR; '
                     'keywords: the same voices, one word between pauses',
            'detector': detector}


def demo_check(model, wav, detector=D.DEFAULT):
    from h7data.wavio import read_wav
    with open(os.path.splitext(wav)[0] + '.json') as f:
        truth = [(w['word'], w['start_ms'], w['end_ms']) for w in json.load(f)['words']]
    audio = read_wav(wav)
    times, probs = D.posteriors(model, audio, model.config, detector['stride_frames'])
    ev = D.detect(times, probs, model.labels, **{k: detector[k] for k in
                                                 ('stride_frames', 'smooth', 'threshold', 'refractory_ms')})
    hits, misses, fas = D.match(ev, truth, model.labels)
    return {'recording': os.path.basename(wav), 'keywords': len(hits) + len(misses),
            'hits': hits, 'misses': misses,
            'false_alarms': [{'keyword': l, 'time_ms': round(t)} for l, t, _ in fas],
            'detections': [{'keyword': l, 'time_ms': round(t), 'score': round(s, 3)} for l, t, s in ev]}


def evaluate(tflite_path, seed=1, per_word=100, fa_minutes=20, snr_subset=1200,
             demo_wav=None, progress=True, tflm_check=200, fa_keywords=200):
    """Runs every evaluation on one int8 model; returns the report dict."""
    from h7data.dataset import build, noisy
    from .features import cached
    model = Model(tflite_path)
    report = {'model': os.path.basename(tflite_path), 'seed': seed, 'per_word': per_word}

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
    top1, lsb, frac = model.net.tflm_agreement(check)
    report['tflm_check'] = {'windows': int(len(check)),
                            'top1_agreement': top1, 'max_output_lsb_difference': lsb,
                            'outputs_differing': frac}
    say(f'TFLM kernels vs TFLite kernels on {report["tflm_check"]["windows"]} windows: '
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
    if demo_wav and os.path.exists(demo_wav):
        report['demo'] = demo_check(model, demo_wav)
        say(f'demo recording: {len(report["demo"]["hits"])}/{report["demo"]["keywords"]} keywords, '
            f'{len(report["demo"]["false_alarms"])} false alarms')
    return report
