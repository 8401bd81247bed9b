"""The real-speech split: speaker-disjoint, deterministic, and a missing ../shared is one
clear line (no traceback)."""
import csv

import pytest

from h7train import realdata as R
from h7voice import paths


def _rows():
    with open(R.data_path('speech_commands_dev', 'manifest.tsv'), encoding='utf-8') as f:
        return list(csv.DictReader(f, delimiter='\t'))


def test_folds_are_speaker_disjoint_and_all_used():
    rows = _rows()
    folds = {}
    for r in rows:
        folds.setdefault(R.speaker_fold(r['speaker']), set()).add(r['speaker'])
    assert sorted(folds) == list(range(R.FOLDS))
    for a in folds:
        for b in folds:
            if a < b:
                assert not folds[a] & folds[b]
    # every fold holds a usable share of the keyword speakers
    kw = {r['speaker'] for r in rows if r['label'] not in ('_silence_', '_unknown_')}
    for f, s in folds.items():
        assert len(s & kw) >= 10, f


def test_split_is_deterministic_and_fixed():
    # the fold of a speaker is a pure function of its id (no RNG, no ordering effects)
    ids = sorted({r['speaker'] for r in _rows()})
    first = [R.speaker_fold(s) for s in ids]
    assert first == [R.speaker_fold(s) for s in reversed(ids)][::-1]
    # pinned: changing the salt or fold count would silently move speakers into training
    assert {s: R.speaker_fold(s) for s in ids[:8]} == {
        '03401e93': 0, '0b57a6ed': 1, '0bac8a71': 1, '0d53e045': 0,
        '1093c8e7': 1, '135c6841': 1, '1538beb7': 4, '189cbabe': 4}


def test_demo_speakers_are_held_out():
    data = R.speech_commands()
    train, ev = R.split(data)
    spk = R.demo_speakers(data)
    assert len(spk) >= 10
    assert not set(spk) & set(data['speaker'][train].tolist())
    assert set(train.tolist()).isdisjoint(ev.tolist())


def test_missing_shared_is_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(paths, 'SHARED', str(tmp_path / 'nowhere'))
    with pytest.raises(paths.MissingPart, match='../shared is not beside the checkout'):
        R.data_path('speech_commands_dev')
    assert R.main(['split']) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and err.startswith('error: ../shared is not beside')


def test_demo_recording_is_deterministic_held_out_and_spaced(tmp_path):
    from h7data.vocab import KEYWORDS
    a = R.make_demo(str(tmp_path / 'a.wav'))
    R.make_demo(str(tmp_path / 'b.wav'))
    assert (tmp_path / 'a.wav').read_bytes() == (tmp_path / 'b.wav').read_bytes()
    data = R.speech_commands()
    train, _ = R.split(data)
    assert len(a['speakers']) >= 10
    assert not set(a['speakers']) & set(data['speaker'][train].tolist())
    words = a['words']
    assert {w['word'] for w in words if w['keyword']} == set(KEYWORDS)
    assert any(not w['keyword'] for w in words)
    assert all(b['start_ms'] - e['end_ms'] >= 600 for e, b in zip(words, words[1:]))


def test_training_recipes_keep_their_cache_keys_and_the_eval_fold_out():
    """Recipe 1's transfer set keeps the key it had before recipes existed (its cache and
    the first real-trained models stay reproducible); other recipes, a k-fold run's fold and
    the no-real-clips pre-training set each get their own."""
    from h7train import realtrain as T
    keys = {T._transfer_key(1, 5, 120, 1, R.EVAL_FOLD, True),
            T._transfer_key(1, 5, 120, 2, R.EVAL_FOLD, True),
            T._transfer_key(1, 5, 120, 2, 3, True),
            T._transfer_key(1, 5, 120, 2, R.EVAL_FOLD, False)}
    assert len(keys) == 4
    assert T._transfer_key(1, 5, 120, 1, R.EVAL_FOLD, True) == 'e5eb5bc8b36c'


