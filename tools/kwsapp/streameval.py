"""Streaming vs full windows, the firmware's decision on held-out real speech (issue 17 item 1).

    python -m kwsapp stream-eval [--model models/kws_stream.tflite] [--out build/bench/kws_stream_decisions.json]

The host build of the firmware C (kwsapp.detector: kws_pipeline + kws_detector + the engine)
over the held-out clips played one after another (h7train.realeval.held_out_stream, the
stream its threshold sweep and `h7voice cascade` play; scored by realeval.stream_scores), at
the firmware's threshold and cascade rule, per run schedule:
  streamed         the image's: the model streamed (kws_stream.h), a run every stream hop
  stream schedule  the same runs, each a full window (h7nn_invoke): must equal "streamed"
  full windows     the schedule of a model that cannot stream (console 'f'): dense runs
                   20 ms apart, then every 60 ms
and kws_default (cannot stream: full windows) beside it.
"""
import json
import os

from h7voice import paths

MODES = (('streamed', None), ('stream schedule, full windows', 'schedule'), ('full windows', False))


def evaluate(model_path, baseline=os.path.join(paths.MODELS, 'kws_default.tflite')):
    from h7train import realeval
    from kwsapp.detector import KwsStream, describe
    x, y, _ = realeval._eval_clips()  # the held-out fold (never trained on)
    audio, starts, ends = realeval.held_out_stream(x)
    rows = []
    for path, modes in ((model_path, MODES), (baseline, (('firmware (full windows)', None),))):
        det = KwsStream(path)
        try:
            for label, mode in modes:
                dets, stats = det.run(audio, stream=mode)
                rows.append({'model': os.path.basename(path), 'schedule': label,
                             'stream_frames': stats['stream_frames'], 'cascade': det.gate_threshold is not None,
                             **realeval.stream_scores(dets, y, starts, ends),
                             'detections': len(dets), 'model_runs': stats['model_runs'],
                             'streamed_runs': stats['streamed_runs'],
                             'mean_decided_after_end_ms': round(sum(d['decided_ms'] - d['end_ms'] for d in dets)
                                                                / max(1, len(dets)), 1),
                             '_dets': dets})
        finally:
            det.close()
    streamed, check = rows[0], rows[1]
    same = streamed.pop('_dets') == check.pop('_dets')
    for r in rows[2:]:
        r.pop('_dets')
    return {'what': describe(), 'clips': int(len(y)), 'audio_s': round(len(audio) / 16000, 1),
            'streamed_equals_full_window_runs': same, 'rows': rows}


def markdown(result):
    lines = ['| model | schedule | keywords found % | wrong keyword % | non-keyword fired % | model runs '
             '(streamed) | decided after word end, mean ms |', '|---|---|---:|---:|---:|---:|---:|']
    for r in result['rows']:
        lines.append(f"| {r['model']} | {r['schedule']} | {100 * r['keywords_found']:.1f} | "
                     f"{100 * r['wrong_keyword']:.1f} | {100 * r['non_keyword_fired']:.1f} | "
                     f"{r['model_runs']} ({r['streamed_runs']}) | {r['mean_decided_after_end_ms']} |")
    return '\n'.join(lines)


def main(args):
    result = evaluate(args.model)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=1)
    print(f"{result['clips']} held-out clips, {result['audio_s']} s; {result['what']}")
    print(markdown(result))
    print(f"streamed == the same runs as full windows: {result['streamed_equals_full_window_runs']}")
    print(f'written to {paths.rel(os.path.abspath(args.out))}')
    if not result['streamed_equals_full_window_runs']:
        raise SystemExit('stream-eval: streamed decisions differ from the same runs on full windows: '
                         'streaming is not bit-exact here (an engine bug; see h7voice stream check)')
    return 0
