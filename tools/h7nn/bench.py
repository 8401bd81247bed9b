"""`python -m h7nn bench [MODEL]`: the engine on the simulated board, next to TFLM + CMSIS-NN.

For MODEL (default: every MLPerf Tiny reference model in ../shared/models, the KWS model
last): builds the nn_bench image for it (scons with H7NN_BENCH_MODEL), runs it, checks that
the image embeds exactly that file (the CRC-32 the board reports), reads its per-op DWT
instruction counts, arena and setup figures, adds MACs per op (from that model), code bytes
per engine module (from the link map), checks the board's outputs bit for bit against the
tflite_micro runtime on the host (FNV-1a over the outputs of the same pseudo-random inputs)
and, where measured, the TFLM + CMSIS-NN anchor of that very file (../shared/models/README.md).
Writes OUTPUT.json (top-level keys: the KWS model, or MODEL; "models": one entry per file
name) and OUTPUT.txt.
"""
import bisect
import json
import os
import re
import subprocess
import sys
import tempfile
import zlib

from h7nn import board
from h7nn.tflite import Model

# TFLM commit 90b983c2 + CMSIS-NN 4ab83cc3, Cortex-M7, measured in the simulator
# (../shared/models/README.md); keyed by the CRC-32 of the file, so only those very bytes are
# compared with it
TFLM_CMSIS_NN = {
    'instructions': 7643665, 'arena_bytes': 22820, 'code_bytes': 45176,
    'per_mac': {'CONV_2D_first': 3.55, 'CONV_2D_1x1': 2.05, 'DEPTHWISE_CONV_2D': 7.80, 'FULLY_CONNECTED': 3.20},
    'per_op': {'AVERAGE_POOL_2D': 51000, 'SOFTMAX': 3000, 'DEPTHWISE_CONV_2D': 561000},
}
ANCHORS = {
    '33a66a7c': TFLM_CMSIS_NN,  # mlperf_tiny_kws_ref_model.tflite
    'e5c1679f': {'instructions': 2188174, 'arena_bytes': 16596},  # mlperf_tiny_str_ww_ref_model.tflite
}
# issue 18's aim for every model
TARGET_PER_MAC = 1.3


def macs(model, op):
    t = model.tensors
    out = t[op['outputs'][0]]['shape']
    if op['name'] == 'CONV_2D':
        f = t[op['inputs'][1]]['shape']
        return out[0] * out[1] * out[2] * out[3] * f[1] * f[2] * f[3]
    if op['name'] == 'DEPTHWISE_CONV_2D':
        f = t[op['inputs'][1]]['shape']
        return out[0] * out[1] * out[2] * out[3] * f[1] * f[2]
    if op['name'] == 'FULLY_CONNECTED':
        f = t[op['inputs'][1]]['shape']
        n = 1
        for d in out:
            n *= d
        return n * f[1]
    return 0


def code_bytes(map_path):
    """Flash bytes (.text + .rodata) per object of the engine library, from the link map. An
    input section's bytes end where the next section in the map starts: merged string sections
    (.rodata.*.str1.4) keep their pre-merge size in the map, two of them at one address with a
    2-byte fill after them (37 bytes listed, 2 used, average_pool_2d.o in the KWS image), so
    the sizes alone counted strings twice; sections of one object at one address count once."""
    text = open(map_path).read()
    text = text[text.find('Linker script and memory map'):]
    # every input section and fill of the map (where each one ends), [ \t] so a fill line
    # never takes the next line's section name for its object
    pattern = re.compile(r'^ (\.\S+|\*fill\*)[ \t]*\n?[ \t]+0x([0-9a-f]+)[ \t]+0x([0-9a-f]+)(?:[ \t]+(\S+))?', re.M)
    sections = [(int(m.group(2), 16), int(m.group(3), 16), m.group(1), m.group(4) or '') for m in pattern.finditer(text)]
    starts = sorted({at for at, size, _, _ in sections if size})
    spans = {}
    for at, size, name, obj in sections:
        if not size or 'libh7nn.a(' not in obj or not re.match(r'\.(?:text|rodata)', name):
            continue
        i = bisect.bisect_right(starts, at)
        end = min(at + size, starts[i]) if i < len(starts) else at + size
        spans.setdefault(obj.split('(')[1].rstrip(')'), []).append((at, end))
    sizes = {}
    for name, parts in spans.items():
        total, lo, hi = 0, None, None
        for at, end in sorted(parts):
            if hi is None or at >= hi:
                total += (hi - lo) if hi is not None else 0
                lo, hi = at, end
            else:
                hi = max(hi, end)
        sizes[name] = total + (hi - lo)
    return sizes


