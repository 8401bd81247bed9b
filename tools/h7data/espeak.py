"""espeak-ng through ctypes on libespeak-ng.so.1, with word timings from its events; in this
process, or in a zygote process per instance that says each utterance from the same state
(Espeak(fresh=True): the library carries state from one utterance to the next).

espeak-ng reports WORD and PHONEME events with times. Two quirks are handled (measured):
the WORD event fires about one phoneme early, so a word starts at its first real
phoneme; and some word pairs ("on the") come as one WORD event, which is split by the
phoneme counts of the words spoken alone.
"""
import ctypes
import ctypes.util
import os
import pickle
import re

import numpy as np

from .engines import _resample  # one resampler for every synthesis engine

_EVENT_WORD, _EVENT_END, _EVENT_MSG_TERMINATED, _EVENT_PHONEME = 1, 5, 6, 7
_OUTPUT_SYNCHRONOUS = 2
_INIT_PHONEME_EVENTS = 0x0001
_RATE, _VOLUME, _PITCH, _RANGE, _WORDGAP = 1, 2, 3, 4, 7
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
# Phoneme names that are pauses or stress marks, not sounds.
_SILENT = ('_', '_:', '_!', '_^_', "'", ',', '%', '=', ';', '')

# English voices of espeak-ng (language) and its voice variants (timbre).
LANGUAGES = ('en-us', 'en', 'en-gb-scotland', 'en-gb-x-rp', 'en-gb-x-gbclan',
             'en-gb-x-gbcwmd', 'en-029', 'en-us-nyc')
VARIANTS = ('m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'f1', 'f2', 'f3', 'f4', 'f5',
            'klatt', 'klatt2', 'klatt3', 'croak', 'whisper', 'Andy', 'Annie', 'Denis',
            'Gene', 'Jacky', 'Lee', 'Mr_serious', 'Tweaky', 'anikaRobot', 'belinda',
            'boris', 'david', 'iven', 'john', 'kaukovalta', 'max', 'michel', 'norbert',
            'pablo', 'rob', 'robert', 'steph', 'travis', 'victor', 'zac')


class _Event(ctypes.Structure):
    _fields_ = [('type', ctypes.c_int), ('unique_identifier', ctypes.c_uint),
                ('text_position', ctypes.c_int), ('length', ctypes.c_int),
                ('audio_position', ctypes.c_int), ('sample', ctypes.c_int),
                ('user_data', ctypes.c_void_p), ('id', ctypes.c_char * 8)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                             ctypes.POINTER(_Event))


class EspeakError(RuntimeError):
    pass


