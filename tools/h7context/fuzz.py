"""Mutation fuzzing of contexts: random edits of the example contexts and actions tables
must give a ContextError (one line) or a valid grammar, never another exception.

    python -m h7context.fuzz [--runs N] [--seed S] [--graph]

The tests run a few hundred mutations (tests/test_context_fuzz.py); this command runs as
many as asked (--graph: also through the decoder library's graph compiler and C loader).
"""
import argparse
import os
import random
import sys
import time
import traceback

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'examples')
NAMES = ('lights', 'thermostat', 'media', 'home')
# characters that mean something to YAML or to the expression syntax, and some that do not
SPICE = list("[](),$@:-'\"\n\t {}#&*!|>%°2?~.\\") + ['$pv.', '@polite', '$location:', '\u00e9', '\x00',
                                                    '\ufeff', '- ', ': ', '  ', '---\n', '&a ', '*a ']


def mutate(text, rng):
    """1-4 random edits: spans deleted, characters inserted or replaced, lines duplicated,
    deleted, swapped or re-indented."""
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        if op == 0 and text:
            i = rng.randrange(len(text))
            text = text[:i] + text[i + rng.randint(1, 6):]
        elif op == 1:
            i = rng.randrange(len(text) + 1)
            text = text[:i] + rng.choice(SPICE) + text[i:]
        elif op == 2 and text:
            i = rng.randrange(len(text))
            text = text[:i] + rng.choice(SPICE) + text[i + 1:]
        else:
            lines = text.split('\n')
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            if op == 3:
                lines.insert(j, lines[i])
            elif op == 4:
                del lines[i]
            elif op == 5:
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines[i] = ' ' * rng.randint(0, 3) + lines[i].lstrip(' ')
            text = '\n'.join(lines)
    return text


def read(name, suffix='.yml'):
    with open(os.path.join(EXAMPLES, name + suffix), encoding='utf-8') as f:
        return f.read()


def main(argv=None):
    from . import actions, check, parse, phrases, stats
    from .parser import ContextError
    ap = argparse.ArgumentParser(prog='python -m h7context.fuzz', description=__doc__.split('\n')[0])
    ap.add_argument('--runs', type=int, default=2000, help='mutations per example (default 2000)')
    ap.add_argument('--seed', default='1')
    ap.add_argument('--graph', action='store_true', help='also compile each grammar (needs tools/h7speech)')
    args = ap.parse_args(argv)
    if args.graph:
        from h7speech import decoder, g2p

        import numpy as np

        from h7intent.engine import IntentError, _commands

        from . import graph
        from . import table as context_table

        frames = np.full((8, 41), -8 * 256, np.int32)

        def decide(blob, tab):
            """The table through the C reader the image runs (cmd_table_load + a decision)."""
            import ctypes
            out, msg = ctypes.create_string_buffer(512), ctypes.create_string_buffer(256)
            if _commands().cmd_host_decode(blob, len(blob), tab, len(tab), frames.ctypes.data, 8, 0, 3072,
                                           -512, 300, 0, -256, out, 512, msg, 256) == -2:
                raise IntentError(msg.value.decode())

        def lexicon(word):
            return g2p.dictionary().get(word) or [['AH']]
    start, counts, failures = time.monotonic(), {'refused': 0, 'accepted': 0}, 0
    for name in NAMES:
        original, table = read(name), read(name, '.actions.yml')
        ir0 = parse(original, name)
        rng = random.Random(f'{args.seed}-{name}')
        for _ in range(args.runs):
            text = mutate(original, rng)
            try:
                try:
                    ir = parse(text, 'm.yml')
                    check(ir)
                    list(phrases(ir, 50))
                    stats(ir, distinct_cap=2000)
                    if args.graph:
                        blob = graph.compile_ir(ir, lexicon=lexicon)[0]
                        decoder.LoadedGraph(blob)
                        decide(blob, context_table.build(ir, blob))
                    counts['accepted'] += 1
                except ContextError:
                    counts['refused'] += 1
                try:
                    actions.parse(mutate(table, rng), ir0, 'a.yml')
                except ContextError:
                    pass
            except Exception:
                failures += 1
                print(f'--- {name}: {traceback.format_exc().splitlines()[-1]}\n{text!r}', file=sys.stderr)
    print(f"h7context fuzz: {args.runs * len(NAMES)} mutated contexts ({counts['accepted']} accepted, "
          f"{counts['refused']} refused) and as many actions tables, {failures} failures, "
          f'{time.monotonic() - start:.0f} s')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
