"""Fault injection (faults.py) on h7sim's own images, the audio-loss ground truth, the
run loop's watchdogs and the regression test of the Stop/wake freeze."""
import json

import numpy as np
import pytest

from h7sim.board import Board
from h7sim.errors import SimError
from h7sim.faults import parse_spec
from h7sim.periph.rcc import BORRSTF, CPURSTF, IWDG1RSTF, PINRSTF, PORRSTF


def command(board, text, seconds=0.5):
    n = len(board.uart_lines)
    board.uart_write(text + '\n')
    board.run(seconds=seconds, until=lambda b: len(b.uart_lines) > n)
    return json.loads(board.uart_lines[-1])


def ramp_board(elf, seconds=2.0):
    """audio_test with a ramp in the microphone: each sample's value is its index."""
    board = Board(elf)
    board.spi2.play(np.arange(int(16000 * seconds), dtype=np.int16))
    return board


def missing_samples(board):
    """Microphone samples the fixture never copied out of the DMA buffer (the ramp says
    which) and the number produced: the firmware-side truth to hold the simulator's to."""
    captured = board.read_u32(board.symbol('captured'))
    got = np.frombuffer(board.read_memory(0x24000000, 2 * captured), dtype='<i2').astype(int)
    produced = board.spi2.samples_produced
    return produced - len(set(got.tolist()) & set(range(produced))), produced


def test_fault_grammar():
    assert parse_spec('irq-hold:DMA1_Stream0:60ms@2.5s') == ('irq-hold', 2.5, {'irq': 'DMA1_Stream0', 'ms': 60.0})
    assert parse_spec('stall:200ms@4') == ('stall', 4.0, {'ms': 200.0})
    assert parse_spec('flash-flip:0x08001000:3@1500ms') == ('flash-flip', 1.5, {'address': 0x08001000, 'bit': 3})
    assert parse_spec('hang@5s') == ('hang', 5.0, {})
    for bad in ('irq-hold@1s', 'hang', 'bogus@1s', 'stall:abc@1s', 'flash-flip:0x0800:9@1s', 'hang@-1s',
                'hang@nan', 'reset@1s:x'):
        with pytest.raises(ValueError):
            parse_spec(bad)


@pytest.mark.parametrize('ms,at', [(60, 0.3), (15, 0.2055)])
def test_irq_hold_loss_ground_truth_is_exact(audio_test_elf, ms, at):
    """The DMA IRQ held off: the circular DMA overwrites halves the firmware has not taken.
    The simulator's count equals the samples missing from what the firmware copied, also
    for a hold that ends in the middle of a half (part of a half overwritten)."""
    board = ramp_board(audio_test_elf)
    board.inject('irq-hold', at, irq='DMA1_Stream0', ms=ms)
    board.run(seconds=1.0)
    truth = board.summary()['audio']['ground_truth']
    missing, produced = missing_samples(board)
    assert truth['samples_produced'] == produced and truth['samples_dropped'] == 0
    assert truth['samples_overwritten'] == missing > 0
    record = board.summary()['injected'][0]
    assert record['kind'] == 'irq-hold' and record['applied_s'] == at
    assert record['outcome']['audio_frames_lost_in_window'] == missing
    assert record['outcome']['capture_resumed'] is True


def test_no_fault_no_loss(audio_test_elf):
    board = ramp_board(audio_test_elf)
    board.run(seconds=0.5)
    assert missing_samples(board)[0] == 0
    assert board.summary()['audio']['ground_truth']['samples_lost'] == 0


def test_dma_transfer_error_stops_the_stream_and_drops(audio_test_elf):
    board = ramp_board(audio_test_elf)
    board.inject('dma-error', 0.2)
    board.run(seconds=0.4)
    assert command(board, 'status')['dma_errors'] == 1
    summary = board.summary()
    assert summary['audio']['dma_errors'][0]['region'] == 'injected'
    assert not board.dma1.streams[0].enabled()
    assert summary['audio']['ground_truth']['samples_dropped'] > 0.19 * 16000
    assert summary['injected'][0]['outcome']['stream_reenabled_s'] is None


def test_core_hold_stops_everything_and_loses_audio(audio_test_elf):
    board = ramp_board(audio_test_elf)
    board.run(seconds=0.2)
    board.inject('core-hold', 0.2, ms=50)
    before = board.instructions
    board.run(seconds=0.05)
    assert board.instructions == before   # not one instruction, not one interrupt
    board.run(seconds=0.3)
    missing, _ = missing_samples(board)
    assert board.spi2.samples_overwritten == missing > 0


def test_stall_serves_interrupts_but_not_the_main_loop(audio_test_elf):
    board = ramp_board(audio_test_elf)
    board.inject('stall', 0.1, ms=200)
    board.run(seconds=0.15)
    n = len(board.uart_lines)
    board.uart_write('status\n')
    board.run(seconds=0.1)
    assert len(board.uart_lines) == n             # the main loop is stalled
    board.run(seconds=0.2)
    status = json.loads(board.uart_lines[-1])     # ... and answers once the stall ends
    assert status['event'] == 'audio' and board.spi2.samples_overwritten == 0
    assert missing_samples(board)[0] == 0         # the DMA interrupt kept running
    record = board.summary()['injected'][0]
    assert record['state'] == 'done' and abs(record['end_s'] - 0.3) < 1e-3


