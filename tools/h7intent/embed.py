"""The commands image's embedded context (firmware/apps/commands/commands_context.h), as C:

    python -m h7intent.embed --context CONTEXT.yml [--wake "hey computer"] [--sensitivity S] -o OUT.c

Everything the image decides with comes from here and from the same modules the host tools
use: the context's graph and table (h7context.graph / table), the wake phrase's graph and
the thresholds (h7intent.engine, calibration.json), the actions table (h7context.actions),
and the decoders' workspaces sized by the C library itself for these graphs.
Bad input: one line, exit status 2.
"""
import argparse
import os
import sys

from h7voice import board_pins, paths


def _bytes(name, data, align=8):
    rows = [', '.join(str(b) for b in data[i:i + 24]) for i in range(0, len(data), 24)]
    body = ',\n    '.join(rows) if rows else '0'
    return (f'const uint8_t {name}[{max(1, len(data))}] __attribute__((aligned({align}))) = {{\n    {body}\n}};\n'
            f'const uint32_t {name}_bytes_ = {len(data)}u;\n')


def _cstr(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"' if s is not None else 'NULL'


def _pin(name):
    p = board_pins.load()[name]
    return f"{((ord(p.port) - ord('A')) << 4) | p.number}u /* {name} P{p.port}{p.number} */"


def actions_c(ir, table):
    out, entries = [], []
    for k, intent in enumerate(ir['intents']):
        steps = table.get(intent['name'], [])
        rows = []
        for s, step in enumerate(steps):
            when = step.get('when', {})
            if when:
                out.append(f'static const cmd_when_t when_{k}_{s}[] = {{'
                           + ', '.join(f'{{{_cstr(a)}, {_cstr(b)}}}' for a, b in when.items()) + '};')
            wref = f'when_{k}_{s}' if when else 'NULL'
            if 'event' in step:
                rows.append(f'{{.kind = CMD_STEP_EVENT, .event = {_cstr(step["event"])}, .when = {wref}, '
                            f'.when_count = {len(when)}}}')
            elif 'pin' in step:
                level = {'low': 'CMD_LEVEL_LOW', 'high': 'CMD_LEVEL_HIGH', 'toggle': 'CMD_LEVEL_TOGGLE'}[step['level']]
                rows.append(f'{{.kind = CMD_STEP_PIN, .level = {level}, .pin_count = 1, .pins = {{{_pin(step["pin"])}}}, '
                            f'.when = {wref}, .when_count = {len(when)}}}')
            else:
                out.append(f'static const cmd_map_t map_{k}_{s}[] = {{'
                           + ', '.join(f'{{{_cstr(v)}, {n}u}}' for v, n in step['map'].items()) + '};')
                pins = ', '.join(_pin(p) for p in step['pins'])
                rows.append(f'{{.kind = CMD_STEP_PINS, .pin_count = {len(step["pins"])}, .pins = {{{pins}}}, '
                            f'.slot = {_cstr(step["slot"])}, .map = map_{k}_{s}, .map_count = {len(step["map"])}, '
                            f'.when = {wref}, .when_count = {len(when)}}}')
        if rows:
            out.append(f'static const cmd_step_t steps_{k}[] = {{\n    ' + ',\n    '.join(rows) + '\n};')
            entries.append(f'{{steps_{k}, {len(rows)}}} /* {intent["name"]} */')
        else:
            entries.append(f'{{NULL, 0}} /* {intent["name"]} */')
    out.append('const cmd_intent_actions_t cmd_actions[] = {\n    ' + ',\n    '.join(entries) + '\n};')
    out.append(f'const uint32_t cmd_action_intents = {len(entries)}u;')
    return '\n'.join(out) + '\n'


def generate(context, wake='', sensitivity=0.5, actions=None, ctc=False):
    """(C text, info) for the image."""
    from h7context import actions as actions_mod, graph, parser, table
    from h7speech import decoder

    from .engine import calibration, wake_graph, wake_settings
    ir = parser.load(context)
    blob, info = graph.compile_ir(ir)
    tab = table.build(ir, blob)
    path = actions or actions_mod.beside(context)
    acts = actions_mod.load(path, ir) if (actions or os.path.exists(path)) else {}
    cal = calibration()
    opts = cal['intent']['decoder']
    one = decoder.SCORE_ONE
    intent_ws = decoder.Decoder(blob, decoder.RECOGNIZE, ctc=int(ctc), **opts).workspace_bytes
    wake_blob, wake_ws, verify_ws = b'', 0, 0
    ws = wake_settings(sensitivity, cal)
    if wake:
        wake_blob = wake_graph(wake)
        wake_ws = decoder.Decoder(wake_blob, decoder.SPOT, ctc=int(ctc), spot_threshold=ws['spot_threshold'],
                                  beam=ws['beam'], filler_penalty=ws['filler_penalty']).workspace_bytes
        verify_ws = decoder.Decoder(wake_blob, decoder.ALIGN, ctc=int(ctc), beam=ws['beam'],
                                    filler_penalty=ws['filler_penalty']).workspace_bytes
    settings = (f'const cmd_settings_t cmd_settings = {{\n'
                f'    .context = {_cstr(os.path.basename(context))},\n'
                f'    .wake_phrase = {_cstr(wake)},\n'
                f'    .reject = {int(round(cal["intent"]["reject"] * one))},\n'
                f'    .wake_threshold = {int(round(ws["spot_threshold"] * one))},\n'
                f'    .wake_accept = {int(round(ws["accept"] * one))},\n'
                f'    .wake_coverage_weight_q8 = {int(round(ws["coverage_weight"] * 256))},\n'
                f'    .wake_beam = {int(round(ws["beam"] * one))},\n'
                f'    .wake_filler_penalty = {int(round(ws["filler_penalty"] * one))},\n'
                f'    .sensitivity_milli = {int(round(sensitivity * 1000))}u,\n'
                f'    .beam = {int(round(opts.get("beam", 12.0) * one))},\n'
                f'    .filler_penalty = {int(round(opts.get("filler_penalty", -2.0) * one))},\n'
                f'    .max_active = {int(opts.get("max_active", 300))}u,\n'
                f'    .max_links = {int(opts.get("max_links", 0))}u,\n}};\n')
    text = ['/* Generated by python -m h7intent.embed: do not edit. */',
            '#include <stddef.h>', '#include "apps/commands/commands_context.h"',
            '#include "platform/sections.h"', '',
            '/* the context graph is the graph the phone model decodes with (phones_model.h) */',
            _bytes('phones_graph', blob).replace('phones_graph_bytes_', 'phones_graph_bytes'),
            f'const char phones_graph_name[] = {_cstr(os.path.basename(context))};',
            _bytes('cmd_table_data', tab).replace('cmd_table_data_bytes_', 'cmd_table_bytes'),
            _bytes('cmd_wake_graph', wake_blob).replace('cmd_wake_graph_bytes_', 'cmd_wake_graph_bytes'),
            settings,
            f'uint8_t cmd_intent_workspace[{intent_ws}] __attribute__((aligned(8)));',
            f'const uint32_t cmd_intent_workspace_bytes = {intent_ws}u;',
            f'uint8_t cmd_wake_workspace[{max(8, wake_ws)}] __attribute__((aligned(8)));',
            f'const uint32_t cmd_wake_workspace_bytes = {wake_ws}u;',
            f'uint8_t cmd_verify_workspace[{max(8, verify_ws)}] __attribute__((aligned(8)));',
            f'const uint32_t cmd_verify_workspace_bytes = {verify_ws}u;', '',
            actions_c(ir, acts)]
    return '\n'.join(text), {'graph_bytes': len(blob), 'table_bytes': len(tab), 'wake_graph_bytes': len(wake_blob),
                             'intent_workspace': intent_ws, 'wake_workspace': wake_ws + verify_ws,
                             'shared_slots': info['shared_slots']}


def main(argv=None):
    from h7context.parser import ContextError

    from .engine import IntentError
    ap = argparse.ArgumentParser(prog='python -m h7intent.embed', description=__doc__.split('\n')[0])
    ap.add_argument('--context', required=True)
    ap.add_argument('--wake', default='')
    ap.add_argument('--sensitivity', type=float, default=0.5)
    ap.add_argument('--actions', default=None)
    ap.add_argument('--ctc', type=int, choices=(0, 1), default=0, help="the model's record: trained with CTC")
    ap.add_argument('-o', '--output', required=True)
    a = ap.parse_args(argv)
    try:
        text, info = generate(a.context, a.wake, a.sensitivity, a.actions, bool(a.ctc))
    except (ContextError, IntentError, paths.MissingPart) as err:
        print(f'h7intent.embed: {err}', file=sys.stderr)
        return 2
    with open(a.output, 'w') as f:
        f.write(text)
    print(f"{a.output}: graph {info['graph_bytes']:,} B + table {info['table_bytes']:,} B + wake graph "
          f"{info['wake_graph_bytes']:,} B; decoder workspaces {info['intent_workspace']:,} + {info['wake_workspace']:,} B")
    return 0


if __name__ == '__main__':
    sys.exit(main())
