"""USART (RM0433 section 48), FIFO disabled: CR1/CR2/CR3/BRR/ISR/ICR/RDR/TDR.

TX as on the chip: TDR and a transmit shift register. A byte written to TDR while the shift
register is idle moves into it at once (TXE stays 1, TC goes 0) and takes one character
time on the wire (start + data + parity + stop bits from CR1.M/CR2.STOP at the baud rate
from BRR/PRESC/OVER8 and the kernel clock: 86.8 us for 8N1 at 115200); a byte written while
one is shifting waits in TDR (TXE 0) and moves into the shift register when that one ends,
back to back. TC sets when the shift register ends with TDR empty; ICR.TCCF or a TDR write
clears it. A byte reaches the board's UART capture (Board.uart_output) when its last bit
has been sent, so a line carries the virtual time a host would see it, and a polling loop
waits as long as on the chip. Writing TDR while TXE is 0 overwrites the waiting byte (lost,
counted in tx_overwritten). Clearing UE discards the byte shifting and the one in TDR (lost,
counted in tx_cut, with a warning) and sets TXE and TC again (RM0433: UE=0 stops the USART
at once and resets the status flags). Transmission goes on in Sleep. In Stop the
transmitter is frozen (the kernel clock stops; CR1.UESM only lets the receiver wake the
chip, and RM0433 asks for TC = 1 before Stop): a byte on the wire completes at the wake-up
at the earliest, and is counted in tx_stopped with a warning, since a host would see the
frozen line as a broken character. The platform flushes the console before Stop, and its
Stop entry clears UE, which cuts (tx_cut) anything still in flight. The idle frame sent
when TE is set is not modelled.
RX: injected bytes arrive one per character time in virtual time; RXNE, the RXNEIE
interrupt and overrun (ORE) as on the chip."""
import collections

from .base import Peripheral, TIME_EPSILON

CR1, CR2, CR3, BRR, RQR, ISR, ICR, RDR, TDR, PRESC = 0x00, 0x04, 0x08, 0x0C, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x2C
UE, RE, TE, RXNEIE, TCIE, TXEIE, OVER8 = 1, 1 << 2, 1 << 3, 1 << 5, 1 << 6, 1 << 7, 1 << 15
PCE, M0, M1 = 1 << 10, 1 << 12, 1 << 28
ORE, RXNE, TC, TXE, TEACK, REACK = 1 << 3, 1 << 5, 1 << 6, 1 << 7, 1 << 21, 1 << 22
TCCF = 1 << 6
PRESCALERS = (1, 2, 4, 6, 8, 10, 12, 16, 32, 64, 128, 256)
STOP_BITS = (1.0, 0.5, 2.0, 1.5)  # CR2.STOP
DATA_BITS = {0: 8, M0: 9, M1: 7, M0 | M1: 8}  # CR1.M1:M0 (11 is reserved), parity included


