"""Robot keywords for waking from Stop: a recording of command blocks separated by long
silence, cut from the bundled real-speech demo recording (models/recordings, never changed
here), written under build/kws_audio/, and a run of the real `kws` image with it.

A block is a run of consecutive words of the demo recording, cut from 0.3 s before its first
word to 0.3 s after its last; between blocks `gap_s` of the recording's own quiet room tone
(its opening 0.6 s, repeated), so the power policy reaches Stop (5 s of silence) and the
microphone's wake-on-sound pin has to bring it back for the first word of the next block."""
import json
import os
import sys
import wave

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'tools'))  # robot runs this file outside the tools' path

from h7voice import events as ev  # noqa: E402
from h7voice import paths  # noqa: E402
from kwsapp import simrun  # noqa: E402

DEMO = os.path.join(paths.MODELS, 'recordings', 'demo_commands')
RATE = 16000


def _read(path):
    with wave.open(path, 'rb') as w:
        if w.getframerate() != RATE or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise AssertionError(f'{paths.rel(path)}: expected 16 kHz mono 16-bit')
        return np.frombuffer(w.readframes(w.getnframes()), np.int16)


def make_blocks(out_wav, blocks=3, words_per_block=4, gap_s=20.0, first_word=0):
    """Writes out_wav (+ .json truth in the demo's format) and returns the truth's path."""
    x = _read(DEMO + '.wav')
    with open(DEMO + '.json') as f:
        meta = json.load(f)
    words = meta['words']
    if first_word + blocks * words_per_block > len(words):
        raise AssertionError(f'the demo recording has {len(words)} words, fewer than asked for')
    room = x[: int(0.6 * RATE)]
    gap = np.resize(room, int(gap_s * RATE))
    pieces, truth, pos = [gap[: 2 * RATE]], [], 2 * RATE
    for b in range(blocks):
        ws = words[first_word + b * words_per_block: first_word + (b + 1) * words_per_block]
        a = max(0, int((ws[0]['start_ms'] / 1000 - 0.3) * RATE))
        z = min(len(x), int((ws[-1]['end_ms'] / 1000 + 0.3) * RATE))
        for w in ws:
            truth.append({**w, 'start_ms': round(w['start_ms'] + 1000 * (pos - a) / RATE),
                          'end_ms': round(w['end_ms'] + 1000 * (pos - a) / RATE), 'block': b})
        pieces.append(x[a:z])
        pos += z - a
        pieces.append(gap)
        pos += len(gap)
    os.makedirs(os.path.dirname(out_wav), exist_ok=True)
    with wave.open(out_wav, 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.concatenate(pieces).astype('<i2').tobytes())
    out_json = os.path.splitext(out_wav)[0] + '.json'
    with open(out_json, 'w') as f:
        json.dump({'wav': os.path.basename(out_wav), 'sample_rate_hz': RATE,
                   'source': f'{blocks} blocks of {words_per_block} consecutive words of '
                             f'models/recordings/demo_commands.wav, {gap_s:g} s of its room tone '
                             f'between blocks (robot_tests/resources/StopWakeLibrary.py)',
                   'words': truth}, f, indent=1)
    return out_json


class StopWakeLibrary:
    ROBOT_LIBRARY_SCOPE = 'SUITE'

    def __init__(self):
        self.run = None
        self.truth = None
        self.wav = None

    def make_stop_blocks_recording(self, blocks=3, words_per_block=4, gap_s=20, first_word=0):
        wav = os.path.join(paths.BUILD, 'kws_audio', 'stop_blocks.wav')
        out_json = make_blocks(wav, int(blocks), int(words_per_block), float(gap_s), int(first_word))
        with open(out_json) as f:
            self.truth = json.load(f)['words']
        return wav

    def run_kws_on(self, wav):
        self.wav = wav
        self.run = simrun.run_kws(wav)
        dets = ev.detections(self.run['events'])
        print('*INFO* ' + ', '.join(f"{d['word']}@{d['start_ms']}" for d in dets))
        return len(dets)

    def stop_entries_should_be_at_least(self, n):
        stops = [e for e in self.run['events'] if e.get('event') == 'kws_stop']
        wakes = [e for e in self.run['events'] if e.get('event') == 'kws_wake']
        print(f'*INFO* {len(stops)} Stops, wakes: {wakes}')
        if len(stops) < int(n):
            raise AssertionError(f'{len(stops)} Stops, expected at least {n}')

    def first_command_of_each_block_should_be_heard(self):
        dets = ev.detections(self.run['events'])
        missed = []
        for b in sorted({w['block'] for w in self.truth}):
            first = next(w for w in self.truth if w['block'] == b and w['keyword'])
            hit = [d for d in dets if d['word'] == first['word'] and abs(d['start_ms'] - first['start_ms']) <= 200]
            if not hit:
                missed.append(f"block {b}: {first['word']} at {first['start_ms']} ms")
        if missed:
            raise AssertionError('first command not heard after the Stop: ' + '; '.join(missed))

    def detections_should_equal_a_run_that_never_stops(self):
        """The host build of the firmware C on the same recording: it keeps listening where
        the board stops (kws_host_api.c), so a word lost to a wake shows as a difference."""
        import numpy as np
        from h7frontend.wav import load
        from kwsapp.detector import KwsStream
        board = [(d['word'], d['start_ms']) for d in ev.detections(self.run['events'])]
        k = KwsStream(os.path.join(paths.MODELS, 'kws_default.tflite'))
        try:
            host, _ = k.run(np.asarray(load(self.wav).samples, np.int16))
        finally:
            k.close()
        host = [(d['word'], d['start_ms']) for d in host]
        print(f'*INFO* board {board}; host {host}')
        bw = [w for w, _ in board]
        hw = [w for w, _ in host]
        if bw != hw or any(abs(a[1] - b[1]) > 40 for a, b in zip(board, host)):
            raise AssertionError(f'the board heard {board}, a run that never stops {host}')

    def no_sample_should_be_lost_while_awake(self):
        stats = ev.last(self.run['events'], 'kws_stats') or {}
        lost = {k: stats.get(k) for k in ('lost_overwritten', 'lost_ring_full', 'skipped_inferences')}
        if any(v for v in lost.values()):
            raise AssertionError(f'lost while awake: {lost}')
