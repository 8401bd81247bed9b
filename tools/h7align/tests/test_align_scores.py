"""The align image's C core (host build) on posteriors with a known answer: it must give
back the boundaries the posteriors were made from, across several transcript windows
(anchors, bounded memory); its words and pronunciations are the host G2P's."""
import json
import os

import numpy as np
import pytest

from h7align import align as A
from h7align import core
from h7speech import decoder as D
from h7speech import g2p
from h7speech import phones as P
from h7voice import paths

WORDS = ('the quick brown fox jumps over a lazy dog while seven old men sing '
         'printing in the only sense with which we are concerned').split()


def _case(seed, n_words=40, pauses=None):
    """Posteriors of random words (pauses: {word index: frames of pause before it})."""
    rng = np.random.default_rng(seed)
    words = [WORDS[k] for k in rng.integers(0, len(WORDS), n_words)]
    frames, truth = [], []   # truth: (word index, start frame, end frame)

    def put(phone, n):
        frames.extend([P.INDEX[phone]] * n)
    put('SIL', int(rng.integers(3, 10)))
    for k, w in enumerate(words):
        if pauses and k in pauses:
            put('SIL', pauses[k])
        elif k and rng.random() < 0.3:
            put('SIL', int(rng.integers(2, 12)))
        start = len(frames)
        for ph in core.pronounce(w)[0]:
            put(ph, int(rng.integers(2, 9)))
        truth.append((k, start, len(frames)))
    put('SIL', 6)
    logp = np.full((len(frames), P.COUNT), -6.0, dtype=np.float32)
    logp += rng.normal(0, 0.5, logp.shape).astype(np.float32)
    logp[np.arange(len(frames)), frames] = -0.05
    return words, D.scores(logp), truth


def _words(segs, n):
    got = {}
    for s in segs:
        if s['word'] >= 0:
            a, b = got.get(s['word'], (s['start'], s['end']))
            got[s['word']] = (min(a, s['start']), max(b, s['end']))
    return [(k,) + got[k] for k in range(n)]


def test_windows_recover_the_boundaries():
    for seed in (1, 2):
        words, s, truth = _case(seed)
        stats = {}
        segs = A.align_scores(' '.join(words), s, stats=stats)
        assert _words(segs, len(words)) == truth
        assert stats['windows'] >= 3 and stats['forced_commits'] == 0
        assert segs[0]['start'] == 0 and segs[-1]['end'] == len(s)     # the segments tile the audio
        assert all(a['end'] == b['start'] for a, b in zip(segs, segs[1:]))
        # the reported boundaries tile the audio too, across window cuts (the anchor's ms)
        assert all(a['end_ms'] == b['start_ms'] for a, b in zip(segs, segs[1:]))
        off = core.ref_offset_ms()
        assert all(abs(x['start_ms'] - (20 * x['start'] + 5 + off)) <= 10 for x in segs if x['start'])


def test_a_pause_longer_than_the_ring_at_a_window_cut_keeps_the_anchor():
    # 7 s of silence before word 12, where the first window (24 words) hands over to the
    # second: the end of word 11 leaves the 5.1 s score ring before word 12 is committed
    words, s, truth = _case(5, n_words=30, pauses={12: 350})
    stats = {}
    segs = A.align_scores(' '.join(words), s, stats=stats)
    assert _words(segs, len(words)) == truth
    assert stats['pause_cuts'] == 1
    assert all(a['end'] == b['start'] and a['end_ms'] == b['start_ms'] for a, b in zip(segs, segs[1:]))


def test_one_bad_window_does_not_shift_the_rest():
    # the audio of words 5-9 is garbage (each frame's best phone a random one: noise over
    # the speech), and the text has a word there the speaker never said: those words may be
    # placed anywhere in that stretch, but every word after it must be back on its own frames
    words, s, truth = _case(7, n_words=60)   # a seed without two same phones across a word boundary
    bad_a, bad_b = truth[5][1], truth[9][2]
    rng = np.random.default_rng(55)
    garbage = np.full((bad_b - bad_a, P.COUNT), -6.0, dtype=np.float32) + rng.normal(0, 0.5, (bad_b - bad_a, P.COUNT))
    garbage[np.arange(bad_b - bad_a), rng.integers(1, P.COUNT, bad_b - bad_a)] = -0.05
    s = s.copy()
    s[bad_a:bad_b] = D.scores(garbage.astype(np.float32))
    text_words = words[:7] + ['sing'] + words[7:]   # an extra word the speaker never said
    segs = A.align_scores(' '.join(text_words), s)
    got = _words(segs, len(text_words))
    after = [(k - 1, a, b) for k, a, b in got[11:]]
    # the word right after the stretch (here a 3-frame "a") may be placed in the garbage and
    # the next one start early, taking its frames; from the one after that, everything is exact
    assert after[1][2] == truth[11][2] and after[2:] == truth[12:]
    assert all(bad_a - 30 <= a and b <= truth[11][2] for _, a, b in got[5:12])


