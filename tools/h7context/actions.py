"""The actions table beside a context: what each intent does on the board.

    # lights.actions.yml
    actions:
      turnOn:
        - {pin: LED_GREEN, level: high}                 # one pin high / low / toggle
      changeColor:
        - {pin: LED_RED, level: high, when: {color: red}}  # only when slot `color` is red
      setBrightness:
        - {pins: [D3, D4, D5], slot: level, map: {low: 1, medium: 4, high: 7}}
                                                        # a slot's value, binary on pins (LSB first)
      turnOn:
        - {pin: LED_GREEN, level: high, when: {location: ~}}   # ~: the slot was not said
      setTemperature:
        - {event: "set to {temperature}"}                # text for the JSON event; {slot}
                                                         # is the captured value

Pins are the names of the board's pin table (firmware/platform/stm32h743/board_pins.def):
the three user LEDs and the FREE Arduino-header pins. `map` turns slot values into
numbers; without it a slot whose values are digits ($pv.TwoDigitInteger) gives its number.
A step with `when` runs only if every slot named has that value (~: was not said).
An intent missing from the table does nothing but its event; an intent the context does not
have, a pin not in the table, a slot the intent never captures, or a value the slot does not
have is an error naming the line.
"""
import re

import yaml

from h7voice import board_pins

from .parser import ContextError, _mapping, _Source, _text, compose

LEVELS = ('high', 'low', 'toggle')
LED_PINS = ('LED_GREEN', 'LED_YELLOW', 'LED_RED')
STEP_KEYS = {'pin', 'level', 'when', 'pins', 'slot', 'map', 'event'}


def allowed_pins():
    """Pins an action may drive: the user LEDs and the FREE header pins, in table order."""
    return [p.name for p in board_pins.load().values() if p.name in LED_PINS or p.use == 'FREE']


def _captures(ir, intent_name):
    """{slot name: [slot types]} an intent's expressions can capture (one name may be a
    different type in different expressions)."""
    out = {}

    def walk(seq):
        for el in seq:
            if el['type'] == 'slot':
                kinds = out.setdefault(el['name'], [])
                if el['slot_type'] not in kinds:
                    kinds.append(el['slot_type'])
            elif el['type'] in ('choice', 'optional'):
                for o in el['options']:
                    walk(o)

    for intent in ir['intents']:
        if intent['name'] == intent_name:
            for e in intent['expressions']:
                walk(e['sequence'])
    return out


def parse(text, ir, path='<actions>'):
    """Actions YAML text checked against the context's IR -> {intent: [step, ...]}.
    Steps come out normalised: {'pin', 'level', 'when'} / {'pins', 'slot', 'map'} /
    {'event'}; ContextError naming the line for anything wrong."""
    src = _Source(text, path)
    root = compose(text, path)
    if root is None:
        raise ContextError('the file is empty (expected "actions:")', path, 1)
    top = {k: (kn, vn) for k, kn, vn in _mapping(src, root, 'the actions file', ('actions', 'context'))}
    if 'actions' not in top:
        raise src.error("the actions file has no 'actions:'", root)
    intents = {i['name']: i for i in ir['intents']}
    pins = allowed_pins()
    slots = ir['slots']
    table = {}
    for name, key_node, steps_node in _mapping(src, top['actions'][1], "'actions'"):
        if name not in intents:
            raise src.error(f"intent '{name}' is not in the context (intents: {', '.join(intents)})",
                            key_node)
        captures = _captures(ir, name)
        if not isinstance(steps_node, yaml.SequenceNode):
            raise src.error(f"the actions of '{name}' must be a list of steps", steps_node)
        steps = []
        for step_node in steps_node.value:
            step = {k: (kn, vn) for k, kn, vn in _mapping(src, step_node, f"a step of '{name}'",
                                                          sorted(STEP_KEYS))}
            steps.append(_step(src, step, step_node, name, captures, slots, pins))
        table[name] = steps
    return table


def _pin(src, node, pins):
    name = _text(src, node, 'a pin')
    if name not in pins:
        raise src.error(f"pin '{name}' cannot be driven by an action (pins: {', '.join(pins)})", node)
    return name


def _values(slot_types, slots):
    out = []
    for kind in slot_types:
        out.extend(v['value'] for v in slots[kind]['values'] if v['value'] not in out)
    return out


def _slot_value(src, node, slot_name, slot_types, slots):
    value = _text(src, node, f"a value of slot '{slot_name}'")
    values = _values(slot_types, slots)
    if value not in values:
        shown = ', '.join(values[:12]) + (', ...' if len(values) > 12 else '')
        raise src.error(f"'{value}' is not a value of slot '{slot_name}' ({shown})", node)
    return value


