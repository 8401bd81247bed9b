"""`python -m h7nn embed MODEL.tflite -o DIR --name NAME`: the model as C for the firmware,
one record generated once, here, for every app that embeds a model.

Writes DIR/NAME_model.c and DIR/NAME_model.h:
  - the model bytes, 16-byte aligned, in flash (const), and their CRC-32 (checked at boot:
    h7nn_model_verify_crc);
  - the op resolver with exactly the kernels the model uses (from the engine's op list,
    firmware/engine/h7nn_ops.def; kernels= picks M7 or reference builds);
  - the engine's plan (the host build of the same C code: its planner and prepare steps,
    h7nn_plan_export): arena offsets of every activation and scratch buffer and the ops'
    requantization constants, handed to the board's h7nn_allocate through the resolver,
    which checks it instead of computing it (setup in a few ten thousand instructions);
  - (setup, issue 18) the record of h7nn_init's checks (h7nn_checked_make, per kernel build):
    what they found and the positions of the model bytes they read, under a digest over those
    bytes, the record and the plan, so that the board's h7nn_init takes the results instead of
    walking the flatbuffer and h7nn_allocate takes the plan without checking it again;
  - the arena size: the host engine allocated with that plan (h7nn_arena_layout), written
    as H7NN_ARENA_BYTES(...) so that the firmware compiler evaluates it with the target's
    pointer and struct sizes;
  - from the model's metadata JSON (NAME.json beside the model, else models/<stem>.json):
    labels, the front-end configuration's name, and the input scale and zero point (checked
    against the model's own).

Before anything is written the host engine verifies the model exactly as the board's
h7nn_init/h7nn_allocate will (both kernel builds): what the board would refuse stops here,
with the engine's message.
"""
import ctypes
import json
import os

from h7nn import engine, oplist
from h7nn.tflite import TYPE_NAMES, Model, ModelError
from h7voice import paths

BOARD_RAM = 1 << 20   # the STM32H743's SRAM in all (AXI 512 KB + SRAM1-4 + DTCM): no arena can be larger


class EmbedError(Exception):
    pass


def depthwise_3x3_only(data):
    """True when the model has DEPTHWISE_CONV_2D ops and each has the shape of the M7 kernel's
    assembly path (3x3 filter, stride 1, dilation 1, multiplier 1): its resolver then names
    the kernel without the other shapes' code. That kernel refuses any other shape at prepare
    (it links no reference depthwise kernel), so a wrong answer here fails loudly, never
    silently."""
    try:
        m = Model(data)
    except ModelError:  # the engine accepted it before this runs; keep the full kernel if ours cannot read it
        return False
    found = False
    for op in m.ops:
        if op['name'] != 'DEPTHWISE_CONV_2D':
            continue
        o = op['options']
        if o is None or len(op['inputs']) < 2 or list(m.tensors[op['inputs'][1]]['shape'][1:3]) != [3, 3]:
            return False
        # DepthwiseConv2DOptions: stride_w 1, stride_h 2, depth_multiplier 3, dilation_w 5, dilation_h 6
        if any(o.scalar(f, 'i', 1) != 1 for f in (1, 2, 3, 5, 6)):
            return False
        found = True
    return found


def _c_ident(name):
    out = ''.join(c if c.isalnum() else '_' for c in name)
    if not out or out[0].isdigit():
        out = 'm_' + out
    return out