def reset_causes(board):
    return [e['rsr'] for e in board.events if e['event'] == 'reset_cause']


def booted(board, boots=1):
    """Runs until core_test's last boot line (reset_cause) is on the wire (~23 ms a boot)."""
    board.run(seconds=1, until=lambda b: len(reset_causes(b)) >= boots)
    assert len(reset_causes(board)) == boots, board.uart_tail()


def test_hang_is_reset_by_the_watchdog(core_test_elf):
    board = Board(core_test_elf)
    booted(board)
    assert command(board, 'wdt') == {'event': 'wdt', 'timeout_ms': 50}
    board.run(seconds=0.2)
    assert board.resets == []                     # refreshed by the main loop
    board.inject('hang', board.time + 0.01)
    board.run(seconds=0.2)
    assert [r['reason'] for r in board.resets] == ['iwdg']
    # 50 ms after the last refresh, which came at most one SysTick (1 ms) before the hang
    assert 0.049 <= board.resets[0]["time"] - board.fault_plan.faults[0].applied_s <= 0.0505
    causes = [e['rsr'] for e in board.events if e['event'] == 'reset_cause']
    assert causes[-1] == IWDG1RSTF | PINRSTF | CPURSTF
    assert board.summary()['injected'][0]['outcome']['recovered_by'] == 'iwdg'


def test_injected_hardfault_enters_the_handler(core_test_elf):
    board = Board(core_test_elf)
    board.inject('hardfault', 0.03)
    board.run(seconds=0.05)
    assert any(line.startswith('FAULT hardfault') and 'hfsr=0x40000000' in line for line in board.uart_lines)
    assert board.faults[-1]['injected'] and board.halted is None


@pytest.mark.parametrize('kind,flags', [('brownout', BORRSTF | PINRSTF | CPURSTF),
                                        ('reset', PINRSTF | CPURSTF),
                                        ('power-cycle', PORRSTF | BORRSTF | PINRSTF | (3 << 19) | CPURSTF)])
def test_resets_set_the_reset_cause_flags(core_test_elf, kind, flags):
    board = Board(core_test_elf)
    booted(board)
    board.write_memory(0x24000000, b'kept')
    board.inject(kind, 0.03)
    booted(board, boots=2)
    assert len(board.resets) == 1
    assert reset_causes(board) == [PORRSTF | BORRSTF | PINRSTF | (3 << 19) | CPURSTF, flags]
    kept = board.read_memory(0x24000000, 4)
    assert kept == (bytes(4) if kind == 'power-cycle' else b'kept')


def test_flash_flip_changes_one_bit_and_survives_reset(core_test_elf):
    board = Board(core_test_elf)
    address = 0x08000100
    old = board.read_memory(address, 1)[0]
    board.inject('flash-flip', 0.01, address=address, bit=5)
    board.inject('reset', 0.02)
    board.run(seconds=0.03)
    assert board.read_memory(address, 1)[0] == old ^ 0x20
    assert '0x08000100' in board.summary()['injected'][0]['effect']
    with pytest.raises(SimError):
        board.inject('flash-flip', 1.0, address=0x24000000, bit=0)   # not flash
    with pytest.raises(SimError):
        board.inject('flash-flip', 1.0)   # no model in this image: an address is needed


def test_irq_hold_keeps_the_firmwares_enable_bit(audio_test_elf):
    board = ramp_board(audio_test_elf)
    board.run(seconds=0.05)
    board.inject('irq-hold', 0.05, irq=11, ms=20)
    board.run(seconds=0.01)
    assert board.nvic.read(0) >> 11 & 1          # the firmware still reads its bit set
    board.run(seconds=0.02)
    assert board.core.enabled[0] >> 27 & 1       # and it is back once the hold ends
    with pytest.raises(SimError):
        board.inject('irq-hold', 1.0, irq='NOPE', ms=5)


def test_stop_wake_freeze_regression(audio_test_elf):
    """The 10-minute recording froze at ~155 s: an I2S capture that (re)starts late in a run
    has start times where start + n/rate - start rounds below n/rate; SPI2 then delivered
    one half-word short of the half-transfer point, the event stayed due, and a core
    waiting in WFI for the DMA interrupt never woke (time stood still). Restarting the
    capture at 300 s reproduces it in a fraction of a second; the run must reach its end
    without the run loop's one-cycle nudge (time_nudges) and with every half delivered."""
    board = Board(audio_test_elf, wall_limit=20)
    board.spi2.play(np.zeros(16000, dtype=np.int16))
    board.run(seconds=0.05)
    command(board, 'i2s_off')
    board.run(seconds=300.0)
    command(board, 'i2s_on')
    start = board.spi2.start_time
    halves_before = board.read_u32(board.symbol('halves'))
    assert board.run(seconds=1.0) == 'time'
    assert board.time_nudges == 0 and board.halted is None
    assert board.read_u32(board.symbol('halves')) - halves_before >= 99
    # the scenario does exercise the rounding: some event time floors one half-word short
    rate = board.spi2._halfword_rate()
    assert any(int(((start + n / rate) - start) * rate) < n for n in range(320, 32000, 320))


