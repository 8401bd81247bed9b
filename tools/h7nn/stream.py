"""Streaming inference of the engine (firmware/engine/h7nn_stream.h) from Python, and its
board benchmark.

  Stream(model_bytes, hop_rows).run(window) -> output   the C streaming code (libh7nn.so)
  python -m h7nn.stream check [MODEL HOP]   every hop byte-equal to the full window
  python -m h7nn.stream bench               instructions per hop, streaming vs full window, on
                                            the simulated board -> build/bench/h7nn_stream.json
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
    cannot stream."""

    def __init__(self, model, hop_rows, optimized=True):
        self.nn = engine.load(model, optimized=optimized)
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


def refusal(model, hop_rows, optimized=True):
    """The engine's one line refusing to stream the model at this hop, or None if it streams."""
    try:
        Stream(model, hop_rows, optimized)
    except engine.EngineError as e:
        return e.message
    return None


def compare(model, hop_rows, hops, seed=0, optimized=True, reset_every=0):
    """Streams `hops` hops of a random int8 feature sequence; returns the hops whose output
    differs from the full-window run (h7nn_invoke of the same window), and the hops run."""
    st = Stream(model, hop_rows, optimized)
    full = engine.load(model, optimized=optimized)
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
        raise SystemExit('%s: %s' % (path, e.strerror))


def cmd_check(args):
    from . import stream_models
    cases = [(args.model, args.hop)] if args.model else [(stream_models.build(n), stream_models.hop_rows(n))
                                                         for n in stream_models.names()]
    bad_any = False
    for path, hop in cases:
        data = _read(path)
        why = refusal(data, hop)
        if why:
            print('%s: cannot stream at a %d-row hop: %s' % (paths.rel(path), hop, why))
            bad_any = True
            continue
        for optimized in (True, False):
            bad, n = compare(data, hop, args.hops, optimized=optimized)
            print('%s, hop %d rows, %s kernels: %d hops, %s' % (paths.rel(path), hop, 'M7' if optimized else 'reference',
                                                               n, 'every output byte-equal to the full window'
                                                               if not bad else 'MISMATCH at hops %s' % bad[:10]))
            bad_any |= bool(bad)
    return 1 if bad_any else 0


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m h7nn.stream', description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('check', help='stream a model on the host: every hop byte-equal to the full window')
    c.add_argument('model', nargs='?', help='.tflite (default: the stream test models)')
    c.add_argument('hop', nargs='?', type=int, default=1, help='input rows per hop')
    c.add_argument('--hops', type=int, default=100)
    c.set_defaults(fn=cmd_check)
    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except (paths.MissingPart, engine.EngineError) as e:
        print(e, file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
