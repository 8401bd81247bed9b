"""The QSPI benchmark: the same > 2 MB model with its weights
  - in the QSPI flash, prefetched layer by layer into SRAM by the MDMA (the shipped mode),
  - in the QSPI flash, copied by the MDMA before each layer without overlap (no prefetch),
  - in internal flash, read in place: the simulated board maps the QSPI window as
    zero-wait memory, as its internal flash is (h7sim: one cycle per instruction, no wait
    states), and the image reads the weights where they are (a 2.4 MB internal flash the
    STM32H743 does not have; the comparison the issue asks for),
each checked bit for bit against TFLite Micro on the host (the same inputs and FNV-1a
output hash as nn_bench). Time is the firmware's own (h7_time_us: SysTick on the core
clock, so it counts the cycles the core stalls on the flash or sleeps waiting for the
MDMA, which DWT.CYCCNT, counting instructions in the simulator, does not), per inference:
the first one after the mode is set and the steady state after it.

    PYTHONPATH=tools python -m h7qspi bench [--json build/bench/qspi.json] [--count 3]"""
import json
import os
import time

from h7voice import paths

from .board import QspiBoard, expected_hash

CPU_HZ = 480_000_000
FLASH = {'part': 'Winbond W25Q64JV (64 Mbit)', 'datasheet': 'W25Q64JV datasheet (Winbond), Fast Read Quad I/O EBh',
         'max_clock_hz': 133_000_000, 'command_clocks': '8 instruction + 6 address + 2 mode + 4 dummy',
         'clocks_per_byte': 2}


def _mode_row(run, count, reference_hash):
    steady = run['rest_us'] / (count - 1) if count > 1 else run['first_us']
    return {'first_us': run['first_us'], 'steady_us': round(steady, 1),
            'steady_cycles_at_480mhz': round(steady * CPU_HZ / 1e6),
            'instructions_per_inference': round(run['instructions'] / count),
            'bytes_copied_per_inference': round(run['bytes_copied'] / count),
            'fnv1a': run['fnv1a'], 'bit_exact_vs_tflm': run['fnv1a'] == reference_hash}


def bench(count=3, seed=1, json_path=None, log=print):
    wall = time.monotonic()
    out = {'flash': FLASH, 'count': count, 'seed': seed, 'modes': {}}
    qb = QspiBoard()
    try:
        qb.boot()
        model = qb.event('qspi_model', qb.boot_events)
        if model is None:
            raise SystemExit(f'qspi_bench did not set up its model: {qb.event("qspi_error", qb.boot_events)}')
        qspi = qb.event('qspi', qb.boot_events)
        reference = expected_hash(qb.model_bytes(), seed, count)
        out.update(model=model['name'], model_bytes=model['model_bytes'], placement=model['placement'],
                   streamed_ops=model['streamed_ops'], qspi_clock_hz=qspi['clock_hz'],
                   setup_us=model['setup_us'], setup_instructions=model['setup_instructions'],
                   setup_qspi_cpu_reads=qb.board.qspi.reads, setup_qspi_stall_cycles=qb.board.qspi.stall_cycles,
                   tflm_fnv1a=reference)
        for mode in ('prefetch', 'sync'):
            qb.set_mode(mode)
            run, errors = qb.run(seed, count)
            if errors:
                raise SystemExit(f'{mode}: {errors[0]}')
            out['modes']['qspi_' + mode] = _mode_row(run, count, reference)
            log(f'qspi {mode:8s}: {out["modes"]["qspi_" + mode]}')
    finally:
        qb.close()
    ib = QspiBoard(internal=True)
    try:
        ib.boot()
        ib.set_mode('inplace')
        run, _ = ib.run(seed, count)
        out['modes']['internal_inplace'] = _mode_row(run, count, reference)
        log(f'internal in place: {out["modes"]["internal_inplace"]}')
    finally:
        ib.close()
    base = out['modes']['internal_inplace']
    for name, row in out['modes'].items():
        row['vs_internal_steady'] = round(row['steady_us'] / base['steady_us'], 3)
        row['vs_internal_first'] = round(row['first_us'] / base['first_us'], 3)
    out['target_vs_internal'] = 1.3
    out['meets_target'] = out['modes']['qspi_prefetch']['vs_internal_steady'] <= 1.3
    out['all_bit_exact'] = all(r['bit_exact_vs_tflm'] for r in out['modes'].values())
    out['wall_s'] = round(time.monotonic() - wall, 1)
    json_path = json_path or os.path.join(paths.BENCH, 'qspi.json')
    os.makedirs(os.path.dirname(json_path), exist_ok=True)
    with open(json_path, 'w') as f:
        json.dump(out, f, indent=1)
    log(f'{paths.rel(json_path)}: prefetch {out["modes"]["qspi_prefetch"]["vs_internal_steady"]}x, '
        f'no prefetch {out["modes"]["qspi_sync"]["vs_internal_steady"]}x the internal-flash time; '
        f'bit-exact: {out["all_bit_exact"]}')
    return out
