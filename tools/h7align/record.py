"""h7voice record AUDIO.wav [--find PHRASE ...] [--json LOG]: the meeting-recorder mode on
the host build of the board's C code.

  - speech segments with start/end times from the C voice activity detector
    (firmware/frontend/vad.c, 20 ms frames);
  - the phone model's scores of every speech frame are kept (int32 decoder scores; on the
    chip they would be the model's int8 outputs, 41 bytes a frame = 2 KB a second of speech);
  - phrase search: each phrase becomes a search graph (its words' pronunciations from the
    board's lexicon, optional pauses between words) run by the C decoder in SPOT mode over
    the stored scores of each segment: every occurrence with its times and score (the
    likelihood ratio of the phrase against a free phone loop, nats).
"""
import json

import numpy as np

from h7frontend.vad import Vad
from h7speech import decoder as D
from h7speech import graph as G
from h7voice import events as ev

from . import align as A
from . import core


def segments(samples, rate=16000):
    """[(start_s, end_s)] of speech (the C VAD, 20 ms frames)."""
    ev = Vad(rate).run(samples, frame_length=320)
    return segments_of(ev, len(samples) / rate)


def segments_of(events, duration_s):
    """VAD events [(speech_start|speech_end, ms)] -> [(start_s, end_s)]; speech still going
    at the end of the audio ends there. The board's "vad" lines give the same events."""
    out, start = [], None
    for name, ms in events:
        if name == 'speech_start':
            start = ms / 1000.0
        elif name == 'speech_end' and start is not None:
            out.append((start, ms / 1000.0))
            start = None
    if start is not None:
        out.append((start, duration_s))
    return out


def board_segments(events, duration_s):
    """The align image's "vad" lines -> [(start_s, end_s)] (as segments() on the host)."""
    return segments_of([(e['type'], e['time_ms']) for e in ev.of_kind(events, 'vad')], duration_s)


def phrase_graph(text):
    words = A.words_of(text)
    expr = G.Seq([x for k, w in enumerate(words) for x in ([G.Opt(G.Sil())] if k else []) + [G.Word(w)]]) \
        if len(words) > 1 else G.Word(words[0])
    try:
        return G.compile_graph(expr, lexicon=core.pronounce, silence=False), words
    except (G.GraphError, core.CoreError) as e:
        raise A.AlignError('phrase %r: %s' % (text, e)) from None


def find(scores, segs, phrase, timing, threshold=None):
    """Occurrences of phrase in the stored scores of the segments."""
    data, words = phrase_graph(phrase)
    hits = []
    for a_s, b_s in segs:
        a = max(0, int(a_s * 50) - 5)            # 20 ms frames, 100 ms of margin
        b = min(len(scores), int(b_s * 50) + 5)
        if b - a < 3:
            continue
        kw = {} if threshold is None else {'spot_threshold': threshold}
        dec = D.Decoder(data, D.SPOT, **kw)
        evs = dec.step(scores[a:b]) + dec.flush()
        for e in evs:
            hits.append({'phrase': ' '.join(words), 'start_s': timing.reported_s(a + e['start']),
                         'end_s': timing.reported_s(a + e['end']), 'score': round(e['score'], 2)})
    return hits


def _log_of(segs, n_samples):
    frames = 1 + (n_samples - 480) // 320 if n_samples >= 480 else 0   # the phone model's frames
    speech = np.zeros(frames, bool)
    for a, b in segs:
        speech[int(a * 50):int(b * 50) + 1] = True
    return {'duration_s': round(n_samples / 16000, 3),
            'segments': [{'start_s': round(a, 3), 'end_s': round(b, 3)} for a, b in segs],
            'stored_frames': int(speech.sum()), 'stored_bytes_int8': int(speech.sum()) * 41, 'found': []}


def log(samples, phrases=(), aligner=None, threshold=None):
    aligner = aligner or A.Aligner()
    segs = segments(samples)
    out = _log_of(segs, len(samples))
    if phrases:
        scores = D.scores(aligner.logprobs(samples))
        for p in phrases:
            out['found'] += find(scores, segs, p, aligner.timing, threshold)
    return out


def log_board(samples, stop=False, lsi_hz=None):
    """The log from the align image's meeting-recorder mode on the simulated board (its "vad"
    lines: the same C detector on the same frames, so the same segments as log()). stop=True:
    the board enters Stop after each segment and wakes on sound: the detector then starts a
    segment from the hop the capture resumed on (the log adds 'stops', 'stopped_s' and the
    energy of the run, 'energy_mj', from the simulator's model). lsi_hz: the simulated part's
    LSI (its Stop clock; default the nominal 32 kHz)."""
    from . import board
    events, summ = board.run(samples, '', phones=False, record=True, stop=stop, lsi_hz=lsi_hz)
    err = ev.last(events, 'align_error')
    if err:
        raise A.AlignError('board: %s' % err.get('message'))
    out = _log_of(board_segments(events, len(samples) / 16000.0), len(samples))
    if stop:
        done = ev.last(events, 'align_done') or {}
        out.update({'stops': done.get('stops'), 'stopped_s': round(done.get('stopped_ms', 0) / 1000.0, 3),
                    'energy_mj': round(summ['joules'] * 1000, 2)})
    return out



def main(argv):
    from h7frontend import wav

    from .__main__ import _fail, _Parser, write_atomic
    ap = _Parser(prog='h7voice record', description='meeting recorder: speech segments and phrase search')
    ap.add_argument('audio', help='the recording (WAV/FLAC)')
    ap.add_argument('--find', action='append', default=[], help='a word or phrase to find (repeatable)')
    ap.add_argument('--json', help='write the log here (default: stdout)')
    ap.add_argument('--threshold', type=float, help='nats the phrase must beat the free phone loop by '
                    "(default: the decoder's, 5)")
    ap.add_argument('--board', action='store_true', help='the align image\'s recorder mode on the simulated '
                    'board (segments; phrase search is host-only for now)')
    ap.add_argument('--stop', action='store_true', help='--board: Stop between speech segments (wake on sound)')
    a = ap.parse_args(argv)
    if a.board and a.find:
        return _fail('h7voice record: --find runs on the host only (the board does not store phone scores yet): '
                     'drop --board to search')
    try:
        for p in a.find:
            phrase_graph(p)
        x = wav.load(a.audio)
        if a.stop and not a.board:
            return _fail('h7voice record: --stop is the board\'s power mode: add --board')
        out = log_board(x.samples, stop=a.stop) if a.board else log(x.samples, a.find, threshold=a.threshold)
    except (A.AlignError, wav.WavFormatError) as e:
        return _fail('h7voice record: %s' % e)
    data = json.dumps(out, indent=1) + '\n'
    if a.json:
        write_atomic(a.json, data)
    else:
        print(data, end='')
    return 0