class Usart(Peripheral):
    @property
    def runs_in_stop(self):
        """With CR1.UESM the USART can receive (and wake the chip) in Stop mode."""
        return bool(self.regs[CR1] & 2)

    def __init__(self, board, base, name, irq):
        self.name = name
        self.irq = irq
        self.rx_queue = collections.deque()
        self.rx_dropped = 0
        self.tx_bytes = 0        # bytes written to TDR with UE and TE set
        self.tx_sent = 0         # bytes whose last bit went out (in the capture)
        self.tx_overwritten = 0  # TDR written while TXE was 0: the waiting byte lost
        self.tx_cut = 0          # bytes discarded by clearing UE while in flight
        self.tx_stopped = 0      # bytes whose shift was frozen by Stop mode
        self.baud_warned = False
        super().__init__(board, base)

    def reset(self):
        self.regs = {CR1: 0, CR2: 0, CR3: 0, BRR: 0, PRESC: 0}
        self.isr = TXE | TC
        self.rdr = 0
        self.next_rx_time = 0.0
        self._tx_idle()

    def _tx_idle(self):
        self.tx_end = None     # end time of the byte in the shift register; None: idle
        self.tx_shift = 0
        self.tx_tdr = None     # the byte waiting in TDR (TXE 0), or None
        self.tx_stops = 0      # Stop wake-ups counted when the shift started

    def baud(self):
        brr = self.regs[BRR]
        if not brr:
            return 0
        kernel = self.board.rcc.usart3_kernel_hz() / PRESCALERS[min(self.regs[PRESC] & 0xf, 11)]
        if self.regs[CR1] & OVER8:
            brr = (brr & ~0xf) | ((brr & 7) << 1)
            return 2 * kernel / brr
        return kernel / brr

    def frame_bits(self):
        """Bits per character: start, data (parity included), stop."""
        return 1 + DATA_BITS[self.regs[CR1] & (M0 | M1)] + STOP_BITS[(self.regs[CR2] >> 12) & 3]

    def char_time(self):
        baud = self.baud() or 115200
        return self.frame_bits() / baud

    def inject(self, data):
        self.rx_queue.extend(data)
        if self.next_rx_time < self.board.time:
            self.next_rx_time = self.board.time
        self.schedule_changed()

    def _update_irq(self):
        cr1 = self.regs[CR1]
        level = ((cr1 & RXNEIE) and (self.isr & (RXNE | ORE))) or \
                ((cr1 & TXEIE) and (self.isr & TXE)) or ((cr1 & TCIE) and (self.isr & TC))
        self.board.irq_level(self.irq, bool(level))

    # time events: TX completions and RX delivery
    def next_event_time(self):
        t = self.tx_end
        if t is not None and self.board.mode == 'stop':
            t = None  # TX is frozen in Stop
        if self.rx_queue and (self.regs[CR1] & (UE | RE)) == (UE | RE) and (t is None or self.next_rx_time < t):
            return self.next_rx_time
        return t

    def on_time(self, now):
        if self.tx_end is not None and self.tx_end <= now + TIME_EPSILON and self.board.mode != 'stop':
            self._tx_complete(now)
        if self.rx_queue and (self.regs[CR1] & (UE | RE)) == (UE | RE) and self.next_rx_time <= now + TIME_EPSILON:
            self._rx_step(now)

    def _tx_complete(self, now):
        board = self.board
        start = self.tx_end
        if board.wakeups['stop'] != self.tx_stops:
            # A Stop froze the shift register (kernel clock off): the byte ends at the wake-up.
            self.tx_stopped += 1
            start = now
            board.warnings.append(f'{self.name}: Stop mode entered with a byte on the wire (TX frozen until '
                                  f'the wake-up at {now:.6f} s): a host would see a broken character')
        self.tx_sent += 1
        board.uart_output(self.tx_shift)
        if self.tx_tdr is None:
            self.tx_end = None
            self.isr |= TC
        else:
            # back to back: the next byte's start bit follows this one's stop bit
            self.tx_shift, self.tx_tdr = self.tx_tdr, None
            self.tx_end = start + self.char_time()
            self.tx_stops = board.wakeups['stop']
            self.isr |= TXE
        self._update_irq()

    def _rx_step(self, now):
        byte = self.rx_queue.popleft()
        if self.isr & RXNE:
            self.isr |= ORE  # the previous byte was not read: this one is lost
            self.rx_dropped += 1
        else:
            self.rdr = byte
            self.isr |= RXNE
        self.next_rx_time = now + self.char_time()
        self._update_irq()

    def read32(self, offset):
        if offset == ISR:
            value = self.isr
            if self.regs[CR1] & TE:
                value |= TEACK
            if self.regs[CR1] & RE:
                value |= REACK
            return value
        if offset == RDR:
            value = self.rdr
            self.isr &= ~RXNE
            self._update_irq()
            return value
        if offset == TDR:
            return 0
        return self.regs.get(offset, 0)

    def write32(self, offset, value):
        if offset == TDR:
            self._write_tdr(value & 0xff)
            return
        if offset == ICR:
            if value & (1 << 3):
                self.isr &= ~ORE
            if value & TCCF:
                self.isr &= ~TC
            self._update_irq()
            return
        if offset == RQR:
            if value & (1 << 3):  # RXFRQ: flush RDR
                self.isr &= ~RXNE
                self._update_irq()
            return
        old = self.regs.get(offset, 0)
        self.regs[offset] = value
        if offset == CR1:
            if old & UE and not value & UE:
                self._disable_tx()
            self.baud_warned = False
            self._update_irq()
            self.schedule_changed()

    def _write_tdr(self, byte):
        cr1 = self.regs[CR1]
        if not (cr1 & UE and cr1 & TE):
            return
        self._check_baud()
        self.tx_bytes += 1
        if self.tx_end is None:
            # the shift register is idle: the byte goes straight in, TDR stays empty
            self.tx_shift = byte
            self.tx_end = self.board.time + self.char_time()
            self.tx_stops = self.board.wakeups['stop']
            self.isr &= ~TC
            self._update_irq()
            self.schedule_changed()  # a new event: the CPU's slice must end by then
            return
        if self.tx_tdr is not None:
            self.tx_overwritten += 1
            self.board.warnings.append(f'{self.name}: TDR written while TXE was 0: a byte was lost')
        self.tx_tdr = byte
        self.isr &= ~(TXE | TC)
        self._update_irq()

    def _disable_tx(self):
        """UE cleared: what is in flight is discarded; TXE and TC read 1 again."""
        lost = (self.tx_end is not None) + (self.tx_tdr is not None)
        if lost:
            self.tx_cut += lost
            self.board.warnings.append(f'{self.name}: UE cleared with {lost} byte(s) in flight at '
                                       f'{self.board.time:.6f} s: they never reach the host')
        self._tx_idle()
        self.isr |= TXE | TC

    def _check_baud(self):
        if self.baud_warned:
            return
        self.baud_warned = True
        baud = self.baud()
        if not baud or abs(baud - 115200) / 115200 > 0.03:
            self.board.warnings.append(f'{self.name}: baud rate {baud:.0f} is not 115200 (BRR=0x{self.regs[BRR]:x}, '
                                       f'kernel {self.board.rcc.usart3_kernel_hz() / 1e6:.1f} MHz): a terminal would show garbage')
