"""qspi_regs.h, mdma_regs.h and the simulator's QUADSPI/MDMA models against ST's CMSIS
device header (the oracle, ../shared/st), with the checks of tools/h7packs/regcheck.py:
instance bases, every register word of our structs on ST's register of the same name,
every mask and _Pos against ST's macro of the same name (H7_ dropped), and the models'
register-offset constants and IRQ numbers. Encodings ST's header does not spell are listed
with their RM0433 section."""
import os

import pytest

from h7voice import paths
from h7packs import regcheck
from h7packs.cheader import Header

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADERS = [os.path.join(HERE, 'qspi_regs.h'), os.path.join(HERE, 'mdma_regs.h')]
ST_EXPR = {'H7_QUADSPI_BASE': 'QSPI_R_BASE', 'H7_QSPI_MEM_BASE': 'QSPI_BASE'}
NOT_IN_ST = {
    'H7_QSPI_LINES_NONE': 'RM0433 23.5.6 QUADSPI_CCR IMODE/ADMODE/ABMODE/DMODE encodings',
    'H7_QSPI_LINES_1': 'RM0433 23.5.6', 'H7_QSPI_LINES_4': 'RM0433 23.5.6',
    'H7_QSPI_ADSIZE_24': 'RM0433 23.5.6 ADSIZE encoding 10', 'H7_QSPI_ABSIZE_8': 'RM0433 23.5.6 ABSIZE 00',
    'H7_QSPI_FMODE_INDIRECT_READ': 'RM0433 23.5.6 FMODE 01', 'H7_QSPI_FMODE_MEMORY_MAPPED': 'RM0433 23.5.6 FMODE 11',
    'H7_MDMA_INC_UP': 'RM0433 16.5.6 MDMA_CxTCR SINC/DINC encoding 10',
    'H7_MDMA_TRGM_REPEATED_BLOCK': 'RM0433 16.5.6 TRGM encoding 10',
    'H7_MDMA_TLEN_MAX': 'RM0433 16.5.6 TLEN is 7 bits (buffers of up to 128 bytes)',
}
SIM_INSTANCES = {'qspi': ('QUADSPI', ('CHANNEL0', 'CHANNEL_STRIDE')), 'mdma': ('MDMA', ())}
# hex constants of the models that are not QUADSPI/MDMA registers (checked below or flash side)
FLASH_SIDE = {'WINDOW_BASE', 'WINDOW_SIZE', 'AHB3ENR', 'QUAD_READ', 'STATUS1', 'STATUS2', 'READ_ID', 'STATUS2_QE'}
SIM_CHANNEL_REGS = ('CISR', 'CIFCR', 'CESR', 'CCR', 'CTCR', 'CBNDTR', 'CSAR', 'CDAR', 'CBRUR', 'CLAR', 'CTBR',
                    'CMAR', 'CMDR')


@pytest.fixture(scope='module')
def st():
    try:
        folder = regcheck.st_dir()
    except paths.MissingPart as e:
        pytest.fail(str(e), pytrace=False)
    header = Header(os.path.join(folder, regcheck.DEVICE_HEADER))
    return folder, header, regcheck.st_register_map(header)


def check_headers(st_folder, st, st_map, headers=HEADERS):
    report = regcheck.Report(st_folder)
    st_inst = st.instances()
    for path in headers:
        ours = Header(path)
        for inst, (struct, base) in ours.instances().items():
            report.check('base addresses', f'{inst} base', base, st_inst[inst[3:]][1])
            for addr, reg in ours.registers(struct, base).items():
                regcheck.check_register(report, st_map, 'register offsets', f'{inst}->{reg}', addr,
                                        regcheck._leaf(reg))
        for name, (params, _) in ours.defines.items():
            if name.endswith('_H') or name in dict(ours.instances()) or params is not None:
                continue
            if name in NOT_IN_ST:
                report.not_in_st[name] = NOT_IN_ST[name]
                continue
            theirs = st.try_value(ST_EXPR.get(name, name[3:]))
            if theirs is None:
                report.fail(f'{name}: ST\'s header has no {ST_EXPR.get(name, name[3:])}')
                continue
            report.check('bit fields and values', name, ours.value(name), theirs)
    return report


def test_qspi_and_mdma_registers_agree_with_st(st):
    report = check_headers(*st)
    assert not report.problems, '\n'.join(report.problems)
    assert report.checked.get('register offsets', 0) >= 13 + 1 + 16 * 13   # QUADSPI, GISR0, 16 channels
    assert report.checked.get('bit fields and values', 0) >= 60


def test_a_wrong_definition_is_caught(st, tmp_path):
    text = open(HEADERS[1]).read()
    broken = tmp_path / 'mdma_regs.h'
    broken.write_text(text.replace('#define H7_MDMA_CTCR_SWRM (1u << 30)', '#define H7_MDMA_CTCR_SWRM (1u << 29)'))
    assert check_headers(*st, headers=[str(broken)]).problems


def test_simulator_models_agree_with_st(st):
    folder, header, st_map = st
    report = regcheck.Report(folder)
    st_inst = header.instances()
    periph = os.path.join(paths.TOOLS, 'h7sim', 'periph')
    from h7sim.periph import mdma, qspi
    assert qspi.Quadspi.name in st_inst and mdma.Mdma.name in st_inst
    for module, (inst, skip) in SIM_INSTANCES.items():
        consts = regcheck._hex_constants(os.path.join(periph, module + '.py'))
        base = st_inst[inst][1]
        for name, offset in consts.items():
            if name in FLASH_SIDE:
                continue
            if module == 'mdma' and name in SIM_CHANNEL_REGS:
                for n in range(16):
                    regcheck.check_register(report, st_map, 'sim', f'mdma.{name} channel {n}',
                                            base + consts['CHANNEL0'] + n * consts['CHANNEL_STRIDE'] + offset, name)
                continue
            if name in ('CHANNEL0', 'CHANNEL_STRIDE', 'AHB3ENR'):
                continue
            regcheck.check_register(report, st_map, 'sim', f'{module}.{name}', base + offset, name)
    irqn = header.enums['IRQn_Type']
    report.check('sim', 'MDMA irq', mdma.IRQ, irqn['MDMA_IRQn'])
    report.check('sim', 'QSPI window', qspi.WINDOW_BASE, header.value('QSPI_BASE'))
    report.check('sim', 'RCC_AHB3ENR', qspi.AHB3ENR, mdma.AHB3ENR)
    report.check('sim', 'QSPIEN', 1 << qspi.QSPIEN_BIT, header.value('RCC_AHB3ENR_QSPIEN'))
    report.check('sim', 'MDMAEN', 1 << mdma.MDMAEN_BIT, header.value('RCC_AHB3ENR_MDMAEN'))
    assert not report.problems, '\n'.join(report.problems)
    assert report.checked['sim'] >= 13 + 16 * 13
