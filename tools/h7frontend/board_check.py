"""Runs the frontend_check firmware on the simulated board (tools/h7sim) and reads back what
it computed: per-frame features (exact float bits), VAD events, instruction counts, capture
statistics. Used by tests/test_board_vs_host.py and the benchmark."""
import json
import os
import struct

import numpy as np

from h7voice.events import parse_console

from .config import TOP

ELF = os.path.join(TOP, 'build', 'firmware', 'firmware', 'apps', 'frontend_check',
                   'frontend_check.elf')
MEMORY_JSON = os.path.splitext(ELF)[0] + '.memory.json'


class FirmwareMissing(RuntimeError):
    pass


def _floats(bits):
    return [struct.unpack('<f', struct.pack('<I', int(word, 16)))[0] for word in bits.split(',')]


def run(samples, seconds=None, commands=(), rate=16000):
    """Plays samples into the board's microphone and runs until they are consumed (plus
    0.1 s). commands: [(at_seconds, text or function(board))]: text is typed on the console
    at that virtual time, a function is called with the Board (fault injection).
    Returns a dict: features float32 [frames, n], frame_cycles, vad_cycles, vad_events,
    bench (last fe_bench), audio_stats (last), lines, summary."""
    if not os.path.exists(ELF):
        raise FirmwareMissing(f'{ELF} is not built; run: scons variant=firmware')
    from h7sim import Board
    board = Board(ELF)
    try:
        board.spi2.play(np.asarray(samples, np.int16), rate)
        total = seconds if seconds is not None else len(samples) / rate + 0.1
        done = 0.0
        for at, action in sorted(commands, key=lambda c: c[0]):
            board.run(seconds=max(0.0, at - done))
            if callable(action):
                action(board)
            else:
                board.uart_write(action + '\n')
            done = at
        board.run(seconds=max(0.0, total - done))
        events = parse_console(board.uart_lines)[0]
        frames = [e for e in events if e.get('event') == 'fe_frame']
        return {
            'features': np.array([_floats(f['bits']) for f in frames], np.float32),
            'frame_cycles': [f['cycles'] for f in frames],
            'vad_cycles': [f['vad_cycles'] for f in frames],
            'vad_events': [(e['type'], e['time_ms']) for e in events if e.get('event') == 'vad'],
            'bench': ([e for e in events if e.get('event') == 'fe_bench'] or [None])[-1],
            'audio_stats': ([e for e in events if e.get('event') == 'audio_stats'] or [None])[-1],
            'audio_errors': [e for e in events if e.get('event') == 'audio_error'],
            'lines': list(board.uart_lines),
            'summary': board.summary(),
        }
    finally:
        board.close()


def memory_report():
    """The linker-map memory report of the frontend_check image (site_scons/h7_firmware.py)."""
    if not os.path.exists(MEMORY_JSON):
        raise FirmwareMissing(f'{MEMORY_JSON} is not built; run: scons variant=firmware')
    with open(MEMORY_JSON) as f:
        return json.load(f)
