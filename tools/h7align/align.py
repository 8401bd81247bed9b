"""Forced alignment on the host: text + audio -> word and phone boundaries.

    text --g2p.normalise--> words --g2p.pronounce--> phones (CMU dictionary, else the
    letter-to-sound rules) --graph.compile_graph--> a transcript graph per window
    audio --h7phones.acoustic.PhoneModel (the board's C front end + engine)--> per-frame
    phone log-probs --h7dec (C, ALIGN mode, partial traceback)--> phone segments

Bounded memory for any length: the decoder's partial traceback commits segments as soon
as every live hypothesis agrees on them, and the transcript is fed in windows of
`window_words` words: a window's graph covers words [i, i + W); once the decoder has
committed the start of word i + W/2, words [i, i + W/2) are final (every hypothesis
agrees on them) and the next window starts at the end of word i + W/2 - 1 (the anchor),
so graph, decoder workspace and history never grow with the text or the audio.

Times (first principles, no fitting): frame t of the front end is samples
[t * hop, t * hop + window) (no padding), so its centre is t * hop + window / 2; a
boundary between frames t - 1 and t lies half-way between their centres, at
t * hop + (window - hop) / 2 samples. The phone model's rows are already the frames they
describe (the model's lookahead is taken out by PhoneModel; see frame_offset()).
"""
import os

import numpy as np

from h7speech import decoder as D
from h7speech import g2p, graph
from h7speech import phones as P

WINDOW_WORDS = 24          # transcript window (graph) size; half of it is committed per window
BEAM_NATS = 40.0           # alignment beam: the graph is small, so a wide beam costs little
MAX_ACTIVE = 600
SIL_PENALTY = 0.0          # nats added for an optional pause between words
SCORE_ONE = D.SCORE_ONE
MAX_WORD_CHARS = 48


class AlignError(ValueError):
    """Input the aligner cannot take (one line that says why and what to do)."""


# ---- text ----
def words_of(text):
    """Text -> the normalised words (g2p.normalise); refuses empty or non-ASCII text."""
    if not isinstance(text, str):
        raise AlignError('the transcript must be text')
    t = text.replace('\u2019', "'").replace('\u2018', "'").replace('\u201c', '"').replace('\u201d', '"')
    for i, c in enumerate(t):
        if ord(c) > 127:
            raise AlignError('the transcript has a non-ASCII character %r at position %d; '
                             'write it in plain ASCII English (e.g. cafe for caf\u00e9)' % (c, i))
    if not t.strip():
        raise AlignError('the transcript is empty: give the words that were spoken')
    words = g2p.normalise(t)
    if not words:
        raise AlignError('the transcript has no words (only punctuation or symbols)')
    for w in words:
        if len(w) > MAX_WORD_CHARS:
            raise AlignError('word %r is longer than %d letters' % (w[:20] + '...', MAX_WORD_CHARS))
    return words


def pronunciations(words):
    """[[pron, ...], ...] per word (all dictionary variants, else one from the rules)."""
    out = []
    for w in words:
        try:
            prons, _ = g2p.pronounce(w)
        except g2p.G2PError as e:
            raise AlignError(str(e)) from None
        out.append([list(p) for p in prons])
    return out


def window_graph(first, prons):
    """The transcript graph of words first.. (labels: the global word index), optional
    silence before, between and after the words."""
    items = []
    for k, pr in enumerate(prons):
        if k:
            items.append(graph.Opt(graph.Sil(), SIL_PENALTY) if SIL_PENALTY else graph.Opt(graph.Sil()))
        items.append(graph.Word(str(first + k), pr))
    expr = graph.Seq(items) if len(items) > 1 else items[0]
    return graph.compile_graph(expr, silence=True)


# ---- timing ----
class Timing:
    """Frame index -> seconds for the front end the model uses."""

    def __init__(self, hop, window, rate=16000):
        self.hop, self.window, self.rate = hop, window, rate

    def boundary_s(self, t):
        return (t * self.hop + (self.window - self.hop) / 2) / self.rate


# ---- alignment of scores ----
def _segments_of_window(dec, scores, f0, first, stop_word, last):
    """Runs one window from frame f0; returns (segments with absolute frames, frame where it
    stopped, reached_final). Stops (non-last windows) as soon as the start of word
    `stop_word` is committed."""
    segs, f, F = [], f0, len(scores)
    while f < F:
        block = scores[f:f + 8]
        got = dec.step(block)
        f += len(block)
        segs += got
        if not last and any(s['word'] is not None and int(s['word']) >= stop_word for s in got):
            return segs, f, True
    res, rest = dec.best()
    return segs + rest, f, res['reached_final']


