"""The actions table beside a context, checked against it."""
import os
import textwrap

import pytest

import h7context
from h7context import ContextError, actions

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'examples')


def lights():
    return h7context.load(os.path.join(EXAMPLES, 'lights.yml'))


@pytest.mark.parametrize('name', ['lights', 'thermostat', 'media', 'home'])
def test_example_tables(name):
    path = os.path.join(EXAMPLES, name + '.yml')
    ir = h7context.load(path)
    assert actions.beside(path) == os.path.join(EXAMPLES, name + '.actions.yml')
    table = actions.load(actions.beside(path), ir)
    assert set(table) == {i['name'] for i in ir['intents']}


def test_lights_table_contents():
    table = actions.load(os.path.join(EXAMPLES, 'lights.actions.yml'), lights())
    assert table['turnOn'][0] == {'pin': 'LED_GREEN', 'level': 'high', 'when': {'location': 'kitchen'}}
    assert table['turnOn'][3] == {'pin': 'LED_GREEN', 'level': 'high', 'when': {'location': None}}
    step = table['setBrightness'][0]
    assert step['pins'] == ['D3', 'D4', 'D5'] and step['map']['half bright'] == 4 and step['map']['7'] == 7
    assert table['changeColor'][1] == {'event': 'colour {color}'}


def test_digits_slot_needs_no_map():
    ir = h7context.load(os.path.join(EXAMPLES, 'media.yml'))
    table = actions.load(os.path.join(EXAMPLES, 'media.actions.yml'), ir)
    assert table['setVolume'][0]['map'] == {str(n): n for n in range(10)}


def test_pins_are_the_board_table():
    pins = actions.allowed_pins()
    assert pins[:3] == ['LED_GREEN', 'LED_YELLOW', 'LED_RED']
    assert 'D3' in pins and 'USART3_TX' not in pins and 'MIC_WAKE' not in pins


BAD = [
    ('unknown intent', 'actions:\n  turnOnn:\n    - {event: x}\n', 2, "intent 'turnOnn' is not in the context"),
    ('unknown pin', 'actions:\n  turnOn:\n    - {pin: LED_BLUE, level: high}\n', 3, "pin 'LED_BLUE'"),
    ('board pin', 'actions:\n  turnOn:\n    - {pin: USART3_TX, level: high}\n', 3, 'cannot be driven'),
    ('bad level', 'actions:\n  turnOn:\n    - {pin: D3, level: up}\n', 3, "level 'up'"),
    ('no level', 'actions:\n  turnOn:\n    - {pin: D3}\n', 3, "needs 'level'"),
    ('slot not captured', 'actions:\n  turnOn:\n    - {pin: D3, level: high, when: {color: red}}\n', 3,
     "never captures slot 'color'"),
    ('value not in slot', 'actions:\n  turnOn:\n    - {pin: D3, level: high, when: {location: attic}}\n', 3,
     "'attic' is not a value"),
    ('map too big', 'actions:\n  changeColor:\n    - {pins: [D3], slot: color, map: {red: 2}}\n', 3, '0..1'),
    ('map key', 'actions:\n  changeColor:\n    - {pins: [D3, D4], slot: color, map: {pink: 1}}\n', 3,
     "'pink' is not a value"),
    ('no map for words', 'actions:\n  changeColor:\n    - {pins: [D3, D4], slot: color}\n', 3, 'give a map'),
    ('digits too wide', 'actions:\n  setBrightness:\n    - {pins: [D3, D4], slot: level, map: {"7": 7}}\n', 3,
     '0..3'),
    ('event slot', 'actions:\n  turnOn:\n    - {event: "on {colour}"}\n', 3, "'{colour}'"),
    ('unpaired brace', 'actions:\n  turnOn:\n    - {event: "on {"}\n', 3, "'{' or '}'"),
    ('two kinds', 'actions:\n  turnOn:\n    - {pin: D3, level: high, event: x}\n', 3, 'a step is one of'),
    ('unknown step key', 'actions:\n  turnOn:\n    - {pin: D3, level: high, colour: red}\n', 3,
     "unknown key 'colour'"),
    ('steps not a list', 'actions:\n  turnOn: {pin: D3}\n', 2, 'list of steps'),
    ('duplicate intent', 'actions:\n  turnOn: []\n  turnOn: []\n', 3, 'defined twice'),
    ('no actions', 'context: lights.yml\n', 1, "no 'actions:'"),
    ('malformed', 'actions:\n  turnOn: [\n', 3, 'malformed YAML'),
]


@pytest.mark.parametrize('name, text, line, says', BAD, ids=[b[0] for b in BAD])
def test_bad_tables(name, text, line, says):
    with pytest.raises(ContextError) as err:
        actions.parse(textwrap.dedent(text), lights(), 'a.yml')
    assert says in err.value.message, err.value
    assert err.value.line == line, err.value
    assert str(err.value).startswith(f'a.yml:{line}:')
