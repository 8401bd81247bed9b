"""The commands image on the simulated board: energy of one command, waiting, Stop.

    python -m h7intent.bench board [--json build/bench/intent.json]

Plays a held-out voice (espeak-ng en-us+f3) to the commands_lights image: silence, "hey
computer", "turn on the kitchen lights", then 7 s of silence (the power policy's 5 s timer
sends the board to Stop), then the same phrase and command again (the microphone's
wake-on-sound pin wakes it). Every figure is the simulator's: time per core mode and
operating point (the firmware's own DVFS, measured per 20 ms bin) costed with the
datasheet currents of tools/h7sim/energy.py (DS12110 typical, core supply only).

- one command: the energy from the start of the wake phrase to the intent event (the
  utterance window: waiting, front end, the model and decoder at the decode point), and
  the same above what waiting alone at the 16 MHz point would have cost in that time;
- listening: the mean power over the silence before the first phrase (every hop runs the
  front end at 16 MHz and the phone model at the decode point);
- Stop: the mean power while stopped, and what the second command gave after the wake.
The result goes into intent.json under "board" (the rest of the file is kept).
"""
import os

import numpy as np

from h7voice import paths

IMAGE = 'commands_lights'
VOICE = ('espeak', 'en-us+f3')
WAKE = 'hey computer'
COMMAND = 'turn on the kitchen lights'
BIN_S = 0.02
WALL_LIMIT_S = 1800  # the shared cores may be slow; the run must reach the end


def scenario(seed=16):
    """(samples, marks): marks are the sample times (s) of each part's start/end."""
    from .bench import Voices, held_out_voices
    if VOICE not in held_out_voices():
        raise AssertionError(f'{VOICE} is not a held-out voice')
    rng = np.random.default_rng(seed)
    v = Voices()
    wake, command = v.say(*VOICE, WAKE, rng), v.say(*VOICE, COMMAND, rng)
    quiet = lambda s: np.zeros(int(s * 16000), np.int16)  # noqa: E731
    parts = [('lead', quiet(1.0)), ('wake1', wake), ('pause1', quiet(0.5)), ('command1', command),
             ('silence', quiet(7.0)), ('wake2', wake), ('pause2', quiet(0.5)), ('command2', command),
             ('tail', quiet(0.6))]
    marks, t = {}, 0
    for name, x in parts:
        marks[name] = (t / 16000.0, (t + len(x)) / 16000.0)
        t += len(x)
    return np.concatenate([x for _, x in parts]), marks


def _window_joules(trace, table, t0, t1):
    """Energy (J) and seconds of the power trace's bins inside [t0, t1)."""
    from h7sim import energy
    joules = 0.0
    for i, keys in trace['bins']:
        mid = (i + 0.5) * trace['bin_s']
        if not t0 <= mid < t1:
            continue
        for mode, hz, vos, sec in keys:
            entry = table.get(energy.key_for(mode, hz, vos), {})
            joules += (entry.get('mA') or 0.0) * 1e-3 * energy.SUPPLY_V * sec
    return joules


def measure():
    from h7sim import board as simboard, energy
    from h7voice.events import parse_console
    from h7voice import events as ev
    elf = paths.app_image('commands').replace('commands.elf', f'{IMAGE}.elf')
    if not os.path.exists(elf):
        raise paths.MissingPart(f'{paths.rel(elf)} is missing: build it (h7voice build firmware)')
    audio, marks = scenario()
    simboard.POWER_TRACE_BIN_S = BIN_S
    try:
        b = simboard.Board(elf, wall_limit=WALL_LIMIT_S)
    finally:
        simboard.POWER_TRACE_BIN_S = None
    try:
        b.spi2.play(audio)
        reason = b.run(seconds=len(audio) / 16000.0 + 0.2)
        if reason != 'time':
            raise AssertionError(f'the simulated run ended early ({reason}) at {b.time:.2f} s')
        b.ask('s', '"commands_stats"')
        lines, faults = list(b.uart_lines), list(b.faults)
        summary = b.summary()
    finally:
        b.close()
    if faults:
        raise AssertionError(f'the board faulted: {faults[0]}')
    events, _ = parse_console('\n'.join(lines))
    if ev.of_kind(events, 'error'):
        raise AssertionError(f"the image stopped: {ev.of_kind(events, 'error')[0]}")
    table = energy.load_table(None)
    trace = summary['power_trace']
    # the audio's time 0 is when capture started (the board's clock runs from reset)
    t_audio0 = summary['audio']['captures'][0][0]
    intents = ev.of_kind(events, 'intent')
    wait_mw = table[energy.key_for('sleep', 16e6, 'VOS3')]['mA'] * energy.SUPPLY_V
    out = {'image': IMAGE, 'voice': ' '.join(VOICE), 'said': f'{WAKE} / {COMMAND}',
           'energy_table': 'tools/h7sim/energy.py (DS12110 Rev 10 typical, core supply only)',
           'ready': ev.last(events, 'commands_ready'), 'events': [e for e in events if e.get('event') in (
               'wake', 'intent', 'commands_stop', 'commands_wake')]}
    lead0, lead1 = marks['lead']
    quiet_s = (lead1 - 0.1) - (lead0 + 0.2)
    out['listening_mW'] = round(1e3 * _window_joules(trace, table, t_audio0 + lead0 + 0.2,
                                                      t_audio0 + lead1 - 0.1) / quiet_s, 2)
    if intents:
        first = intents[0]
        t0 = t_audio0 + marks['wake1'][0]
        t1 = t_audio0 + first['time_ms'] / 1000.0
        j = _window_joules(trace, table, t0, t1)
        out['one_command'] = {'intent': first.get('intent'), 'slots': first.get('slots'),
                              'window_s': round(t1 - t0, 3), 'mJ': round(1e3 * j, 3),
                              'mJ_above_waiting': round(1e3 * j - wait_mw * (t1 - t0), 3),
                              'latency_ms': first.get('latency_ms')}
    stops = ev.of_kind(events, 'commands_stop')
    wakes = ev.of_kind(events, 'commands_wake')
    stopped = [r for r in summary['energy']['rows'] if r['mode'] == 'stop']
    if stops and wakes and stopped:
        sec = sum(r['seconds'] for r in stopped)
        out['stop'] = {'entered_after_command_end_s': round(stops[0]['audio_ms'] / 1000.0 - marks['command1'][1], 2),
                       'stopped_ms': wakes[0]['stopped_ms'], 'source': wakes[0].get('source'),
                       'mW': round(1e3 * sum(r['joules'] for r in stopped) / sec, 2)}
    out['after_stop'] = [{'event': e['event'], 'intent': e.get('intent'), 'slots': e.get('slots')}
                         for e in events if e.get('event') in ('wake', 'intent')
                         and e.get('time_ms', 0) / 1000.0 > marks['silence'][1]]
    stats = [e for e in events if e.get('event') == 'commands_stats']
    if stats:
        out['stats'] = stats[-1]
    out['total'] = {'seconds': round(summary['virtual_time_s'], 3),
                    'mJ': round(1e3 * summary['energy']['joules_costed'], 2),
                    'rows': [{k: r[k] for k in ('mode', 'cpu_mhz', 'vos', 'seconds', 'joules')}
                             for r in summary['energy']['rows']]}
    return out
