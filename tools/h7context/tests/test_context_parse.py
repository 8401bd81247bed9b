"""Rhino YAML contexts -> grammar IR: the examples, the enumeration, and every error with
the line (and column) it names."""
import json
import os
import textwrap

import pytest

import h7context
from h7context import ContextError, IRError, check, parse, phrases, stats
from h7context.expand import ambiguities

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'examples')
EXAMPLE_NAMES = ('lights', 'thermostat', 'media', 'home')


def example(name):
    return os.path.join(EXAMPLES, name + '.yml')


def ctx(text):
    return parse(textwrap.dedent(text).lstrip('\n'), 'c.yml')


def error(text):
    with pytest.raises(ContextError) as err:
        ctx(text)
    e = err.value
    assert str(e).startswith(f'c.yml:{e.line}:' if e.line else 'c.yml:')
    assert '\n' not in str(e)
    return e


# ---- the examples ---------------------------------------------------------------------

@pytest.mark.parametrize('name', EXAMPLE_NAMES)
def test_examples_parse(name):
    ir = h7context.load(example(name))
    check(ir)
    assert json.loads(json.dumps(ir)) == ir  # plain data
    st = stats(ir)
    assert st['expressions'] >= 15
    assert not ir['unused']['slots'] and not ir['unused']['macros']
    assert ambiguities(ir) == []
    # every expression uses the format's features somewhere in the file
    kinds = set()

    def walk(seq):
        for el in seq:
            kinds.add(el['type'])
            for o in el.get('options', []):
                walk(o)

    for intent in ir['intents']:
        for e in intent['expressions']:
            walk(e['sequence'])
    assert kinds == {'word', 'choice', 'optional', 'slot'}


def test_home_is_the_50_expression_size_case():
    assert stats(h7context.load(example('home')))['expressions'] == 50


def test_lights_phrases():
    ir = h7context.load(example('lights'))
    said = {(p['intent'], ' '.join(p['words'])): p['slots'] for p in phrases(ir)}
    assert said[('turnOn', 'turn on the kitchen lights')] == {'location': 'kitchen'}
    assert said[('turnOff', 'switch the living room light off')] == {'location': 'living room'}
    assert said[('turnOn', 'please let there be light')] == {}
    # a slot written as digits is heard as words and reported as written
    assert said[('setBrightness', 'set the brightness to level three')] == {'level': '3'}
    assert said[('setBrightness', 'half bright lights in the bedroom')] == {'level': 'half bright',
                                                                            'location': 'bedroom'}
    assert said[('changeColor', 'could you make the lights warm white')] == {'color': 'warm white'}
    assert ('turnOn', 'turn on the lights please') not in said
    st = stats(ir)
    assert st['paths'] == len(said) == st['distinct_phrases']


def test_thermostat_builtin_numbers():
    ir = h7context.load(example('thermostat'))
    said = {(p['intent'], ' '.join(p['words'])): p['slots'] for p in phrases(ir)}
    assert said[('setTemperature', 'set the thermostat to twenty one degrees')] == {'temperature': '21'}
    assert said[('warmer', 'make it warmer by three degrees')] == {'step': '3'}
    assert said[('setMode', 'switch on fan only mode')] == {'mode': 'fan only'}
    assert len(ir['slots']['pv.TwoDigitInteger']['values']) == 100
    assert ir['slots']['pv.TwoDigitInteger']['builtin'] is True


def test_media_on_off_stay_words():
    """YAML 1.1 would read bare on/off as booleans; the composer keeps the text."""
    ir = h7context.load(example('media'))
    assert [v['value'] for v in ir['slots']['onOff']['values']] == ['on', 'off']
    said = {(p['intent'], ' '.join(p['words'])): p['slots'] for p in phrases(ir)}
    assert said[('shuffle', 'turn on shuffle')] == {'state': 'on'}
    assert said[('setVolume', 'volume seven')] == {'level': '7'}


def test_enumeration_limit_and_order():
    ir = h7context.load(example('home'))
    first = list(phrases(ir, limit=5))
    assert len(first) == 5
    assert [p['intent'] for p in first] == ['lightsOn'] * 5
    assert first == list(phrases(ir, limit=5))
    st = stats(ir)
    assert st['distinct_phrases'] is None and st['paths'] > st['distinct_cap']  # counted, not listed


def test_counting_matches_enumeration():
    ir = ctx('''
        context:
          expressions:
            a:
              - "(please) [turn, switch] (the, all the) $c:c [light, lights] (now)"
              - "$pv.SingleDigitInteger:n (x)"
          slots:
            c: [red, dark blue]
        ''')
    listed = list(phrases(ir))
    st = stats(ir)
    assert st['paths'] == 2 * 2 * 3 * 2 * 2 * 2 + 10 * 2 == len(listed)
    assert st['shortest_words'] == 1 and st['longest_words'] == 8
    assert st['vocabulary'] == len(h7context.vocabulary(ir))


