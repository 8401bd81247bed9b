"""Supply-current table of the STM32H743 per operating point and mode, for the energy
estimate of a run.

Every figure must cite its source (DS12110, the STM32H743xI datasheet, with table and
revision). The sources reachable while this table was written (no internet; the search
tool's stored pages) did not contain DS12110's supply-current tables, so NO figure is
filled in here: each entry says so instead of inventing a number, and the estimate
reports which time it could not cost. Fill the table from your copy of DS12110
("Typical and maximum current consumption in Run mode, code with data processing running
from Flash memory, cache ON", the Sleep-mode table and the Stop-mode table) with
`--energy-table my_table.json`: {"run/480/VOS0": {"mA": 123.0, "source": "DS12110 Rev 8
Table 36"}, ...}. Keys are mode/MHz/VOS ('stop' ignores MHz: "stop/*/SVOS3")."""
import json

from .errors import SimError

SUPPLY_V = 3.3
NOT_FOUND = 'not found: DS12110 supply-current tables were not reachable here; supply the figure'

# key -> {'mA': float or None, 'source': str}
DEFAULT_TABLE = {
    'run/480/VOS0': {'mA': None, 'source': 'DS12110 table "current consumption in Run mode" -- ' + NOT_FOUND},
    'run/240/VOS1': {'mA': None, 'source': 'DS12110 table "current consumption in Run mode" -- ' + NOT_FOUND},
    'run/120/VOS2': {'mA': None, 'source': 'DS12110 table "current consumption in Run mode" -- ' + NOT_FOUND},
    'run/64/VOS3': {'mA': None, 'source': 'DS12110 table "current consumption in Run mode" -- ' + NOT_FOUND},
    'sleep/480/VOS0': {'mA': None, 'source': 'DS12110 table "current consumption in Sleep mode" -- ' + NOT_FOUND},
    'sleep/240/VOS1': {'mA': None, 'source': 'DS12110 table "current consumption in Sleep mode" -- ' + NOT_FOUND},
    'sleep/120/VOS2': {'mA': None, 'source': 'DS12110 table "current consumption in Sleep mode" -- ' + NOT_FOUND},
    'sleep/64/VOS3': {'mA': None, 'source': 'DS12110 table "current consumption in Sleep mode" -- ' + NOT_FOUND},
    'stop/*/SVOS3': {'mA': None, 'source': 'DS12110 table "current consumption in Stop mode" -- ' + NOT_FOUND},
}


def load_table(path=None):
    table = {k: dict(v) for k, v in DEFAULT_TABLE.items()}
    if path:
        try:
            with open(path) as f:
                extra = json.load(f)
        except (OSError, ValueError) as exc:
            raise SimError(f'energy table {path}: {exc}')
        for key, entry in extra.items():
            if not isinstance(entry, dict) or 'mA' not in entry or not entry.get('source'):
                raise SimError(f'energy table {path}: entry {key!r} needs "mA" and "source" (the DS12110 table)')
            table[key] = {'mA': float(entry['mA']) if entry['mA'] is not None else None,
                          'source': str(entry['source'])}
    return table


def key_for(mode, hz, vos):
    if mode == 'stop':
        return 'stop/*/SVOS3'
    return f'{mode}/{round(hz / 1e6)}/{vos}'


def estimate(mode_times, table):
    """Energy per (mode, operating point) in joules where the table has a figure.

    Returns (rows, total_joules, uncosted_seconds)."""
    rows, total, uncosted = [], 0.0, 0.0
    for (mode, hz, vos), seconds in sorted(mode_times.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        if seconds <= 0:
            continue
        key = key_for(mode, hz, vos)
        entry = table.get(key, {'mA': None, 'source': 'no entry for this operating point'})
        joules = None
        if entry['mA'] is not None:
            joules = entry['mA'] * 1e-3 * SUPPLY_V * seconds
            total += joules
        else:
            uncosted += seconds
        rows.append({'mode': mode, 'cpu_mhz': round(hz / 1e6, 3), 'vos': vos, 'seconds': seconds,
                     'table_key': key, 'mA': entry['mA'], 'source': entry['source'], 'joules': joules})
    return rows, total, uncosted
