"""DMAMUX1 (RM0433 section 17): request routing. Channels 0-7 feed DMA1 streams 0-7,
channels 8-15 DMA2 streams 0-7. CxCR.DMAREQ_ID picks the peripheral request (e.g.
spi2_rx_dma = 39). Synchronization and request generators are not modelled."""
from .base import Peripheral


class Dmamux(Peripheral):
    name = 'DMAMUX1'

    def channel_for_request(self, request):
        """The DMA1 stream whose DMAMUX channel selects `request`, or None."""
        for ch in range(8):
            if self.regs.get(4 * ch, 0) & 0xff == request:
                return ch
        return None

    def write32(self, offset, value):
        if offset < 0x40:
            self.board.spi2.sync()
        self.regs[offset] = value
