"""Frame targets (one phone per 20 ms hop of phones_mel40) for the real speech, from
PocketSphinx 5.1.1's real-trained en-us model (the pocketsphinx wheel in the venv).

- transcribed clips (speech_commands_dev words, mycroft English clips, transcribed_misc):
  forced alignment of the transcript (words not in the CMU dictionary get their phones from
  h7speech.g2p); silence clips ('' transcript) are all SIL;
- librispeech_samples (no transcripts): pseudo-labels: PocketSphinx's n-gram LM decoding,
  then a phone alignment of that hypothesis; clips whose alignment score per frame is below
  PSEUDO_MIN_SCORE are dropped (a poor fit = a wrong hypothesis).

PocketSphinx phones are already stress-free ARPAbet; SIL and the fillers (+NSN+, +SPN+, ...)
map to SIL. Its frames are 10 ms (frame j centred near 10 j + 12.8 ms); ours are 20 ms hops
with a 30 ms window (frame i centred at 20 i + 15 ms): frame i takes PocketSphinx frame 2 i.

Cache: paths.CACHE/h7phones/labels-<VERSION>/<corpus>.npz, keyed by the file list.
"""
import hashlib
import json
import os
import sys

import numpy as np

from h7speech import phones as P
from h7voice import paths

from . import dataset

# Bump when the labelling changes (invalidates the cache): ALIGN_VERSION for transcribed
# corpora (forced alignment), PSEUDO_VERSION for the LM pseudo-labels (librispeech).
ALIGN_VERSION = 5
PSEUDO_VERSION = 3
VERSION = (ALIGN_VERSION, PSEUDO_VERSION)
WORD_SPLIT_SCORE = -15.0   # marks word-level (phones split evenly) targets in the cache
WIDE_BEAMS = {'beam': 1e-80, 'pbeam': 1e-80, 'wbeam': 1e-60}   # retry of a failed alignment
HOP = 320            # samples per frame of phones_mel40
WINDOW = 480
PSEUDO_MIN_SCORE = -18.0   # mean score per 10 ms frame; keeps ~60% (median -16.4; a correct
#                            transcript of a long ljspeech clip scores about -15)
IGNORE = -1          # label of frames without a target


def frames_for(n_samples):
    """Frames the C front end gives for n samples (1 + (n - window) // hop)."""
    return 0 if n_samples < WINDOW else 1 + (n_samples - WINDOW) // HOP


def map_phone(name):
    """Our phone index of a PocketSphinx phone name (stress stripped; SIL/fillers -> SIL)."""
    base = name.strip().upper().rstrip('012')
    if base in P.INDEX and base != '<BLANK>':
        return P.INDEX[base]
    if base == 'SIL' or (base.startswith('+') and base.endswith('+')) or base.startswith('<') \
            or base.startswith('['):
        return P.SIL
    raise ValueError(f'PocketSphinx phone {name!r} has no counterpart in {P.NAME}')


def to_hops(ps_labels, n_samples):
    """10 ms PocketSphinx frame labels -> one label per phones_mel40 frame."""
    n = frames_for(n_samples)
    out = np.full(n, IGNORE, np.int8)
    if len(ps_labels):
        idx = np.minimum(2 * np.arange(n), len(ps_labels) - 1)
        out[:] = np.asarray(ps_labels, np.int8)[idx]
    return out


