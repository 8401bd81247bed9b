"""The engine's arena plan, computed at build time: the same greedy lifetime plan as
firmware/engine/h7nn_interpreter.c plus each kernel's constants and scratch, for a 32-bit
target (firmware) or the 64-bit host library. tests/test_planner.py checks it against the
host engine, and the board benchmark checks it against the firmware."""
from h7nn.tflite import Model

ALIGN = 8
SUPPORTED = {
    'ADD', 'AVERAGE_POOL_2D', 'CONCATENATION', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'DEQUANTIZE', 'FULLY_CONNECTED',
    'HARD_SWISH', 'LOGISTIC', 'MAX_POOL_2D', 'MEAN', 'MUL', 'PAD', 'QUANTIZE', 'RELU', 'RELU6', 'RESHAPE', 'SOFTMAX',
    'SHAPE', 'STRIDED_SLICE', 'PACK',
}
IMPLEMENTED = SUPPORTED
# bytes of each op's constants (all int32 fields) when they do not depend on the shapes
FIXED_SIZES = {'AVERAGE_POOL_2D': 14 * 4, 'MAX_POOL_2D': 14 * 4, 'SOFTMAX': 5 * 4, 'RESHAPE': 4, 'ADD': 32 * 4,
               'MUL': 32 * 4, 'RELU': 7 * 4, 'RELU6': 3 * 4, 'LOGISTIC': 5 * 4, 'HARD_SWISH': 7 * 4,
               'QUANTIZE': 7 * 4, 'DEQUANTIZE': 3 * 4, 'PAD': 13 * 4, 'MEAN': 14 * 4,
               'SHAPE': 7 * 4, 'STRIDED_SLICE': 17 * 4, 'PACK': 3 * 4}


def _align(n, a=ALIGN):
    return (n + a - 1) & ~(a - 1)


def _struct(fields, ptr):
    """Size of a C struct from its fields ('i' int32, 'h' int16, 'b' byte, 'p' pointer)."""
    sizes = {'i': 4, 'h': 2, 'b': 1, 'p': ptr}
    off, biggest = 0, 1
    for f in fields:
        s = sizes[f]
        off = _align(off, s) + s
        biggest = max(biggest, s)
    return _align(off, biggest)


def op_sizes(model, op, kernels, ptr):
    """(constant bytes in the arena, scratch bytes) of one op."""
    name = op['name']
    t = model.tensors
    if name in ('CONV_2D', 'DEPTHWISE_CONV_2D'):
        f = t[op['inputs'][1]]['shape']
        out_c = f[3] if name == 'DEPTHWISE_CONV_2D' else f[0]
        persistent = _align(_struct('i' * 20 + 'ppppi', ptr) + 5 * out_c)
        scratch = 0
        if kernels == 'm7' and name == 'CONV_2D':
            k = f[1] * f[2] * f[3]
            o = op['options']
            pointwise = f[1] == 1 and f[2] == 1 and o.scalar(1, 'i') == 1 and o.scalar(2, 'i') == 1
            scratch = (6 if pointwise else 7) * _align(k, 4) * 2
            out_shape = t[op['outputs'][0]]['shape']
            dil_w, dil_h = o.scalar(4, 'i', 1), o.scalar(5, 'i', 1)
            if not pointwise and f[3] == 1 and f[2] % 4 == 0 and (dil_h, dil_w) == (1, 1):
                # padded input plane of single-channel layers (conv_2d_m7.c plane_bytes)
                plane = ((out_shape[1] - 1) * o.scalar(2, 'i') + f[1]) * ((out_shape[2] - 1) * o.scalar(1, 'i') + f[2]) * 2
                if plane <= 4096:
                    scratch += _align(plane, 4)
        if kernels == 'm7' and name == 'DEPTHWISE_CONV_2D':
            o = op['options']
            stride_w, stride_h = o.scalar(1, 'i'), o.scalar(2, 'i')
            mult, dil_w, dil_h = o.scalar(3, 'i'), o.scalar(5, 'i', 1), o.scalar(6, 'i', 1)
            out_shape = t[op['outputs'][0]]['shape']
            in_shape = t[op['inputs'][0]]['shape']
            pad_h = max(0, (out_shape[1] - 1) * stride_h + (f[1] - 1) * dil_h + 1 - in_shape[1]) // 2
            pad_w = max(0, (out_shape[2] - 1) * stride_w + (f[2] - 1) * dil_w + 1 - in_shape[2]) // 2
            if (f[1], f[2], stride_h, stride_w, dil_h, dil_w, mult) == (3, 3, 1, 1, 1, 1, 1) and pad_h <= 1 \
                    and pad_w <= 1:
                long_len, short_len = max(out_shape[1], out_shape[2]), min(out_shape[1], out_shape[2])
                scratch = (short_len + 2) * (((long_len + 3) & ~1) + 2) * 2
        return persistent, scratch
    if name == 'FULLY_CONNECTED':
        f = t[op['inputs'][1]]
        out, accum = f['shape'][0], f['shape'][1]
        per_channel = len(f['scales']) > 1
        persistent = _align(_struct('i' * 8 + 'ppiippi', ptr) + (5 * out if per_channel else 0))
        scratch = 0
        if kernels == 'm7':
            scratch = 2 * _align(accum, 4)
            if not per_channel:
                persistent += _align(5 * out)
        return persistent, scratch
    if name in FIXED_SIZES:
        return _align(FIXED_SIZES[name]), 0
    if name == 'CONCATENATION':
        return _align(12 + 4 * len(op['inputs'])), 0
    raise ValueError('no size rule for %s' % name)


