"""The M7 kernels' assembly loops on the simulated board, bit for bit against TFLite Micro.

The host build runs portable C in place of the hand-scheduled Thumb-2 loops
(h7nn_m7_dot_1x6 and, for fewer than six pixels, h7nn_m7_dot_1col under CONV_2D,
h7nn_m7_dw3x3_plane and h7nn_m7_dw3x3s2_plane under DEPTHWISE_CONV_2D), so only the
firmware runs them. The kernel_check image (firmware/apps/kernel_check) embeds single-op
models whose shapes drive those loops beyond the KWS model's (h7nn.opmodels
KERNEL_CHECK_SPECS: 1x1 convolutions at every k % 16, pixel counts around the six-column
grouping, im2col at depths 1..12 with strides and padding, depthwise rows of 1..9 along
both plane orientations); each model runs INPUTS xorshift32 inputs on the board and every
output's FNV-1a hash must equal TFLite Micro's. Code hooks on the two loops' entry points
record that each model really ran them (with the depth / quads and tail the shape implies),
so a change of dispatch cannot turn this into a test of the C paths.
"""
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from h7nn import board as nn_board
from h7nn import opmodels

INPUTS = int(os.environ.get('H7NN_KERNEL_INPUTS', '20'))
SEED = 1234
CHUNK = 32  # inputs per `check` command (MAX_COUNT in firmware/apps/kernel_check/main.c)
IMAGE = os.path.join(nn_board.TOP, 'build', 'firmware', 'firmware', 'apps', 'kernel_check', 'kernel_check.elf')
NAMES = sorted(opmodels.KERNEL_CHECK_SPECS)
# (mm16) shapes the image also embeds without pre-arranged weights (firmware/apps/kernel_check/SConscript)
INT8_FORMS = ['%s__int8' % n for n in ('pw_k4_px35', 'pw_k8_px6_relu', 'pw_k12_px7_relu6', 'pw_k16_px15',
                                       'pw_k24_px8_bigbias')]


