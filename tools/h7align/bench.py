"""The alignment benchmark (h7voice align --bench --json build/bench/align.json).

Reference word boundaries on REAL speech:
  - ../shared/data/ljspeech_aligned: 32 utterances, one speaker, Montreal Forced Aligner
    word boundaries (never used to train the phone model: the held-out rule of issue 13);
  - ../shared/data/transcribed_misc/words.tsv: 5 LibriVox sentences of another reader,
    whose timings are PocketSphinx's own automatic alignment (so PocketSphinx agrees with
    itself there by construction: that column says how far we are from PocketSphinx, not
    from the truth).
Every word gives two boundaries (start, end); the figures are the mean absolute error in
ms and the share within 50 ms, overall and per utterance, for our aligner (the phone
model's C scores + the C decoder, as `h7voice align` runs) and for PocketSphinx's aligner
on the same clips and the same normalised words.
"""
import csv
import difflib
import json
import os
import time

import numpy as np

from h7frontend import wav
from h7voice import paths

from . import align as A
from . import psbaseline

TARGETS = {'mae_ms': 20.0, 'within_50ms_pct': 92.0}


def _sha1(path):
    import hashlib
    with open(path, 'rb') as f:
        return hashlib.sha1(f.read()).hexdigest()[:12]


def _tsv(path):
    with open(path, encoding='utf-8') as f:
        return list(csv.DictReader(f, delimiter='\t'))


def corpus_ljspeech():
    root = paths.shared('data', 'ljspeech_aligned', what='the alignment reference (ljspeech_aligned)')
    refs = {}
    for r in _tsv(os.path.join(root, 'words.tsv')):
        refs.setdefault(r['utt'], []).append((r['word'], float(r['start_s']), float(r['end_s'])))
    for r in _tsv(os.path.join(root, 'manifest.tsv')):
        utt = os.path.splitext(os.path.basename(r['file']))[0]
        yield utt, os.path.join(root, r['file']), r['transcript'], refs[utt]


def corpus_librivox():
    root = paths.shared('data', 'transcribed_misc', what='transcribed_misc (LibriVox word timings)')
    refs = {}
    for r in _tsv(os.path.join(root, 'words.tsv')):
        refs.setdefault(r['utt'], []).append((r['word'], float(r['start_s']), float(r['end_s'])))
    for r in _tsv(os.path.join(root, 'manifest.tsv')):
        utt = os.path.splitext(os.path.basename(r['file']))[0]
        if utt in refs:
            yield utt, os.path.join(root, r['file']), r['transcript'], refs[utt]


def pair(hyp_words, ref):
    """Index pairs (hyp, ref) of the same word: position by position when the counts agree
    (the reference's <unk> is a word MFA did not know, still timed), else matching runs."""
    ref_words = [w for w, _, _ in ref]
    if len(hyp_words) == len(ref_words):
        return [(i, i) for i in range(len(ref_words))]
    sm = difflib.SequenceMatcher(a=hyp_words, b=ref_words, autojunk=False)
    return [(b.a + k, b.b + k) for b in sm.get_matching_blocks() for k in range(b.size)]


def boundary_errors(hyp, ref):
    """|error| in ms of every start and end of the paired words."""
    errs = []
    for i, j in pair([h['word'] for h in hyp], ref):
        errs.append(abs(hyp[i]['start_s'] - ref[j][1]) * 1000)
        errs.append(abs(hyp[i]['end_s'] - ref[j][2]) * 1000)
    return errs


def summary(errs, words_ref):
    e = np.asarray(errs, dtype=float)
    if not len(e):
        return {'boundaries': 0, 'words_ref': words_ref}
    return {'boundaries': int(len(e)), 'words_ref': words_ref, 'mae_ms': round(float(e.mean()), 1),
            'median_ms': round(float(np.median(e)), 1), 'within_50ms_pct': round(100 * float((e <= 50).mean()), 1),
            'within_20ms_pct': round(100 * float((e <= 20).mean()), 1), 'max_ms': round(float(e.max()), 1)}


