"""Command line of the simulated board.

    python -m h7sim run ELF [--wav W] [--seconds N] [--json OUT] [--inject SPEC]... [--profile] [--gdb PORT]
    python -m h7sim bench [--json OUT]          # MIPS, 10 s audio wall time, determinism
    python -m h7sim soak [--hours 1] [--json OUT]   # keyword image, speech/noise/faults (soak.py)

Exit status of run: 0 ran to the end, 1 the firmware faulted or locked up (injected faults
do not count), 2 bad input (refused with one line: options, ELF, WAV, output path),
3 the run did not reach its end (wall-clock limit, or virtual time stopped advancing)."""
import argparse
import json
import math
import os
import sys
import tempfile
import time

EXIT_OK, EXIT_FAULT, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3

from .errors import SimError
from h7voice.paths import TOP


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


def check_output_path(path):
    """Refuses an output path that cannot be written, before any long work starts (creates
    its folder and writes a probe file there)."""
    if os.path.isdir(path):
        raise SimError(f'{path}: is a folder; give a file name for the JSON summary')
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, suffix='.probe')
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise SimError(f'{path}: cannot write the JSON summary there ({exc.strerror or exc})') from None


def lsi_frequency(text):
    """--lsi-hz: an LSI of 24-40 kHz (32 kHz +-25 %: beyond that it is not an LSI)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'not a number: {text!r}') from None
    if not 24_000 <= value <= 40_000:
        raise argparse.ArgumentTypeError(f'an LSI runs at 24000-40000 Hz (32 kHz +-25 %), not {text!r}')
    return value


def positive_seconds(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'not a number: {text!r}') from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f'must be a finite number > 0, not {text!r}')
    return value


def nonnegative_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'not a whole number: {text!r}') from None
    if value < 0:
        raise argparse.ArgumentTypeError(f'must be >= 0, not {text!r}')
    return value


def port_number(text):
    value = nonnegative_int(text)
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f'not a TCP port: {text!r}')
    return value


def fault_spec(text):
    from .faults import parse_spec
    try:
        parse_spec(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def play_wav(board, path, strict=False):
    """The one way h7sim feeds a WAV file to the board's microphone (load_wav in wav.py reads
    it). Returns the conversion note (or None)."""
    from .wav import load_wav
    samples, note = load_wav(path, strict=strict)
    board.spi2.play(samples)
    return note


def stop_line(where, why):
    """One line: where virtual time stopped."""
    return (f"h7sim: {why}: virtual time stopped at {where['time_s']:.6f} s, PC 0x{where['pc']:08x} in "
            f"{where['function']} ({where['mode']} mode), last UART line: {where['last_uart_line']!r}")


def cmd_run(args):
    from .board import Board, default_wall_limit
    if args.json:
        check_output_path(args.json)
    wall_limit = args.wall_limit if args.wall_limit is not None else default_wall_limit(args.seconds)
    board = Board(args.elf, echo_uart=not args.quiet, wall_limit=wall_limit, profile=args.profile,
                  mpu_guards=not args.no_mpu_guards, lsi_hz=args.lsi_hz)
    if args.wav:
        note = play_wav(board, args.wav, strict=args.strict_wav)
        if note:
            print(note, file=sys.stderr)
    for spec in args.inject or []:
        board.inject_spec(spec)
    if args.input:
        board.uart_write(args.input.encode().decode('unicode_escape'))
    if args.gdb is not None:
        from .gdbstub import serve
        serve(board, args.gdb, seconds=args.seconds)
    else:
        start, cpu_start = time.monotonic(), time.process_time()
        board.run(seconds=args.seconds)
        wall, cpu = time.monotonic() - start, time.process_time() - cpu_start
    summary = board.summary() if args.energy_table is None else \
        __import__('h7sim.measure', fromlist=['summarize']).summarize(board, args.energy_table)
    if args.gdb is None:
        summary['wall_time_s'] = wall
        summary['cpu_time_s'] = cpu  # the host may be shared: wall time includes waiting
        summary['mips'] = board.instructions / wall / 1e6 if wall > 0 else None
    if args.profile:
        summary['profile'] = [{'function': f, 'instructions': n} for f, n in board.profile()[:args.profile_top]]
    if args.json:
        write_json(args.json, summary)
    if board.uart_partial and not args.quiet:
        print()
    status = EXIT_OK
    print(f"h7sim: {summary['instructions']:,} instructions, {summary['virtual_time_s']:.6f} s virtual "
          f"(run {summary['time_per_mode_s']['run']:.4f} s, sleep {summary['time_per_mode_s']['sleep']:.4f} s, "
          f"stop {summary['time_per_mode_s']['stop']:.4f} s), stopped: {summary['stopped_because']}",
          file=sys.stderr)
    if args.wav or summary['audio']['frames_delivered']:
        a = summary['audio']
        g = a['ground_truth']
        print(f"h7sim: audio samples produced {g['samples_produced']}, written {g['samples_written']}, "
              f"lost {g['samples_lost']} (overwritten before read {g['samples_overwritten']}, dropped "
              f"{g['samples_dropped']}), half-buffers late {a['half_buffers_late']}", file=sys.stderr)
    for f in summary['injected']:
        print(f"h7sim: injected {f['kind']} at {f['at_s']:g} s: {f['effect'] or f['state']}; outcome "
              f"{json.dumps(f['outcome'])}", file=sys.stderr)
    e = summary['energy']
    if e['seconds_not_costed'] > 0:
        print(f"h7sim: energy: {e['joules_costed']:.6f} J costed; {e['seconds_not_costed']:.4f} s not costed "
              f"(no DS12110 figure in the table; give one with --energy-table)", file=sys.stderr)
    else:
        print(f"h7sim: energy: {e['joules_costed']:.6f} J at {e['supply_v']} V", file=sys.stderr)
    for w in summary['warnings']:
        print(f'h7sim: warning: {w}', file=sys.stderr)
    for fault in summary['faults']:
        if fault.get('injected'):
            print(f'h7sim: injected {format_fault(fault)}', file=sys.stderr)
            continue
        print(f'h7sim: FAULT {format_fault(fault)}', file=sys.stderr)
        status = EXIT_FAULT
    halted = summary['halted']
    if halted and halted['kind'] not in ('sleep_forever', 'no_progress'):
        status = EXIT_FAULT
    if any(not f.get('injected') for f in summary['faults']) or halted:
        print('h7sim: last UART lines:', file=sys.stderr)
        for line in summary['uart']['tail']:
            print(f'  | {line}', file=sys.stderr)
    if summary['stopped_because'] == 'wall':
        print(stop_line(board.wall_stop, f'wall-clock limit {wall_limit:g} s reached'), file=sys.stderr)
        status = EXIT_INCOMPLETE
    elif summary['stopped_because'] == 'stuck':
        print(stop_line(board.where(), 'no progress'), file=sys.stderr)
        status = EXIT_INCOMPLETE
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
    parser = _Parser(prog='python -m h7sim', description='Simulated STM32H743 board (Unicorn).')
    sub = parser.add_subparsers(dest='command', required=True)
    run = sub.add_parser('run', help='run a firmware ELF for N virtual seconds')
    run.add_argument('elf', help='firmware ELF (e.g. build/firmware/firmware/apps/platform_demo/platform_demo.elf)')
    run.add_argument('--wav', help='microphone input: WAV (16 kHz mono 16-bit; others are converted with a note)')
    run.add_argument('--strict-wav', action='store_true', help='refuse WAVs that need conversion')
    run.add_argument('--seconds', type=positive_seconds, default=1.0, help='virtual seconds to run (default 1)')
    run.add_argument('--json', help='write the run summary (JSON) here')
    run.add_argument('--profile', action='store_true', help='per-function instruction profile')
    run.add_argument('--profile-top', type=nonnegative_int, default=40, help='functions kept in the profile')
    run.add_argument('--gdb', type=port_number, metavar='PORT', help='wait for gdb-multiarch on this TCP port')
    run.add_argument('--input', help="text sent to USART3 RX at start (escapes allowed: 'opp 240\\n')")
    run.add_argument('--wall-limit', type=positive_seconds, default=None,
                     help='wall-clock limit in seconds (default max(60, 10 x --seconds)); the run stops '
                          'with exit 3 and says where virtual time stopped')
    run.add_argument('--inject', action='append', type=fault_spec, metavar='SPEC',
                     help='inject a fault (repeatable): KIND[:ARG...]@TIME, e.g. irq-hold:DMA1_Stream0:60ms@2.5s, '
                          'dma-error@3s, stall:200ms@4s, core-hold:50ms@4s, hang@5s, hardfault@6s, '
                          'flash-flip[:ADDR[:BIT]]@7s, suspend-ignored@7.5s, brownout@8s, reset@8s, power-cycle@8s (tools/h7sim/README.md)')
    run.add_argument('--energy-table', help='JSON supply-current table (DS12110 figures with sources)')
    run.add_argument('--quiet', action='store_true', help='do not echo the UART')
    run.add_argument('--no-mpu-guards', action='store_true',
                     help='do not enforce MPU no-access regions (about 2x faster on memory-bound code)')
    run.add_argument('--lsi-hz', type=lsi_frequency, default=None, metavar='HZ',
                     help="this part's LSI frequency (default the nominal 32000; silicon is within a few %% "
                          'of it): the Stop clock (LPTIM1) and the watchdog run on it')
    run.set_defaults(func=cmd_run)
    bench = sub.add_parser('bench', help='benchmarks: MIPS, 10 s audio wall time, determinism (JSON)')
    bench.add_argument('--json', default=os.path.join(TOP, 'build', 'h7sim', 'bench.json'),
                       help='output JSON (default: build/h7sim/bench.json in the repository)')
    bench.add_argument('--elf', help='compute-bound image (default: built from tests/fixtures)')
    bench.add_argument('--audio-elf', help='image that captures audio (default: platform_demo if built)')
    bench.set_defaults(func=cmd_bench)
    from .soak import cmd_soak, DEFAULT_ELF, DEFAULT_JSON
    soak = sub.add_parser('soak', help='keyword image for a virtual hour: speech, silence, noise, injected '
                                       'faults; samples delivered/lost/counted, detections, resets (JSON)')
    soak.add_argument('--hours', type=positive_seconds, default=1.0, help='virtual hours (default 1)')
    soak.add_argument('--seconds', type=positive_seconds, help='virtual seconds instead of --hours')
    soak.add_argument('--seed', type=nonnegative_int, default=1, help='seed of the audio and fault plan')
    soak.add_argument('--elf', default=DEFAULT_ELF, help='keyword image (default build/firmware/h7voice.elf)')
    soak.add_argument('--json', default=DEFAULT_JSON, help='report (default build/bench/soak.json)')
    soak.add_argument('--wall-limit', type=positive_seconds, help='wall-clock limit (default 10 x virtual)')
    soak.add_argument('--quiet', action='store_true', help='no progress lines')
    soak.add_argument('--fault-every', type=positive_seconds, default=240.0,
                      help='mean virtual seconds between injected faults (default 240)')
    soak.add_argument('--no-faults', action='store_true',
                      help='inject nothing (e.g. --seconds 600: the long-recording benchmark)')
    soak.set_defaults(func=cmd_soak)
    return parser


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        """One line (no usage block), exit 2."""
        self.exit(EXIT_USAGE, f'{self.prog}: error: {message}\n')


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SimError as exc:
        print(f'h7sim: error: {exc}', file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
