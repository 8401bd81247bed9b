"""The phone model's scores as the firmware computes them: the host build of
firmware/apps/phones (front end + engine + per-hop windowing + output conversion, and the
h7dec recognizer), build/host/firmware/apps/phones/libh7phones.so, through h7voice.native.

    from h7phones.acoustic import PhoneModel
    m = PhoneModel()                          # models/phones.tflite + its record
    logp = m.scores(samples)                  # (frames, 41) float32 log-probabilities
    m.frame_s, m.lookahead_frames, m.ctc
    segs = m.recognize(samples)               # [{'phone', 'start', 'end', 'score'}], the board's
                                              # "phone" events (CTC greedy or the phone loop)

Frame t covers samples [t * hop, t * hop + window) of the front end (phones_mel40: 20 ms hop,
30 ms window); scores() repeats the last frame for the model's look-ahead (the edge padding it
was trained with: h7phones.train._with_context) so every frame of the audio is scored.
Nothing here re-implements any of it: every number comes from the C.

The model record (models/phones.json, or the JSON beside the model) is read here, once, for
the firmware build (SConscript.firmware) and the host: model_record().
"""
import ctypes
import json
import os

import numpy as np

from h7voice import native, paths

LIBRARY = 'firmware/apps/phones/libh7phones.so'
DEFAULT_MODEL = os.path.join(paths.MODELS, 'phones.tflite')
MAX_SEGMENTS = 1 << 16
FOREIGN_PHONESET = 'ipa-en-us'   # the refusal case: a graph built for another phone set
OUTPUT_KINDS = ('log_softmax', 'softmax')


class RecordError(ValueError):
    """The model or its record cannot be used (one line, names the file and the fix)."""


class Refused(RecordError):
    """The C code refused the model, record, front end or graph (its message)."""


def _record_path(tflite_path):
    from h7nn.embed import metadata_path
    return metadata_path(tflite_path)


def model_record(tflite_path):
    """The model record as the firmware build and the host library take it: a dict with
    frontend_config, window_frames, lookahead_frames, ctc, output ('log_softmax'|'softmax'),
    phoneset (name; default phones.def's) and phoneset_hash. RecordError names what is wrong."""
    from h7speech import phones
    path = _record_path(tflite_path)
    if path is None:
        raise RecordError(f'{paths.rel(tflite_path)}: no model record ({os.path.splitext(os.path.basename(tflite_path))[0]}.json '
                          f'beside it or in models/) with frontend_config, window_frames, lookahead_frames, ctc, output')
    try:
        with open(path) as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        raise RecordError(f'{paths.rel(path)}: not valid JSON ({e})') from None
    if not isinstance(meta, dict):
        raise RecordError(f'{paths.rel(path)}: not a JSON object')
    fe = meta.get('frontend_config') or meta.get('frontend')
    if isinstance(fe, dict):
        fe = fe.get('name')
    out = {'path': path, 'frontend_config': fe}
    for key in ('window_frames', 'lookahead_frames'):
        v = meta.get(key)
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise RecordError(f'{paths.rel(path)}: "{key}" must be a non-negative integer (got {v!r})')
        out[key] = v
    if not isinstance(fe, str) or not fe:
        raise RecordError(f'{paths.rel(path)}: "frontend_config" (the front-end configuration\'s name) is missing')
    ctc = meta.get('ctc')
    if not isinstance(ctc, bool):
        raise RecordError(f'{paths.rel(path)}: "ctc" must be true or false (got {ctc!r})')
    out['ctc'] = ctc
    kind = meta.get('output_kind', meta.get('output'))
    if isinstance(kind, dict):
        kind = kind.get('kind')
    if kind not in OUTPUT_KINDS:
        raise RecordError(f'{paths.rel(path)}: "output_kind" must be one of {", ".join(OUTPUT_KINDS)} (got {kind!r})')
    out['output'] = kind
    name = meta.get('phoneset', phones.NAME)
    if not isinstance(name, str) or not name:
        raise RecordError(f'{paths.rel(path)}: "phoneset" must be a name')
    out['phoneset'] = name
    out['phoneset_hash'] = phones.HASH if name == phones.NAME else phones.phoneset_hash(name)
    return out


