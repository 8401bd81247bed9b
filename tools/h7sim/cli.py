"""Command line of the simulated board.

    python -m h7sim run ELF [--wav W] [--seconds N] [--json OUT] [--profile] [--gdb PORT]
    python -m h7sim bench [--json OUT]          # MIPS, 10 s audio wall time, determinism

Exit status of run: 0 ran to the end, 1 user error (bad ELF/WAV), 2 the firmware faulted,
locked up or hit the wall-time limit."""
import argparse
import json
import os
import sys
import tempfile
import time

from .errors import SimError
from .native import TOP


def write_json(path, data):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix='.tmp')
    with os.fdopen(fd, 'w') as f:
        json.dump(data, f, indent=2, default=str)
        f.write('\n')
    os.replace(tmp, path)


def format_fault(fault):
    pc = fault.get('pc')
    where = f"0x{pc:08x}" if isinstance(pc, int) else '?'
    func = f" in {fault['function']}" if fault.get('function') else ''
    addr = f", address 0x{fault['address']:08x}" if isinstance(fault.get('address'), int) else ''
    return (f"{fault.get('exception', fault.get('kind'))}: {fault.get('reason')} at PC {where}{func}{addr} "
            f"(t={fault.get('time', 0):.6f} s)")


def cmd_run(args):
    from .board import Board
    from .wav import load_wav
    board = Board(args.elf, echo_uart=not args.quiet, wall_limit=args.wall_limit, profile=args.profile,
                  mpu_guards=not args.no_mpu_guards)
    if args.wav:
        samples, note = load_wav(args.wav, strict=args.strict_wav)
        if note:
            print(note, file=sys.stderr)
        board.spi2.play(samples)
    if args.input:
        board.uart_write(args.input.encode().decode('unicode_escape'))
    if args.gdb is not None:
        from .gdbstub import serve
        serve(board, args.gdb, seconds=args.seconds)
    else:
        start = time.monotonic()
        board.run(seconds=args.seconds)
        wall = time.monotonic() - start
    summary = board.summary() if args.energy_table is None else \
        __import__('h7sim.measure', fromlist=['summarize']).summarize(board, args.energy_table)
    if args.gdb is None:
        summary['wall_time_s'] = wall
        summary['mips'] = board.instructions / wall / 1e6 if wall > 0 else None
    if args.profile:
        summary['profile'] = [{'function': f, 'instructions': n} for f, n in board.profile()[:args.profile_top]]
    if args.json:
        write_json(args.json, summary)
    if board.uart_partial and not args.quiet:
        print()
    status = 0
    print(f"h7sim: {summary['instructions']:,} instructions, {summary['virtual_time_s']:.6f} s virtual "
          f"(run {summary['time_per_mode_s']['run']:.4f} s, sleep {summary['time_per_mode_s']['sleep']:.4f} s, "
          f"stop {summary['time_per_mode_s']['stop']:.4f} s), stopped: {summary['stopped_because']}",
          file=sys.stderr)
    if args.wav or summary['audio']['frames_delivered']:
        a = summary['audio']
        print(f"h7sim: audio frames delivered {a['frames_delivered']}, dropped {a['frames_dropped']}, "
              f"half-buffers late {a['half_buffers_late']}", file=sys.stderr)
    e = summary['energy']
    if e['seconds_not_costed'] > 0:
        print(f"h7sim: energy: {e['joules_costed']:.6f} J costed; {e['seconds_not_costed']:.4f} s not costed "
              f"(no DS12110 figure in the table; give one with --energy-table)", file=sys.stderr)
    else:
        print(f"h7sim: energy: {e['joules_costed']:.6f} J at {e['supply_v']} V", file=sys.stderr)
    for w in summary['warnings']:
        print(f'h7sim: warning: {w}', file=sys.stderr)
    for fault in summary['faults']:
        print(f'h7sim: FAULT {format_fault(fault)}', file=sys.stderr)
        status = 2
    if summary['halted'] and summary['halted']['kind'] != 'sleep_forever':
        status = 2
    if summary['faults'] or summary['halted']:
        print('h7sim: last UART lines:', file=sys.stderr)
        for line in summary['uart']['tail']:
            print(f'  | {line}', file=sys.stderr)
    if summary['stopped_because'] == 'wall':
        print(f'h7sim: wall-time limit reached; PC 0x{board.pc:08x} in {board.elf.function_at(board.pc)}',
              file=sys.stderr)
        status = 2
    if args.profile:
        print('h7sim: profile (instructions per function):', file=sys.stderr)
        for row in summary['profile'][:15]:
            print(f"  {row['instructions']:>14,}  {row['function']}", file=sys.stderr)
    board.close()
    return status


def cmd_bench(args):
    from .bench import run_benchmarks
    return run_benchmarks(args)


def build_parser():
    parser = argparse.ArgumentParser(prog='python -m h7sim', description='Simulated STM32H743 board (Unicorn).')
    sub = parser.add_subparsers(dest='command', required=True)
    run = sub.add_parser('run', help='run a firmware ELF for N virtual seconds')
    run.add_argument('elf', help='firmware ELF (e.g. build/firmware/firmware/apps/platform_demo/platform_demo.elf)')
    run.add_argument('--wav', help='microphone input: WAV (16 kHz mono 16-bit; others are converted with a note)')
    run.add_argument('--strict-wav', action='store_true', help='refuse WAVs that need conversion')
    run.add_argument('--seconds', type=float, default=1.0, help='virtual seconds to run (default 1)')
    run.add_argument('--json', help='write the run summary (JSON) here')
    run.add_argument('--profile', action='store_true', help='per-function instruction profile')
    run.add_argument('--profile-top', type=int, default=40, help='functions kept in the profile')
    run.add_argument('--gdb', type=int, metavar='PORT', help='wait for gdb-multiarch on this TCP port')
    run.add_argument('--input', help="text sent to USART3 RX at start (escapes allowed: 'opp 240\\n')")
    run.add_argument('--wall-limit', type=float, default=600.0, help='wall-clock limit in seconds (default 600)')
    run.add_argument('--energy-table', help='JSON supply-current table (DS12110 figures with sources)')
    run.add_argument('--quiet', action='store_true', help='do not echo the UART')
    run.add_argument('--no-mpu-guards', action='store_true',
                     help='do not enforce MPU no-access regions (about 2x faster on memory-bound code)')
    run.set_defaults(func=cmd_run)
    bench = sub.add_parser('bench', help='benchmarks: MIPS, 10 s audio wall time, determinism (JSON)')
    bench.add_argument('--json', default=os.path.join(TOP, 'build', 'h7sim', 'bench.json'),
                       help='output JSON (default: build/h7sim/bench.json in the repository)')
    bench.add_argument('--elf', help='compute-bound image (default: built from tests/fixtures)')
    bench.add_argument('--audio-elf', help='image that captures audio (default: platform_demo if built)')
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SimError as exc:
        print(f'h7sim: error: {exc}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
