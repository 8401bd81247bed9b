"""Spotting, alignment and CTC decoding through the binding, on synthetic posteriors."""
import numpy as np

from h7speech import decoder, graph
from h7speech.fuzz import LEX

from .conftest import posteriors

lex = LEX.__getitem__


def test_spotting_finds_each_occurrence_once():
    data = graph.compile_graph(graph.phrase('go forward', between_silence=False), lex, silence=False)
    d = decoder.Decoder(data, decoder.SPOT, spot_threshold=4.0)
    phrase = [('G', 3), ('OW', 4), ('F', 3), ('AO', 3), ('R', 2), ('W', 2), ('ER', 3), ('D', 2)]
    babble = [('S', 4), ('T', 2), ('AA', 5), ('P', 3), ('SIL', 10)]
    spec = babble + phrase + babble + [('G', 3), ('OW', 4), ('SIL', 8)] + phrase + babble
    events = d.step(decoder.scores(posteriors(spec))) + d.flush()
    assert [(e['start'], e['end'], e['word']) for e in events] == [(24, 46, 'go'), (85, 107, 'go')]
    assert all(e['score'] > 4.0 for e in events)


def test_alignment_streams_phone_and_word_boundaries():
    words = ['go', 'forward', 'stop']
    data = graph.compile_graph(graph.transcript(words), lex)
    d = decoder.Decoder(data, decoder.ALIGN)
    spec = [('SIL', 6), ('G', 3), ('OW', 4), ('F', 3), ('AO', 3), ('R', 2), ('W', 2), ('ER', 3), ('D', 2),
            ('SIL', 5), ('S', 4), ('T', 2), ('AA', 5), ('P', 3), ('SIL', 4)]
    segs = d.step(decoder.scores(posteriors(spec)))
    res, rest = d.best()
    segs += rest
    assert res['reached_final']
    assert [(s['phone'], s['end'] - s['start']) for s in segs] == spec
    starts = {s['word']: s['start'] for s in segs if s['word']}
    assert starts == {'go': 6, 'forward': 13, 'stop': 33}


def test_int8_and_float_inputs_agree():
    lp = posteriors([('SIL', 3), ('S', 3), ('T', 2), ('AA', 4), ('P', 2)])
    q = np.clip(np.round(lp * 16) + 127, -128, 127).astype(np.int8)   # scale 1/16, zero point 127
    s8 = decoder.scores((q, 1 / 16, 127))
    assert np.abs(s8 - decoder.scores(lp)).max() <= 8    # within half a quantization step (16 units)
    data = graph.compile_graph(graph.word_list(['stop', 'go forward']), lex)
    for s in (s8, decoder.scores(lp)):
        d = decoder.Decoder(data)
        d.step(s)
        assert [x['word'] for x in d.best()[1] if x['word']] == ['stop']


def test_ctc_greedy_and_beam():
    spec = [('<blank>', 3), ('S', 1), ('<blank>', 2), ('T', 2), ('AA', 1), ('<blank>', 1), ('AA', 1), ('P', 1),
            ('<blank>', 2)]
    s = decoder.scores(posteriors(spec))
    assert decoder.ctc_greedy(s) == [('S', 3), ('T', 6), ('AA', 8), ('AA', 10), ('P', 11)]
    out, score = decoder.ctc_beam(s)
    assert [p for p, _ in out] == ['S', 'T', 'AA', 'AA', 'P'] and -3 < score < 0   # log P(prefix): mostly log 0.9 per frame


def test_bad_frame_shapes_are_refused():
    data = graph.compile_graph(graph.word_list(['stop']), lex)
    d = decoder.Decoder(data)
    try:
        d.step(np.zeros((3, 40), dtype=np.int32))
    except decoder.DecoderError as e:
        assert 'frames x 41' in str(e)
    else:
        raise AssertionError('a 40-output frame was accepted')
