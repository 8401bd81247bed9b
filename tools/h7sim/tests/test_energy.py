"""The supply-current table: it covers what the firmware really runs at (read from the
firmware sources and from a run of the real platform_demo image), every figure cites
DS12110, the printed rows are transcribed as printed, and estimate() adds up."""
import json
import os
import re

import pytest

from h7sim import energy
from h7sim.errors import SimError

from h7voice import paths

PLATFORM = os.path.join(paths.FIRMWARE, 'platform', 'stm32h743')
DEMO_ELF = paths.app_image('platform_demo')


def firmware_operating_points():
    """(MHz, 'VOSn') of every entry of h7_opp_table in opp_table.h."""
    with open(os.path.join(PLATFORM, 'opp_table.h')) as f:
        text = f.read()
    found = re.findall(r'\[H7_OPP_\d+\]\s*=\s*\{\s*(\d+)u\s*,\s*\d+\s*,\s*\d+\s*,\s*(\d)\s*,', text)
    assert found, 'no h7_opp_table entries found in opp_table.h'
    return [(int(hz) // 1000000, f'VOS{vos}') for hz, vos in found]


def firmware_stop_svos():
    """The SVOS level power.c programs before Stop (PWR_CR1.SVOS: 3 = SVOS3, 2 = SVOS4, 1 = SVOS5)."""
    with open(os.path.join(PLATFORM, 'power.c')) as f:
        text = f.read()
    values = set(re.findall(r'\((\d)u << H7_PWR_CR1_SVOS_Pos\)', text))
    assert len(values) == 1, f'expected one SVOS value in power.c, found {values}'
    return {'3': 'SVOS3', '2': 'SVOS4', '1': 'SVOS5'}[values.pop()]


def test_firmware_points_are_the_ones_the_table_was_built_for():
    assert sorted(firmware_operating_points()) == sorted(energy.FIRMWARE_POINTS)
    assert firmware_stop_svos() == energy.STOP_SVOS


def test_every_firmware_point_and_mode_has_a_figure():
    for mhz, vos in firmware_operating_points():
        for mode in ('run', 'sleep'):
            key = energy.key_for(mode, mhz * 1e6, vos)
            assert key in energy.DEFAULT_TABLE, key
            assert energy.DEFAULT_TABLE[key]['mA'] is not None, key
    stop = energy.DEFAULT_TABLE[energy.key_for('stop', 64e6, firmware_stop_svos())]
    assert stop['mA'] is not None
    assert f'row {firmware_stop_svos()} ' in stop['source']


def test_every_figure_cites_the_datasheet_table():
    for key, entry in energy.DEFAULT_TABLE.items():
        if entry['mA'] is None:
            continue
        source = entry['source']
        assert source.startswith('DS12110 Rev 10'), key
        assert re.search(r'Table 1(29|33|34) "', source), key
        assert 'TJ = 25 degC, VDD = 3.3 V' in source, key
        assert entry['basis'] in ('row', 'interpolated', 'upper_bound'), key
        if entry['basis'] == 'upper_bound':
            assert 'upper bound' in source and 0 < entry['mA_low'] < entry['mA'], key
        else:
            assert 'mA_low' not in entry, key


@pytest.mark.parametrize('key, mA, basis', [
    # as printed in DS12110 Rev 10, Tables 129 (run, ITCM), 134 (sleep), 133 (stop)
    ('run/480/VOS0', 148.0, 'row'),
    ('sleep/480/VOS0', 50.7, 'row'),
    ('stop/*/SVOS3', 3.07, 'row'),
    # 56 + (76 - 56) * 24 / 84; 18.8 + (24.6 - 18.8) * 40 / 100
    ('run/240/VOS2', 61.714, 'interpolated'),
    ('sleep/240/VOS2', 21.12, 'interpolated'),
    # 16 + (35 - 16) * 60 / 84; 16 + (35 - 16) * 4 / 84
    ('run/120/VOS3', 29.571, 'interpolated'),
    ('run/64/VOS3', 16.905, 'interpolated'),
    # Table 134 stops at 200 MHz for VOS3
    ('sleep/120/VOS3', 16.5, 'upper_bound'),
    ('sleep/64/VOS3', 16.5, 'upper_bound'),
    # the 16 MHz waiting point: Sleep <= Run at 16 MHz VOS3, bounded by Table 129's 25 MHz row
    ('run/16/VOS3', 12.0, 'upper_bound'),
    ('sleep/16/VOS3', 12.0, 'upper_bound'),
    # DVFS transition: 64 MHz on HSI while VOS0 is still set; the lowest VOS0 row is 400 MHz
    ('run/64/VOS0', 125.0, 'upper_bound'),
])
def test_figures(key, mA, basis):
    entry = energy.DEFAULT_TABLE[key]
    assert entry['mA'] == pytest.approx(mA, abs=1e-3)
    assert entry['basis'] == basis


def test_upper_bound_entries_carry_the_proportional_lower_bound():
    assert energy.DEFAULT_TABLE['sleep/64/VOS3']['mA_low'] == pytest.approx(16.5 * 64 / 200)
    assert energy.DEFAULT_TABLE['sleep/120/VOS3']['mA_low'] == pytest.approx(16.5 * 120 / 200)


def test_nothing_is_extrapolated_above_the_rows():
    fig = energy.figure_from_rows({200: 16.5}, 300, 'VOS3')
    assert fig['mA'] is None and 'nothing is extrapolated' in fig['how']


def test_estimate_adds_up_made_up_times():
    mode_times = {
        ('run', 480e6, 'VOS0'): 0.5,      # 148 mA
        ('sleep', 64e6, 'VOS3'): 1.0,     # 16.5 mA (low 5.28 mA)
        ('stop', 64e6, 'SVOS3'): 2.0,     # 3.07 mA
        ('run', 12e6, 'VOS3'): 0.25,      # no such point: not costed
        ('sleep', 240e6, 'VOS2'): 0.0,    # no time: no row
    }
    rows, joules, uncosted = energy.estimate(mode_times, energy.load_table())
    assert joules == pytest.approx(3.3 * (0.148 * 0.5 + 0.0165 * 1.0 + 0.00307 * 2.0))  # 0.318912 J
    assert joules == pytest.approx(0.318912)
    assert uncosted == pytest.approx(0.25)
    by_key = {r['table_key']: r for r in rows}
    assert set(by_key) == {'run/480/VOS0', 'sleep/64/VOS3', 'stop/*/SVOS3', 'run/12/VOS3'}
    assert by_key['sleep/64/VOS3']['joules_low'] == pytest.approx(3.3 * 0.00528)
    assert by_key['run/480/VOS0']['joules_low'] == by_key['run/480/VOS0']['joules']
    assert by_key['run/12/VOS3']['joules'] is None


def test_energy_table_file_overrides_and_bad_files_are_clear(tmp_path):
    good = tmp_path / 'table.json'
    good.write_text(json.dumps({'run/480/VOS0': {'mA': 110, 'source': 'DS12110 Rev 10 Table 130, flash, cache ON'}}))
    table = energy.load_table(str(good))
    assert table['run/480/VOS0'] == {'mA': 110.0, 'basis': 'given',
                                     'source': 'DS12110 Rev 10 Table 130, flash, cache ON'}
    assert table['sleep/480/VOS0']['mA'] == 50.7
    for text, message in (('{"run/480/VOS0": {"mA": 1}}', 'needs "mA" and "source"'),
                          ('{"run/480/VOS0": {"mA": "lots", "source": "x"}}', 'must be a number'),
                          ('[1, 2]', 'JSON object'),
                          ('{not json', 'table.json')):
        good.write_text(text)
        with pytest.raises(SimError, match=message):
            energy.load_table(str(good))


def test_the_board_reports_only_keys_the_table_costs():
    """Runs the real platform_demo image through every operating point, Sleep and Stop: every
    (mode, clock, VOS) the board accounts time to, DVFS transitions included, has a figure,
    and the firmware's own points get the figures above."""
    from h7sim.board import Board

    board = Board(DEMO_ELF, wall_limit=60)
    try:
        def command(line, seconds):
            board.uart_write(line + '\n')
            board.run(seconds=seconds)

        board.run(seconds=0.05)
        for mhz in (480, 240, 120, 64, 16, 480):
            command(f'opp {mhz}', 0.01)
            command('sleep 5', 0.02)
        command('opp 240', 0.01)
        command('stop', 0.02)
        assert board.mode == 'stop'
        command('', 0.02)
        assert not board.faults
        board._account()
        seen = {key: s for key, s in board.mode_times.items() if s > 0}
        # time is charged to the VOS it ran at: parsing 'opp 480' at 16 MHz is VOS3 time;
        # VOS1 at 16 MHz lasts only the few instructions between the VOS and ODEN writes
        assert board.mode_times[('run', 16e6, 'VOS3')] > 0
        assert board.mode_times.get(('run', 16e6, 'VOS1'), 0.0) < 2e-6
    finally:
        board.close()
    rows, joules, uncosted = energy.estimate(seen, energy.load_table())
    assert uncosted == 0.0, [r for r in rows if r['mA'] is None]
    keys = {r['table_key'] for r in rows}
    for mhz, vos in firmware_operating_points():
        assert f'run/{mhz}/{vos}' in keys and f'sleep/{mhz}/{vos}' in keys
    assert f'stop/*/{firmware_stop_svos()}' in keys  # what power.c wrote to PWR_CR1.SVOS
    assert joules > 0


def test_wall_factor_from_the_environment(monkeypatch):
    """H7SIM_WALL_FACTOR scales the default wall-clock limit; a bad value is one line."""
    from h7sim.board import default_wall_limit
    from h7sim.errors import SimError
    monkeypatch.delenv('H7SIM_WALL_FACTOR', raising=False)
    assert default_wall_limit(20.0) == 200.0 and default_wall_limit(1.0) == 60.0
    monkeypatch.setenv('H7SIM_WALL_FACTOR', '40')
    assert default_wall_limit(20.0) == 800.0
    monkeypatch.setenv('H7SIM_WALL_FACTOR', 'fast')
    with pytest.raises(SimError, match='H7SIM_WALL_FACTOR'):
        default_wall_limit(20.0)
