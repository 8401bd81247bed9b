"""Corrupt-model corpus: a deterministic generator that walks the flatbuffer of real models
and breaks them the ways a bad file, a bad converter or a hostile user would, and the run
of every model tool and the engine over it.

    python -m h7nn fuzz-corpus [--count N] [--regenerate]

writes build/h7nn_corrupt/<model>/<kind>_<n>.tflite (a few thousand files from
models/kws_default.tflite and ../shared's MLPerf Tiny KWS model; the same bytes every time)
and runs, on each file: the engine's verdict (host build of firmware/engine: h7nn_init +
h7nn_allocate with both kernel builds, and one inference when accepted), and the tools the
way a user runs them (`python -m h7nn inspect`, `embed`, `check -n 1`, in-process through
the CLI's main). It counts refusals and fails on any Python traceback or any model embed
accepts that the engine refuses (they must agree). Results: build/bench/h7nn_fuzz_corpus.json.
tools/h7nn/tests/test_corrupt_corpus.py runs the same on a sample.
"""
import contextlib
import io
import json
import math
import os
import random
import struct
import sys
import tempfile
import time
import traceback

from h7voice import paths

OUT = os.path.join(paths.BUILD, 'h7nn_corrupt')
PER_KIND = 60   # variants per kind and source model (28 kinds: ~3,300 files from two models)


def sources():
    """(name, path) of the models the corpus is made from; both must exist."""
    return [('kws_default', os.path.join(paths.MODELS, 'kws_default.tflite')),
            ('mlperf_kws', paths.shared('models', 'mlperf_tiny_kws_ref_model.tflite', what='the corrupt-model corpus'))]


# ------------------------------------------------------------------ flatbuffer walk

