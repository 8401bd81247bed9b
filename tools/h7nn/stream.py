"""Streaming inference of the engine (firmware/engine/h7nn_stream.h) from Python, and its
board benchmark.

  Stream(model_bytes, hop_rows).run(window) -> output   the C streaming code (libh7nn.so)
  python -m h7nn.stream check [MODEL HOP]   every hop byte-equal to the full window
  python -m h7nn.stream bench               instructions per hop, streaming vs full window, on
                                            the simulated board (firmware/apps/stream_bench), every
                                            hop checked there -> build/bench/h7nn_stream.json
"""
import argparse
import ctypes
import json
import os
import sys

import numpy as np

from h7voice import native, paths

from . import engine

_P, _I, _S = ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t
_SIGNATURES = {
    'h7nn_stream_size': (_S, []),
    'h7nn_stream_state_bytes': (_S, [_P, _I]),
    'h7nn_stream_init': (_I, [_P, _P, _I, _P, _S]),
    'h7nn_stream_invoke': (_I, [_P]),
    'h7nn_stream_reset': (None, [_P]),
}


class Stream:
    """A model run hop by hop by the engine's streaming code: run(window) takes the whole
    window (as Interpreter.run does; each window the previous one moved by hop_rows) and
    computes only the new rows. engine.EngineError with the engine's one line when the model
    cannot stream. packed=True: the M7 kernels on the weights the embed step pre-arranges
    (h7nn_packed_export of the model, as the board's images run them)."""

    def __init__(self, model, hop_rows, optimized=True, packed=False):
        self.nn = _load(model, optimized, packed)
        try:
            lib = native.load(engine.LIBRARY_REL, _SIGNATURES)
        except AttributeError:
            raise paths.MissingPart('%s predates h7nn_stream: rebuild it with  scons variant=host'
                                    % engine.LIBRARY_REL) from None
        self._lib = lib
        self.hop_rows = hop_rows
        self.state_bytes = lib.h7nn_stream_state_bytes(self.nn._nn, hop_rows)
        if self.state_bytes == 0:
            raise engine.EngineError(3, lib.h7nn_error(self.nn._nn).decode())
        self._state = ctypes.create_string_buffer(self.state_bytes + 8)
        self._st = ctypes.create_string_buffer(lib.h7nn_stream_size())
        addr = (ctypes.addressof(self._state) + 7) & ~7
        self.nn._check(lib.h7nn_stream_init(self._st, self.nn._nn, hop_rows, addr, self.state_bytes))

    def run(self, window):
        self.nn.set_input(window)
        self.nn._check(self._lib.h7nn_stream_invoke(self._st))
        return self.nn.get_output()

    def reset(self):
        self._lib.h7nn_stream_reset(self._st)


def _load(model, optimized, packed):
    if not packed:
        return engine.load(model, optimized=optimized)
    if not optimized:
        raise ValueError('pre-arranged weights are the M7 kernels\' (optimized=True)')
    return engine.load(model, optimized=True, packed=engine.load(model, optimized=True).packed_words())


def refusal(model, hop_rows, optimized=True):
    """The engine's one line refusing to stream the model at this hop, or None if it streams."""
    try:
        Stream(model, hop_rows, optimized)
    except engine.EngineError as e:
        return e.message
    return None


def compare(model, hop_rows, hops, seed=0, optimized=True, reset_every=0, packed=False):
    """Streams `hops` hops of a random int8 feature sequence; returns the hops whose output
    differs from the full-window run (h7nn_invoke of the same window), and the hops run."""
    st = Stream(model, hop_rows, optimized, packed)
    full = _load(model, optimized, packed)
    shape = full.input_details()['shape']
    window = shape[1]
    rng = np.random.default_rng(seed)
    seq = rng.integers(-128, 128, size=(window + hop_rows * hops,) + tuple(shape[2:]), dtype=np.int8)
    bad = []
    for h in range(hops + 1):
        if reset_every and h % reset_every == reset_every - 1:
            st.reset()
        x = seq[h * hop_rows:h * hop_rows + window][None]
        if not np.array_equal(st.run(x), full.run(x)):
            bad.append(h)
    return bad, hops + 1


def _read(path):
    try:
        with open(path, 'rb') as f:
            return f.read()
    except OSError as e:
        raise paths.MissingPart('%s: %s' % (path, e.strerror)) from None


