"""Supply-current table of the STM32H743 per mode and operating point, for the energy
estimate of a simulated run (joules = mA x VDD x seconds, VDD = 3.3 V).

Source: DS12110 Rev 10 (March 2023), "STM32H742xI/G STM32H743xI/G" datasheet, section 7
"Electrical characteristics (rev V)" -- rev V is the silicon revision that runs 480 MHz at
VOS0 (Table 122), the point the firmware's DVFS tops out at. Every figure is a TYPICAL value,
which section 7.1.2 defines as TJ = 25 degC, VDD = 3.3 V (design guidelines, not tested).

What is covered (keys "mode/MHz/VOS" as key_for() builds them from what the board reports):
- run: Table 129 "Typical and maximum current consumption in Run mode, code with data
  processing running from ITCM, LDO regulator ON", all peripherals disabled, CoreMark, data
  in DTCM (footnote 1: the cache has no influence then). Chosen because the firmware's hot
  code (H7_ITCM_CODE: DSP and NN kernels) runs from ITCM with data in DTCM, and because this
  table has the VOS3 rows (144 and 60 MHz) that bracket the 120 and 64 MHz points. Code run
  from flash with the cache ON reads lower (Table 130: 110 mA at 480 MHz VOS0 against 148).
- sleep: Table 134 "Typical and maximum current consumption in Sleep mode, LDO regulator",
  all peripherals disabled.
- stop: Table 133 "Typical and maximum current consumption in Stop, LDO regulator ON", row
  D1 Stop, D2 Stop, D3 Stop, flash memory ON, no IWDG, at the SVOS level the firmware selects
  (the board reads PWR_CR1.SVOS at the Stop; power.c writes 1 = SVOS5, FLPS left clear so the
  flash stays ON; all PDDS_Dn clear so every domain goes to DStop).
The firmware's points (opp_table.h): 480 MHz VOS0, 240 MHz VOS2, 120 MHz VOS3, 64 MHz (HSI)
VOS3. Each entry says how its figure was obtained ('basis'):
- 'row': the datasheet row at that frequency and VOS, as printed;
- 'interpolated': linear in frequency between the two rows of the same VOS and table that
  bracket it (Run 240 MHz VOS2 between 216 and 300 MHz, Sleep 240 MHz VOS2 between 200 and
  300 MHz; Run 120 and 64 MHz VOS3 between 60 and 144 MHz);
- 'upper_bound': the table has no row at or below that frequency for that VOS, so the
  lowest-frequency row of the same VOS is used, unscaled: current rises with frequency at a
  fixed VOS in every row pair of these tables, so this overstates, never understates (Sleep at
  120 and 64 MHz VOS3, where Table 134 stops at 200 MHz; and the DVFS transition points such
  as 64 MHz at VOS0 while the regulator or PLL1 settles, which last microseconds). Such an
  entry also carries 'mA_low', that row scaled in proportion to frequency (labelled so in its
  source): a lower bound as long as the dynamic current is proportional to frequency, since
  the static part does not shrink. The two bracket the real figure; 'mA' (the bound from
  above) is what the estimate uses, and each estimate row gives 'joules_low' beside 'joules'.
Nothing is extrapolated beyond the rows.

Not covered (so the estimate is the MCU core supply only, typical, at 25 degC):
- peripherals: the rows are "all peripherals disabled"; SPI2/I2S2, DMA1, USART3 and GPIO
  clocks the firmware keeps on add Table 137 "Peripheral current consumption in Run mode"
  figures, not included here;
- the clock source: the tables do not state it; the 64 MHz point runs from HSI with PLL1 and
  HSE off, which the figure interpolated from the 60 and 144 MHz rows does not account for;
- maximum values and other junction temperatures (the same tables give them), I/O switching
  currents, the NUCLEO board (ST-LINK, LEDs, regulator), VDDA and VBAT;
- Stop with the flash in low-power mode (the firmware does not use it);
- the wake-up from Stop itself (DS12110 "Low-power mode wakeup timings", tWUSTOP: tens of
  microseconds, longer at SVOS4/5 than at SVOS3, while the regulator returns to the run
  level and HSI starts): the simulated core resumes at once and the instructions after the
  wake-up are charged at the point they run at. Bound: 100 us at 148 mA (the highest Run
  figure of the table) is 49 uJ per wake-up.

Override or extend the table with `--energy-table my_table.json`:
{"run/480/VOS0": {"mA": 148.0, "source": "DS12110 Rev 10 Table 129 ..."}, ...}; keys are
mode/MHz/VOS, and 'stop' ignores MHz and keys on the Stop level: "stop/*/SVOS5"."""
import json

from .errors import SimError

SUPPLY_V = 3.3  # DS12110 7.1.2: typical values are at VDD = 3.3 V
STOP_SVOS = 'SVOS5'  # power.c writes PWR_CR1.SVOS = 1 (RM0433: 3 = SVOS3, 2 = SVOS4, 1 = SVOS5)