def phone_loop_graph(phoneset=None):
    """The free phone loop (SIL and the 39 phones, any order, any length) as h7dec graph bytes,
    written by h7speech.graph's serializer. phoneset=(name, hash, count): built for another
    phone set (the refusal case)."""
    from h7speech import graph, phones
    loop = [phones.SIL] + [phones.INDEX[p] for p in phones.ARPABET]
    n = len(loop)
    penalty = _loop_penalty()
    nodes, arcs, nulls = [], [], [0, n + 1]
    # node 0: null start -> every phone; phone nodes 1..n; node n+1: null loop-back
    nodes.append((graph.NULL, 0, 0xFFFF, 0, n))
    arcs += [(1 + i, 0) for i in range(n)]
    for i, ph in enumerate(loop):
        nodes.append((ph, graph.FINAL | graph.LINK, 0xFFFF, len(arcs), 1))
        arcs.append((n + 1, 0))
    nodes.append((graph.NULL, 0, 0xFFFF, len(arcs), n))
    arcs += [(1 + i, penalty) for i in range(n)]
    if phoneset is None:
        return graph.serialize(nodes, arcs, nulls, [])
    return graph.serialize(nodes, arcs, nulls, [], phoneset=phoneset)


def foreign_graph():
    """The phone loop built for another phone set (name FOREIGN_PHONESET)."""
    from h7speech import phones
    return phone_loop_graph((FOREIGN_PHONESET, phones.phoneset_hash(FOREIGN_PHONESET), phones.COUNT))


def _loop_penalty():
    """PHONES_LOOP_PENALTY of firmware/apps/phones/phones_config.h (read from the C header,
    so the value lives in one place)."""
    import re
    text = open(os.path.join(paths.FIRMWARE, 'apps', 'phones', 'phones_config.h')).read()
    m = re.search(r'#define PHONES_LOOP_PENALTY \((-?\d+) \* 256\)', text)
    if not m:
        raise RecordError('phones_config.h: PHONES_LOOP_PENALTY not found as (N * 256)')
    return int(m.group(1)) * 256


def graph_c(data, ident='phones_graph', name='phone loop'):
    lines = ['/* Generated by python -m h7phones graph-c: the %s graph (h7dec format). */' % name,
             '#include <stdint.h>',
             'const uint32_t %s_bytes = %du;' % (ident, len(data)),
             'const char %s_name[] = "%s";' % (ident, name),
             'const uint8_t %s[%d] __attribute__((aligned(8))) = {' % (ident, len(data))]
    for i in range(0, len(data), 20):
        lines.append('    ' + ', '.join(str(b) for b in data[i:i + 20]) + ',')
    lines += ['};', '']
    return '\n'.join(lines)


class _Info(ctypes.Structure):
    _fields_ = [(k, ctypes.c_uint32) for k in (
        'window_frames', 'features', 'lookahead_frames', 'outputs', 'ctc', 'output_kind', 'hop_samples',
        'frame_ms', 'arena_used', 'model_bytes', 'decoder_workspace_bytes', 'graph_nodes')] + [
        ('input_scale', ctypes.c_float), ('input_zero_point', ctypes.c_int32),
        ('output_scale', ctypes.c_float), ('output_zero_point', ctypes.c_int32)]


class _Segment(ctypes.Structure):
    _fields_ = [('start', ctypes.c_int32), ('end', ctypes.c_int32), ('score', ctypes.c_int32),
                ('phone', ctypes.c_uint8), ('reserved', ctypes.c_uint8 * 3)]