def weight_flash(map_path):
    """(mm16) Flash of the embedded model (its bytes, int8 weights inside) and of its
    pre-arranged weights (the generated `packed` array), from the link map."""
    text = open(map_path).read()
    found = {}
    for key, pattern in (('model_bytes', r'^ \.rodata\.h7nn_\w+_model_data\s*\n?\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+\S+_model\.o'),
                         ('prearranged_bytes', r'^ \.rodata\.packed\s*\n?\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+\S+_model\.o')):
        found[key] = sum(int(m.group(1), 16) for m in re.finditer(pattern, text, re.M))
    return found


def build_image(model_path, image=board.IMAGE):
    """The nn_bench image for model_path (scons, incremental); ValueError with its last error."""
    from h7voice import paths
    env = dict(os.environ, H7NN_BENCH_MODEL=os.path.abspath(model_path))
    proc = subprocess.run([sys.executable, '-m', 'SCons', '-Q', 'variant=firmware', os.path.relpath(image, paths.TOP)],
                          cwd=paths.TOP, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
        raise ValueError('building nn_bench for %s failed: %s' % (model_path, lines[-1] if lines else proc.returncode))


def run_bench(image=board.IMAGE, model_path=board.KWS, inputs=10, accepted=None):
    with open(model_path, 'rb') as f:
        data = f.read()
    model = Model(data)
    bb = board.BenchBoard(image)
    embedded = bb.events('nn_embedded')
    crc = '%08x' % zlib.crc32(data)
    if not embedded or embedded[0]['crc32'] != crc:
        raise ValueError('%s embeds %s, not %s (crc32 %s): rebuild it (python -m h7nn bench %s does)'
                         % (image, embedded[0] if embedded else 'an unnamed model', model_path, crc, model_path))
    errors = bb.events('nn_error')
    if errors:
        raise ValueError('nn_bench on the board: %s' % errors[0].get('message'))
    info = bb.events('nn_model')[0]
    total = bb.events('nn_invoke')[0]['instructions']
    ops = []
    for ev, op in zip(bb.events('nn_op'), model.ops):
        m = macs(model, op)
        ops.append({'index': ev['index'], 'op': ev['op'], 'instructions': ev['instructions'], 'macs': m,
                    'per_mac': round(ev['instructions'] / m, 3) if m else None,
                    'scratch_bytes': ev['scratch_bytes']})
    map_path = os.path.splitext(image)[0] + '.map'
    code = code_bytes(map_path) if os.path.exists(map_path) else {}
    total_macs = sum(o['macs'] for o in ops)
    anchor = ANCHORS.get(crc)
    return {
        'model': os.path.basename(model_path), 'model_crc32': crc, 'kernels': info.get('kernels'), 'macs': total_macs,
        'instructions': total, 'per_mac': round(total / total_macs, 3) if total_macs else None,
        'arena_bytes': info['arena_used'], 'arena_planned': info['arena_planned'],
        'arena_buffer': info.get('arena_buffer', info['arena_planned']),
        'setup_instructions': info['setup_instructions'], 'init_instructions': info.get('init_instructions'),
        'code_bytes': sum(code.values()),
        **(weight_flash(map_path) if os.path.exists(map_path) else {}),  # (mm16)
        'code_bytes_per_module': dict(sorted(code.items(), key=lambda kv: -kv[1])),
        'ops': ops, 'tflm_cmsis_nn': anchor,
        'vs_tflm_cmsis_nn': round(total / anchor['instructions'], 3) if anchor else None,
        'bit_exact': bit_exact(bb, data, inputs, seconds_each=max(0.05, 4.0 * total / 480e6)),
        'arena_host': host_arenas(model_path, data, accepted),
    }


def host_arenas(model_path, data, accepted=None):
    """Both runtimes' arenas for this model measured on this host, where both run (64-bit
    pointers): h7nn's as the firmware allocates it (the m7 kernels' C forms with the embedded
    plan and the pre-arranged weights: embed.board_plans) and TFLM's (the tflite_micro
    runtime's allocator, its reference kernels: Reference.arena_bytes). The board's own
    arena is `arena_bytes`; TFLM's on the M7 is measured for two models only (FACTS.md).
    accepted: embed.verify's engines for the model, when the caller has them."""
    from h7nn.embed import board_plans, verify
    from h7nn.reference import Reference
    _, plans, _, _ = board_plans(model_path, data, accepted or verify(model_path, data))
    return {'h7nn': plans['m7']['arena_used'], 'tflm': Reference(data).arena_bytes(),
            'how': 'this host (64-bit): h7nn with the embedded plan and pre-arranged weights (the m7 kernels\' '
                   'C forms); TFLM = the tflite_micro runtime\'s RecordingMicroAllocator total (reference kernels)'}


def bit_exact(bb, data, inputs, seconds_each=0.05):
    """The board's outputs against the tflite_micro runtime's on the same inputs: the boot
    check (seed 1, 10 inputs), or INPUTS inputs in runs of 10 from seeds 77, 78, ... when
    another count is asked (one FNV-1a per run; each run within the simulator's wall limit)."""
    if inputs == 10:
        runs = [bb.events('nn_check')[0]]
    else:
        runs = []
        for i in range(0, inputs, 10):
            try:
                got = bb.check(77 + i // 10, min(10, inputs - i), seconds_each)
            except RuntimeError as e:  # no answer in time: one line, not a traceback
                raise ValueError(str(e).splitlines()[0] + ' (check of %d inputs)' % min(10, inputs - i)) from None
            if got.get('event') != 'nn_check':
                raise ValueError('nn_bench on the board: %s' % got.get('message'))
            runs.append(got)
    board_hashes = [r['fnv1a'] for r in runs]
    tflm_hashes = [board.expected_hash(data, r['seed'], r['count']) for r in runs]
    return {'ok': board_hashes == tflm_hashes, 'inputs': sum(r['count'] for r in runs),
            'seeds': [r['seed'] for r in runs], 'board_fnv1a': ' '.join(board_hashes),
            'tflm_fnv1a': ' '.join(tflm_hashes)}


def table(r):
    a = r['tflm_cmsis_nn']
    if a and 'per_mac' not in a:  # only the whole-model figures are known
        a = dict(a, per_mac={}, per_op={}, code_bytes=None)
    lines = ['h7nn on %s (crc32 %s, %s kernels), simulated STM32H743 (1 instruction = 1 cycle)'
             % (r['model'], r['model_crc32'], r['kernels']),
             '', '%-3s %-18s %12s %10s %9s %12s' % ('#', 'op', 'instructions', 'MACs', 'instr/MAC',
                                                   'TFLM+CMSIS' if a else '')]
    first_conv = True
    for o in r['ops']:
        anchor = ''
        if not a:
            pass
        elif o['op'] == 'CONV_2D' and a['per_mac']:
            anchor = '%.2f/MAC' % a['per_mac']['CONV_2D_first' if first_conv else 'CONV_2D_1x1']
            first_conv = False
        elif o['op'] in ('DEPTHWISE_CONV_2D', 'FULLY_CONNECTED') and o['op'] in a['per_mac']:
            anchor = '%.2f/MAC' % a['per_mac'][o['op']]
        elif o['op'] in a['per_op']:
            anchor = '~%d' % a['per_op'][o['op']]
        lines.append('%-3d %-18s %12d %10d %9s %12s' % (o['index'], o['op'], o['instructions'], o['macs'],
                                                          '%.2f' % o['per_mac'] if o['per_mac'] else '-', anchor))
    per_mac = '%.2f per MAC' % r['per_mac'] if r['per_mac'] is not None else 'no MACs'
    if a:
        lines += ['', 'Invoke: %d instructions, %s  (TFLM+CMSIS-NN %d: %.2fx; SMLAD bound %d)'
                  % (r['instructions'], per_mac, a['instructions'], r['vs_tflm_cmsis_nn'], r['macs'] // 2),
                  'arena: %d bytes used, %d planned at build time  (TFLM+CMSIS-NN %d)'
                  % (r['arena_bytes'], r['arena_planned'], a['arena_bytes']),
                  'engine + kernels code: %d bytes of flash%s'
                  % (r['code_bytes'], '  (TFLM+CMSIS-NN int8 registrations %d)' % a['code_bytes']
                     if a['code_bytes'] else '')]
    else:
        lines += ['', 'Invoke: %d instructions, %s (SMLAD bound %d)' % (r['instructions'], per_mac, r['macs'] // 2),
                  'arena: %d bytes used, %d planned at build time%s' % (
                      r['arena_bytes'], r['arena_planned'],
                      '; buffer %d (h7nn_init keeps the tensor descriptions for allocate)' % r['arena_buffer']
                      if r.get('arena_buffer', r['arena_planned']) > r['arena_planned'] else ''),
                  'engine + kernels code: %d bytes of flash' % r['code_bytes']]
    if r.get('arena_host'):
        h = r['arena_host']
        lines.append('arena on this host (64-bit): h7nn %d bytes, TFLM %d (the tflite_micro runtime\'s allocator)'
                     % (h['h7nn'], h['tflm']))
    if 'prearranged_bytes' in r:  # (mm16)
        lines.append('flash: model %d bytes, pre-arranged weights %d bytes' % (r['model_bytes'], r['prearranged_bytes']))
    lines += ['setup (init + allocate, with the embedded plan): %d instructions%s'
              % (r['setup_instructions'], ' (init %d)' % r['init_instructions'] if r.get('init_instructions') else '')]
    if 'bit_exact' in r:
        b = r['bit_exact']
        lines.append('bit-exact with the tflite_micro runtime: %s (%d inputs, board FNV-1a %s, TFLM %s)'
                     % ('yes' if b['ok'] else 'NO', b['inputs'], b['board_fnv1a'], b['tflm_fnv1a']))
    lines += ['', 'code bytes per module:']
    lines += ['  %-28s %6d' % kv for kv in r['code_bytes_per_module'].items()]
    return '\n'.join(lines) + '\n'


def _write(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix='.tmp')
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def mlperf_models():
    """The MLPerf Tiny reference models in ../shared/models, the KWS model last (so that the
    nn_bench image left behind is the default one the tests use)."""
    import glob
    folder = os.path.dirname(board.KWS)
    found = sorted(glob.glob(os.path.join(folder, 'mlperf_tiny_*.tflite')))
    if board.KWS not in found:
        raise ValueError('%s not found (../shared: set H7_SHARED)' % board.KWS)
    found.remove(board.KWS)
    return found + [board.KWS]


def summary(results):
    """One line per model: the figures the issue's targets are stated in."""
    lines = ['%-38s %12s %9s %8s %8s %9s %10s %22s' % ('model', 'instructions', 'instr/MAC', 'arena', 'code',
                                                        'bit-exact', 'vs TFLM', 'host arena h7nn/TFLM')]
    for name, r in results.items():
        h = r.get('arena_host')
        lines.append('%-38s %12d %9s %8d %8d %9s %10s %22s' % (
            name, r['instructions'], '%.2f' % r['per_mac'] if r['per_mac'] else '-', r['arena_bytes'],
            r['code_bytes'], 'yes' if r['bit_exact']['ok'] else 'NO',
            '%.3fx' % r['vs_tflm_cmsis_nn'] if r['vs_tflm_cmsis_nn'] else '-',
            '%d/%d' % (h['h7nn'], h['tflm']) if h else '-'))
    return '\n'.join(lines) + '\n'


def main(args):
    if args.model and not os.path.exists(args.model):
        raise ValueError('%s not found' % args.model)
    models = [args.model] if args.model else mlperf_models()
    inputs = getattr(args, 'inputs', 10)
    if inputs < 1:
        raise ValueError('--inputs must be at least 1')
    # the engine's verdict first: a model the board would refuse stops here with its message
    from h7nn.embed import verify
    results, texts = {}, []
    for model in models:
        accepted = verify(model)
        build_image(model)
        r = run_bench(board.IMAGE, model, inputs, accepted)
        results[os.path.basename(model)] = r
        texts.append(table(r))
        print(texts[-1])
    top = dict(results[os.path.basename(models[-1])])
    top['models'] = {name: {k: v for k, v in r.items() if k != 'code_bytes_per_module'}
                     for name, r in results.items()}
    text = summary(results) + '\n' + '\n'.join(texts)
    _write(args.output + '.json', json.dumps(top, indent=2) + '\n')
    _write(args.output + '.txt', text)
    print(summary(results))
    print('wrote %s.json and %s.txt' % (args.output, args.output))
    bad = [name for name, r in results.items() if not r['bit_exact']['ok']]
    if bad:
        print('h7nn bench: the board differs from the tflite_micro runtime on %s' % ', '.join(bad), file=sys.stderr)
        return 1
    return 0
