"""Forced alignment on the host: text + audio -> word and phone boundaries.

    audio --h7phones.acoustic.PhoneModel (the board's C front end + engine)--> per-frame
    phone log-probs --h7dec_scores--> scores
    text + scores --the align image's C core (core.py: normalisation, on-chip lexicon +
    letter-to-sound, window graphs, streaming h7dec ALIGN)--> phone segments

Bounded memory for any length (firmware/apps/align/align_core.h): the decoder's partial
traceback commits segments as soon as every live hypothesis agrees on them, and the
transcript is fed in windows of 24 words: once the decoder has committed the start of
word i + 12, words [i, i + 12) are final and the next window starts at the end of word
i + 11 (the anchor), so graph, decoder workspace and history never grow.

Times (first principles, no fitting): frame t of the front end is samples
[t * hop, t * hop + window) (no padding), so its centre is t * hop + window / 2; a
boundary between frames t - 1 and t lies half-way between their centres, at
t * hop + (window - hop) / 2 samples. The phone model's rows are already the frames they
describe (the model's lookahead is taken out by PhoneModel; see frame_offset()).
"""
import numpy as np

from h7speech import decoder as D

from . import core

SCORE_ONE = D.SCORE_ONE


class AlignError(ValueError):
    """Input the aligner cannot take (one line that says why and what to do)."""


# ---- text ----
def words_of(text):
    """The transcript's normalised words, as the board makes them (AlignError on empty,
    non-ASCII or oversized text)."""
    if not isinstance(text, str):
        raise AlignError('the transcript must be text')
    try:
        return core.words(text)
    except core.CoreError as e:
        raise AlignError(str(e)) from None


# ---- timing ----
class Timing:
    """Frame index -> seconds for the front end the model uses."""

    def __init__(self, hop, window, rate=16000):
        self.hop, self.window, self.rate = hop, window, rate

    def boundary_s(self, t):
        """The frame grid: the boundary before frame t."""
        return (t * self.hop + (self.window - self.hop) / 2) / self.rate

    def reported_s(self, t):
        """Frame boundary t as the aligner reports it (ALIGN_REF_OFFSET_MS added, not below 0),
        without the sub-frame part: for times that come from whole frames (phrase hits)."""
        return max(0.0, round(self.boundary_s(t) + core.ref_offset_ms() / 1000.0, 3))

    def frame_of(self, t_s):
        """The frame boundary nearest a reported time (inverse of reported_s; the sub-frame
        part is within half a frame)."""
        grid = (t_s - core.ref_offset_ms() / 1000.0) * self.rate - (self.window - self.hop) / 2
        return max(0, int(round(grid / self.hop)))


# ---- alignment of scores ----
def align_scores(text, scores, stats=None):
    """text + frames x 41 int32 scores (decoder.scores) -> phone segments
    [{'word': index or -1, 'phone', 'start', 'end', 'score' (1/256 nat)}], by the board's
    C core (firmware/apps/align/align_core.c)."""
    try:
        segs, st = core.run(text, scores)
    except core.CoreError as e:
        raise AlignError(str(e)) from None
    if stats is not None:
        stats.update(st)
    return segs


def words_from_segments(words, segs, timing=None):
    """Phone segments -> (word records, phone records) with seconds (the core's boundaries
    in ms: align_boundary_ms, as the board prints them). A word's score is its phones' mean
    log-probability per frame (nats, 0 = certain), a phone's gop its mean score minus the
    frame's best (nats, 0 = the model's first choice), computed in integers the way the board
    does."""
    W, Ph = [], []
    by_word = {}
    for s in segs:
        Ph.append({'phone': s['phone'], 'word': None if s['word'] < 0 else words[s['word']],
                   'start_s': s['start_ms'] / 1000.0, 'end_s': s['end_ms'] / 1000.0,
                   'score': mean_score(s['score'], s['end'] - s['start']),
                   'gop': mean_score(s['gop'], s['gop_frames'])})
        if s['word'] >= 0:
            b = by_word.setdefault(s['word'], [s['start'], s['end'], 0, s['start_ms'], s['end_ms']])
            b[1], b[4] = s['end'], s['end_ms']
            b[2] += s['score']
    for k, w in enumerate(words):
        if k not in by_word:
            raise AlignError('word %d (%r) got no segment: the alignment is incomplete' % (k + 1, w))
        a, b, sc, a_ms, b_ms = by_word[k]
        W.append({'word': w, 'start_s': a_ms / 1000.0, 'end_s': b_ms / 1000.0, 'score': mean_score(sc, b - a)})
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
    """Frame times of the model's front end (hop and window of the C front end the model
    runs); the board's align_frame_ms (20 t + 5 ms) assumes phones_mel40, checked here."""
    t = Timing(model.hop_samples, model.window_samples)
    if (t.hop, t.window) != (320, 480):
        raise AlignError('the phone model uses a %d-sample hop and a %d-sample window; the aligner '
                         '(align_frame_ms) is built for 320 and 480 (phones_mel40)' % (t.hop, t.window))
    return t


class Aligner:
    """h7voice align on the host: the phone model's C scores + the C decoder."""

    def __init__(self, model=None):
        self.model = model if model is not None else phone_model()
        self.timing = timing_of(self.model)

    def logprobs(self, samples):
        return np.asarray(self.model.scores(np.asarray(samples, dtype=np.int16)), dtype=np.float32)

    def align(self, samples, text, logp=None, stats=None):
        words = words_of(text)
        if len(samples) == 0:
            raise AlignError('the audio is empty')
        if logp is None:
            logp = self.logprobs(samples)
        if len(logp) == 0:
            raise AlignError('the audio is too short for one frame of the phone model')
        s = D.scores(logp)
        segs = align_scores(text, s, stats=stats)
        W, Ph = words_from_segments(words, segs, self.timing)
        return {'words': W, 'phones': Ph}