def _lib():
    from h7frontend._native import CConfig
    p, c = ctypes.c_void_p, ctypes
    P = ctypes.POINTER
    lib = native.load(LIBRARY, {
        'phones_host_frontend_config_size': (c.c_size_t, []),
        'phones_host_segment_size': (c.c_size_t, []),
        'phones_host_info_size': (c.c_size_t, []),
        'phones_host_open': (p, [c.c_char_p, c.c_size_t, P(CConfig), c.c_uint32, c.c_uint32, c.c_int,
                                 c.c_uint32, c.c_char_p, c.c_size_t, c.c_char_p, c.c_uint32, c.c_char_p,
                                 c.c_size_t]),
        'phones_host_close': (None, [p]),
        'phones_host_error': (c.c_char_p, [p]),
        'phones_host_info': (None, [p, P(_Info)]),
        'phones_host_scores': (c.c_long, [p, P(c.c_int16), c.c_size_t, c.c_uint32, P(c.c_int8), P(c.c_float),
                                          P(c.c_int32), c.c_size_t]),
        'phones_host_recognize': (c.c_int, [p, P(c.c_int16), c.c_size_t, c.c_uint32, P(_Segment), c.c_int,
                                            P(c.c_int32), P(c.c_uint32)]),
        'phones_host_scores_stretches': (c.c_long, [p, P(c.c_int16), P(c.c_uint32), c.c_int, c.c_uint32,
                                                    P(c.c_float), P(c.c_int32), c.c_size_t, P(c.c_uint32)]),
        'phones_host_set_stream': (c.c_int, [p, c.c_int]),
        'phones_host_model_runs': (None, [p, P(c.c_uint32), P(c.c_uint32)]),
    })
    for name, struct in (('frontend_config', CConfig), ('segment', _Segment), ('info', _Info)):
        if getattr(lib, f'phones_host_{name}_size')() != ctypes.sizeof(struct):
            raise RuntimeError(f'{name} differs between firmware/apps/phones and tools/h7phones/acoustic.py: '
                               f'rebuild (h7voice build host) and update the mirror')
    return lib


def _int16(samples):
    a = np.asarray(samples)
    if a.dtype != np.int16 or a.ndim != 1:
        raise RecordError(f'audio must be 1-D int16 at 16 kHz (got {a.dtype} {a.shape})')
    return np.ascontiguousarray(a)