DATASHEET = 'DS12110 Rev 10 (March 2023), section 7 Electrical characteristics (rev V)'
TYPICAL = 'typ, TJ = 25 degC, VDD = 3.3 V (section 7.1.2)'

RUN_TABLE = ('Table 129 "Typical and maximum current consumption in Run mode, code with data processing '
             'running from ITCM, LDO regulator ON": ' + TYPICAL + ', all peripherals disabled, CoreMark, '
             'data in DTCM (cache has no influence)')
SLEEP_TABLE = ('Table 134 "Typical and maximum current consumption in Sleep mode, LDO regulator": '
               + TYPICAL + ', all peripherals disabled')
STOP_TABLE = ('Table 133 "Typical and maximum current consumption in Stop, LDO regulator ON": ' + TYPICAL
              + ', D1 Stop, D2 Stop, D3 Stop, flash memory ON, no IWDG')

# Typical mA per VOS and CPU MHz, as printed (rev V section; the "fHCLK (MHz)" column is the
# CPU clock: it goes up to 480, and the AHB clock is at most 240).
RUN_ITCM_ROWS = {
    'VOS0': {480: 148, 400: 125},
    'VOS1': {400: 110, 300: 84},
    'VOS2': {300: 76, 216: 56, 200: 53},
    'VOS3': {200: 47, 180: 43, 168: 40, 144: 35, 60: 16, 25: 12},
}
SLEEP_ROWS = {
    'VOS0': {480: 50.7, 400: 43.4},
    'VOS1': {400: 35.3, 300: 27.9},
    'VOS2': {300: 24.6, 200: 18.8},
    'VOS3': {200: 16.5},
}
STOP_ROWS = {'SVOS5': 1.27, 'SVOS4': 2.25, 'SVOS3': 3.07}

# The firmware's operating points (firmware/platform/stm32h743/opp_table.h), and the VOS
# levels each CPU clock may run at (DS12110 Table 122: VOS3 200, VOS2 300, VOS1 400,
# VOS0 480 MHz). A point at a higher VOS than its own is a DVFS transition: the firmware
# raises VOS before it changes the clock and lowers it after, and runs from HSI (64 MHz)
# while PLL1 is re-programmed.
FIRMWARE_POINTS = ((480, 'VOS0'), (240, 'VOS2'), (120, 'VOS3'), (64, 'VOS3'), (16, 'VOS3'))
VOS_MAX_MHZ = {'VOS0': 480, 'VOS1': 400, 'VOS2': 300, 'VOS3': 200}


def _fmt(ma):
    return f'{ma:g} mA'


def figure_from_rows(rows, mhz, vos):
    """{'mA', 'basis', 'how'} (plus 'mA_low' for an upper bound) for `mhz` at `vos` from one
    table's rows of that VOS: the row itself, a linear interpolation between the two rows
    that bracket it, or the lowest row as an upper bound when none is at or below it.
    'mA' is None above the highest row: nothing is extrapolated."""
    if mhz in rows:
        return {'mA': float(rows[mhz]), 'basis': 'row', 'how': f'row {vos} {mhz} MHz = {_fmt(rows[mhz])}'}
    below = [f for f in rows if f < mhz]
    above = [f for f in rows if f > mhz]
    if below and above:
        lo, hi = max(below), min(above)
        ma = rows[lo] + (rows[hi] - rows[lo]) * (mhz - lo) / (hi - lo)
        return {'mA': round(ma, 3), 'basis': 'interpolated',
                'how': f'linear interpolation at {mhz} MHz between rows {vos} {lo} MHz = {_fmt(rows[lo])} '
                       f'and {vos} {hi} MHz = {_fmt(rows[hi])}'}
    if above:
        ref = min(above)
        low = round(rows[ref] * mhz / ref, 3)
        return {'mA': float(rows[ref]), 'basis': 'upper_bound', 'mA_low': low,
                'how': f'no {vos} row at or below {mhz} MHz: row {vos} {ref} MHz = {_fmt(rows[ref])} used '
                       f'unscaled as an upper bound (current rises with frequency at a fixed VOS); mA_low = '
                       f'that row scaled x{mhz}/{ref} = {_fmt(low)}, a lower bound (static current does not scale)'}
    return {'mA': None, 'basis': None, 'how': f'no {vos} row at or above {mhz} MHz; nothing is extrapolated'}


def _entry(table_text, rows, mhz, vos):
    fig = figure_from_rows(rows, mhz, vos)
    entry = {'mA': fig['mA'], 'basis': fig['basis'], 'source': f"{DATASHEET}, {table_text}; {fig['how']}"}
    if 'mA_low' in fig:
        entry['mA_low'] = fig['mA_low']
    return entry