def cmd_check(args):
    from . import stream_models
    cases = [(args.model, args.hop)] if args.model else [(stream_models.build(n), stream_models.hop_rows(n))
                                                         for n in stream_models.names()]
    bad_any = False
    for path, hop in cases:
        data = _read(path)
        engine.load(data)  # a model the engine refuses outright: exit 2 with its line
        why = refusal(data, hop)
        if why:
            print('%s: cannot stream at a %d-row hop: %s' % (paths.rel(path), hop, why))
            bad_any = True
            continue
        for optimized, packed in ((True, False), (True, True), (False, False)):
            bad, n = compare(data, hop, args.hops, optimized=optimized, packed=packed)
            kind = 'M7 (pre-arranged weights)' if packed else 'M7' if optimized else 'reference'
            print('%s, hop %d rows, %s kernels: %d hops, %s' % (paths.rel(path), hop, kind, n,
                                                               'every output byte-equal to the full window'
                                                               if not bad else 'MISMATCH at hops %s' % bad[:10]))
            bad_any |= bool(bad)
    return 1 if bad_any else 0


IMAGE_DIR = os.path.dirname(paths.app_image('stream_bench'))
WW_MODEL = os.path.join(paths.SHARED, 'models', 'mlperf_tiny_str_ww_ref_model.tflite')
FRAME_MS = 20            # the front ends' hop: one input row of every model here
KWS_CADENCE_MS = 60      # today's keyword image: the full window every 60 ms (issue 17)
WORD_SEGMENTS_S = (0.3, 1.0)


def bench_images():
    """name -> (image path, model path): the stream test models and MLPerf's streaming wake word."""
    from . import stream_models
    images = {n: (os.path.join(IMAGE_DIR, 'stream_bench_%s.elf' % n), stream_models.path_for(n))
              for n in stream_models.names()}
    images['str_ww'] = (os.path.join(IMAGE_DIR, 'stream_bench_str_ww.elf'),
                        paths.shared('models', 'mlperf_tiny_str_ww_ref_model.tflite', what='stream_bench_str_ww'))
    return images


