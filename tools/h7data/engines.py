"""flite (CLI, voices kal kal16 awb rms slt) and festival (held-out engine) synthesis.

Both give segment (phone) end times; words are mapped onto segments by the phone counts
of each word spoken alone, which gives word-level timing ground truth for phrases.
"""
import functools
import os
import re
import shutil
import subprocess
import tempfile

import numpy as np
from scipy.signal import resample_poly

from .wavio import SAMPLE_RATE, AudioError

FLITE_VOICES = ('kal', 'kal16', 'awb', 'rms', 'slt')
# festival voice name -> scheme command that selects it (Debian festvox packages).
FESTIVAL_VOICES = {'ked': '(voice_ked_diphone)', 'slt_hts': '(voice_cmu_us_slt_arctic_hts)'}


class EngineError(RuntimeError):
    pass


def _words(text):
    return re.findall(r"[\w']+", text.lower())


def _resample(audio, rate):
    if rate == SAMPLE_RATE:
        return audio.astype(np.int16)
    from math import gcd
    g = gcd(rate, SAMPLE_RATE)
    y = resample_poly(audio.astype(np.float32), SAMPLE_RATE // g, rate // g)
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def _read_any_wav(path):
    import wave
    try:
        with wave.open(path, 'rb') as w:
            rate, ch = w.getframerate(), w.getnchannels()
            data = np.frombuffer(w.readframes(w.getnframes()), '<i2')
    except (wave.Error, EOFError, FileNotFoundError) as err:
        raise EngineError(f'synthesizer wrote no usable WAV ({err})') from None
    if ch > 1:
        data = data.reshape(-1, ch)[:, 0]
    return _resample(data, rate)


def words_from_segments(text, segments, phones_alone):
    """segments: [(phone, end_s)] incl. 'pau'; returns [(word, start_ms, end_ms)]."""
    sounds, start = [], 0.0
    for name, end in segments:
        if name not in ('pau', 'h#', 'sil'):
            sounds.append((start, end))
        start = end
    names = _words(text)
    if not names or not sounds:
        return []
    counts = [max(1, phones_alone(n)) for n in names]
    if sum(counts) != len(sounds):   # post-lexical changes: scale the counts to fit
        scale = len(sounds) / float(sum(counts))
        counts = [max(1, int(round(c * scale))) for c in counts]
    out, i = [], 0
    for k, (n, c) in enumerate(zip(names, counts)):
        if i >= len(sounds):
            break
        j = len(sounds) if k == len(names) - 1 else min(len(sounds), i + c)
        out.append((n, int(round(1000 * sounds[i][0])), int(round(1000 * sounds[j - 1][1]))))
        i = j
    return out


class Flite:
    def __init__(self):
        self.exe = shutil.which('flite')
        if not self.exe:
            raise EngineError('flite not found; install the Debian package flite '
                              '(tools/setup.sh does)')
        self._tmpdir = tempfile.mkdtemp(prefix='h7flite-')

    def _run(self, text, voice, stretch, f0, path):
        if voice not in FLITE_VOICES:
            raise EngineError(f'flite has no voice {voice!r}; voices: {", ".join(FLITE_VOICES)}')
        cmd = [self.exe, '-voice', voice, '--setf', f'duration_stretch={stretch:.3f}']
        if f0:
            cmd += ['--setf', f'int_f0_target_mean={f0:.1f}']
        cmd += ['-psdur', '-t', text, '-o', path]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            raise EngineError(f'flite failed: {out.stderr.strip()}')
        segs = []
        for tok in out.stdout.split():
            name, _, end = tok.rpartition(':')
            try:
                segs.append((name, float(end)))
            except ValueError:
                pass
        return segs

    @functools.lru_cache(maxsize=4096)
    def _phones_alone(self, word, voice):
        segs = self._run(word, voice, 1.0, 0, os.devnull if False else os.path.join(self._tmpdir, 'x.wav'))
        return sum(1 for n, _ in segs if n != 'pau')

    def synthesize(self, text, voice='kal16', stretch=1.0, f0=0):
        """(int16 16 kHz audio, [(word, start_ms, end_ms)]); stretch >1 is slower,
        f0 is the target mean pitch in Hz (0 keeps the voice's own)."""
        path = os.path.join(self._tmpdir, 'u.wav')
        segs = self._run(text, voice, stretch, f0, path)
        audio = _read_any_wav(path)
        return audio, words_from_segments(text, segs, lambda w: self._phones_alone(w, voice))


class Festival:
    """festival in batch mode: many utterances per process (start-up is ~0.2 s)."""

    def __init__(self):
        self.exe = shutil.which('festival')
        if not self.exe:
            raise EngineError('festival not found; install the Debian packages festival '
                              'festvox-kdlpc16k festvox-us-slt-hts (tools/setup.sh does)')

    def synthesize_many(self, requests):
        """requests: [(text, voice, stretch)] -> [(audio, words)] in the same order."""
        tmp = tempfile.mkdtemp(prefix='h7fest-')
        try:
            alone = sorted({(w, v) for text, v, _ in requests for w in _words(text)})
            jobs = [(f'a{i}', w, v, 1.0) for i, (w, v) in enumerate(alone)]
            jobs += [(f'u{i}', t, v, s) for i, (t, v, s) in enumerate(requests)]
            lines = []
            for name, text, voice, stretch in jobs:
                if voice not in FESTIVAL_VOICES:
                    raise EngineError(f'festival voice {voice!r} unknown; voices: '
                                      f'{", ".join(FESTIVAL_VOICES)}')
                safe = text.replace('"', '').replace('\\', '')
                lines += [FESTIVAL_VOICES[voice], f"(Parameter.set 'Duration_Stretch {stretch:.3f})",
                          f'(set! utt (SynthText "{safe}"))',
                          f'(utt.save.wave utt "{tmp}/{name}.wav" \'riff)',
                          f'(utt.save.segs utt "{tmp}/{name}.segs")']
            script = os.path.join(tmp, 'run.scm')
            with open(script, 'w') as f:
                f.write('\n'.join(lines) + '\n')
            out = subprocess.run([self.exe, '-b', script], capture_output=True, text=True)
            if out.returncode != 0:
                raise EngineError(f'festival failed: {out.stderr.strip()[-400:]}')

            def segs(name):
                result = []
                with open(f'{tmp}/{name}.segs') as f:
                    body = f.read().split('#', 1)[-1]
                for line in body.strip().splitlines():
                    parts = line.split()
                    if len(parts) >= 3:
                        result.append((parts[2], float(parts[0])))
                return result

            counts = {(w, v): sum(1 for n, _ in segs(f'a{i}') if n != 'pau')
                      for i, (w, v) in enumerate(alone)}
            results = []
            for i, (text, voice, _) in enumerate(requests):
                audio = _read_any_wav(f'{tmp}/u{i}.wav')
                words = words_from_segments(text, segs(f'u{i}'),
                                            lambda w, v=voice: counts[(w, v)])
                results.append((audio, words))
            return results
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
