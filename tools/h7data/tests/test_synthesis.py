"""The TTS engines, word timings against the audio, augmentation and seeded builds."""
import numpy as np
import pytest

from h7data import augment as A
from h7data.engines import Festival, Flite, words_from_segments
from h7data.espeak import Espeak

_espeak = None


def espeak():
    global _espeak
    if _espeak is None:
        _espeak = Espeak()
    return _espeak


def onset_ms(audio, threshold=0.06):
    env = np.abs(audio.astype(np.float32))
    frames = env[:len(env) // 80 * 80].reshape(-1, 80).max(axis=1)   # 5 ms frames
    return 5 * int(np.argmax(frames > threshold * frames.max()))


def test_espeak_single_word_timing_matches_audio():
    audio, words = espeak().synthesize('stop', 'en-us+m3')
    assert [w for w, _, _ in words] == ['stop']
    _, start, end = words[0]
    assert abs(start - onset_ms(audio)) <= 30
    assert end <= 1000 * len(audio) / 16000 + 1 and end - start > 150


def test_espeak_phrase_splits_merged_words_in_order():
    # "on the" arrives as one WORD event: it must be split into two timed words.
    audio, words = espeak().synthesize('turn on the light', 'en-gb-x-rp+f2')
    assert [w for w, _, _ in words] == ['turn', 'on', 'the', 'light']
    starts = [s for _, s, _ in words]
    assert starts == sorted(starts) and all(e > s for _, s, e in words)


def test_espeak_unknown_voice_is_a_clear_error():
    with pytest.raises(RuntimeError, match='no voice'):
        espeak().synthesize('yes', 'xx-nope')


def test_espeak_fresh_state_makes_an_utterance_independent_of_the_ones_before():
    # The intent benchmark's workers take jobs in a timing-dependent order; libespeak-ng
    # carries state between utterances, so without fresh=True the same sentence comes out
    # different (measured: a few samples longer or shorter, and other audio).
    fresh = Espeak(fresh=True)
    text, voice = 'turn on the kitchen lights', 'en-us+m7'
    first = fresh.synthesize(text, voice, rate=170, pitch=45)
    fresh.synthesize('set the temperature to twenty degrees', 'en-us+f3', rate=185)
    espeak().synthesize('stop', 'en-us+m3')  # this process speaking in between changes nothing
    again = fresh.synthesize(text, voice, rate=170, pitch=45)
    other = Espeak(fresh=True).synthesize(text, voice, rate=170, pitch=45)
    assert np.array_equal(first[0], again[0]) and first[1] == again[1]
    assert np.array_equal(first[0], other[0]) and first[1] == other[1]
    assert [w for w, _, _ in first[1]] == ['turn', 'on', 'the', 'kitchen', 'lights']
    with pytest.raises(RuntimeError, match='no voice'):  # the child's error, raised here
        fresh.synthesize('yes', 'xx-nope')
    assert np.array_equal(fresh.synthesize(text, voice, rate=170, pitch=45)[0], first[0])
    # a pool forked after the instance was made: each worker gets its own zygote
    import multiprocessing as mp
    global _inherited
    _inherited = fresh  # the workers inherit the instance (and its pipes) by the fork
    with mp.get_context('fork').Pool(2) as pool:
        said = pool.starmap(_say_inherited, [(text, voice)] * 4)
    assert all(np.array_equal(a, first[0]) for a in said)


_inherited = None


def _say_inherited(text, voice):
    return _inherited.synthesize(text, voice, rate=170, pitch=45)[0]


def test_flite_voices_timings_and_16k():
    f = Flite()
    # (words start with a continuant: a plosive's closure is silent before its burst)
    for voice in ('kal', 'slt'):       # kal is an 8 kHz voice: resampled to 16 kHz
        audio, words = f.synthesize('left now', voice)
        assert audio.dtype == np.int16 and len(audio) > 8000
        assert [w for w, _, _ in words] == ['left', 'now']
        assert abs(words[0][1] - onset_ms(audio)) <= 40
    with pytest.raises(RuntimeError, match='no voice'):
        f.synthesize('yes', 'nobody')


def test_festival_held_out_engine():
    (audio, words), = Festival().synthesize_many([('yes now', 'ked', 1.0)])
    assert [w for w, _, _ in words] == ['yes', 'now']
    assert abs(words[0][1] - onset_ms(audio)) <= 40


def test_words_from_segments_maps_phones():
    segs = [('pau', 0.2), ('g', 0.25), ('ow', 0.4), ('l', 0.5), ('eh', 0.6), ('f', 0.7),
            ('t', 0.8), ('pau', 1.0)]
    counts = {'go': 2, 'left': 4}
    assert words_from_segments('go left', segs, counts.get) == [('go', 200, 400), ('left', 400, 800)]


def test_augmentations():
    rng = np.random.default_rng(0)
    x = np.sin(2 * np.pi * 300 * np.arange(16000) / 16000).astype(np.float32) * 0.5
    assert abs(len(A.speed(x, 1.1)) - 16000 / 1.1) < 5
    assert len(A.formant_warp(x, 0.9)) == 16000
    noise = A.colored_noise(rng, 16000, 'pink')
    for snr in (0, 10, 30):
        y = A.add_noise(x, noise, snr)
        measured = 10 * np.log10(np.mean(x ** 2) / np.mean((y - x) ** 2))
        assert abs(measured - snr) < 0.5
    h = A.room_impulse(rng, rt60=0.4)
    assert abs(np.sum(h ** 2) - 1) < 1e-3
    window, _ = A.place(x[:4000], [('w', 50, 200)], 16000, rng)
    assert len(window) == 16000 and np.abs(window).max() > 0
    f = np.zeros((49, 10), np.float32) + np.arange(10)
    assert (A.spec_augment(f, rng, time_width=10) != f).any()


def test_dataset_is_deterministic_and_labelled(tmp_path, monkeypatch):
    monkeypatch.setenv('H7_DATA_CACHE', str(tmp_path))
    from h7data.dataset import build
    from h7data.vocab import LABELS
    a = build('train', per_word=2, copies=1, seed=3)
    b = build('train', per_word=2, copies=1, seed=3)          # from the cache
    monkeypatch.setenv('H7_DATA_CACHE', str(tmp_path / 'fresh'))
    c = build('train', per_word=2, copies=1, seed=3)          # rebuilt from the seed
    d = build('train', per_word=2, copies=1, seed=4)
    assert np.array_equal(a['x'], b['x']) and np.array_equal(a['x'], c['x'])
    assert not np.array_equal(a['x'], d['x'])
    assert a['x'].shape[1] == 16000 and set(a['y']) == set(range(len(LABELS)))
    engines = {m['engine'] for m in a['meta']}
    assert {'espeak', 'none'} <= engines


def test_labels_outside_vocabulary_rejected():
    from h7data.vocab import check_labels
    check_labels(['yes', 'unknown'])
    with pytest.raises(ValueError, match='outside the vocabulary: banana'):
        check_labels(['yes', 'banana'])