def test_a_stretch_with_no_information_does_not_stop_the_alignment():
    # words 5-9 have flat scores (every phone equally likely for 2 s: no hypothesis ever
    # wins, their histories fill the decoder's link pool; this used to end the alignment
    # with "pool full") and the text has a word never said there: the words after the
    # stretch are exact again (the first may take some of it as its start)
    words, s, truth = _case(5, n_words=60)   # (its words 39-40 share a phone across their boundary)
    bad_a, bad_b = truth[5][1], truth[9][2]
    s = s.copy()
    s[bad_a:bad_b] = s[bad_a:bad_b].mean()
    stats = {}
    segs = A.align_scores(' '.join(words[:7] + ['sing'] + words[7:]), s, stats=stats)
    assert stats['forced_commits'] >= 1
    after = [(k - 1, a, b) for k, a, b in _words(segs, len(words) + 1)[11:]]
    assert after[0][2] == truth[10][2] and after[1:28] == truth[11:38]
    assert all(a['end'] == b['start'] and a['end_ms'] == b['start_ms'] for a, b in zip(segs, segs[1:]))


def test_board_words_and_pronunciations_are_the_host_g2p():
    text = ("It's 2 o'clock & the 21st of May, 1990s mp3 3.5 1905 1,000 AT&T 100% c++ 2nd 11th "
            "well-known don't 'quoted' a/b x_y Printing, in the only sense")
    assert core.words(text) == g2p.normalise(text)
    for w in ['the', 'read', 'woodcutters', 'blorptastic', 'zzyzx', "don't", 'comparatively']:
        assert core.pronounce(w) == g2p.pronounce(w)[0][:8], w


def test_times_follow_the_frame_centres():
    with open(os.path.join(paths.FIRMWARE, 'frontend', 'configs', 'phones_mel40.json')) as f:
        c = json.load(f)
    t = A.Timing(hop=c['hop_length'], window=c['window_length'])
    # the board's align_frame_ms(t) = 20 t + 5 is this for the phone model's front end
    assert t.boundary_s(0) == 0.005 and abs(t.boundary_s(10) - 0.205) < 1e-9


def test_boundary_is_where_the_scores_cross():
    import ctypes
    f = core.lib().align_boundary_ms
    f.restype = ctypes.c_int32
    f.argtypes = [ctypes.POINTER(ctypes.c_int16), ctypes.POINTER(ctypes.c_int16), ctypes.c_int, ctypes.c_int,
                  ctypes.c_int32]
    off = core.ref_offset_ms()

    def at(prev, cur, t=10):
        a, b = (ctypes.c_int16 * P.COUNT)(), (ctypes.c_int16 * P.COUNT)()
        a[2], a[3], b[2], b[3] = prev[0], prev[1], cur[0], cur[1]
        return f(a, b, 2, 3, t) - off
    # frame centres 20 t - 5 (t - 1) and 20 t + 15 (t): the crossing interpolated between them
    assert at((100, -100), (-100, 100)) == 205              # half-way: the frame boundary
    assert at((300, -100), (-100, 0)) == 211                # 400 / (400 + 100) = 0.8 of the way
    assert at((10, 0), (-300, 0)) == 196                    # just after the first centre
    assert at((-10, 0), (-300, 0)) == 205                   # no crossing: the frame boundary
    assert f(None, None, 2, 3, 0) == max(0, 5 + off)        # never before the audio


def test_bad_input_is_one_clear_error():
    for text, part in [('', 'empty'), ('  ,;  ', 'no words'), ('caf\u00e9 au lait', 'non-ASCII'),
                       ('word ' * 1300, 'too long')]:
        with pytest.raises(A.AlignError, match=part):
            A.words_of(text)
    words, s, _ = _case(3, n_words=8)
    with pytest.raises(A.AlignError, match='audio ended'):
        A.align_scores(' '.join(words * 10), s)
    with pytest.raises(A.AlignError, match='empty'):
        A.align_scores('hello', s[:0])


def test_a_10_ms_grid_and_per_phone_durations():
    # the 10 ms grid (align_set_grid: two frame sequences half a hop apart, interleaved;
    # tools/h7align/tune.py --levers) on posteriors whose every frame comes twice: the same
    # words on frames twice as fine, their times on the 10 ms grid (10 u + 10 ms per boundary)
    from h7align.tune import interleave
    words, s, truth = _case(2, n_words=20)
    try:
        core.set_grid(10, 4)
        segs = A.align_scores(' '.join(words), interleave(s, s))
        assert _words(segs, len(words)) == [(k, 2 * a, 2 * b) for k, a, b in truth]
        off = core.ref_offset_ms()
        assert all(abs(x['start_ms'] - (10 * x['start'] + 10 + off)) <= 5 for x in segs if x['start'])
        # a pause must now last 7 frames (70 ms): the shorter pauses between words go
        core.set_phone_frames('SIL', 7)
        segs = A.align_scores(' '.join(words), interleave(s, s))
        pauses = [x for x in segs if x['word'] < 0]
        assert pauses and all(x['end'] - x['start'] >= 7 for x in pauses)
        with pytest.raises(core.CoreError):
            core.set_grid(15, 2)
        with pytest.raises(core.CoreError):
            core.set_phone_frames('SIL', 9)
    finally:
        core.set_grid(20, 2)   # the shipped grid for every other test
    assert _words(A.align_scores(' '.join(words), s), len(words)) == truth