class KernelCheckBoard:
    """The kernel_check image on the simulated board, with entry hooks on the asm loops."""

    def __init__(self, image):
        from unicorn import UC_HOOK_CODE
        from unicorn.arm_const import UC_ARM_REG_R2, UC_ARM_REG_R3
        from h7sim.board import Board
        self.board = Board(image)
        self.current = None
        self.checked = set()
        self.dot_k = {}      # model index -> set of k seen by h7nn_m7_dot_1x6
        self.dw_quads = {}   # model index -> set of (quads, tail) per line seen by h7nn_m7_dw3x3_plane
        self.dw_line1 = {}   # model index -> set of (outputs, weight pairs) seen by h7nn_m7_dw_line1
        self.fc_k = {}       # model index -> set of k seen by h7nn_m7_fc_pairs16
        self.dot8_k = {}     # (mm16) model index -> set of k seen by h7nn_m7_dot_1x6 (int8 weights)
        self.dw_s2 = {}      # model index -> set of (quads, tail) per line seen by h7nn_m7_dw3x3s2_plane
        self.dot1_k = {}     # (hopkern) model index -> set of k_pad seen by h7nn_m7_dot_1col (r2 = 2 k_pad)
        self.dw_lines = set()  # (hopkern2) model indices whose depthwise ran eval_lines (channels last)
        self.dw_time = set()   # model indices whose depthwise ran eval_time (1-D, rows inside the pass)
        uc = self.board.uc

        def on_dot(uc_, address, size, user):
            self.dot_k.setdefault(self.current, set()).add(uc_.reg_read(UC_ARM_REG_R2))

        def on_dw(uc_, address, size, user):
            # the channel's constants (r2): DW_STEP, ..., DW_QUAD_BYTES = quads x 4 x step, DW_TAIL
            words = np.frombuffer(bytes(uc_.mem_read(uc_.reg_read(UC_ARM_REG_R2) + 48, 20)), dtype='<u4')
            step, quad_bytes, tail = int(words[0]), int(words[3]), int(words[4])
            self.dw_quads.setdefault(self.current, set()).add((quad_bytes // (4 * step), tail))

        def on_line1(uc_, address, size, user):
            pairs = int(np.frombuffer(bytes(uc_.mem_read(uc_.reg_read(UC_ARM_REG_R2), 4)), dtype='<u4')[0])
            self.dw_line1.setdefault(self.current, set()).add((uc_.reg_read(UC_ARM_REG_R3), pairs))

        def on_s2(uc_, address, size, user):
            # the channel's constants (r2): S2_STEP, ..., S2_QUAD_BYTES = quads x 4 x step, S2_TAIL
            words = np.frombuffer(bytes(uc_.mem_read(uc_.reg_read(UC_ARM_REG_R2) + 36, 24)), dtype='<u4')
            step, quad_bytes, tail = int(words[0]), int(words[4]), int(words[5])
            self.dw_s2.setdefault(self.current, set()).add((quad_bytes // (4 * step), tail))

        def on_fc(uc_, address, size, user):
            self.fc_k.setdefault(self.current, set()).add(uc_.reg_read(UC_ARM_REG_R2))

        def on_dot8(uc_, address, size, user):
            self.dot8_k.setdefault(self.current, set()).add(uc_.reg_read(UC_ARM_REG_R2))

        def on_lines(uc_, address, size, user):
            self.dw_lines.add(self.current)

        def on_time(uc_, address, size, user):
            self.dw_time.add(self.current)

        def on_dot1(uc_, address, size, user):
            self.dot1_k.setdefault(self.current, set()).add(uc_.reg_read(UC_ARM_REG_R2) // 2)

        # (mm16) the embedded models carry pre-arranged weights: the six-column and pairs loops
        # are their forms on widened weights (h7nn_m7_dot_1x6p, h7nn_m7_fc_pairs16; k in r2)
        for name, hook in (('h7nn_m7_dot_1x6p', on_dot), ('h7nn_m7_dw3x3_plane', on_dw), ('h7nn_m7_dw_line1', on_line1),
                           ('h7nn_m7_fc_pairs16', on_fc), ('h7nn_m7_dot_1x6', on_dot8),
                           ('h7nn_m7_dw3x3s2_plane', on_s2), ('h7nn_m7_dot_1col', on_dot1), ('eval_lines', on_lines),
                           ('eval_time', on_time)):
            address = self.board.symbol(name) & ~1
            uc.hook_add(UC_HOOK_CODE, hook, begin=address, end=address)
        ready = self._wait(lambda e: e.get('event') in ('kc_ready', 'kc_error'), seconds=2)
        assert ready['event'] == 'kc_ready', ready
        self.index = {e['name']: e['index'] for e in self.board.events if e.get('event') == 'kc_model'}
        assert set(INT8_FORMS) <= set(self.index), 'the SConscript\'s INT8_FORMS and this test\'s differ'

    def _wait(self, pred, seconds):
        start = len(self.board.events)
        self.board.run(seconds=seconds, until=lambda b: any(pred(e) for e in b.events[start:]))
        found = [e for e in self.board.events[start:] if pred(e)]
        if not found:
            faults = [{k: v for k, v in f.items() if k != 'uart_tail'} for f in self.board.faults]
            raise RuntimeError('kernel_check: no answer; faults %s; console tail:\n%s'
                               % (faults, '\n'.join(self.board.uart_tail()[-5:])))
        return found[-1]

    def command(self, text, done, seconds=5):
        self.board.uart_write(text + '\n')
        return self._wait(lambda e: e.get('event') in (done, 'kc_error'), seconds)

    def check(self, index, seed, count):
        self.current = index
        self.checked.add(index)
        return self.command('check %d %d %d' % (index, seed, count), 'kc_check')

    def dump(self, index, seed, which):
        start = len(self.board.events)
        end = self.command('dump %d %d %d' % (index, seed, which), 'kc_dump_end')
        assert end['event'] == 'kc_dump_end', end
        parts = [e for e in self.board.events[start:] if e.get('event') == 'kc_dump' and e['model'] == index]
        data = bytes.fromhex(''.join(p['bytes'] for p in sorted(parts, key=lambda p: p['offset'])))
        return np.frombuffer(data, dtype=np.int8)


@pytest.fixture(scope='module')
def kc():
    opmodels.build_kernel_check_all()
    # the test builds the image from the models it made (the default build never reads them)
    env = dict(os.environ, H7NN_KERNEL_CHECK_MODELS=opmodels.KERNEL_CHECK_DIR)
    subprocess.run([sys.executable, '-m', 'SCons', '-Q', 'variant=firmware', os.path.relpath(IMAGE, nn_board.TOP)],
                   cwd=nn_board.TOP, check=True, stdout=subprocess.DEVNULL, env=env)
    return KernelCheckBoard(IMAGE)


def test_image_embeds_every_model(kc):
    assert sorted(kc.index) == sorted(NAMES + INT8_FORMS)


def _fast_requant(model, depthwise):
    """The engine's h7nn_m7_requant_mode() for the model's one op, from the file (sum |w| * 256
    < 2^29 for every channel: doubled accumulators), and whether any channel takes the short
    form (h7nn_m7_short_channel: a zero multiplier, or TFLite's QuantizeMultiplier shift of
    in_scale * w_scale / out_scale in -22..-1 and |bias| < 2^29), and whether every channel
    does (mode 1)."""
    op = model.ops[0]
    t_in, t_w, t_out = (model.tensors[i] for i in (op['inputs'][0], op['inputs'][1], op['outputs'][0]))
    w = np.frombuffer(t_w['data'], dtype=np.int8).reshape(t_w['shape']).astype(np.int64)
    w = w.reshape(-1, w.shape[-1]).T if depthwise else w.reshape(w.shape[0], -1)  # [channel][tap]
    bias = np.zeros(len(w), np.int64)
    if len(op['inputs']) > 2 and op['inputs'][2] >= 0:
        bias = np.frombuffer(model.tensors[op['inputs'][2]]['data'], dtype=np.int32).astype(np.int64)
    short, every = False, True
    for c in range(len(w)):
        w_scale = t_w['scales'][c if len(t_w['scales']) > 1 else 0]
        mantissa, shift = math.frexp(float(t_in['scales'][0]) * float(w_scale) / float(t_out['scales'][0]))
        if math.floor(mantissa * 2.0 ** 31 + 0.5) == 2 ** 31:
            shift += 1
        if np.abs(w[c]).sum() * 256 >= 1 << 29:  # the data part of the doubled sum must fit
            return False, False, False
        # shift < -31: QuantizeMultiplier's zero multiplier (the offset, whatever the sum)
        this = shift < -31 or (-22 <= shift <= -1 and abs(int(bias[c])) < 1 << 29)
        short, every = short or this, every and this
    return True, short, every


def _has_exact_channel(model):
    """A bias of 2^29 or more (h7nn_m7_short_channel: that neuron takes TFLite's arithmetic)."""
    op = model.ops[0]
    if len(op['inputs']) < 3 or op['inputs'][2] < 0:
        return False
    bias = np.frombuffer(model.tensors[op['inputs'][2]]['data'], dtype=np.int32).astype(np.int64)
    return bool(np.any(np.abs(bias) >= 1 << 29))


def _expected_asm(spec, model):
    """What the shape should run: ('dot', k, tail) for the six-column loop, ('pairs', k8,
    channels) for a 1x1 convolution of fewer than six pixels, ('dot1', k) for any other of
    fewer than six (both mode 1 only), ('fc', k8, odd) for the FULLY_CONNECTED pairs loop,
    ('dw', (quads, tail))
    for the depthwise plane loop, ('line1', (outputs, weight pairs)) for the one-line
    stride-1 loop, or None (a C path)."""
    kind, shape, n, kernel, stride, padding, act = spec[:7]
    out = model.tensors[model.outputs[0]]
    fast, short, every = _fast_requant(model, kind == 'depthwise')
    if kind == 'fc':  # the pairs loop: mode 1 (every neuron short), two neurons or more; depth padded to 8n
        k = shape[0]
        symmetric = not any(model.tensors[model.ops[0]['inputs'][1]]['zero_points'])
        return (('fc', (k + 7) // 8 * 8, n % 2) if fast and short and symmetric and n >= 2
                and not _has_exact_channel(model) else None)
    oh, ow = out['shape'][1], out['shape'][2]
    if kind == 'conv':
        k = kernel[0] * kernel[1] * shape[2]
        pointwise = tuple(kernel) == (1, 1) and stride in (1, (1, 1))
        # any depth: im2col pads the columns, prepare the weight rows, to whole groups of 4
        if not fast or (k % 4 != 0 and pointwise):
            return None
        # six pixels or more: the six-column loop; 1-3 pixels past its last whole group take
        # the fewer-than-six-pixels loop too where every channel is short (mode 1)
        tail = oh * ow % 6 if every and oh * ow % 6 <= 3 else 0
        if oh * ow >= 6:
            return ('dot', (k + 3) // 4 * 4, tail)
        # fewer than six pixels in mode 1: a 1x1 op has the pairs record (depth padded to 8n),
        # two channels or more through the pairs loop, an odd last one through the one-column
        # loop; any other filter runs the one-column loop on its six-column record
        if not every:
            return None
        return ('pairs', (k + 7) // 8 * 8, n) if pointwise else ('dot1', (k + 3) // 4 * 4)
    # (hopkern2) one-line stride-1 filters over a 2-D input, four channels or more, one
    # image: prepare hands them eval_lines (eval_few's channels-last passes), any output count
    if (1 in tuple(kernel) and shape[0] > 1 and shape[1] > 1 and shape[2] >= 4 and stride in (1, (1, 1)) and n == 1
            and out['shape'][0] == 1 and kernel[0] * kernel[1] <= 32):
        return ('lines', None)
    # a 1-D input along time (width 1, a 3x1, 4x1 or 5x1 filter at any stride, 4n channels, one
    # image, three outputs per channel or more): eval_time (rows inside the pass, an assembly
    # loop per filter length)
    if (shape[1] == 1 and kernel[1] == 1 and 3 <= kernel[0] <= 5 and n == 1
            and shape[2] % 4 == 0 and out['shape'][0] == 1 and oh > 2):
        return ('time', None)
    # the quad loop also needs the full int8 output range: a fused ReLU whose calibrated
    # output range starts at 0 (zero point -128) clamps nothing, so it runs there too
    zp, scale = out['zero_points'][0], out['scales'][0]
    lo = -128 if act is None else max(-128, zp)
    hi = min(127, zp + int(round(6.0 / scale))) if act == 'relu6' else 127
    if fast and short and tuple(kernel) == (3, 3) and stride in (1, (1, 1)) and n == 1 and (lo, hi) == (-128, 127):
        return ('dw', (max(oh, ow) // 4, max(oh, ow) % 4))
    # (hopkern) any other shape with two outputs per channel or fewer: channels-last C
    # (eval_few), no plane loop
    if tuple(kernel) != (3, 3) or stride not in (1, (1, 1)):
        if n == 1 and out['shape'][0] == 1 and oh * ow <= 2:
            return None
    if fast and short and tuple(kernel) == (3, 3) and stride in (2, (2, 2)) and n == 1 and (lo, hi) == (-128, 127):
        return ('s2', (max(oh, ow) // 4, max(oh, ow) % 4))
    # one filter line over a one-line input (Kx1 along time, 1xK along a row), stride 1,
    # channels widened in pairs
    if (fast and short and 1 in kernel and kernel != (1, 1) and stride in (1, (1, 1)) and n == 1 and shape[2] >= 2
            and (lo, hi) == (-128, 127) and (shape[1] == 1 if kernel[1] == 1 else shape[0] == 1)):
        return ('line1', (oh if kernel[1] == 1 else ow, (max(kernel) + 1) // 2))
    return None


def _first_difference(got, want, shape):
    i = int(np.flatnonzero(got.reshape(-1) != want.reshape(-1))[0])
    where = np.unravel_index(i, tuple(shape))
    return 'output %d at %s: board %d, TFLM %d (%d of %d values differ)' % (
        i, tuple(int(v) for v in where), got.reshape(-1)[i], want.reshape(-1)[i],
        int(np.sum(got.reshape(-1) != want.reshape(-1))), got.size)


@pytest.mark.parametrize('name', NAMES)
def test_bit_exact_on_board(kc, name):
    from h7nn.reference import Reference
    from h7nn.tflite import Model
    data = open(opmodels.kernel_check_path(name), 'rb').read()
    model = Model(data)
    index = kc.index[name]
    t_in = model.tensors[model.inputs[0]]
    t_out = model.tensors[model.outputs[0]]
    ref = Reference(data)
    # runs of at most CHUNK inputs (the firmware's limit per command), seeds SEED, SEED + 1, ...
    for seed, count in ((SEED + i, min(CHUNK, INPUTS - i * CHUNK)) for i in range((INPUTS + CHUNK - 1) // CHUNK)):
        result = kc.check(index, seed, count)
        assert result['event'] == 'kc_check', result
        assert result['arena_used'] == result['arena_planned'], 'build-time arena plan differs from the engine'
        xs = nn_board.xorshift_inputs(seed, count, int(np.prod(t_in['shape'])))
        got_hashes = result['hashes'].split()
        for n, x in enumerate(xs):
            want = ref.run(x.reshape(t_in['shape']))
            if got_hashes[n] != nn_board.fnv1a([want]):
                got = kc.dump(index, seed, n)
                pytest.fail('%s %s: input %d (seed %d): %s' % (name, opmodels.KERNEL_CHECK_SPECS[name], n, seed,
                                                                _first_difference(got, want, t_out['shape'])))
    # (mm16) embedded with pre-arranged weights: never the int8 six-column loop
    assert index not in kc.dot8_k, 'ran h7nn_m7_dot_1x6 (int8 weights) despite its pre-arranged weights'
    # the shape ran the loop it was chosen for
    expect = _expected_asm(opmodels.KERNEL_CHECK_SPECS[name], model)
    assert (index in kc.dw_lines) == (expect is not None and expect[0] == 'lines'), \
        'eval_lines %s' % ('not run' if index not in kc.dw_lines else 'run for a shape it was not chosen for')
    assert (index in kc.dw_time) == (expect is not None and expect[0] == 'time'), \
        'eval_time %s' % ('not run' if index not in kc.dw_time else 'run for a shape it was not chosen for')
    if expect is None or expect[0] in ('lines', 'time'):
        assert (index not in kc.dot_k and index not in kc.dw_quads and index not in kc.dw_line1 and index not in kc.fc_k
                and index not in kc.dw_s2 and index not in kc.dot1_k)
    elif expect[0] == 'dot1':
        assert kc.dot1_k.get(index) == {expect[1]}, 'fewer-than-six-pixels loop not run with k=%d' % expect[1]
        assert index not in kc.dot_k and index not in kc.fc_k
    elif expect[0] == 'pairs':
        k8, n = expect[1], expect[2]
        assert kc.fc_k.get(index) == ({k8} if n >= 2 else None), 'pairs loop %s (k=%d)' % (
            'not run' if n >= 2 else 'run for one channel', k8)
        assert kc.dot1_k.get(index) == ({k8} if n % 2 else None), 'one-column loop %s for the odd channel' % (
            'not run' if n % 2 else 'run without one')
        assert index not in kc.dot_k
    elif expect[0] == 's2':
        assert kc.dw_s2.get(index) == {expect[1]}, 'stride-2 depthwise loop not run with (quads, tail) %s' % (expect[1],)
    elif expect[0] == 'line1':
        assert kc.dw_line1.get(index) == {expect[1]}, 'one-line depthwise loop not run with %s' % (expect[1],)
    elif expect[0] == 'fc':
        assert kc.fc_k.get(index) == {expect[1]}, 'FULLY_CONNECTED pairs loop not run with k=%d' % expect[1]
        assert kc.dot1_k.get(index) == ({expect[1]} if expect[2] else None), \
            'the odd last neuron: one-column loop %s' % ('not run' if expect[2] else 'run')
    elif expect[0] == 'dot':
        assert kc.dot_k.get(index) == {expect[1]}, 'six-column loop not run with k=%d (fast requantization off?)' % expect[1]
        assert kc.dot1_k.get(index) == ({expect[1]} if expect[2] else None), \
            'the %d pixels past the last six-column group: fewer-than-six-pixels loop %s' % (
                expect[2], 'not run' if expect[2] else 'run')
    else:
        assert kc.dw_quads.get(index) == {expect[1]}, 'depthwise plane loop not run with (quads, tail) %s' % (expect[1],)


@pytest.mark.parametrize('name', INT8_FORMS)
def test_int8_weights_without_prearranged_copy(kc, name):
    """(mm16) A model embedded without pre-arranged weights (an image made before them, or a
    budget of 0) runs the int8 six-column loop, bit-exact with TFLite Micro."""
    from h7nn.reference import Reference
    from h7nn.tflite import Model
    base = name[:-len('__int8')]
    data = open(opmodels.kernel_check_path(base), 'rb').read()
    model = Model(data)
    index = kc.index[name]
    t_in = model.tensors[model.inputs[0]]
    result = kc.check(index, SEED, CHUNK)
    assert result['event'] == 'kc_check', result
    ref = Reference(data)
    xs = nn_board.xorshift_inputs(SEED, CHUNK, int(np.prod(t_in['shape'])))
    assert result['hashes'].split() == [nn_board.fnv1a([ref.run(x.reshape(t_in['shape']))]) for x in xs]
    expect = _expected_asm(opmodels.KERNEL_CHECK_SPECS[base], model)
    assert expect[0] == 'dot' and kc.dot8_k.get(index) == {expect[1]} and index not in kc.dot_k


def test_coverage_of_the_loop_entries(kc):
    """Across the models: the six-column loop entered at every step k % 16 picks, the
    fewer-than-six-pixels loop with and without its first 4-weight step, the
    depthwise plane loop with 0, 1 and 2 quads per line and every tail (0..3 outputs), the
    stride-2 loop with 0, 1 and 2 quads and every tail."""
    for index in set(kc.index.values()) - kc.checked:  # when run on its own
        kc.check(index, SEED, 1)
    ks = set().union(*kc.dot_k.values()) if kc.dot_k else set()
    assert {k % 16 for k in ks} == {0, 4, 8, 12}, sorted(ks)
    # (hopkern) the fewer-than-six-pixels loop: entered with and without its 4-weight step
    k1 = set().union(*kc.dot1_k.values()) if kc.dot1_k else set()
    assert {k % 8 for k in k1} == {0, 4}, sorted(k1)
    # (mm16) the pairs loop on pre-arranged weights: entered at each of its four steps
    fks = set().union(*kc.fc_k.values()) if kc.fc_k else set()
    assert {(k // 8) % 4 for k in fks} == {0, 1, 2, 3}, sorted(fks)
    quads = set().union(*kc.dw_quads.values()) if kc.dw_quads else set()
    assert {0, 1, 2} <= {q for q, _ in quads} and {t for _, t in quads} == {0, 1, 2, 3}, sorted(quads)
    s2 = set().union(*kc.dw_s2.values()) if kc.dw_s2 else set()
    assert {0, 1, 2} <= {q for q, _ in s2} and {t for _, t in s2} == {0, 1, 2, 3}, sorted(s2)
