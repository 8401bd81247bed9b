"""Core of the simulated board on the core_test fixture: boot, UART, SysTick + WFI,
exceptions, faults, DWT, determinism, bad input."""
import os

import pytest

from h7sim.board import Board
from h7sim.errors import SimError


def boot(elf):
    """Runs until the last boot line (reset_cause) is on the wire: ~23 ms at 115200 baud."""
    board = Board(elf)
    board.run(seconds=1, until=lambda b: any(e['event'] == 'reset_cause' for e in b.events))
    assert board.events[-1]['event'] == 'reset_cause', board.uart_tail()
    return board


def command(board, text, seconds=1.0, lines=1):
    n = len(board.uart_lines)
    board.uart_write(text + '\n')
    board.run(seconds=seconds, until=lambda b: len(b.uart_lines) >= n + lines)
    return board.uart_lines[n:]


def test_boot_banner_systick_and_wfi(core_test_elf):
    board = boot(core_test_elf)
    assert board.uart_lines[0] == 'h7voice core_test 0.1.0 (h7sim fixture)'
    assert board.events[0] == {'event': 'boot', 'app': 'core_test', 'version': '0.1.0'}
    assert board.uart_lines[2] == 'ticks 10'
    summary = board.summary()
    # 10 SysTick periods of 1 ms, mostly asleep in WFI.
    assert summary['time_per_mode_s']['sleep'] > 0.009
    assert board.core.exceptions_taken >= 10


def test_dwt_counts_instructions_and_time_follows_clock(core_test_elf):
    board = boot(core_test_elf)
    t0, i0 = board.time, board.instructions
    lines = command(board, 'compute')
    assert lines[0].startswith('compute 0x639ffa05 cycles ')
    cycles = int(lines[0].split()[-1])
    assert 5_000_000 < cycles < 7_000_000
    # DWT.CYCCNT counted the loop's instructions; the board counted those and a few more.
    assert board.instructions - i0 >= cycles
    # 64 MHz HSI: one instruction is 1/64 us.
    assert board.time - t0 == pytest.approx((board.instructions - i0) / 64e6, rel=0.05)


def test_pendsv_and_sleep(core_test_elf):
    board = boot(core_test_elf)
    assert command(board, 'pendsv') == ['pendsv 1']
    lines = command(board, 'sleep')
    assert lines[0].startswith('slept ')


def test_basepri_masks_and_tail_chaining(core_test_elf):
    board = boot(core_test_elf)
    assert command(board, 'prio') == ['prio 0 1']
    taken = board.core.exceptions_taken
    assert command(board, 'tailchain') == ['order 12']  # SysTick, then PendSV chained after it
    assert board.core.exceptions_taken > taken


def test_fpu_disabled_faults_until_cpacr_enables_it(core_test_elf):
    board = boot(core_test_elf)
    assert command(board, 'fpuon') == ['fpu enabled']
    assert command(board, 'fpu') == ['fpu ok']
    board = boot(core_test_elf)
    lines = command(board, 'fpu')
    assert lines[0].startswith('FAULT hardfault cfsr=0x00080000')  # NOCP, escalated
    assert board.faults[0]['kind'] == 'no_coprocessor'
    assert board.faults[0]['function'] == 'main'


def test_unmapped_read_is_a_precise_bus_fault(core_test_elf):
    board = boot(core_test_elf)
    lines = command(board, 'busfault', lines=2)
    assert lines == ['reading unmapped', 'FAULT hardfault cfsr=0x00008200 hfsr=0x40000000 bfar=0x60000000']
    fault = board.faults[0]
    assert fault['kind'] == 'bus_read' and fault['address'] == 0x60000000
    # the fault is taken while 'd' and the newline are still in the transmitter
    assert fault['uart_tail'][-1] == 'reading unmappe'


def test_udf_is_a_usage_fault_when_enabled(core_test_elf):
    board = boot(core_test_elf)
    lines = command(board, 'udf')
    assert lines == ['FAULT usagefault cfsr=0x00010000']
    assert board.faults[0]['exception'] == 'UsageFault'


def test_deterministic_instruction_counts(core_test_elf):
    def scenario():
        board = boot(core_test_elf)
        command(board, 'compute')
        command(board, 'sleep')
        return board.instructions, board.time, list(board.uart_lines)
    assert scenario() == scenario()


def test_spin_forever_stops_at_the_virtual_time_limit(core_test_elf):
    board = boot(core_test_elf)
    board.uart_write('spin\n')
    assert board.run(seconds=0.05) == 'time'
    assert board.elf.function_at(board.pc) == 'main'


