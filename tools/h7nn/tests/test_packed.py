"""(mm16, issue 18) Weights pre-arranged at embed time (h7nn_packed_export / h7nn_use_packed,
firmware/engine/kernels/m7/packed_common.c): the M7 kernels' packed forms are bit-exact with
TFLite Micro and with the int8 path, they read the packed words (not the model's weights),
and a record that does not belong to the model is refused with one line. The board runs the
same records through the hand-scheduled loops (test_board_kernels.py, h7voice bench)."""
import os

import numpy as np
import pytest

from h7nn import engine
from h7voice import paths

AD_MODEL = os.path.join(paths.SHARED, 'models', 'mlperf_tiny_ad01_int8.tflite')
HEADER = 5  # magic, version, words, model bytes, op count (h7nn_m7_common.h)
REC = 3     # kind, rows, depth


def _packed_and_plan(data):
    nn = engine.load(data, optimized=True)
    return nn.plan_words(), nn.packed_words()


def _records(words, ops):
    """{op index: record word index} of a packed export."""
    return {i: int(words[HEADER + i]) for i in range(ops) if words[HEADER + i]}


@pytest.fixture(scope='module')
def kws(host_library, kws_bytes):
    plan, packed = _packed_and_plan(kws_bytes)
    return kws_bytes, plan, packed


def test_format_and_records(kws):
    data, plan, packed = kws
    assert packed[0] == 0x57503748 and packed[1] == 1 and packed[2] == len(packed)
    assert packed[3] == len(data)
    nn = engine.load(data, optimized=True)
    ops = nn.ops()
    recs = _records(packed, len(ops))
    # every CONV_2D of the KWS model runs the six-column loop: one record each (kind 2), and
    # the 12-neuron FULLY_CONNECTED (kind 1); depthwise and the rest take none
    assert sorted(recs) == [i for i, op in enumerate(ops) if op in ('CONV_2D', 'FULLY_CONNECTED')]
    for i, at in recs.items():
        kind, rows, depth = (int(v) for v in packed[at:at + REC])
        assert kind == (2 if ops[i] == 'CONV_2D' else 1)
        assert depth % (4 if kind == 2 else 8) == 0
    # the reference kernels take none
    ref = engine.load(data, optimized=False)
    assert not _records(ref.packed_words(), len(ops))


def _outputs(nn, xs):
    out = []
    for x in xs:
        r = nn.run(x)
        r = r if isinstance(r, (list, tuple)) else [r]
        out.append(np.concatenate([np.asarray(o).reshape(-1) for o in r]))
    return out


def _assert_both_are_tflm(data, engines, seed, count):
    """Every engine of `engines` gives TFLite Micro's outputs on `count` random inputs."""
    from h7nn.reference import Reference
    from h7nn.tflite import Model
    model = Model(data)
    shape = tuple(model.tensors[model.inputs[0]]['shape'])
    rng = np.random.default_rng(seed)
    xs = [rng.integers(-128, 128, size=shape, dtype=np.int8) for _ in range(count)]
    ref = Reference(data)
    outs = [_outputs(nn, xs) for nn in engines]
    for k, x in enumerate(xs):
        want = np.asarray(ref.run(x)).reshape(-1)
        assert all(np.array_equal(o[k], want) for o in outs)


@pytest.mark.parametrize('which', ['kws', 'ad'])
def test_packed_bit_exact_with_tflm(host_library, kws_bytes, which):
    data = kws_bytes if which == 'kws' else open(AD_MODEL, 'rb').read()
    plan, packed = _packed_and_plan(data)
    nn = engine.load(data, optimized=True, plan=plan, packed=packed)
    plain = engine.load(data, optimized=True, plan=plan)   # an old-format image: no packed words
    _assert_both_are_tflm(data, [nn, plain], seed=18, count=8)


