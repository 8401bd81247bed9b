"""Readable report of a keyword-firmware run: the detections next to the ground truth and a
summary (CPU load per operating point, time per mode, energy, memory)."""
import re


def _ms(v):
    return f'{float(v) / 1000.0:7.2f} s'


def detection_table(detections, result=None):
    """Lines of a table: one row per detection, marked against the ground truth if given."""
    matched = set()
    if result is not None:
        for row in result['rows']:
            if row['detection'] is not None:
                matched.add(id(row['detection']))
    lines = [f"  {'heard at':>9}  {'word':<6} {'score':>5}  {'word span (audio)':<19} "
             f"{'latency':>7}  {'action':<14} {'check'}"]
    for d in detections:
        span = f"{float(d['start_ms']) / 1000:.2f}-{float(d['end_ms']) / 1000:.2f} s"
        mark = ''
        if result is not None:
            mark = 'ok' if id(d) in matched else 'WRONG'
        lines.append(f"  {_ms(d.get('decided_ms', d['end_ms'])):>9}  {d.get('word', '?'):<6} "
                     f"{float(d.get('score', 0)):5.2f}  {span:<19} {int(d.get('latency_ms', 0)):5d} ms"
                     f"  {d.get('action', ''):<14} {mark}")
    if not detections:
        lines.append('  (no detections)')
    return lines


def truth_table(result):
    """Lines: every spoken command and whether it was detected exactly once."""
    lines = []
    for row in result['rows']:
        w = row['truth']
        state = {0: 'MISSED', 1: 'detected'}.get(row['count'], f"detected {row['count']} times")
        lines.append(f"  {w['word']:<6} {w['start_ms'] / 1000:6.2f}-{w['end_ms'] / 1000:.2f} s  {state}")
    return lines


def score_line(result):
    return (f"{result['exactly_once']}/{result['commands']} commands detected exactly once "
            f"(±200 ms), {len(result['missed'])} missed, {result['duplicates']} duplicates, "
            f"{len(result['wrong_word'])} wrong words, "
            f"{len(result['false_alarms']) + len(result['non_keyword_hits'])} false alarms")


def load_lines(stats):
    """Per operating point from the firmware's kws_stats event: cycles of the front end per
    frame and of the model per run."""
    lines = []
    for opp in stats.get('opp', []):
        mhz = opp['mhz']
        runs = opp.get('inferences', 0)
        worst = opp.get('inference_cycles_max', 0)
        line = (f"  {mhz:>3} MHz: {opp.get('busy_cycles', 0) / 1e6:8.1f} M cycles busy, "
                f"{opp.get('frames', 0)} frames (worst frame {opp.get('frame_cycles_max', 0) / 1e3:.1f} k cycles"
                f" = {100 * opp.get('frame_load_max', 0):.1f} % of a hop)")
        if runs:
            line += f", {runs} model runs (worst {worst / 1e6:.2f} M cycles = {worst / (mhz * 1e3):.1f} ms)"
        lines.append(line)
    return lines


def sim_load(summary):
    """{mhz: (run_s, sleep_s, stop_s, instructions)} from the simulator's summary, the
    voltage-scale variants of one frequency added up (they only exist during switches)."""
    out = {}
    for key, v in summary.get('per_operating_point', {}).items():
        mhz = int(round(float(key.split('MHz')[0])))
        run, sleep, stop, n = out.get(mhz, (0.0, 0.0, 0.0, 0))
        out[mhz] = (run + v.get('run', 0.0), sleep + v.get('sleep', 0.0), stop + v.get('stop', 0.0),
                    n + int(v.get('instructions', 0)))
    return out


def sim_load_lines(summary):
    lines = []
    for mhz, (run, sleep, stop, n) in sorted(sim_load(summary).items()):
        total = run + sleep
        load = run / total if total else 0.0
        lines.append(f"  {mhz:>3} MHz: {total:7.3f} s at this point, running {run:6.3f} s = "
                     f"load {100 * load:5.1f} %, {n / 1e6:8.1f} M instructions")
    return lines


def model_run_energy(rows, stats=None):
    """(joules, MHz points) of the model runs: the energy spent awake (run and sleep rows) at
    the operating points where the firmware counted model runs (kws_stats' per-point
    `inferences`: the recognition point, the streaming point, the gate's), or without those
    counters the highest point. A streamed keyword model runs at 64 MHz while the boot's LSI
    measurement runs 16 ms at 120 MHz (h7_platform_init): the highest point alone gave 1.7 mJ
    where its runs took 91 mJ."""
    points = sorted({float(o['mhz']) for o in (stats or {}).get('opp', []) if o.get('inferences')})
    if not points:
        points = [max((float(r['cpu_mhz']) for r in rows if r['mode'] != 'stop'), default=0.0)]
    joules = sum(float(r['joules']) for r in rows if float(r['cpu_mhz']) in points and r['mode'] != 'stop')
    return joules, points


def energy_lines(summary, detections, listened_s, stats=None):
    """Energy per second of listening and per detected command from the simulator's energy
    estimate (its table of supply currents per mode and operating point). A command's share
    is the energy spent at the points where the model ran (model_run_energy) divided by the
    commands."""
    energy = summary.get('energy', {})
    rows = energy.get('rows', [])
    if not rows:
        return ['  energy: the simulator reported no energy estimate']
    if energy.get('seconds_not_costed'):
        missing = sorted({r['table_key'] for r in rows if r.get('joules') is None})
        return [f"  energy: {energy['seconds_not_costed']:.2f} s not costed: the energy table has no "
                f"supply current for {', '.join(missing)} (tools/h7sim/energy.py; pass a table with "
                f"--energy-table)"]
    total = float(energy.get('joules_costed', 0.0))
    total_low = sum(float(r['joules'] if r.get('joules_low') is None else r['joules_low']) for r in rows)
    burst, points = model_run_energy(rows, stats)
    per_s = 1e3 * total / listened_s
    lines = [f'  energy: {1e3 * total:.2f} mJ in {listened_s:.2f} s = {per_s:.3f} mJ per second of '
             f'listening ({per_s:.2f} mW average)']
    if total_low < total:
        # Some rows are upper bounds: DS12110 prints no Sleep row below 200 MHz at VOS3.
        lines.append(f'    the datasheet bounds it between {1e3 * total_low / listened_s:.2f} and '
                     f'{per_s:.2f} mW (rows marked "upper bound")')
    if detections:
        lines.append(f"  energy per detected command (model runs at {' + '.join('%g' % p for p in points)} MHz / "
                     f"commands): "
                     f'{1e3 * burst / detections:.3f} mJ')
    for r in rows:
        table = re.search(r'Table \d+', r['source'])
        basis = (r.get('basis') or '').replace('_', ' ')
        lines.append(f"    {r['mode']:<5} {r['cpu_mhz']:>5g} MHz {r['vos']:<5} {r['seconds']:8.3f} s x "
                     f"{r['mA']:7.3f} mA -> {1e3 * r['joules']:9.3f} mJ  "
                     f"[{table.group(0) if table else 'given'}{', ' + basis if basis else ''}]")
    lines.append('    typical supply currents of DS12110 Rev 10 (core, peripherals off); each row is cited '
                 'in tools/h7sim/energy.py')
    return lines
