"""The pronunciation verdict's GOP bar, set on training speakers and measured on a held-out one.
`python -m h7align.gopcal [--json build/bench/pronounce.json]`.

"check this sound" is given when a word's mean goodness of pronunciation (GOP: per phone, the
mean over its frames of its log-probability minus the best phone's; pronounce.report) is below
`pronounce.GOP_BAD`. What the bar should be depends on the phone model, so it is read from data:
  - correctly read words of phone-model TRAINING speakers (h7align.tune's set: LibriVox,
    mycroft_precise_community and speech_commands_dev train speakers, their transcripts): the
    bar is the 10th percentile of their word GOPs (rounded down to 0.05 nats), so about one
    correct word in ten is sent back;
  - measured on ljspeech_aligned (a speaker no model trained on): the share of its 573
    correctly read words the verdict flags, and of substituted words (the text says another
    word than the audio: three positions an utterance, seeded, the replacement from SUBSTITUTES)
    the share it catches, at the shipped bar and at the candidate.
Every GOP comes from the align core's C (host build) through pronounce.report, the report the
CLI and the board's lines give.
"""
import argparse
import json
import os
import random
import zlib

import numpy as np

from h7voice import paths

from . import align as A
from . import pronounce as PR
from . import record

PERCENTILE = 10
SUBSTITUTES = ('elephant', 'window', 'purple', 'garden', 'thirty', 'basket', 'river', 'morning',
               'yellow', 'doctor', 'pencil', 'castle')


def _report(aligner, samples, text, logp=None, bar=PR.GOP_BAD):
    res = aligner.align(samples, text, logp=logp)
    return PR.report(res, record.segments(samples), gop_bad=bar)


def training_gops(aligner, rebuild=False):
    """{corpus: [word GOP]} of the training speakers' correctly read words."""
    from . import tune
    _, items = tune.training_set(aligner.model, rebuild)
    out = {}
    for it in items:
        try:
            rep = _report(aligner, it['samples'], it['text'], logp=it['logp'])
        except A.AlignError:
            continue
        out.setdefault(it['kind'], []).extend(w['gop'] for w in rep['words'])
    return out


def substituted(text, utt):
    """(text with 3 words replaced, their positions): seeded by the utterance's name."""
    words = A.words_of(text)
    rng = random.Random(zlib.crc32(utt.encode()))
    where = sorted(rng.sample(range(len(words)), min(3, len(words))))
    out = list(words)
    for k in where:
        out[k] = rng.choice([s for s in SUBSTITUTES if s != words[k]])
    return ' '.join(out), where


def held_out(aligner, bars):
    """{bar: {'correct_flagged', 'correct', 'substituted_caught', 'substituted'}} on ljspeech."""
    from h7frontend import wav
    from . import bench
    counts = {b: {'correct_flagged': 0, 'correct': 0, 'substituted_caught': 0, 'substituted': 0} for b in bars}
    for utt, path, text, _ in bench.corpus_ljspeech():
        x = wav.load(path).samples
        logp = aligner.logprobs(x)
        swapped, where = substituted(text, utt)
        for b in bars:
            c = counts[b]
            words = _report(aligner, x, text, logp, b)['words']
            c['correct'] += len(words)
            c['correct_flagged'] += sum(w['verdict'].startswith('check this sound') for w in words)
            words = _report(aligner, x, swapped, logp, b)['words']
            c['substituted'] += len(where)
            c['substituted_caught'] += sum(words[k]['verdict'].startswith('check this sound') for k in where)
    return counts


def main(argv=None):
    ap = argparse.ArgumentParser(prog='python -m h7align.gopcal', description=__doc__.split('\n')[0])
    ap.add_argument('--json', default=os.path.join(paths.BENCH, 'pronounce.json'))
    ap.add_argument('--rebuild', action='store_true', help='remake the training set cache (h7align.tune)')
    a = ap.parse_args(argv)
    aligner = A.Aligner()
    gops = training_gops(aligner, a.rebuild)
    every = np.concatenate([np.asarray(v, float) for v in gops.values()])
    bar = float(np.floor(np.percentile(every, PERCENTILE) / 0.05) * 0.05)
    bars = sorted({PR.GOP_BAD, round(bar, 2)}, reverse=True)
    counts = held_out(aligner, bars)
    out = {'what': 'the pronunciation verdict\'s GOP bar (h7align/gopcal.py)',
           'phone_model': os.path.basename(aligner.model.path),
           'shipped_bar': PR.GOP_BAD, 'candidate_bar': round(bar, 2),
           'training_words': {k: len(v) for k, v in gops.items()},
           'training_percentiles': {str(p): round(float(np.percentile(every, p)), 3) for p in (5, 10, 20, 50)},
           'training_flagged_pct': {str(b): round(100 * float((every < b).mean()), 1) for b in bars},
           'held_out_ljspeech': {str(b): dict(c, correct_flagged_pct=round(100 * c['correct_flagged'] / c['correct'], 1),
                                              substituted_caught_pct=round(100 * c['substituted_caught'] / c['substituted'], 1))
                                 for b, c in counts.items()}}
    print('training speakers: %s words; word GOP percentiles %s; candidate bar %.2f (shipped %.2f)' % (
        sum(out['training_words'].values()), out['training_percentiles'], bar, PR.GOP_BAD))
    for b in bars:
        h = out['held_out_ljspeech'][str(b)]
        print('bar %5.2f: training correct words flagged %4.1f %%; ljspeech correct flagged %4.1f %% (%d/%d), '
              'substituted caught %4.1f %% (%d/%d)' % (b, out['training_flagged_pct'][str(b)], h['correct_flagged_pct'],
                                                       h['correct_flagged'], h['correct'], h['substituted_caught_pct'],
                                                       h['substituted_caught'], h['substituted']))
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json + '.tmp', 'w') as f:
        json.dump(out, f, indent=1)
    os.replace(a.json + '.tmp', a.json)
    print('wrote', paths.rel(a.json) if hasattr(paths, 'rel') else a.json)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
