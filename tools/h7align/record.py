"""h7voice record AUDIO.wav [--find PHRASE ...] [--json LOG] [--board]: the meeting-recorder
mode on the host build of the board's C code, or on the simulated board (--board).

  - speech segments with start/end times from the C voice activity detector
    (firmware/frontend/vad.c, 20 ms frames);
  - phrase search (firmware/apps/align/align_find.c): each phrase becomes a search graph (its
    words' pronunciations from the board's lexicon, optional pauses between words) run by the
    C decoder in SPOT mode over the phone model's scores of each segment (100 ms of margin
    either side): every occurrence with its times and score (the likelihood ratio of the
    phrase against a free phone loop, nats). The board searches while it records, keeping
    1.28 s of scores (41 int8 a frame, 2 KB a second, would be the store for a search after
    the recording; the NUCLEO board has no storage for a long one); the host runs the same C
    over the whole recording's scores, so both give the same hits.
"""
import json

import numpy as np

from h7frontend.vad import Vad
from h7speech import decoder as D
from h7speech import phones as P
from h7voice import events as ev

from . import align as A
from . import core


def vad_events(samples, rate=16000):
    """The C detector's events [(speech_start|speech_end, ms)] on 20 ms frames."""
    return Vad(rate).run(samples, frame_length=320)


def segments(samples, rate=16000):
    """[(start_s, end_s)] of speech (the C VAD, 20 ms frames)."""
    return segments_of(vad_events(samples, rate), len(samples) / rate)


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


def threshold_units(nats):
    """The search's bar in decoder units, as the board reads `threshold %.2f` (0 to 100 nats)."""
    if nats is None:
        return None
    if not 0.0 <= nats <= 100.0:
        raise A.AlignError('the search threshold is 0 to 100 nats, not %g' % nats)
    whole, cents = ('%.2f' % nats).split('.')   # what the board is sent
    return ((int(whole) * 100 + int(cents)) * D.SCORE_ONE + 50) // 100


