"""Soak: a long run of the keyword image with speech, silence, noise and faults injected at
seeded random times; what the board did, written as JSON (build/bench/soak.json).

    python -m h7sim soak [--hours 1] [--seconds S] [--seed 1] [--elf ELF] [--json OUT] [--no-faults]

`--seconds 600 --no-faults` is the long-recording benchmark (a 10-minute recording of speech,
silence and noise that once froze the simulator at ~155 s; see test_faults.py for the
regression test).

The microphone hears a seeded sequence of pieces: the demo recording
(models/recordings/demo_commands.wav, whose keywords are listed beside it), silence and
white noise at -45..-25 dBFS. Faults (faults.py) are drawn at seeded random times, about
one per SOAK_FAULT_EVERY_S; the kinds a board cannot come back from without a watchdog or
a model check (hang, dma-error, flash-flip) are drawn in the last TERMINAL_SHARE of the run
so that the rest measures recovery from the others. The report holds, honestly, what the
firmware does today:

- ground truth (simulator): microphone samples produced, written by DMA, overwritten
  before the firmware took them, dropped; delivered = written - overwritten;
- the firmware's own counts, from its kws_stats events (summed over boots: its counters
  restart at each reset): samples, dropped/lost samples, ring overflows, DMA errors, and
  the difference between what it counted lost and what was lost (not hidden);
- detections (kws events) against the keywords played, resets (with cause), each fault
  with its effect and outcome (reset after it, audio lost in its window, capture resumed,
  firmware events after it), wall time and virtual time reached."""
import json
import math
import os
import sys
import time

import numpy as np

from h7voice import paths

RATE = 16000
SOAK_FAULT_EVERY_S = 240.0      # mean spacing of injected faults
TERMINAL_SHARE = 0.15           # terminal kinds go in the last 15% of the run
CHUNK_S = 60.0                  # virtual seconds per run() call (progress line between)
FINAL_STATS_S = 0.5             # after the run: at most this for the answer to 's' (its stats
                                # line, ~1.3 KB: ~0.11 s at 115200 baud); stops when it is complete
RECOVERABLE = ('irq-hold', 'stall', 'core-hold', 'hardfault', 'brownout', 'reset', 'power-cycle')
TERMINAL = ('hang', 'dma-error', 'flash-flip')
DEMO_WAV = os.path.join(paths.MODELS, 'recordings', 'demo_commands.wav')
DEFAULT_ELF = os.path.join(paths.FIRMWARE_BUILD, 'h7voice.elf')
DEFAULT_JSON = os.path.join(paths.BENCH, 'soak.json')
# The firmware's kws_stats keys. Capture loss (before the firmware has the samples: what the
# simulator's ground truth counts): lost_overwritten + lost_restart. Loss inside the
# firmware (its ring full), which the simulator cannot see: lost_ring_full, or
# dropped_samples in images older than those counters.
CAPTURE_LOSS_KEYS = ('lost_overwritten', 'lost_restart')
RING_LOSS_KEYS = ('lost_ring_full',)
OLD_RING_LOSS_KEY = 'dropped_samples'
STATS_KEYS = ('samples', 'captured', 'waiting', 'lost_overwritten', 'lost_ring_full', 'lost_restart',
              'discarded', 'late_interrupts', 'capture_restarts', 'dropped_samples', 'ring_overflows',
              'spi_overruns', 'dma_errors', 'detections', 'inferences', 'model_failures')


def make_audio(seconds, rng, speech, speech_keywords):
    """Seeded pieces up to `seconds`: speech (the demo recording), silence, noise.
    Returns (int16 samples, list of pieces, keywords played)."""
    total = int(seconds * RATE)
    pieces, chunks, n, keywords = [], [], 0, 0
    while n < total:
        kind = rng.choice(['speech', 'silence', 'noise'], p=[0.45, 0.35, 0.2])
        if kind == 'speech':
            x = speech
            keywords += speech_keywords if n + len(x) <= total else 0
        elif kind == 'silence':
            x = np.zeros(int(rng.uniform(5.0, 40.0) * RATE), dtype=np.int16)
        else:
            level = rng.uniform(-45.0, -25.0)
            amp = 32768 * 10 ** (level / 20)
            x = np.clip(rng.normal(0, amp, int(rng.uniform(2.0, 20.0) * RATE)), -32768, 32767).astype(np.int16)
        x = x[:total - n]
        pieces.append({'kind': str(kind), 'start_s': n / RATE, 'seconds': len(x) / RATE})
        chunks.append(x)
        n += len(x)
    return np.concatenate(chunks), pieces, keywords