class Walk:
    """Positions of everything in a valid .tflite file that a corruption can aim at (schema
    v3 field ids): tables with their vtables, vectors (length words), offsets, and the scalar
    fields of tensors, quantization, operators, op codes and options."""

    def __init__(self, data):
        self.d = data
        self.tables = []        # (table pos, vtable pos)
        self.offsets = []       # positions of uoffset_t words (table/vector references)
        self.vectors = []       # positions of vector length words
        self.fields = {}        # kind -> list of (pos, size)
        root = self._u32(0)
        self.offsets.append(0)
        self._model(root)

    def _u32(self, p):
        return struct.unpack_from('<I', self.d, p)[0]

    def _table(self, pos):
        vt = pos - struct.unpack_from('<i', self.d, pos)[0]
        self.tables.append((pos, vt))
        return pos, vt

    def _field(self, table, fid):
        pos, vt = table
        vt_size = struct.unpack_from('<H', self.d, vt)[0]
        if 4 + 2 * fid + 2 > vt_size:
            return None
        off = struct.unpack_from('<H', self.d, vt + 4 + 2 * fid)[0]
        return pos + off if off else None

    def _ref(self, table, fid):
        p = self._field(table, fid)
        if p is None:
            return None
        self.offsets.append(p)
        return p + self._u32(p)

    def _vector(self, table, fid):
        v = self._ref(table, fid)
        if v is None:
            return None, 0
        self.vectors.append(v)
        return v + 4, self._u32(v)

    def _tables_of(self, table, fid):
        start, n = self._vector(table, fid)
        out = []
        for i in range(n if start else 0):
            p = start + 4 * i
            self.offsets.append(p)
            out.append(self._table(p + self._u32(p)))
        return out

    def _add(self, kind, pos, size):
        if pos is not None:
            self.fields.setdefault(kind, []).append((pos, size))

    def _model(self, root):
        model = self._table(root)
        for oc in self._tables_of(model, 1):
            self._add('opcode', self._field(oc, 0), 1)
            self._add('opcode', self._field(oc, 3), 4)
        for sg in self._tables_of(model, 2)[:1]:
            for t in self._tables_of(sg, 0):
                start, n = self._vector(t, 0)
                for i in range(n):
                    self._add('dim', start + 4 * i, 4)
                self._add('type', self._field(t, 1), 1)
                self._add('buffer_index', self._field(t, 2), 4)
                q = self._ref(t, 4)
                if q is not None:
                    qt = self._table(q)
                    start, n = self._vector(qt, 2)
                    for i in range(n):
                        self._add('scale', start + 4 * i, 4)
                    start, n = self._vector(qt, 3)
                    for i in range(n):
                        self._add('zero_point', start + 8 * i, 8)
                    self._add('quantized_dimension', self._field(qt, 6), 4)
            for k in (1, 2):
                start, n = self._vector(sg, k)
                for i in range(n):
                    self._add('io_index', start + 4 * i, 4)
            for op in self._tables_of(sg, 3):
                self._add('opcode_index', self._field(op, 0), 4)
                for k in (1, 2):
                    start, n = self._vector(op, k)
                    for i in range(n):
                        self._add('op_tensor_index', start + 4 * i, 4)
                self._add('options_type', self._field(op, 3), 1)
                opt = self._ref(op, 4)
                if opt is not None:
                    ot = self._table(opt)
                    vt_size = struct.unpack_from('<H', self.d, ot[1])[0]
                    for fid in range((vt_size - 4) // 2):
                        p = self._field(ot, fid)
                        if p is not None:
                            self._add('option', p, 4 if (p - ot[0]) % 4 == 0 else 1)
        for b in self._tables_of(model, 4):
            self._vector(b, 0)


# ------------------------------------------------------------------ corruptions

SPECIAL_I32 = [0, -1, 1, 2, 3, 4, 6, 7, 8, 16, 127, 128, 255, 256, 1023, 1024, 4096, 65535, 65536,
               0x7FFF, 0x8000, 0x7FFFFFFF, -0x80000000, -2, 1 << 20, 1 << 24, 1 << 28, 3 * 7 * 11 * 13]
SPECIAL_F32 = [math.nan, -math.nan, math.inf, -math.inf, 0.0, -0.0, -1.0, -1e-3, 1e-45, 1e-38, 1e30, 3.4e38,
               1e-12, 65504.0, 2.0 ** -31, 2.0 ** 31]


def _put(buf, pos, size, value):
    fmt = {1: '<B', 2: '<H', 4: '<I', 8: '<Q'}[size]
    struct.pack_into(fmt, buf, pos, value & ((1 << (8 * size)) - 1))


def _field_kind(kind, values):
    def mutate(buf, walk, rng):
        pos, size = rng.choice(walk.fields[kind])
        _put(buf, pos, size, rng.choice(values))
    mutate.needs = kind
    return mutate


def _bit_flips(count):
    def mutate(buf, walk, rng):
        for _ in range(count):
            p = rng.randrange(len(buf))
            buf[p] ^= 1 << rng.randrange(8)
    return mutate


def _weight_flip(buf, walk, rng):
    # a flip in the middle of the file (mostly weights): accepted by the verifier, caught by
    # the CRC at boot; the tools must still not crash
    p = rng.randrange(len(buf) // 4, 3 * len(buf) // 4)
    buf[p] ^= 1 << rng.randrange(8)


def _scale(buf, walk, rng):
    pos, _ = rng.choice(walk.fields['scale'])
    struct.pack_into('<f', buf, pos, rng.choice(SPECIAL_F32))


def _zero_point(buf, walk, rng):
    pos, _ = rng.choice(walk.fields['zero_point'])
    struct.pack_into('<q', buf, pos, rng.choice([-129, 128, 255, -1 << 40, (1 << 63) - 1, -(1 << 63), 1 << 31,
                                                 -(1 << 31) - 1, 127, -128, 1000]))


def _offset(buf, walk, rng):
    p = rng.choice(walk.offsets)
    cur = struct.unpack_from('<I', buf, p)[0]
    _put(buf, p, 4, rng.choice([len(buf) - p, len(buf) - p - 2, len(buf), 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000,
                                cur + rng.randrange(1, 64), max(0, cur - rng.randrange(1, 64)), 0, 1, 2, 3,
                                cur + 0x10000]))


def _vector_length(buf, walk, rng):
    p = rng.choice(walk.vectors)
    cur = struct.unpack_from('<I', buf, p)[0]
    _put(buf, p, 4, rng.choice([0, cur + 1, cur + 2, cur * 2 + 1, max(0, cur - 1), 0xFFFFFFFF, 0x3FFFFFFF,
                                0x40000000, len(buf), len(buf) // 4, 65536]))


def _vtable(buf, walk, rng):
    pos, vt = rng.choice(walk.tables)
    choice = rng.randrange(4)
    if choice == 0:      # the table's soffset to its vtable
        _put(buf, pos, 4, rng.choice([0, 4, -4, pos + 1, pos - len(buf), 0x7FFFFFFF, -0x80000000,
                                      struct.unpack_from('<i', buf, pos)[0] + rng.choice([-2, 2, 64])]))
    elif choice == 1:    # vtable size
        _put(buf, vt, 2, rng.choice([0, 1, 2, 3, 4, 5, 0xFFFF, 0x8000, 200]))
    elif choice == 2:    # table size
        _put(buf, vt + 2, 2, rng.choice([0, 1, 0xFFFF, 3]))
    else:                # one field's offset inside the table
        n = max(0, (struct.unpack_from('<H', buf, vt)[0] - 4) // 2)
        if n:
            _put(buf, vt + 4 + 2 * rng.randrange(n), 2, rng.choice([1, 2, 3, 0xFFFF, 0xFFFC, 0x7FFF, 1000]))


def _truncate(buf, walk, rng):
    cut = rng.choice([rng.randrange(0, 64), rng.randrange(len(buf)), len(buf) - rng.randrange(1, 256),
                      len(buf) // 2, 8, 16, 24])
    del buf[max(0, cut):]


def _random_after_header(buf, walk, rng):
    keep = rng.choice([8, 16, 32, 64, 256])
    for i in range(keep, len(buf)):
        buf[i] = rng.randrange(256)


def _random_region(buf, walk, rng):
    start = rng.randrange(len(buf))
    for i in range(start, min(len(buf), start + rng.randrange(4, 512))):
        buf[i] = rng.randrange(256)


def _grow(buf, walk, rng):
    buf.extend(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4096))))


def _swap_tensor_fields(buf, walk, rng):
    # one tensor's buffer index made another's: shapes and data sizes disagree
    a, _ = rng.choice(walk.fields['buffer_index'])
    b, _ = rng.choice(walk.fields['buffer_index'])
    va, vb = buf[a:a + 4], buf[b:b + 4]
    buf[a:a + 4], buf[b:b + 4] = vb, va


def _header(buf, walk, rng):
    # the root offset or the file identifier
    p = rng.choice([0, 1, 2, 3, 4, 5, 6, 7])
    buf[p] = rng.randrange(256)


KINDS = {
    'bitflip1': _bit_flips(1),
    'bitflip8': _bit_flips(8),
    'weightflip': _weight_flip,
    'truncate': _truncate,
    'random_after_header': _random_after_header,
    'random_region': _random_region,
    'grow': _grow,
    'offset': _offset,
    'vector_length': _vector_length,
    'vtable': _vtable,
    'dim': _field_kind('dim', SPECIAL_I32),
    'dim_huge': _field_kind('dim', [0x7FFFFFFF, 1 << 30, 65536, 1 << 20, 100000, 46341]),
    'dim_zero': _field_kind('dim', [0]),
    'dim_negative': _field_kind('dim', [-1, -2, -65536, -0x80000000]),
    'scale': _scale,
    'zero_point': _zero_point,
    'quantized_dimension': _field_kind('quantized_dimension', [-1, 1, 2, 3, 4, 6, 7, 100, -0x80000000]),
    'tensor_type': _field_kind('type', list(range(0, 18)) + [127, 128, 255]),
    'opcode': _field_kind('opcode', [0, 1, 2, 3, 4, 5, 9, 14, 17, 18, 22, 25, 28, 32, 40, 41, 45, 77, 83, 114,
                                      117, 126, 127, 128, 200, 209, 210, 255, -1, 0x7FFFFFFF]),
    'opcode_index': _field_kind('opcode_index', [1, 2, 5, 100, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000]),
    'op_tensor_index': _field_kind('op_tensor_index', [-1, -2, 0, 1, 2, 5, 10, 42, 43, 44, 100, 4096, 0x7FFFFFFF,
                                                       -0x80000000]),
    'io_index': _field_kind('io_index', [-1, -2, 0, 1, 5, 42, 43, 1000, 0x7FFFFFFF]),
    'buffer_index': _field_kind('buffer_index', [0, 1, 2, 3, 5, 10, 40, 44, 45, 100, 0xFFFFFFFF, 0x80000000]),
    'buffer_swap': _swap_tensor_fields,
    'options_type': _field_kind('options_type', list(range(0, 130, 3)) + [255]),
    'option': _field_kind('option', SPECIAL_I32),
    'option_byte': _field_kind('option', [0, 1, 2, 3, 4, 5, 6, 7, 8, 127, 128, 255]),
    'header': _header,
}


def generate(out=OUT, per_kind=PER_KIND):
    """Writes the corpus (deterministic: the same bytes on every run); returns the paths."""
    files = []
    for name, path in sources():
        with open(path, 'rb') as f:
            data = f.read()
        walk = Walk(data)
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        for kind, mutate in KINDS.items():
            need = getattr(mutate, 'needs', None)
            if need and not walk.fields.get(need):
                continue
            for n in range(per_kind):
                # a draw may write the value already there: draw again (deterministically)
                for attempt in range(50):
                    rng = random.Random('%s/%s/%d' % (name, kind, n) + ('/%d' % attempt if attempt else ''))
                    buf = bytearray(data)
                    mutate(buf, walk, rng)
                    if buf != data:
                        break
                target = os.path.join(folder, '%s_%03d.tflite' % (kind, n))
                with open(target, 'wb') as f:
                    f.write(bytes(buf))
                files.append(target)
    return files


def corpus_files(out=OUT):
    found = []
    for root, _, names in os.walk(out):
        found += [os.path.join(root, n) for n in names if n.endswith('.tflite')]
    return sorted(found)


def sample(files, count):
    """An evenly spread, deterministic sample over kinds and models."""
    if count is None or count >= len(files):
        return list(files)
    step = len(files) / count
    return [files[int(i * step)] for i in range(count)]


# ------------------------------------------------------------------ running the tools

def _run_cli(argv):
    """`python -m h7nn ARGV` in-process: (exit status, stderr text, traceback or None)."""
    from h7nn.__main__ import main
    err, out = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main(argv)
    except SystemExit as e:   # argparse
        code = e.code if isinstance(e.code, int) else 2
    except BaseException:      # noqa: BLE001 - a traceback is exactly what is being counted
        return 1, err.getvalue(), traceback.format_exc()
    return code, err.getvalue(), None


def engine_verdict(data):
    """The host engine as the board runs it: accepted (and one inference runs) or refused."""
    import numpy as np
    from h7nn import engine
    try:
        nns = engine.verify(data)
    except engine.EngineError as e:
        return False, e.message
    for nn in nns.values():
        for i in range(nn._lib.h7nn_input_count(nn._nn)):
            d = nn.input_details(i)
            nn.set_input(np.zeros(d['shape'], dtype=d['dtype']), i)
        nn.invoke()
    return True, ''


def check_file(path, workdir, run_check=True):
    """One corpus file through the engine and every tool; a dict of verdicts."""
    with open(path, 'rb') as f:
        data = f.read()
    from h7nn import engine
    try:
        accepted, message = engine_verdict(data)
    except engine.EngineError as e:   # a runtime error of the accepted model's inference
        accepted, message = False, 'invoke: ' + e.message
    r = {'file': os.path.relpath(path, paths.TOP), 'engine': accepted, 'engine_message': message,
         'tracebacks': []}
    tools = [('inspect', ['inspect', path]), ('embed', ['embed', path, '-o', workdir, '--name', 'corrupt', '-q'])]
    if run_check:
        tools.append(('check', ['check', path, '-n', '1']))
    for tool, argv in tools:
        code, err, tb = _run_cli(argv)
        r[tool] = code
        if tb:
            r['tracebacks'].append({'tool': tool, 'traceback': tb})
        elif code not in (0, 1) and err.count('\n') != 1:
            r['tracebacks'].append({'tool': tool, 'traceback': 'not one line: ' + err[-500:]})
    r['disagree'] = r['embed'] == 0 and not accepted
    return r


def run(files, run_check=True, progress=None):
    results = []
    with tempfile.TemporaryDirectory(prefix='h7nn_corrupt_') as work:
        for i, path in enumerate(files):
            results.append(check_file(path, work, run_check))
            if progress and (i + 1) % progress == 0:
                print('  %d/%d' % (i + 1, len(files)), file=sys.stderr, flush=True)
    return summarize(results)


def summarize(results):
    s = {
        'files': len(results),
        'refused_by_engine': sum(not r['engine'] for r in results),
        'accepted_by_engine': sum(bool(r['engine']) for r in results),
        'refused_by_embed': sum(r['embed'] != 0 for r in results),
        'refused_by_inspect': sum(r['inspect'] != 0 for r in results),
        'embedded_but_refused_by_engine': sum(r['disagree'] for r in results),
        'tracebacks': sum(len(r['tracebacks']) for r in results),
    }
    if results and 'check' in results[0]:
        s['refused_by_check'] = sum(r['check'] == 2 for r in results)
        s['check_differs_from_tflm'] = sum(r['check'] == 1 for r in results)
        s['differs_from_tflm_files'] = [r['file'] for r in results if r['check'] == 1][:50]
    s['problems'] = [r for r in results if r['tracebacks'] or r['disagree']][:20]
    return s


def main_fuzz_corpus(args):
    files = corpus_files()
    if args.regenerate or not files:
        files = generate()
    chosen = sample(files, args.count)
    start = time.time()
    s = run(chosen, progress=200)
    s['seconds'] = round(time.time() - start, 1)
    s['generated'] = len(files)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, 'w') as f:
        json.dump(s, f, indent=2)
    print('corrupt-model corpus: %d files generated, %d run; engine refused %d, embed refused %d, inspect '
          'refused %d, check refused %s; embedded but refused by the engine: %d; Python tracebacks: %d (%.0f s)'
          % (s['generated'], s['files'], s['refused_by_engine'], s['refused_by_embed'], s['refused_by_inspect'],
             s.get('refused_by_check', '-'), s['embedded_but_refused_by_engine'], s['tracebacks'], s['seconds']))
    print('wrote %s' % args.output)
    for p in s['problems'][:5]:
        print('problem: %s' % json.dumps(p)[:2000])
    return 0 if not s['tracebacks'] and not s['embedded_but_refused_by_engine'] else 1
