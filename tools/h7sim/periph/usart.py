"""USART (RM0433 section 48), FIFO disabled: CR1/CR2/CR3/BRR/ISR/ICR/RDR/TDR.

TX: a byte written to TDR with UE and TE set is sent to the board's UART capture at once
(TXE and TC stay set): transmission time is not modelled, so polling loops cost nothing.
RX: injected bytes arrive one per character time (10 bits at the programmed baud rate) in
virtual time; RXNE, the RXNEIE interrupt and overrun (ORE) as on the chip."""
import collections

from .base import Peripheral

CR1, CR2, CR3, BRR, RQR, ISR, ICR, RDR, TDR, PRESC = 0x00, 0x04, 0x08, 0x0C, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x2C
UE, RE, TE, RXNEIE, TCIE, TXEIE, OVER8 = 1, 1 << 2, 1 << 3, 1 << 5, 1 << 6, 1 << 7, 1 << 15
ORE, RXNE, TC, TXE, TEACK, REACK = 1 << 3, 1 << 5, 1 << 6, 1 << 7, 1 << 21, 1 << 22
PRESCALERS = (1, 2, 4, 6, 8, 10, 12, 16, 32, 64, 128, 256)


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
        self.tx_bytes = 0
        self.baud_warned = False
        super().__init__(board, base)

    def reset(self):
        self.regs = {CR1: 0, CR2: 0, CR3: 0, BRR: 0, PRESC: 0}
        self.isr = TXE | TC
        self.rdr = 0
        self.next_rx_time = 0.0

    def baud(self):
        brr = self.regs[BRR]
        if not brr:
            return 0
        kernel = self.board.rcc.usart3_kernel_hz() / PRESCALERS[min(self.regs[PRESC] & 0xf, 11)]
        if self.regs[CR1] & OVER8:
            brr = (brr & ~0xf) | ((brr & 7) << 1)
            return 2 * kernel / brr
        return kernel / brr

    def char_time(self):
        baud = self.baud() or 115200
        return 10.0 / baud

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

    # time events: RX delivery
    def next_event_time(self):
        if self.rx_queue and self.regs[CR1] & UE and self.regs[CR1] & RE:
            return self.next_rx_time
        return None

    def on_time(self, now):
        if not self.rx_queue:
            return
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
            cr1 = self.regs[CR1]
            if cr1 & UE and cr1 & TE:
                self._check_baud()
                self.tx_bytes += 1
                self.board.uart_output(value & 0xff)
            return
        if offset == ICR:
            if value & (1 << 3):
                self.isr &= ~ORE
            if value & (1 << 6):
                self.isr |= TC  # TC clears but transmission is instant: it sets again
            self._update_irq()
            return
        if offset == RQR:
            if value & (1 << 3):  # RXFRQ: flush RDR
                self.isr &= ~RXNE
                self._update_irq()
            return
        self.regs[offset] = value
        if offset == CR1:
            self.baud_warned = False
            self._update_irq()
            self.schedule_changed()

    def _check_baud(self):
        if self.baud_warned:
            return
        self.baud_warned = True
        baud = self.baud()
        if not baud or abs(baud - 115200) / 115200 > 0.03:
            self.board.warnings.append(f'{self.name}: baud rate {baud:.0f} is not 115200 (BRR=0x{self.regs[BRR]:x}, '
                                       f'kernel {self.board.rcc.usart3_kernel_hz() / 1e6:.1f} MHz): a terminal would show garbage')
