"""Keyword models on real speakers never trained on: the held-out fold of
speech_commands_dev (realdata.split) through the C front end (h7frontend) and the host
build of the firmware's engine (h7nn, the same numbers the board computes), with the
MLPerf Tiny KWS peer on the same clips.

    python -m h7train.realeval models/kws_default.tflite [models/kws_tiny.tflite ...] \
        [--sweep] [--out models/real_speech] [--float build/realkws3/kws_default.keras]

(--float: the float model a training run left in its ignored --out folder; the published
table is made without it, so a fresh clone remakes it.)

evaluate_real(model_path) -> dict is the callable form (models/report.md merges it).
"""
import argparse
import json
import os
import sys

import numpy as np

from h7data.vocab import KEYWORDS, LABELS, SILENCE, UNKNOWN
from h7voice import paths

from . import realdata as R

SNRS_DB = (20, 10, 5, 0)
PEER = 'mlperf_tiny_kws_ref_model (peer, real-trained, never shipped)'


def _eval_clips():
    data = R.speech_commands()
    _, ev = R.split(data)
    return data['x'][ev], data['y'][ev], data['speaker'][ev]


def noisy(x, y, snr_db, seed=5):
    """Speech clips (not silence) of x mixed with the held-out 20% of the real recorded
    noises (dishes, exercise bike, running tap) at snr_db; deterministic."""
    pool = R.noise('eval', R.EVAL_NOISE)
    rng = np.random.default_rng([seed, int(snr_db * 10) + 1000])
    keep = np.flatnonzero(y != LABELS.index(SILENCE))
    return np.stack([R.mix(x[i], pool, snr_db, rng) for i in keep]), y[keep]


class EngineModel:
    """An int8 .tflite in the host engine (h7nn), its front-end config and label order."""

    def __init__(self, path, config=None, labels=None):
        from h7nn.engine import Interpreter
        from .export import load_metadata
        with open(path, 'rb') as f:
            self.data = f.read()
        if config is None:
            meta = load_metadata(os.path.splitext(path)[0] + '.json')
            config, labels = meta['frontend']['name'], meta['labels']
        self.config, self.labels = config, list(labels)
        self.order = [self.labels.index(lab) for lab in LABELS]   # output index of LABELS[i]
        self.interp = Interpreter(self.data)
        d = self.interp.input_details()
        self.scale, self.zero_point = d['scale'], d['zero_point']
        self.arena_used = int(self.interp.arena_used)

    def probabilities(self, clips):
        """[n, 12] in LABELS order (dequantized int8 softmax)."""
        import h7frontend
        feats = R.features(clips, self.config)
        q = h7frontend.quantize(feats, self.scale, self.zero_point)
        o = self.interp.output_details()
        out = np.empty((len(q), len(LABELS)), np.float32)
        for i in range(len(q)):
            self.interp.set_input(q[i])
            self.interp.invoke()
            r = self.interp.get_output().reshape(-1).astype(np.float32)
            out[i] = ((r - o['zero_point']) * o['scale'])[self.order]
        return out


def scores(pred, y):
    """12-class accuracy, per class, keywords, and non-keyword clips taken for a keyword."""
    kw = y >= 2
    non = ~kw
    per = {LABELS[c]: {'n': int(np.sum(y == c)),
                       'accuracy': float(np.mean(pred[y == c] == c)) if np.any(y == c) else None}
           for c in range(len(LABELS))}
    conf = np.zeros((len(LABELS), len(LABELS)), int)
    for t, p in zip(y, pred):
        conf[t, p] += 1
    return {'n': int(len(y)), 'accuracy': float(np.mean(pred == y)),
            'keyword_accuracy': float(np.mean(pred[kw] == y[kw])) if kw.any() else None,
            'false_accept': float(np.mean(pred[non] >= 2)) if non.any() else None,
            'false_accept_unknown_only': float(np.mean(pred[y == 1] >= 2)) if np.any(y == 1) else None,
            'worst_keyword': min(((per[k]['accuracy'], k) for k in KEYWORDS
                                  if per[k]['accuracy'] is not None), default=(None, None))[1],
            'per_class': per, 'confusion': conf.tolist()}


def evaluate_model(model, x, y, snrs=SNRS_DB):
    res = scores(model.probabilities(x).argmax(1), y)
    res['snr'] = {}
    for snr in snrs:
        xn, yn = noisy(x, y, snr)
        s = scores(model.probabilities(xn).argmax(1), yn)
        res['snr'][str(snr)] = {k: s[k] for k in ('n', 'accuracy', 'keyword_accuracy', 'false_accept')}
    return res


