"""h7sim: a simulated STM32H743 (NUCLEO-H743ZI2) on Unicorn that runs the real firmware ELF.

    from h7sim import Board
    board = Board('platform_demo.elf')
    board.run(seconds=0.2)
    board.uart_lines, board.instructions, board.time, board.summary()

See tools/h7sim/README.md."""
from .errors import SimError


def __getattr__(name):
    if name == 'Board':
        from .board import Board
        return Board
    raise AttributeError(name)


__all__ = ['Board', 'SimError']