class Espeak:
    """espeak-ng: in this process (the library is a singleton: one such instance per
    process), or with fresh=True in a zygote process of its own (any number of instances).

    libespeak-ng carries state from one utterance to the next (measured: the same sentence
    three times in a row gave 40,721, 40,730 and 40,739 samples; re-initializing does not
    reset it, and espeak_Terminate + espeak_Initialize hangs), so what a sentence sounds
    like depends on what the process said before. That is reproducible for a fixed job
    list in one process (the training sets), not for a benchmark whose workers take jobs
    in a timing-dependent order. fresh=True gives every utterance the state right after
    initialization (_Zygote: a process that never speaks forks a child per utterance, a
    few ms each), so the audio depends on the call's arguments alone.
    """

    def __init__(self, fresh=False):
        self._zygote = _Zygote() if fresh else None
        if fresh:
            return  # this process does not load the library: the zygote speaks
        name = ctypes.util.find_library('espeak-ng') or 'libespeak-ng.so.1'
        try:
            self._lib = ctypes.CDLL(name)
        except OSError as err:
            raise EspeakError(f'cannot load libespeak-ng ({err}); install the Debian '
                              f'package libespeak-ng1 (tools/setup.sh does)') from None
        lib = self._lib
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                     ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        rate = lib.espeak_Initialize(_OUTPUT_SYNCHRONOUS, 200, None,
                                     _INIT_PHONEME_EVENTS | 0x8000)
        if rate <= 0:
            raise EspeakError('espeak_Initialize failed (is espeak-ng-data installed?)')
        self.rate = rate
        self._chunks, self._events = [], []
        self._callback = _CALLBACK(self._on_synth)   # keep a reference: C holds the pointer
        lib.espeak_SetSynthCallback(self._callback)
        self._phone_counts = {}

    def _on_synth(self, wav, count, events):
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        i = 0
        while events[i].type != 0:
            e = events[i]
            if e.type in (_EVENT_WORD, _EVENT_PHONEME, _EVENT_END):
                self._events.append((e.type, e.audio_position, e.text_position, e.length,
                                     bytes(e.id).split(b'\0')[0].decode('utf-8', 'replace')))
            i += 1
        return 0

    def _synth_raw(self, text, voice, rate, pitch, pitch_range, word_gap):
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EspeakError(f'espeak-ng has no voice {voice!r}')
        for param, value in ((_RATE, rate), (_PITCH, pitch), (_RANGE, pitch_range),
                             (_WORDGAP, word_gap), (_VOLUME, 100)):
            self._lib.espeak_SetParameter(param, int(value), 0)
        self._chunks, self._events = [], []
        self._lib.espeak_SetSynthCallback(self._callback)  # the library holds one: this instance's
        data = text.encode('utf-8') + b'\0'
        err = self._lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if err != 0:
            raise EspeakError(f'espeak_Synth failed ({err}) for {text!r}')
        self._lib.espeak_Synchronize()
        audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        return audio.astype(np.int16), list(self._events)

    def _phones_alone(self, word, voice):
        key = (word, voice)
        if key not in self._phone_counts:
            _, events = self._synth_raw(word, voice, 175, 50, 50, 0)
            self._phone_counts[key] = sum(1 for e in events
                                          if e[0] == _EVENT_PHONEME and e[4] not in _SILENT)
        return self._phone_counts[key]

    def synthesize(self, text, voice='en-us', rate=175, pitch=50, pitch_range=50, word_gap=0):
        """Returns (int16 audio at 16 kHz, [(word, start_ms, end_ms), ...]).

        voice is 'language' or 'language+variant'; rate in words/min (80-450); pitch and
        pitch_range 0-100; word_gap in 10 ms units.
        """
        if self._zygote is not None:
            return self._zygote.call('synthesize', (text, voice, rate, pitch, pitch_range, word_gap))
        audio, events = self._synth_raw(text, voice, rate, pitch, pitch_range, word_gap)
        words = _word_times(text, events, lambda w: self._phones_alone(w, voice))
        return _resample(audio, self.rate), words

    def synthesize_events(self, text, voice='en-us', rate=175, pitch=50, pitch_range=50, word_gap=0):
        """Returns (int16 audio at 16 kHz, the synthesizer's events [(type, ms, text position,
        length, phoneme name)]): what the phone labels are made from (h7phones.synth)."""
        if self._zygote is not None:
            return self._zygote.call('synthesize_events', (text, voice, rate, pitch, pitch_range, word_gap))
        audio, events = self._synth_raw(text, voice, rate, pitch, pitch_range, word_gap)
        return _resample(audio, self.rate), events


