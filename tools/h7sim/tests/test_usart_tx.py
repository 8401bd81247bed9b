"""USART3 transmission time (periph/usart.py): TDR + shift register, TXE/TC in virtual time,
bytes captured when their last bit is sent. The core_test image sets up USART3 at 115200
(BRR 556 from HSI 64 MHz: 86.875 us per 8N1 character), prints its boot lines by polling
TXE, then sleeps in WFI; the tests below poke the registers while it sleeps."""
import pytest

from h7sim.board import Board
from h7sim.periph.usart import CR1, CR2, ICR, ISR, M0, TC, TCCF, TDR, TXE, TXEIE, UE

CHAR_S = 10 * 556 / 64e6   # one 8N1 character at BRR 556, kernel 64 MHz
CYCLE = 1 / 64e6


@pytest.fixture
def board(core_test_elf):
    board = Board(core_test_elf)
    board.run(seconds=0.05)   # boot lines out; the core sleeps, the transmitter is idle
    assert board.usart3.tx_end is None and board.mode == 'sleep'
    yield board
    board.close()


def isr(board):
    return board.usart3.read32(ISR)


def run_until_flag(board, flag):
    board.run(seconds=0.01, until=lambda b: isr(b) & flag)
    assert isr(board) & flag
    return board.time


def test_one_character_time_for_one_byte(board):
    usart = board.usart3
    assert usart.char_time() == pytest.approx(CHAR_S)
    t0, partial = board.time, board.uart_partial
    usart.write32(TDR, ord('A'))
    assert isr(board) & TXE and not isr(board) & TC    # straight into the shift register
    board.run(seconds=CHAR_S * 0.9)
    assert not isr(board) & TC and board.uart_partial == partial   # still on the wire
    t = run_until_flag(board, TC)
    assert t - t0 == pytest.approx(CHAR_S, abs=2 * CYCLE)
    assert board.uart_partial == partial + 'A' and usart.tx_sent == usart.tx_bytes


def test_back_to_back_bytes_wait_in_tdr(board):
    usart = board.usart3
    t0 = board.time
    usart.write32(TDR, ord('x'))
    usart.write32(TDR, ord('y'))
    assert not isr(board) & (TXE | TC)                  # y waits in TDR
    t1 = run_until_flag(board, TXE)
    assert t1 - t0 == pytest.approx(CHAR_S, abs=2 * CYCLE)
    assert board.uart_partial.endswith('x') and not isr(board) & TC   # y now shifting
    t2 = run_until_flag(board, TC)
    assert t2 - t0 == pytest.approx(2 * CHAR_S, abs=2 * CYCLE)        # no gap between them
    assert board.uart_partial.endswith('xy')


def test_a_line_is_seen_when_its_last_byte_arrives(board):
    usart = board.usart3
    line = b'{"event":"tx_test","n":1}\n'
    t0 = board.time
    for byte in line:
        if not isr(board) & TXE:
            run_until_flag(board, TXE)
        usart.write32(TDR, byte)
    run_until_flag(board, TC)
    assert board.events[-1] == {'event': 'tx_test', 'n': 1}
    assert board.event_times[-1] - t0 == pytest.approx(len(line) * CHAR_S, abs=4 * CYCLE)


def test_tc_cleared_by_tccf_sets_at_the_next_end(board):
    usart = board.usart3
    usart.write32(ICR, TCCF)
    assert not isr(board) & TC
    board.run(seconds=0.001)
    assert not isr(board) & TC           # idle: nothing sets it again
    t0 = board.time
    usart.write32(TDR, ord('z'))
    t = run_until_flag(board, TC)
    assert t - t0 == pytest.approx(CHAR_S, abs=2 * CYCLE)


def test_txe_interrupt_follows_the_transmitter(board):
    """The TXEIE interrupt line: high while TDR is empty, low while a byte waits in it, high
    again when the shift register takes that byte (unit level: the fixture's handler does not
    serve TXE, so time is moved by the model's own event rather than by running the core)."""
    usart = board.usart3
    level = board.core.level
    n = 16 + usart.irq

    def irq_high():
        return bool(level[n >> 5] >> (n & 31) & 1)

    usart.regs[CR1] |= TXEIE
    usart._update_irq()
    assert irq_high()
    usart.write32(TDR, ord('a'))
    assert irq_high()                     # TDR still empty: room for the next byte
    usart.write32(TDR, ord('b'))
    assert not irq_high()
    t1 = usart.next_event_time()
    assert t1 - board.time == pytest.approx(CHAR_S, abs=CYCLE)
    usart.on_time(t1)
    assert irq_high() and usart.next_event_time() == pytest.approx(t1 + CHAR_S)
    usart.on_time(t1 + CHAR_S)
    assert isr(board) & TC and usart.next_event_time() is None and usart.tx_sent == usart.tx_bytes


def test_polled_boot_lines_cost_their_wire_time(core_test_elf):
    """core_test prints its two boot lines (93 bytes) by polling TXE with the core running:
    the boot event arrives after their 93 character times; the core spins in Run mode until
    the last byte is in TDR, then sleeps while that byte and the one shifting go out."""
    board = Board(core_test_elf)
    board.run(seconds=0.05, until=lambda b: b.events)
    sent = len('h7voice core_test 0.1.0 (h7sim fixture)\n') + len(board.uart_lines[1]) + 1
    assert sent == 93 and board.events[0]['event'] == 'boot'
    assert board.event_times[0] >= sent * CHAR_S
    assert board.event_times[0] < sent * CHAR_S + 0.001
    run_s = sum(t for (mode, _, _), t in board.mode_times.items() if mode == 'run')
    assert run_s == pytest.approx((sent - 2) * CHAR_S, abs=0.2 * CHAR_S)
    board.close()


def test_clearing_ue_cuts_the_bytes_in_flight(board):
    usart = board.usart3
    partial, cr1 = board.uart_partial, usart.regs[CR1]
    usart.write32(TDR, ord('p'))
    usart.write32(TDR, ord('q'))
    usart.write32(CR1, cr1 & ~UE)
    assert usart.tx_cut == 2 and isr(board) & TXE and isr(board) & TC
    assert any('UE cleared with 2 byte(s) in flight' in w for w in board.warnings)
    usart.write32(CR1, cr1)
    board.run(seconds=0.001)
    assert board.uart_partial == partial and usart.tx_sent == usart.tx_bytes - 2


def test_a_byte_frozen_by_stop_is_counted(board):
    """Stop stops the transmitter: no TX event is due while the core is in Stop, and a byte
    that was on the wire when the core stopped is counted and warned about at the wake-up."""
    usart = board.usart3
    usart.write32(TDR, ord('s'))
    board.mode = 'stop'
    assert usart.next_event_time() is None
    board.mode = 'sleep'
    board.wakeups['stop'] += 1
    board.run(seconds=0.001)
    assert usart.tx_stopped == 1 and any('Stop mode entered with a byte on the wire' in w for w in board.warnings)


@pytest.mark.parametrize('cr1_bits, cr2_stop, bits', [(0, 0, 10), (M0, 2, 12), (0, 1, 9.5)])
def test_character_time_follows_the_frame_format(board, cr1_bits, cr2_stop, bits):
    usart = board.usart3
    usart.regs[CR1] |= cr1_bits
    usart.regs[CR2] = cr2_stop << 12
    assert usart.char_time() == pytest.approx(bits * 556 / 64e6)
