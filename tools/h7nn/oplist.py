"""The engine's op list, read from firmware/engine/h7nn_ops.def (the X-macro file the C
resolvers and kernel tables are built from): no op list is kept anywhere else."""
import os
import re

from h7voice import paths

DEF_FILE = os.path.join(paths.FIRMWARE, 'engine', 'h7nn_ops.def')
_OP = re.compile(r'^H7NN_OP\((\d+),\s*(\w+),\s*(\w+),\s*(REF|M7),\s*(\d+)\)\s*$')
_SCHEMA = re.compile(r'^H7NN_SCHEMA_OP\((\d+),\s*(\w+)\)\s*$')


def _read():
    ops, names = {}, {}
    with open(DEF_FILE) as f:
        for line in f:
            m = _OP.match(line)
            if m:
                code, name, ident, kernels = int(m.group(1)), m.group(2), m.group(3), m.group(4)
                ops[name] = {'code': code, 'name': name, 'ident': ident, 'm7': kernels == 'M7',
                             'options_type': int(m.group(5))}
                names[code] = name
                continue
            m = _SCHEMA.match(line)
            if m:
                names[int(m.group(1))] = m.group(2)
    if not ops:
        raise RuntimeError('%s lists no H7NN_OP entries' % DEF_FILE)
    return ops, names


OPS, OP_NAMES = _read()   # {NAME: {code, name, ident, m7, options_type}}, {builtin code: NAME} (every schema op)


def kernel_expr(name):
    """The C expression of the build's kernel for op NAME (generated resolvers)."""
    op = OPS[name]
    return '&H7NN_KERNEL_M7(%s)' % op['ident'] if op['m7'] else '&h7nn_ref_%s' % op['ident']


def table():
    """The op list as text (python -m h7nn ops; the READMEs point here)."""
    lines = ['%-4s %-20s %s' % ('code', 'op', 'kernels')]
    for op in sorted(OPS.values(), key=lambda o: o['code']):
        lines.append('%-4d %-20s %s' % (op['code'], op['name'], 'reference + M7' if op['m7'] else 'reference'))
    return '\n'.join(lines)