def draw_faults(seconds, rng, kinds=None, every_s=SOAK_FAULT_EVERY_S):
    """(kind, at_s, params) at seeded random times. Default: about one fault per
    SOAK_FAULT_EVERY_S, the recoverable kinds in turn (seeded order) over the first
    1 - TERMINAL_SHARE of the run, then each terminal kind once in the last share. With
    `kinds`, those kinds at random times over the run (after the first seconds)."""
    start = min(2.0, seconds / 4)
    if kinds is None:
        count = max(1, int(round(seconds / every_s)) - len(TERMINAL))
        order = [RECOVERABLE[i] for i in rng.permutation(len(RECOVERABLE))]
        terminal_from = seconds * (1 - TERMINAL_SHARE)
        chosen = [(order[i % len(order)], float(rng.uniform(start, terminal_from))) for i in range(count)]
        chosen += [(k, float(rng.uniform(terminal_from, seconds * 0.98))) for k in TERMINAL]
    else:
        chosen = [(k, float(rng.uniform(start, seconds * 0.9))) for k in kinds]  # [] = none
    plan = []
    for kind, at in chosen:
        params = {}
        if kind in ('irq-hold', 'core-hold'):
            params['ms'] = float(rng.choice([20, 60, 150, 300]))
        elif kind == 'stall':
            params['ms'] = float(rng.choice([50, 200, 500]))
        plan.append((kind, round(at, 3), params))
    return sorted(plan, key=lambda f: f[1])


def firmware_counts(board):
    """The firmware's own counters: the last kws_stats of each boot, summed."""
    boots, current = [], None
    for event in board.events:
        if event.get('event') == 'boot':
            if current is not None:
                boots.append(current)
            current = None
        elif event.get('event') == 'kws_stats':
            current = event
    if current is not None:
        boots.append(current)
    out = {}
    for key in STATS_KEYS:
        values = [b[key] for b in boots if key in b]
        out[key] = sum(values) if values else None
    out['stats_boots'] = len(boots)
    out['boot_events'] = sum(1 for e in board.events if e.get('event') == 'boot')
    out['reset_causes_reported'] = [e.get('reset') for e in board.events if e.get('event') == 'boot']
    return out


def lost_outside_faults(board):
    """Samples lost outside every injected fault's window (applied .. end + LOSS_WINDOW_S):
    loss the faults do not explain."""
    from .faults import LOSS_WINDOW_S
    windows = []
    for f in board.fault_plan.faults:
        if f.applied_s is not None:
            end = f.end_s if f.end_s is not None else (board.time if f.state == 'active' else f.applied_s)
            windows.append((f.applied_s - 1e-12, end + LOSS_WINDOW_S))
    return sum(n for t, n, _ in board.spi2.loss_log if not any(a <= t <= b for a, b in windows))


def fault_report(board):
    """Each injected fault: its record, plus whether the firmware spoke after it."""
    out = []
    for record in board.fault_plan.summary():
        end = record['end_s'] if record['end_s'] is not None else record['applied_s']
        after = [t for t in board.event_times if end is not None and t > end + 1e-6]
        record['outcome']['firmware_events_after'] = len(after)
        record['outcome']['recovered'] = bool(record['outcome'].get('capture_resumed') and after)
        out.append(record)
    return out