def test_kernels_read_the_packed_words(kws):
    """Changed weight words in a record change the outputs: the packed form is what runs."""
    data, plan, packed = kws
    from h7nn.tflite import Model
    model = Model(data)
    shape = tuple(model.tensors[model.inputs[0]]['shape'])
    rng = np.random.default_rng(3)
    xs = [rng.integers(-128, 128, size=shape, dtype=np.int8) for _ in range(2)]
    want = _outputs(engine.load(data, optimized=True, plan=plan, packed=packed), xs)
    ops = engine.load(data, optimized=True).ops()
    for i, at in _records(packed, len(ops)).items():
        kind, rows, depth = (int(v) for v in packed[at:at + REC])
        changed = packed.copy()
        if kind == 2:   # per channel: 2 * bias, depth / 2 weight words, 3 constants
            step = depth // 2 + 4
            for c in range(rows):
                changed[at + REC + c * step + 1:at + REC + c * step + 1 + depth // 2] ^= 0x00400040
        else:           # per pair: two 2 * bias, depth weight words, 6 constants
            step = depth + 8
            for p in range(rows // 2):
                changed[at + REC + p * step + 2:at + REC + p * step + 2 + depth] ^= 0x00400040
        got = _outputs(engine.load(data, optimized=True, plan=plan, packed=changed), xs)
        assert any(not np.array_equal(g, w) for g, w in zip(got, want)), \
            'op %d %s: outputs unchanged with its packed weights changed' % (i, ops[i])


def _refusal(data, plan, words):
    with pytest.raises(engine.EngineError) as e:
        engine.load(data, optimized=True, plan=plan, packed=words)
    return e.value.message


def test_bad_records_are_refused(kws):
    data, plan, packed = kws
    ops = engine.load(data, optimized=True).ops()
    recs = _records(packed, len(ops))
    conv = min(i for i in recs if ops[i] == 'CONV_2D')
    newer = packed.copy()
    newer[1] = 2
    assert 'packed: not version 1 pre-arranged weights of this model' in _refusal(data, plan, newer)
    other = packed.copy()
    other[3] += 4
    assert 'packed: not version 1 pre-arranged weights of this model' in _refusal(data, plan, other)
    assert 'packed: not version 1' in _refusal(data, plan, packed[:-1])   # word count differs
    rows = packed.copy()
    rows[recs[conv] + 1] += 1
    assert 'does not fit this op' in _refusal(data, plan, rows)
    outside = packed.copy()
    outside[HEADER + conv] = len(packed) - 2
    assert 'does not fit this op' in _refusal(data, plan, outside)
    # a channel's constants (its right shift, the record's last word) are checked against the op's
    shift = packed.copy()
    shift[recs[conv + 2] - 1 if conv + 2 in recs else len(packed) - 1] += 1
    message = _refusal(data, plan, shift)
    assert "record's channel constants are not this op's" in message, message
    # a record on an op whose kernel takes none is never read; with none at all the model runs
    engine.load(data, optimized=True, plan=plan, packed=None)


def test_embed_writes_packed_words(host_library, kws_bytes, tmp_path, monkeypatch):
    from h7nn import embed as embed_mod
    model = tmp_path / 'kws.tflite'
    model.write_bytes(kws_bytes)
    info = embed_mod.embed(str(model), str(tmp_path / 'out'), 'kws')
    source = (tmp_path / 'out' / 'kws_model.c').read_text()
    assert 'static const uint32_t packed[%d] = {' % (info['packed_bytes'] // 4) in source
    assert 'plan, sizeof plan / sizeof plan[0], H7NN_PACKED_WORDS_, H7NN_CHECKED_WORDS_};' in source
    # within a flash budget: the records with the most MACs per byte (the 1x1 layers first)
    info = embed_mod.embed(str(model), str(tmp_path / 'out3'), 'kws', prearrange_bytes=20000)
    assert 0 < info['packed_bytes'] <= 20000
    nn = engine.load(kws_bytes, optimized=True)
    some = nn.packed_words(ops=[2, 4])
    assert info['packed_bytes'] == 4 * len(some)   # two of the four 1x1 layers (9,228 bytes each)
    source = (tmp_path / 'out3' / 'kws_model.c').read_text()
    assert '&H7NN_KERNEL_M7(conv_2d),' in source   # convolutions without a record: the kernel with the int8 loop
    assert embed_mod.embed(str(model), str(tmp_path / 'out4'), 'kws', prearrange_bytes=0)['packed_bytes'] == 0
    # a model too large for a copy beside it (QSPI-sized) is embedded without one
    monkeypatch.setattr(embed_mod, 'PREARRANGE_MAX_BYTES', len(kws_bytes))
    info = embed_mod.embed(str(model), str(tmp_path / 'out2'), 'kws')
    source = (tmp_path / 'out2' / 'kws_model.c').read_text()
    assert info['packed_bytes'] == 0 and '#define H7NN_PACKED_WORDS_ NULL, 0' in source


def test_kernel_check_shapes_on_the_host(host_library):
    """Every kernel_check shape (the M7 loops' edge cases, test_board_kernels.py) through the
    host's C forms of the packed loops: the same outputs as the int8 path, record or not."""
    from h7nn import opmodels
    from h7nn.tflite import Model
    opmodels.build_kernel_check_all()
    packed_ops = 0
    for name in sorted(opmodels.KERNEL_CHECK_SPECS):
        data = open(opmodels.kernel_check_path(name), 'rb').read()
        plan, packed = _packed_and_plan(data)
        packed_ops += len(_records(packed, 1))
        model = Model(data)
        shape = tuple(model.tensors[model.inputs[0]]['shape'])
        rng = np.random.default_rng(7)
        xs = [rng.integers(-128, 128, size=shape, dtype=np.int8) for _ in range(3)]
        a = _outputs(engine.load(data, optimized=True, plan=plan, packed=packed), xs)
        b = _outputs(engine.load(data, optimized=True, plan=plan), xs)
        assert all(np.array_equal(x, y) for x, y in zip(a, b)), name
    assert packed_ops >= 40, packed_ops   # most shapes take a record (the rest: depthwise, C paths)


def test_constant_channels_skip_their_sums(host_library):
    """VWW's dead channels (bias 2^30, scale ratios under 2^-22) give one output whatever the
    input: their records say so (h7nn_m7_constant_output) and the runner writes the value; the
    outputs stay TFLM's."""
    from h7nn.reference import Reference
    from h7nn.tflite import Model
    data = open(os.path.join(paths.SHARED, 'models', 'mlperf_tiny_vww_96_int8.tflite'), 'rb').read()
    plan, packed = _packed_and_plan(data)
    ops = engine.load(data, optimized=True).ops()
    constant = 0
    for i, at in _records(packed, len(ops)).items():
        kind, rows, depth = (int(v) for v in packed[at:at + REC])
        if kind == 2:
            step = depth // 2 + 4
            constant += sum(int(packed[at + REC + (c + 1) * step - 1]) == 0xFFFFFFFF for c in range(rows))
    # layers 10-26; 20 more dead channels have a zero multiplier and stay in the short form
    assert constant == 951, constant
    model = Model(data)
    x = np.random.default_rng(5).integers(-128, 128, size=tuple(model.tensors[model.inputs[0]]['shape']),
                                          dtype=np.int8)
    got = _outputs(engine.load(data, optimized=True, plan=plan, packed=packed), [x])[0]
    assert np.array_equal(got, np.asarray(Reference(data).run(x)).reshape(-1))


def test_an_op_on_its_record_keeps_no_padded_weights(host_library):
    """kws_stream's first layer (11x1 over 10 MFCCs: depth 110) runs in mode 1 on its record,
    so prepare keeps no copy of its weights padded to 112 (96 x 112 = 10,752 bytes of arena
    and ~52 k setup instructions on the board); without a record the int8 loops need the
    copy. Same outputs both ways, as TFLM's; the record re-exports unchanged."""
    data = open(os.path.join(paths.TOP, 'models', 'kws_stream.tflite'), 'rb').read()
    plan, packed = _packed_and_plan(data)
    ops = engine.load(data, optimized=True).ops()
    first = _records(packed, len(ops))[min(_records(packed, len(ops)))]
    assert [int(v) for v in packed[first:first + REC]] == [2, 96, 112]   # six-column record, depth 110 -> 112
    with_records = engine.load(data, optimized=True, plan=plan, packed=packed)
    without = engine.load(data, optimized=True, plan=plan)
    assert without.arena_used - with_records.arena_used == 96 * 112
    assert (with_records.packed_words() == packed).all()   # packed from the model's unpadded rows
    _assert_both_are_tflm(data, [with_records, without], seed=110, count=4)