# ---- syntax ---------------------------------------------------------------------------

def test_ir_shape():
    ir = ctx('''
        context:
          expressions:
            order:
              - "(@polite) [make, brew] me (a) $size:size coffee"
          slots:
            size: [small, Extra Large]
          macros:
            polite: [please, could you]
        ''')
    assert ir['format'] == 'h7context-grammar' and ir['version'] == 1
    e = ir['intents'][0]['expressions'][0]
    assert e['line'] == 4
    seq = e['sequence']
    assert seq[0] == {'type': 'optional', 'options': [[{'type': 'word', 'word': 'please'}],
                                                      [{'type': 'word', 'word': 'could'},
                                                       {'type': 'word', 'word': 'you'}]]}
    assert seq[1] == {'type': 'choice', 'options': [[{'type': 'word', 'word': 'make'}],
                                                    [{'type': 'word', 'word': 'brew'}]]}
    assert seq[4] == {'type': 'slot', 'slot_type': 'size', 'name': 'size'}
    assert ir['slots']['size']['values'][1] == {'words': ['extra', 'large'], 'value': 'Extra Large'}


def test_slots_and_macros_inside_choices():
    ir = ctx('''
        context:
          expressions:
            off:
              - "turn off [all the, $loc:location] lights"
              - "[@go, stop] now"
          slots:
            loc: [kitchen]
          macros:
            go: [go, go away]
        ''')
    said = {' '.join(p['words']): p['slots'] for p in phrases(ir)}
    assert said == {'turn off all the lights': {}, 'turn off kitchen lights': {'location': 'kitchen'},
                    'go now': {}, 'go away now': {}, 'stop now': {}}


def test_multiline_expression_positions():
    e = error('''
        context:
          expressions:
            setTimer:
              - set (a) timer for $pv.TwoDigitInteger:hours [hour, hours] (and)
                  $pv.TwoDigitInteger:minutes [minute, minutes] now?
        ''')
    assert (e.line, e.column) == (5, 57) and "'?'" in e.message
    e = error('''
        context:
          expressions:
            a:
              - "set (a) alarm
                 for $pv.TwoDigitInteger:hours ([hour, hours])"
        ''')
    assert (e.line, e.column) == (5, 41) and 'nest' in e.message


def test_multiline_expression_parses():
    ir = ctx('''
        context:
          expressions:
            setTimer:
              - set (a) timer for $pv.TwoDigitInteger:hours [hour, hours] (and)
                  $pv.TwoDigitInteger:minutes [minute, minutes]
        ''')
    p = next(phrases(ir))
    assert p['words'] == 'set timer for zero hour zero minute'.split()
    assert p['slots'] == {'hours': '0', 'minutes': '0'}


# ---- errors, each naming its line ----------------------------------------------------

