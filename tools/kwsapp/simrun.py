"""Runs the keyword firmware on the simulated board (tools/h7sim) with a recording and
collects what it said: console lines, JSON events and the simulator's run summary.

Shared by tools/demo.py and the Robot suites (robot_tests/kws/KwsLibrary.py)."""
import os

from h7voice import paths

DEFAULT_ELF = paths.app_image('kws')
# How long the final statistics request may take: the wake from Stop, then a ~1.3 KB line at
# 115200 baud (~0.11 s); the run stops as soon as the line is complete.
STATS_WAIT_S = 0.5


class RunError(RuntimeError):
    """The run could not be made (no image, no simulator, unreadable WAV)."""


def wav_seconds(path):
    import wave
    try:
        with wave.open(path, 'rb') as w:
            return w.getnframes() / float(w.getframerate())
    except (OSError, wave.Error, EOFError) as err:
        raise RunError(f'{path}: not a readable WAV ({err})') from None


def run_kws(wav, elf=DEFAULT_ELF, seconds=None, tail_s=1.0, console_input=None,
            console_at_s=0.0, wall_limit=None, energy_table=None, lsi_hz=None):
    """Plays `wav` into the simulated microphone and runs the firmware for the recording's
    length + tail_s (or `seconds`). console_input: text sent to the console at console_at_s.
    energy_table: a supply-current table file for the simulator's energy estimate.
    lsi_hz: the simulated part's LSI (default the nominal 32 kHz).
    Returns {'lines', 'events', 'summary', 'seconds'}."""
    if not os.path.exists(elf):
        raise RunError(f'{paths.rel(elf)}: firmware image not built (run: h7voice build firmware)')
    try:
        from h7sim import Board
        from h7sim.errors import SimError
        from h7sim.wav import load_wav
    except ImportError as err:
        raise RunError(f'the simulator (tools/h7sim) is not available: {err}') from None
    try:
        samples, note = load_wav(wav)
    except SimError as err:
        raise RunError(str(err)) from None
    total = seconds if seconds is not None else len(samples) / 16000.0 + tail_s
    board = Board(elf, wall_limit=wall_limit, lsi_hz=lsi_hz)
    try:
        board.spi2.play(samples)
        if console_input:
            if console_at_s > 0:
                board.run(seconds=console_at_s)
            board.uart_write(console_input)
            board.run(seconds=max(0.0, total - console_at_s))
        else:
            board.run(seconds=total)
        if not board.halted:
            # ask for a final statistics line (the firmware answers 's' on the console)
            board.ask('s', '"kws_stats"', STATS_WAIT_S)
        from h7sim.measure import summarize
        try:
            summary = summarize(board, energy_table)
        except SimError as err:
            raise RunError(str(err)) from None
        lines = list(board.uart_lines)
    finally:
        board.close()
    from h7voice.events import parse_console
    events, _ = parse_console('\n'.join(lines))
    return {'lines': lines, 'events': events, 'summary': summary, 'seconds': total,
            'wav_note': note}
