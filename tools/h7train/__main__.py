"""h7train command line.

(run with tools/ on PYTHONPATH: PYTHONPATH=tools python -m h7train ...)

    python -m h7train all --seed 1                  train every stage, write models/
    python -m h7train all --preset smoke --out DIR  a few minutes, tiny data (CI)
    python -m h7train evaluate models/kws_default.tflite
"""
import argparse
import json
import os
import sys

from h7voice.paths import MODELS, TOP

def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m h7train', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='command', required=True)
    a = sub.add_parser('all', help='data -> train -> prune -> distill -> QAT -> int8 -> evaluate')
    a.add_argument('--seed', type=int, default=1)
    a.add_argument('--preset', choices=['full', 'smoke'], default='full')
    a.add_argument('--out', default=MODELS, help='output folder (default models/)')
    a.add_argument('--work', help='scratch folder (default build/h7train/<preset>-<seed>)')
    a.add_argument('--no-board', action='store_true',
                   help='leave out the demo run on the simulated board (it rebuilds the '
                        'firmware image with each new model)')
    r = sub.add_parser('report', help='re-evaluate the shipped models of a folder and rewrite '
                                      'its report.md/.json and plots (keeps the stage table)')
    r.add_argument('--out', default=MODELS)
    r.add_argument('--no-board', action='store_true',
                   help='leave out the demo run on the simulated board (the report then has '
                        'no board line)')
    e = sub.add_parser('evaluate', help='evaluate an int8 .tflite (its .json must be beside it)')
    e.add_argument('model')
    e.add_argument('--seed', type=int, default=1)
    e.add_argument('--per-word', type=int, default=100, help='test clips per keyword')
    e.add_argument('--fa-minutes', type=float, default=10, help='minutes of keyword-free audio')
    e.add_argument('--demo', default=os.path.join(MODELS, 'recordings', 'demo_commands.wav'),
                   help='recording run through the firmware pipeline (host build)')
    e.add_argument('--json', help='write the report here')
    args = p.parse_args(argv)
    from h7data.wavio import AudioError
    from kwsapp.detector import DetectorError
    from kwsapp.truth import TruthError
    from .export import ModelFileError
    try:
        if args.command == 'all':
            from .pipeline import run_all
            run_all(seed=args.seed, preset=args.preset, out_dir=args.out,
                    work_dir=args.work or os.path.join(TOP, 'build', 'h7train', f'{args.preset}-{args.seed}'),
                    board=not args.no_board)
        elif args.command == 'report':
            from .export import ModelFileError as _E
            from .pipeline import write_reports
            path = os.path.join(args.out, 'report.json')
            try:
                with open(path) as f:
                    full = json.load(f)
            except (OSError, json.JSONDecodeError) as err:
                raise _E(f'{path}: cannot read the previous report ({err})') from None
            write_reports(full, args.out, board=not args.no_board)
        else:
            from .evaluate import evaluate
            from h7data.wavio import atomic_write_text
            rep = evaluate(args.model, seed=args.seed, per_word=args.per_word,
                           fa_minutes=args.fa_minutes, demo_wav=args.demo)
            if args.json:
                atomic_write_text(args.json, json.dumps(rep, indent=1) + '\n')
    except (ModelFileError, AudioError, DetectorError, TruthError, ValueError, RuntimeError,
            OSError) as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(2)


if __name__ == '__main__':
    main()
