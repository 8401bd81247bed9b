"""A keyword model streamed by the engine over REAL speech: every hop byte-equal to the full
window (firmware/engine/h7nn_stream.h through tools/h7nn/stream.py, the host build of the
firmware C), per hop size, and the hop sizes the engine refuses with its own line.

    python -m h7train.streamcheck [models/kws_stream.tflite] [--hops 1,2,3,4,6] [--clips 300]
                                  [--board] [--out build/bench/kws_stream]

The feature sequence: the held-out fold's clips played one after another with real room tone
between them (realeval.held_out_stream, the stream the detector sweep plays), through the
streaming C front end (h7frontend.Stream, as the chip computes it) and the chip's int8
quantization; each window is the previous one moved by the hop (the streaming contract).
Writes OUT_check.json (build/bench/kws_stream_check.json); exit 1 on any mismatch, 2 for a
bad model file. --board also runs the model on the simulated board (board()) -> OUT_board.json.
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


def board(model_path):
    """Instructions per hop on the simulated board for this model: firmware/apps/stream_bench
    builds its keyword image from the keyword slot of the stream test models' cache
    (h7nn.stream_models.path_for('keyword')) and has no model option, so the model is put in
    that slot for one build and run (h7nn.stream.run_image + summarise: every hop checked
    byte-equal to h7nn_invoke on the board), and the slot's previous file is put back."""
    import shutil
    import subprocess
    from h7nn import stream, stream_models
    slot = stream_models.path_for('keyword')
    os.makedirs(os.path.dirname(slot), exist_ok=True)
    saved = slot + '.saved'
    if os.path.exists(slot):
        os.replace(slot, saved)
    try:
        shutil.copyfile(model_path, slot)
        image = os.path.join(stream.IMAGE_DIR, 'stream_bench_keyword.elf')
        proc = subprocess.run([sys.executable, '-m', 'SCons', '-Q', '-j2', 'variant=firmware',
                               os.path.relpath(image, paths.TOP)], cwd=paths.TOP,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
            raise paths.MissingPart('stream_bench_keyword did not build: %s' % ' | '.join(tail))
        res = stream.summarise('keyword', os.path.abspath(model_path), stream.run_image(image))
    finally:
        os.remove(slot)
        if os.path.exists(saved):
            os.replace(saved, slot)
    res['how'] = ('stream_bench_keyword image built with this model in the keyword slot '
                  '(h7train.streamcheck.board)')
    return res


def _write(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + '.tmp', 'w') as f:
        json.dump(obj, f, indent=1)
        f.write('\n')
    os.replace(path + '.tmp', path)
    print('wrote', paths.rel(path))


def main(argv=None):
    ap = argparse.ArgumentParser(prog='python -m h7train.streamcheck', description=__doc__.splitlines()[0])
    ap.add_argument('model', nargs='?', default=DEFAULT_MODEL)
    ap.add_argument('--hops', default='1,2,3,4,6', help='input rows (20 ms frames) per hop, comma-separated')
    ap.add_argument('--clips', type=int, default=300, help='held-out clips in the real sequence')
    ap.add_argument('--board', action='store_true', help='also instructions per hop on the simulated board')
    ap.add_argument('--out', default=os.path.join(paths.BENCH, 'kws_stream'),
                    help='prefix of the result files (OUT_check.json, OUT_board.json)')
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
        brd = board(args.model) if args.board else None
    except (OSError, paths.MissingPart, ModelFileError, EngineError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    for hop, r in res['hops'].items():
        if 'refused' in r:
            print(f'hop {hop} rows ({r["hop_ms"]} ms): refused by the engine: {r["refused"]}')
        else:
            print(f'hop {hop} rows ({r["hop_ms"]} ms): state {r["state_bytes"]} B, {r["hops_checked"]} hops over '
                  f'{res["audio_s"]} s of real held-out speech, {r["mismatches"]} outputs differ from the full window')
    _write(args.out + '_check.json', res)
    bad = sum(r.get('mismatches', 0) for r in res['hops'].values())
    if brd:
        for h in brd['hops']:
            print(f'board, hop {h["hop_rows"]} rows ({h["hop_ms"]} ms): {h["instructions_per_hop"]["mean"]} '
                  f'instructions per hop (min {h["instructions_per_hop"]["min"]}, max '
                  f'{h["instructions_per_hop"]["max"]}) vs {brd["full_window_instructions"]} full window; '
                  f'state {h["state_bytes"]} B, arena {brd["arena_used"]} B; {h["hops_checked"]} hops '
                  f'checked on the board, {h["mismatches"]} mismatches')
            bad += h['mismatches']
        _write(args.out + '_board.json', brd)
    return 1 if bad else 0


if __name__ == '__main__':
    raise SystemExit(main())
