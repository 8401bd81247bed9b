"""kwsapp command line: python -m kwsapp {scenario,score,stream-eval} --help"""
import argparse
import json
import sys

from . import events, score, truth


def cmd_scenario(args):
    from . import scenarios
    # --here: this fresh process is the one make() starts (it synthesizes nothing before)
    path = (scenarios.make_here if args.here else scenarios.make)(args.name, args.out, seed=args.seed)
    print(f'wrote {args.out} and {path}')


def cmd_score(args):
    with open(args.console) as f:
        evs, _ = events.parse_console(f.read())
    result = score.score(events.detections(evs), truth.load_truth(args.truth), args.tolerance_ms,
                         set(args.keywords.split(',')) if args.keywords else None)
    for line in score.describe_failures(result):
        print(line)
    print(json.dumps({k: result[k] for k in ('commands', 'exactly_once', 'duplicates', 'ok')}))
    return 0 if result['ok'] else 1


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m kwsapp', description=__doc__)
    sub = p.add_subparsers(dest='command', required=True)
    s = sub.add_parser('scenario', help='write a test recording + ground truth JSON')
    s.add_argument('name')
    s.add_argument('--out', required=True, help='WAV path (the JSON goes beside it)')
    s.add_argument('--seed', type=int, default=7)
    s.add_argument('--here', action='store_true', help='synthesize in this process (make() runs it so)')
    s.set_defaults(func=cmd_scenario)
    c = sub.add_parser('score', help='score a console log against ground truth')
    c.add_argument('console', help='text file with the firmware console output')
    c.add_argument('truth', help='ground-truth JSON')
    c.add_argument('--tolerance-ms', type=float, default=200.0)
    c.add_argument('--keywords', default='yes,no,up,down,left,right,on,off,stop,go')
    c.set_defaults(func=cmd_score)
    e = sub.add_parser('stream-eval', help='streaming vs full windows: the firmware\'s decision on '
                       'held-out real speech (kwsapp/streameval.py)')
    e.add_argument('--model', default='models/kws_stream.tflite')
    e.add_argument('--out', default='build/bench/kws_stream_decisions.json')
    e.set_defaults(func=lambda a: __import__('kwsapp.streameval', fromlist=['main']).main(a))
    args = p.parse_args(argv)
    try:
        return args.func(args) or 0
    except (ValueError, OSError) as err:
        sys.exit(f'error: {err}')


if __name__ == '__main__':
    sys.exit(main())
