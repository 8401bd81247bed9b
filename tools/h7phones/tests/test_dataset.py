"""The held-out rule of the phone model (one rule for every phone tool)."""
import hashlib

import pytest

from h7phones import dataset
from h7train import realdata


def test_split_rule_per_corpus():
    for spk in ('189cbabe', '03401e93', 'sil12'):
        want = 'eval' if realdata.speaker_fold(spk) == realdata.EVAL_FOLD else 'train'
        assert dataset.split_of('speech_commands_dev', spk) == want
    for corpus in ('librispeech_samples', 'mycroft_precise_community'):
        for spk in ('1688', '19', 'el-tocino', 'Jody Nickel'):
            h = int(hashlib.sha1(('h7phones' + spk).encode()).hexdigest(), 16) % 5
            assert dataset.split_of(corpus, spk) == ('eval' if h == 0 else 'train')
    assert dataset.split_of('transcribed_misc', 'john_f_kennedy') == 'eval'
    assert dataset.split_of('transcribed_misc', 'AMI_FEE041') == 'train'
    assert dataset.split_of('ljspeech_aligned', 'anyone') == 'eval'
    with pytest.raises(ValueError, match='unknown corpus'):
        dataset.split_of('timit', 'x')


def test_real_items_are_speaker_disjoint_and_complete():
    items = dataset.real_items()
    by = {}
    for it in items:
        by.setdefault((it['corpus'], it['speaker']), set()).add(it['split'])
    assert all(len(s) == 1 for s in by.values())
    ev = dataset.real_items(split='eval', transcribed=True)
    assert ev and all(it['text'] is not None and it['split'] == 'eval' for it in ev)
    assert not any(it['corpus'] == 'ljspeech_aligned' for it in dataset.real_items(split='train'))
    sc = dataset.real_items('speech_commands_dev')
    assert len(sc) == 2567 and {it['text'] for it in sc if '_silence_' in it['file']} == {''}
    assert all(it['text'] is None for it in dataset.real_items('librispeech_samples'))