def _sleep_entry(mhz, vos):
    """Sleep from Table 134; where that is only an upper bound (no Sleep row at or below
    mhz), the Run figure of Table 129 at the same clock and VOS bounds it too when lower:
    Sleep is Run with the CPU clock gated (every Sleep row of Table 134 is below the Run row
    of Table 129 at the same clock and VOS), so Sleep <= Run. The lower bound stays the
    Sleep row scaled by frequency."""
    entry = _entry(SLEEP_TABLE, SLEEP_ROWS[vos], mhz, vos)
    if entry['basis'] != 'upper_bound':
        return entry
    run = figure_from_rows(RUN_ITCM_ROWS[vos], mhz, vos)
    if run['mA'] is None or run['mA'] >= entry['mA']:
        return entry
    return {'mA': run['mA'], 'basis': 'upper_bound', 'mA_low': entry['mA_low'],
            'source': f"{DATASHEET}, {RUN_TABLE}; {run['how']}: Sleep <= Run at the same clock and VOS "
                      f"(every Sleep row of Table 134 is below the Run row of Table 129 at the same clock and "
                      f"VOS), a tighter upper bound than {entry['source'].split('; ', 1)[1]}"}


def _default_table():
    table = {}
    for vos, max_mhz in VOS_MAX_MHZ.items():
        for mhz, _ in FIRMWARE_POINTS:
            if mhz > max_mhz or f'run/{mhz}/{vos}' in table:
                continue
            table[f'run/{mhz}/{vos}'] = _entry(RUN_TABLE, RUN_ITCM_ROWS[vos], mhz, vos)
            table[f'sleep/{mhz}/{vos}'] = _sleep_entry(mhz, vos)
    for svos, ma in STOP_ROWS.items():
        table[f'stop/*/{svos}'] = {'mA': float(ma), 'basis': 'row',
                                   'source': f'{DATASHEET}, {STOP_TABLE}; row {svos} = {_fmt(ma)}'}
    return table


# key -> {'mA': float or None, 'basis': 'row' | 'interpolated' | 'upper_bound' | 'given', 'source': str,
#         and 'mA_low' (float) for an upper bound}
DEFAULT_TABLE = _default_table()


def load_table(path=None):
    table = {k: dict(v) for k, v in DEFAULT_TABLE.items()}
    if path:
        try:
            with open(path) as f:
                extra = json.load(f)
        except (OSError, ValueError) as exc:
            raise SimError(f'energy table {path}: {exc}')
        if not isinstance(extra, dict):
            raise SimError(f'energy table {path}: expected a JSON object of "mode/MHz/VOS" keys')
        for key, entry in extra.items():
            if not isinstance(entry, dict) or 'mA' not in entry or not entry.get('source'):
                raise SimError(f'energy table {path}: entry {key!r} needs "mA" and "source" (the DS12110 table)')
            try:
                ma = float(entry['mA']) if entry['mA'] is not None else None
            except (TypeError, ValueError):
                raise SimError(f'energy table {path}: entry {key!r}: "mA" must be a number or null')
            table[key] = {'mA': ma, 'basis': str(entry.get('basis', 'given')), 'source': str(entry['source'])}
    return table


def key_for(mode, hz, vos):
    """Table key for a (mode, CPU Hz, VOS name) the board accounts time to. Stop ignores the
    clock: the core clock is stopped; the board accounts Stop time to the SVOS level of
    PWR_CR1 ('SVOSn'; anything else, as from an older summary, is read as STOP_SVOS)."""
    if mode == 'stop':
        return f"stop/*/{vos if str(vos).startswith('SVOS') else STOP_SVOS}"
    return f'{mode}/{round(hz / 1e6)}/{vos}'


def estimate(mode_times, table):
    """Energy per (mode, operating point) in joules where the table has a figure.

    Returns (rows, total_joules, uncosted_seconds); total_joules uses each entry's 'mA' (for
    an upper-bound entry, the bound from above); each row also has 'joules_low'."""
    rows, total, uncosted = [], 0.0, 0.0
    for (mode, hz, vos), seconds in sorted(mode_times.items(), key=lambda kv: (kv[0][0], -kv[0][1], kv[0][2])):
        if seconds <= 0:
            continue
        key = key_for(mode, hz, vos)
        entry = table.get(key, {'mA': None, 'basis': None, 'source': 'no entry for this operating point'})
        joules = joules_low = None
        if entry['mA'] is not None:
            joules = entry['mA'] * 1e-3 * SUPPLY_V * seconds
            joules_low = entry.get('mA_low', entry['mA']) * 1e-3 * SUPPLY_V * seconds
            total += joules
        else:
            uncosted += seconds
        rows.append({'mode': mode, 'cpu_mhz': round(hz / 1e6, 3), 'vos': vos, 'seconds': seconds,
                     'table_key': key, 'mA': entry['mA'], 'mA_low': entry.get('mA_low'),
                     'basis': entry.get('basis'), 'source': entry['source'],
                     'joules': joules, 'joules_low': joules_low})
    return rows, total, uncosted
