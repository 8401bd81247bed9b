"""The NUCLEO-H743ZI2 pin table (firmware/platform/stm32h743/board_pins.def), read for the
simulator, the tests and the docs: the same X-macro rows the firmware compiles.

    python -m h7voice.board_pins      # the table as Markdown, for the READMEs
"""
import os
import re
import sys
from collections import namedtuple

from h7voice import paths

TABLE = os.path.join(paths.FIRMWARE, 'platform', 'stm32h743', 'board_pins.def')
Pin = namedtuple('Pin', 'name port number arduino use what')
_ROW = re.compile(r'^H7_BOARD_PIN\(\s*(\w+)\s*,\s*\'([A-K])\'\s*,\s*(\d+)\s*,\s*"([^"]*)"\s*,'
                  r'\s*(BOARD|FREE)\s*,\s*"([^"]*)"\s*\)\s*$', re.M)


def load(path=TABLE):
    """{name: Pin} in table order; ValueError naming the line for a row that does not parse."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    pins = {}
    for line in text.splitlines():
        if line.startswith('H7_BOARD_PIN('):
            m = _ROW.match(line)
            if not m:
                raise ValueError(f'{paths.rel(path)}: row not understood: {line}')
            name, port, number, arduino, use, what = m.groups()
            pins[name] = Pin(name, port, int(number), arduino, use, what)
    return pins


def pin(name):
    """(port letter, number) of one named pin, e.g. pin('MIC_WAKE') -> ('G', 14)."""
    p = load()[name]
    return p.port, p.number


def label(name):
    """'PG14' style name of one pin."""
    port, number = pin(name)
    return f'P{port}{number}'


def markdown():
    rows = ['| name | pin | Arduino | use | what |', '|---|---|---|---|---|']
    for p in load().values():
        rows.append(f'| `H7_PIN_{p.name}` | P{p.port}{p.number} | {p.arduino} | {p.use.lower()} | {p.what} |')
    return '\n'.join(rows)


if __name__ == '__main__':
    sys.stdout.write(markdown() + '\n')