def held_out_stream(x, gap_s=0.7, seed=9):
    """The held-out clips one after another, each after gap_s of -60 dBFS real room tone
    (running_tap's eval part): (audio int16, clip start ms, clip end ms). The one stream the
    threshold sweep and the keyword cascade's threshold choice (h7voice cascade) play."""
    rng = np.random.default_rng(seed)
    room = R.noise('eval', ('running_tap',))['running_tap']
    gap = int(gap_s * 16000)
    pieces, spans, pos = [], [], 0
    for clip in x:
        s = int(rng.integers(0, len(room) - gap - len(clip)))
        tone = room[s:s + gap + len(clip)].astype(np.float64)
        tone = tone / (np.sqrt(np.mean(tone ** 2)) + 1e-9) * 10 ** (-60 / 20) * 32767
        tone[gap:] += clip
        pieces.append(np.clip(np.round(tone), -32768, 32767).astype(np.int16))
        spans.append((pos + gap, pos + gap + len(clip)))
        pos += len(pieces[-1])
    pieces.append(np.zeros(gap, np.int16))
    return (np.concatenate(pieces), np.array([a for a, _ in spans]) / 16.0,
            np.array([b for _, b in spans]) / 16.0)


def stream_scores(dets, y, starts, ends):
    """Detections on held_out_stream scored per clip (a detection belongs to the clip its
    word span starts in): keywords found (the right word), wrong keyword, non-keyword clips fired."""
    said = [set() for _ in y]
    for d in dets:
        i = int(np.searchsorted(starts, d['start_ms'] + 200, side='right')) - 1
        if 0 <= i < len(y) and d['start_ms'] < ends[i] + 200:
            said[i].add(d['word'])
    truth = [LABELS[k] for k in y]
    kw = y >= 2
    found = np.array([truth[i] in said[i] for i in range(len(y))])
    wrong = np.array([bool(said[i] - {truth[i]}) for i in range(len(y))])
    fired = np.array([bool(said[i]) for i in range(len(y))])
    return {'keywords_found': float(np.mean(found[kw])), 'wrong_keyword': float(np.mean(wrong[kw])),
            'non_keyword_fired': float(np.mean(fired[~kw]))}


def threshold_sweep(model_path, x, y, thresholds=(0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95),
                    gap_s=0.7, seed=9):
    """The firmware's own decision (host build of kws_pipeline + kws_detector, its VAD
    segmentation included) over the held-out clips played one after another, each after
    gap_s of -60 dBFS real room tone; a detection belongs to the clip its word span starts in.
    Per threshold: keywords found (the right word), wrong keyword, non-keyword clips fired."""
    from kwsapp.detector import KwsStream
    stream, starts, ends = held_out_stream(x, gap_s, seed)
    detector = KwsStream(model_path)
    rows = []
    try:
        for t in thresholds:
            dets, _ = detector.run(stream, threshold=t)
            rows.append({'threshold': t, **stream_scores(dets, y, starts, ends)})
    finally:
        detector.close()
    return rows


def float_accuracy(keras_path, x, y):
    """The float Keras model (before int8 export) on the same clips (kws_stream features)."""
    from .train import keras
    model = keras.saving.load_model(keras_path, compile=False)
    logits = model.predict(R.features(x, 'kws_stream'), verbose=0, batch_size=256)
    return scores(logits.argmax(1), y)


def evaluate_real(model_path, peer=True, float_model=None, snrs=SNRS_DB, sweep=False):
    """Our int8 model (and the MLPerf peer) on the held-out fold; a dict (JSON-ready)."""
    x, y, spk = _eval_clips()
    ours = EngineModel(model_path)
    out = {'clips': int(len(y)), 'speakers': len(set(spk.tolist())),
           'fold': f'speech_commands_dev fold {R.EVAL_FOLD} of {R.FOLDS} (sha1 of '
                   f'{R.SPLIT_SALT!r} + speaker id), never trained on',
           'noise': f'held-out last {100 - int(100 * R.NOISE_TRAIN)}% of '
                    f'{", ".join(R.EVAL_NOISE)}; speech clips only (silence excluded)',
           'runtime': 'C front end (h7frontend) + h7nn host engine (firmware C code)',
           'model': {'path': paths.rel(os.path.abspath(model_path)), 'config': ours.config,
                     'arena_used_bytes': ours.arena_used, **evaluate_model(ours, x, y, snrs)}}
    if sweep:
        out['model']['detector_sweep'] = threshold_sweep(model_path, x, y)
    if float_model:
        out['model']['float'] = {k: v for k, v in float_accuracy(float_model, x, y).items()
                                 if k != 'confusion'}
    if peer:
        p = EngineModel(R.teacher_path(), 'mlperf_kws', R.MLPERF_LABELS)
        out['peer'] = {'path': PEER, 'config': 'mlperf_kws', **evaluate_model(p, x, y, snrs)}
    return out


