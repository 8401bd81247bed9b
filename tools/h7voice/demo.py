"""The main job: build the keyword firmware and run it on the simulated board with the
bundled recording of spoken commands, then show what the board heard and what it cost.

    h7voice demo                             # models/recordings/demo_commands.wav
    h7voice demo --wav my.wav                # any 16 kHz mono recording (truth optional)
    h7voice demo --json out.json             # also write the results as JSON

Steps: scons builds the firmware (the default image `kws` with the default model) and the
host library of the simulator core; the
simulator (tools/h7sim) runs the real ELF with the WAV in the I2S microphone; the firmware's
JSON event lines are compared with the recording's ground truth (kwsapp.score); the summary
takes CPU load from the firmware's own DWT counts, time per mode and energy from the
simulator, memory from the image's memory report.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from h7voice import cli, paths

TOP = paths.TOP
DEFAULT_WAV = os.path.join(paths.MODELS, 'recordings', 'demo_commands.wav')
KEYWORDS = {'yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go'}


def fail(message):
    """Bad input or a missing part: one line on stderr, exit status 2."""
    print(f'demo: {message}', file=sys.stderr)
    raise SystemExit(2)


def say(text=''):
    print(text, flush=True)


def build(model):
    """The firmware image and the simulator's host library (build/host/tools/h7sim): the
    demo needs both, so a fresh clone runs to the end."""
    say('==> building the firmware and the simulator core (scons -j2 variant=all)')
    args = ['variant=all']
    if model:
        args.append(f'model={model}')
    code, output = cli.build(args, quiet=True)
    if code != 0:
        sys.stdout.write(output[-4000:])
        fail('the build failed (output above)')
    for line in output.splitlines():
        if line.startswith('kws:') or 'error' in line.lower():
            say('    ' + line)


def memory(elf):
    """(flash_bytes, ram_bytes, source) of the image."""
    mjson = os.path.splitext(elf)[0] + '.memory.json'
    if os.path.exists(mjson):
        try:
            with open(mjson) as f:
                report = json.load(f)
            flash = ram = 0
            for region in report.get('regions', []):
                name = str(region.get('name', '')).upper()
                used = int(region.get('used_bytes', region.get('used', 0)))
                if name.startswith('FLASH'):
                    flash += used
                else:
                    ram += used
            if flash:
                return flash, ram, os.path.relpath(mjson, TOP)
        except (OSError, ValueError, TypeError):
            pass
    proc = subprocess.run(['arm-none-eabi-size', elf], stdout=subprocess.PIPE, text=True)
    fields = proc.stdout.splitlines()[-1].split() if proc.returncode == 0 else []
    if len(fields) >= 3:
        text, data, bss = (int(x) for x in fields[:3])
        return text + data, data + bss, 'arm-none-eabi-size'
    return None, None, 'unknown'


def print_summary(run, result, truth_words, elf):
    from h7voice import events as ev
    from kwsapp import report
    dets = ev.detections(run['events'])
    stats = ev.last(run['events'], 'kws_stats') or {}
    summary = run['summary']
    boot = ev.last(run['events'], 'boot') or {}
    ready = ev.last(run['events'], 'kws_ready') or {}
    say(f"    firmware: {boot.get('app', '?')} {boot.get('version', '?')}, model {boot.get('model', '?')} "
        f"({ready.get('classes', '?')} classes, {ready.get('frames', '?')}x{ready.get('features', '?')} "
        f"features, arena {ready.get('arena_used', '?')} B), model every {ready.get('hop_ms', '?')} ms, "
        f"threshold {ready.get('threshold', '?')}")
    say(f"    ran: {describe_run(what_ran(run))}")
    say()
    say('==> what the board heard')
    for line in report.detection_table(dets, result):
        say(line)
    if result is not None:
        say()
        say('==> the recording (ground truth)')
        for line in report.truth_table(result):
            say(line)
        say()
        say('    ' + report.score_line(result))
    latencies = [int(d.get('latency_ms', 0)) for d in dets]
    say()
    say('==> summary')
    if latencies:
        say(f'  latency, end of word -> event: mean {sum(latencies) / len(latencies):.0f} ms, '
            f'max {max(latencies)} ms ({len(latencies)} detections)')
    say('  CPU load per operating point (simulator: time running / time at that point):')
    for line in report.sim_load_lines(summary):
        say('  ' + line)
    say('  per operating point, firmware counters (DWT cycles of the front end and the model):')
    for line in report.load_lines(stats):
        say('  ' + line)
    if ready.get('cascade') is not None:
        gate = ready.get('gate', '?') or 'none in this image: a streamed model runs without the cascade'
        say(f"  cascade at boot: {'on' if ready.get('cascade') else 'off'} (gate {gate}, threshold "
            f"{ready.get('gate_threshold', '?')}): {stats.get('gate_runs', '?')} gate runs, "
            f"{stats.get('model_runs', '?')} full-model runs, {stats.get('gate_opened', '?')} of "
            f"{stats.get('segments', '?')} segments opened; recognition at {ready.get('recognize_mhz', '?')} MHz")
    if ready.get('stream_frames') is not None:
        hop = int(ready.get('stream_frames') or 0)
        say(f"  streaming at boot: " + (f"every {hop * int(ready.get('frame_ms', 20))} ms ({hop} frames, state "
                                       f"{ready.get('stream_state_bytes', '?')} B)" if hop else
                                       'off (the model cannot stream: full windows)')
            + f": {stats.get('streamed_runs', '?')} of {stats.get('model_runs', '?')} model runs streamed "
            f"(the engine counted {stats.get('stream_hops', '?')} hops)")
    modes = stats.get('mode_ms', {})
    if modes:
        say(f"  time per firmware mode: listen {modes.get('listen', 0) / 1000:.2f} s, "
            f"recognize {modes.get('recognize', 0) / 1000:.2f} s, stop {modes.get('stop', 0) / 1000:.2f} s")
    tpm = summary.get('time_per_mode_s', {})
    say(f"  time per core mode (simulator): run {tpm.get('run', 0):.3f} s, "
        f"sleep (WFI) {tpm.get('sleep', 0):.3f} s, stop {tpm.get('stop', 0):.3f} s "
        f"of {summary.get('virtual_time_s', 0):.2f} s")
    for line in report.energy_lines(summary, len(dets), summary.get('virtual_time_s', 0) or 1.0, stats):
        say(line)
    audio = summary.get('audio', {})
    truth = audio.get('ground_truth', {})
    say(f"  audio (simulator): {truth.get('samples_produced', audio.get('frames_delivered', 0))} "
        f"samples from the microphone, {truth.get('samples_written', 0)} written by the DMA, "
        f"{truth.get('samples_lost', 0)} lost")
    say(f"  audio (firmware): {stats.get('captured', '?')} captured, "
        f"{stats.get('dropped_samples', '?')} lost (overwritten {stats.get('lost_overwritten', '?')}, "
        f"ring full {stats.get('lost_ring_full', '?')}, capture restart "
        f"{stats.get('lost_restart', '?')}), {stats.get('skipped_inferences', '?')} model runs skipped")
    flash, ram, source = memory(elf)
    if flash is not None:
        say(f'  memory: flash {flash / 1024:.1f} KiB of 2048 KiB, RAM {ram / 1024:.1f} KiB '
            f'of 1024 KiB (from {source})')
    for w in summary.get('warnings', [])[:5]:
        say(f'  simulator warning: {w}')
    if summary.get('faults'):
        say(f"  FAULT: {summary['faults'][0]}")


TABLE = '\0table'   # --energy-table given without a file: the per-operating-point table
# recognition point -> the console byte that fixes it (firmware/apps/kws/main.c poll_console)
POINTS = ((480, '4'), (240, '2'), (120, '1'), (64, 'l'))


def what_ran(run):
    """Which model and modes the board ran, in the firmware's own words (boot, kws_ready, and
    the last kws_mode after a console c/C/f/F/e/E), so a published figure cannot be taken for
    another model's or mode's: {model, model_file, streamed, stream_frames, cascade,
    early_decision}."""
    from h7voice import events as ev
    boot = ev.last(run['events'], 'boot') or {}
    ready = ev.last(run['events'], 'kws_ready') or {}
    if ready and 'model_file' not in ready:
        fail('the image predates the model and mode report (kws_ready model_file): '
             'rebuild it (h7voice build firmware) or run without --no-build')
    mode = ev.last(run['events'], 'kws_mode') or ready  # None: no kws_ready (the board's error says why)
    frames = mode.get('stream_frames')
    return {'model': boot.get('model'), 'model_file': ready.get('model_file'),
            'streamed': None if frames is None else bool(frames), 'stream_frames': frames,
            'cascade': mode.get('cascade'), 'early_decision': mode.get('early_decision')}


def describe_run(mode):
    if mode['streamed'] is None:
        return f"{mode['model_file']} ({mode['model']}), modes unknown (no kws_ready)"
    return (f"{mode['model_file']} ({mode['model']}), "
            + (f"streamed ({mode['stream_frames']}-frame hops)" if mode['streamed'] else 'full windows')
            + (', cascade (gate first)' if mode['cascade'] else ', no cascade')
            + (', no early decision' if mode.get('early_decision') is False else ''))


def figures(run, truth_words):
    """The demo's headline numbers of one run (the same as its summary prints)."""
    from h7voice import events as ev
    from kwsapp import report, score
    dets = ev.detections(run['events'])
    stats = ev.last(run['events'], 'kws_stats') or {}
    summary = run['summary']
    energy = summary.get('energy', {})
    rows = energy.get('rows', [])
    seconds = summary.get('virtual_time_s', 0) or 1.0
    total = float(energy.get('joules_costed', 0.0))
    burst, points = report.model_run_energy(rows, stats)
    lat = [int(d.get('latency_ms', 0)) for d in dets]
    out = {'ran': what_ran(run), 'listening_mW': round(1e3 * total / seconds, 3),
           'mJ_per_command': round(1e3 * burst / len(dets), 3) if dets else None,
           'model_mhz': points[-1] if len(points) == 1 else points, 'latency_mean_ms': round(sum(lat) / len(lat), 1) if lat else None,
           'detections': len(dets), 'model_runs': stats.get('inferences'),
           'skipped_runs': stats.get('skipped_inferences'), 'samples_lost':
               summary.get('audio', {}).get('ground_truth', {}).get('samples_lost'),
           'full_model_runs': stats.get('model_runs'), 'gate_runs': stats.get('gate_runs'),
           'streamed_runs': stats.get('streamed_runs'),
           'warnings': summary.get('warnings', [])[:3]}
    if truth_words is not None:
        result = score.score(dets, truth_words, 200.0, KEYWORDS)
        out['commands'] = f"{result['exactly_once']}/{result['commands']}"
        out['false_alarms'] = len(result.get('false_alarms', []))
    return out


