"""Scoring of the phone error rate (h7phones.eval): references and the closest pronunciation."""
from h7phones import eval as pe
from h7voice import paths


def test_textgrid_phone_tier_without_stress_or_silence():
    tg = paths.shared('data', 'ljspeech_aligned', 'textgrid', 'LJ001-0001.TextGrid')
    ph = pe.textgrid_phones(tg)
    assert ph[:4] == ['P', 'R', 'IH', 'N']          # "printing"
    assert all(p.isalpha() and p.isupper() for p in ph)


def test_closest_pronunciation_per_system():
    refs = pe.references({'corpus': 'speech_commands_dev', 'text': 'either', 'file': ''},
                         {'either': [['IY', 'DH', 'ER'], ['AY', 'DH', 'ER']]})
    assert pe.closest(['AY', 'DH', 'ER'], refs) == (0, 3)
    assert pe.closest(['IY', 'DH'], refs) == (1, 3)


def test_clip_with_a_word_outside_the_dictionary_has_no_reference():
    assert pe.references({'corpus': 'mycroft_precise_community', 'text': 'hey blorptastic', 'file': ''},
                         {'hey': [['HH', 'EY']]}) is None
