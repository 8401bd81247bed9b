"""Speech -> intent and speech -> wake events, through the decoder library's host build.

Every number comes from C: the phone scores from the host build of the board's front end +
int8 engine (h7phones.acoustic.PhoneModel), the search from libh7dec (h7speech.decoder).
What this module decides, and the firmware image mirrors (firmware/apps/commands):
  - intent: RECOGNIZE over the context's graph; the utterance is not understood (intent
    null) when no final node is reached or when the path's score against the free phone
    loop (the filler), per frame of the speech the path claims (its words, not its
    silences), is below `reject` nats: out-of-context speech is explained better by the
    filler than by any path of the context;
  - wake: SPOT over the phrase's graph; an event is a peak of the likelihood ratio
    (phrase path - filler) above a threshold; Porcupine's sensitivity S in [0, 1] maps
    linearly and decreasingly onto that threshold (higher S: lower threshold, more found,
    more false alarms).
Thresholds live in calibration.json (one place; the firmware build reads it too).
"""
import json
import os

from h7voice import paths

CALIBRATION = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'calibration.json')


class IntentError(Exception):
    """Bad input for the intent/wake tools (one line)."""


def calibration():
    """The decision thresholds (see calibration.json's "why")."""
    with open(CALIBRATION, encoding='utf-8') as f:
        return json.load(f)


def wake_threshold(sensitivity, cal=None):
    """Sensitivity S in [0, 1] -> the wake decision's threshold in nats (the second look's
    verified score; linear, decreasing in S; S = 0.5 is the calibrated operating point)."""
    if not isinstance(sensitivity, (int, float)) or not 0.0 <= sensitivity <= 1.0:
        raise IntentError(f'sensitivity must be a number in [0, 1], got {sensitivity!r}')
    w = (cal or calibration())['wake']
    return w['threshold_at_half'] + w['span'] * (0.5 - sensitivity) * 2.0


def wake_settings(sensitivity=0.5, cal=None):
    """Everything the wake decision uses (nats), from calibration.json: the spotter's first
    look (spot_threshold, beam, filler_penalty) and the second look (coverage_weight, accept =
    the threshold at this sensitivity)."""
    cal = cal or calibration()
    w = cal['wake']
    d = w.get('decoder', {})
    return {'spot_threshold': w['spot_threshold'], 'beam': d.get('beam', 12.0),
            'filler_penalty': d.get('filler_penalty', -2.0), 'coverage_weight': w['coverage_weight'],
            'accept': wake_threshold(sensitivity, cal)}


def phone_model(tflite=None):
    """The phone model's C scorer (issue 13's h7phones.acoustic); a missing piece is one line."""
    try:
        from h7phones.acoustic import PhoneModel
    except ImportError as err:
        raise paths.MissingPart(f'the phone model scorer tools/h7phones/acoustic.py is not here ({err}); '
                                f'it comes with issue 13 (merge wt-phonesapp)')
    return PhoneModel(tflite) if tflite else PhoneModel()


def _decoder():
    from h7speech import decoder
    return decoder


def _commands():
    """The commands image's decision code, host build (firmware/apps/commands)."""
    from h7context.table import commands_library
    return commands_library()


def listen(intents, logp, vad, wake=None, ctc=False, max_frames=300, wait_frames=150, tail_frames=5):
    """The commands image's utterance logic (commands_listen.c, host build) over a
    recording's log-probs, with the VAD's state per frame (bit 0 start, 1 end, 2 in speech):
    the "wake" and "intent" events the board would print (dicts, with their frame)."""
    import ctypes
    import numpy as np
    dec = _decoder()
    s = np.ascontiguousarray(dec.scores(logp), dtype=np.int32)
    v = np.ascontiguousarray(vad, dtype=np.uint8)
    one = dec.SCORE_ONE
    wg = wake.blob if wake else b''
    out, msg = ctypes.create_string_buffer(1 << 16), ctypes.create_string_buffer(256)
    opts = intents.options
    n = _commands().cmd_host_listen(intents.blob, len(intents.blob), intents.table, len(intents.table), wg, len(wg),
                                    s.ctypes.data, v.ctypes.data, s.shape[0], int(bool(ctc)),
                                    int(round(opts.get('beam', 12.0) * one)),
                                    int(round(opts.get('filler_penalty', -2.0) * one)), int(opts.get('max_active', 300)),
                                    int(opts.get('max_links', 0)), max(-(1 << 30), int(round(intents.reject * one))),
                                    *(wake.c_settings() if wake else (0, 0, 0, 0, 0)), max_frames, wait_frames,
                                    tail_frames, out, len(out), msg, 256)
    if n < 0:
        raise IntentError(msg.value.decode(errors='replace'))
    return [json.loads(line) for line in out.value.decode().splitlines() if line]


