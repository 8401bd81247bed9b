"""Contexts through the decoder library (tools/h7speech, issue 13): graphs the C loader
accepts, and decoded paths read back as {intent, slots} with canonical slot values.
Needs wt-decoder's h7speech and the host build of firmware/speech/decoder."""
import os

import numpy as np
import pytest

import h7context
from h7context import graph
from h7context.__main__ import main

try:
    from h7speech import decoder, g2p, phones
    from h7speech import graph as G
    MISSING = None
except ImportError as err:  # fail each test loudly (not a skip), and let the others run
    MISSING = err


@pytest.fixture(autouse=True)
def _decoder_library():
    if MISSING is not None:
        pytest.fail(f'these tests need the decoder library (tools/h7speech, wt-decoder, issue 13) '
                    f'in the checkout: {MISSING}')

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'examples')


def load(name):
    return h7context.load(os.path.join(EXAMPLES, name + '.yml'))


def language(e):
    """Every word tuple an h7speech expression accepts (silences left out)."""
    if isinstance(e, G.Word):
        return {(e.text,)}
    if isinstance(e, G.Sil):
        return {()}
    if isinstance(e, G.Opt):
        return {()} | language(e.item)
    if isinstance(e, G.Tag):
        return language(e.item)
    if isinstance(e, G.Alt):
        return set().union(*(language(i) for i in e.items))
    out = {()}
    for item in e.items:
        out = {a + b for a in out for b in language(item)}
    return out


def words_in(e):
    if isinstance(e, G.Word):
        return 1
    if isinstance(e, (G.Opt, G.Tag)):
        return words_in(e.item)
    if isinstance(e, (G.Seq, G.Alt)):
        return sum(words_in(i) for i in e.items)
    return 0


def test_factor_keeps_the_language_and_shares_words():
    from h7context.parser import _builtin_values
    numbers = [w for w, _ in _builtin_values('pv.TwoDigitInteger')]
    e = graph.factor(G, numbers)
    assert language(e) == {tuple(w) for w in numbers}
    assert words_in(e) == 20 + 8 + 9  # zero..nineteen | twenty..ninety (one..nine)
    phrases = [['turn', 'on'], ['turn', 'off'], ['switch', 'on'], ['switch', 'off'], ['go'], ['go', 'now']]
    e = graph.factor(G, phrases)
    assert language(e) == {tuple(p) for p in phrases}
    assert words_in(e) == 6  # [turn, switch] [on, off] | go (now)


def test_expressions_share_their_ends():
    ir = h7context.parse('context:\n  expressions:\n    on:\n'
                         '      - (@polite) turn on\n      - (@polite) switch on\n      - (@polite) lights on\n'
                         '  macros:\n    polite: [please, could you]\n', 'c.yml')
    e = graph.to_graph(ir)
    assert language(e) == {tuple(p['words']) for p in h7context.phrases(ir)}
    assert words_in(e) == 3 + 4  # (please | could you) [turn | switch | lights] on


@pytest.mark.parametrize('name', ['lights', 'thermostat', 'media', 'home'])
def test_to_graph_says_what_the_context_says(name):
    ir = load(name)
    said = {tuple(p['words']) for p in h7context.phrases(ir)}
    assert language(graph.to_graph(ir)) == said


def spoken(words, lexicon):
    """Synthetic posteriors for the words (first pronunciation, 4 frames a phone)."""
    spec = [('SIL', 6)]
    for w in words:
        spec += [(ph, 4) for ph in lexicon(w)[0]]
    spec += [('SIL', 6)]
    other = np.log(0.1 / (phones.COUNT - 1))
    rows = []
    for ph, n in spec:
        row = np.full(phones.COUNT, other, dtype=np.float32)
        row[phones.INDEX[ph]] = np.log(0.9)
        rows += [row] * n
    return np.array(rows, dtype=np.float32)


def dictionary_only(word):
    prons = g2p.dictionary().get(word)
    assert prons, f'{word} is not in the CMU dictionary'
    return prons


@pytest.mark.parametrize('name, text, intent, slots', [
    ('lights', 'turn on the kitchen lights', 'turnOn', {'location': 'kitchen'}),
    ('lights', 'set the brightness to level three', 'setBrightness', {'level': '3'}),
    ('lights', 'could you make the living room lights warm white', 'changeColor',
     {'location': 'living room', 'color': 'warm white'}),
    ('thermostat', 'set the thermostat to twenty one degrees', 'setTemperature', {'temperature': '21'}),
    ('thermostat', 'switch on fan only mode', 'setMode', {'mode': 'fan only'}),
    ('home', 'please dim the bedroom lights to fifty percent', 'dimLights', {'room': 'bedroom', 'level': '50%'}),
])
def test_decoded_paths_read_back(name, text, intent, slots):
    ir = load(name)
    data, info = graph.compile_ir(ir, lexicon=dictionary_only)
    d = decoder.Decoder(data, decoder.RECOGNIZE)
    d.step(decoder.scores(spoken(text.split(), dictionary_only)))
    result, segments = d.best()
    assert result['reached_final']
    assert graph.interpret(segments, ir, data) == {'intent': intent, 'slots': slots, 'words': text.split()}


def test_compile_reports_labels_and_size():
    ir = load('lights')
    data, info = graph.compile_ir(ir, lexicon=dictionary_only)
    loaded = decoder.LoadedGraph(data)
    assert 'intent:turnOn' in loaded.words and 'slot:location:location' in loaded.words
    assert info['bytes'] == len(data) and info['guessed'] == []


def test_compile_command_writes_the_graph(capsys, tmp_path):
    out = tmp_path / 'lights.bin'
    assert main(['compile', os.path.join(EXAMPLES, 'lights.yml'), '-o', str(out)]) == 0
    text = capsys.readouterr().out
    assert f'{out}: search graph {out.stat().st_size:,} bytes' in text
    decoder.LoadedGraph(out.read_bytes())


def test_mutated_contexts_compile_or_refuse():
    """Mutations of an example through the whole path: a ContextError or a graph the C
    loader accepts (words the dictionary lacks get a stand-in pronunciation here)."""
    import random

    from h7context import ContextError
    from h7context.fuzz import mutate

    def lexicon(word):
        return g2p.dictionary().get(word) or [['AH']]

    with open(os.path.join(EXAMPLES, 'lights.yml'), encoding='utf-8') as f:
        original = f.read()
    rng = random.Random('h7context-graph-fuzz')
    compiled = 0
    for _ in range(40):
        try:
            ir = h7context.parse(mutate(original, rng), 'm.yml')
            data, _ = graph.compile_ir(ir, lexicon=lexicon)
        except ContextError as err:
            assert '\n' not in str(err)
            continue
        decoder.LoadedGraph(data)
        compiled += 1
    assert compiled >= 5