def test_no_progress_watchdog_names_the_stuck_event(core_test_elf):
    """A model that keeps an event due without consuming it cannot hang a run: the loop
    stops ('stuck') and says where time stood."""
    class Stuck:
        name = 'stuck_model'
        runs_in_stop = True

        def next_event_time(self):
            return board.time

        def on_time(self, now):
            pass

    board = Board(core_test_elf)
    board.run(seconds=0.02)
    board.core.enabled[0] = 0  # nothing can wake the core: it sleeps, and time must not move
    board.timed.append(Stuck())
    board.mode = 'stop'
    assert board.run(seconds=1.0) == 'stuck'
    assert board.halted['kind'] == 'no_progress' and 'stuck_model' in board.halted['reason']


def test_cli_refuses_bad_values_and_reports_injections(core_test_elf, tmp_path, capsys):
    from h7sim.cli import main, EXIT_OK, EXIT_USAGE
    for bad in (['--seconds', '-1'], ['--seconds', '0'], ['--seconds', 'nan'], ['--wall-limit', '0'],
                ['--inject', 'hang'], ['--inject', 'warp@1s'], ['--lsi-hz', '3200'], ['--lsi-hz', 'fast']):
        with pytest.raises(SystemExit) as exc:
            main(['run', core_test_elf] + bad)
        assert exc.value.code == EXIT_USAGE
        err = capsys.readouterr().err
        assert err.count('\n') == 1 and 'error:' in err
    out = tmp_path / 'r.json'
    assert main(['run', core_test_elf, '--seconds', '0.05', '--quiet', '--inject', 'reset@20ms',
                 '--json', str(out)]) == EXIT_OK
    data = json.loads(out.read_text())
    assert data['injected'][0]['kind'] == 'reset' and data['resets'][0]['reason'] == 'pin'


def test_cli_wall_limit_says_where_virtual_time_stopped(core_test_elf, tmp_path, capsys):
    from h7sim.cli import main, EXIT_INCOMPLETE
    out = tmp_path / 'spin.json'
    status = main(['run', core_test_elf, '--seconds', '100', '--input', 'spin\\n', '--wall-limit', '0.5',
                   '--quiet', '--json', str(out)])
    assert status == EXIT_INCOMPLETE
    lines = [line for line in capsys.readouterr().err.splitlines() if 'virtual time stopped at' in line]
    assert len(lines) == 1 and 'wall-clock limit 0.5 s' in lines[0] and ' in main ' in lines[0]
    data = json.loads(out.read_text())
    assert data['stopped_because'] == 'wall' and data['wall_stop']['function'] == 'main'
    assert 0 < data['wall_stop']['time_s'] < 100


def test_a_fault_waiting_for_the_core_survives_a_reset(core_test_elf):
    """A stall due while the core cannot take it still comes after a reset in between."""
    board = Board(core_test_elf)
    board.run(seconds=0.02)
    board.mode = 'stop'            # as if the firmware were in Stop: the stall must wait
    board._time_anchor = board.time
    board.inject('stall', board.time + 0.001, ms=5)
    board.inject('reset', board.time + 0.002)
    board.run(seconds=0.01)
    record = board.summary()['injected'][0]
    assert record['applied_s'] is not None and record['applied_s'] >= board.resets[0]['time']
    assert record['state'] == 'done' and 'main loop stalled' in record['effect']


def test_soak_plan_is_seeded_and_meets_every_kind():
    from h7sim.soak import draw_faults, make_audio, RECOVERABLE, TERMINAL, TERMINAL_SHARE
    plan = draw_faults(3600, np.random.default_rng(1))
    assert plan == draw_faults(3600, np.random.default_rng(1))
    kinds = [k for k, _, _ in plan]
    assert set(kinds) == set(RECOVERABLE) | set(TERMINAL) and len(plan) == 15
    assert all(at >= 3600 * (1 - TERMINAL_SHARE) for k, at, _ in plan if k in TERMINAL)
    assert all(at < 3600 * (1 - TERMINAL_SHARE) for k, at, _ in plan if k in RECOVERABLE)
    speech = np.full(16000, 1000, dtype=np.int16)
    audio, pieces, keywords = make_audio(120, np.random.default_rng(2), speech, 3)
    assert len(audio) == 120 * 16000 and {p['kind'] for p in pieces} <= {'speech', 'silence', 'noise'}
    assert keywords == 3 * sum(p['kind'] == 'speech' and p['seconds'] == 1.0 for p in pieces)
