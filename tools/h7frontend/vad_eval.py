"""VAD evaluation on synthesized speech with known ground truth.

Utterances are synthesized with espeak-ng (resampled to 16 kHz by sox) and placed at known
positions between stretches of silence or noise, so the ground truth is exact: an utterance
is speech from its first to its last sample within 40 dB of its peak level (10 ms energy).
Scenarios: clean speech in digital silence, speech in low noise, speech in white noise at
10 dB SNR, noise only, silence only; and 'recorded': real recordings (the pocketsphinx sdist's
test data, fetched by tools/setup.sh into the cache; never committed) between stretches of
noise at the recordings' own background level, truth = first to last 10 ms frame within
25 dB of the recording's peak (their own background is only ~35 dB down).
Used by tests/test_vad_speech.py and the benchmark.
"""
import os
import shutil
import subprocess
import tempfile

import numpy as np

from .vad import Vad
from .wav import read_wav

RATE = 16000
FRAME = 320
UTTERANCES = ('turn on the kitchen light', 'what time is it', 'stop the music please')


CACHE = os.environ.get('H7_CACHE', os.path.join(os.path.expanduser('~'), '.cache', 'h7voice'))
RECORDINGS = os.path.join(CACHE, 'pocketsphinx-5.1.1', 'test', 'data')


class SynthesisUnavailable(RuntimeError):
    pass


def recordings():
    """Real 16 kHz speech recordings from the cache: goforward.raw and cards/00[1-5].wav."""
    path = os.path.join(RECORDINGS, 'goforward.raw')
    if not os.path.exists(path):
        raise SynthesisUnavailable(f'{RECORDINGS} is missing; run: bash tools/setup.sh')
    clips = [np.fromfile(path, '<i2').astype(np.int16)]
    clips += [read_wav(os.path.join(RECORDINGS, 'cards', f'00{i}.wav')) for i in range(1, 6)]
    return clips


def synthesize(text, voice='en-us', speed=150):
    """int16 16 kHz samples of text spoken by espeak-ng."""
    if shutil.which('espeak-ng') is None or shutil.which('sox') is None:
        raise SynthesisUnavailable('espeak-ng and sox are needed (apt-get install espeak-ng sox)')
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = os.path.join(tmp, 'raw.wav'), os.path.join(tmp, 'out.wav')
        subprocess.run(['espeak-ng', '-v', voice, '-s', str(speed), '-w', raw, text], check=True)
        subprocess.run(['sox', raw, '-r', str(RATE), '-c', '1', '-b', '16', out], check=True)
        return read_wav(out)


def active_span(samples, within_db=40.0):
    """(first, last) sample of the part within within_db of the 10 ms peak energy."""
    hop = RATE // 100
    frames = samples[:len(samples) // hop * hop].astype(np.float64).reshape(-1, hop)
    energy = ((frames - frames.mean(axis=1, keepdims=True)) ** 2).mean(axis=1)
    active = np.nonzero(energy > energy.max() * 10 ** (-within_db / 10))[0]
    return active[0] * hop, (active[-1] + 1) * hop


def scenario(kind, seed=0):
    """(samples, truth) where truth is a list of (start_ms, end_ms) speech segments."""
    rng = np.random.default_rng(seed)
    gap = np.zeros(int(1.5 * RATE))
    parts, truth, position = [gap], [], len(gap)
    if kind == 'recorded':
        for clip in recordings():
            first, last = active_span(clip.astype(np.float64), within_db=25.0)
            truth.append(((position + first) * 1000 // RATE, (position + last) * 1000 // RATE))
            parts += [clip.astype(np.float64), np.zeros(int(1.5 * RATE))]
            position += len(clip) + len(parts[-1])
        x = np.concatenate(parts)
        # fill the gaps with noise at the recordings' background level (about -60 dBFS)
        x = x + rng.standard_normal(len(x)) * 32768 * 10 ** (-62 / 20) * (x == 0)
        return np.clip(np.round(x), -32768, 32767).astype(np.int16), truth
    if kind not in ('noise_only', 'silence_only', 'noise_step'):
        for i, text in enumerate(UTTERANCES):
            speech = synthesize(text).astype(np.float64)
            first, last = active_span(speech)
            truth.append(((position + first) * 1000 // RATE, (position + last) * 1000 // RATE))
            parts += [speech, np.zeros(int((1.2 + 0.3 * i) * RATE))]
            position += len(speech) + len(parts[-1])
    else:
        parts.append(np.zeros(6 * RATE))
    x = np.concatenate(parts)
    speech_rms = np.sqrt(np.mean(np.concatenate(
        [x[s * RATE // 1000:e * RATE // 1000] for s, e in truth]) ** 2)) if truth else 3000.0
    noise = rng.standard_normal(len(x))
    if kind == 'low_noise':
        x = x + noise * speech_rms / 10 ** (40 / 20)            # 40 dB SNR
    elif kind in ('noisy_10db', 'noise_only'):
        x = x + noise * speech_rms / 10 ** (10 / 20)            # 10 dB SNR
    elif kind == 'dc_offset':
        x = x + 8000
    elif kind == 'noise_step':
        # noise that gets 18 dB louder halfway through (a fan switching on)
        level = np.where(np.arange(len(x)) < len(x) // 2, 1.0, 8.0)
        x = x + noise * level * 300.0
    return np.clip(np.round(x), -32768, 32767).astype(np.int16), truth


SCENARIOS = ('clean', 'low_noise', 'noisy_10db', 'dc_offset', 'noise_only', 'noise_step',
             'silence_only', 'recorded')


def evaluate(kind, seed=0, **vad_settings):
    """Runs the C VAD over a scenario; returns a dict of measures."""
    x, truth = scenario(kind, seed)
    vad = Vad(RATE, **vad_settings)
    events, decisions = [], []
    for start in range(0, len(x) - FRAME + 1, FRAME):
        name, time_ms = vad.process(x[start:start + FRAME])
        if name:
            events.append((name, time_ms))
        decisions.append(vad.in_speech)
    online = np.array(decisions)
    frame_ms = np.arange(len(online)) * FRAME * 1000 // RATE + FRAME * 500 // RATE
    truth_frames = np.zeros(len(online), bool)
    for s, e in truth:
        truth_frames |= (frame_ms >= s) & (frame_ms < e)
    segments = []
    for name, t in events:
        if name == 'speech_start':
            segments.append([t, None])
        elif segments:
            segments[-1][1] = t
    # Frame decisions from the events (start..end as reported; an open segment runs to the end).
    decisions = np.zeros(len(online), bool)
    for s, e in segments:
        decisions |= (frame_ms >= s) & (frame_ms < (e if e is not None else 1 << 62))
    start_errors = [abs(seg[0] - s) for seg, (s, e) in zip(segments, truth)]
    end_errors = [abs(seg[1] - e) for seg, (s, e) in zip(segments, truth) if seg[1] is not None]
    return {
        'scenario': kind,
        'truth_segments': len(truth),
        'detected_segments': len(segments),
        'frame_accuracy': float((decisions == truth_frames).mean()),
        'online_frame_accuracy': float((online == truth_frames).mean()),
        'speech_frames_missed': int((truth_frames & ~decisions).sum()),
        'false_speech_frames': int((~truth_frames & decisions).sum()),
        'max_start_error_ms': int(max(start_errors)) if start_errors else None,
        'max_end_error_ms': int(max(end_errors)) if end_errors else None,
        'events': events,
        'truth': truth,
    }
