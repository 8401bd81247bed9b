"""h743_regs.h and startup.c against ST's CMSIS device header and start-up file.

The oracle is ../shared/st (or $H7_ST_HEADER_DIR, e.g. a pack fetched by
`h7voice packs fetch`); its absence fails in one line, never skips. The count of checked
definitions goes to build/bench/registers.json."""
import os
import re

import pytest

from h7voice import paths
from h7packs import regcheck


def _st_folder():
    try:
        return regcheck.st_dir()
    except paths.MissingPart as e:
        pytest.fail(str(e), pytrace=False)


def _fail_with(report):
    if report.problems:
        pytest.fail(f'{len(report.problems)} definitions disagree with ST\'s header '
                    f'({report.st_folder}):\n  ' + '\n  '.join(report.problems), pytrace=False)


def test_firmware_registers_agree_with_st():
    report = regcheck.check_firmware(_st_folder())
    path = regcheck.write_json({'firmware': report.as_json()})
    print(f'{report.total} firmware definitions checked against ST ({paths.rel(path)}); '
          f'{len(report.not_in_st)} not in ST\'s header (Arm core, RM0433 encodings)')
    _fail_with(report)
    # Every category must have been reached: a parser that silently found nothing fails.
    for category, floor in (('base addresses', 20), ('register offsets', 300), ('bit fields and values', 250),
                            ('bit positions', 50), ('IRQ numbers', 140), ('vector table', 166)):
        assert report.checked.get(category, 0) >= floor, (category, report.checked)


@pytest.mark.parametrize('edit', [
    # a wrong bit, a wrong _Pos, a wrong base, a shifted register, a wrong IRQ, a swapped vector
    ('#define H7_USART_ISR_TXE H7_BIT(7)', '#define H7_USART_ISR_TXE H7_BIT(6)'),
    ('#define H7_RCC_PLLDIVR_DIVQ_Pos 16u', '#define H7_RCC_PLLDIVR_DIVQ_Pos 15u'),
    ('#define H7_DMAMUX1_BASE 0x40020800u', '#define H7_DMAMUX1_BASE 0x40020C00u'),
    ('uint32_t RESERVED7[9];', 'uint32_t RESERVED7[8];'),
    ('H7_IRQ_USART3 = 39', 'H7_IRQ_USART3 = 38'),
])
def test_a_broken_definition_is_caught(tmp_path, edit):
    with open(regcheck.OURS, encoding='utf-8') as f:
        text = f.read()
    assert edit[0] in text, f'the test edit no longer applies: {edit[0]}'
    broken = tmp_path / 'h743_regs.h'
    broken.write_text(text.replace(edit[0], edit[1], 1))
    report = regcheck.check_firmware(_st_folder(), ours_path=str(broken))
    assert report.problems, f'{edit[1]} went unnoticed'


def test_a_swapped_vector_is_caught(tmp_path):
    with open(regcheck.STARTUP_C, encoding='utf-8') as f:
        text = f.read()
    broken = tmp_path / 'startup.c'
    broken.write_text(text.replace('[16 + 36] = SPI2_IRQHandler', '[16 + 36] = SPI1_IRQHandler', 1))
    report = regcheck.check_firmware(_st_folder(), startup_path=str(broken))
    assert any(re.search(r'vector slot 52', p) for p in report.problems), report.problems


def test_missing_st_folder_names_it_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv(regcheck.ENV_DIR, str(tmp_path))
    with pytest.raises(paths.MissingPart) as e:
        regcheck.st_dir()
    assert str(tmp_path) in str(e.value) and '\n' not in str(e.value)
    assert not os.listdir(tmp_path)
