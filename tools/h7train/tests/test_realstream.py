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


def test_false_alarms_are_told_by_where_they_fired():
    """The same counts as before; each false alarm also says where it fired, and the keywords
    are scored per condition."""
    truth = TRUTH + [{'start_s': 40.0, 'end_s': 48.0, 'label': 'sentence', 'source': 'a',
                      'words': [('put', 0.5, 0.8), ('up', 5.1, 5.4)]},
                     {'start_s': 60.0, 'end_s': 66.0, 'label': 'sentence', 'source': 'b', 'words': None}]
    truth[0] = dict(truth[0], condition='quiet')
    truth[1] = dict(truth[1], condition='noisy')
    dets = [_det('yes', 10.2, 10.7),    # hit (quiet)
            _det('yes', 10.8, 11.1),    # the same clip again
            _det('stop', 20.3, 20.6),   # wrong word on the "go" clip (noisy)
            _det('no', 30.1, 30.5),     # on another word's clip
            _det('up', 45.0, 45.4),     # "up" said there: still a false alarm, told apart
            _det('off', 45.0, 45.4),    # in the same sentence, a word not said there
            _det('go', 62.0, 62.3),     # in a sentence without word times
            _det('left', 55.0, 55.3)]   # in a pause
    r = score(dets, truth, duration_s=3602.0)
    assert (r['found'], r['wrong_word'], r['false_alarms']) == (1, 1, 6)
    assert r['false_alarms_where'] == {'word_said_in_sentence': 1, 'sentence': 2, 'other_word_clip': 1,
                                       'keyword_clip_again': 1, 'pause': 1}
    assert r['per_condition'] == {'quiet': {'keywords': 1, 'found': 1, 'wrong_word': 0},
                                  'noisy': {'keywords': 1, 'found': 0, 'wrong_word': 1}}
    # sentences are not keyword time: the hours are those without sentence entries
    assert r['non_keyword_hours'] == pytest.approx(1.0)


def test_held_out_stream_names_its_sentences_and_their_words():
    from h7train.realstream import SENTENCE, build_stream
    import numpy as np
    sents = [('x:a', np.full(1600, 1000, np.int16), [('on', 0.01, 0.05)]), ('x:b', np.zeros(800, np.int16), None)]
    clips = np.zeros((1, 16000), np.int16)
    x, truth = build_stream(sents, clips, np.array([2]), None, None, seed=1)
    spans = [t for t in truth if t['label'] == SENTENCE]
    assert sorted(t['source'] for t in spans) == ['x:a', 'x:b']
    for t in spans:
        assert round((t['end_s'] - t['start_s']) * 16000) == {'x:a': 1600, 'x:b': 800}[t['source']]
    assert len(x) / 16000 >= max(t['end_s'] for t in truth)


def test_the_peer_runs_through_the_firmware_pipeline_with_its_own_labels():
    """The MLPerf peer has no .json record: its class order and front end are given, and its
    keywords are the firmware's (the keyword mask comes from the label names). One real
    held-out keyword clip after a pause is found as that word."""
    import numpy as np
    from h7train import realdata as R
    from h7train.realstream import held_out_clips
    from kwsapp.detector import DetectorError, KwsStream
    x, y = held_out_clips()
    i = next(k for k in range(len(y)) if R.LABELS[int(y[k])] == 'yes')
    stream = KwsStream(R.teacher_path(), labels=R.MLPERF_LABELS, frontend='mlperf_kws')
    try:
        audio = np.concatenate([np.zeros(8000, np.int16), x[i], np.zeros(16000, np.int16)])
        dets, _ = stream.run(audio, threshold=0.5)
        assert [d['word'] for d in dets] == ['yes']
        assert stream.gate_threshold is None   # alone, as main.c runs a model the gate cannot front
    finally:
        stream.close()
    with pytest.raises(DetectorError, match='both labels and frontend'):
        KwsStream(R.teacher_path(), labels=R.MLPERF_LABELS)
