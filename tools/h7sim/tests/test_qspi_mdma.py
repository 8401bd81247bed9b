"""QUADSPI + W25Q64JV and MDMA models (periph/qspi.py, periph/mdma.py) on a real Board.

The registers are written as the firmware writes them (the models' read/write entry
points, the same ones the CPU's accesses reach); the firmware side runs in
robot_tests/qspi (the qspi_bench image)."""
import pytest

from h7sim import Board
from h7sim.periph import qspi as q
from h7sim.periph import mdma as m

AXI = 0x24000000
RCC_AHB3ENR = 0xD4


def _mm_ccr():
    # EBh: instruction on 1 line, 24-bit address, mode byte and data on 4 lines, 4 dummies
    return (3 << 26) | (3 << 24) | (4 << 18) | (0 << 16) | (3 << 14) | (2 << 12) | (3 << 10) | (1 << 8) | 0xEB


@pytest.fixture()
def board(core_test_elf):
    b = Board(core_test_elf)
    b.rcc.write(RCC_AHB3ENR, 4, (1 << 14) | 1)   # QSPIEN, MDMAEN
    b.qspi.load(q.WINDOW_BASE, bytes(range(256)) * 64)
    yield b
    b.close()


def _memory_mapped(b, prescaler=0):
    b.qspi.write(q.DCR, 4, 22 << 16)
    b.qspi.write(q.CR, 4, (prescaler << 24) | 1)
    b.qspi.write(q.ABR, 4, 0xFF)
    b.qspi.write(q.CCR, 4, _mm_ccr())


def test_cpu_reads_stall_for_the_flash_time(board):
    _memory_mapped(board)        # kernel = hclk = 64 MHz (HSI at reset), /1: one core cycle per clock
    assert board.hz == board.qspi.clock_hz() == 64e6
    before = board.clock()
    assert board.qspi.window_read(0x10, 4) == int.from_bytes(bytes((0x10, 0x11, 0x12, 0x13)), 'little')
    # W25Q64JV EBh: 8 instruction + 6 address + 2 mode + 4 dummy clocks, then 2 per byte
    assert board.clock() - before == 20 + 8
    board.qspi.window_read(0x14, 4)                       # continues the read: data only
    assert board.clock() - before == 28 + 8
    board.qspi.window_read(0x100, 1)                      # elsewhere: a new command
    assert board.clock() - before == 36 + 20 + 2
    assert board.qspi.stall_cycles == 58 and board.halted is None
    # indirect mode: the flash's JEDEC ID, then nothing but ones without a chip
    board.qspi.write(q.DLR, 4, 2)
    board.qspi.write(q.CCR, 4, (1 << 26) | (1 << 24) | (1 << 8) | 0x9F)
    assert board.qspi.read(q.SR, 4) & q.SR_TCF
    assert board.qspi.read(q.DR, 4) & 0xFFFFFF == 0x1740EF
    board.qspi.present = False
    board.qspi.write(q.CCR, 4, (1 << 26) | (1 << 24) | (1 << 8) | 0x9F)
    assert board.qspi.read(q.DR, 4) & 0xFFFFFF == 0xFFFFFF   # no chip: the lines read high


@pytest.mark.parametrize('setup, words', [
    (lambda b: b.qspi.write(q.CCR, 4, _mm_ccr() & ~(0x1F << 18) | (2 << 18)), 'DCYC=2'),
    (lambda b: b.rcc.regs.update({0x4C: 1 << 4, 0x30: (1 << 16) | 199}) or b.qspi.write(q.CR, 4, 1),
     'above the W25Q64JV'),
    (lambda b: b.qspi.write(q.CR, 4, 0), 'not in memory-mapped mode'),
])
def test_what_the_flash_cannot_do_stops_the_run(board, setup, words):
    _memory_mapped(board)
    setup(board)
    if board.halted is None:
        board.qspi.window_read(0, 4)
    assert board.halted and board.halted['kind'] == 'unmodelled' and words in board.halted['reason']


