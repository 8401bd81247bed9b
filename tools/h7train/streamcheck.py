"""A keyword model streamed by the engine over REAL speech: every hop byte-equal to the full
window (firmware/engine/h7nn_stream.h through tools/h7nn/stream.py, the host build of the
firmware C), per hop size, and the hop sizes the engine refuses with its own line.

    python -m h7train.streamcheck [models/kws_stream.tflite] [--hops 1,2,3,4,6] [--clips 300]

The feature sequence: the held-out fold's clips played one after another with real room tone
between them (realeval.held_out_stream, the stream the detector sweep plays), through the
streaming C front end (h7frontend.Stream, as the chip computes it) and the chip's int8
quantization; each window is the previous one moved by the hop (the streaming contract).
Writes build/bench/kws_stream_check.json; exit 1 on any mismatch, 2 for a bad model file.
"""
import argparse
import json
import os
import sys

import numpy as np

from h7voice import paths

DEFAULT_MODEL = os.path.join(paths.TOP, 'models', 'kws_stream.tflite')


def real_feature_sequence(config, clips=300, seed=9):
    """int16 audio of `clips` held-out clips (realeval.held_out_stream) -> float32 [frames, coeffs]
    from the streaming C front end."""
    import h7frontend
    from .realeval import _eval_clips, held_out_stream
    x, _, _ = _eval_clips()
    audio, _, _ = held_out_stream(x[:clips])
    return h7frontend.Stream(config).push(audio), len(audio) / 16000.0


def check(model_path, hops=(1, 2, 3, 4, 6), clips=300):
    """{'hop_rows': {refused: line} or {hops, mismatches, state_bytes}} over the real sequence."""
    import h7frontend
    from h7nn import engine
    from h7nn.stream import Stream
    from .export import load_metadata
    with open(model_path, 'rb') as f:
        data = f.read()
    meta = load_metadata(os.path.splitext(model_path)[0] + '.json')
    full = engine.load(data)
    d = full.input_details()
    window = int(d['shape'][1])
    feats, seconds = real_feature_sequence(meta['frontend']['name'], clips)
    q = h7frontend.quantize(feats, d['scale'], d['zero_point'])
    out = {'model': paths.rel(os.path.abspath(model_path)), 'clips': clips, 'audio_s': round(seconds, 1),
           'frames': int(len(q)), 'window_rows': window, 'hops': {}}
    for hop in hops:
        r = {'hop_ms': 20 * hop}
        try:
            st = Stream(data, hop)
        except engine.EngineError as e:
            r['refused'] = e.message
            out['hops'][str(hop)] = r
            continue
        bad, n = [], 0
        for start in range(0, len(q) - window + 1, hop):
            x = q[start:start + window][None]
            if not np.array_equal(st.run(x), full.run(x)):
                bad.append(start)
            n += 1
        r.update({'state_bytes': int(st.state_bytes), 'hops_checked': n, 'mismatches': len(bad),
                  'first_mismatch_frames': bad[:5]})
        out['hops'][str(hop)] = r
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog='python -m h7train.streamcheck', description=__doc__.splitlines()[0])
    ap.add_argument('model', nargs='?', default=DEFAULT_MODEL)
    ap.add_argument('--hops', default='1,2,3,4,6', help='input rows (20 ms frames) per hop, comma-separated')
    ap.add_argument('--clips', type=int, default=300, help='held-out clips in the real sequence')
    args = ap.parse_args(argv)
    from h7nn.engine import EngineError
    from .export import ModelFileError
    try:
        hops = [int(h) for h in args.hops.split(',')]
        if min(hops) < 1:
            raise ValueError
    except ValueError:
        print(f'error: --hops {args.hops!r}: positive integers, comma-separated (e.g. 2,4)', file=sys.stderr)
        return 2
    try:
        res = check(args.model, hops, args.clips)
    except (OSError, paths.MissingPart, ModelFileError, EngineError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    for hop, r in res['hops'].items():
        if 'refused' in r:
            print(f'hop {hop} rows ({r["hop_ms"]} ms): refused by the engine: {r["refused"]}')
        else:
            print(f'hop {hop} rows ({r["hop_ms"]} ms): state {r["state_bytes"]} B, {r["hops_checked"]} hops over '
                  f'{res["audio_s"]} s of real held-out speech, {r["mismatches"]} outputs differ from the full window')
    os.makedirs(paths.BENCH, exist_ok=True)
    path = os.path.join(paths.BENCH, 'kws_stream_check.json')
    with open(path + '.tmp', 'w') as f:
        json.dump(res, f, indent=1)
        f.write('\n')
    os.replace(path + '.tmp', path)
    print('wrote', paths.rel(path))
    return 1 if any(r.get('mismatches') for r in res['hops'].values()) else 0


if __name__ == '__main__':
    raise SystemExit(main())
