"""System Control Space 0xE000E000-0xE000EFFF: dispatches to SysTick, NVIC and SCB."""
from .base import Peripheral


class SystemControlSpace(Peripheral):
    name = 'SCS'
    size = 0x1000
    byte_access = True

    def reset(self):
        self.actlr = 0

    def read_sized(self, offset, size):
        board = self.board
        if 0x010 <= offset < 0x020:
            return board.systick.read(offset - 0x010)
        if 0x100 <= offset < 0x400:
            return board.nvic.read(offset - 0x100)
        if 0x400 <= offset < 0x4F0:
            return board.nvic.read_priority(offset - 0x400, size)
        if offset == 0x004:
            return 4  # ICTR: up to 160 interrupt lines
        if offset == 0x008:
            return self.actlr
        if 0xD00 <= offset < 0xF00:
            return board.scb.read(offset - 0xD00, size)
        if 0xF34 <= offset < 0xF40:
            return board.scb.read(offset - 0xD00, size)
        return 0

    def write_sized(self, offset, size, value):
        board = self.board
        if 0x010 <= offset < 0x020:
            board.systick.write(offset - 0x010, value)
        elif 0x100 <= offset < 0x400:
            board.nvic.write(offset - 0x100, value)
        elif 0x400 <= offset < 0x4F0:
            board.nvic.write_priority(offset - 0x400, size, value)
        elif offset == 0x008:
            self.actlr = value
        elif 0xD00 <= offset < 0xF00:
            board.scb.write(offset - 0xD00, size, value)
        elif offset == 0xF00:
            board.nvic.software_trigger(value)
        elif 0xF34 <= offset < 0xF40:
            board.scb.write(offset - 0xD00, size, value)
