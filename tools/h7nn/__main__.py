"""h7nn command line: inspect, embed, check, bench. Run `python -m h7nn --help`."""
import argparse
import os
import sys

if __package__ in (None, ''):  # run as a script (python tools/h7nn/__main__.py)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from h7voice.paths import TOP  # noqa: E402  (the repository: outputs go to its build/)


def _accepted(path):
    """The engine's verdict first (what the board would refuse stops every tool here)."""
    from h7nn.embed import read_model, verify
    data = read_model(path)
    return data, verify(path, data)


def cmd_inspect(args):
    from h7nn import engine
    from h7nn.embed import board_plans
    from h7nn.tflite import TYPE_NAMES
    data, accepted = _accepted(args.model)
    nn = accepted['m7']
    names = nn.ops()
    print('%s: %d ops, %d bytes, crc32 %08x; the engine accepts it (M7 and reference kernels)'
          % (args.model, len(names), len(data), engine.crc32(data)))
    plans = {k: engine.plan(v) for k, v in accepted.items()}
    _, with_plan, _, _ = board_plans(args.model, data, accepted)
    for i, name in enumerate(names):
        print('  %3d %-20s scratch %6d B (M7) %6d B (reference)'
              % (i, name, plans['m7']['ops'][i]['scratch'], plans['reference']['ops'][i]['scratch']))
    for k, p in with_plan.items():
        lay = p['layout']
        print('arena (%s kernels, with the embedded plan): %d bytes on this host = %d activations+scratch + %d op'
              ' constants + %d pointers + tables for %d tensors and %d ops (the firmware: H7NN_ARENA_BYTES(%d, %d,'
              ' %d, %d, %d)); %d bytes when the engine plans itself'
              % (k, p['arena_used'], lay['activations'], lay['constants'], lay['pointers'], lay['tensors'],
                 lay['ops'], lay['activations'], lay['constants'], lay['pointers'], lay['tensors'], lay['ops'],
                 plans[k]['arena_used']))
    for i in range(nn._lib.h7nn_input_count(nn._nn)):
        d = nn.input_details(i)
        print('input  %d: %s %s scale %.9g zero point %d' % (i, d['shape'], TYPE_NAMES.get(d['type'], '?'),
                                                            d['scale'], d['zero_point']))
    for i in range(nn._lib.h7nn_output_count(nn._nn)):
        d = nn.output_details(i)
        print('output %d: %s %s scale %.9g zero point %d' % (i, d['shape'], TYPE_NAMES.get(d['type'], '?'),
                                                            d['scale'], d['zero_point']))
    return 0


def cmd_embed(args):
    from h7nn.embed import embed
    info = embed(args.model, args.output, args.name, args.prearrange_bytes)
    if not args.quiet:
        print('h7nn embed: %s -> %s/%s_model.{c,h}: %d bytes (crc32 %08x), ops %s, arena %d bytes on this host, '
              'pre-arranged weights %d bytes'
              % (args.model, args.output, args.name, info['model_bytes'], info['crc32'], ', '.join(info['ops']),
                 info['arena_bytes_host'], info['packed_bytes']))
    return 0


def cmd_check(args):
    """Bit-exactness of the host engine against TFLM on random inputs."""
    import numpy as np
    from h7nn.reference import Reference, probe
    data, accepted = _accepted(args.model)
    # the engine accepts it; the TFLM runtime (the oracle) may not, and aborts on some files
    why = probe(data)
    if why:
        raise ValueError('%s: the TFLM reference runtime cannot run it, nothing to compare with: %s'
                         % (args.model, why))
    ref = Reference(data)
    rng = np.random.default_rng(args.seed)
    result = {}
    for kernels in ('reference', 'm7'):
        eng = accepted[kernels]
        d = eng.input_details()
        bad = 0
        for _ in range(args.count):
            x = rng.integers(-128, 128, size=d['shape'], dtype=np.int8)
            if not np.array_equal(eng.run(x), ref.run(x)):
                bad += 1
        result[kernels] = {'inputs': args.count, 'mismatches': bad}
        print('%s kernels: %d random inputs, %d outputs differ from TFLM' % (kernels, args.count, bad))
    return 0 if all(r['mismatches'] == 0 for r in result.values()) else 1


def cmd_ops(args):
    from h7nn import oplist
    print(oplist.table())
    print('(from %s)' % os.path.relpath(oplist.DEF_FILE, TOP))
    return 0


def cmd_fuzz_corpus(args):
    from h7nn import corrupt
    return corrupt.main_fuzz_corpus(args)


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
    s.add_argument('--prearrange-bytes', type=int, default=None, metavar='BYTES',
                   help='flash for the M7 kernels\' pre-arranged weights (default: all of them; 0: none)')
    s.add_argument('-q', '--quiet', action='store_true')
    s.set_defaults(fn=cmd_embed)
    s = sub.add_parser('check', help='host engine vs TFLM on random inputs (bit-exactness)')
    s.add_argument('model')
    s.add_argument('-n', '--count', type=int, default=1000)
    s.add_argument('--seed', type=int, default=0)
    s.set_defaults(fn=cmd_check)
    s = sub.add_parser('ops', help="the engine's op list (firmware/engine/h7nn_ops.def)")
    s.set_defaults(fn=cmd_ops)
    s = sub.add_parser('fuzz-corpus', help='every model tool and the engine over the corrupt-model corpus')
    s.add_argument('--count', type=int, default=None, help='only the first COUNT files (default: all)')
    s.add_argument('--regenerate', action='store_true', help='write the corpus again first')
    s.add_argument('-o', '--output', default=os.path.join(TOP, 'build', 'bench', 'h7nn_fuzz_corpus.json'))
    s.set_defaults(fn=cmd_fuzz_corpus)
    s = sub.add_parser('bench', help='instructions per op on the simulated board (JSON + table)')
    s.add_argument('model', nargs='?', default=None,
                   help='.tflite model (default: every MLPerf Tiny model in ../shared/models, KWS last)')
    s.add_argument('--inputs', type=int, default=10,
                   help='pseudo-random inputs checked bit for bit against tflite_micro (default: 10, the boot check)')
    s.add_argument('-o', '--output', default=os.path.join(TOP, 'build', 'bench', 'h7nn_bench'),
                   help='output path without extension (default: build/bench/h7nn_bench in the repository)')
    s.set_defaults(fn=cmd_bench)
    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except Exception as e:  # user mistakes (bad paths, models) as one clear line
        from h7nn.embed import EmbedError
        from h7nn.engine import EngineError
        from h7nn.tflite import ModelError
        from h7voice.paths import MissingPart
        if isinstance(e, (EmbedError, EngineError, ModelError, MissingPart, OSError, ValueError)):
            print('h7nn %s: error: %s' % (args.command, e), file=sys.stderr)
            return 2
        raise


if __name__ == '__main__':
    sys.exit(main())