class Intents:
    """A context compiled once; decode(logp) for each utterance."""

    def __init__(self, context, model=None, reject=None, beam=None):
        from h7context import graph, parser, table
        self.ir = parser.load(context) if isinstance(context, str) else context
        self.blob, self.info = graph.compile_ir(self.ir)
        self.table = table.build(self.ir, self.blob)
        self.model = model
        cal = calibration()['intent']
        self.reject = cal['reject'] if reject is None else reject
        self.options = dict(cal.get('decoder', {}))
        if beam is not None:
            self.options['beam'] = beam

    def decode(self, logp, ctc=False):
        """(frames x 41) log-probs -> {"intent", "slots", "score"} (score: nats of the best
        path over the filler per frame of its speech; null intent when rejected), decided by the
        commands image's C (cmd_decide: h7dec RECOGNIZE, the filler/confidence rejection,
        the context table's reading of the path)."""
        import ctypes
        import numpy as np
        dec = _decoder()
        s = np.ascontiguousarray(dec.scores(logp), dtype=np.int32)
        one = dec.SCORE_ONE
        out, msg = ctypes.create_string_buffer(1024), ctypes.create_string_buffer(256)
        r = _commands().cmd_host_decode(self.blob, len(self.blob), self.table, len(self.table),
                                        s.ctypes.data, s.shape[0], int(bool(ctc)),
                                        int(round(self.options.get('beam', 12.0) * one)),
                                        int(round(self.options.get('filler_penalty', -2.0) * one)),
                                        int(self.options.get('max_active', 300)), int(self.options.get('max_links', 0)),
                                        max(-(1 << 30), int(round(self.reject * one))), out, 1024, msg, 256)
        if r == -2:
            raise IntentError(msg.value.decode(errors='replace'))
        event = json.loads(out.value.decode())
        event.pop('event', None)
        return event

    def __call__(self, samples):
        m = self.model or phone_model()
        self.model = m
        return self.decode(m.scores(samples), ctc=m.ctc)


def wake_graph(phrase):
    """The phrase's search graph: its words (every dictionary pronunciation, rules for the
    rest), optional silence between them."""
    from h7context.normalize import NormalizeError, phrase as spoken
    from h7speech import g2p, graph as G
    try:
        words = spoken(phrase)
    except NormalizeError as err:
        raise IntentError(f'wake phrase: {err}')
    if not words:
        raise IntentError(f'wake phrase {phrase!r} has no words')
    try:
        return G.compile_graph(G.phrase(' '.join(words)), g2p.lexicon(), silence=False)
    except (G.GraphError, g2p.G2PError) as err:
        raise IntentError(f'wake phrase {phrase!r}: {err}')


