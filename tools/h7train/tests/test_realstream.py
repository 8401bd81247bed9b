"""The streaming scorer's rules (h7train.realstream.score): what counts as a hit, a wrong
word and a false alarm, and the hours they are counted over."""
import pytest

from h7train.realstream import score


def _det(word, start_s, end_s):
    return {'word': word, 'start_ms': int(start_s * 1000), 'end_ms': int(end_s * 1000)}


TRUTH = [{'start_s': 10.0, 'end_s': 11.0, 'label': 'yes'},
         {'start_s': 20.0, 'end_s': 21.0, 'label': 'go'},
         {'start_s': 30.0, 'end_s': 31.0, 'label': 'unknown'}]


def test_hits_wrong_words_and_false_alarms_are_told_apart():
    dets = [_det('yes', 10.2, 10.7),    # hit
            _det('yes', 10.8, 11.1),    # second detection of the same clip: a false alarm
            _det('stop', 20.3, 20.6),   # wrong word on the "go" clip
            _det('no', 30.1, 30.5),     # fired on another word: a false alarm
            _det('up', 45.0, 45.4)]     # fired in a sentence: a false alarm
    r = score(dets, TRUTH, duration_s=3602.0)
    assert (r['found'], r['wrong_word'], r['false_alarms']) == (1, 1, 3)
    assert r['keywords'] == 2 and r['recall'] == pytest.approx(0.5)
    # two keyword seconds are not non-keyword time; the other-word clip is
    assert r['non_keyword_hours'] == pytest.approx(1.0)
    assert r['false_alarms_per_hour'] == pytest.approx(3.0)


def test_tolerance_is_200_ms_either_side():
    assert score([_det('yes', 11.15, 11.5)], TRUTH, 100)['found'] == 1
    assert score([_det('yes', 11.25, 11.5)], TRUTH, 100)['false_alarms'] == 1


def test_tuning_stream_clips_are_training_speakers_only():
    """Decision settings are chosen on the training_speakers stream: none of its clips may
    come from the held-out fold (that fold is measured once, after the choice)."""
    from h7train import realdata as R
    from h7train.realstream import TUNING_CLIPS, training_speaker_indices
    data = R.speech_commands()
    pick = training_speaker_indices(data)
    assert len(pick) == TUNING_CLIPS and len(set(pick.tolist())) == len(pick)
    assert not (data['fold'][pick] == R.EVAL_FOLD).any()
    assert (training_speaker_indices(data) == pick).all()


def test_unknown_stream_name_is_one_line(capsys):
    from h7train.realstream import main
    with pytest.raises(SystemExit) as e:
        main(['models/kws_default.tflite', '--streams', 'held_out,nope'])
    assert e.value.code == 2
    assert 'error: --streams' in capsys.readouterr().err
