"""The training-split check of the aligner's boundary convention (never ljspeech_aligned: it is
the test). `python -m h7align.tune [--rebuild]`.

Word boundaries of phone-model TRAINING speakers (h7phones.dataset.split_of == 'train'):
  - transcribed_misc LibriVox train clips: their word timings (words.tsv, PocketSphinx);
  - mycroft_precise_community train speakers: every multi-word clip + 120 single words;
  - speech_commands_dev train folds: 120 single words;
the last two timed by PocketSphinx 5.1.1's aligner (h7align.psbaseline) on our normalised
words. The phone model's C scores and the references are cached (build/cache/align_tune.pkl:
about 10 minutes on 2 busy cores to make). Prints MAE / within 50 ms per set for the shipped
core and with an extra constant added to every boundary (the grid that checked
ALIGN_REF_OFFSET_MS).
"""
import argparse
import os
import pickle
import random

import numpy as np

from h7voice import paths

from . import align as A
from . import core

CACHE = os.path.join(paths.BUILD, 'cache', 'align_tune.pkl')
EXTRA_MS = (-10, -5, -2, 0, 2, 5, 10)


def build_set(model):
    from h7frontend import wav
    from h7phones import dataset
    from . import bench, psbaseline
    items = []
    for utt, path, text, ref in bench.corpus_librivox():
        items.append({'kind': 'librivox', 'utt': utt, 'samples': wav.load(path).samples, 'text': text, 'ref': ref})
    rng = random.Random(7)
    my = [r for r in dataset.real_items('mycroft_precise_community', split='train', transcribed=True)
          if r['text'] and r['duration_s'] < 6]
    rng.shuffle(my)
    sc = [r for r in dataset.real_items('speech_commands_dev', split='train', transcribed=True) if r['text']]
    rng.shuffle(sc)
    picked = [r for r in my if ' ' in r['text']] + [r for r in my if ' ' not in r['text']][:120] + sc[:120]
    for r in picked:
        s = dataset.read_audio(r['file'])
        try:
            words = A.words_of(r['text'])
        except A.AlignError:
            continue
        ps = psbaseline.align(s, words)
        if len(ps) != len(words):
            continue
        items.append({'kind': r['corpus'], 'utt': os.path.basename(r['file']), 'samples': s, 'text': r['text'],
                      'ref': [(p['word'], p['start_s'], p['end_s']) for p in ps]})
    for it in items:
        it['samples'] = np.asarray(it['samples'], np.int16)   # kept: the energy edges read them
        it['logp'] = np.asarray(model.scores(it['samples']), np.float32)
    return items


def errors(items, extra_ms=0):
    """{set: signed errors in ms of every word start and end}."""
    from h7speech import decoder as D
    out = {}
    for it in items:
        segs, _ = core.run(it['text'], D.scores(it['logp']))
        W, _ = A.words_from_segments(A.words_of(it['text']), segs)
        e = out.setdefault(it['kind'], [])
        for w, (_, ra, rb) in zip(W, it['ref']):
            e += [(w['start_s'] - ra) * 1000 + extra_ms, (w['end_s'] - rb) * 1000 + extra_ms]
    return out


def _summary(items, per_item, base=None):
    """'set MAE / within 50 ms' per set and for all; per_item: each item's signed errors (ms)
    or None (the clip failed). base: the shipped core's per_item, for the paired difference of
    |error| with its 95 % interval (the same boundaries: the evidence a lever must give)."""
    sets = {}
    for it, e in zip(items, per_item):
        if e is not None:
            sets.setdefault(it['kind'], []).extend(e)
    allv = np.abs(np.concatenate([np.asarray(v) for v in sets.values()]))
    out = '  '.join('%s %.1f / %.1f%%' % (k[:5], np.abs(v).mean(), 100 * (np.abs(np.asarray(v)) <= 50).mean())
                    for k, v in sets.items()) + ' | all %.1f ms / %.1f%%, <= 20 ms %.1f%%' % (
        allv.mean(), 100 * (allv <= 50).mean(), 100 * (allv <= 20).mean())
    if base is not None:
        d = np.concatenate([np.abs(e) - np.abs(b) for e, b in zip(per_item, base) if e is not None and b is not None])
        out += ' | paired %+.1f +- %.1f ms' % (d.mean(), 1.96 * d.std(ddof=1) / np.sqrt(len(d)))
    failed = sum(e is None for e in per_item)
    return out + ('  (%d clips failed)' % failed if failed else '')


