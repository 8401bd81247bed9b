"""h7voice pronounce --text TEXT USER.wav [--reference REF.wav]: pronunciation feedback.

The user's recording is aligned to the text (the board's aligner, host build); then per word:
  - duration against the reference recording's (aligned the same way); without one, against
    the word's phone count at the speaker's own rate in this recording (so a rushed or
    dragged word stands out), and the whole recording's speaking rate (phones over the span
    the C voice activity detector calls speech) against a plain read-speech
    band (RATE_BAND: 7 to 17 phones a second, an assumption stated here, not a model
    output): outside it every word gets the overall verdict, so a uniformly stretched or
    compressed recording is caught without a reference too;
  - goodness of pronunciation (GOP) per phone: the mean over the phone's frames of
    log P(expected phone) - max over phones of log P (nats, 0 = the model's best choice; -2.3
    = another phone is 10 times likelier), from the phone model's posteriors;
  - a verdict: good / too fast / too slow / check this sound (the worst phone named).
"""
import argparse
import json
import os
import sys

import numpy as np

from . import align as A

RATE_BAND = (1 / 17.0, 1 / 7.0)  # seconds a phone: faster or slower than read speech
FAST, SLOW = 0.6, 1.6            # duration ratio limits (user / reference)
FAST_OWN, SLOW_OWN = 0.5, 2.0    # against the speaker's own rate (words vary more than takes)
GOP_BAD = -1.0                   # word mean: the typical phone has another ~3x likelier
GOP_RELATIVE = None              # nats below the take's level (takes of >= RELATIVE_MIN_WORDS)
GOP_LEVEL = 50                   # the take's level: this percentile of its word GOPs (50: the median)
RELATIVE_MIN_WORDS = 4


def analyse(aligner, samples, text, ref=None, ref_samples=None):
    """The host: the board's C on the host (alignment with per-phone GOP, the C VAD)."""
    from .record import segments
    res = aligner.align(samples, text)
    return report(res, segments(samples), ref, segments(ref_samples) if ref_samples is not None else None)


def analyse_board(samples, text, ref=None, ref_samples=None):
    """The same report from the align image on the simulated board (its word, phone and vad
    lines); the reference take, if any, is aligned by the board too."""
    from . import board
    from .record import board_segments
    events, _ = board.run(samples, text, phones=True)
    res = board.result_of(events)
    segs = board_segments(events, len(samples) / 16000.0)
    ref_segs = None
    if ref_samples is not None:
        rev, _ = board.run(ref_samples, text, phones=True)
        ref = board.result_of(rev)
        ref_segs = board_segments(rev, len(ref_samples) / 16000.0)
    return report(res, segs, ref, ref_segs)


def word_gop(phones):
    """A word's goodness of pronunciation: the mean of its phones' (0 without phones)."""
    return float(np.mean([x['gop'] for x in phones])) if phones else 0.0


def gop_bar(gops, gop_bad=GOP_BAD, relative=GOP_RELATIVE, level=GOP_LEVEL):
    """The GOP under which a word of this take is sent back: the absolute bar, or with
    `relative` (and a take of >= RELATIVE_MIN_WORDS words) that far below the take's level,
    the `level` percentile of its word GOPs (50: the median)."""
    if relative is None or len(gops) < RELATIVE_MIN_WORDS:
        return gop_bad
    return float(np.percentile(gops, level)) - relative


