"""Random mutations of the example contexts and actions tables (deterministic): the tools
give a ContextError or a valid grammar, never another exception."""
import os
import random

import pytest

from h7context import ContextError, actions, check, parse, phrases
from h7context.expand import _count

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'examples')
NAMES = ('lights', 'thermostat', 'media', 'home')
# characters that mean something to YAML or to the expression syntax, and some that do not
SPICE = list("[](),$@:-'\"\n\t {}#&*!|>%°2?~.\\") + ['$pv.', '@polite', '$location:', '\u00e9', '\x00',
                                                    '\ufeff', '- ', ': ', '  ', '---\n', '&a ', '*a ']


def mutate(text, rng):
    lines = text.split('\n')
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        if op == 0 and text:  # delete a span
            i = rng.randrange(len(text))
            text = text[:i] + text[i + rng.randint(1, 6):]
        elif op == 1:  # insert something
            i = rng.randrange(len(text) + 1)
            text = text[:i] + rng.choice(SPICE) + text[i:]
        elif op == 2 and text:  # replace a character
            i = rng.randrange(len(text))
            text = text[:i] + rng.choice(SPICE) + text[i + 1:]
        else:
            lines = text.split('\n')
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            if op == 3:
                lines.insert(j, lines[i])  # duplicate a line
            elif op == 4:
                del lines[i]
            elif op == 5:
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines[i] = ' ' * rng.randint(0, 3) + lines[i].lstrip(' ')  # re-indent
            text = '\n'.join(lines)
    return text


@pytest.mark.parametrize('name', NAMES)
def test_mutated_contexts(name):
    with open(os.path.join(EXAMPLES, name + '.yml'), encoding='utf-8') as f:
        original = f.read()
    with open(os.path.join(EXAMPLES, name + '.actions.yml'), encoding='utf-8') as f:
        table = f.read()
    ir_original = parse(original, name + '.yml')
    rng = random.Random(f'h7context-fuzz-{name}')
    outcomes = {'error': 0, 'ok': 0}
    for n in range(100):
        text = mutate(original, rng)
        try:
            ir = parse(text, 'm.yml')
        except ContextError as err:
            assert str(err).startswith('m.yml') and '\n' not in str(err), repr(err)
            outcomes['error'] += 1
            continue
        outcomes['ok'] += 1
        check(ir)
        for e in (e for i in ir['intents'] for e in i['expressions']):
            assert _count(e['sequence'], ir['slots'])[0] >= 1
        assert len(list(phrases(ir, limit=20))) >= 1
    # the mutations hit both ways: they are not all trivially broken or all harmless
    assert outcomes['error'] >= 10 and outcomes['ok'] >= 10, outcomes
    for n in range(50):
        try:
            actions.parse(mutate(table, rng), ir_original, 'a.yml')
        except ContextError as err:
            assert str(err).startswith('a.yml') and '\n' not in str(err), repr(err)
