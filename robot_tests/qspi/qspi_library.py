"""Robot keywords for the QSPI suite: the qspi_bench image on the simulated board
(tools/h7qspi/board.py does the work; this file only names it for Robot)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(os.path.dirname(os.path.dirname(HERE)), 'tools')
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)

from h7qspi.board import QspiBoard, QspiBenchError, expected_hash  # noqa: E402


class qspi_library:
    ROBOT_LIBRARY_SCOPE = 'SUITE'

    def __init__(self):
        self.qb = None
        self.last = None
        self._errors = []

    def start_qspi_board(self, flash=True):
        """Boots qspi_bench; flash=${False} leaves the QSPI flash off the board."""
        self.stop_qspi_board()
        self.qb = QspiBoard(flash=flash)
        self.qb.boot()

    def stop_qspi_board(self):
        if self.qb:
            self.qb.close()
            self.qb = None

    def boot_event(self, name):
        """The boot event of that name (fails if the firmware did not send it)."""
        e = self.qb.event(name, self.qb.boot_events)
        if e is None:
            raise AssertionError(f'no {name} event at boot; got {self.qb.boot_events}')
        return e

    def set_weights_mode(self, mode):
        self.qb.set_mode(mode)

    def run_inferences(self, seed, count):
        """`run SEED COUNT`: the qspi_run event (qspi_error events before it: Last Errors)."""
        try:
            self.last, self._errors = self.qb.run(int(seed), int(count))
        except QspiBenchError as e:
            raise AssertionError(str(e)) from None
        return self.last

    def last_errors(self):
        return self._errors

    def outputs_should_match_tflite_micro(self, seed, count):
        want = expected_hash(self.qb.model_bytes(), int(seed), int(count))
        if self.last['fnv1a'] != want:
            raise AssertionError(f'board outputs hash {self.last["fnv1a"]}, TFLite Micro {want}')

    def inject_mdma_error(self):
        """The MDMA's next transfer ends with a bus error (TEIF)."""
        self.qb.board.mdma.inject_error()

    def command_should_answer_error(self, text):
        try:
            events = self.qb.command(text, ('qspi_error',), seconds=1.0)
        except QspiBenchError as e:
            raise AssertionError(str(e)) from None
        return self.qb.event('qspi_error', events)

    def qspi_cpu_reads(self):
        return self.qb.board.qspi.reads
