"""int8 export of the phone model, the engine's verdict, and the held-out measurement.

export(): full-int8 post-training quantisation (TF 2.21 TFLiteConverter, representative
windows from the training stream), then the engine (tools/h7nn, host build of
firmware/engine, both kernel sets) must accept it; its arena, the weights and the MACs go
into models/<name>.json together with the frame accuracy on held-out REAL speakers measured
through the C front end + the host engine (evaluate()).

    PYTHONPATH=tools python -m h7phones.export evaluate [models/phones.tflite]
"""
import hashlib
import json
import os
import sys
import time

import numpy as np

from h7nn.convert import int8_tflite
from h7speech import phones as P
from h7voice import paths

from . import dataset
from . import labels as L

OUTPUT_KIND = 'log_softmax'


def _representative(train, count=600, seed=3):
    from .train import LOOKAHEAD, PAST
    feats, labs = train
    rng = np.random.default_rng(seed)
    t = rng.choice(np.flatnonzero(labs >= 0), count, replace=False)
    offs = np.arange(-PAST, LOOKAHEAD + 1)

    def gen():
        for i in t:
            yield [feats[i + offs].astype(np.float32)[None, :, :, None]]
    return gen


def convert(model, train):
    return int8_tflite(model, _representative(train))


class EngineModel:
    """The model in the host build of our engine (tools/h7nn/engine.py): the board's code."""

    def __init__(self, data):
        from h7nn import engine
        self.nn = engine.load(data, optimized=True)
        self.inp = self.nn.input_details()
        self.out = self.nn.output_details()

    def frame_scores(self, feats):
        """float features [frames, 40] (C front end) -> float log-probs [frames, 41]: one
        inference per hop over the last W frames (edge-padded at the start), output for
        frame newest - lookahead; the last `lookahead` frames get the final windows."""
        from h7frontend.frontend import quantize
        from .train import LOOKAHEAD, PAST, _with_context
        W = self.inp['shape'][1]
        q = quantize(feats, self.inp['scale'], self.inp['zero_point'])
        padded, _ = _with_context(q, np.zeros(len(q), np.int8))
        out = np.empty((len(feats), P.COUNT), np.float32)
        for t in range(len(feats)):
            win = padded[t:t + W]
            o = self.nn.run(win.reshape(self.inp['shape'])).reshape(-1)
            out[t] = (o.astype(np.float32) - self.out['zero_point']) * self.out['scale']
        return out


def _collapse(seq, min_run=1):
    """Phone sequence of per-frame labels: runs of >= min_run frames, repeats merged, SIL
    and IGNORE dropped."""
    runs = []
    for s in seq:
        if runs and runs[-1][0] == s:
            runs[-1][1] += 1
        else:
            runs.append([int(s), 1])
    out = []
    for s, n in runs:
        if n >= min_run and s != P.SIL and s >= 0 and (not out or out[-1] != s):
            out.append(s)
    return out


def _edits(a, b):
    from h7speech.g2p import _edit_distance   # the project's one Levenshtein
    return _edit_distance(a, b)


EVAL_CORPORA = ('speech_commands_dev', 'librispeech_samples', 'transcribed_misc',
                'ljspeech_aligned')


def evaluate(data, log=None, corpora=EVAL_CORPORA, config=None):
    """Frame accuracy (all labelled frames, and speech frames only) and a quick PER (argmax
    per frame, runs shorter than 2 frames dropped, repeats and SIL collapsed, vs the
    collapsed reference; no decoder, no language model) on the held-out REAL
    clips (split 'eval'), per corpus; C front end + host engine."""
    from h7frontend import frontend
    from .train import CONFIG
    config = config or CONFIG
    m = EngineModel(data)
    res = {}
    for corpus in corpora:
        d = L.corpus_labels(corpus)
        items = {it['file']: it for it in dataset.real_items(corpus)}
        acc = {corpus: _Tally()}
        if corpus == 'ljspeech_aligned' and hasattr(L, 'mfa_labels'):
            acc['ljspeech_aligned_mfa'] = _Tally()   # reference independent of PocketSphinx
        t0 = time.time()
        for i, rel in enumerate(d['files']):
            it = items[os.path.join(paths.SHARED, str(rel))]
            lab = L.clip_labels(d, i)
            if it['split'] != 'eval':
                continue
            if corpus == 'librispeech_samples' and d['score'][i] < L.PSEUDO_MIN_SCORE:
                continue
            x = dataset.read_audio(it['file'])
            f = frontend.features(x, config)
            pred = m.frame_scores(f).argmax(-1)
            if not (lab < 0).all():
                acc[corpus].add(pred, lab)
            if 'ljspeech_aligned_mfa' in acc:
                acc['ljspeech_aligned_mfa'].add(pred, L.mfa_labels(it['file'], len(x)))
        for name, tally in acc.items():
            res[name] = {**tally.result(), 'seconds': round(time.time() - t0, 1)}
            if log:
                log(f'held-out {name}: {res[name]}')
    pocket = {k: v for k, v in res.items() if not k.endswith('_mfa')}
    allf = sum(r['frames'] for r in pocket.values())
    res['all'] = {'frames': allf, 'reference': 'PocketSphinx alignments, every corpus above '
                                               'except *_mfa',
                  'frame_accuracy': round(sum(r['frame_accuracy'] * r['frames']
                                              for r in pocket.values()) / max(allf, 1), 4)}
    return res


