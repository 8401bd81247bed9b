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
    word than the audio; seeded positions, the replacement from SUBSTITUTES) the share it
    catches, at the shipped bar and at the candidates. Two substitution protocols: 'v2', one
    word in eight of each sentence (at least one: a learner's take has mostly right words),
    and 'v1' (fifteenth round), three words whatever the sentence's length;
  - bars relative to the take (pronounce.gop_bar: RELATIVE nats below the take's level, the
    LEVELS percentile of its word GOPs, in takes of >= RELATIVE_MIN_WORDS words), each level's
    size the smallest of RELATIVE that flags at most 10 % of the training speakers' correct
    words in such takes, measured the same way.
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


RELATIVE = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)   # the speaker-relative bars tried (nats)
LEVELS = (50, 75)                              # the take's level: median (fifteenth round), 75th percentile
PROTOCOLS = {'v2': lambda n: max(1, n // 8), 'v1': lambda n: 3}   # substituted words in a sentence of n


def _report(aligner, samples, text, logp=None):
    res = aligner.align(samples, text, logp=logp)
    return PR.report(res, record.segments(samples))


def training_takes(aligner, rebuild=False):
    """[(corpus, [word GOP of each correctly read word])] per take of the training speakers."""
    from . import tune
    _, items = tune.training_set(aligner.model, rebuild)
    out = []
    for it in items:
        try:
            rep = _report(aligner, it['samples'], it['text'], logp=it['logp'])
        except A.AlignError:
            continue
        out.append((it['kind'], [w['gop'] for w in rep['words']]))
    return out


def relative_flagged(takes, relative, level=PR.GOP_LEVEL):
    """(flagged, words) of the takes of >= RELATIVE_MIN_WORDS words at that relative bar."""
    flagged = words = 0
    for _, g in takes:
        if len(g) >= PR.RELATIVE_MIN_WORDS:
            bar = PR.gop_bar(g, relative=relative, level=level)
            flagged += sum(x < bar for x in g)
            words += len(g)
    return flagged, words


def substituted(text, utt, protocol='v1'):
    """(text with words replaced, their positions): PROTOCOLS[protocol] of them, seeded by the
    utterance's name."""
    words = A.words_of(text)
    rng = random.Random(zlib.crc32(utt.encode()))
    where = sorted(rng.sample(range(len(words)), min(PROTOCOLS[protocol](len(words)), len(words))))
    out = list(words)
    for k in where:
        out[k] = rng.choice([s for s in SUBSTITUTES if s != words[k]])
    return ' '.join(out), where


def _judge(c, right, wrong, where, segs, bar, relative, level):
    """Adds one take to the counts c: its correctly read words flagged, and its substituted
    words (positions `where` in the swapped text's alignment) caught."""
    words = PR.report(right, segs, gop_bad=bar, relative=relative, level=level)['words']
    c['correct'] += len(words)
    c['correct_flagged'] += sum(w['verdict'].startswith('check this sound') for w in words)
    words = PR.report(wrong, segs, gop_bad=bar, relative=relative, level=level)['words']
    c['substituted'] += len(where)
    c['substituted_caught'] += sum(words[k]['verdict'].startswith('check this sound') for k in where)


def _percentages(c):
    c['correct_flagged_pct'] = round(100 * c['correct_flagged'] / max(1, c['correct']), 1)
    c['substituted_caught_pct'] = round(100 * c['substituted_caught'] / max(1, c['substituted']), 1)


def held_out(aligner, settings):
    """{protocol: {name: {'correct_flagged', 'correct', 'substituted_caught', 'substituted'}}} on
    ljspeech for each setting (name, absolute bar, relative bar or None, level)."""
    from h7frontend import wav
    from . import bench
    counts = {p: {n: {'correct_flagged': 0, 'correct': 0, 'substituted_caught': 0, 'substituted': 0}
                  for n, _, _, _ in settings} for p in PROTOCOLS}
    for utt, path, text, _ in bench.corpus_ljspeech():
        x = wav.load(path).samples
        logp = aligner.logprobs(x)
        segs = record.segments(x)
        right = aligner.align(x, text, logp=logp)
        for protocol in PROTOCOLS:
            swapped, where = substituted(text, utt, protocol)
            wrong = aligner.align(x, swapped, logp=logp)
            for name, bar, relative, level in settings:   # the alignments do not depend on the bar
                _judge(counts[protocol][name], right, wrong, where, segs, bar, relative, level)
    for per in counts.values():
        for c in per.values():
            _percentages(c)
    return counts


def confirmation(aligner, settings, protocol='v2'):
    """The same counts on a set no verdict was chosen on: ljspeech's transcripts read by the
    intent benchmark's held-out TTS voices (each reading correct by construction), protocol
    v2's substitutions. {name: counts}."""
    from h7intent import bench as IB
    from . import bench
    voices = IB.Voices()
    counts = {n: {'correct_flagged': 0, 'correct': 0, 'substituted_caught': 0, 'substituted': 0}
              for n, _, _, _ in settings}
    for utt, _, text, _ in bench.corpus_ljspeech():
        for engine, voice in IB.held_out_voices():
            rng = np.random.default_rng(zlib.crc32(('%s %s %s' % (utt, engine, voice)).encode()))
            x = IB.pad(np.asarray(voices.say(engine, voice, text, rng), np.int16))
            logp = aligner.logprobs(x)
            segs = record.segments(x)
            swapped, where = substituted(text, utt, protocol)
            try:
                right, wrong = aligner.align(x, text, logp=logp), aligner.align(x, swapped, logp=logp)
            except A.AlignError:   # counted: a take the aligner refuses is judged by nobody
                for c in counts.values():
                    c['takes_not_aligned'] = c.get('takes_not_aligned', 0) + 1
                continue
            for name, bar, relative, level in settings:
                _judge(counts[name], right, wrong, where, segs, bar, relative, level)
    for c in counts.values():
        _percentages(c)
    return counts


def main(argv=None):
    ap = argparse.ArgumentParser(prog='python -m h7align.gopcal', description=__doc__.split('\n')[0])
    ap.add_argument('--json', default=os.path.join(paths.BENCH, 'pronounce.json'))
    ap.add_argument('--rebuild', action='store_true', help='remake the training set cache (h7align.tune)')
    ap.add_argument('--confirm', action='store_true', help='also the held-out TTS voices reading ljspeech\'s '
                    'transcripts (a set no verdict was chosen on)')
    a = ap.parse_args(argv)
    aligner = A.Aligner()
    takes = training_takes(aligner, a.rebuild)
    every = np.concatenate([np.asarray(g, float) for _, g in takes if g])
    bar = round(float(np.floor(np.percentile(every, PERCENTILE) / 0.05) * 0.05), 2)
    rel = {lv: {d: relative_flagged(takes, d, lv) for d in RELATIVE} for lv in LEVELS}
    chosen = {lv: next((d for d in RELATIVE if rel[lv][d][0] <= 0.10 * rel[lv][d][1]), None) for lv in LEVELS}
    settings = [('absolute %.2f (shipped)' % PR.GOP_BAD, PR.GOP_BAD, None, 50),
                ('absolute %.2f (training 10th percentile)' % bar, bar, None, 50)]
    for lv in LEVELS:
        if chosen[lv] is not None:
            settings.append(('take %s - %.2f' % ('median' if lv == 50 else '%dth percentile' % lv, chosen[lv]),
                             PR.GOP_BAD, chosen[lv], lv))
    if PR.GOP_RELATIVE is not None and not any(r == PR.GOP_RELATIVE and lv == PR.GOP_LEVEL
                                               for _, _, r, lv in settings[2:]):
        settings.append(('shipped: take level %d - %.2f' % (PR.GOP_LEVEL, PR.GOP_RELATIVE), PR.GOP_BAD,
                         PR.GOP_RELATIVE, PR.GOP_LEVEL))
    counts = held_out(aligner, settings)
    out = {'what': 'the pronunciation verdict\'s GOP bar (h7align/gopcal.py)',
           'phone_model': os.path.basename(aligner.model.path),
           'shipped': {'absolute': PR.GOP_BAD, 'relative': PR.GOP_RELATIVE, 'level': PR.GOP_LEVEL},
           'training_words': len(every), 'training_takes': len(takes),
           'training_percentiles': {str(p): round(float(np.percentile(every, p)), 3) for p in (5, 10, 20, 50)},
           'training_absolute_flagged_pct': {str(b): round(100 * float((every < b).mean()), 1) for b in (PR.GOP_BAD, bar)},
           'training_relative_flagged': {str(lv): {str(d): {'flagged': f, 'words': w} for d, (f, w) in r.items()}
                                         for lv, r in rel.items()},
           'relative_chosen': {str(lv): d for lv, d in chosen.items()},
           'substitution_protocols': {'v2': 'max(1, n // 8) words of a sentence of n', 'v1': '3 words'},
           'held_out_ljspeech': counts}
    print('training speakers: %d words in %d takes; word GOP percentiles %s' % (
        len(every), len(takes), out['training_percentiles']))
    for lv in LEVELS:
        print('relative bars (level %d) on training takes of >= %d words: %s; chosen %s' % (
            lv, PR.RELATIVE_MIN_WORDS, ', '.join('%.2f: %d/%d' % (d, f, w) for d, (f, w) in rel[lv].items()),
            chosen[lv]))
    for protocol in PROTOCOLS:
        for name, _, _, _ in settings:
            h = counts[protocol][name]
            print('%s %-40s ljspeech correct flagged %4.1f %% (%d/%d), substituted caught %5.1f %% (%d/%d)' % (
                protocol, name, h['correct_flagged_pct'], h['correct_flagged'], h['correct'],
                h['substituted_caught_pct'], h['substituted_caught'], h['substituted']))
    if a.confirm:
        out['confirmation_tts'] = conf = confirmation(aligner, settings)
        for name, _, _, _ in settings:
            h = conf[name]
            print('tts %-40s correct flagged %4.1f %% (%d/%d), substituted caught %5.1f %% (%d/%d)%s' % (
                name, h['correct_flagged_pct'], h['correct_flagged'], h['correct'],
                h['substituted_caught_pct'], h['substituted_caught'], h['substituted'],
                ', %d takes not aligned' % h['takes_not_aligned'] if h.get('takes_not_aligned') else ''))
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json + '.tmp', 'w') as f:
        json.dump(out, f, indent=1)
    os.replace(a.json + '.tmp', a.json)
    print('wrote', paths.rel(a.json) if hasattr(paths, 'rel') else a.json)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
