"""The windowed aligner on posteriors with a known answer: the C decoder must give back
the boundaries the posteriors were made from, the same with small windows (anchors,
bounded memory) as with the whole transcript in one graph."""
import numpy as np

from h7align import align as A
from h7speech import decoder as D
from h7speech import phones as P

WORDS = ('the quick brown fox jumps over a lazy dog while seven old men sing '
         'printing in the only sense with which we are concerned').split()


def _case(seed, n_words=24):
    rng = np.random.default_rng(seed)
    words = [WORDS[k] for k in rng.integers(0, len(WORDS), n_words)]
    prons = A.pronunciations(words)
    frames, truth = [], []   # truth: (word index, start frame, end frame)
    def put(phone, n):
        frames.extend([P.INDEX[phone]] * n)
    put('SIL', int(rng.integers(3, 10)))
    for k, pr in enumerate(prons):
        if k and rng.random() < 0.3:
            put('SIL', int(rng.integers(2, 12)))
        start = len(frames)
        for ph in pr[0]:
            put(ph, int(rng.integers(2, 9)))
        truth.append((k, start, len(frames)))
    put('SIL', 6)
    logp = np.full((len(frames), P.COUNT), -6.0, dtype=np.float32)
    logp += rng.normal(0, 0.5, logp.shape).astype(np.float32)
    logp[np.arange(len(frames)), frames] = -0.05
    return words, prons, D.scores(logp), truth


def _words(segs, n):
    got = {}
    for s in segs:
        if s['word'] is not None:
            a, b = got.get(s['word'], (s['start'], s['end']))
            got[s['word']] = (min(a, s['start']), max(b, s['end']))
    return [(k,) + got[k] for k in range(n)]


def test_windows_recover_the_boundaries_and_match_one_graph():
    for seed in (1, 2):
        words, prons, s, truth = _case(seed)
        stats = {}
        small = A.align_scores(prons, s, window_words=6, stats=stats)
        whole = A.align_scores(prons, s, window_words=1000)
        assert _words(small, len(words)) == truth
        assert _words(whole, len(words)) == truth
        assert stats['windows'] >= 4 and stats['forced_commits'] == 0
        # segments tile the audio
        assert small[0]['start'] == 0 and small[-1]['end'] == len(s)
        assert all(a['end'] == b['start'] for a, b in zip(small, small[1:]))


def test_times_follow_the_frame_centres():
    t = A.Timing(hop=320, window=480)
    assert t.boundary_s(0) == 0.005 and abs(t.boundary_s(10) - 0.205) < 1e-9


def test_bad_text_is_one_clear_error():
    import pytest
    for text, part in [('', 'empty'), ('  ,;  ', 'no words'), ('caf\u00e9 au lait', 'non-ASCII')]:
        with pytest.raises(A.AlignError, match=part):
            A.words_of(text)
    words, prons, s, _ = _case(3, n_words=8)
    with pytest.raises(A.AlignError, match='too long'):
        A.align_scores(prons * 20, s[:50])
