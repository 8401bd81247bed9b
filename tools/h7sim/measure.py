"""Run summary: instructions, virtual time per mode and operating point, energy, audio,
faults. One dict, written as JSON by the CLI."""
from . import energy


def summarize(board, energy_table=None):
    board._account()
    table = energy.load_table(energy_table) if isinstance(energy_table, (str, type(None))) else energy_table
    rows, joules, uncosted = energy.estimate(board.mode_times, table)
    per_mode = {m: 0.0 for m in ('run', 'sleep', 'stop')}
    per_opp = {}
    for (mode, hz, vos), seconds in board.mode_times.items():
        per_mode[mode] += seconds
        key = f'{hz / 1e6:g}MHz/{vos}'
        per_opp.setdefault(key, {'run': 0.0, 'sleep': 0.0, 'stop': 0.0, 'instructions': 0})
        per_opp[key][mode] += seconds
    for (hz, vos), n in board.mode_instructions.items():
        key = f'{hz / 1e6:g}MHz/{vos}'
        per_opp.setdefault(key, {'run': 0.0, 'sleep': 0.0, 'stop': 0.0, 'instructions': 0})
        per_opp[key]['instructions'] += n
    trace = None
    if board.power_trace_bin_s:
        trace = {'bin_s': board.power_trace_bin_s,
                 'bins': [[i, [[m, hz, vos, sec] for (m, hz, vos), sec in sorted(keys.items())]]
                          for i, keys in sorted(board.power_trace.items())]}
    spi = board.spi2
    streams = [s for s in board.dma1.streams if s.late_halves]
    untouched = sorted({g.name for g in board.generic if g.accesses})
    return {
        'elf': board.elf_path,
        'instructions': board.instructions,
        'virtual_time_s': board.time,
        'cpu_hz': board.hz,
        'operating_point': {'cpu_hz': board.hz, 'vos': board.pwr.vos_name(),
                            'flash_latency': board.flash.latency()},
        'time_per_mode_s': per_mode,
        'per_operating_point': per_opp,
        'exceptions_taken': board.core.exceptions_taken,
        'wakeups': dict(board.wakeups),
        'energy': {'supply_v': energy.SUPPLY_V, 'joules_costed': joules, 'seconds_not_costed': uncosted,
                   'rows': rows},
        'power_trace': trace,
        'audio': {'frames_delivered': int(spi.frames_delivered), 'frames_dropped': int(spi.frames_dropped),
                  'half_buffers_late': sum(s.late_halves for s in board.dma1.streams),
                  'late_streams': [s.index for s in streams],
                  'i2s_frame_rate_hz': spi.frame_rate() if spi.is_i2s_master_rx() else None,
                  'dma_errors': board.dma_errors,
                  # [start s, stop s or null, first microphone sample] per I2S capture
                  'captures': [list(c) for c in spi.captures],
                  'mic_wake_rising_s': list(board.microphone.rising_edges),
                  'mic_wake_threshold_dbfs': board.microphone.threshold_dbfs,
                  # Ground truth in microphone samples: produced by the I2S while it ran,
                  # written to memory by DMA, lost = overwritten in the DMA buffer before the
                  # firmware took that half (acknowledged its HT/TC flag) + dropped at SPI2.
                  'ground_truth': {'samples_produced': spi.samples_produced,
                                   'samples_written': spi.samples_written,
                                   'samples_overwritten': spi.samples_overwritten,
                                   'samples_dropped': spi.samples_dropped,
                                   'samples_lost': spi.samples_overwritten + spi.samples_dropped,
                                   'loss_events': [{'time_s': t, 'samples': n, 'cause': c}
                                                   for t, n, c in spi.loss_log[-200:]]}},
        # levels of the GPIO pins configured as outputs at the end of the run, e.g. 'B0': 1
        'output_pins': {f'{port}{pin}': g.pin_level(pin) for port, g in board.gpio.items()
                        for pin in range(16) if g.mode(pin) == 1},
        'uart': {'lines': len(board.uart_lines), 'tail': board.uart_tail(),
                 'rx_dropped': board.usart3.rx_dropped},
        'events': board.events[-50:],
        'faults': board.faults,
        # fault injection: kind, time, parameters, effect, outcome (see faults.py)
        'injected': board.fault_plan.summary(),
        'reset_flags_rsr': board.rcc.reset_flags,
        # where the run stopped when it hit the wall-clock limit (time, PC, function, UART)
        'wall_stop': board.wall_stop,
        # idle steps where a due event was not consumed and one cycle had to pass (0 expected)
        'time_nudges': board.time_nudges,
        'halted': board.halted,
        'resets': board.resets,
        'warnings': board.warnings,
        'unmodelled_peripherals_touched': untouched,
        'stopped_because': board.stopped_reason,
    }