def _nats(units):
    """Units -> nats with 3 decimals, rounded as the board prints scores (main.c put_score)."""
    q = (abs(units) * 1000 + D.SCORE_ONE // 2) // D.SCORE_ONE
    return (-q if units < 0 else q) / 1000.0


def check_phrases(phrases):
    """AlignError naming the phrase the board's core cannot search for."""
    for p in phrases:
        try:
            core.find([p])
        except core.CoreError as e:
            raise A.AlignError('phrase %r: %s' % (p, e)) from None
    try:
        core.find(phrases)
    except core.CoreError as e:
        raise A.AlignError(str(e)) from None


SEARCH_STATS = ('segments_searched', 'frames_lost', 'segments_lost')


def find(scores, events, phrases, threshold=None):
    """Occurrences of the phrases in the scores of the detector's segments (align_find.c):
    (hits, the search's counters)."""
    check_phrases(phrases)
    hits, stats = core.find(phrases, events, scores, threshold_units(threshold))
    names = [' '.join(core.words(p)) for p in phrases]
    return ([{'phrase': names[h['phrase']], 'start_s': h['start_ms'] / 1000.0, 'end_s': h['end_ms'] / 1000.0,
              'score': _nats(h['score'])} for h in hits], {k: stats[k] for k in SEARCH_STATS})


def _log_of(segs, n_samples):
    frames = 1 + (n_samples - 480) // 320 if n_samples >= 480 else 0   # the phone model's frames
    speech = np.zeros(frames, bool)
    for a, b in segs:
        speech[int(a * 50):int(b * 50) + 1] = True
    return {'duration_s': round(n_samples / 16000, 3),
            'segments': [{'start_s': round(a, 3), 'end_s': round(b, 3)} for a, b in segs],
            'stored_frames': int(speech.sum()), 'stored_bytes_int8': int(speech.sum()) * 41, 'found': []}


def log(samples, phrases=(), aligner=None, threshold=None):
    events = vad_events(samples)
    out = _log_of(segments_of(events, len(samples) / 16000.0), len(samples))
    if phrases:
        aligner = aligner or A.Aligner()
        out['found'], out['search'] = find(D.scores(aligner.logprobs(samples)), events, phrases, threshold)
    return out


def _awake(events, n_samples):
    """[(start, end, wake line or None)] in samples of the stream: what the board heard between
    its Stops (record --board --stop), from its stop and wake lines."""
    out, start, wake = [], 0, None
    for e in events:
        if e.get('event') == 'stop':
            out.append((start, e['audio_ms'] * 16, wake))
        elif e.get('event') == 'wake':
            start, wake = e['audio_ms'] * 16, e
    out.append((start, n_samples, wake))
    return out


def board_stretches(events, captures_first_sample, n_samples):
    """[(start, end, offset)] in samples: the stretches of the stream the board analysed
    between its Stops (record --board --stop) and, from the simulator's truth (the microphone
    sample each capture began with), where each stretch really lies in the recording: stream
    position p was microphone sample p + offset (the board places its first sample after a
    Stop by its clock, to within a millisecond)."""
    out = []
    for k, (start, end, wake) in enumerate(_awake(events, n_samples)):
        # the board reads from its estimate first_sample up to the hop grid `start`, or
        # starts at once when the estimate is less than 1 ms past a grid point
        skip = 0 if wake is None else max(0, start - wake['first_sample'])
        out.append((start, end, captures_first_sample[k] + skip - start))
    return out


def find_in_stretches(samples, stretches, board_events, phrases, threshold=None, aligner=None):
    """The host's search of a recording the board heard in stretches (record --board --stop
    --find; board_stretches): each stretch scored as the board does after a wake (the model's
    stream and the front end's noise floor go on across the gap: PhoneModel.scores_stretches), the
    board's detector events and wakes in the
    board's order (a segment the detector dates back before a wake is still searched from the
    wake), the gaps skipped: the hits (and counters) the board should report."""
    aligner = aligner or A.Aligner()
    keep = [(a, b, off) for a, b, off in stretches if b > a]
    # past its end the microphone gives silence: a stretch placed `off` samples later reads it
    pad = np.concatenate([np.asarray(samples, np.int16), np.zeros(max([0] + [off for _, _, off in keep]), np.int16)])
    per = aligner.model.scores_stretches(pad, [(a + off, b + off) for a, b, off in keep])
    parts = [(a // 320, x) for (a, _, _), x in zip(keep, per) if len(x)]
    events = []
    for e in board_events:
        if e.get('event') == 'vad':
            events.append((e['type'], e['time_ms']))
        elif e.get('event') == 'wake':
            events.append(('resume', e['audio_ms'] * 16 // 320))
    scores = np.zeros((max(f0 + len(x) for f0, x in parts), P.COUNT), np.int32)
    for f0, x in parts:
        scores[f0:f0 + len(x)] = x
    return find(scores, events, phrases, threshold)


def log_board(samples, phrases=(), threshold=None, stop=False, lsi_hz=None, raw=None):
    """The log from the align image's meeting-recorder mode on the simulated board (its "vad"
    lines: the same C detector on the same frames, so the same segments as log(); its "found"
    lines: the same search as log()'s, run while recording). stop=True: the board enters Stop
    after each segment and wakes on sound: the detector then starts a segment from the hop the
    capture resumed on, and with phrases the model starts a fresh stream (the log adds
    'stops', 'stopped_s', the awake stretches 'awake' and the energy of the run, 'energy_mj',
    from the simulator's model; find_in_stretches gives the host's hits for them). lsi_hz: the
    simulated part's LSI (its Stop clock; default the nominal 32 kHz). raw: a list that gets
    the board's (events, summary) appended (the tests' view of the run)."""
    from . import board
    if phrases:
        check_phrases(phrases)
    units = threshold_units(threshold)
    events, summ = board.run(samples, '', phones=False, record=True, stop=stop, lsi_hz=lsi_hz, find=phrases,
                             threshold=None if units is None else '%.2f' % threshold)
    if raw is not None:
        raw.append((events, summ))
    err = ev.last(events, 'align_error')
    if err:
        raise A.AlignError('board: %s' % err.get('message'))
    out = _log_of(board_segments(events, len(samples) / 16000.0), len(samples))
    out['found'] = [{'phrase': e['phrase'], 'start_s': e['start_ms'] / 1000.0, 'end_s': e['end_ms'] / 1000.0,
                     'score': e['score']} for e in ev.of_kind(events, 'found')]
    if phrases:
        done = ev.last(events, 'find_done') or {}
        out['search'] = {k: done.get(k) for k in SEARCH_STATS}
    if stop:
        done = ev.last(events, 'align_done') or {}
        # a wake at the very end of the recording hears nothing more
        awake = [[round(a / 16000.0, 3), round(b / 16000.0, 3)] for a, b, _ in _awake(events, len(samples)) if b > a]
        out.update({'stops': done.get('stops'), 'stopped_s': round(done.get('stopped_ms', 0) / 1000.0, 3),
                    'awake': awake, 'energy_mj': round(summ['joules'] * 1000, 2)})
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
                    'board (segments, and the phrases found while it records)')
    ap.add_argument('--stop', action='store_true', help='--board: Stop between speech segments (wake on sound)')
    a = ap.parse_args(argv)
    try:
        check_phrases(a.find)
        threshold_units(a.threshold)
        x = wav.load(a.audio)
        if a.stop and not a.board:
            return _fail('h7voice record: --stop is the board\'s power mode: add --board')
        out = log_board(x.samples, a.find, threshold=a.threshold, stop=a.stop) if a.board \
            else log(x.samples, a.find, threshold=a.threshold)
    except (A.AlignError, wav.WavFormatError) as e:
        return _fail('h7voice record: %s' % e)
    data = json.dumps(out, indent=1) + '\n'
    if a.json:
        write_atomic(a.json, data)
    else:
        print(data, end='')
    return 0
