"""h7speech command line.

  python -m h7speech graph --words "go forward" stop ... -o X.bin    one of the phrases
  python -m h7speech graph --grammar FILE -o X.bin                   a text grammar
  python -m h7speech graph --align "the transcript" -o X.bin         forced alignment
  python -m h7speech g2p WORD ...                                    phones of words
  python -m h7speech g2p-train                                       derive the rules (cached)
  python -m h7speech g2p-eval [--json build/bench/g2p.json]          accuracy on held-out words
  python -m h7speech fuzz [--runs N | --seconds S]                   the graph-loader fuzzer

Bad input is one line on stderr and exit status 2.
"""
import argparse
import json
import os
import sys

if __package__ in (None, ''):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from h7voice import paths  # noqa: E402

from h7speech import g2p, graph  # noqa: E402


def _log(msg):
    print(msg, file=sys.stderr)


def cmd_graph(args):
    if sum(bool(x) for x in (args.words, args.grammar, args.align)) != 1:
        raise graph.GraphError('give exactly one of --words, --grammar, --align')
    if args.words:
        phrases = [' '.join(g2p.normalise(p)) for p in args.words]
        if not all(phrases):
            raise graph.GraphError('a phrase has no words after normalisation: %r' % args.words[phrases.index('')])
        expr = graph.word_list(phrases)
    elif args.grammar:
        if not os.path.exists(args.grammar):
            raise graph.GraphError('grammar file %s does not exist' % args.grammar)
        text = open(args.grammar, encoding='utf-8').read()
        expr = graph.parse_grammar(text)
    else:
        words = g2p.normalise(args.align)
        if not words:
            raise graph.GraphError('the transcript has no words')
        expr = graph.transcript(words)
    data = graph.compile_graph(expr, g2p.lexicon(_log), silence=not args.no_silence)
    from h7speech import decoder   # the C loader validates what we wrote
    decoder.LoadedGraph(data)
    out = os.path.abspath(args.output)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out + '.tmp', 'wb') as f:
        f.write(data)
    os.replace(out + '.tmp', out)
    info = graph.info(data)
    print('%s: %d bytes, %d nodes (%d null), %d arcs, %d labels' % (
        paths.rel(out), info['bytes'], info['nodes'], info['null_nodes'], info['arcs'], info['labels']))
    return 0


def cmd_g2p(args):
    for text in args.words:
        for w in g2p.normalise(text):
            prons, source = g2p.pronounce(w, _log)
            for p in prons:
                print('%-20s %-10s %s' % (w, source, ' '.join(p)))
    return 0


def cmd_g2p_train(args):
    model = g2p.train_default(_log)
    print('%s: %d rules from %d words' % (paths.rel(g2p.RULES_PATH), len(model['rules']), model['words']))
    return 0


def cmd_g2p_eval(args):
    _, held = g2p.split_holdout(g2p.dictionary())
    result = g2p.evaluate(g2p.rules(_log), held)
    result['held_out'] = 'every %dth plain word of cmudict-en-us.dict (rules derived from the others)' % g2p.HOLDOUT_EVERY
    print('letter-to-sound rules on %d held-out dictionary words: word accuracy %.1f%%, phone error rate %.1f%%'
          % (result['words'], 100 * result['word_accuracy'], 100 * result['phone_error_rate']))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)
    return 0


def cmd_fuzz(args):
    from h7speech import fuzz
    code, execs, out = fuzz.run(args.seconds, args.runs)
    print(out[-3000:] if code else out[-600:])
    print('fuzz_h7dec: %d executions, exit status %d' % (execs, code))
    return code


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m h7speech', description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = p.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('graph', help='compile a search graph')
    s.add_argument('--words', nargs='+', help='phrases: the graph accepts any one of them')
    s.add_argument('--grammar', help='a text grammar file (one expression per line; see h7speech/graph.py)')
    s.add_argument('--align', help='a transcript to align')
    s.add_argument('--no-silence', action='store_true', help='no optional silence before and after')
    s.add_argument('-o', '--output', required=True)
    s.set_defaults(fn=cmd_graph)
    s = sub.add_parser('g2p', help='phones of words')
    s.add_argument('words', nargs='+')
    s.set_defaults(fn=cmd_g2p)
    s = sub.add_parser('g2p-train', help='derive the letter-to-sound rules from the dictionary')
    s.set_defaults(fn=cmd_g2p_train)
    s = sub.add_parser('g2p-eval', help='accuracy of the rules on held-out dictionary words')
    s.add_argument('--json')
    s.set_defaults(fn=cmd_g2p_eval)
    s = sub.add_parser('fuzz', help='run the graph-loader fuzzer')
    s.add_argument('--runs', type=int)
    s.add_argument('--seconds', type=int)
    s.set_defaults(fn=cmd_fuzz)
    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except (graph.GraphError, g2p.G2PError, paths.MissingPart) as e:
        print('error: %s' % e, file=sys.stderr)
        return 2
    except Exception as e:   # the C library's refusals
        from h7speech import decoder
        if isinstance(e, decoder.DecoderError):
            print('error: %s' % e, file=sys.stderr)
            return 2
        raise


if __name__ == '__main__':
    sys.exit(main())