class Aligner:
    """One PocketSphinx decoder (loading the model takes ~0.3 s: reuse it)."""

    def __init__(self):
        import pocketsphinx as ps
        self._ps = ps
        self.dec = ps.Decoder(loglevel='ERROR')
        self.lm_search = self.dec.current_search()
        self._added = set()
        self._wide = None

    def wide(self):
        """The same aligner with wide beams (long utterances fall off the default beams)."""
        if self._wide is None:
            self._wide = Aligner.__new__(Aligner)
            self._wide._ps = self._ps
            self._wide.dec = self._ps.Decoder(loglevel='ERROR', **WIDE_BEAMS)
            self._wide.lm_search = self._wide.dec.current_search()
            self._wide._added = set()
            self._wide._wide = self._wide
        return self._wide

    def _ensure_words(self, words):
        from h7speech import g2p
        for w in words:
            if w in self._added or self.dec.lookup_word(w) is not None:
                continue
            prons, _ = g2p.pronounce(w)
            self.dec.add_word(w, ' '.join(prons[0]), True)
            self._added.add(w)

    def _decode(self, raw):
        self.dec.start_utt()
        self.dec.process_raw(raw, full_utt=True)
        self.dec.end_utt()

    def _phone_frames(self, raw):
        """Second pass over the current hypothesis: (labels per 10 ms frame, score/frame,
        phones [(name, start, dur)])."""
        self.dec.set_alignment()
        self._decode(raw)
        al = self.dec.get_alignment()
        if al is None:
            return None
        n = self.dec.n_frames()
        lab = np.full(n, P.SIL, np.int8)
        total, ph = 0, []
        for p in al.phones():
            lab[p.start:p.start + p.duration] = map_phone(p.name)
            total += p.score
            ph.append((p.name, p.start, p.duration))
        return lab, total / max(n, 1), ph

    def align(self, samples, text, retry=True):
        """(labels per hop int8, score per 10 ms frame) of a transcript, or None when
        PocketSphinx cannot align it (also not with WIDE_BEAMS)."""
        from h7speech import g2p
        words = g2p.normalise(text) if text else []
        if not words:
            return np.full(frames_for(len(samples)), P.SIL, np.int8), 0.0
        self._ensure_words(words)
        raw = np.ascontiguousarray(samples, np.int16).tobytes()
        try:
            self.dec.set_align_text(' '.join(words))
            self._decode(raw)
            segs = [(s.word, s.start_frame, s.end_frame) for s in (self.dec.seg() or [])]
            try:
                r = self._phone_frames(raw)
            except RuntimeError:
                r = None
            if r is None or self._incomplete(r[2], words):
                # the state-level pass fails on some long clips while the word pass is
                # complete: split each word's frames evenly among its dictionary phones
                r = self._from_words(segs, words)
        except RuntimeError:
            return None
        finally:
            self.dec.activate_search(self.lm_search)
        if r is None or self._incomplete(r[2], words):
            if retry and self.wide() is not self:
                return self.wide().align(samples, text, retry=False)
            return None
        return to_hops(r[0], len(samples)), r[1]

    def _from_words(self, segs, words):
        """(labels per 10 ms, score, phones) from the word segmentation, or None when the
        word pass itself is incomplete."""
        spoken = [w for w, _, _ in segs if not w.startswith('<') and not w.startswith('[')]
        if len(spoken) != len(words) or not segs:
            return None
        n = max(e for _, _, e in segs) + 1
        lab = np.full(n, P.SIL, np.int8)
        phones = []
        for w, a, b in segs:
            pron = self.dec.lookup_word(w)
            if w.startswith('<') or w.startswith('[') or not pron:
                continue
            ph = pron.split()
            cuts = np.linspace(a, b + 1, len(ph) + 1).round().astype(int)
            for p, c0, c1 in zip(ph, cuts[:-1], cuts[1:]):
                lab[c0:c1] = map_phone(p)
                phones.append((p, int(c0), int(c1 - c0)))
        return lab, WORD_SPLIT_SCORE, phones

    @staticmethod
    def _incomplete(phones, words):
        """A failed search still returns a partial path (PocketSphinx logs 'Final result
        does not match the grammar'): fewer speech phones than the words need."""
        speech = [p for p, _, _ in phones if map_phone(p) != P.SIL]
        return len(speech) < len(words)

    def recognise(self, samples):
        """(hypothesis text, labels per hop, score per frame): n-gram LM decoding, then the
        phone alignment of that hypothesis (pseudo-labels)."""
        raw = np.ascontiguousarray(samples, np.int16).tobytes()
        self.dec.activate_search(self.lm_search)
        self._decode(raw)
        hyp = self.dec.hyp()
        text = hyp.hypstr if hyp is not None else ''
        if not text.strip():
            return text, np.full(frames_for(len(samples)), P.SIL, np.int8), 0.0
        try:
            r = self._phone_frames(raw)
        except RuntimeError:
            r = None
        finally:
            self.dec.activate_search(self.lm_search)
        if r is None:
            return text, None, -1e9
        return text, to_hops(r[0], len(samples)), r[1]


def _cache_file(corpus, items):
    version = PSEUDO_VERSION if corpus == 'librispeech_samples' else ALIGN_VERSION
    key = json.dumps([version, corpus, [os.path.relpath(it['file'], paths.SHARED) for it in items]])
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    return os.path.join(paths.CACHE, 'h7phones', f'labels-v{version}', f'{corpus}-{digest}.npz')