def build_images():
    import subprocess
    from . import stream_models
    for n in stream_models.names():
        stream_models.build(n)
    images = bench_images()
    proc = subprocess.run([sys.executable, '-m', 'SCons', '-Q', '-j2', 'variant=firmware']
                          + [os.path.relpath(img, paths.TOP) for img, _ in images.values()],
                          cwd=paths.TOP, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
        raise paths.MissingPart('stream_bench images did not build: %s' % ' | '.join(tail))
    return images


def run_image(image, seconds=60):
    """Boots a stream_bench image on the simulated board; its events by name."""
    from h7sim.board import Board
    board = Board(image)
    board.run(seconds=seconds, until=lambda b: any(e.get('event') in ('stream_done', 'nn_error') for e in b.events))
    events = {}
    for e in board.events:
        events.setdefault(e.get('event'), []).append(e)
    if 'nn_error' in events:
        raise engine.EngineError(5, '%s: %s' % (paths.rel(image), events['nn_error'][0].get('message')))
    if 'stream_done' not in events:
        raise engine.EngineError(5, '%s: no stream_done event; console tail: %s'
                                 % (paths.rel(image), ' | '.join(board.uart_tail()[-3:])))
    return events


def millijoules(instructions):
    """Energy of that many cycles at 480 MHz (VOS0, the run current of tools/h7sim/energy.py)."""
    from h7sim import energy
    ma = energy.DEFAULT_TABLE['run/480/VOS0']['mA']
    return instructions / 480e6 * ma * 1e-3 * energy.SUPPLY_V * 1e3


def summarise(name, model_path, ev):
    model = ev['stream_model'][0]
    hops = []
    for h in ev['stream_hops']:
        hops.append({'hop_rows': h['hop_rows'], 'hop_ms': h['hop_rows'] * FRAME_MS, 'state_bytes': h['state_bytes'],
                     'streamed_ops': h['streamed_ops'], 'hops_checked': h['hops'], 'mismatches': h['mismatches'],
                     'first_call_instructions': h['first_call_instructions'],
                     'instructions_per_hop': {'min': h['hop_min'], 'mean': h['hop_mean'], 'max': h['hop_max']},
                     'full_over_hop': round(h['full_instructions'] / h['hop_mean'], 2),
                     'instructions_per_second_streamed': round(h['hop_mean'] * 1000 / (h['hop_rows'] * FRAME_MS)),
                     'instructions_per_second_full_every_hop':
                         round(h['full_instructions'] * 1000 / (h['hop_rows'] * FRAME_MS))})
    full = ev['stream_hops'][0]['full_instructions']
    return {'model_file': paths.rel(model_path), 'model_name': model['name'], 'kernels': model['kernels'],
            'window_rows': model['window_rows'], 'arena_used': model['arena_used'],
            'full_window_instructions': full, 'hops': hops,
            'ops': [{'index': o['index'], 'op': o['op'], 'full': o['full'], 'hop': o['hop']}
                    for o in ev.get('stream_op', [])]}


def word_estimate(kw):
    """The keyword-shaped model's cost per word: one full run at the segment's start, then one
    streamed hop per 40 ms (2 frames), against today's full window every 60 ms."""
    hop = kw['hops'][0]
    out = []
    for seg in WORD_SEGMENTS_S:
        n_hops = int(round(seg * 1000 / hop['hop_ms']))
        streamed = hop['first_call_instructions'] + n_hops * hop['instructions_per_hop']['mean']
        n_full = int(round(seg * 1000 / KWS_CADENCE_MS))
        full = n_full * kw['full_window_instructions']
        out.append({'segment_s': seg, 'streamed': {'full_runs': 1, 'hops': n_hops, 'instructions': streamed,
                                                   'mJ_at_480MHz': round(millijoules(streamed), 4)},
                    'full_every_60ms': {'full_runs': n_full, 'instructions': full,
                                        'mJ_at_480MHz': round(millijoules(full), 4)}})
    return out


def cmd_bench(args):
    images = build_images()
    result = {'what': 'instructions per hop on the simulated STM32H743 (DWT count, 1 per cycle in the simulator), '
                      'streaming (h7nn_stream_invoke) vs the full window (h7nn_invoke); every streamed hop checked '
                      'byte-equal to the full window on the board',
              'frame_ms': FRAME_MS, 'models': {}}
    for name, (image, model_path) in sorted(images.items()):
        r = summarise(name, model_path, run_image(image))
        result['models'][name] = r
        for h in r['hops']:
            print('%-8s hop %2d rows (%3d ms): %8d instructions per hop (min %d, max %d) vs %8d full window = %.2fx; '
                  'state %d B, arena %d B; %d hops checked, %d mismatches'
                  % (name, h['hop_rows'], h['hop_ms'], h['instructions_per_hop']['mean'],
                     h['instructions_per_hop']['min'], h['instructions_per_hop']['max'], r['full_window_instructions'],
                     h['full_over_hop'], h['state_bytes'], r['arena_used'], h['hops_checked'], h['mismatches']))
    if 'keyword' in result['models']:
        result['keyword_per_word'] = word_estimate(result['models']['keyword'])
        for w in result['keyword_per_word']:
            print('keyword-shaped model, a %.1f s word segment: streamed %d instructions (%.3f mJ) vs full window '
                  'every 60 ms %d (%.3f mJ)' % (w['segment_s'], w['streamed']['instructions'],
                                                w['streamed']['mJ_at_480MHz'], w['full_every_60ms']['instructions'],
                                                w['full_every_60ms']['mJ_at_480MHz']))
    os.makedirs(paths.BENCH, exist_ok=True)
    out = os.path.join(paths.BENCH, 'h7nn_stream.json')
    with open(out + '.tmp', 'w') as f:
        json.dump(result, f, indent=2)
        f.write('\n')
    os.replace(out + '.tmp', out)
    print('wrote', paths.rel(out))
    bad = sum(h['mismatches'] for r in result['models'].values() for h in r['hops'])
    return 1 if bad else 0


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m h7nn.stream', description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('check', help='stream a model on the host: every hop byte-equal to the full window')
    c.add_argument('model', nargs='?', help='.tflite (default: the stream test models)')
    c.add_argument('hop', nargs='?', type=int, default=1, help='input rows per hop')
    c.add_argument('--hops', type=int, default=100)
    c.set_defaults(fn=cmd_check)
    b = sub.add_parser('bench', help='instructions per hop on the simulated board -> build/bench/h7nn_stream.json')
    b.set_defaults(fn=cmd_bench)
    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except (paths.MissingPart, engine.EngineError) as e:
        print(e, file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
