"""Robot Framework keywords for the simulated STM32H743 board (h7sim), named in the spirit of
Renode's keywords (Wait For Line On Uart, Start Emulation, ...).

Import from a suite with a path relative to the suite file:

    *** Settings ***
    Library    ${CURDIR}/../tools/h7sim/robot_library.py

Timeouts are VIRTUAL seconds of the simulated board; every wait also has a wall-clock
limit (wall_limit, default 60 s), so a firmware that spins or locks up fails the test
with a report (PC, function, reason, last UART lines) instead of hanging the run."""
import os
import re
import sys

_TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _TOOLS not in sys.path:
    sys.path.insert(0, _TOOLS)

from h7sim.board import Board  # noqa: E402
from h7sim.errors import SimError  # noqa: E402
from h7sim.fixtures import build_fixture  # noqa: E402
from h7sim.wav import load_wav  # noqa: E402
from h7voice.events import parse_line  # noqa: E402

TOP = os.path.dirname(_TOOLS)


class robot_library:
    """Keywords driving one simulated board at a time."""
    ROBOT_LIBRARY_SCOPE = 'SUITE'

    def __init__(self, wall_limit=60):
        self.board = None
        self.wall_limit = float(wall_limit)
        self.uart_mark = 0

    # ------------------------------------------------------------ helpers
    def _board(self):
        if self.board is None:
            raise AssertionError('no board: call Start Board first')
        return self.board

    def _report(self):
        b = self.board
        if b is None:
            return ''
        lines = [f'virtual time {b.time:.6f} s, {b.instructions:,} instructions, mode {b.mode}, '
                 f'PC 0x{b.pc:08x} in {b.elf.function_at(b.pc)}']
        if b.halted:
            lines.append(f"halted: {b.halted['kind']}: {b.halted['reason']}")
        for fault in b.faults[-3:]:
            lines.append(f"fault: {fault.get('exception')} {fault.get('reason')} at PC 0x{fault['pc']:08x} "
                         f"in {fault.get('function')}")
        lines.append('last UART lines:')
        lines.extend('  | ' + line for line in b.uart_tail(12))
        return '\n'.join(lines)

    def _fail(self, message):
        raise AssertionError(f'{message}\n{self._report()}')

    def _resolve(self, path):
        return path if os.path.isabs(path) else os.path.join(TOP, path)

    # ------------------------------------------------------------ board
    def start_board(self, elf, wall_limit=None, lsi_hz=None):
        """Creates the board with the firmware ELF (path from the repository root or absolute)
        and starts it from reset. `elf` may also be `fixture:<name>` for h7sim's own test images.
        lsi_hz: the simulated part's LSI (default the nominal 32 kHz)."""
        if self.board is not None:
            self.board.close()
        if elf.startswith('fixture:'):
            elf = build_fixture(elf.split(':', 1)[1])
        path = self._resolve(elf)
        if not os.path.exists(path):
            raise AssertionError(f'firmware ELF not found: {path} (build it: scons -j2 variant=firmware)')
        try:
            self.board = Board(path, wall_limit=float(wall_limit or self.wall_limit),
                               lsi_hz=lsi_hz)
        except SimError as exc:
            raise AssertionError(str(exc))
        self.uart_mark = 0

    def platform_demo_elf(self):
        """Path of the platform_demo image."""
        return os.path.join(TOP, 'build', 'firmware', 'firmware', 'apps', 'platform_demo', 'platform_demo.elf')

    def stop_board(self):
        if self.board is not None:
            self.board.close()
            self.board = None

    def run_for(self, seconds):
        """Runs the board for `seconds` of virtual time."""
        b = self._board()
        reason = b.run(seconds=float(seconds))
        if reason == 'wall':
            self._fail(f'wall-clock limit reached while running {seconds} virtual seconds')
        if reason == 'stuck':
            self._fail(f'virtual time stopped advancing while running {seconds} virtual seconds')
        if reason == 'halted' and b.halted['kind'] != 'sleep_forever':
            self._fail('the simulation halted')

    def _wait(self, predicate, timeout, what):
        b = self._board()
        reason = b.run(seconds=float(timeout), until=predicate)
        if reason == 'until':
            return
        if reason == 'wall':
            self._fail(f'{what}: wall-clock limit reached (the firmware may spin)')
        if reason == 'stuck':
            self._fail(f'{what}: virtual time stopped advancing (a simulator bug)')
        if reason == 'halted' and b.halted['kind'] != 'sleep_forever':
            self._fail(f'{what}: the simulation halted')
        self._fail(f'{what}: not seen within {timeout} virtual seconds')

    # ------------------------------------------------------------ UART
    def write_line_to_uart(self, text):
        """Sends text plus a newline to USART3 RX (at the baud rate, in virtual time)."""
        self._board().uart_write(text + '\n')

    def write_to_uart(self, text):
        self._board().uart_write(text)

    def wait_for_line_on_uart(self, pattern, timeout=1.0, treat_as_regex=False):
        """Waits until a UART line (after the last matched one) contains `pattern` (or matches it
        as a regular expression); returns the line. Timeout in virtual seconds."""
        b = self._board()
        regex = re.compile(pattern) if str(treat_as_regex).lower() in ('true', '1', 'yes') else None
        found = {}

        def match(board):
            for i in range(self.uart_mark, len(board.uart_lines)):
                line = board.uart_lines[i]
                if (regex.search(line) if regex else pattern in line):
                    found['i'] = i
                    return True
            return False
        self._wait(match, timeout, f'UART line with {pattern!r}')
        self.uart_mark = found['i'] + 1
        return b.uart_lines[found['i']]

    def wait_for_event(self, name, timeout=1.0, **fields):
        """Waits for a JSON event line {"event": name, ...} whose fields equal the given
        ones (compared as strings); returns it as a dictionary."""
        b = self._board()
        found = {}

        def match(board):
            for i in range(self.uart_mark, len(board.uart_lines)):
                event = parse_line(board.uart_lines[i])
                if event is None or event.get('event') != name:
                    continue
                if all(str(event.get(k)).lower() == str(v).lower() for k, v in fields.items()):
                    found['i'], found['event'] = i, event
                    return True
            return False
        self._wait(match, timeout, f'event {name} {fields or ""}')
        self.uart_mark = found['i'] + 1
        return found['event']

    def wire_time_of_last_line(self):
        """Seconds the line last matched by Wait For Line On Uart / Wait For Event took on
        the wire (its bytes and the newline of a JSON line, at the programmed baud rate): it
        is seen when its last byte arrives, that long after the firmware started sending it."""
        b = self._board()
        if self.uart_mark == 0:
            self._fail('Wire Time Of Last Line: no line matched yet')
        line = b.uart_lines[self.uart_mark - 1]
        return (len(line.encode()) + 1) * b.usart3.char_time()

    def uart_should_not_contain(self, text):
        b = self._board()
        for line in b.uart_lines:
            if text in line:
                self._fail(f'UART contains {text!r}: {line}')

    # ------------------------------------------------------------ state checks
    def pin_should_be(self, pin, level):
        """Pin like PB0 should be at level 0/1 (or low/high)."""
        port, number = pin[1].upper(), int(pin[2:])
        want = {'high': 1, 'low': 0}.get(str(level).lower(), None)
        want = int(level) if want is None else want
        got = self._board().pin(port, number)
        if got != want:
            self._fail(f'pin {pin} is {got}, expected {want}')

    def press_button(self):
        """Presses user button B1 (PC13)."""
        self._board().press_button()

    def release_button(self):
        self._board().release_button()

    def core_should_be_sleeping(self):
        if self._board().mode != 'sleep':
            self._fail(f'core is in {self.board.mode} mode, expected sleep (WFI)')

    def core_should_be_in_stop_mode(self):
        if self._board().mode != 'stop':
            self._fail(f'core is in {self.board.mode} mode, expected stop')

    def core_should_be_running(self):
        if self._board().mode != 'run':
            self._fail(f'core is in {self.board.mode} mode, expected run')

    def clock_should_be(self, mhz):
        """CPU clock in MHz, as computed by the RCC model from the registers."""
        hz = self._board().hz
        if abs(hz - float(mhz) * 1e6) > 1:
            self._fail(f'CPU clock is {hz / 1e6:g} MHz, expected {mhz} MHz')

    def voltage_scaling_should_be(self, vos):
        """VOS0..VOS3 (VOS0 = VOS1 + SYSCFG_PWRCR.ODEN)."""
        got = self._board().pwr.vos_name()
        want = str(vos).upper() if str(vos).upper().startswith('VOS') else f'VOS{vos}'
        if got != want:
            self._fail(f'voltage scaling is {got}, expected {want}')

    def flash_wait_states_should_be(self, ws):
        got = self._board().flash.latency()
        if got != int(ws):
            self._fail(f'FLASH_ACR LATENCY is {got}, expected {ws}')

    def get_cpu_clock_hz(self):
        return self._board().hz

    def no_fault_should_have_happened(self):
        b = self._board()
        if b.faults or (b.halted and b.halted['kind'] != 'sleep_forever'):
            self._fail('a fault happened')

    def fault_should_have_been_raised(self, exception, kind=None):
        """The simulator raised a fault whose exception (HardFault, BusFault, UsageFault,
        MemManage) matches; kind narrows it (bus_read, undefined, no_coprocessor, ...)."""
        b = self._board()
        for fault in b.faults:
            if fault.get('exception') == exception and (kind is None or fault.get('kind') == kind):
                return fault
        self._fail(f'no {exception} fault {kind or ""} was raised; faults: '
                   f"{[(f.get('exception'), f.get('kind')) for f in b.faults]}")

    def board_should_have_reset(self, reason):
        """The chip was reset for `reason` (software, iwdg)."""
        b = self._board()
        if not any(r['reason'] == reason for r in b.resets):
            self._fail(f'no {reason} reset; resets: {b.resets}')

    def time_of_last_reset(self):
        """Virtual time (s) of the last reset the simulator carried out."""
        b = self._board()
        if not b.resets:
            self._fail('no reset yet')
        return b.resets[-1]['time']

    def time_in_mode(self, mode):
        """Virtual seconds spent in run, sleep or stop so far."""
        b = self._board()
        b._account()
        return sum(t for (m, _hz, _vos), t in b.mode_times.items() if m == mode)

    def instructions_executed(self):
        return self._board().instructions

    def virtual_time(self):
        return self._board().time

    # ------------------------------------------------------------ memory and audio
    def read_memory_word(self, address):
        """32-bit word at an address (number) or symbol name."""
        b = self._board()
        addr = b.symbol(address) if isinstance(address, str) and not address.startswith('0x') \
            and not address.isdigit() else int(str(address), 0)
        return b.read_u32(addr)

    def play_audio(self, wav, now=False):
        """Feeds a WAV to the microphone (16 kHz mono 16-bit; others are converted). It
        starts with the first I2S capture, or at once with now=True (a firmware that only
        waits for the microphone's wake-on-sound pin, without capturing)."""
        samples, note = load_wav(self._resolve(wav))
        if note:
            print(f'*WARN* {note}')
        b = self._board()
        b.microphone.play(samples)
        if str(now).lower() in ('true', '1', 'yes'):
            b.microphone.anchor(b.time)

    def write_test_tone(self, path, seconds=1.0, frequency=440):
        """Writes a 16 kHz mono 16-bit WAV with a tone plus a ramp (every sample distinct
        enough to catch reordering) for audio tests."""
        import wave
        import numpy as np
        t = np.arange(int(16000 * float(seconds)))
        x = (np.sin(2 * np.pi * float(frequency) * t / 16000) * 12000 + (t % 97)).astype(np.int16)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with wave.open(path, 'wb') as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(x.astype('<i2').tobytes())
        return path

    def memory_should_hold_audio(self, address, wav, count):
        """The first `count` int16 samples at address equal the WAV's first samples."""
        import numpy as np
        b = self._board()
        addr = int(str(address), 0)
        samples, _ = load_wav(self._resolve(wav))
        n = int(count)
        got = np.frombuffer(b.read_memory(addr, 2 * n), dtype='<i2')
        want = samples[:n]
        if not np.array_equal(got, want):
            bad = int(np.nonzero(got != want)[0][0])
            self._fail(f'audio differs at sample {bad}: memory {got[bad]} != WAV {want[bad]}')

    def audio_summary(self):
        return self._board().summary()['audio']

    # ------------------------------------------------------------ fault injection
    def inject_fault(self, spec):
        """Schedules a fault in the command-line grammar (tools/h7sim/README.md), e.g.
        `irq-hold:DMA1_Stream0:60ms@2.5s`, `dma-error@3s`, `hang@5s`; the time is virtual
        seconds from power-on. Returns the fault's index in Injected Faults."""
        b = self._board()
        try:
            b.inject_spec(spec)
        except SimError as exc:
            raise AssertionError(str(exc))
        return len(b.fault_plan.faults) - 1

    def inject_fault_in(self, delay, spec_without_time):
        """The same, `delay` virtual seconds from now: `Inject Fault In  0.5  stall:200ms`."""
        return self.inject_fault(f'{spec_without_time}@{self._board().time + float(delay)!r}')

    def injected_faults(self):
        """The records of the injected faults: kind, at_s, applied_s, end_s, effect, outcome."""
        return self._board().fault_plan.summary()

    def fault_should_have_fired(self, index):
        record = self.injected_faults()[int(index)]
        if record['applied_s'] is None:
            self._fail(f"injected fault {index} ({record['kind']} at {record['at_s']} s) never took effect")
        return record

    def audio_ground_truth(self):
        """The simulator's count of microphone samples: produced, written, overwritten
        (before the firmware took them), dropped, lost."""
        return self._board().summary()['audio']['ground_truth']

    def lost_samples_should_be(self, count):
        got = self.audio_ground_truth()['samples_lost']
        if got != int(count):
            self._fail(f'{got} microphone samples lost, expected {count}')

    def firmware_loss_count_should_match_ground_truth(self, counted):
        """The firmware's count of lost samples (from its own stats event) equals what the
        simulator knows was lost."""
        truth = self.audio_ground_truth()['samples_lost']
        if int(counted) != truth:
            self._fail(f'the firmware counted {counted} lost samples; {truth} were lost')

    def reset_cause_flags(self):
        """RCC_RSR as the firmware would read it now (RM0433 bit positions)."""
        return self._board().rcc.reset_flags

    def run_soak(self, seconds, seed=1, elf=None, kinds=None):
        """The soak (h7sim/soak.py) for `seconds` virtual seconds with the keyword image;
        kinds: fault kinds separated by commas (default: the soak's own plan). Returns the
        report (a dictionary, as in build/bench/soak.json)."""
        from h7sim.soak import run_soak, DEFAULT_ELF
        try:
            return run_soak(float(seconds), seed=int(seed), elf=self._resolve(elf) if elf else DEFAULT_ELF,
                            wall_limit=max(self.wall_limit, 20 * float(seconds)),
                            kinds=[k.strip() for k in kinds.split(',')] if kinds else None)
        except SimError as exc:
            raise AssertionError(str(exc))

    def summary(self):
        return self._board().summary()
