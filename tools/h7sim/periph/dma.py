"""DMA1 (RM0433 section 15): eight streams with LISR/HISR flags, circular and double-buffer
modes, half/full-transfer interrupts and transfer errors.

Peripheral-to-memory transfers are pushed in batches by the requesting peripheral model
(SPI2/I2S) with transfer(): one memory write per batch, never one Python call per
sample. A memory address DMA1 cannot reach (DTCM, ITCM, flash, unmapped) raises TEIF and
disables the stream, as the chip's bus matrix does.

Audio-loss ground truth: the firmware takes half buffer 0 when it acknowledges HTIF and
half buffer 1 when it acknowledges TCIF (it reads the flags, clears them, copies the half).
Items the stream writes into a half whose flag is still set overwrite items the firmware
has not taken yet: those are counted as overwritten (`overwrites`: byte ranges of each
transfer() call, for the requesting peripheral to turn into lost samples)."""
from .base import Peripheral, bits
from ..memory_map import region_of

FLAG_SHIFT = (0, 6, 16, 22)
FEIF, DMEIF, TEIF, HTIF, TCIF = 1, 4, 8, 16, 32
EN, DMEIE, TEIE, HTIE, TCIE, CIRC, DBM, CT = 1, 2, 4, 8, 16, 1 << 8, 1 << 18, 1 << 19


class Stream:
    def __init__(self, dma, index, irq):
        self.dma, self.index, self.irq = dma, index, irq
        self.reset()

    def reset(self):
        self.cr = 0
        self.ndtr = 0
        self.ndtr_start = 0
        self.par = 0
        self.m0ar = 0
        self.m1ar = 0
        self.fcr = 0x21
        self.flags = 0
        self.late_halves = 0  # half buffers overwritten before the firmware cleared the flag
        self.overwritten_items = 0
        self.overwrites = []  # (byte offset, bytes) of the last transfer() that overwrote unread items
        self.enable_times = getattr(self, 'enable_times', [])  # kept across resets (a history)

    def item_size(self):
        return 1 << bits(self.cr, 13, 2)  # MSIZE

    def enabled(self):
        return bool(self.cr & EN)

    def memory_address(self):
        return self.m1ar if self.cr & DBM and self.cr & CT else self.m0ar

    def _flag(self, flag):
        if flag in (HTIF, TCIF) and self.flags & flag:
            self.late_halves += 1
        self.flags |= flag
        self.update_irq()

    def update_irq(self):
        level = (self.flags & TEIF and self.cr & TEIE) or (self.flags & HTIF and self.cr & HTIE) or \
                (self.flags & TCIF and self.cr & TCIE) or (self.flags & DMEIF and self.cr & DMEIE)
        self.dma.board.irq_level(self.irq, bool(level))

    def transfer(self, data):
        """Writes `data` (bytes, whole items) into memory as the peripheral delivers it.
        Returns how many bytes were accepted (the rest is lost: stream stopped or error)."""
        size = self.item_size()
        done = 0
        board = self.dma.board
        self.overwrites = []
        while done < len(data) and self.enabled():
            if self.ndtr == 0:
                self.cr &= ~EN
                break
            total = self.ndtr_start
            position = total - self.ndtr
            address = self.memory_address() + position * size
            count = min(self.ndtr, (len(data) - done) // size)
            half = total // 2
            if position < half <= position + count:
                count = half - position  # stop at the half-transfer point to flag it
            if count <= 0:
                break
            nbytes = count * size
            region = region_of(address, nbytes)
            if region is None or not region.dma or 'w' not in region.perms:
                self.dma.board.dma_errors.append({'stream': f'{self.dma.name} stream {self.index}',
                                                  'address': address, 'time': board.time,
                                                  'region': region.name if region else 'unmapped'})
                self.cr &= ~EN
                self._flag(TEIF)
                break
            pending = HTIF if position < half else TCIF
            if half and self.flags & pending and not self.cr & DBM:
                self.overwritten_items += count
                self.overwrites.append((done, nbytes))
            board.uc.mem_write(address, bytes(data[done:done + nbytes]))
            done += nbytes
            self.ndtr -= count
            if total - self.ndtr == half and half:
                self._flag(HTIF)
            if self.ndtr == 0:
                self._flag(TCIF)
                if self.cr & DBM:
                    self.cr ^= CT
                    self.ndtr = total
                elif self.cr & CIRC:
                    self.ndtr = total
                else:
                    self.cr &= ~EN
        return done

    def inject_transfer_error(self, region):
        """A transfer error as the bus reports it: TEIF set, the stream disabled."""
        board = self.dma.board
        board.dma_errors.append({'stream': f'{self.dma.name} stream {self.index}',
                                 'address': self.memory_address(), 'time': board.time, 'region': region})
        self.cr &= ~EN
        self._flag(TEIF)

    def items_to_next_flag(self):
        """Items until the next half/full-transfer point (for event scheduling)."""
        if not self.enabled() or self.ndtr == 0:
            return None
        position = self.ndtr_start - self.ndtr
        half = self.ndtr_start // 2
        if position < half:
            return half - position
        return self.ndtr


class Dma(Peripheral):
    def __init__(self, board, base, name, irqs):
        self.name = name
        self.streams = [Stream(self, i, irq) for i, irq in enumerate(irqs)]
        super().__init__(board, base)

    def reset(self):
        for s in getattr(self, 'streams', []):
            s.reset()

    def read32(self, offset):
        self.board.spi2.sync()
        if offset in (0x00, 0x04):
            value = 0
            for k in range(4):
                value |= self.streams[4 * (offset // 4) + k].flags << FLAG_SHIFT[k]
            return value
        if offset < 0x10:
            return 0
        s, reg = divmod(offset - 0x10, 0x18)
        if s >= 8:
            return 0
        st = self.streams[s]
        return {0x0: st.cr, 0x4: st.ndtr, 0x8: st.par, 0xC: st.m0ar, 0x10: st.m1ar, 0x14: st.fcr}.get(reg, 0)

    def write32(self, offset, value):
        self.board.spi2.sync()
        if offset in (0x08, 0x0C):  # LIFCR / HIFCR: write 1 to clear
            for k in range(4):
                st = self.streams[4 * ((offset - 8) // 4) + k]
                st.flags &= ~((value >> FLAG_SHIFT[k]) & 0x3d)
                st.update_irq()
            return
        if offset < 0x10:
            return
        s, reg = divmod(offset - 0x10, 0x18)
        if s >= 8:
            return
        st = self.streams[s]
        if reg == 0x0:
            was = st.cr & EN
            if st.enabled():
                # While enabled only EN (and CT in double-buffer mode) may change.
                st.cr = (st.cr & ~(EN | CT)) | (value & (EN | CT))
            else:
                st.cr = value
            if st.cr & EN and not was:
                st.ndtr_start = st.ndtr
                st.enable_times.append(self.board.time)
                if st.ndtr == 0:
                    st.cr &= ~EN
            st.update_irq()
            self.board.spi2.schedule_changed()
        elif st.enabled():
            return  # registers are locked while the stream is enabled
        elif reg == 0x4:
            st.ndtr = value & 0xffff
        elif reg == 0x8:
            st.par = value
        elif reg == 0xC:
            st.m0ar = value
        elif reg == 0x10:
            st.m1ar = value
        elif reg == 0x14:
            st.fcr = value