class _Tally:
    def __init__(self):
        self.tot = self.ok = self.sp = self.sp_ok = self.edits = self.ref_len = self.clips = 0

    def add(self, pred, lab):
        n = min(len(pred), len(lab))
        pred, lab = pred[:n], lab[:n]
        sel = lab >= 0
        self.tot += int(sel.sum())
        self.ok += int((pred[sel] == lab[sel]).sum())
        s = sel & (lab != P.SIL)
        self.sp += int(s.sum())
        self.sp_ok += int((pred[s] == lab[s]).sum())
        ref = _collapse(lab)
        self.edits += _edits(_collapse(pred, min_run=2), ref)   # 1-frame blips dropped
        self.ref_len += len(ref)
        self.clips += 1

    def result(self):
        return {'clips': self.clips, 'frames': self.tot,
                'frame_accuracy': round(self.ok / max(self.tot, 1), 4),
                'speech_frame_accuracy': round(self.sp_ok / max(self.sp, 1), 4),
                'per_greedy': round(self.edits / max(self.ref_len, 1), 4)}


def export(model, train, out_dir, name, record, log=None, corpora=None, config=None):
    """Writes <out_dir>/<name>.tflite and .json (the model record)."""
    from h7nn import engine
    from .train import CONFIG, LOOKAHEAD, WINDOW, macs_of
    config = config or CONFIG
    os.makedirs(out_dir, exist_ok=True)
    # the float weights first (normalisation folded): a failed conversion loses no training
    model.save_weights(os.path.join(out_dir, name + '.weights.h5'))
    data = convert(model, train)
    try:
        nets = engine.verify(data)
    except engine.EngineError as e:
        raise SystemExit(f'h7phones.export: the engine refuses the model: {e.message}')
    nn = nets['m7']
    inp, out = nn.input_details(), nn.output_details()
    if tuple(inp['shape']) != (1, WINDOW, 40, 1) or tuple(out['shape']) != (1, P.COUNT):
        raise SystemExit(f'h7phones.export: shapes {inp["shape"]} -> {out["shape"]} break the contract')
    os.makedirs(out_dir, exist_ok=True)
    tfl = os.path.join(out_dir, name + '.tflite')
    tmp = tfl + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    held = evaluate(data, log=log, config=config, **({'corpora': corpora} if corpora else {}))
    os.replace(tmp, tfl)
    meta = {
        'format': 'h7voice-model/1',
        'name': name,
        'file': name + '.tflite',
        'task': 'streaming phone posteriors (issue 13)',
        'frontend_config': config,
        'frontend': config,
        'labels': list(P.PHONES),
        'phone_set': {'name': P.NAME, 'hash': P.HASH, 'count': P.COUNT,
                      'definition': 'firmware/speech/decoder/phones.def'},
        'window_frames': WINDOW,
        'lookahead_frames': LOOKAHEAD,
        'ctc': False,
        'output_kind': OUTPUT_KIND,
        'output_note': 'self-normalised logits (training adds 0.05 * logsumexp^2 to the frame '
                       'cross-entropy): log-probabilities up to a small per-frame offset, which '
                       'does not change Viterbi/beam decisions. Index 0 (CTC blank) is never a '
                       'target: a frame-posterior model.',
        'stream_start': 'windows that reach before the first frame repeat the first frame',
        'input': {'shape': [int(v) for v in inp['shape']], 'dtype': 'int8',
                  'scale': float(inp['scale']), 'zero_point': int(inp['zero_point']),
                  'layout': 'frames x mel bands x 1, oldest frame first'},
        'output': {'shape': [int(v) for v in out['shape']], 'dtype': 'int8',
                   'scale': float(out['scale']), 'zero_point': int(out['zero_point']),
                   'kind': OUTPUT_KIND, 'labels_order': 'phones.def order'},
        'arena': {'engine_arena_bytes': int(nn.arena_used),
                  'measured_with': 'host build of firmware/engine (h7nn_allocate, M7 kernels)'},
        'model': {'bytes': len(data), 'sha256': hashlib.sha256(data).hexdigest(),
                  'parameters': int(model.count_params()), 'macs': int(macs_of(model)),
                  'architecture': 'tdnn: conv(5,s2) + 3 depthwise-separable time blocks + dense'},
        'held_out': {'rule': dataset.HELD_OUT_RULE,
                     'synthetic_voices_never_trained': dataset.HELD_OUT_VOICES,
                     'measured_with': 'C front end (h7frontend) + host engine (tools/h7nn/engine.py)',
                     'targets': 'PocketSphinx 5.1.1 alignments (transcripts; LM pseudo-labels '
                                'for librispeech)',
                     'results': held},
        **record,
    }
    with open(os.path.join(out_dir, name + '.json'), 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')
    with open(os.path.join(out_dir, name + '.md'), 'w') as f:
        f.write(model_card(meta))
    if log:
        log(f'wrote {tfl} ({len(data)} B, arena {nn.arena_used} B, {meta["model"]["macs"]} MACs); '
            f'held-out frame accuracy {held["all"]["frame_accuracy"]}')
    return meta


def model_card(meta):
    """A short human-readable summary of the record (models/<name>.md)."""
    held = meta['held_out']['results']
    lines = [f"# {meta['name']}: streaming phone model (issue 13)", '',
             f"int8, input [1, {meta['window_frames']}, 40, 1] of {meta['frontend_config']} "
             f"(20 ms hop), output 41 {meta['output_kind']} scores for frame newest - "
             f"{meta['lookahead_frames']} (phones.def order; ctc: {meta['ctc']}).", '',
             f"- {meta['model']['macs']:,} MACs per hop, {meta['model']['bytes']:,} B file "
             f"({meta['model']['parameters']:,} parameters), engine arena "
             f"{meta['arena']['engine_arena_bytes']:,} B", '',
             '## Held-out real speakers (C front end + host engine)', '',
             '| corpus | clips | frames | frame acc. | speech-frame acc. | greedy PER |',
             '|---|---:|---:|---:|---:|---:|']
    for k, r in held.items():
        if k == 'all':
            continue
        lines.append(f"| {k} | {r['clips']} | {r['frames']} | {r['frame_accuracy']:.3f} | "
                     f"{r['speech_frame_accuracy']:.3f} | {r['per_greedy']:.3f} |")
    lines += ['', f"All PocketSphinx-referenced frames: {held['all']['frame_accuracy']:.3f}. "
              'References: PocketSphinx 5.1.1 alignments (librispeech: of its own LM '
              'hypothesis); ljspeech_aligned_mfa: Montreal Forced Aligner phones. Greedy PER: '
              'frame argmax, 1-frame runs dropped, no decoder or LM (the decoder-based PER is '
              "`h7voice phones eval`).", '', '## Training data', '',
              '```', json.dumps(meta['training']['data'], indent=1), '```', '',
              f"Held-out rule: {meta['held_out']['rule']}", '',
              f"Command: `{meta['training']['command']}` "
              f"({meta['training']['minutes']} min of training, {meta['training']['steps']} steps)", '']
    return '\n'.join(lines)


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(prog='h7phones.export')
    ap.add_argument('command', choices=['evaluate'])
    ap.add_argument('model', nargs='?', default=os.path.join(paths.MODELS, 'phones.tflite'))
    ap.add_argument('--corpora', type=lambda s: tuple(s.split(',')), default=EVAL_CORPORA,
                    help='held-out corpora (comma-separated)')
    a = ap.parse_args(argv)
    bad = [c for c in a.corpora if c not in EVAL_CORPORA]
    if bad:
        print(f'h7phones.export: no held-out set {", ".join(bad)}; sets: {", ".join(EVAL_CORPORA)}',
              file=sys.stderr)
        return 2
    if not os.path.exists(a.model):
        print(f'h7phones.export: {a.model} not found; run: python -m h7phones.train', file=sys.stderr)
        return 2
    from .acoustic import RecordError, model_record
    try:   # the front end the model was trained on (its record)
        config = model_record(a.model)["frontend_config"]
    except RecordError as e:
        print(f'h7phones.export: {e}', file=sys.stderr)
        return 2
    with open(a.model, 'rb') as f:
        res = evaluate(f.read(), log=lambda m: print(m, file=sys.stderr), corpora=a.corpora,
                       config=config)
    print(json.dumps(res, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
