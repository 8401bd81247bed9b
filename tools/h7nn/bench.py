"""`python -m h7nn bench`: the engine on the simulated board, next to TFLM + CMSIS-NN.

Runs the nn_bench image (build/firmware/firmware/apps/nn_bench/nn_bench.elf, built by scons
from the MLPerf Tiny KWS reference model), reads its per-op DWT instruction counts, arena
and setup figures, adds MACs per op (from the model), code bytes per engine module (from the
link map) and the TFLM + CMSIS-NN anchor measured on the same model (../shared/FACTS.md),
and writes OUTPUT.json and OUTPUT.txt.
"""
import json
import os
import re
import tempfile

from h7nn import board
from h7nn.tflite import Model

# TFLM commit 90b983c2 + CMSIS-NN 4ab83cc3 on mlperf_tiny_kws_ref_model, Cortex-M7 (FACTS.md)
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


def run_bench(image=board.IMAGE, model_path=board.KWS):
    model = Model.load(model_path)
    bb = board.BenchBoard(image)
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
    return {
        'model': os.path.basename(model_path), 'kernels': info.get('kernels'), 'macs': total_macs,
        'instructions': total, 'per_mac': round(total / total_macs, 3),
        'arena_bytes': info['arena_used'], 'arena_planned': info['arena_planned'],
        'setup_instructions': info['setup_instructions'], 'code_bytes': sum(code.values()),
        'code_bytes_per_module': dict(sorted(code.items(), key=lambda kv: -kv[1])),
        'ops': ops, 'tflm_cmsis_nn': TFLM_CMSIS_NN,
        'vs_tflm_cmsis_nn': round(total / TFLM_CMSIS_NN['instructions'], 3),
    }


def table(r):
    a = r['tflm_cmsis_nn']
    lines = ['h7nn on %s (%s kernels), simulated STM32H743 (1 instruction = 1 cycle)' % (r['model'], r['kernels']),
             '', '%-3s %-18s %12s %10s %9s %12s' % ('#', 'op', 'instructions', 'MACs', 'instr/MAC', 'TFLM+CMSIS')]
    first_conv = True
    for o in r['ops']:
        anchor = ''
        if o['op'] == 'CONV_2D':
            anchor = '%.2f/MAC' % a['per_mac']['CONV_2D_first' if first_conv else 'CONV_2D_1x1']
            first_conv = False
        elif o['op'] in ('DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'):
            anchor = '%.2f/MAC' % a['per_mac'][o['op']]
        elif o['op'] in a['per_op']:
            anchor = '~%d' % a['per_op'][o['op']]
        lines.append('%-3d %-18s %12d %10d %9s %12s' % (o['index'], o['op'], o['instructions'], o['macs'],
                                                          '%.2f' % o['per_mac'] if o['per_mac'] else '-', anchor))
    lines += ['', 'Invoke: %d instructions, %.2f per MAC  (TFLM+CMSIS-NN %d: %.2fx; SMLAD bound %d)'
              % (r['instructions'], r['per_mac'], a['instructions'], r['vs_tflm_cmsis_nn'], r['macs'] // 2),
              'arena: %d bytes used, %d planned at build time  (TFLM+CMSIS-NN %d)'
              % (r['arena_bytes'], r['arena_planned'], a['arena_bytes']),
              'engine + kernels code: %d bytes of flash  (TFLM+CMSIS-NN int8 registrations %d)'
              % (r['code_bytes'], a['code_bytes']),
              'setup (init + allocate): %d instructions' % r['setup_instructions'], '', 'code bytes per module:']
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
    if args.model and os.path.abspath(args.model) != os.path.abspath(board.KWS):
        raise ValueError('the nn_bench image embeds its model at build time: rebuild it with '
                         'H7NN_BENCH_MODEL=%s scons variant=firmware, then run bench without a model' % args.model)
    r = run_bench()
    text = table(r)
    _write(args.output + '.json', json.dumps(r, indent=2) + '\n')
    _write(args.output + '.txt', text)
    print(text)
    print('wrote %s.json and %s.txt' % (args.output, args.output))
    return 0