def _write(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def metadata_path(model_path):
    """The model's metadata JSON: beside the model, else models/<stem>.json (for models kept
    outside the repository, such as ../shared's), else None."""
    beside = os.path.splitext(model_path)[0] + '.json'
    if os.path.exists(beside):
        return beside
    repo = os.path.join(paths.MODELS, os.path.splitext(os.path.basename(model_path))[0] + '.json')
    return repo if os.path.exists(repo) else None


def metadata_for(model_path):
    """(path, dict) of the model's metadata, (None, None) without one."""
    meta_path = metadata_path(model_path)
    if meta_path is None:
        return None, None
    try:
        with open(meta_path) as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        raise EmbedError('%s: not valid JSON (%s)' % (meta_path, e)) from None
    if not isinstance(meta, dict):
        raise EmbedError('%s: not a JSON object' % meta_path)
    return meta_path, meta


def record_of(model_path):
    """labels and front-end name from the model's metadata (the app's record)."""
    meta_path, meta = metadata_for(model_path)
    meta = meta or {}
    labels = meta.get('labels') or []
    frontend = meta.get('frontend') or meta.get('frontend_config') or ''
    if isinstance(frontend, dict):
        frontend = frontend.get('name', '')
    if not isinstance(labels, list) or not isinstance(frontend, str):
        raise EmbedError('%s: "labels" must be a list and "frontend" a name or an object with "name"' % meta_path)
    return meta_path, [str(x) for x in labels], frontend


def read_model(model_path):
    try:
        with open(model_path, 'rb') as f:
            return f.read()
    except OSError as e:
        raise EmbedError('cannot read %s: %s' % (model_path, e.strerror)) from None


def verify(model_path, data=None):
    """The engine's verdict on the model (both kernel builds), as the board gives it:
    {'m7': Interpreter, 'reference': Interpreter}, or EmbedError with the engine's message."""
    data = read_model(model_path) if data is None else data
    try:
        return engine.verify(data)
    except engine.EngineError as e:
        raise EmbedError('%s: the engine refuses it (%s): %s' % (model_path, e.args[0].split(':')[0], e.message)) \
            from None


def planned(model_path, data, accepted):
    """The engine's plan of the model per kernel build (its own planner and prepare steps, run
    here on the host; h7nn_plan_export), and the model allocated with that plan exactly as the
    board will (the firmware's arena is that run's): ({kernels: words}, {kernels: engine.plan})."""
    plan_words, plans = {}, {}
    for k, nn in accepted.items():
        words = nn.plan_words()
        try:
            with_plan = engine.load(data, optimized=(k == 'm7'), plan=words)
        except engine.EngineError as e:
            raise EmbedError('%s: the engine refuses its own plan (%s kernels): %s' % (model_path, k, e.message)) \
                from None
        if not (with_plan.plan_words() == words).all():
            raise EmbedError('%s: the plan changed when allocated with itself (%s kernels): engine bug' % (model_path, k))
        plan_words[k] = words
        plans[k] = engine.plan(with_plan)
    return plan_words, plans


# (mm16) The pre-arranged copy doubles the weights' flash: only models that fit in half the
# internal flash with it get one. Larger ones (weights that may stream from the QSPI flash,
# firmware/apps/qspi_bench, which a copy in internal flash would bypass) keep the int8 path.
PREARRANGE_MAX_BYTES = 1024 * 1024


def _ops_with_records(nn):
    """The op indices whose M7 kernels take pre-arranged weights (h7nn_packed_export_ops)."""
    header = len(nn.packed_words(ops=[]))
    return [i for i in range(len(nn.ops())) if len(nn.packed_words(ops=[i])) > header]


def _within_budget(data, nn, budget):
    """The ops whose records fit in `budget` bytes, the most MACs per record byte first (a 1x1
    convolution's weights serve every pixel; a FULLY_CONNECTED's one MAC each)."""
    from h7nn.bench import macs
    model = Model(data)
    header = len(nn.packed_words(ops=[]))
    cost = {}
    for i in range(len(model.ops)):
        extra = 4 * (len(nn.packed_words(ops=[i])) - header)
        if extra:
            cost[i] = extra
    chosen, spent = [], 4 * header
    for i in sorted(cost, key=lambda i: (-macs(model, model.ops[i]) / cost[i], i)):
        if spent + cost[i] <= budget:
            chosen.append(i)
            spent += cost[i]
    return sorted(chosen)


def checked_records(model_path, data, plan_words):
    """(setup, issue 18) The record of h7nn_init's checks per kernel build (h7nn_checked_make:
    the checks run in full on the host with the plan, then their results, the model bytes they
    read and the plan under one digest; the engine checks that h7nn_init takes it back):
    {kernels: uint32 words}."""
    import numpy as np
    lib = engine.library()
    make = lib.h7nn_checked_make
    make.restype = ctypes.c_size_t
    make.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                     ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
    lib.h7nn_all_ops_resolver.restype = ctypes.c_void_p
    # the model 16-byte aligned, as the firmware places it (positions are relative to its start)
    buf = ctypes.create_string_buffer(len(data) + 16)
    model = (ctypes.addressof(buf) + 15) & ~15
    ctypes.memmove(model, bytes(data), len(data))
    arena_bytes = 4 << 20
    arena = ctypes.create_string_buffer(arena_bytes + 16)
    arena_addr = (ctypes.addressof(arena) + 15) & ~15
    error = ctypes.create_string_buffer(128)
    records = {}
    for k, words in plan_words.items():
        resolver = lib.h7nn_all_ops_resolver(1 if k == 'm7' else 0)
        plan = np.ascontiguousarray(words, dtype=np.uint32)
        args = (model, len(data), resolver, plan.ctypes.data, plan.size, arena_addr, arena_bytes)
        n = make(*args, None, 0, error)
        out = np.zeros(max(n, 1), dtype=np.uint32)
        if n == 0 or make(*args, out.ctypes.data, n, error) != n:
            raise EmbedError('%s: no record of the engine\'s checks (%s kernels): %s'
                             % (model_path, k, error.value.decode(errors='replace')))
        records[k] = out
    return records


def prearranged(model_path, data, accepted, plan_words, budget=None):
    """(mm16, issue 18) The weights the M7 kernels take pre-arranged (h7nn_packed_export of the
    host engine: int16 pairs in SMLAD order), checked the way the board will take them: the
    engine allocated with the plan and these words accepts them and exports them unchanged.
    With `budget` (bytes), records only for the ops that fit in it (_within_budget). Returns
    (words, the ops with a record, engine.plan of the engine that took them: the board's arena,
    in which an op running on its record keeps no padded copy of its weights); (None, [], None)
    when there are none, or the model and the copy would not fit in PREARRANGE_MAX_BYTES."""
    nn = accepted['m7']
    ops = _ops_with_records(nn) if budget is None else _within_budget(data, nn, budget)
    if not ops:
        return None, [], None
    words = nn.packed_words(ops=ops)
    if len(data) + 4 * len(words) > PREARRANGE_MAX_BYTES:
        return None, [], None
    try:
        again = engine.load(data, optimized=True, plan=plan_words['m7'], packed=words)
    except engine.EngineError as e:
        raise EmbedError('%s: the engine refuses its own pre-arranged weights: %s' % (model_path, e.message)) from None
    if not (again.packed_words(ops=ops) == words).all():
        raise EmbedError('%s: the pre-arranged weights changed when allocated with themselves: engine bug' % model_path)
    if not (again.plan_words() == plan_words['m7']).all():
        raise EmbedError('%s: the plan changed when allocated with the pre-arranged weights: engine bug' % model_path)
    return words, ops, engine.plan(again)


def board_plans(model_path, data, accepted, prearrange_bytes=None):
    """The plan words, each kernel build's engine.plan as the firmware will run it, and the
    pre-arranged weights: (plan_words, plans, packed_words, packed_ops). The m7 plan is the
    run with the records (an op on its record keeps no padded copy of its weights)."""
    plan_words, plans = planned(model_path, data, accepted)
    packed_words, packed_ops, packed_plan = prearranged(model_path, data, accepted, plan_words, prearrange_bytes)
    if packed_plan:
        plans['m7'] = packed_plan
    return plan_words, plans, packed_words, packed_ops


def embed(model_path, out_dir, name='model', prearrange_bytes=None):
    """Writes out_dir/<name>_model.{c,h} (the model's one record, see the module's text);
    prearrange_bytes: the flash the pre-arranged weights may take (None: a record for every op
    whose M7 kernel takes one; a number: the ops with the most MACs per byte within it)."""
    ident = _c_ident(name)
    upper = ident.upper()
    data = read_model(model_path)
    accepted = verify(model_path, data)
    plan_words, plans, packed_words, packed_ops = board_plans(model_path, data, accepted, prearrange_bytes)  # (mm16)
    checked = checked_records(model_path, data, plan_words) if len(data) % 4 == 0 else None  # (setup)
    # (mm16) every CONV_2D that takes a record has one: the kernel without the int8 six-column loop
    conv_records = [i for i in _ops_with_records(accepted['m7']) if accepted['m7'].ops()[i] == 'CONV_2D']
    conv_packed = bool(conv_records) and set(conv_records) <= set(packed_ops)
    for k, p in plans.items():
        if p['arena_used'] > BOARD_RAM:
            raise EmbedError('%s: needs %d bytes of arena (%s kernels); the STM32H743 has %d bytes of RAM'
                             % (model_path, p['arena_used'], k, BOARD_RAM))
    # everything below comes from the engine that accepted the model (no second reader)
    nn = accepted['m7']
    op_names = nn.ops()
    inp = nn.input_details(0)
    out = nn.output_details(0)
    in_scale, in_zp = float(inp['scale']), int(inp['zero_point'])
    meta_path, labels, frontend = record_of(model_path)
    _, meta = metadata_for(model_path)
    if meta:
        mi = meta.get('input') or {}
        if not isinstance(mi, dict):
            raise EmbedError('%s: "input" must be an object' % meta_path)
        try:
            if 'scale' in mi and abs(float(mi['scale']) - in_scale) > 1e-6 * max(1.0, abs(in_scale)):
                raise EmbedError('%s: input scale %r differs from the model\'s %r' % (meta_path, mi['scale'], in_scale))
            if 'zero_point' in mi and int(mi['zero_point']) != in_zp:
                raise EmbedError('%s: input zero point %r differs from the model\'s %r'
                                 % (meta_path, mi['zero_point'], in_zp))
        except (TypeError, ValueError):
            raise EmbedError('%s: input scale/zero point are not numbers' % meta_path) from None
        n_out = 1
        for d in out['shape']:
            n_out *= d
        if labels and len(labels) != n_out:
            raise EmbedError('%s: %d labels for %d model outputs' % (meta_path, len(labels), n_out))
    ops = sorted(set(op_names))
    crc = engine.crc32(data)
    src = os.path.basename(model_path)
    stem = os.path.splitext(src)[0]

    def arena(k, activations=True):
        lay = plans[k]['layout']
        return 'H7NN_ARENA_BYTES(%du, %du, %du, %du, %du)' % (
            lay['activations'] if activations else 0, lay['constants'], lay['pointers'], lay['tensors'], lay['ops'])
    header = [
        '/* Generated by `python -m h7nn embed` from %s (crc32 %08x): do not edit. */' % (src, crc),
        '#ifndef H7NN_%s_MODEL_H' % upper,
        '#define H7NN_%s_MODEL_H' % upper,
        '',
        '#include <stddef.h>',
        '#include <stdint.h>',
        '',
        '#include "engine/h7nn.h"',
        '',
        '#define H7NN_%s_NAME %s' % (upper, json.dumps(stem)),
        '#define H7NN_%s_MODEL_BYTES %du' % (upper, len(data)),
        '/* CRC-32 of the model bytes: h7nn_model_verify_crc() checks the flash copy at boot. */',
        '#define H7NN_%s_MODEL_CRC32 0x%08xu' % (upper, crc),
        '/* Arena bytes h7nn_allocate() will use: the engine\'s own plan (its host build ran at',
        ' * embed time), with this target\'s pointer and struct sizes; h7nn_arena_used() agrees. */',
        '#ifdef H7NN_REFERENCE_KERNELS',
        '#define H7NN_%s_ARENA_BYTES %s' % (upper, arena('reference')),
        '#else',
        '#define H7NN_%s_ARENA_BYTES %s' % (upper, arena('m7')),
        '#endif',
        '#define H7NN_%s_OP_COUNT %d' % (upper, len(op_names)),
        '/* Tensor count and the arena\'s persistent part (no activations): with H7NN_INIT_KEEP_BYTES',
        ' * (engine/h7nn_internal.h), the arena in which setup reads the model\'s tensors once. */',
        '#define H7NN_%s_TENSOR_COUNT %du' % (upper, plans['m7']['layout']['tensors']),
        '#ifdef H7NN_REFERENCE_KERNELS',
        '#define H7NN_%s_PERSISTENT_BYTES %s' % (upper, arena('reference', activations=False)),
        '#else',
        '#define H7NN_%s_PERSISTENT_BYTES %s' % (upper, arena('m7', activations=False)),
        '#endif',
        '/* ops: %s */' % ', '.join(ops),
        '#define H7NN_%s_INPUT_TYPE "%s"' % (upper, TYPE_NAMES.get(inp['type'], '?')),
        '#define H7NN_%s_INPUT_SCALE %.9gf' % (upper, in_scale),
        '#define H7NN_%s_INPUT_ZERO_POINT %d' % (upper, in_zp),
        '#define H7NN_%s_LABEL_COUNT %d' % (upper, len(labels)),
        '/* the front-end configuration the model was trained on (firmware/frontend/configs/<name>.json) */',
        '#define H7NN_%s_FRONTEND %s' % (upper, json.dumps(frontend)),
        '',
        'extern const uint8_t h7nn_%s_model_data[H7NN_%s_MODEL_BYTES];' % (ident, upper),
        'extern const h7nn_resolver h7nn_%s_resolver;' % ident,
        'extern const char *const h7nn_%s_labels[%d];' % (ident, max(1, len(labels))),
        '',
        '#endif',
        '',
    ]
    rows = ['    ' + ', '.join('0x%02x' % b for b in data[i:i + 16]) + ',' for i in range(0, len(data), 16)]
    dw_3x3 = depthwise_3x3_only(data)
    kernels = ['    %s,' % ('&H7NN_KERNEL_M7(depthwise_conv_2d_3x3)' if op == 'DEPTHWISE_CONV_2D' and dw_3x3
                            else '&H7NN_KERNEL_M7(conv_2d_packed)' if op == 'CONV_2D' and conv_packed
                            else oplist.kernel_expr(op)) for op in ops]

    def plan_rows(words):
        return ['    ' + ', '.join('0x%08xu' % int(w) for w in words[i:i + 8]) + ',' for i in range(0, len(words), 8)]

    def checked_rows(k):
        if checked is None:
            return ['/* (setup) No record of h7nn_init\'s checks (a model of 4n + 1..3 bytes): the board runs them. */',
                    '#define H7NN_CHECKED_WORDS_ NULL, 0']
        return ['/* (setup, issue 18) The record of h7nn_init\'s checks of this model with this plan',
                ' * (h7nn_checked_make on the host; its digest covers it, the model bytes the checks read',
                ' * and the plan): h7nn_init takes their results from it, h7nn_allocate the plan. */',
                'static const uint32_t checked[%d] = {' % len(checked[k]),
                *plan_rows(checked[k]),
                '};',
                '#define H7NN_CHECKED_WORDS_ checked, sizeof checked / sizeof checked[0]']
    label_items = ', '.join(json.dumps(lb) for lb in labels) if labels else '""'
    source = [
        '/* Generated by `python -m h7nn embed` from %s (crc32 %08x): do not edit. */' % (src, crc),
        '#include "%s_model.h"' % ident,
        '#include "engine/kernels/h7nn_kernels.h"',
        '',
        '/* 16-byte aligned so that the model\'s weights keep the alignment the converter gave them. */',
        'const uint8_t h7nn_%s_model_data[H7NN_%s_MODEL_BYTES] __attribute__((aligned(16))) = {' % (ident, upper),
        *rows,
        '};',
        '',
        *([] if not dw_3x3 else [
            '/* Every depthwise op of this model has the 3x3 stride-1 shape: the M7 kernel without its',
            ' * other shapes\' code (firmware/engine/kernels/m7/depthwise_conv_2d_m7.c). */',
            '#ifdef H7NN_REFERENCE_KERNELS',
            '#define h7nn_ref_depthwise_conv_2d_3x3 h7nn_ref_depthwise_conv_2d',
            '#else',
            'extern const h7nn_kernel h7nn_m7_depthwise_conv_2d_3x3;',
            '#endif',
            '']),
        *([] if not conv_packed else [
            '/* (mm16) Every six-column CONV_2D of this model has pre-arranged weights: the M7 kernel',
            ' * without the int8 six-column loop (firmware/engine/kernels/m7/conv_2d_m7.c). */',
            '#ifdef H7NN_REFERENCE_KERNELS',
            '#define h7nn_ref_conv_2d_packed h7nn_ref_conv_2d',
            '#else',
            'extern const h7nn_kernel h7nn_m7_conv_2d_packed;',
            '#endif',
            '']),
        '/* Exactly the kernels this model needs (kernels=m7|reference picks which build of each). */',
        'static const h7nn_kernel *const kernels[] = {',
        *kernels,
        '};',
        '/* The engine\'s plan of this model (h7nn_plan_export on the host): arena offsets and the ops\'',
        ' * constants, checked by h7nn_allocate on the board instead of computed there. */',
        '#ifdef H7NN_REFERENCE_KERNELS',
        'static const uint32_t plan[%d] = {' % len(plan_words['reference']),
        *plan_rows(plan_words['reference']),
        '};',
        *checked_rows('reference'),
        '#define H7NN_PACKED_WORDS_ NULL, 0',
        '#else',
        'static const uint32_t plan[%d] = {' % len(plan_words['m7']),
        *plan_rows(plan_words['m7']),
        '};',
        *checked_rows('m7'),
        *(['/* (mm16) Weights the M7 kernels take pre-arranged (h7nn_packed_export on the host: int16',
           ' * pairs in SMLAD order and the channels\' constants; %d bytes of flash). */' % (4 * len(packed_words)),
           'static const uint32_t packed[%d] = {' % len(packed_words),
           *plan_rows(packed_words),
           '};',
           '#define H7NN_PACKED_WORDS_ packed, sizeof packed / sizeof packed[0]']
          if packed_words is not None else
          ['/* (mm16) No pre-arranged weights (over embed.PREARRANGE_MAX_BYTES with them, or a budget of 0). */',
           '#define H7NN_PACKED_WORDS_ NULL, 0']),
        '#endif',
        'const h7nn_resolver h7nn_%s_resolver = {kernels, %d, plan, sizeof plan / sizeof plan[0], H7NN_PACKED_WORDS_,'
        ' H7NN_CHECKED_WORDS_};'
        % (ident, len(ops)),
        '',
        'const char *const h7nn_%s_labels[%d] = {%s};' % (ident, max(1, len(labels)), label_items),
        '',
    ]
    try:
        os.makedirs(out_dir, exist_ok=True)
        _write(os.path.join(out_dir, '%s_model.h' % ident), '\n'.join(header))
        _write(os.path.join(out_dir, '%s_model.c' % ident), '\n'.join(source))
    except OSError as e:
        raise EmbedError('cannot write into %s: %s' % (out_dir, e.strerror)) from None
    return {'ops': ops, 'arena_bytes_host': plans['m7']['arena_used'], 'layout': plans['m7']['layout'],
            'layout_reference': plans['reference']['layout'], 'crc32': crc, 'frontend': frontend,
            'model_bytes': len(data), 'labels': labels, 'packed_bytes': 4 * len(packed_words) if packed_words is not None else 0}