def energy_table(wav, elf, truth_words, out_json=None, wall_limit=None):
    """The recording once per recognition point (the console fixes it) and once with the
    governor's choice: listening power, energy per command, latency, accuracy, losses."""
    from kwsapp import simrun
    from h7voice import events as ev
    table = []
    for mhz, key in POINTS + ((None, None), (None, 'c')):
        label = f'{mhz} MHz' if mhz else 'governor' + (', no cascade' if key == 'c' else '')
        say(f'==> {label}: running the recording')
        try:
            run = simrun.run_kws(wav, elf, console_input=key, wall_limit=wall_limit)
        except simrun.RunError as err:
            fail(f'{err}')
        row = {'point': label, **figures(run, truth_words)}
        say(f"    ran: {describe_run(row['ran'])}")
        if row.get('warnings'):
            say(f"    simulator warning: {row['warnings'][0]}")
        if mhz is None:
            ready = ev.last(run['events'], 'kws_ready') or {}
            row['governor'] = {k: v for k, v in ready.items() if k.startswith('run_nj') or k == 'recognize_mhz'}
        table.append(row)
    say()
    say('  recognition point | listening mW | mJ per command | latency ms | commands | false alarms | '
        'model runs | skipped | samples lost')
    for r in table:
        say(f"  {r['point']:>17} | {r['listening_mW']:12.2f} | {r['mJ_per_command'] or 0:14.2f} | "
            f"{r['latency_mean_ms'] or 0:10.0f} | {r.get('commands', '-'):>8} | {r.get('false_alarms', '-'):>12} | "
            f"{r['model_runs']:>10} | {r['skipped_runs']:>7} | {r['samples_lost']}")
    say('  (listening: the whole recording, waiting at 16 MHz; one command: the energy at the '
        'points where the firmware ran the model / commands detected, the cascade\'s gate included)')
    if out_json:
        with open(out_json, 'w') as f:
            json.dump({'wav': wav, 'rows': table}, f, indent=1)
        say(f'    table written to {out_json}')
    return 0


