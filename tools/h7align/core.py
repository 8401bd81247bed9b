"""The aligner core of the align image (firmware/apps/align: text normalisation, on-chip
lexicon + letter-to-sound, window graphs, streaming h7dec ALIGN) through its host build
build/host/firmware/apps/align/libh7align.so: the host gives the board's answer."""
import ctypes

import numpy as np

from h7speech import phones as P
from h7voice import native

LIB = 'firmware/apps/align/libh7align.so'
TEXT_MAX, MAX_WORDS = 8192, 1200


class PhoneSeg(ctypes.Structure):
    _fields_ = [('word', ctypes.c_int32), ('phone', ctypes.c_uint8), ('start', ctypes.c_int32),
                ('end', ctypes.c_int32), ('score', ctypes.c_int32), ('start_ms', ctypes.c_int32),
                ('end_ms', ctypes.c_int32), ('gop', ctypes.c_int32), ('gop_frames', ctypes.c_int32)]


class Hit(ctypes.Structure):
    _fields_ = [('phrase', ctypes.c_uint32), ('start_ms', ctypes.c_int32), ('end_ms', ctypes.c_int32),
                ('score', ctypes.c_int32)]


_c = ctypes
SIGNATURES = {
    'align_host_words': (_c.c_int, [_c.c_char_p, _c.c_size_t, _c.c_char_p, _c.c_size_t, _c.POINTER(_c.c_uint16),
                                    _c.c_int, _c.c_char_p, _c.c_size_t]),
    'align_host_run': (_c.c_int, [_c.c_char_p, _c.c_size_t, _c.POINTER(_c.c_int32), _c.c_int, _c.POINTER(PhoneSeg),
                                  _c.c_int, _c.c_char_p, _c.c_size_t, _c.POINTER(_c.c_uint32)]),
    'align_host_pronounce': (_c.c_int, [_c.c_char_p, _c.POINTER(_c.c_uint8), _c.c_size_t, _c.POINTER(_c.c_int)]),
    'align_host_lexicon_bytes': (_c.c_uint32, []),
    'align_host_ref_offset_ms': (_c.c_int32, []),
    'align_host_set_grid': (_c.c_int, [_c.c_int32, _c.c_uint32]),
    'align_host_set_phone_frames': (_c.c_int, [_c.c_int, _c.c_uint32]),
    'align_host_find': (_c.c_int, [_c.c_char_p, _c.c_int, _c.c_int32, _c.POINTER(_c.c_int32), _c.c_int,
                                   _c.POINTER(_c.c_int32), _c.c_int, _c.POINTER(Hit), _c.c_int, _c.c_char_p,
                                   _c.c_size_t, _c.POINTER(_c.c_uint32)]),
}
SIGNATURES['align_host_find_set_filler'] = (None, [_c.c_int32])
FIND_STATS = ['segments_searched', 'frames_searched', 'frames_lost', 'segments_lost', 'search_bytes', 'workspace_bytes']


class CoreError(ValueError):
    """The core refused the input (its one-line message)."""


def lib():
    return native.load(LIB, SIGNATURES)


def _bytes(text):
    return text.encode('utf-8', errors='surrogateescape') if isinstance(text, str) else bytes(text)


def words(text):
    """The board's normalised words of text (CoreError on bad text)."""
    b = _bytes(text)
    out = ctypes.create_string_buffer(TEXT_MAX)
    offs = (ctypes.c_uint16 * MAX_WORDS)()
    msg = ctypes.create_string_buffer(200)
    n = lib().align_host_words(b, len(b), out, TEXT_MAX, offs, MAX_WORDS, msg, 200)
    if n < 0:
        raise CoreError(msg.value.decode())
    raw = out.raw
    return [raw[offs[k]:raw.index(b'\0', offs[k])].decode() for k in range(n)]


def pronounce(word):
    """The board's pronunciations of one normalised word ([[phone, ...], ...])."""
    buf = (ctypes.c_uint8 * 512)()
    used = ctypes.c_int()
    n = lib().align_host_pronounce(word.encode(), buf, 512, ctypes.byref(used))
    if n < 0:
        raise CoreError('word %r cannot be pronounced' % word)
    out, k = [], 0
    for _ in range(n):
        m = buf[k]
        out.append([P.PHONES[buf[k + 1 + i]] for i in range(m)])
        k += 1 + m
    return out


def ref_offset_ms():
    """ALIGN_REF_OFFSET_MS: reported boundaries = frame boundary (+ sub-frame) + this."""
    return lib().align_host_ref_offset_ms()


