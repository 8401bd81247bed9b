"""`python -m h7nn bench [MODEL]`: the engine on the simulated board, next to TFLM + CMSIS-NN.

Builds the nn_bench image for MODEL (default: the MLPerf Tiny KWS reference model from
../shared; scons with H7NN_BENCH_MODEL), runs it, checks that the image embeds exactly that
file (the CRC-32 the board reports), reads its per-op DWT instruction counts, arena and
setup figures, adds MACs per op (from that model), code bytes per engine module (from the
link map) and, for the KWS model, the TFLM + CMSIS-NN anchor measured on it
(../shared/FACTS.md), and writes OUTPUT.json and OUTPUT.txt labelled with the model run.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import zlib

from h7nn import board
from h7nn.tflite import Model

# TFLM commit 90b983c2 + CMSIS-NN 4ab83cc3 on mlperf_tiny_kws_ref_model, Cortex-M7 (FACTS.md);
# only that file (the same bytes) is compared with it
TFLM_CMSIS_NN = {
    'instructions': 7643665, 'arena_bytes': 22820, 'code_bytes': 45176,
    'per_mac': {'CONV_2D_first': 3.55, 'CONV_2D_1x1': 2.05, 'DEPTHWISE_CONV_2D': 7.80, 'FULLY_CONNECTED': 3.20},
    'per_op': {'AVERAGE_POOL_2D': 51000, 'SOFTMAX': 3000, 'DEPTHWISE_CONV_2D': 561000},
}


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
    """Flash bytes (.text + .rodata) per object of the engine library, from the link map."""
    sizes = {}
    text = open(map_path).read()
    text = text[text.find('Linker script and memory map'):]
    pattern = re.compile(r'^ (\.(?:text|rodata)\S*)\s*\n?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)', re.M)
    for m in pattern.finditer(text):
        obj = m.group(4)
        size = int(m.group(3), 16)
        if 'libh7nn.a(' in obj and size:
            name = obj.split('(')[1].rstrip(')')
            sizes[name] = sizes.get(name, 0) + size
    return sizes


def build_image(model_path, image=board.IMAGE):
    """The nn_bench image for model_path (scons, incremental); ValueError with its last error."""
    from h7voice import paths
    env = dict(os.environ, H7NN_BENCH_MODEL=os.path.abspath(model_path))
    proc = subprocess.run([sys.executable, '-m', 'SCons', '-Q', 'variant=firmware', os.path.relpath(image, paths.TOP)],
                          cwd=paths.TOP, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
        raise ValueError('building nn_bench for %s failed: %s' % (model_path, lines[-1] if lines else proc.returncode))


def run_bench(image=board.IMAGE, model_path=board.KWS):
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
    kws = os.path.exists(board.KWS) and open(board.KWS, 'rb').read() == data
    return {
        'model': os.path.basename(model_path), 'model_crc32': crc, 'kernels': info.get('kernels'), 'macs': total_macs,
        'instructions': total, 'per_mac': round(total / total_macs, 3) if total_macs else None,
        'arena_bytes': info['arena_used'], 'arena_planned': info['arena_planned'],
        'setup_instructions': info['setup_instructions'], 'code_bytes': sum(code.values()),
        'code_bytes_per_module': dict(sorted(code.items(), key=lambda kv: -kv[1])),
        'ops': ops, 'tflm_cmsis_nn': TFLM_CMSIS_NN if kws else None,
        'vs_tflm_cmsis_nn': round(total / TFLM_CMSIS_NN['instructions'], 3) if kws else None,
    }


def table(r):
    a = r['tflm_cmsis_nn']
    lines = ['h7nn on %s (crc32 %s, %s kernels), simulated STM32H743 (1 instruction = 1 cycle)'
             % (r['model'], r['model_crc32'], r['kernels']),
             '', '%-3s %-18s %12s %10s %9s %12s' % ('#', 'op', 'instructions', 'MACs', 'instr/MAC',
                                                   'TFLM+CMSIS' if a else '')]
    first_conv = True
    for o in r['ops']:
        anchor = ''
        if not a:
            pass
        elif o['op'] == 'CONV_2D':
            anchor = '%.2f/MAC' % a['per_mac']['CONV_2D_first' if first_conv else 'CONV_2D_1x1']
            first_conv = False
        elif o['op'] in ('DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'):
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
                  'engine + kernels code: %d bytes of flash  (TFLM+CMSIS-NN int8 registrations %d)'
                  % (r['code_bytes'], a['code_bytes'])]
    else:
        lines += ['', 'Invoke: %d instructions, %s (SMLAD bound %d)' % (r['instructions'], per_mac, r['macs'] // 2),
                  'arena: %d bytes used, %d planned at build time' % (r['arena_bytes'], r['arena_planned']),
                  'engine + kernels code: %d bytes of flash' % r['code_bytes']]
    lines += ['setup (init + allocate): %d instructions' % r['setup_instructions'], '', 'code bytes per module:']
    lines += ['  %-28s %6d' % kv for kv in r['code_bytes_per_module'].items()]
    return '\n'.join(lines) + '\n'


def _write(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix='.tmp')
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def main(args):
    model = args.model or board.KWS
    if not os.path.exists(model):
        raise ValueError('%s not found%s' % (model, '' if args.model else ' (../shared: set H7_SHARED)'))
    # the engine's verdict first: a model the board would refuse stops here with its message
    from h7nn.embed import verify
    verify(model)
    build_image(model)
    r = run_bench(board.IMAGE, model)
    text = table(r)
    _write(args.output + '.json', json.dumps(r, indent=2) + '\n')
    _write(args.output + '.txt', text)
    print(text)
    print('wrote %s.json and %s.txt' % (args.output, args.output))
    return 0
