"""h7voice context check|expand|compile (python -m h7context ...).

check CONTEXT.yml [--actions A.yml]   validate the context (and its actions table,
                                      CONTEXT.actions.yml when it is there); print its size
expand CONTEXT.yml [--limit N] [--json]
                                      list the phrases it accepts, with intent and slots
expand CONTEXT.yml --sample N [--seed S] [--json]
                                      N phrases drawn uniformly over all it accepts (test
                                      utterances)
compile CONTEXT.yml -o OUT.json       the grammar IR as JSON (what the graph compiler takes)
compile CONTEXT.yml -o OUT.bin        the decoder's binary search graph (needs tools/h7speech)

Exit status: 0 done, 2 bad input (one line on stderr naming file:line:column).
"""
import argparse
import json
import os
import sys

from . import actions as actions_mod
from .expand import ambiguities, phrases, sample, stats
from .ir import vocabulary
from .parser import ContextError, load


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise _Usage(f'{message} (h7voice context --help)')


def _say(text):
    print(text)


def cmd_check(args):
    ir = load(args.context)
    st = stats(ir)
    distinct = (f"{st['distinct_phrases']:,}" if st['distinct_phrases'] is not None
                else f"more than {st['distinct_cap']:,}")
    _say(f"{args.context}: {st['intents']} intents, {st['expressions']} expressions, "
         f"{st['slot_types']} slot types ({st['slot_values']} values), {st['paths']:,} paths "
         f"({distinct} distinct phrases), {st['vocabulary']} words, phrases of {st['shortest_words']} to "
         f"{st['longest_words']} words")
    for kind in ir['unused']['slots']:
        _say(f"warning: slot type '{kind}' is not used by any expression")
    for name in ir['unused']['macros']:
        _say(f"warning: macro '{name}' is not used by any expression")
    for words, a, b in ambiguities(ir):
        _say(f"warning: '{' '.join(words)}' is an expression of both '{a}' and '{b}'")
    path = args.actions or actions_mod.beside(args.context)
    if args.actions or os.path.exists(path):
        table = actions_mod.load(path, ir)
        missing = [i['name'] for i in ir['intents'] if i['name'] not in table]
        _say(f"{path}: actions for {len(table)} of {len(ir['intents'])} intents"
             + (f" (no action: {', '.join(missing)})" if missing else ''))
    return 0


def cmd_expand(args):
    if args.limit is not None and args.limit < 1:
        raise _Usage('--limit must be at least 1')
    ir = load(args.context)
    if args.sample is not None:
        if args.sample < 1 or args.limit is not None:
            raise _Usage('--sample takes a count of at least 1, and not --limit')
        listed = sample(ir, args.sample, args.seed)
    else:
        listed = phrases(ir, args.limit)
    for p in listed:
        if args.json:
            print(json.dumps(p))
        else:
            slots = ' '.join(f'{k}={v}' for k, v in p['slots'].items())
            print(f"{p['intent']}\t{' '.join(p['words'])}" + (f'\t{slots}' if slots else ''))
    return 0


def cmd_compile(args):
    ir = load(args.context)
    out = args.output
    if out.endswith('.json'):
        _write(out, (json.dumps(ir, indent=1) + '\n').encode())
        st = stats(ir)
        _say(f"{out}: grammar IR v{ir['version']}, {st['intents']} intents, {st['expressions']} "
             f"expressions, {len(vocabulary(ir))} words ({os.path.getsize(out):,} bytes)")
        return 0
    from . import graph, table
    blob, info = graph.compile_ir(ir, log=lambda text: print(text, file=sys.stderr))
    _write(out, blob)
    _say(f"{out}: search graph {len(blob):,} bytes ({info['nodes']:,} nodes, {info['arcs']:,} arcs, "
         f"{info['labels']} labels{', slot values shared' if info['shared_slots'] else ''}); "
         f"context table {len(table.build(ir, blob)):,} bytes (embedded beside it by the commands image)")
    if info['guessed']:
        _say(f"words not in the dictionary, pronounced by letter-to-sound rules: {', '.join(info['guessed'])}")
    return 0


def _write(path, data):
    try:
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        with open(path, 'wb') as f:
            f.write(data)
    except OSError as err:
        raise ContextError(f'cannot write it ({err.strerror or err})', path)


def main(argv=None):
    parser = _Parser(prog='h7voice context', description=__doc__.split('\n')[0],
                     formatter_class=argparse.RawDescriptionHelpFormatter,
                     epilog='\n'.join(__doc__.split('\n')[2:]))
    sub = parser.add_subparsers(dest='command', required=True, parser_class=_Parser)
    p = sub.add_parser('check', help='validate a context, print its size')
    p.add_argument('context')
    p.add_argument('--actions', help='actions table (default: CONTEXT.actions.yml when present)')
    p.set_defaults(run=cmd_check)
    p = sub.add_parser('expand', help='list the phrases a context accepts')
    p.add_argument('context')
    p.add_argument('--limit', type=int, default=None, help='at most N phrases')
    p.add_argument('--sample', type=int, default=None, help='N phrases drawn at random over all paths')
    p.add_argument('--seed', type=int, default=0, help='seed of --sample')
    p.add_argument('--json', action='store_true', help='one JSON object per line')
    p.set_defaults(run=cmd_expand)
    p = sub.add_parser('compile', help='grammar IR (.json) or search graph (.bin)')
    p.add_argument('context')
    p.add_argument('-o', '--output', required=True)
    p.set_defaults(run=cmd_compile)
    try:
        args = parser.parse_args(argv)
        return args.run(args)
    except (ContextError, _Usage) as err:
        print(f'h7voice context: {err}', file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == '__main__':
    sys.exit(main())