def lexicon_bytes():
    return lib().align_host_lexicon_bytes()


def set_grid(step_ms, min_phone_frames):
    """The frame grid of the following run() calls (align_set_grid): 20 ms, or 10 ms for two
    frame sequences half a hop apart, interleaved; phones of at least min_phone_frames."""
    if lib().align_host_set_grid(step_ms, min_phone_frames):
        raise CoreError('frame grid: 20 or 10 ms, phones of 1 to 8 frames')


def set_phone_frames(phone, frames):
    """One phone's minimum duration in frames for the following run() calls (0: the grid's;
    set_grid resets them all)."""
    if lib().align_host_set_phone_frames(P.INDEX[phone], frames):
        raise CoreError('phone durations: a phone of phones.def, 1 to 8 frames')


def run(text, scores):
    """Aligns text to frames x 41 int32 scores (h7dec units): (phone segments, stats)."""
    s = np.ascontiguousarray(scores, dtype=np.int32)
    if s.ndim != 2 or s.shape[1] != P.COUNT:
        raise CoreError('scores must be frames x %d' % P.COUNT)
    b = _bytes(text)
    cap = 4 * len(s) + 64
    segs = (PhoneSeg * cap)()
    msg = ctypes.create_string_buffer(200)
    st = (ctypes.c_uint32 * 6)()
    n = lib().align_host_run(b, len(b), s.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)), len(s), segs, cap,
                             msg, 200, st)
    stats = dict(zip(['windows', 'workspace_max', 'nodes_max', 'forced_commits', 'core_bytes', 'pause_cuts'], list(st)))
    if n < 0:
        raise CoreError(msg.value.decode() or 'alignment failed')
    return [{'word': segs[i].word, 'phone': P.PHONES[segs[i].phone], 'start': segs[i].start, 'end': segs[i].end,
             'score': segs[i].score, 'start_ms': segs[i].start_ms, 'end_ms': segs[i].end_ms,
             'gop': segs[i].gop, 'gop_frames': segs[i].gop_frames}
            for i in range(n)], stats


def find(phrases, vad_events=(), scores=None, threshold=None):
    """The recorder's phrase search (align_find.c, as the board runs it while recording):
    phrases (text), the detector's events [(speech_start|speech_end, ms)] (and (resume,
    frame): the stream goes on there after a gap, the board's Stop) and frames x 41
    int32 scores (none: only check the phrases). threshold: units (1/256 nat) a hit must
    reach, None for the decoder's. Returns ([{phrase (index), start_ms, end_ms, score
    (units)}], stats); CoreError with the core's message on a bad phrase."""
    b = b''.join(_bytes(p).replace(b'\0', b' ') + b'\0' for p in phrases)
    s = np.zeros((0, P.COUNT), np.int32) if scores is None else np.ascontiguousarray(scores, dtype=np.int32)
    if s.ndim != 2 or s.shape[1] != P.COUNT:
        raise CoreError('scores must be frames x %d' % P.COUNT)
    kinds = {'speech_start': 1, 'speech_end': 0, 'resume': 2}
    ev = np.array([(kinds[name], int(v)) for name, v in vad_events], np.int32).reshape(-1, 2)
    cap = 64 + len(s)
    hits = (Hit * cap)()
    msg = ctypes.create_string_buffer(200)
    st = (ctypes.c_uint32 * len(FIND_STATS))()
    i32 = ctypes.POINTER(ctypes.c_int32)
    n = lib().align_host_find(b, len(phrases), -1 if threshold is None else int(threshold),
                              ev.ctypes.data_as(i32), len(ev), s.ctypes.data_as(i32), len(s), hits, cap, msg, 200, st)
    if n < 0:
        raise CoreError(msg.value.decode() or 'phrase search failed')
    if n > cap:
        raise CoreError('the phrase search found %d hits, more than the %d it has room for' % (n, cap))
    return ([{'phrase': hits[i].phrase, 'start_ms': hits[i].start_ms, 'end_ms': hits[i].end_ms,
              'score': hits[i].score} for i in range(n)], dict(zip(FIND_STATS, list(st))))


def set_find_filler(units):
    """The free phone loop's penalty per phone change of the following find() calls (units,
    <= 0; None: the board's ALIGN_FIND_FILLER_PENALTY): for the benchmark's levers."""
    lib().align_host_find_set_filler(1 if units is None else int(units))
