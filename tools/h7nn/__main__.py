"""h7nn command line: inspect, embed, check, bench. Run `python -m h7nn --help`."""
import argparse
import json
import os
import sys

if __package__ in (None, ''):  # run as a script (python tools/h7nn/__main__.py)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from h7nn.engine import TOP  # noqa: E402  (the repository: outputs go to its build/)


def cmd_inspect(args):
    from h7nn import planner
    from h7nn.tflite import Model, TYPE_NAMES
    m = Model.load(args.model)
    print('%s: %d ops, %d tensors, %d bytes' % (args.model, len(m.ops), len(m.tensors), len(m.data)))
    for i, op in enumerate(m.ops):
        outs = m.tensors[op['outputs'][0]] if op['outputs'] else None
        print('  %3d %-20s -> %s' % (i, op['name'], outs['shape'] if outs else ''))
    for k in ('m7', 'reference'):
        p = planner.plan(m, k, 4)
        print('arena (%s kernels, firmware): %d bytes = %d activations+scratch + %d constants'
              % (k, p['arena_bytes'], p['activations'], p['persistent']))
    for i in m.inputs:
        t = m.tensors[i]
        print('input  %s %s %s scale %s zero point %s' % (t['name'], t['shape'], TYPE_NAMES.get(t['type']),
                                                         t['scales'][:1], t['zero_points'][:1]))
    try:
        planner.check_supported(m, args.model)
    except ValueError as e:
        print('note:', e)
    return 0


def cmd_embed(args):
    from h7nn.embed import embed
    info = embed(args.model, args.output, args.name)
    if not args.quiet:
        print('h7nn embed: %s -> %s/%s_model.{c,h}: %d bytes, ops %s, arena %d bytes'
              % (args.model, args.output, args.name, info['model_bytes'], ', '.join(info['ops']),
                 info['arena_bytes']))
    return 0


def cmd_check(args):
    """Bit-exactness of the host engine against TFLM on random inputs."""
    import numpy as np
    from h7nn.engine import Interpreter
    from h7nn.reference import Reference
    data = open(args.model, 'rb').read()
    ref = Reference(data)
    rng = np.random.default_rng(args.seed)
    result = {}
    for kernels in ('reference', 'm7'):
        eng = Interpreter(data, optimized=kernels == 'm7')
        d = eng.input_details()
        bad = 0
        for _ in range(args.count):
            x = rng.integers(-128, 128, size=d['shape'], dtype=np.int8)
            if not np.array_equal(eng.run(x), ref.run(x)):
                bad += 1
        result[kernels] = {'inputs': args.count, 'mismatches': bad}
        print('%s kernels: %d random inputs, %d outputs differ from TFLM' % (kernels, args.count, bad))
    return 0 if all(r['mismatches'] == 0 for r in result.values()) else 1


def cmd_bench(args):
    from h7nn import bench
    return bench.main(args)


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m h7nn', description='h7nn engine tools')
    sub = p.add_subparsers(dest='command', required=True)
    s = sub.add_parser('inspect', help='ops, tensors and the arena plan of a .tflite model')
    s.add_argument('model')
    s.set_defaults(fn=cmd_inspect)
    s = sub.add_parser('embed', help='write NAME_model.c/.h (bytes, op resolver, arena size)')
    s.add_argument('model')
    s.add_argument('-o', '--output', required=True, help='output folder')
    s.add_argument('--name', default='model', help='C name prefix (default: model)')
    s.add_argument('-q', '--quiet', action='store_true')
    s.set_defaults(fn=cmd_embed)
    s = sub.add_parser('check', help='host engine vs TFLM on random inputs (bit-exactness)')
    s.add_argument('model')
    s.add_argument('-n', '--count', type=int, default=1000)
    s.add_argument('--seed', type=int, default=0)
    s.set_defaults(fn=cmd_check)
    s = sub.add_parser('bench', help='instructions per op on the simulated board (JSON + table)')
    s.add_argument('model', nargs='?', default=None,
                   help='.tflite model (default: ../shared/models/mlperf_tiny_kws_ref_model.tflite)')
    s.add_argument('-o', '--output', default=os.path.join(TOP, 'build', 'bench', 'h7nn_bench'),
                   help='output path without extension (default: build/bench/h7nn_bench in the repository)')
    s.set_defaults(fn=cmd_bench)
    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except Exception as e:  # user mistakes (bad paths, models) as one clear line
        from h7nn.embed import EmbedError
        from h7nn.tflite import ModelError
        if isinstance(e, (EmbedError, ModelError, FileNotFoundError, ValueError)):
            print('h7nn %s: error: %s' % (args.command, e), file=sys.stderr)
            return 2
        raise


if __name__ == '__main__':
    sys.exit(main())
