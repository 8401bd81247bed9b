"""The C decoder library (build/host/firmware/speech/decoder/libh7dec.so) through ctypes:
graph loading, Viterbi recognition, spotting and alignment, CTC decoding. The same code
the firmware runs; every number this module returns comes from it."""
import ctypes

import numpy as np

from h7voice import native

from . import phones

LIB = 'firmware/speech/decoder/libh7dec.so'
SCORE_ONE = 256
NONE = 0xFFFF
RECOGNIZE, SPOT, ALIGN = 0, 1, 2
STATUS = ['ok', 'bad argument', 'not a graph', 'checksum mismatch', 'phone set mismatch',
          'corrupt graph', 'workspace too small', 'pool full', 'invalid in this state']


class DecoderError(Exception):
    """A status from the C library, with its message (one line)."""


class Graph(ctypes.Structure):
    _fields_ = [('nodes', ctypes.c_void_p), ('arcs', ctypes.c_void_p), ('words', ctypes.c_void_p),
                ('nulls', ctypes.c_void_p), ('strings', ctypes.c_void_p),
                ('node_count', ctypes.c_uint32), ('arc_count', ctypes.c_uint32),
                ('word_count', ctypes.c_uint32), ('null_count', ctypes.c_uint32),
                ('string_bytes', ctypes.c_uint32), ('phoneset_hash', ctypes.c_uint32),
                ('phone_count', ctypes.c_uint16), ('phoneset_name_length', ctypes.c_uint16)]


class Config(ctypes.Structure):
    _fields_ = [('mode', ctypes.c_uint8), ('ctc', ctypes.c_uint8), ('max_links', ctypes.c_uint16),
                ('out_capacity', ctypes.c_uint16), ('spot_hold', ctypes.c_uint16),
                ('beam', ctypes.c_int32), ('filler_penalty', ctypes.c_int32),
                ('spot_threshold', ctypes.c_int32), ('max_active', ctypes.c_uint16),
                ('reserved', ctypes.c_uint16)]


class Segment(ctypes.Structure):
    _fields_ = [('start', ctypes.c_int32), ('end', ctypes.c_int32), ('score', ctypes.c_int32),
                ('node', ctypes.c_uint16), ('word', ctypes.c_uint16), ('phone', ctypes.c_uint8),
                ('flags', ctypes.c_uint8), ('reserved', ctypes.c_uint16)]


class Event(ctypes.Structure):
    _fields_ = [('start', ctypes.c_int32), ('end', ctypes.c_int32), ('score', ctypes.c_int32),
                ('final_node', ctypes.c_uint16), ('word', ctypes.c_uint16)]


class Result(ctypes.Structure):
    _fields_ = [('frames', ctypes.c_int32), ('reached_final', ctypes.c_int32), ('score', ctypes.c_int32),
                ('confidence', ctypes.c_int32), ('node', ctypes.c_uint16), ('reserved', ctypes.c_uint16)]


class Stats(ctypes.Structure):
    _fields_ = [('frames', ctypes.c_int32), ('active_max', ctypes.c_int32), ('links_max', ctypes.c_int32),
                ('commits', ctypes.c_int32), ('forced_commits', ctypes.c_int32),
                ('filler_score', ctypes.c_int32)]


class CtcConfig(ctypes.Structure):
    _fields_ = [('beam', ctypes.c_uint16), ('max_prefixes', ctypes.c_uint16), ('top_phones', ctypes.c_uint16),
                ('prune', ctypes.c_int32)]