def run(corpus, aligner, log=print):
    rows, ours_all, ps_all, nref = [], [], [], 0
    for utt, path, text, ref in corpus:
        samples = wav.load(path).samples
        words = A.words_of(text)
        row = {'utt': utt, 'seconds': round(len(samples) / 16000, 2), 'words': len(ref)}
        nref += len(ref)
        t = time.time()
        ours = aligner.align(samples, text)['words']
        row['ours_host_s'] = round(time.time() - t, 2)
        e = boundary_errors(ours, ref)
        ours_all += e
        row['ours'] = summary(e, len(ref))
        ps = psbaseline.align(samples, words)
        e2 = boundary_errors(ps, ref)
        ps_all += e2
        row['pocketsphinx'] = summary(e2, len(ref))
        rows.append(row)
        log('%-42s %5.1f s %3d words  ours MAE %6.1f ms %5.1f%% <50ms   pocketsphinx %6.1f ms %5.1f%%'
            % (utt, row['seconds'], len(ref), row['ours'].get('mae_ms', -1), row['ours'].get('within_50ms_pct', -1),
               row['pocketsphinx'].get('mae_ms', -1), row['pocketsphinx'].get('within_50ms_pct', -1)))
    return {'utterances': len(rows), 'words_ref': nref, 'ours': summary(ours_all, nref),
            'pocketsphinx': summary(ps_all, nref), 'per_utterance': rows}


def bench(json_path=None, log=print, model=None):
    aligner = A.Aligner(model)
    out = {'what': 'word-boundary error of forced alignment on real speech: ours (phone model C scores '
                   '+ h7dec ALIGN, host build of the board code) vs PocketSphinx 5.1.1 set_align_text',
           'targets': TARGETS,
           'model': {'path': paths.rel(aligner.model.path), 'bytes': os.path.getsize(aligner.model.path),
                     'sha1': _sha1(aligner.model.path)},
           'timing': {'hop': aligner.timing.hop, 'window': aligner.timing.window,
                      'boundary_offset_ms': 1000 * aligner.timing.boundary_s(0)}}
    log('== ljspeech_aligned (reference: Montreal Forced Aligner)')
    out['ljspeech_aligned'] = run(corpus_ljspeech(), aligner, log)
    log('== transcribed_misc LibriVox (reference: PocketSphinx automatic timings, not human)')
    out['librivox_pocketsphinx_ref'] = run(corpus_librivox(), aligner, log)
    lj = out['ljspeech_aligned']
    o, p = lj['ours'], lj['pocketsphinx']
    out['verdict'] = {'mae_ok': o['mae_ms'] <= TARGETS['mae_ms'],
                      'within_50_ok': o['within_50ms_pct'] >= TARGETS['within_50ms_pct'],
                      'better_than_pocketsphinx': o['mae_ms'] < p['mae_ms'] and o['within_50ms_pct'] >= p['within_50ms_pct']}
    log('ljspeech_aligned: ours MAE %.1f ms, %.1f%% within 50 ms | PocketSphinx %.1f ms, %.1f%% | targets <= %.0f ms, >= %.0f%%'
        % (o['mae_ms'], o['within_50ms_pct'], p['mae_ms'], p['within_50ms_pct'], TARGETS['mae_ms'], TARGETS['within_50ms_pct']))
    if json_path:
        os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
        if os.path.exists(json_path):   # the board's energy rows (h7voice align --bench --board) stay
            with open(json_path) as f:
                try:
                    old = json.load(f)
                except ValueError:
                    old = {}
            if 'energy_10s' in old:
                out['energy_10s'] = old['energy_10s']
        with open(json_path + '.tmp', 'w') as f:
            json.dump(out, f, indent=1)
        os.replace(json_path + '.tmp', json_path)
        log('wrote %s' % json_path)
    return out
