"""The qspi_bench image on the simulated board: boot, modes, inferences, and the
bit-exactness check against TFLite Micro on the host (the same inputs and output hash as
nn_bench: tools/h7nn/board.py). Used by the benchmark and the Robot suite."""
import os

from h7voice import paths

IMAGE = paths.app_image('qspi_bench')
BOOT_EVENTS = ('qspi_model', 'qspi_error')


class QspiBenchError(Exception):
    """One line: what the board did instead."""


class QspiBoard:
    """One simulated board running qspi_bench. internal=True maps the QSPI window as
    zero-wait memory (the "larger internal flash" of the comparison run); flash=False
    leaves the QSPI flash off the board (the firmware must say so and not hang)."""

    def __init__(self, elf=None, internal=False, flash=True):
        from h7sim import Board
        from h7sim.periph import qspi
        elf = elf or IMAGE
        if not os.path.exists(elf):
            raise QspiBenchError(f'{paths.rel(elf)} is not built; run: h7voice build firmware')
        qspi.AS_INTERNAL_FLASH, saved = internal, qspi.AS_INTERNAL_FLASH
        try:
            # MPU guards off: the same instruction counts, half the wall time (h7sim README)
            self.board = Board(elf, mpu_guards=False)
        finally:
            qspi.AS_INTERNAL_FLASH = saved
        self.board.qspi.present = flash
        self.internal = internal
        self.boot_events = []

    def _until(self, names, start, seconds):
        b = self.board
        reason = b.run(seconds=seconds, until=lambda b: b.halted or any(
            e.get('event') in names for e in b.events[start:]))
        if b.halted:
            raise QspiBenchError(f'the board stopped: {b.halted["reason"]} (in {b.halted["function"]})')
        new = b.events[start:]
        if not any(e.get('event') in names for e in new):
            raise QspiBenchError(f'no {"/".join(names)} event within {seconds} s of virtual time ({reason}); '
                                 f'last line: {b.uart_tail(1)}')
        return new

    def boot(self, seconds=2.0):
        self.boot_events = self._until(BOOT_EVENTS, 0, seconds)
        return self.boot_events

    def event(self, name, events=None):
        for e in (events if events is not None else self.board.events):
            if e.get('event') == name:
                return e
        return None

    def command(self, text, names, seconds=5.0):
        start = len(self.board.events)
        self.board.uart_write(text + '\n')
        return self._until(names, start, seconds)

    def set_mode(self, mode):
        events = self.command(f'mode {mode}', ('qspi_mode', 'qspi_error'))
        if self.event('qspi_mode', events) is None:
            raise QspiBenchError(f'mode {mode}: {self.event("qspi_error", events)}')

    def run(self, seed, count, seconds=None):
        """The qspi_run event of `run SEED COUNT` and any qspi_error events before it."""
        events = self.command(f'run {seed} {count}', ('qspi_run',), seconds or 2.0 * count + 1)
        return self.event('qspi_run', events), [e for e in events if e.get('event') == 'qspi_error']

    def model_bytes(self):
        """The model bytes the image embeds (from its ELF: internal flash or the .qspi section)."""
        model = self.event('qspi_model', self.boot_events)
        addr, size = self.board.symbol('h7nn_big_model_data'), model['model_bytes']
        from h7sim.periph import qspi
        if qspi.Quadspi.in_window(addr):
            off = addr - qspi.WINDOW_BASE
            return bytes(self.board.qspi.image[off:off + size])
        return self.board.read_memory(addr, size)

    def close(self):
        self.board.close()


def expected_hash(model_bytes, seed, count):
    """FNV-1a of TFLite Micro's outputs for the firmware's inputs (tools/h7nn/board.py)."""
    from h7nn.board import expected_hash as tflm_hash
    return tflm_hash(model_bytes, seed, count)