def plan(model, kernels='m7', ptr=4):
    """Arena bytes the engine needs for `model` (a Model) with the given kernels."""
    n_t, n_ops = len(model.tensors), len(model.ops)
    node_size = _struct('ppphhbippi', ptr)
    persistent = _align(ptr * n_t) + _align(node_size * n_ops)
    per_op = []
    for op in model.ops:
        p, s = op_sizes(model, op, kernels, ptr)
        persistent += p
        per_op.append({'op': op['name'], 'persistent': p, 'scratch': s})
    # buffers: activations (tensors) then one scratch per op, as the engine numbers them
    sizes, lives = [], []
    for i, tensor in enumerate(model.tensors):
        if tensor['constant']:
            sizes.append(0)
            lives.append((0, 0))
            continue
        first = last = -1
        if i in model.inputs:
            first = last = 0
        for j, op in enumerate(model.ops):
            if i in op['outputs']:
                if first < 0:
                    first = j
                last = max(last, j)
            if i in op['inputs']:
                last = max(last, j)
        if i in model.outputs:
            last = n_ops
        if first < 0:
            sizes.append(0)
            lives.append((0, 0))
            continue
        sizes.append(max(model.tensor_bytes(i), 1))
        lives.append((first, last))
    for j, info in enumerate(per_op):
        sizes.append(info['scratch'])
        lives.append((j, j))
    offsets = [None] * len(sizes)
    high = 0
    while True:
        best, best_size = None, 0
        for b, s in enumerate(sizes):
            if offsets[b] is None and s > best_size:
                best, best_size = b, s
        if best is None:
            break
        size = _align(best_size)
        bf, bl = lives[best]
        candidate = 0
        moved = True
        while moved:
            moved = False
            for b, off in enumerate(offsets):
                if off is None or not sizes[b]:
                    continue
                f, l = lives[b]
                if l < bf or f > bl:
                    continue
                s2 = _align(sizes[b])
                if candidate < off + s2 and off < candidate + size:
                    candidate = off + s2
                    moved = True
        offsets[best] = candidate
        high = max(high, candidate + size)
    return {'arena_bytes': high + persistent, 'activations': high, 'persistent': persistent, 'ops': per_op}


def check_supported(model, path='model'):
    """Raises ValueError naming every op of the model that h7nn has no kernel for."""
    missing = sorted({op['name'] for op in model.ops} - IMPLEMENTED)
    if missing:
        raise ValueError('%s uses %s, which the h7nn engine has no kernel for (it has: %s)'
                         % (path, ', '.join(missing), ', '.join(sorted(IMPLEMENTED))))


if __name__ == '__main__':
    import sys
    m = Model.load(sys.argv[1])
    print(plan(m))
