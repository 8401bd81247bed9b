"""The simulator's peripheral map against ST's CMSIS device header: each modelled
peripheral's base address and name, the register offsets its model decodes, the IRQ
numbers it raises, and the unmodelled peripherals the memory map names. The count goes
to build/bench/registers.json beside the firmware's."""
import pytest

from h7voice import paths
from h7packs import regcheck
from h7sim.board import Board


def test_simulator_registers_agree_with_st(core_test_elf):
    try:
        folder = regcheck.st_dir()
    except paths.MissingPart as e:
        pytest.fail(str(e), pytrace=False)
    report = regcheck.check_simulator(Board(core_test_elf), folder)
    path = regcheck.write_json({'simulator': report.as_json()})
    print(f'{report.total} simulator definitions checked against ST ({paths.rel(path)})')
    if report.problems:
        pytest.fail(f'{len(report.problems)} simulator definitions disagree with ST\'s header:\n  '
                    + '\n  '.join(report.problems), pytrace=False)
    for category, floor in (('sim base addresses', 60), ('sim register offsets', 50),
                            ('sim IRQ numbers', 20)):
        assert report.checked.get(category, 0) >= floor, (category, report.checked)
