"""h7voice align --board: the align image on the simulated board (tools/h7sim).

The recording goes to the I2S microphone (queued, so its first sample is the first one the
board captures), the transcript over the console (USART3 RX) in lines of at most 230
characters split at spaces (a word never spans two lines, which the board's normaliser
needs), then `end N` (the recording's length in samples) and `go`. The board prints one
word line per word; the result has the host's JSON shape (seconds = ms / 1000), so
`h7voice align` and `h7voice align --board` give the same file.
"""
from h7voice import events as ev
from h7voice import paths

from .align import AlignError

LINE = 230


def text_lines(text):
    """The transcript as console lines: split at whitespace, at most LINE characters."""
    out, cur = [], ''
    for word in text.split():
        if len(word) > LINE:
            raise AlignError('a word of %d characters does not fit a console line (%d)' % (len(word), LINE))
        if cur and len(cur) + 1 + len(word) > LINE:
            out.append(cur)
            cur = word
        else:
            cur = (cur + ' ' + word) if cur else word
    if cur:
        out.append(cur)
    return out


def run(samples, text, phones=True, elf=None, extra_seconds=30.0, opp=None, mpu_guards=True, record=False,
        stop=False, wait=None, lsi_hz=None, find=(), threshold=None, raw_lines=()):
    """Runs the image (at operating point `opp` MHz, default 480; between hops it waits at
    16 MHz, or at that point with wait='same'); returns (events,
    {time_s, instructions, joules: energy from `go` to the end (the simulator's model)}).
    record=True: the meeting-recorder mode (`record` instead of a transcript and `go`);
    stop=True with it: Stop between speech segments (`stop on`); find: phrases searched while
    recording (`find PHRASE` lines), threshold: their bar (`threshold NATS`, a string of at
    most 2 decimals); raw_lines: console lines sent as they are before `end` (the tests' bad
    input; the run then lasts until align_done, past the errors they cause). lsi_hz: the simulated part's LSI (default the nominal 32 kHz)."""
    import os

    from h7sim import Board
    elf = elf or paths.app_image('align')
    if not os.path.exists(elf):
        raise paths.MissingPart('%s is not built; run: h7voice build firmware   (it needs models/phones.tflite)'
                                % paths.rel(elf))
    board = Board(elf, mpu_guards=mpu_guards, lsi_hz=lsi_hz)
    try:
        board.run(seconds=2.0, until=lambda b: b.uart_contains('"event":"align_ready"')
                  or b.uart_contains('"event":"align_error"'))
        if not board.uart_contains('"event":"align_ready"'):
            raise AlignError('the align image did not start: %s' % (board.uart_tail(3),))
        if len(samples):
            board.spi2.play(samples)
        for line in ([] if record else text_lines(text.replace('\r', ' ').replace('\n', ' '))):
            board.uart_write('text ' + line + '\n')
        if phones:
            board.uart_write('phones on\n')
        if opp:
            board.uart_write('opp %s\n' % opp)
        if wait:
            board.uart_write('wait %s\n' % wait)
        e0, t0 = board.summary()['energy'], board.time
        board.uart_write('end %d\n' % max(1, len(samples)))
        if record and stop:
            board.uart_write('stop on\n')
        if record and threshold is not None:
            board.uart_write('threshold %s\n' % threshold)
        for phrase in (find if record else ()):
            board.uart_write('find %s\n' % phrase.replace('\r', ' ').replace('\n', ' '))
        for line in raw_lines:
            board.uart_write(line + '\n')
        board.uart_write('record\n' if record else 'go\n')
        seconds = len(samples) / 16000.0 + extra_seconds
        n0 = len(board.uart_lines)

        def over(b):   # with raw_lines: the run's end, past the errors the lines were meant to cause
            done = ('"event":"align_done"',) if raw_lines else ('"event":"align_done"', '"event":"align_error"')
            return any(d in x for x in b.uart_lines[n0:] for d in done)
        why = board.run(seconds=seconds, until=over)
        events, _ = ev.parse_console(board.uart_lines)
        if why != 'until':
            raise AlignError('the board did not finish (%s): %s' % (why, board.uart_tail(2)))
        e1 = board.summary()['energy']
        return events, {'time_s': board.time - t0, 'instructions': board.instructions,
                        # the simulator's truth: the microphone sample each capture began with
                        'captures_first_sample': [c[2] for c in board.spi2.captures],
                        'joules': e1['joules_costed'] - e0['joules_costed'],
                        'run_joules': _run_joules(e1) - _run_joules(e0)}
    finally:
        board.close()


def _run_joules(energy):
    """Joules spent in Run mode (computing), from the simulator's per-mode rows."""
    return sum(r['joules'] or 0.0 for r in energy['rows'] if r['mode'] == 'run')


def result_of(events):
    """Board events -> the host's result shape; AlignError with the board's message."""
    err = ev.last(events, 'align_error')
    if err:
        raise AlignError('board: %s' % err.get('message'))
    words = ev.of_kind(events, 'word')
    phones = ev.of_kind(events, 'phone')
    W = [{'word': e['word'], 'start_s': e['start_ms'] / 1000.0, 'end_s': e['end_ms'] / 1000.0, 'score': e['score']}
         for e in words]
    names = {e['index']: e['word'] for e in words}
    P = [{'phone': e['phone'], 'word': names.get(e['word']) if e['word'] >= 0 else None,
          'start_s': e['start_ms'] / 1000.0, 'end_s': e['end_ms'] / 1000.0, 'score': e['score'], 'gop': e['gop']}
         for e in phones]
    return {'words': W, 'phones': P}


def align(samples, text, phones=True, elf=None):
    events, _ = run(samples, text, phones, elf)
    return result_of(events)


def done_event(events):
    return ev.last(events, 'align_done')