def align_scores(prons, scores, window_words=WINDOW_WORDS, beam=BEAM_NATS, max_active=MAX_ACTIVE,
                 stats=None):
    """prons: per word, its pronunciations; scores: frames x 41 int32 (decoder.scores).
    Returns phone segments [{'word': index or None, 'phone', 'start', 'end', 'score'}]
    (frames, absolute; score in nats) covering the audio."""
    scores = np.ascontiguousarray(scores, dtype=np.int32)
    n, F = len(prons), len(scores)
    need = sum(min(len(p) for p in pr) for pr in prons)
    if F < need:
        raise AlignError('the text is too long for the audio: %d words need at least %d frames '
                         '(%.2f s), the audio has %d (%.2f s)' % (n, need, need * 0.02, F, F * 0.02))
    half = max(1, window_words // 2)
    out, i, f0 = [], 0, 0
    while i < n:
        j = min(n, i + window_words)
        last = j == n
        keep = n if last else i + half
        dec = D.Decoder(window_graph(i, prons[i:j]), D.ALIGN, beam=beam, max_active=max_active)
        segs, f, ok = _segments_of_window(dec, scores[f0:], 0, i, keep, last)
        if stats is not None:
            st = dec.stats()
            stats['windows'] = stats.get('windows', 0) + 1
            stats['workspace_max'] = max(stats.get('workspace_max', 0), dec.workspace_bytes)
            stats['forced_commits'] = stats.get('forced_commits', 0) + st['forced_commits']
        # word index of every segment (phones after a word's first phone carry no label)
        cur, tagged = None, []
        for s in segs:
            if s['phone'] == 'SIL':
                cur = None
            elif s['word'] is not None:
                cur = int(s['word'])
            tagged.append(dict(word=cur if s['phone'] != 'SIL' else None, phone=s['phone'],
                               start=s['start'] + f0, end=s['end'] + f0, score=s['score']))
        if last:
            if not ok:
                raise AlignError('the audio ended before the transcript did: the text is longer '
                                 'than what was said (or the audio is cut)')
            out += tagged
            break
        if not ok:
            raise AlignError('the audio ended before the transcript did (word %d of %d not reached)'
                             % (keep + 1, n))
        # final: everything before the first segment of word `keep` minus a trailing pause
        cut = next(k for k, s in enumerate(tagged) if s['word'] is not None and s['word'] >= keep)
        final = tagged[:cut]
        while final and final[-1]['word'] is None:
            final.pop()
        out += final
        f0 = final[-1]['end'] if final else f0
        i = keep
    return out


def words_from_segments(words, segs, timing):
    """Phone segments -> (word records, phone records) with seconds. A word's score is its
    phones' mean log-probability per frame (nats, 0 = certain), computed in integers the
    way the board does."""
    W, Ph = [], []
    by_word = {}
    for s in segs:
        Ph.append({'phone': s['phone'], 'word': None if s['word'] is None else words[s['word']],
                   'start_s': round(timing.boundary_s(s['start']), 3),
                   'end_s': round(timing.boundary_s(s['end']), 3),
                   'score': mean_score(int(round(s['score'] * SCORE_ONE)), s['end'] - s['start'])})
        if s['word'] is not None:
            b = by_word.setdefault(s['word'], [s['start'], s['end'], 0])
            b[1] = s['end']
            b[2] += int(round(s['score'] * SCORE_ONE))
    for k, w in enumerate(words):
        if k not in by_word:
            raise AlignError('word %d (%r) got no segment: the alignment is incomplete' % (k + 1, w))
        a, b, sc = by_word[k]
        W.append({'word': w, 'start_s': round(timing.boundary_s(a), 3),
                  'end_s': round(timing.boundary_s(b), 3), 'score': mean_score(sc, b - a)})
    return W, Ph


def mean_score(units, frames):
    """Mean per-frame score in nats, rounded to 1/1000 in integer arithmetic (the board
    prints the same digits)."""
    frames = max(1, frames)
    milli = units * 1000
    q = (abs(milli) + frames * SCORE_ONE // 2) // (frames * SCORE_ONE)
    return (-q if milli < 0 else q) / 1000.0


# ---- the acoustic model ----
def phone_model(tflite=None):
    try:
        from h7phones import acoustic
    except ImportError as e:
        from h7voice import paths
        raise paths.MissingPart('the phone model scoring path (tools/h7phones/acoustic.py, issue 13) '
                                'is not in this tree (%s): merge wt-phonesapp' % e) from None
    return acoustic.PhoneModel(tflite) if tflite else acoustic.PhoneModel()


def timing_of(model):
    """Frame times of the model's front end (hop and window from its config)."""
    hop = getattr(model, 'hop_length', None)
    win = getattr(model, 'window_length', None)
    if hop is None or win is None:
        import json
        from h7voice import paths
        with open(os.path.join(paths.FIRMWARE, 'frontend', 'configs', 'phones_mel40.json')) as f:
            c = json.load(f)
        hop, win = c['hop_length'], c['window_length']
    return Timing(hop, win)


class Aligner:
    """h7voice align on the host: the phone model's C scores + the C decoder."""

    def __init__(self, model=None, window_words=WINDOW_WORDS, beam=BEAM_NATS):
        self.model = model if model is not None else phone_model()
        self.timing = timing_of(self.model)
        self.window_words, self.beam = window_words, beam

    def logprobs(self, samples):
        return np.asarray(self.model.scores(np.asarray(samples, dtype=np.int16)), dtype=np.float32)

    def align(self, samples, text, logp=None, stats=None):
        words = words_of(text)
        if len(samples) == 0:
            raise AlignError('the audio is empty')
        prons = pronunciations(words)
        if logp is None:
            logp = self.logprobs(samples)
        if len(logp) == 0:
            raise AlignError('the audio is too short for one frame of the phone model')
        s = D.scores(logp)
        segs = align_scores(prons, s, self.window_words, self.beam, stats=stats)
        W, Ph = words_from_segments(words, segs, self.timing)
        return {'words': W, 'phones': Ph}