class _Zygote:
    """A process that initialized espeak-ng and never speaks: each utterance is said by a
    child forked from it, so every one starts from the same state whatever this process or
    any earlier utterance did (a new interpreter, not a fork of this one: the caller may
    already have spoken, and may be large and threaded)."""

    def __init__(self):
        self._proc, self._pid = None, None
        self._start()

    def _start(self):
        import subprocess
        import sys
        tools = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            p for p in (tools, os.environ.get('PYTHONPATH')) if p))
        self._proc = subprocess.Popen([sys.executable, '-m', 'h7data.espeak', '--zygote'],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self._pid = os.getpid()

    def call(self, method, args):
        """Espeak.method(*args) said from the zygote's untouched state."""
        if os.getpid() != self._pid:
            self._start()  # a forked copy of the owner (a pool worker): its own zygote, not shared pipes
        try:
            pickle.dump((method, args), self._proc.stdin)
            self._proc.stdin.flush()
            kind, value = pickle.load(self._proc.stdout)
        except (EOFError, BrokenPipeError, pickle.UnpicklingError):
            raise EspeakError(f'the espeak-ng zygote process died (exit status '
                              f'{self._proc.poll()}; its error is above)') from None
        if kind == 'error':
            raise EspeakError(value)
        return value

    def __del__(self):
        proc = getattr(self, '_proc', None)
        if proc is not None and self._pid == os.getpid() and proc.poll() is None:
            try:
                proc.stdin.close()  # end of input: the zygote returns
                proc.wait(timeout=10)
            except Exception:  # noqa: BLE001 - interpreter shutdown; the zygote exits on EOF anyway
                pass


def _zygote_main():
    """python -m h7data.espeak --zygote: pickled (method, arguments) in on stdin, one pickled
    ('ok', what Espeak.method returns) or ('error', message) out on stdout per request."""
    import sys
    # the protocol gets its own descriptor; anything the library prints goes to stderr
    stdin, stdout = sys.stdin.buffer, os.fdopen(os.dup(1), 'wb')
    os.dup2(2, 1)
    try:
        espeak = Espeak()
    except EspeakError as err:
        espeak, init_error = None, str(err)
    while True:
        try:
            method, args = pickle.load(stdin)
        except EOFError:
            return
        if espeak is None:
            pickle.dump(('error', init_error), stdout)
            stdout.flush()
            continue
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: say it, send it, exit without the parent's cleanup
            status = 1
            try:
                os.close(read_end)
                try:
                    if method not in ('synthesize', 'synthesize_events'):
                        raise EspeakError(f'no method {method!r}')
                    reply = ('ok', getattr(espeak, method)(*args))
                except EspeakError as err:  # sent back, raised by the caller as it is
                    reply = ('error', str(err))
                except Exception as err:  # noqa: BLE001 - anything else, named
                    reply = ('error', f'{type(err).__name__}: {err}')
                with os.fdopen(write_end, 'wb') as f:
                    f.write(pickle.dumps(reply))
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        with os.fdopen(read_end, 'rb') as f:
            payload = f.read()
        _, status = os.waitpid(pid, 0)
        if status != 0 or not payload:
            payload = pickle.dumps(('error', f'the espeak-ng child for {args[0]!r} died '
                                             f'(wait status {status})'))
        stdout.write(payload)
        stdout.flush()


def _word_times(text, events, phones_alone):
    """[(word, start_ms, end_ms)] from WORD/PHONEME events, handling the two quirks."""
    tokens = [(m.start() + 1, m.group(0)) for m in re.finditer(r"[\w']+", text)]
    phonemes, event_tokens, current, end_ms = [], [], -1, None
    for kind, ms, pos, length, name in events:
        if kind == _EVENT_WORD:
            # text_position counts characters from 1: the token starting there.
            index = max([i for i, (p, _) in enumerate(tokens) if p <= pos] or [0])
            event_tokens.append(index)
            current += 1
        elif kind == _EVENT_PHONEME:
            phonemes.append((ms, name, current))
        elif kind == _EVENT_END:
            end_ms = ms
    if not tokens or not event_tokens:
        return []
    if end_ms is None:
        end_ms = phonemes[-1][0] if phonemes else 0
    groups = {}
    for i, (ms, name, g) in enumerate(phonemes):
        if name not in _SILENT and g >= 0:
            groups.setdefault(g, []).append(i)
    result = []
    for g, members in sorted(groups.items()):
        first = event_tokens[g]
        later = [t for t in event_tokens[g + 1:] if t > first]
        last = (later[0] if later else len(tokens)) - 1
        names = [w for _, w in tokens[first:last + 1]] or [tokens[first][1]]
        # A phoneme ends where the next phoneme event (sound or pause) begins.
        ends = [phonemes[i + 1][0] if i + 1 < len(phonemes) else end_ms for i in members]
        if len(names) == 1:
            result.append((names[0], phonemes[members[0]][0], ends[-1]))
            continue
        # Quirk 2: several words came as one WORD event ("on the"): split the event's
        # sounds by the phoneme counts of the words spoken alone.
        counts = [max(1, phones_alone(n)) for n in names]
        scale = len(members) / float(sum(counts))
        start = 0
        for k, (n, c) in enumerate(zip(names, counts)):
            if start >= len(members):
                break
            stop = len(members) if k == len(names) - 1 else \
                min(len(members), start + max(1, int(round(c * scale))))
            result.append((n, phonemes[members[start]][0], ends[stop - 1]))
            start = stop
    return [(w.lower(), int(s), int(e)) for w, s, e in result]


def _worker(jobs_path, out_path):
    """python -m h7data.espeak JOBS.json OUT.npz: synthesizes [(text, voice, params)]."""
    import json
    import io
    from .wavio import atomic_write_bytes
    with open(jobs_path) as f:
        jobs = json.load(f)
    espeak = Espeak()
    clips = [espeak.synthesize(text, voice, p['rate'], p['pitch'], p['pitch_range'])
             for text, voice, p in jobs]
    buf = io.BytesIO()
    np.savez(buf, lengths=np.array([len(a) for a, _ in clips], np.int64),
             audio=np.concatenate([a for a, _ in clips]) if clips else np.zeros(0, np.int16),
             words=json.dumps([w for _, w in clips]))
    atomic_write_bytes(out_path, buf.getvalue())


if __name__ == '__main__':
    import sys
    if sys.argv[1:] == ['--zygote']:
        _zygote_main()
    else:
        _worker(sys.argv[1], sys.argv[2])
