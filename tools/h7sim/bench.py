"""Simulator benchmarks (figures, not timed tests), written to JSON and a readable table:

- effective MIPS on a compute-bound image (core_test `bench`: 300 M instructions);
- wall time of a 10 s audio scenario (audio_test: I2S + DMA + an interrupt every 10 ms),
  and of the kws image on 10 s of audio when it is built;
- determinism: the same scenario twice gives identical instruction counts and output."""
import os
import time

import numpy as np

from .board import Board
from .cli import write_json
from .errors import SimError
from .fixtures import build_fixture
from h7voice.paths import TOP

KWS_ELF = os.path.join(TOP, 'build', 'firmware', 'firmware', 'apps', 'kws', 'kws.elf')
NN_BENCH_ELF = os.path.join(TOP, 'build', 'firmware', 'firmware', 'apps', 'nn_bench', 'nn_bench.elf')


def bench_mips_boot(elf, event, seconds=10, mpu_guards=True):
    """MIPS from reset until the first JSON event named `event` (e.g. nn_bench's check)."""
    board = Board(elf, mpu_guards=mpu_guards)
    start = time.monotonic()
    board.run(seconds=seconds, until=lambda b: any(e.get('event') == event for e in b.events))
    wall = time.monotonic() - start
    result = {'image': os.path.relpath(elf, TOP), 'until_event': event, 'instructions': board.instructions,
              'wall_s': wall, 'mips': board.instructions / wall / 1e6, 'mpu_guards': mpu_guards,
              'mode_times': board.summary()['time_per_mode_s']}
    board.close()
    return result


def tone(seconds):
    t = np.arange(int(16000 * seconds))
    return (np.sin(2 * np.pi * 440 * t / 16000) * 12000 + (t % 97)).astype(np.int16)


def bench_mips(elf):
    board = Board(elf)
    # the boot lines take their time on the wire (93 bytes, 8 ms): the last one first
    board.run(seconds=1, until=lambda b: any(e.get('event') == 'reset_cause' for e in b.events))
    n = len(board.uart_lines)
    board.uart_write('bench\n')
    i0, tx0 = board.instructions, board.usart3.tx_bytes
    start = time.monotonic()
    # timed: the computation, up to the answer's first byte (printing it polls TXE, which
    # is MMIO-bound in the simulator, not compute)
    board.run(seconds=30, until=lambda b: b.usart3.tx_bytes > tx0)
    wall = time.monotonic() - start
    executed = board.instructions - i0
    board.run(seconds=1, until=lambda b: len(b.uart_lines) > n)
    line = board.uart_lines[-1] if len(board.uart_lines) > n else ''
    board.close()
    return {'image': os.path.relpath(elf, TOP), 'instructions': executed, 'wall_s': wall,
            'mips': executed / wall / 1e6, 'firmware_line': line, 'goal_mips': 200}


def audio_scenario(elf, seconds=10.0):
    board = Board(elf)
    board.spi2.play(tone(seconds + 0.5))
    start = time.monotonic()
    board.run(seconds=seconds)
    wall = time.monotonic() - start
    summary = board.summary()
    result = {'image': os.path.relpath(elf, TOP), 'virtual_s': seconds, 'wall_s': wall,
              'instructions': board.instructions, 'exceptions_taken': board.core.exceptions_taken,
              'frames_delivered': summary['audio']['frames_delivered'],
              'frames_dropped': summary['audio']['frames_dropped'],
              'uart_lines': list(board.uart_lines), 'goal_wall_s': 10.0}
    board.close()
    return result


def run_benchmarks(args):
    from .cli import check_output_path
    check_output_path(args.json)  # before minutes of benchmarks
    for path in (args.elf, args.audio_elf):
        if path and not os.path.exists(path):
            raise SimError(f'firmware ELF not found: {path}')
    core = args.elf or build_fixture('core_test')
    audio = args.audio_elf or build_fixture('audio_test')
    results = {'mips': bench_mips(core)}
    first = audio_scenario(audio)
    second = audio_scenario(audio)
    results['audio_10s'] = {k: v for k, v in first.items() if k != 'uart_lines'}
    results['determinism'] = {
        'scenario': f'{os.path.relpath(audio, TOP)}, 10 s of audio, run twice',
        'instructions': [first['instructions'], second['instructions']],
        'identical_instructions': first['instructions'] == second['instructions'],
        'identical_uart': first['uart_lines'] == second['uart_lines'],
    }
    if os.path.exists(NN_BENCH_ELF):
        results['mips_nn_bench'] = bench_mips_boot(NN_BENCH_ELF, 'nn_check')
        results['mips_nn_bench_no_guards'] = bench_mips_boot(NN_BENCH_ELF, 'nn_check', mpu_guards=False)
    if os.path.exists(KWS_ELF):
        kws = audio_scenario(KWS_ELF)
        results['kws_10s'] = {k: v for k, v in kws.items() if k != 'uart_lines'}
    write_json(args.json, results)
    rows = [('effective MIPS (compute-bound, goal >= 200)', f"{results['mips']['mips']:.0f}"),
            ('10 s audio scenario wall time, s (goal <= 10)', f"{results['audio_10s']['wall_s']:.2f}"),
            ('two runs, identical instruction counts', str(results['determinism']['identical_instructions'])),
            ('two runs, identical UART output', str(results['determinism']['identical_uart']))]
    if 'mips_nn_bench' in results:
        rows.append(('effective MIPS, nn_bench boot + check (int8 kernels)', f"{results['mips_nn_bench']['mips']:.0f}"))
        rows.append(('  the same with --no-mpu-guards', f"{results['mips_nn_bench_no_guards']['mips']:.0f}"))
    if 'kws_10s' in results:
        rows.append(('kws image, 10 s of audio, wall time s', f"{results['kws_10s']['wall_s']:.2f}"))
    table = '\n'.join(f'{name:<50} {value:>10}' for name, value in rows)
    with open(os.path.splitext(args.json)[0] + '.txt', 'w') as f:
        f.write(table + '\n')
    print(table)
    print(f'written: {args.json}')
    return 0
