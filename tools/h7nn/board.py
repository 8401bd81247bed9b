"""nn_bench on the simulated board (tools/h7sim): per-op DWT instruction counts and the
on-board bit-exactness check against TFLite Micro on the host."""
import os

import numpy as np

from h7voice import paths

TOP = paths.TOP
IMAGE = paths.app_image('nn_bench')
KWS = os.path.join(paths.SHARED, 'models', 'mlperf_tiny_kws_ref_model.tflite')


def xorshift_inputs(seed, count, size):
    """The firmware's inputs: bytes = top 8 bits of successive xorshift32 values."""
    state = seed or 1
    out = np.empty((count, size), dtype=np.int8)
    for n in range(count):
        for i in range(size):
            state ^= (state << 13) & 0xFFFFFFFF
            state ^= state >> 17
            state ^= (state << 5) & 0xFFFFFFFF
            out[n, i] = np.int8(np.uint8(state >> 24))
    return out


def fnv1a(chunks):
    h = 2166136261
    for chunk in chunks:
        for b in np.asarray(chunk).astype(np.int8).view(np.uint8).reshape(-1):
            h = ((h ^ int(b)) * 16777619) & 0xFFFFFFFF
    return '%08x' % h


def expected_hash(model_bytes, seed, count):
    from h7nn.reference import Reference
    from h7nn.tflite import Model
    m = Model(model_bytes)
    t = m.tensors[m.inputs[0]]
    ref = Reference(model_bytes)
    xs = xorshift_inputs(seed, count, int(np.prod(t['shape'])))
    return fnv1a(ref.run(x.reshape(t['shape'])) for x in xs)


class BenchBoard:
    """The nn_bench image booted on the simulated board."""

    def __init__(self, image=IMAGE):
        if not os.path.exists(image):
            raise FileNotFoundError('%s is missing: build it with  scons variant=firmware (needs %s)' % (image, KWS))
        from h7sim.board import Board
        self.board = Board(image)
        self._wait(lambda ev: ev.get('event') == 'nn_check' or ev.get('event') == 'nn_error', seconds=10)

    def _wait(self, pred, seconds):
        start = len(self.board.events)
        self.board.run(seconds=seconds, until=lambda b: any(pred(e) for e in b.events[start:]))
        found = [e for e in self.board.events[start:] if pred(e)]
        if not found:
            raise RuntimeError('nn_bench: no answer; console tail:\n' + '\n'.join(self.board.uart_tail()))
        return found[-1]

    def events(self, name):
        return [e for e in self.board.events if e.get('event') == name]

    def check(self, seed, count, seconds_each=0.05):
        """COUNT inputs from SEED on the board; seconds_each: simulated seconds one inference
        may take (large models: their instructions at 480 MHz, with room)."""
        self.board.uart_write('check %d %d\n' % (seed, count))
        return self._wait(lambda e: e.get('event') in ('nn_check', 'nn_error') and e.get('seed', seed) == seed,
                          seconds=1 + count * seconds_each)