class Wake:
    """A wake phrase spotted in a stream of phone scores by the commands image's C
    (commands_listen.c: h7dec SPOT at a low first threshold, then cmd_wake_verify's second
    look, phone by phone, decides)."""

    def __init__(self, phrase, sensitivity=0.5, model=None):
        cal = calibration()
        self.phrase = phrase
        self.settings = wake_settings(sensitivity, cal)
        self.threshold = self.settings['accept']
        self.options = {'beam': self.settings['beam'], 'filler_penalty': self.settings['filler_penalty']}
        self.blob = wake_graph(phrase)
        self.graph = _decoder().LoadedGraph(self.blob)
        self.model = model

    def c_settings(self, accept=None):
        """(first threshold, beam, filler penalty, accept, coverage weight) in the C units."""
        one = _decoder().SCORE_ONE
        s = self.settings
        return (int(round(s['spot_threshold'] * one)), int(round(s['beam'] * one)),
                int(round(s['filler_penalty'] * one)),
                int(round((s['accept'] if accept is None else accept) * one)),
                int(round(s['coverage_weight'] * 256)))

    def events(self, logp, ctc=False, raw=False):
        """[(frame reported, start, end, score nats)] from the C (raw: every spotted event with
        its verified score, None where it cannot be verified)."""
        import ctypes
        import numpy as np
        dec = _decoder()
        s = np.ascontiguousarray(dec.scores(logp), dtype=np.int32)
        cap = 4096
        rows = np.zeros((cap, 4), np.int32)
        msg = ctypes.create_string_buffer(256)
        n = _commands().cmd_host_spot(self.blob, len(self.blob), s.ctypes.data, s.shape[0], int(bool(ctc)),
                                      *self.c_settings(), int(bool(raw)), rows.ctypes.data, cap, msg, 256)
        if n < 0:
            raise IntentError(msg.value.decode(errors='replace'))
        lo = -(1 << 31)
        return [(int(f), int(a), int(b), None if v == lo else v / dec.SCORE_ONE) for f, a, b, v in rows[:n]]

    def spot(self, logp, frame_s, delay_frames=0, ctc=False):
        """[{"time_s", "score"}]: time_s is the end of the frame at which the decoder
        reports the event (the device fires then; delay_frames: the model's lookahead)."""
        return [{'time_s': round((f + 1 + delay_frames) * frame_s, 3), 'score': round(v, 2)}
                for f, _, _, v in self.events(logp, ctc)]

    def __call__(self, samples):
        m = self.model or phone_model()
        self.model = m
        return self.spot(m.scores(samples), m.frame_s, m.lookahead_frames, ctc=m.ctc)


def board_settings():
    """CMD_* of firmware/apps/commands/commands_listen.h (the image's settings, one place)."""
    import re
    text = open(os.path.join(paths.FIRMWARE, 'apps', 'commands', 'commands_listen.h')).read()
    return {k: int(v) for k, v in re.findall(r'#define (CMD_\w+) (\d+)u', text)}


def board_replica(intents, model, samples, wake=None):
    """What the commands image prints for `samples` (then silence), replayed on the host
    with the image's own C: the phone scores of its pipeline without a look-ahead flush
    (h7phones.acoustic run(flush=False)), the C VAD hop by hop (h7frontend.vad) with the
    image's settings, and commands_listen.c (cmd_host_listen). Events carry their frame."""
    import numpy as np
    from h7frontend.vad import Vad
    cfg = board_settings()
    samples = np.asarray(samples, dtype=np.int16)
    _raw, logp, _sc = model.run(samples, flush=False)
    vad = Vad(16000, hangover_frames=cfg['CMD_VAD_HANGOVER_FRAMES'])
    hop, lookahead = model.hop_samples, model.lookahead_frames
    flags, pending, scored = [], 0, 0
    for h in range(len(samples) // hop):
        event, _ = vad.process(samples[h * hop:(h + 1) * hop])
        pending |= 1 if event == 'speech_start' else 2 if event == 'speech_end' else 0
        now = max(0, model.frames_for((h + 1) * hop) - lookahead)
        while scored < min(now, len(logp)):
            flags.append(pending | (4 if vad.in_speech else 0))
            pending, scored = 0, scored + 1
    frame_ms = int(round(model.frame_s * 1000))
    return listen(intents, logp[:len(flags)], flags, wake=wake, ctc=model.ctc,
                  max_frames=cfg['CMD_MAX_COMMAND_MS'] // frame_ms,
                  wait_frames=cfg['CMD_WAIT_AFTER_WAKE_MS'] // frame_ms,
                  tail_frames=lookahead + cfg['CMD_TAIL_EXTRA_FRAMES'])