def report(res, segs, ref=None, ref_segs=None, gop_bad=GOP_BAD, relative=GOP_RELATIVE, level=GOP_LEVEL):
    """{'words': [{word, start_s, end_s, duration_s, expected_s, ratio, gop, worst_phone,
    phones: [{phone, gop}], verdict}], 'rate_ratio'}: from an alignment (words, phones with
    the core's GOP) and the VAD's speech segments of the take (and of the reference take)."""
    ref_words = ref['words'] if ref else None
    out = []
    phones = [p for p in res['phones'] if p['word'] is not None]
    pi = 0
    for w in res['words']:
        ph = []
        while pi < len(phones) and phones[pi]['start_s'] < w['end_s'] - 1e-9:
            p = phones[pi]
            ph.append({'phone': p['phone'], 'gop': p['gop']})
            pi += 1
        out.append((w, ph))
    nph = max(1, sum(len(ph) for _, ph in out))
    own = sum(w['end_s'] - w['start_s'] for w, _ in out) / nph   # seconds a phone inside words
    # the speaking rate (pauses included) is what a listener hears as fast or slow; its span
    # comes from the C voice activity detector (energy), not from the phone model, so audio
    # the model misreads (a stretched, lower-pitched take) is still timed right
    span = ((segs[-1][1] - segs[0][0]) if segs else (out[-1][0]['end_s'] - out[0][0]['start_s'])) / nph
    overall = 'too fast' if span < RATE_BAND[0] else 'too slow' if span > RATE_BAND[1] else None
    if ref_segs is not None:   # against the reference take's speaking rate instead
        rs = ref_segs
        if rs:
            r = span * nph / (rs[-1][1] - rs[0][0])
            overall = 'too fast' if r < FAST else 'too slow' if r > SLOW else None
    bar = gop_bar([word_gop(ph) for _, ph in out], gop_bad, relative, level)
    words = []
    for k, (w, ph) in enumerate(out):
        dur = w['end_s'] - w['start_s']
        if ref_words:
            exp, lo, hi = ref_words[k]['end_s'] - ref_words[k]['start_s'], FAST, SLOW
        else:
            exp, lo, hi = own * max(1, len(ph)), FAST_OWN, SLOW_OWN
        ratio = dur / exp if exp > 0 else 1.0
        gop = word_gop(ph)
        worst = min(ph, key=lambda x: x['gop']) if ph else None
        # a wrong sound comes before the word's own timing: phones that are not there also
        # get squeezed or stretched, so their duration says little about the speaker's pace
        if overall:
            verdict = overall
        elif gop < bar:
            verdict = 'check this sound: %s' % worst['phone']
        elif ratio < lo:
            verdict = 'too fast'
        elif ratio > hi:
            verdict = 'too slow'
        else:
            verdict = 'good'
        words.append({'word': w['word'], 'start_s': w['start_s'], 'end_s': w['end_s'], 'duration_s': round(dur, 3),
                      'expected_s': round(exp, 3), 'ratio': round(ratio, 2), 'gop': round(gop, 2),
                      'worst_phone': worst['phone'] if worst else None, 'phones': ph, 'verdict': verdict})
    return {'reference': 'recording' if ref else "the speaker's own rate",
            'phones_per_second': round(1 / span, 1) if span else None, 'overall': overall or 'within read-speech rate',
            'words': words}


def main(argv):
    from h7frontend import wav

    from .__main__ import _fail, _Parser, read_text, write_atomic
    ap = _Parser(prog='h7voice pronounce', description='pronunciation feedback per word and phone')
    ap.add_argument('--text', required=True, help='what was meant to be said (.txt file or the text)')
    ap.add_argument('user', help='the learner\'s recording (WAV/FLAC)')
    ap.add_argument('--reference', help='a reference recording of the same text')
    ap.add_argument('--json', help='write the JSON here (default: stdout)')
    ap.add_argument('--board', action='store_true', help='run the align image on the simulated board (same report)')
    a = ap.parse_args(argv)
    try:
        text = read_text(a.text)
        A.words_of(text)
        user = wav.load(a.user)
        r = wav.load(a.reference) if a.reference else None
        if a.board:
            rep = analyse_board(user.samples, text, None, r.samples if r else None)
        else:
            aligner = A.Aligner()
            ref = aligner.align(r.samples, text) if r else None
            rep = analyse(aligner, user.samples, text, ref, r.samples if r else None)
    except (A.AlignError, wav.WavFormatError) as e:
        return _fail('h7voice pronounce: %s' % e)
    data = json.dumps(rep, indent=1) + '\n'
    if a.json:
        write_atomic(a.json, data)
    else:
        for w in rep['words']:
            print('%-16s %6.2f-%6.2f s  %4.2fx  GOP %5.2f  %s' % (w['word'], w['start_s'], w['end_s'], w['ratio'],
                                                                w['gop'], w['verdict']))
        print('%s phones a second: %s (durations against %s)' % (rep['phones_per_second'], rep['overall'],
                                                               rep['reference']))
    return 0