P = ctypes.POINTER
_c = ctypes
SIGNATURES = {
    'h7dec_phoneset_hash': (_c.c_uint32, []),
    'h7dec_phoneset_name': (_c.c_char_p, []),
    'h7dec_phone_name': (_c.c_char_p, [_c.c_int]),
    'h7dec_scores_f32': (None, [P(_c.c_float), _c.c_int, P(_c.c_int32)]),
    'h7dec_scores_i8': (None, [P(_c.c_int8), _c.c_int, _c.c_float, _c.c_int32, P(_c.c_int32)]),
    'h7dec_graph_load': (_c.c_int, [P(Graph), _c.c_void_p, _c.c_size_t, _c.c_char_p, _c.c_size_t]),
    'h7dec_graph_check_model': (_c.c_int, [P(Graph), _c.c_char_p, _c.c_uint32, _c.c_int, _c.c_char_p, _c.c_size_t]),
    'h7dec_graph_word': (_c.c_void_p, [P(Graph), _c.c_uint32, P(_c.c_uint32)]),
    'h7dec_config_default': (None, [P(Config), _c.c_int]),
    'h7dec_workspace_size': (_c.c_size_t, [P(Graph), P(Config)]),
    'h7dec_init': (_c.c_int, [P(_c.c_void_p), P(Graph), P(Config), _c.c_void_p, _c.c_size_t]),
    'h7dec_reset': (_c.c_int, [_c.c_void_p]),
    'h7dec_step': (_c.c_int, [_c.c_void_p, P(_c.c_int32)]),
    'h7dec_best': (_c.c_int, [_c.c_void_p, P(Result), P(Segment), _c.c_int]),
    'h7dec_pop': (_c.c_int, [_c.c_void_p, P(Segment)]),
    'h7dec_event_pop': (_c.c_int, [_c.c_void_p, P(Event)]),
    'h7dec_flush': (None, [_c.c_void_p]),
    'h7dec_get_stats': (None, [_c.c_void_p, P(Stats)]),
    'h7dec_ctc_workspace_size': (_c.c_size_t, [P(CtcConfig)]),
    'h7dec_ctc_init': (_c.c_int, [P(_c.c_void_p), P(CtcConfig), _c.c_void_p, _c.c_size_t]),
    'h7dec_ctc_step': (_c.c_int, [_c.c_void_p, P(_c.c_int32)]),
    'h7dec_ctc_best': (_c.c_int, [_c.c_void_p, P(_c.c_uint8), P(_c.c_int32), _c.c_int, P(_c.c_int32)]),
}


def lib():
    return native.load(LIB, SIGNATURES)


def scores(logp):
    """Log-probabilities (frames x phones, float nats, or a (int8 array, scale, zero point)
    tuple) -> int32 scores as the C library computes them."""
    L = lib()
    if isinstance(logp, tuple):
        q, scale, zp = logp
        q = np.ascontiguousarray(q, dtype=np.int8)
        out = np.empty(q.shape, dtype=np.int32)
        for t in range(q.shape[0]):
            L.h7dec_scores_i8(q[t].ctypes.data_as(P(_c.c_int8)), q.shape[1], scale, zp,
                              out[t].ctypes.data_as(P(_c.c_int32)))
        return out
    x = np.ascontiguousarray(logp, dtype=np.float32)
    out = np.empty(x.shape, dtype=np.int32)
    for t in range(x.shape[0]):
        L.h7dec_scores_f32(x[t].ctypes.data_as(P(_c.c_float)), x.shape[1], out[t].ctypes.data_as(P(_c.c_int32)))
    return out


def _check_frames(s):
    s = np.ascontiguousarray(s, dtype=np.int32)
    if s.ndim != 2 or s.shape[1] != phones.COUNT:
        raise DecoderError('scores must be frames x %d (phone set %s), got shape %s'
                           % (phones.COUNT, phones.NAME, s.shape))
    return s


class LoadedGraph:
    """A graph validated by the C loader (the bytes stay referenced while it lives)."""

    def __init__(self, data):
        L = lib()
        self.data = ctypes.create_string_buffer(bytes(data), len(data))   # 8-byte aligned
        self.g = Graph()
        msg = ctypes.create_string_buffer(256)
        st = L.h7dec_graph_load(ctypes.byref(self.g), self.data, len(data), msg, 256)
        if st:
            raise DecoderError(msg.value.decode(errors='replace'))
        self.words = []
        n = ctypes.c_uint32()
        for w in range(self.g.word_count):
            p = L.h7dec_graph_word(ctypes.byref(self.g), w, ctypes.byref(n))
            self.words.append(ctypes.string_at(p, n.value).decode(errors='replace'))

    def check_model(self, name, hash_, outputs):
        msg = ctypes.create_string_buffer(256)
        if lib().h7dec_graph_check_model(ctypes.byref(self.g), name.encode(), hash_, outputs, msg, 256):
            raise DecoderError(msg.value.decode(errors='replace'))

    def word(self, index):
        return None if index == NONE else self.words[index]


