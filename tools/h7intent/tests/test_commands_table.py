"""The context table through the C reader the commands image runs (cmd_table_load,
cmd_interpret via libh7commands.so): every truncation and every single-byte change of a
table is refused with a message or read safely, and a table built for another graph is
refused naming the fix."""
import ctypes

import numpy as np

from h7context import graph, parser, table
from h7intent.engine import _commands
from h7voice import paths

LIGHTS = paths.TOP + '/tools/h7context/examples/lights.yml'


def decide(blob, tab):
    frames = np.full((6, 41), -8 * 256, np.int32)
    out, msg = ctypes.create_string_buffer(512), ctypes.create_string_buffer(256)
    r = _commands().cmd_host_decode(blob, len(blob), tab, len(tab), frames.ctypes.data, 6, 0, 3072, -512,
                                    300, 0, -256, out, 512, msg, 256)
    return r, msg.value.decode()


def test_damaged_tables_are_refused_or_read_safely():
    ir = parser.load(LIGHTS)
    blob, _ = graph.compile_ir(ir)
    tab = table.build(ir, blob)
    assert decide(blob, tab)[0] != -2
    for n in range(0, len(tab), 37):
        r, msg = decide(blob, tab[:n])
        assert r == -2 and msg
    rng = np.random.default_rng(0)
    for at in rng.choice(len(tab), 120, replace=False):
        bad = bytearray(tab)
        bad[at] ^= 0xFF
        r, msg = decide(blob, bytes(bad))
        assert r != -2 or msg


def test_a_table_for_another_graph_is_refused():
    ir = parser.load(LIGHTS)
    blob, _ = graph.compile_ir(ir)
    other, _ = graph.compile_ir(parser.load(paths.TOP + '/tools/h7context/examples/media.yml'))
    r, msg = decide(other, table.build(ir, blob))
    assert r == -2 and 'another graph' in msg
