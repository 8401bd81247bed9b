"""Random mutations of the example contexts and actions tables (deterministic): the tools
give a ContextError or a valid grammar, never another exception."""
import random

import pytest

from h7context import ContextError, actions, check, parse, phrases
from h7context.expand import _count
from h7context.fuzz import NAMES, mutate, read


@pytest.mark.parametrize('name', NAMES)
def test_mutated_contexts(name):
    original, table = read(name), read(name, '.actions.yml')
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