def _word_errors(items, logps, setup):
    """Each item's signed boundary errors with the core set up by setup() (grid, durations),
    its scores from logps (None: the core refused the clip); restores the shipped grid."""
    from h7speech import decoder as D
    out = []
    try:
        setup()
        for it, lp in zip(items, logps):
            try:
                segs = A.align_scores(it['text'], D.scores(lp))
            except A.AlignError:   # counted: a design that loses a clip says so
                out.append(None)
                continue
            W, _ = A.words_from_segments(A.words_of(it['text']), segs)
            e = []
            for w, (_, ra, rb) in zip(W, it['ref']):
                e += [(w['start_s'] - ra) * 1000, (w['end_s'] - rb) * 1000]
            out.append(e)
    finally:
        core.set_grid(20, 2)
    return out


def interleave(full, half):
    """Two frame sequences half a hop apart -> one on a 10 ms grid: full 0, half 0, full 1, ...
    (half t = samples [320 t + 160, ...): between full t and t + 1)."""
    m = min(len(full), len(half))
    out = np.empty((len(full) + m, full.shape[1]), np.float32)
    out[0:2 * m:2], out[1:2 * m:2] = full[:m], half[:m]
    out[2 * m:] = full[m:]
    return out


def _edges(items, R_ms=40, alpha=0.3, beta_ms=-10, block=80):
    """Lever 2 (not taken): word edges next to a pause moved to where the 5 ms energy (the
    voice activity detector's C h7vad_frame_energy_db) crosses alpha of the way from the pause's
    floor to the word's peak, within R_ms of the core's boundary; signed errors per set."""
    import ctypes
    from h7frontend import _native
    from h7speech import decoder as D
    lib = _native.lib()
    out = []
    for it in items:
        x = np.asarray(it['samples'], np.int16)
        blocks = [np.ascontiguousarray(x[k * block:(k + 1) * block]) for k in range(len(x) // block)]
        e = np.array([lib.h7vad_frame_energy_db(b.ctypes.data_as(ctypes.POINTER(ctypes.c_int16)), block)
                      for b in blocks])
        ms = block / 16.0
        segs, _ = core.run(it['text'], D.scores(it['logp']))
        words = {}
        for i, s in enumerate(segs):
            if s['word'] >= 0:
                w = words.setdefault(s['word'], [s['start_ms'], s['end_ms'], i, i])
                w[1], w[3] = s['end_ms'], i

        def edge(lo, b, hi, start):
            k0, kb, k1 = int(lo // ms), int(round(b / ms)), min(int(hi // ms), len(e))
            sil, sp = (e[k0:kb], e[kb:k1]) if start else (e[kb:k1], e[k0:kb])
            if not len(sil) or not len(sp) or sp.max() - sil.min() < 6:
                return b
            th = sil.min() + alpha * (sp.max() - sil.min())
            j = (kb if start else k0) + int(np.argmax(sp))
            if start:
                while j - 1 >= k0 and e[j - 1] >= th:
                    j -= 1
                return max(0, j * ms + beta_ms)
            while j + 1 < k1 and e[j + 1] >= th:
                j += 1
            return (j + 1) * ms + beta_ms
        r = []
        for k, (_, ra, rb) in enumerate(it['ref']):
            a, b, i0, i1 = words[k]
            a2, b2 = a, b
            if i0 > 0 and segs[i0 - 1]['word'] < 0:
                a2 = edge(max(segs[i0 - 1]['start_ms'], a - R_ms), a, min(b, a + R_ms), True)
            if i1 + 1 < len(segs) and segs[i1 + 1]['word'] < 0:
                b2 = edge(max(a, b - R_ms), b, min(segs[i1 + 1]['end_ms'], b + R_ms), False)
            r += [a2 - ra * 1000, b2 - rb * 1000]
        out.append(r)
    return out


def levers(items, model, log=print):
    """The designs tried on these speakers and not taken (README "Levers")."""
    full = [it['logp'] for it in items]
    log('levers (all C: the phone model on the stream and on the stream 160 samples later, the core);')
    log('"paired": the mean change of |error| on the same boundaries, with its 95 % interval')
    base = _word_errors(items, full, lambda: None)
    row = '%-56s %s'
    log(row % ('shipped: 20 ms grid, phones >= 2 frames', _summary(items, base)))
    half = [np.asarray(model.scores(np.asarray(it['samples'][160:], np.int16)), np.float32) for it in items]
    inter = [interleave(f, h) for f, h in zip(full, half)]
    for m in (2, 3, 4):
        log(row % ('1. 10 ms grid (two model runs a hop), phones >= %d frames' % m,
                   _summary(items, _word_errors(items, inter, lambda m=m: core.set_grid(10, m)), base)))
    for R, alpha, beta in ((40, 0.3, -10), (40, 0.3, 0), (60, 0.2, -10)):
        log(row % ('2. energy edges at pauses, %d ms, %.1f, %+d ms' % (R, alpha, beta),
                   _summary(items, _edges(items, R, alpha, beta), base)))
    for m in (2, 4):
        log(row % ('3. pauses >= %d frames' % m,
                   _summary(items, _word_errors(items, full, lambda m=m: core.set_phone_frames('SIL', m)), base)))
    # per-phone minimum durations: the 20th percentile of each phone's frames in the core's
    # own alignment of these clips (phones >= 1 frame), clipped to 2..3
    dur = {}
    core.set_grid(20, 1)
    try:
        from h7speech import decoder as D
        for it in items:
            for s in core.run(it['text'], D.scores(it['logp']))[0]:
                if s['word'] >= 0:
                    dur.setdefault(s['phone'], []).append(s['end'] - s['start'])
    finally:
        core.set_grid(20, 2)
    table = {p: int(np.clip(round(np.percentile(v, 20)), 2, 3)) for p, v in dur.items() if len(v) >= 10}

    def per_phone():
        for p, n in table.items():
            core.set_phone_frames(p, n)
    log(row % ('3. per-phone minimum (p20 of training durations, 2..3)',
               _summary(items, _word_errors(items, full, per_phone), base)))


def training_set(model, rebuild=False):
    """(model sha1, build_set's items), cached per phone model (CACHE)."""
    from .bench import _sha1
    key = _sha1(model.path)
    if os.path.exists(CACHE) and not rebuild:
        with open(CACHE, 'rb') as f:
            cached = pickle.load(f)
        if cached.get('model') == key and all('samples' in it for it in cached['items']):
            return key, cached['items']
    items = build_set(model)
    os.makedirs(os.path.dirname(CACHE), exist_ok=True)
    with open(CACHE + '.tmp', 'wb') as f:
        pickle.dump({'model': key, 'items': items}, f)
    os.replace(CACHE + '.tmp', CACHE)
    return key, items


def main(argv=None):
    ap = argparse.ArgumentParser(prog='python -m h7align.tune', description=__doc__.split('\n\n')[0])
    ap.add_argument('--rebuild', action='store_true', help='remake the cached set (new phone model)')
    ap.add_argument('--levers', action='store_true', help='also the designs tried and not taken (README "Levers")')
    a = ap.parse_args(argv)
    model = A.phone_model()
    key, items = training_set(model, a.rebuild)
    print('phone model %s; ALIGN_REF_OFFSET_MS %d; boundaries: %s' % (
        key, core.ref_offset_ms(), ', '.join('%s %d' % (k, len(v)) for k, v in errors(items).items())))
    for extra in EXTRA_MS:
        r = errors(items, extra)
        allv = np.abs(np.concatenate([np.asarray(v) for v in r.values()]))
        print('%+4d ms  ' % extra + '  '.join('%s %.1f ms / %.1f%%' % (k[:12], np.abs(v).mean(), 100 * (np.abs(np.asarray(v)) <= 50).mean())
                                             for k, v in r.items()) + '  | all %.1f ms / %.1f%%' % (allv.mean(), 100 * (allv <= 50).mean()))
    if a.levers:
        levers(items, model)


if __name__ == '__main__':
    main()