ERRORS = [
    # (name, context, line, column or None, words in the message)
    ('malformed YAML', '''
        context:
          expressions:
            a: [b
        ''', 4, 1, 'malformed YAML'),
    ('tab indentation', 'context:\n\texpressions:\n', 2, 1, 'malformed YAML'),
    ('two documents', 'context:\n  expressions:\n    a: [x]\n---\nb: 1\n', 4, 1, 'single document'),
    ('unknown slot reference', '''
        context:
          expressions:
            a:
              - turn $colr:color on
          slots:
            color: [red]
        ''', 4, 14, "unknown slot type 'colr'"),
    ('unknown built-in slot', '''
        context:
          expressions:
            a:
              - spell $pv.Alphabetic:letter
        ''', 4, 15, 'pv.Alphabetic'),
    ('slot reference without a name', '''
        context:
          expressions:
            a:
              - turn $color on
        ''', 4, 14, '$slotType:slotName'),
    ('empty expression list', '''
        context:
          expressions:
            a: []
        ''', 3, 8, "intent 'a' has no expressions"),
    ('missing expression list', '''
        context:
          expressions:
            a:
            b: [x]
        ''', 3, 7, "intent 'a' has no expressions"),
    ('no intents', '''
        context:
          expressions: {}
        ''', 2, 16, 'no intents'),
    ('no expressions section', '''
        context:
          slots:
            a: [b]
        ''', 2, 3, "no 'expressions:'"),
    ('unknown top-level key', '''
        context:
          expressions:
            a: [x]
        version: 2
        ''', 4, 1, "unknown key 'version'"),
    ('unknown context key', '''
        context:
          expressions:
            a: [x]
          slot:
            b: [c]
        ''', 4, 3, "unknown key 'slot'"),
    ('slot type with no values', '''
        context:
          expressions:
            a: [x]
          slots:
            b: []
        ''', 5, 8, "slot type 'b' has no values"),
    ('slot type with null values', '''
        context:
          expressions:
            a: [x]
          slots:
            b:
        ''', 5, 7, "slot type 'b' has no values"),
    ('duplicate intents', '''
        context:
          expressions:
            a: [x]
            b: [y]
            a: [z]
        ''', 5, 5, "'a' is defined twice in 'expressions' (first on line 3)"),
    ('duplicate slot types', '''
        context:
          expressions:
            a: [x]
          slots:
            s: [p]
            s: [q]
        ''', 6, 5, "'s' is defined twice"),
    ('duplicate expression', '''
        context:
          expressions:
            a:
              - turn on
              - turn  on
        ''', 5, 9, 'listed twice'),
    ('unclosed bracket', '''
        context:
          expressions:
            a:
              - turn [on, off the light
        ''', 4, 14, "'[' is not closed"),
    ('unclosed optional', '''
        context:
          expressions:
            a:
              - turn on
                (the light
        ''', 5, 9, "'(' is not closed"),
    ('wrong closing bracket', '''
        context:
          expressions:
            a:
              - turn [on, off) the light
        ''', 4, 22, "')' closes '['"),
    ('closing bracket alone', '''
        context:
          expressions:
            a:
              - turn on] the light
        ''', 4, 16, "']' without its opening"),
    ('nested brackets', '''
        context:
          expressions:
            a:
              - turn [on, (the) off]
        ''', 4, 19, 'do not nest'),
    ('empty choice', '''
        context:
          expressions:
            a:
              - turn [] on
        ''', 4, 15, 'empty phrase in a choice'),
    ('empty optional phrase', '''
        context:
          expressions:
            a:
              - turn (the, ) on
        ''', 4, 20, 'empty phrase in a optional'),
    ('comma outside brackets', '''
        context:
          expressions:
            a:
              - turn on, now
        ''', 4, 16, "','"),
    ('every part optional', '''
        context:
          expressions:
            a:
              - (please) (now)
        ''', 4, 9, 'can match nothing'),
    ('punctuation', '''
        context:
          expressions:
            a:
              - what time is it?
        ''', 4, 22, "'?'"),
    ('letters and digits', '''
        context:
          expressions:
            a:
              - play mp3 files
        ''', 4, 14, 'letters and digits'),
    ('wrong ordinal', '''
        context:
          expressions:
            a:
              - the 2th one
        ''', 4, 13, '2nd'),
    ('unknown macro', '''
        context:
          expressions:
            a:
              - '@pol turn on'
        ''', 4, 10, "unknown macro '@pol'"),
    ('macro referring to itself', '''
        context:
          expressions:
            a:
              - '@m go'
          macros:
            m: ['@n', stop]
            n: ['@m x']
        ''', 7, 10, '@m -> @n -> @m'),
    ('macro with brackets', '''
        context:
          expressions:
            a:
              - '@m go'
          macros:
            m: ['[a, b]']
        ''', 6, 10, 'words, slots and macros only'),
    ('macro with no phrases', '''
        context:
          expressions:
            a: [go]
          macros:
            m: []
        ''', 5, 8, "macro 'm' has no phrases"),
    ('slot name captured twice', '''
        context:
          expressions:
            a:
              - $c:x and $c:x
          slots:
            c: [red]
        ''', 4, 9, "slot name 'x'"),
    ('slot value said twice', '''
        context:
          expressions:
            a: [$c:x]
          slots:
            c: [red, Red]
        ''', 5, 14, "said the same as 'red' (line 5)"),
    ('slot values 2 and two', '''
        context:
          expressions:
            a: [$c:x]
          slots:
            c:
              - 2
              - two
        ''', 7, 9, "said the same as '2' (line 6)"),
    ('slot value with syntax', '''
        context:
          expressions:
            a: [$c:x]
          slots:
            c: ['[red]']
        ''', 5, 10, 'plain phrases'),
    ('slot value token position', '''
        context:
          expressions:
            a: [$c:x]
          slots:
            c: ["dark  blue?"]
        ''', 5, 16, "'?'"),
    ('slot value punctuation', '''
        context:
          expressions:
            a: [$c:x]
          slots:
            c: [red, blue!]
        ''', 5, 14, "'!'"),
    ('slot named like a built-in', '''
        context:
          expressions:
            a: [$c:x]
          slots:
            c: [red]
            pv.Color: [blue]
        ''', 6, 5, 'built-in'),
    ('intent name', '''
        context:
          expressions:
            turn on: [x]
        ''', 3, 5, "intent 'turn on' must be a name"),
    ('expression not text', '''
        context:
          expressions:
            a:
              - [turn, on]
        ''', 4, 9, 'must be text'),
    ('expressions a list', '''
        context:
          expressions:
            - a
        ''', 3, 5, 'must be a mapping'),
    ('merge key', '''
        context:
          expressions:
            <<: {a: [x]}
        ''', 3, 5, 'merge keys'),
    ('file a list', '- a\n', 1, 1, 'must be a mapping'),
    ('empty file', '', 1, None, 'empty'),
    ('only a comment', '# nothing\n', 1, None, 'empty'),
]