def timeline_png(summary, png, table_path=None):
    """Power over time (the simulator's 10 ms bins), each bin coloured by the mode and
    operating point that drew most of its energy."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from h7sim import energy
    trace = summary.get('power_trace')
    if not trace:
        fail('the simulator kept no power timeline')
    table = energy.load_table(table_path)
    b = trace['bin_s']
    xs, ys, labels = [], [], []
    for i, keys in trace['bins']:
        mj, best, best_e = 0.0, None, -1.0
        for mode, hz, vos, sec in keys:
            entry = table.get(energy.key_for(mode, hz, vos), {})
            e = (entry.get('mA') or 0.0) * energy.SUPPLY_V * sec
            mj += e
            if e > best_e:
                best, best_e = f'{mode} {round(hz / 1e6)} MHz {vos}' if mode != 'stop' else 'stop', e
        xs.append(i * b)
        ys.append(mj / b)  # mA x V = mW
        labels.append(best)
    kinds = sorted(set(labels), key=lambda k: (k.split()[0], -int(k.split()[1]) if k != 'stop' else 0))
    colours = plt.get_cmap('tab10')
    fig, ax = plt.subplots(figsize=(14, 4))
    for n, kind in enumerate(kinds):
        sel = [j for j, k in enumerate(labels) if k == kind]
        ax.bar([xs[j] for j in sel], [ys[j] for j in sel], width=b, align='edge', color=colours(n % 10),
               label=f'{kind} (dominant in {len(sel) * b:.1f} s)')
    ax.set_xlabel('time (s)')
    ax.set_ylabel(f'core supply power, mW ({1e3 * b:g} ms bins)')
    ax.set_title('h7voice kws on the simulated board: power by mode and operating point '
                 '(DS12110 typical currents, tools/h7sim/energy.py)')
    ax.legend(loc='upper right', fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    say(f'    power timeline written to {png}')


def main(argv=None):
    p = argparse.ArgumentParser(prog='h7voice demo', description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--wav', help='16 kHz mono recording (default: the bundled demo recording)')
    p.add_argument('--truth', help='ground-truth JSON (default: the WAV name with .json, if present)')
    p.add_argument('--model', help='.tflite model to embed (scons model=...)')
    p.add_argument('--no-build', action='store_true', help='use the image already built')
    p.add_argument('--json', help='write detections, score and summary to this JSON file')
    p.add_argument('--lowest-opp', action='store_true',
                   help='run recognition at 64 MHz too (the worst case; console command l)')
    p.add_argument('--energy-table', nargs='?', const=TABLE, metavar='CURRENTS.json',
                   help='without a file: run the recording at each recognition point (480/240/120/64 '
                   'MHz) and with the governor, and print the energy table (with --json: written '
                   'there); with a file: supply currents per mode and operating point (JSON, see '
                   'tools/h7sim/energy.py) for the energy figures')
    p.add_argument('--recognize-mhz', type=int, choices=[480, 240, 120],
                   help='fix the model runs\' operating point instead of the governor\'s (console 4/2/1)')
    p.add_argument('--no-cascade', action='store_true',
                   help='run the full model alone, without the cascade\'s gate (console command c)')
    p.add_argument('--cascade', action='store_true',
                   help='run the cascade\'s gate first (console command C); a streamed model\'s image holds '
                   'no gate unless kws_config.h KWS_STREAM_CASCADE is 1: the demo then stops with that line')
    p.add_argument('--no-stream', action='store_true',
                   help='run every model run as a full window, with the schedule of a model that cannot '
                   'stream, even if the model can (console command f; README.md "Streaming")')
    p.add_argument('--no-early', action='store_true',
                   help='decide every word after the VAD\'s hangover (console command e): about half '
                   'the false alarms in conversation, events ~90 ms later (README.md "Latency")')
    p.add_argument('--wall-limit', type=float, metavar='S',
                   help='wall-clock seconds the simulated run may take (default: the simulator\'s, '
                   '10x the recording; raise it on a loaded machine)')
    p.add_argument('--timeline', metavar='PNG', help='also draw power over time, coloured by mode and '
                   'operating point, into this PNG')
    args = p.parse_args(argv)
    if args.timeline and not os.path.isdir(os.path.dirname(os.path.abspath(args.timeline))):
        fail(f'--timeline {args.timeline}: the folder does not exist (checked before the run)')
    if args.json and not os.path.isdir(os.path.dirname(os.path.abspath(args.json))):
        fail(f'--json {args.json}: the folder does not exist (checked before the run)')

    if not args.no_build:
        build(args.model)
    elf = paths.app_image('kws')
    if not os.path.exists(elf):
        fail(f'{paths.rel(elf)} was not built; run: h7voice build firmware')

    from kwsapp import score, simrun, truth
    wav = args.wav or DEFAULT_WAV
    truth_path = args.truth or os.path.splitext(wav)[0] + '.json'
    truth_words = None
    if os.path.exists(truth_path):
        try:
            truth_words = truth.load_truth(truth_path)
        except truth.TruthError as err:
            fail(f'{err}')
    from h7frontend.wav import WavFormatError, load as load_wav
    try:  # checked before the run: the shortest command word takes about 0.3 s
        seconds = load_wav(wav, min_seconds=0.5).seconds
    except WavFormatError as err:
        fail(f'{err}')
    if args.wall_limit is not None and args.wall_limit <= 0:
        fail('--wall-limit must be positive')
    if args.energy_table == TABLE:
        return energy_table(wav, elf, truth_words, args.json, args.wall_limit)
    say(f'==> running {os.path.relpath(elf, TOP)} on the simulated NUCLEO-H743ZI2 with '
        f'{os.path.relpath(wav, TOP)} ({seconds:.1f} s'
        + (f', {len(truth_words)} words' if truth_words else '') + ')')
    if args.timeline:
        from h7sim import board as simboard
        simboard.POWER_TRACE_BIN_S = 0.01
    try:
        keys = (('l' if args.lowest_opp else '') + ('c' if args.no_cascade else '')
                + ('f' if args.no_stream else '') + ('C' if args.cascade else '')
                + ('e' if args.no_early else '')
                + {480: '4', 240: '2', 120: '1'}.get(args.recognize_mhz, ''))
        run = simrun.run_kws(wav, elf, energy_table=args.energy_table, console_input=keys or None,
                             wall_limit=args.wall_limit)
    except simrun.RunError as err:
        fail(f'{err}')
    if run.get('wav_note'):
        say('    ' + run['wav_note'])
    from h7voice import events as ev
    for e in run['events']:
        if e.get('event') in ('error', 'fault'):
            say(f'    firmware: {json.dumps(e)}')
    if args.cascade and not what_ran(run)['cascade']:
        fail('--cascade: this image runs no cascade (a streamed model\'s image leaves the gate model out: '
             'KWS_STREAM_CASCADE in firmware/apps/kws/kws_config.h); drop --cascade')
    result = None
    if truth_words is not None:
        result = score.score(ev.detections(run['events']), truth_words, 200.0, KEYWORDS)
    print_summary(run, result, truth_words, elf)
    if args.timeline:
        timeline_png(run['summary'], args.timeline, args.energy_table)
    if args.json:
        out = {'wav': wav, 'ran': what_ran(run), 'detections': ev.detections(run['events']),
               'stats': ev.last(run['events'], 'kws_stats'), 'summary': run['summary'],
               'score': None if result is None else {
                   k: result[k] for k in ('commands', 'exactly_once', 'duplicates', 'ok')}}
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(args.json)) or '.')
        with os.fdopen(fd, 'w') as f:
            json.dump(out, f, indent=1, default=str)
        os.replace(tmp, args.json)
        say(f'    results written to {args.json}')
    return 1 if run['summary'].get('faults') else 0


if __name__ == '__main__':
    sys.exit(main())