class Decoder:
    """Token-passing Viterbi over a LoadedGraph in one mode; config fields as keywords
    (beam, filler_penalty, spot_threshold in nats; ctc, max_links, out_capacity, spot_hold)."""

    def __init__(self, graph, mode=RECOGNIZE, **options):
        L = lib()
        self.graph = graph if isinstance(graph, LoadedGraph) else LoadedGraph(graph)
        self.cfg = Config()
        L.h7dec_config_default(ctypes.byref(self.cfg), mode)
        for key, value in options.items():
            if key in ('beam', 'filler_penalty', 'spot_threshold'):
                value = int(round(value * SCORE_ONE))
            if not hasattr(self.cfg, key):
                raise DecoderError('unknown decoder option %s' % key)
            setattr(self.cfg, key, value)
        self.workspace_bytes = L.h7dec_workspace_size(ctypes.byref(self.graph.g), ctypes.byref(self.cfg))
        if not self.workspace_bytes:
            raise DecoderError('invalid decoder configuration for this graph (%d nodes)' % self.graph.g.node_count)
        self.ws = ctypes.create_string_buffer(self.workspace_bytes + 8)
        base = ctypes.addressof(self.ws)
        self.handle = ctypes.c_void_p()
        st = L.h7dec_init(ctypes.byref(self.handle), ctypes.byref(self.graph.g), ctypes.byref(self.cfg),
                          (base + 7) & ~7, self.workspace_bytes)
        if st:
            raise DecoderError('h7dec_init: %s' % STATUS[st])
        self.mode = mode

    def step(self, frame_scores):
        """Feeds frames (frames x phones int32 scores); returns segments committed (ALIGN)
        or events (SPOT) that became final during these frames."""
        L = lib()
        s = _check_frames(frame_scores)
        out = []
        for t in range(s.shape[0]):
            st = L.h7dec_step(self.handle, s[t].ctypes.data_as(P(_c.c_int32)))
            if st:
                raise DecoderError('h7dec_step at frame %d: %s' % (self.stats()['frames'], STATUS[st]))
            out += self._drain()
        return out

    def _drain(self):
        L = lib()
        out = []
        if self.mode == ALIGN:
            seg = Segment()
            while L.h7dec_pop(self.handle, ctypes.byref(seg)):
                out.append(self._segment(seg))
        elif self.mode == SPOT:
            ev = Event()
            while L.h7dec_event_pop(self.handle, ctypes.byref(ev)):
                out.append({'start': ev.start, 'end': ev.end, 'score': ev.score / SCORE_ONE,
                            'word': self.graph.word(ev.word), 'final_node': ev.final_node})
        return out

    def _segment(self, s):
        return {'start': s.start, 'end': s.end, 'score': s.score / SCORE_ONE,
                'phone': None if s.phone == 0xFF else phones.PHONES[s.phone],
                'word': self.graph.word(s.word), 'node': s.node, 'flags': s.flags}

    def flush(self):
        lib().h7dec_flush(self.handle)
        return self._drain()

    def best(self, max_segments=4096):
        """(result dict, segments) of the best path so far."""
        r = Result()
        segs = (Segment * max_segments)()
        n = lib().h7dec_best(self.handle, ctypes.byref(r), segs, max_segments)
        if n < 0:
            raise DecoderError('h7dec_best failed')
        res = {'frames': r.frames, 'reached_final': bool(r.reached_final), 'score': r.score / SCORE_ONE,
               'confidence': r.confidence / SCORE_ONE}
        return res, [self._segment(segs[i]) for i in range(min(n, max_segments))]

    def stats(self):
        st = Stats()
        lib().h7dec_get_stats(self.handle, ctypes.byref(st))
        return {k: getattr(st, k) for k, _ in Stats._fields_}


def ctc_greedy(frame_scores):
    """CTC greedy decoding by the C library's rule (collapse repeats, drop blanks)."""
    s = _check_frames(frame_scores)
    best = s.argmax(axis=1)   # same tie rule as C (first maximum)
    out, last = [], phones.BLANK
    for t, p in enumerate(best):
        if p != phones.BLANK and p != last:
            out.append((phones.PHONES[p], t))
        last = p
    return out


def ctc_beam(frame_scores, beam=8, max_prefixes=1024, top_phones=8, prune=10.0):
    """CTC prefix beam search in C: [(phone, first frame)], score (nats)."""
    L = lib()
    s = _check_frames(frame_scores)
    cfg = CtcConfig(beam, max_prefixes, top_phones, int(round(prune * SCORE_ONE)))
    size = L.h7dec_ctc_workspace_size(ctypes.byref(cfg))
    if not size:
        raise DecoderError('invalid CTC beam configuration')
    ws = ctypes.create_string_buffer(size + 8)
    h = ctypes.c_void_p()
    st = L.h7dec_ctc_init(ctypes.byref(h), ctypes.byref(cfg), (ctypes.addressof(ws) + 7) & ~7, size)
    if st:
        raise DecoderError('h7dec_ctc_init: %s' % STATUS[st])
    for t in range(s.shape[0]):
        st = L.h7dec_ctc_step(h, s[t].ctypes.data_as(P(_c.c_int32)))
        if st:
            raise DecoderError('h7dec_ctc_step at frame %d: %s' % (t, STATUS[st]))
    ph = (ctypes.c_uint8 * max_prefixes)()
    fr = (ctypes.c_int32 * max_prefixes)()
    score = ctypes.c_int32()
    n = L.h7dec_ctc_best(h, ph, fr, max_prefixes, ctypes.byref(score))
    return [(phones.PHONES[ph[i]], fr[i]) for i in range(n)], score.value / SCORE_ONE