def _channel(b, n, reg, value):
    b.mdma.write(m.CHANNEL0 + n * m.CHANNEL_STRIDE + reg, 4, value)


def _copy(b, src, dst, block, blocks=1, ctbr=0, n=0, trgm=2):
    # software request, repeated block (or trgm), word beats incrementing, 128-byte buffers
    _channel(b, n, m.CTCR, (1 << 30) | (trgm << 28) | (127 << 18) | (2 << 10) | (2 << 8) | (2 << 6) | (2 << 4) | 10)
    _channel(b, n, m.CBNDTR, ((blocks - 1) << 20) | block)
    _channel(b, n, m.CSAR, src)
    _channel(b, n, m.CDAR, dst)
    _channel(b, n, m.CTBR, ctbr)
    _channel(b, n, m.CCR, m.EN | m.TEIE | m.CTCIE)
    _channel(b, n, m.CCR, m.EN | m.TEIE | m.CTCIE | m.SWRQ)


def _isr(b, n=0):
    return b.mdma.read(m.CHANNEL0 + n * m.CHANNEL_STRIDE + m.CISR, 4)


def test_mdma_copies_from_qspi_in_the_flash_time(board):
    _memory_mapped(board)
    board.write_memory(AXI, bytes(4096))
    _copy(board, q.WINDOW_BASE, AXI, 1024, blocks=4)
    t0 = board.time
    # one command, then 2 clocks per byte at 64 MHz
    assert board.mdma.next_event_time() == pytest.approx(t0 + (20 + 2 * 4096) / 64e6)
    assert _isr(board) & (1 << 16) and board.read_memory(AXI, 4) == bytes(4)   # running: nothing yet
    board.run(seconds=(20 + 2 * 4096) / 64e6 + 1e-6)
    assert board.read_memory(AXI, 4096) == (bytes(range(256)) * 16)
    assert _isr(board) & m.CTCIF and board.mdma.read(m.GISR0, 4) == 1
    assert board.core.pending[(16 + m.IRQ) >> 5] >> ((16 + m.IRQ) & 31) & 1   # MDMA IRQ pending


    # buffer transfers: one request moves TLEN + 1 = 128 bytes; the channel stays enabled
    _channel(board, 0, m.CIFCR, 0x1F)
    _copy(board, AXI, AXI + 8192, 256, trgm=0)
    board.run(seconds=1e-4)
    assert board.read_memory(AXI + 8192, 256) == bytes(range(128)) + bytes(128)
    assert _isr(board) & (m.TCIF | m.CTCIF) == m.TCIF
    _channel(board, 0, m.CCR, m.EN | m.TEIE | m.CTCIE | m.SWRQ)
    board.run(seconds=1e-4)
    assert board.read_memory(AXI + 8192, 256) == bytes(range(256)) and _isr(board) & m.CTCIF
    # transfer errors: TEIF, no data, no CTCIF, the run goes on
    for how in ('inject', 'dtcm', 'not_mapped'):
        _channel(board, 0, m.CIFCR, 0x1F)
        if how == 'inject':
            board.mdma.inject_error()
        if how == 'not_mapped':
            board.qspi.write(q.CR, 4, 0)            # QUADSPI off: the window answers nothing
        _copy(board, q.WINDOW_BASE, 0x20000000 if how == 'dtcm' else AXI, 256)   # DTCM on the AXI bus
        board.run(seconds=1e-4)
        assert _isr(board) & m.TEIF and not _isr(board) & m.CTCIF, how
        assert board.mdma.transfers[-1]['error'] and board.halted is None, how


def test_unmodelled_mdma_setup_stops_the_run(board):
    _channel(board, 0, m.CTCR, 2 << 28)        # SWRM = 0: a hardware request
    _channel(board, 0, m.CBNDTR, 16)
    _channel(board, 0, m.CCR, m.EN | m.SWRQ)
    assert board.halted and 'SWRM = 0' in board.halted['reason']