def test_augment_low_snr_band_is_used():
    import numpy as np
    from h7train import realtrain as T
    rng = np.random.default_rng(0)
    clip = (np.sin(np.arange(16000) * 0.05) * 8000).astype(np.int16)
    pool = {'white': np.random.default_rng(1).standard_normal(40000).astype(np.float32) * 0.1}

    def snr_of(p_low):
        out = []
        for _ in range(40):
            x = T.augment(clip, rng, pool, p_noise=1.0, snr=(30.0, 30.0), gain_db=(0, 0),
                          shift=0, p_low=p_low).astype(np.float64)
            out.append(10 * np.log10(np.sum(clip.astype(np.float64) ** 2) /
                                     np.sum((x - clip) ** 2)))
        return np.array(out)
    assert np.all(np.abs(snr_of(0.0) - 30.0) < 0.5)
    low = snr_of(1.0)
    assert np.all((low > -0.5) & (low < 10.5))


def test_word_negatives_never_say_a_keyword_or_its_homophone():
    """Recipe 3's extra negatives are labelled "unknown": a keyword, a homophone of one or
    a word containing one among them would teach the model to miss that keyword."""
    from h7data.vocab import KEYWORDS, UNKNOWN_WORDS
    from h7train import realtrain as T
    words = set(T.SHORT_WORDS) | set(UNKNOWN_WORDS)
    homophones = {'know', 'write', 'rite', 'wright', 'yess'}
    assert not words & (set(KEYWORDS) | homophones)
    for w in words:
        assert not any(w.startswith(k) and len(k) >= 2 and w[len(k):] in ('', 's', 'ed', 'ing',
                                                                          'ped', 'ping')
                       for k in KEYWORDS), w


def test_stages_parse_and_bad_stages_are_one_line(capsys):
    from h7train import realtrain as T
    assert [s[0] for s in T.parse_stages(T.SHIPPED_STAGES)] == [1, 2]
    assert [s[0] for s in T.parse_stages(T.WORD_NEGATIVES_STAGES)] == [1, 3]
    assert T.parse_stages('1:2:1e-3') == [(1, 2, 1e-3)]
    for bad in ('1:2', '9:2:1e-3', '1:0:1e-3', 'a:b:c'):
        assert T.main(['--stages', bad, '--out', '/nonexistent']) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith('error: --stages') and '\n' not in err


def test_validation_fold_windows_follow_the_transfer_sets_order_or_fail_loudly():
    """realtrain --val-fold leaves a training fold's windows out by replaying the transfer
    set's order (each training-fold clip: 1 clean + copies, unknown clips 3x in recipe 2);
    a set in another order is refused, never silently mis-split."""
    import numpy as np
    from h7data.vocab import LABELS, UNKNOWN
    from h7train.realtrain import real_window_folds
    data = R.speech_commands()
    train_idx, _ = R.split(data)
    reps = np.where(data['y'][train_idx] == LABELS.index(UNKNOWN), 1 + 2 * 3, 1 + 2)
    y = np.repeat(data['y'][train_idx], reps)
    ts = {'kind': np.array(['real'] * len(y) + ['negative'] * 4), 'y': np.concatenate([y, [1] * 4])}
    folds = real_window_folds(ts, copies=2, recipe=2)
    assert list(folds[-4:]) == [-1] * 4
    assert set(folds[:-4]) == set(range(R.FOLDS)) - {R.EVAL_FOLD}
    assert np.array_equal(folds[:-4], np.repeat(data['fold'][train_idx], reps))
    swapped = dict(ts, y=ts['y'][::-1].copy())
    with pytest.raises(ValueError, match='rebuild'):
        real_window_folds(swapped, copies=2, recipe=2)
    with pytest.raises(ValueError, match='rebuild'):
        real_window_folds(ts, copies=3, recipe=2)