def run_soak(seconds, seed=1, elf=DEFAULT_ELF, wall_limit=None, progress=None, kinds=None,
             fault_every_s=SOAK_FAULT_EVERY_S):
    """Runs the soak; returns the report (a dict). kinds: the fault kinds to inject (default:
    the hour's plan, see draw_faults)."""
    from .board import Board, default_wall_limit
    from .errors import SimError
    from .wav import load_wav
    if not os.path.exists(elf):
        raise SimError(f'{paths.rel(elf)} is not built; run: scons -j2 (builds build/firmware/h7voice.elf)')
    speech, _ = load_wav(DEMO_WAV)
    with open(os.path.splitext(DEMO_WAV)[0] + '.json') as f:
        speech_keywords = sum(1 for w in json.load(f)['words'] if w.get('keyword'))
    rng = np.random.default_rng(seed)
    audio, pieces, keywords = make_audio(seconds, rng, speech, speech_keywords)
    plan = draw_faults(seconds, rng, kinds, fault_every_s)
    board = Board(elf, wall_limit=None)
    board.spi2.play(audio)
    for kind, at, params in plan:
        board.inject(kind, at, **params)
    wall_limit = wall_limit if wall_limit is not None else default_wall_limit(seconds)
    start, cpu_start = time.monotonic(), time.process_time()
    reason = 'time'
    try:
        while board.time < seconds - 1e-9:
            left_wall = wall_limit - (time.monotonic() - start)
            if left_wall <= 0:
                reason = 'wall'
                board.wall_stop = board.where()
                break
            reason = board.run(seconds=min(CHUNK_S, seconds - board.time), wall_limit=left_wall)
            if progress:
                progress(board, time.monotonic() - start)
            if reason != 'time':
                break
        if reason == 'time' and not board.halted:
            # the keyword firmware prints its statistics on 's' (counters since the last
            # periodic kws_stats would be missed otherwise); a hung firmware does not answer
            board.ask('s', '"kws_stats"', FINAL_STATS_S)
        wall = time.monotonic() - start
        summary = board.summary()
        captured_s = sum((stop if stop is not None else board.time) - begin for begin, stop, _ in board.spi2.captures)
        truth = summary['audio']['ground_truth']
        fw = firmware_counts(board)
        # a firmware without capture-loss counters counted none of that loss
        has_counter = any(fw[k] is not None for k in CAPTURE_LOSS_KEYS)
        fw_lost = sum(fw[k] or 0 for k in CAPTURE_LOSS_KEYS)
        fw_ring = sum(fw[k] or 0 for k in RING_LOSS_KEYS) if any(fw[k] is not None for k in RING_LOSS_KEYS) \
            else fw.get(OLD_RING_LOSS_KEY)
        delivered = truth['samples_written'] - truth['samples_overwritten']
        report = {
            'elf': paths.rel(elf), 'seed': seed, 'fault_every_s': fault_every_s, 'virtual_seconds_requested': seconds,
            'virtual_seconds_reached': board.time, 'stopped_because': reason,
            'wall_time_s': wall, 'cpu_time_s': time.process_time() - cpu_start, 'wall_limit_s': wall_limit, 'instructions': board.instructions,
            'where_stopped': board.wall_stop if reason == 'wall' else (board.where() if reason != 'time' else None),
            'halted': board.halted,
            'audio': {'pieces': len(pieces), 'speech_pieces': sum(p['kind'] == 'speech' for p in pieces),
                      'noise_pieces': sum(p['kind'] == 'noise' for p in pieces),
                      'silence_pieces': sum(p['kind'] == 'silence' for p in pieces),
                      'keywords_played': keywords,
                      # seconds the I2S captured (the firmware stops it in Stop mode, after a DMA
                      # error, during a reset): sound outside these is heard by nobody
                      'i2s_capturing_s': captured_s, 'stop_mode_s': summary['time_per_mode_s']['stop']},
            'samples': {'produced': truth['samples_produced'], 'written': truth['samples_written'],
                        'delivered': delivered, 'overwritten': truth['samples_overwritten'],
                        'dropped': truth['samples_dropped'], 'lost': truth['samples_lost'],
                        'lost_outside_fault_windows': lost_outside_faults(board),
                        'firmware_counted_samples': fw['captured'] if fw['captured'] is not None else fw['samples'],
                        'firmware_counted_lost': fw_lost,
                        'firmware_has_capture_loss_counters': has_counter,
                        # lost samples the firmware did not count (negative: it counted more).
                        # Its counts are those of its last kws_stats before each reset.
                        'uncounted_lost': truth['samples_lost'] - fw_lost,
                        # samples the firmware had and dropped itself (ring full): not in 'lost'
                        'firmware_ring_dropped': fw_ring},
            'firmware': fw,
            'detections': sum(1 for e in board.events if e.get('event') == 'kws'),
            'resets': [{'reason': r['reason'], 'time_s': r['time']} for r in board.resets],
            'faults_injected': fault_report(board),
            'recoveries': None,
            'wakeups': summary['wakeups'], 'time_per_mode_s': summary['time_per_mode_s'],
            'faults_raised': [{'kind': f.get('kind'), 'exception': f.get('exception'), 'time_s': f.get('time'),
                               'injected': bool(f.get('injected'))} for f in board.faults],
            'warnings': summary['warnings'][-20:],
        }
        report['recoveries'] = sum(1 for f in report['faults_injected'] if f['outcome'].get('recovered'))
    finally:
        board.close()
    return report


def progress_line(board, wall):
    print(f'h7sim soak: {board.time:8.1f} s virtual, {wall:7.1f} s wall, {len(board.resets)} resets, '
          f'{board.spi2.samples_overwritten + board.spi2.samples_dropped} samples lost', file=sys.stderr)


def cmd_soak(args):
    from .cli import check_output_path, write_json, EXIT_OK, EXIT_INCOMPLETE
    seconds = args.seconds if args.seconds is not None else args.hours * 3600.0
    check_output_path(args.json)
    report = run_soak(seconds, seed=args.seed, elf=args.elf, wall_limit=args.wall_limit,
                      progress=None if args.quiet else progress_line, kinds=[] if args.no_faults else None,
                      fault_every_s=args.fault_every)
    write_json(args.json, report)
    s = report['samples']
    print(f"h7sim soak: {report['virtual_seconds_reached']:.1f} of {seconds:g} virtual s in "
          f"{report['wall_time_s']:.0f} s wall ({report['stopped_because']}); samples produced {s['produced']}, "
          f"delivered {s['delivered']}, lost {s['lost']}, firmware counted lost {s['firmware_counted_lost']}; "
          f"detections {report['detections']} of {report['audio']['keywords_played']} keywords played; "
          f"{len(report['resets'])} resets; {report['recoveries']} of {len(report['faults_injected'])} faults "
          f"recovered; {paths.rel(args.json)}", file=sys.stderr)
    return EXIT_OK if report['stopped_because'] == 'time' else EXIT_INCOMPLETE
