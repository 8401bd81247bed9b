"""The graph compiler against the C loader and decoder (host build through ctypes)."""
import struct
import subprocess
import sys

import numpy as np
import pytest

from h7speech import decoder, graph, phones
from h7speech.fuzz import LEX
from h7voice import paths

from .conftest import posteriors

lex = LEX.__getitem__


def recognize(data, spec):
    d = decoder.Decoder(data, decoder.RECOGNIZE)
    d.step(decoder.scores(posteriors(spec)))
    return d.best()


def test_phone_set_is_one_definition():
    L = decoder.lib()
    assert phones.COUNT == 41 and phones.PHONES[:3] == ['<blank>', 'SIL', 'AA']
    assert [L.h7dec_phone_name(i).decode() for i in range(phones.COUNT)] == phones.PHONES
    assert L.h7dec_phoneset_hash() == phones.HASH
    assert L.h7dec_phoneset_name().decode() == phones.NAME


def test_word_list_recognizes_each_phrase_with_word_boundaries():
    data = graph.compile_graph(graph.word_list(['go forward', 'stop']), lex)
    res, segs = recognize(data, [('SIL', 5), ('G', 3), ('OW', 4), ('F', 3), ('AO', 3), ('R', 2), ('W', 2),
                                 ('ER', 3), ('D', 2), ('SIL', 6)])
    assert res['reached_final'] and res['confidence'] > 0
    words = [(s['word'], s['start'], s['end']) for s in segs if s['word']]
    assert words == [('go', 5, 12), ('forward', 12, 27)]
    res, segs = recognize(data, [('S', 3), ('T', 2), ('AA', 5), ('P', 3)])
    assert [s['word'] for s in segs if s['word']] == ['stop']


def test_null_nodes_that_only_pass_through_are_removed():
    expr = graph.word_list(['go forward', 'stop'])
    data = graph.compile_graph(expr, lex)
    b = graph.Builder(lex)
    b.emit(graph.Seq([graph.Opt(graph.Sil()), expr, graph.Opt(graph.Sil())]), 0)
    assert graph.info(data)['nodes'] < len(b.phone)
    assert graph.info(data)['null_nodes'] <= 4


def test_grammar_slots_and_optional_words():
    text = '@room: kitchen | hall\nturn [on, off] the (light)   # a comment\n$room:where light [on|off]\n'
    data = graph.compile_graph(graph.parse_grammar(text), lex)
    res, segs = recognize(data, [('SIL', 4), ('HH', 3), ('AO', 4), ('L', 3), ('L', 3), ('AY', 4), ('T', 2),
                                 ('AO', 3), ('F', 4), ('SIL', 5)])
    out = graph.interpret(segs)
    assert out == {'words': ['hall', 'light', 'off'], 'expression': 1, 'slots': {'where': 'hall'}}
    res, segs = recognize(data, [('T', 3), ('ER', 3), ('N', 3), ('AA', 3), ('N', 3), ('DH', 2), ('AH', 3)])
    assert graph.interpret(segs) == {'words': ['turn', 'on', 'the'], 'expression': 0, 'slots': {}}
    assert res['reached_final']


@pytest.mark.parametrize('text,message', [
    ('turn [on, off the', "missing ']'"),
    ('turn on)', "unbalanced ')'"),
    ('$room:where light', "unknown slot type 'room'"),
    ('$room light', 'must be $type:name'),
    ('# nothing\n', 'no expressions'),
    ('(turn)', 'accepts empty input'),
    ('@room kitchen\nturn', 'slot values are written'),
])
def test_bad_grammars_name_the_problem(text, message):
    with pytest.raises(graph.GraphError, match=message.replace('$', r'\$').replace('[', r'\[').replace(')', r'\)')):
        graph.compile_graph(graph.parse_grammar(text), lex)


def test_unknown_phone_and_missing_word():
    with pytest.raises(graph.GraphError, match="'QQ' is not a phone"):
        graph.compile_graph(graph.Word('x', [['QQ']]))
    with pytest.raises(graph.GraphError, match="no pronunciation for word 'zz'"):
        graph.compile_graph(graph.Word('zz'), lambda w: [])


def test_corrupt_and_foreign_graphs_are_refused_with_a_message():
    data = bytearray(graph.compile_graph(graph.word_list(['stop']), lex))
    with pytest.raises(decoder.DecoderError, match='checksum'):
        bad = bytearray(data)
        bad[70] ^= 1
        decoder.LoadedGraph(bytes(bad))
    with pytest.raises(decoder.DecoderError, match='not a search graph'):
        decoder.LoadedGraph(b'RIFF' + bytes(100))
    # a graph built for another phone set (same format): refused, naming both
    n = graph.Builder(lex)
    end = n.emit(graph.Word('stop'), 0)
    n.build(end)
    other = graph.serialize([(0xFF, 0, 0xFFFF, 0, 1), (3, 1, 0xFFFF, 1, 0)], [(1, 0)], [0], [],
                            phoneset=('ipa60', 0x12345678, 60))
    with pytest.raises(decoder.DecoderError, match=r"built for phone set 'ipa60' \(60 phones, 0x12345678\), "
                                                   r"this decoder uses 'arpabet39\+sil\+blank'"):
        decoder.LoadedGraph(other)
    g = decoder.LoadedGraph(bytes(data))
    with pytest.raises(decoder.DecoderError, match="model has 12 outputs of phone set 'kws12'.*expects 41"):
        g.check_model('kws12', 0x1, 12)
    g.check_model(phones.NAME, phones.HASH, phones.COUNT)


def test_every_truncation_is_refused():
    data = graph.compile_graph(graph.word_list(['go forward', 'stop']), lex)
    for n in range(0, len(data), 7):
        with pytest.raises(decoder.DecoderError):
            decoder.LoadedGraph(data[:n])


def test_header_fields_as_documented():
    data = graph.compile_graph(graph.word_list(['stop']), lex)
    magic, version, header, crc, total, phash, pcount = struct.unpack_from('<4sHHIIIH', data)
    assert (magic, version, header, total, phash, pcount) == (b'H7SG', 1, 64, len(data), phones.HASH, 41)


def test_cli_writes_a_graph_and_refuses_bad_input_in_one_line(tmp_path):
    env_cmd = [sys.executable, '-m', 'h7speech', 'graph']
    env = {'PYTHONPATH': paths.TOOLS, 'PATH': '/usr/bin:/bin'}
    out = tmp_path / 'g.bin'
    p = subprocess.run(env_cmd + ['--words', 'go forward', 'stop', '-o', str(out)], capture_output=True, text=True,
                       env=env)
    assert p.returncode == 0, p.stderr
    assert 'nodes' in p.stdout and out.read_bytes()[:4] == b'H7SG'
    for args, message in ((['--grammar', str(tmp_path / 'none.txt')], 'does not exist'),
                          (['--words', '!!!'], 'no words after normalisation')):
        p = subprocess.run(env_cmd + args + ['-o', str(out)], capture_output=True, text=True, env=env)
        assert p.returncode == 2 and message in p.stderr and len(p.stderr.strip().splitlines()) == 1
