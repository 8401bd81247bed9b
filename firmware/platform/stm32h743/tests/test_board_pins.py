"""The pin table (board_pins.def) against the NUCLEO-H743ZI2 assignments of UM2407, and
proof that the firmware, the simulator and the docs read the same rows."""
import shutil
import subprocess

import pytest

from h7voice import board_pins, paths

# UM2407 (MB1364): LEDs, B1, ST-LINK VCP; our microphone wiring on SPI2/I2S2; the ST Zio
# (Arduino) pins we use. D2/D4/D7/D8 are the MB1364's, not the older MB1137's
# (PF15/PF14/PF13/PF12, UM1974).
UM2407 = {
    'LED_GREEN': ('B', 0), 'LED_YELLOW': ('E', 1), 'LED_RED': ('B', 14), 'BUTTON': ('C', 13),
    'USART3_TX': ('D', 8), 'USART3_RX': ('D', 9),
    'I2S2_CK': ('B', 10), 'I2S2_WS': ('B', 12), 'I2S2_SDI': ('C', 2),
    'MIC_WAKE': ('G', 14),  # Arduino D2
    'D3': ('E', 13), 'D4': ('E', 14), 'D5': ('E', 11), 'D6': ('E', 9), 'D7': ('G', 12), 'D8': ('F', 3),
}
ARDUINO = {'D2': ('G', 14), 'D3': ('E', 13), 'D4': ('E', 14), 'D5': ('E', 11), 'D6': ('E', 9),
           'D7': ('G', 12), 'D8': ('F', 3)}


def test_table_matches_um2407():
    pins = board_pins.load()
    for name, where in UM2407.items():
        assert (pins[name].port, pins[name].number) == where, name
    for p in pins.values():
        if p.arduino:
            assert (p.port, p.number) == ARDUINO[p.arduino], p
    assert pins['MIC_WAKE'].arduino == 'D2'


def test_every_pin_once_and_free_pins_are_arduino_pins():
    pins = board_pins.load().values()
    places = [(p.port, p.number) for p in pins]
    assert len(places) == len(set(places)), 'a pin appears twice in board_pins.def'
    assert all(0 <= p.number <= 15 for p in pins)
    assert all(p.arduino for p in pins if p.use == 'FREE')


def test_a_bad_row_is_named(tmp_path):
    bad = tmp_path / 'pins.def'
    bad.write_text("H7_BOARD_PIN(LED, 'B', 0, BOARD)\n")
    with pytest.raises(ValueError, match='row not understood'):
        board_pins.load(str(bad))


def test_firmware_compiles_the_same_rows(tmp_path):
    """platform.h's H7_PIN_<name> values, compiled by the host C compiler, are the table's."""
    cc = shutil.which('cc') or shutil.which('gcc')
    if cc is None:
        pytest.fail('no host C compiler (cc/gcc) on PATH; run tools/setup.sh', pytrace=False)
    src = tmp_path / 'pins.c'
    src.write_text('#include <stdio.h>\n#include "platform/platform.h"\nint main(void) {\n'
                   '#define H7_BOARD_PIN(name, port, number, arduino, use, what) '
                   'printf("%s %u %u\\n", #name, (unsigned)H7_PIN_PORT(H7_PIN_##name), '
                   '(unsigned)H7_PIN_NUMBER(H7_PIN_##name));\n'
                   '#include "platform/stm32h743/board_pins.def"\nreturn 0; }\n')
    exe = tmp_path / 'pins'
    subprocess.run([cc, '-std=c11', '-Wall', '-Werror', '-I', paths.FIRMWARE, str(src), '-o', str(exe)],
                   check=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.split('\n')
    compiled = {n: ('ABCDEFGHIJK'[int(port)], int(number)) for n, port, number in
                (line.split() for line in out if line)}
    assert compiled == {n: (p.port, p.number) for n, p in board_pins.load().items()}


def test_simulator_wires_the_table():
    from h7sim.periph import microphone
    assert (microphone.MIC_WAKE_PORT, microphone.MIC_WAKE_PIN) == board_pins.pin('MIC_WAKE')