def test_bad_elf_inputs(tmp_path):
    with pytest.raises(SimError, match='not found'):
        Board(str(tmp_path / 'missing.elf'))
    junk = tmp_path / 'junk.elf'
    junk.write_bytes(b'not an elf at all' * 10)
    with pytest.raises(SimError, match='not a valid ELF'):
        Board(str(junk))
    truncated = tmp_path / 'trunc.elf'
    truncated.write_bytes(b'\x7fELF\x01\x01\x01' + b'\0' * 20)
    with pytest.raises(SimError):
        Board(str(truncated))


def test_cli_runs_and_writes_json(core_test_elf, tmp_path):
    from h7sim.cli import main
    out = tmp_path / 'summary.json'
    assert main(['run', core_test_elf, '--seconds', '0.02', '--json', str(out), '--quiet']) == 0
    import json
    data = json.loads(out.read_text())
    assert data['uart']['tail'][0].startswith('h7voice core_test')
    assert data['instructions'] > 1000
    from h7sim.cli import EXIT_USAGE
    assert main(['run', os.path.join(str(tmp_path), 'nope.elf')]) == EXIT_USAGE


def test_too_few_flash_wait_states_is_a_firmware_fault(core_test_elf):
    board = boot(core_test_elf)
    rcc, flash = board.rcc, board.flash
    # What a buggy clock setup would write: VOS0, PLL1 = 480 MHz, HPRE /2, LATENCY left at 1.
    board.pwr.write32(0x18, 3 << 14)
    board.syscfg.write32(0x2C, 1)
    flash.write32(0x00, 0x11)
    rcc.write32(0x18, 0x08)                                   # HPRE /2 -> hclk 240 MHz
    rcc.write32(0x28, (4 << 4) | 2)                           # HSE / 4
    rcc.write32(0x30, 479 | (1 << 9) | (1 << 16) | (1 << 24))  # x480 / 2
    rcc.write32(0x00, rcc.regs[0x00] | (1 << 16) | (1 << 18) | (1 << 24))
    assert board.halted is None
    rcc.write32(0x10, 3)                                      # SW = PLL1
    assert board.hz == 480_000_000
    assert board.halted['kind'] == 'clock_config'
    assert 'LATENCY=1' in board.halted['reason'] and 'needs >= 4' in board.halted['reason']
    assert board.run(seconds=0.01) == 'halted'


def test_cpu_clock_above_the_vos_limit_is_a_firmware_fault(core_test_elf):
    board = boot(core_test_elf)
    rcc = board.rcc
    board.flash.write32(0x00, 0x24)                           # LATENCY 4 (enough at VOS0)
    rcc.write32(0x18, 0x08)
    rcc.write32(0x28, (4 << 4) | 2)
    rcc.write32(0x30, 479 | (1 << 9) | (1 << 16) | (1 << 24))
    rcc.write32(0x00, rcc.regs[0x00] | (1 << 16) | (1 << 18) | (1 << 24))
    rcc.write32(0x10, 3)                                      # 480 MHz while still at VOS3
    assert board.halted['kind'] == 'clock_config'
    assert 'VOS3' in board.halted['reason']


def test_cli_reports_a_fault_with_pc_and_uart_tail(core_test_elf, tmp_path, capsys):
    from h7sim.cli import main
    out = tmp_path / 'fault.json'
    status = main(['run', core_test_elf, '--seconds', '0.05', '--input', 'busfault\\n', '--quiet',
                   '--json', str(out)])
    from h7sim.cli import EXIT_FAULT
    assert status == EXIT_FAULT
    err = capsys.readouterr().err
    assert 'FAULT HardFault: precise bus error on a data read at PC 0x' in err and 'in main' in err
    assert '| reading unmapped' in err
    import json
    assert json.loads(out.read_text())['faults'][0]['address'] == 0x60000000


def test_exception_inside_an_it_block_clears_itstate_for_the_handler(core_test_elf):
    # SVC taken as the first instruction of ITEE EQ: the handler's first two MOVs must run
    # unconditionally (ITSTATE cleared at exception entry, ARMv7-M), and the two ELSE slots
    # must still be skipped after the return (ITSTATE restored from the stacked xPSR).
    # Before the fix in h7core.c h7_enter_exception the handler ran them as "NE": 'itblock 0 0'.
    board = boot(core_test_elf)
    assert command(board, 'itblock') == ['itblock 1 0']