def _label_one(args):
    it, = args
    global _ALIGNER
    if _ALIGNER is None:
        _ALIGNER = Aligner()
    x = dataset.read_audio(it['file'])
    if it['text'] is None:
        text, lab, score = _ALIGNER.recognise(x)
    else:
        text = it['text']
        r = _ALIGNER.align(x, text)
        lab, score = (None, -1e9) if r is None else r
    return text, lab, score


_ALIGNER = None


def corpus_labels(corpus, workers=1, log=None):
    """Labels of every English real clip of a corpus (train and eval splits alike):
    dict(files [n] (relative to ../shared), text [n], score [n], offsets [n+1], labels
    [sum frames] int8 (IGNORE for clips PocketSphinx could not align)). Cached."""
    items = dataset.real_items(corpus)
    path = _cache_file(corpus, items)
    if os.path.exists(path):
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    if workers > 1:
        import multiprocessing as mp
        with mp.get_context('fork').Pool(workers) as pool:
            results = []
            for i, r in enumerate(pool.imap(_label_one, [(it,) for it in items], chunksize=4)):
                results.append(r)
                if log and i % 100 == 0:
                    log(f'{corpus}: {i}/{len(items)}')
    else:
        results = []
        for i, it in enumerate(items):
            results.append(_label_one((it,)))
            if log and i % 100 == 0:
                log(f'{corpus}: {i}/{len(items)}')
    labs, offsets = [], [0]
    for it, (text, lab, score) in zip(items, results):
        n = frames_for(int(round(it['duration_s'] * 16000)))
        if lab is None:
            lab = np.full(n, IGNORE, np.int8)
        labs.append(lab)
        offsets.append(offsets[-1] + len(lab))
    out = {'files': np.array([os.path.relpath(it['file'], paths.SHARED) for it in items]),
           'text': np.array([r[0] for r in results]),
           'score': np.array([r[2] for r in results], np.float32),
           'offsets': np.array(offsets, np.int64),
           'labels': np.concatenate(labs) if labs else np.zeros(0, np.int8)}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.tmp.npz'
    np.savez(tmp, **out)
    os.replace(tmp, path)
    return out


def clip_labels(data, i):
    return data['labels'][data['offsets'][i]:data['offsets'][i + 1]]


def main(argv=None):
    """python -m h7phones.labels [CORPUS ...] [--workers N]: builds (or reads) the cache and
    prints per corpus: clips, aligned, mean score, frames per phone class."""
    import argparse
    ap = argparse.ArgumentParser(prog='h7phones.labels')
    ap.add_argument('corpus', nargs='*', default=[c for c in dataset.CORPORA])
    ap.add_argument('--workers', type=int, default=1)
    a = ap.parse_args(argv)
    for c in a.corpus:
        d = corpus_labels(c, a.workers, log=lambda m: print(m, file=sys.stderr, flush=True))
        ok = d['score'] > -1e8
        print(f'{c}: {len(d["files"])} clips, {int(ok.sum())} aligned, score/frame median '
              f'{np.median(d["score"][ok]) if ok.any() else float("nan"):.2f}, '
              f'{int((d["labels"] >= 0).sum())} labelled frames', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())


def mfa_labels(corpus_file, n_samples):
    """Per-hop targets of a ljspeech_aligned clip from its Montreal-Forced-Aligner phone
    tier (an aligner independent of PocketSphinx: the second reference of the held-out
    measurement). '' / sil / sp -> SIL, spn -> IGNORE."""
    import re
    utt = os.path.splitext(os.path.basename(corpus_file))[0]
    path = dataset.data_path('ljspeech_aligned', 'textgrid', utt + '.TextGrid')
    text = open(path, encoding='utf-8').read()
    tier = text.split('name = "phones"', 1)[1]
    ivs = re.findall(r'xmin = ([\d.]+)\s+xmax = ([\d.]+)\s+text = "([^"]*)"', tier)
    n = frames_for(n_samples)
    centre = (np.arange(n) * HOP + WINDOW / 2) / 16000.0
    out = np.full(n, P.SIL, np.int8)
    for a, b, name in ivs:
        name = name.strip().upper()
        sel = (centre >= float(a)) & (centre < float(b))
        if name in ('', 'SIL', 'SP'):
            out[sel] = P.SIL
        elif name == 'SPN':
            out[sel] = IGNORE
        else:
            out[sel] = map_phone(name)
    return out