def _captured(src, node, intent, captures):
    slot = _text(src, node, 'a slot name')
    if slot not in captures:
        have = ', '.join(sorted(captures)) or 'none'
        raise src.error(f"intent '{intent}' never captures slot '{slot}' (its slots: {have})", node)
    return slot


def _step(src, step, node, intent, captures, slots, pins):
    kinds = [k for k in ('pin', 'pins', 'event') if k in step]
    if len(kinds) != 1:
        raise src.error("a step is one of {pin, level}, {pins, slot}, {event}", node)
    kind = kinds[0]
    if kind == 'event':
        extra = set(step) - {'event', 'when'}
        if extra:
            raise src.error(f"an event step takes no '{sorted(extra)[0]}'", step[sorted(extra)[0]][0])
        text = _text(src, step['event'][1], 'an event')
        for m in re.finditer(r'\{([^{}]*)\}', text):
            if m.group(1) not in captures:
                have = ', '.join(sorted(captures)) or 'none'
                raise src.error(f"'{{{m.group(1)}}}' in the event: intent '{intent}' has no such slot "
                                f"(its slots: {have})", step['event'][1])
        if re.sub(r'\{[^{}]*\}', '', text).count('{') or re.sub(r'\{[^{}]*\}', '', text).count('}'):
            raise src.error("a '{' or '}' in the event without its pair", step['event'][1])
        out = {'event': text}
    elif kind == 'pin':
        extra = set(step) - {'pin', 'level', 'when'}
        if extra:
            raise src.error(f"a pin step takes no '{sorted(extra)[0]}'", step[sorted(extra)[0]][0])
        if 'level' not in step:
            raise src.error(f"a pin step needs 'level' ({', '.join(LEVELS)})", node)
        level = _text(src, step['level'][1], 'a level')
        if level not in LEVELS:
            raise src.error(f"level '{level}' must be one of {', '.join(LEVELS)}", step['level'][1])
        out = {'pin': _pin(src, step['pin'][1], pins), 'level': level}
    else:
        extra = set(step) - {'pins', 'slot', 'map', 'when'}
        if extra:
            raise src.error(f"a pins step takes no '{sorted(extra)[0]}'", step[sorted(extra)[0]][0])
        pins_node = step['pins'][1]
        if not isinstance(pins_node, yaml.SequenceNode) or not pins_node.value:
            raise src.error('pins must be a list of pin names', pins_node)
        names = [_pin(src, n, pins) for n in pins_node.value]
        if 'slot' not in step:
            raise src.error('a pins step needs the slot whose value it shows', node)
        slot = _captured(src, step['slot'][1], intent, captures)
        values = _values(captures[slot], slots)
        if 'map' in step:
            mapping = {}
            for value, key_node, num_node in _mapping(src, step['map'][1], 'the map'):
                _slot_value(src, key_node, slot, captures[slot], slots)
                text = _text(src, num_node, 'a number')
                if not text.isdigit() or int(text) >= 1 << len(names):
                    raise src.error(f"'{text}' must be a number 0..{(1 << len(names)) - 1} "
                                    f"({len(names)} pins)", num_node)
                mapping[value] = int(text)
        else:
            bad = [v for v in values if not v.isdigit()]
            if bad:
                raise src.error(f"slot '{slot}' has values that are not numbers ('{bad[0]}'): "
                                f"give a map", node)
            mapping = {v: int(v) for v in values}
            too_big = [v for v in values if int(v) >= 1 << len(names)]
            if too_big:
                raise src.error(f"value {too_big[-1]} of slot '{slot}' does not fit in {len(names)} "
                                f"pins; give a map or more pins", node)
        out = {'pins': names, 'slot': slot, 'map': mapping}
    if 'when' in step:
        when = {}
        for slot_name, key_node, value_node in _mapping(src, step['when'][1], "'when'"):
            slot = _captured(src, key_node, intent, captures)
            if isinstance(value_node, yaml.ScalarNode) and value_node.tag.endswith(':null'):
                when[slot] = None  # the slot was not said
            else:
                when[slot] = _slot_value(src, value_node, slot, captures[slot], slots)
        out['when'] = when
    return out


def load(path, ir):
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except FileNotFoundError:
        raise ContextError('no such file', path)
    except (OSError, UnicodeDecodeError) as err:
        raise ContextError(f'cannot read it ({err})', path)
    return parse(text, ir, path)


def beside(context_path):
    """The actions table that goes with CONTEXT.yml: CONTEXT.actions.yml."""
    base = context_path[:-4] if context_path.endswith(('.yml', '.yaml')) else context_path
    if context_path.endswith('.yaml'):
        base = context_path[:-5]
    return base + '.actions.yml'
