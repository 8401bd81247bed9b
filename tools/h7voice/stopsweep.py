"""Stop in the pauses between words: what each quiet time before Stop costs (issue 17).

    h7voice stop-sweep                                 # T = 100,200,400 ms and no Stop
    h7voice stop-sweep --after-ms 100,400 --json build/bench/stop_sweep.json

The keyword firmware's power policy (firmware/apps/kws/kws_power.c) enters Stop after T ms
with no VAD speech and every frame below the VAD's -55 dBFS floor; the microphone's
wake-on-sound pin (tools/h7sim/periph/microphone.py) wakes it, and the audio before the
pin's rising edge is not heard. This command runs the host build of that C
(kwsapp.detector with wake_pin=True: it stops where the board stops and resumes at the
pin's edge, kws_host_api.c) over
  - the held-out real-speech stream of h7train.realeval (655 clips of speakers no keyword
    model trained on, each after 0.7 s of -60 dBFS real room tone), and
  - the main job's recording (models/recordings/demo_commands.wav, 30 commands),
for each T and with no Stop at all. A Stop moves the hop grid to the pin's edge, and the
model's scores depend on where its 20 ms frames fall on a word, so one run is one draw:
every figure is the mean over hop phases (the recording shifted by 0, 40, 80, 120 samples,
which also moves it against the pin's 10 ms windows; 8 phases of 40 samples for the demo).
"""
import argparse
import json
import os
import sys

import numpy as np

from h7voice import paths

AFTER_MS = (100, 200, 400)
SHIFTS = (0, 40, 80, 120)           # samples: hop phases (and pin-window phases) of the stream
DEMO_SHIFTS = tuple(range(0, 320, 40))
DEMO_WAV = os.path.join(paths.MODELS, 'recordings', 'demo_commands.wav')
MODEL = os.path.join(paths.MODELS, 'kws_default.tflite')


def fail(message):
    print(f'stop-sweep: {message}', file=sys.stderr)
    raise SystemExit(2)


def _run(stream, audio, after_ms):
    return stream.run(audio, wake_pin=after_ms is not None, stop_after_ms=after_ms)


def sweep(after_list, model=MODEL):
    from h7frontend.wav import load
    from h7train.realeval import _eval_clips, held_out_stream, stream_scores
    from h7voice.demo import KEYWORDS
    from kwsapp import score, truth
    from kwsapp.detector import KwsStream
    x, y, _ = _eval_clips()
    audio, starts, ends = held_out_stream(x)
    demo = np.asarray(load(DEMO_WAV).samples, np.int16)
    demo_truth = truth.load_truth(os.path.splitext(DEMO_WAV)[0] + '.json')
    stream = KwsStream(model)
    rows = []
    try:
        for after in (None,) + tuple(after_list):
            held, stopped = [], []
            for s in SHIFTS:
                dets, st = _run(stream, audio[s:], after)
                held.append(stream_scores(dets, y, starts - s / 16, ends - s / 16))
                stopped.append(st['stopped_ms'] / 1000)
            found = []
            for s in DEMO_SHIFTS:
                dets, st = _run(stream, demo[s:], after)
                words = [dict(w, start_ms=w['start_ms'] - s / 16, end_ms=w['end_ms'] - s / 16) for w in demo_truth]
                found.append(score.score(dets, words, 200.0, KEYWORDS)['exactly_once'])
            mean = {k: round(100 * float(np.mean([h[k] for h in held])), 2) for k in held[0]}
            rows.append({'stop_after_ms': after, **mean,
                         'keywords_found_per_phase': [round(100 * h['keywords_found'], 2) for h in held],
                         'stream_s': round(len(audio) / 16000, 1), 'stopped_s': round(float(np.mean(stopped)), 1),
                         'demo_exactly_once_mean': round(float(np.mean(found)), 2),
                         'demo_exactly_once_per_phase': found, 'demo_commands': len(
                             [w for w in demo_truth if w['word'] in KEYWORDS])})
    finally:
        stream.close()
    return {'model': paths.rel(model), 'shifts': list(SHIFTS), 'demo_shifts': list(DEMO_SHIFTS), 'rows': rows}


def main(argv=None):
    p = argparse.ArgumentParser(prog='h7voice stop-sweep', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--after-ms', default=','.join(str(t) for t in AFTER_MS),
                   help='quiet times before Stop to try, ms, comma-separated')
    p.add_argument('--json', help='write the sweep here (e.g. build/bench/stop_sweep.json)')
    args = p.parse_args(argv)
    try:
        after = sorted({int(t) for t in args.after_ms.split(',') if t.strip()})
    except ValueError:
        fail(f'--after-ms {args.after_ms!r}: expected whole milliseconds like 100,400')
    if not after or any(t <= 0 for t in after):
        fail('--after-ms: each must be a positive number of milliseconds')
    if args.json and not os.path.isdir(os.path.dirname(os.path.abspath(args.json))):
        fail(f'--json {args.json}: the folder does not exist')
    from kwsapp.detector import DetectorError
    try:
        result = sweep(after)
    except (DetectorError, paths.MissingPart) as err:
        fail(str(err))
    print('Stop after T ms of quiet, host build of the firmware C, mean over hop phases')
    print('| T | keywords found | wrong keyword | non-keyword fired | in Stop (s of stream) | demo exactly once |')
    print('|---|---|---|---|---|---|')
    for r in result['rows']:
        t = 'no Stop' if r['stop_after_ms'] is None else f"{r['stop_after_ms']} ms"
        print(f"| {t} | {r['keywords_found']:.2f} % | {r['wrong_keyword']:.2f} % | {r['non_keyword_fired']:.2f} % "
              f"| {r['stopped_s']:.0f} of {r['stream_s']:.0f} | {r['demo_exactly_once_mean']:.2f}/{r['demo_commands']} |")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)
        print(f'written to {args.json}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