def markdown(results, command, note=None):
    """One table: our models and the peer on the same held-out clips."""
    first = next(iter(results.values()))
    cols = [(name, r['model']) for name, r in results.items()] + [('MLPerf peer', first['peer'])]
    lines = ['# Keyword models on real speakers never trained on', '',
             f'Made by `{command}`. {first["clips"]} clips, {first["speakers"]} speaker ids of '
             f'{first["fold"]}; {first["runtime"]}. Noise: {first["noise"]}.', '']
    if note:
        lines += [note, '']
    lines += [
             '| | ' + ' | '.join(n for n, _ in cols) + ' |',
             '|---|' + '---:|' * len(cols)]

    def pct(v):
        return '—' if v is None else f'{100 * v:.1f}'
    rows = [('12-class accuracy %', lambda c: pct(c['accuracy'])),
            ('keywords %', lambda c: pct(c['keyword_accuracy'])),
            ('non-keyword clips taken for a keyword %', lambda c: pct(c['false_accept'])),
            ('worst keyword', lambda c: f'{c["worst_keyword"]} {pct(c["per_class"][c["worst_keyword"]]["accuracy"])}')]
    rows += [(f'{lab} %', (lambda lab: lambda c: pct(c['per_class'][lab]['accuracy']))(lab))
             for lab in LABELS]
    rows += [(f'{s} dB SNR real noise, 12-class %', (lambda s: lambda c: pct(c['snr'][s]['accuracy']))(s))
             for s in first['model']['snr']]
    rows += [(f'{s} dB SNR, non-keywords taken for a keyword %',
              (lambda s: lambda c: pct(c['snr'][s]['false_accept']))(s)) for s in first['model']['snr']]
    if any('float' in r['model'] for r in results.values()):
        rows.append(('float (before int8) 12-class %',
                     lambda c: pct(c['float']['accuracy']) if 'float' in c else '—'))
    for title, fn in rows:
        lines.append(f'| {title} | ' + ' | '.join(fn(c) for _, c in cols) + ' |')
    for name, r in results.items():
        if 'detector_sweep' in r['model']:
            lines += ['', f'Detector threshold sweep for {name} (`threshold_sweep`: the held-out '
                      'clips played one after another, each after 0.7 s of -60 dBFS real room '
                      'tone, through the host build of the firmware C: kws_pipeline + '
                      'kws_detector with its VAD; the firmware uses the threshold in '
                      'firmware/apps/kws/kws_config.h):', '',
                      '| threshold | keywords found % | wrong keyword % | non-keyword clips fired % |',
                      '|---:|---:|---:|---:|']
            lines += [f'| {t["threshold"]} | {pct(t["keywords_found"])} | {pct(t["wrong_keyword"])} '
                      f'| {pct(t["non_keyword_fired"])} |' for t in r['model']['detector_sweep']]
    return '\n'.join(lines) + '\n'


def main(argv=None):
    ap = argparse.ArgumentParser(prog='python -m h7train.realeval')
    ap.add_argument('models', nargs='+', help='int8 .tflite files with their .json beside')
    ap.add_argument('--float', dest='floats', action='append', default=[],
                    help='the float .keras of a model (same order), for int8 vs float')
    ap.add_argument('--out', help='write OUT.json and OUT.md (e.g. models/real_speech)')
    ap.add_argument('--sweep', action='store_true', help='add the detector threshold guide')
    ap.add_argument('--note', help='a paragraph under the title (what the comparison is)')
    args = ap.parse_args(argv)
    from h7nn.engine import EngineError
    from .export import ModelFileError
    command = 'python -m h7train.realeval ' + ' '.join(argv if argv is not None else sys.argv[1:])
    for fl in args.floats:
        # the float models are training outputs in ignored folders (a fresh clone has none)
        if not os.path.isfile(fl):
            print(f'error: {fl}: no such float model; it is written by the training command '
                  f'in the model record ("training.command"), or leave --float out',
                  file=sys.stderr)
            return 2
    results = {}
    try:
        for i, path in enumerate(args.models):
            fl = args.floats[i] if i < len(args.floats) else None
            results[os.path.splitext(os.path.basename(path))[0]] = evaluate_real(path, float_model=fl, sweep=args.sweep)
    except (paths.MissingPart, ModelFileError, EngineError, OSError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    if args.note:
        command = command.replace(args.note, "'<the paragraph below>'")
    md = markdown(results, command, args.note)
    print(md)
    if args.out:
        from h7data.wavio import atomic_write_text
        atomic_write_text(args.out + '.json', json.dumps({'command': command, 'results': results},
                                                          indent=1) + '\n')
        atomic_write_text(args.out + '.md', md)
        out_dir = os.path.dirname(os.path.abspath(args.out))
        if os.path.exists(os.path.join(out_dir, 'report.json')):
            from .pipeline import refresh_report
            refresh_report(out_dir)   # report.md/.json carry the new figures
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
