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
        it['logp'] = np.asarray(model.scores(np.asarray(it.pop('samples'), np.int16)), np.float32)
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


def main(argv=None):
    ap = argparse.ArgumentParser(prog='python -m h7align.tune', description=__doc__.split('\n\n')[0])
    ap.add_argument('--rebuild', action='store_true', help='remake the cached set (new phone model)')
    a = ap.parse_args(argv)
    model = A.phone_model()
    from .bench import _sha1
    key = _sha1(model.path)
    items = None
    if os.path.exists(CACHE) and not a.rebuild:
        with open(CACHE, 'rb') as f:
            cached = pickle.load(f)
        if cached.get('model') == key:
            items = cached['items']
    if items is None:
        items = build_set(model)
        os.makedirs(os.path.dirname(CACHE), exist_ok=True)
        with open(CACHE + '.tmp', 'wb') as f:
            pickle.dump({'model': key, 'items': items}, f)
        os.replace(CACHE + '.tmp', CACHE)
    print('phone model %s; ALIGN_REF_OFFSET_MS %d; boundaries: %s' % (
        key, core.ref_offset_ms(), ', '.join('%s %d' % (k, len(v)) for k, v in errors(items).items())))
    for extra in EXTRA_MS:
        r = errors(items, extra)
        allv = np.abs(np.concatenate([np.asarray(v) for v in r.values()]))
        print('%+4d ms  ' % extra + '  '.join('%s %.1f ms / %.1f%%' % (k[:12], np.abs(v).mean(), 100 * (np.abs(np.asarray(v)) <= 50).mean())
                                             for k, v in r.items()) + '  | all %.1f ms / %.1f%%' % (allv.mean(), 100 * (allv <= 50).mean()))


if __name__ == '__main__':
    main()