class PhoneModel:
    """The phone model in the firmware's pipeline (host build). tflite_path None: the shipped
    models/phones.tflite. graph: h7dec graph bytes to load and check against the model
    (default: the phone loop the board embeds)."""

    def __init__(self, tflite_path=None, graph=None):
        import h7frontend
        from h7frontend.frontend import _c_config
        from h7nn.embed import EmbedError, read_model
        path = tflite_path or DEFAULT_MODEL
        if not os.path.exists(path):
            raise paths.MissingPart(f'{paths.rel(path)} is missing: train it (h7voice phones train) '
                                    f'or pass another model')
        self.path = path
        self.record = model_record(path)
        try:
            data = read_model(path)
        except EmbedError as e:
            raise RecordError(str(e)) from None
        try:
            self.frontend_config = h7frontend.load_config(self.record['frontend_config'])
        except (h7frontend.ConfigError, OSError) as e:
            raise RecordError(f'{paths.rel(self.record["path"])}: front end {self.record["frontend_config"]!r}: {e}') from None
        self._lib = _lib()
        self._c_config = _c_config(self.frontend_config)
        self.graph = bytes(graph) if graph is not None else phone_loop_graph()
        err = ctypes.create_string_buffer(320)
        r = self.record
        self._h = self._lib.phones_host_open(
            data, len(data), ctypes.byref(self._c_config), r['window_frames'], r['lookahead_frames'],
            int(r['ctc']), OUTPUT_KINDS.index(r['output']), self.graph, len(self.graph),
            r['phoneset'].encode(), r['phoneset_hash'], err, len(err))
        if not self._h:
            raise Refused(f'{paths.rel(path)}: refused as the firmware would refuse it: '
                          f'{err.value.decode(errors="replace") or "out of memory"}')
        info = _Info()
        self._lib.phones_host_info(self._h, ctypes.byref(info))
        self.info = {k: getattr(info, k) for k, _ in _Info._fields_}
        self.hop_samples = info.hop_samples
        self.frame_s = info.frame_ms / 1000.0
        self.lookahead_frames = info.lookahead_frames
        self.window_frames = info.window_frames
        self.ctc = bool(info.ctc)
        self.window_samples = self.frontend_config.c_values['window_length']

    def close(self):
        if getattr(self, '_h', None):
            self._lib.phones_host_close(self._h)
            self._h = None

    def __del__(self):
        self.close()

    def set_streaming(self, on):
        """Runs of the first layer streamed (the images' way, the default) or every run a full
        window (the equality check); returns whether the engine streams this model at all."""
        return bool(self._lib.phones_host_set_stream(self._h, 1 if on else 0))

    def model_runs(self):
        """(runs that computed only the new frame's rows, full-window runs) since opening."""
        streamed, full = ctypes.c_uint32(), ctypes.c_uint32()
        self._lib.phones_host_model_runs(self._h, ctypes.byref(streamed), ctypes.byref(full))
        return streamed.value, full.value

    def frames_for(self, n_samples):
        """Frames the front end computes for n samples in whole hops (as the board does)."""
        usable = (n_samples // self.hop_samples) * self.hop_samples
        return 0 if usable < self.window_samples else 1 + (usable - self.window_samples) // self.hop_samples

    def _error(self):
        return RecordError(f'{os.path.basename(self.path)}: {self._lib.phones_host_error(self._h).decode()}')

    def run(self, samples, flush=True):
        """(raw int8 outputs, log-probabilities float32, decoder scores int32), each (frames, 41)."""
        a = _int16(samples)
        flush_frames = self.lookahead_frames if flush else 0
        n = self.frames_for(len(a))
        n = max(n, 1)
        raw = np.zeros((n, 41), np.int8)
        logp = np.zeros((n, 41), np.float32)
        sc = np.zeros((n, 41), np.int32)
        P = ctypes.POINTER
        got = self._lib.phones_host_scores(self._h, a.ctypes.data_as(P(ctypes.c_int16)), len(a), flush_frames,
                                           raw.ctypes.data_as(P(ctypes.c_int8)),
                                           logp.ctypes.data_as(P(ctypes.c_float)),
                                           sc.ctypes.data_as(P(ctypes.c_int32)), n)
        if got < 0:
            raise self._error()
        return raw[:got], logp[:got], sc[:got]

    def scores_stretches(self, samples, bounds):
        """Per stretch [(start, end) in samples] of one recording, the (frames, 41) decoder
        scores (int32) as the align image computes them when it hears only those stretches
        (Stop between them): each stretch's look-ahead is flushed, then the pipeline resumes
        after the gap (phones_pipeline_resume: the noise floor and the model's past go on)."""
        a = _int16(samples)
        b = np.asarray(bounds, np.int64).reshape(-1, 2)
        if len(b) and (b.min() < 0 or b.max() > len(a) or (b[:, 1] < b[:, 0]).any()):
            raise RecordError('stretches must lie inside the audio, each ending after it starts')
        b = np.ascontiguousarray(b.astype(np.uint32))
        n = sum(max(1, self.frames_for(int(e - s)) + self.lookahead_frames) for s, e in b) + 1
        sc = np.zeros((n, 41), np.int32)
        counts = np.zeros(len(b), np.uint32)
        P = ctypes.POINTER
        got = self._lib.phones_host_scores_stretches(
            self._h, a.ctypes.data_as(P(ctypes.c_int16)), b.ctypes.data_as(P(ctypes.c_uint32)), len(b),
            self.lookahead_frames, None, sc.ctypes.data_as(P(ctypes.c_int32)), n, counts.ctypes.data_as(P(ctypes.c_uint32)))
        if got < 0:
            raise self._error()
        if got > n:
            raise RecordError('stretch scores overflowed their buffer')
        out, k = [], 0
        for c in counts:
            out.append(sc[k:k + int(c)])
            k += int(c)
        return out

    def scores(self, samples):
        """(frames, 41) float32 log-probabilities of every frame of the audio (phones.def order)."""
        return self.run(samples, flush=True)[1]

    def recognize(self, samples, flush=True, with_digest=False):
        """The recognized phone segments, as the board's "phone" events: dicts with phone,
        start, end (frames), score (score units). flush=False: exactly the board's run over
        these samples followed by its 'f' command (no look-ahead flush)."""
        from h7speech import phones
        a = _int16(samples)
        out = (_Segment * MAX_SEGMENTS)()
        frames, digest = ctypes.c_int32(), ctypes.c_uint32()
        n = self._lib.phones_host_recognize(self._h, a.ctypes.data_as(ctypes.POINTER(ctypes.c_int16)), len(a),
                                            self.lookahead_frames if flush else 0, out, MAX_SEGMENTS,
                                            ctypes.byref(frames), ctypes.byref(digest))
        if n < 0:
            raise self._error()
        if n > MAX_SEGMENTS:
            raise RecordError(f'{n} segments, more than {MAX_SEGMENTS}: split the audio')
        segs = [{'phone': phones.PHONES[s.phone], 'start': s.start, 'end': s.end, 'score': s.score}
                for s in out[:n]]
        if with_digest:
            return segs, {'frames': frames.value, 'digest': '0x%08x' % digest.value}
        return segs

    def phones(self, samples):
        """The recognized phone sequence without SIL (what the phone error rate scores)."""
        return [s['phone'] for s in self.recognize(samples) if s['phone'] != 'SIL']