@pytest.mark.parametrize('name, text, line, column, says', ERRORS, ids=[e[0] for e in ERRORS])
def test_error(name, text, line, column, says):
    e = error(text)
    assert says in e.message, e
    assert e.line == line, e
    if column is not None:
        assert e.column == column, e


def test_load_missing_and_binary(tmp_path):
    with pytest.raises(ContextError, match='no such file'):
        h7context.load(str(tmp_path / 'none.yml'))
    bad = tmp_path / 'bad.yml'
    bad.write_bytes(b'context:\n  \xff\xfe\n')
    with pytest.raises(ContextError, match='not UTF-8'):
        h7context.load(str(bad))


def test_ir_check_refuses_other_versions():
    ir = h7context.load(example('lights'))
    check(ir)
    for change in ({'version': 2}, {'format': 'x'}, {'intents': []}):
        with pytest.raises(IRError):
            check(dict(ir, **change))
    broken = json.loads(json.dumps(ir))
    broken['intents'][0]['expressions'][0]['sequence'].append({'type': 'slot', 'slot_type': 'nope', 'name': 'x'})
    with pytest.raises(IRError, match='nope'):
        check(broken)


def test_ambiguity_is_found():
    ir = ctx('''
        context:
          expressions:
            on:
              - turn (the) light on
            toggle:
              - "[turn, flip] the light (on)"
        ''')
    assert ambiguities(ir) == [(['turn', 'the', 'light', 'on'], 'on', 'toggle')]


def test_limits_against_blow_up():
    """Hostile files end in one line, not in memory exhaustion or a RecursionError."""
    e = error('context: ' + '[' * 600 + ']' * 600 + '\n')
    assert 'nested too deeply' in e.message
    e = error('context:\n  expressions:\n    a:\n      - "@m1"\n  macros:\n'
              '    m1: ["@m2 @m2 @m2 @m2 @m2 @m2"]\n    m2: ["@m3 @m3 @m3 @m3 @m3"]\n'
              '    m3: [a, b, c, d, e, f, g, h, i, j]\n')
    assert (e.line, e.column) == (6, 11) and "macro '@m2' can be said in 100,000 ways" in e.message
    doubling = ''.join(f'    m{i}: ["@m{i + 1} @m{i + 1}"]\n' for i in range(15)) + '    m15: [x]\n'
    e = error('context:\n  expressions:\n    a:\n      - "go @m0"\n  macros:\n' + doubling)
    assert 'expands to' in e.message
    chain = ''.join(f'    m{i}: ["@m{i + 1}"]\n' for i in range(20)) + '    m20: [x]\n'
    e = error('context:\n  expressions:\n    a:\n      - "go @m0"\n  macros:\n' + chain)
    assert 'nested more than 16 deep' in e.message
    values = ', '.join(f'w{a}{b}' for a in 'abcdefghij' for b in 'abcdefghij')
    e = error('context:\n  expressions:\n    a:\n      - "go [$s:a $s:b $s:c, x]"\n'
              f'  slots:\n    s: [{values}]\n')
    assert (e.line, e.column) == (4, 13) and '1,000,001 ways' in e.message


def test_sample_draws_accepted_phrases():
    ir = h7context.load(example('lights'))
    every = {(p['intent'], tuple(p['words'])): p['slots'] for p in phrases(ir)}
    drawn = h7context.sample(ir, 400, seed=5)
    assert drawn == h7context.sample(ir, 400, seed=5) != h7context.sample(ir, 400, seed=6)
    for p in drawn:
        assert every[(p['intent'], tuple(p['words']))] == p['slots']
    assert {p['intent'] for p in drawn} == {i['name'] for i in ir['intents']}
    # uniform over paths: an intent's share follows its number of paths
    share = sum(p['intent'] == 'changeColor' for p in drawn) / len(drawn)
    paths = sum(1 for key in every if key[0] == 'changeColor') / len(every)
    assert abs(share - paths) < 0.1
