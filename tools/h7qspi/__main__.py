"""python -m h7qspi bench [--json PATH] [--count N] | model [OUT.tflite]"""
import argparse
import sys


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m h7qspi', description='weights in external QSPI flash')
    sub = p.add_subparsers(dest='cmd', required=True)
    b = sub.add_parser('bench', help='QSPI + prefetch vs no prefetch vs internal flash, on the simulated board')
    b.add_argument('--json', help='output (default build/bench/qspi.json)')
    b.add_argument('--count', type=int, default=3, help='inferences per mode (>= 2)')
    m = sub.add_parser('model', help='(re)make the > 2 MB test model with the TF converter')
    m.add_argument('out', nargs='?')
    args = p.parse_args(argv)
    from .board import QspiBenchError
    try:
        if args.cmd == 'bench':
            if args.count < 2:
                p.error('--count must be at least 2 (the first inference and the steady state)')
            from .bench import bench
            out = bench(count=args.count, json_path=args.json)
            return 0 if out['all_bit_exact'] else 1
        from .model import build, DEFAULT
        print(build(args.out or DEFAULT))
        return 0
    except QspiBenchError as e:
        print(f'h7qspi: {e}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
