"""End to end with the real toolchain: the image builder fails an image that does not fit,
naming the region and the overflow in bytes, and leaves no output behind."""
import importlib.util
import os
import subprocess


from h7voice.paths import FIRMWARE, TOP  # noqa: F401

LDSCRIPT = os.path.join(FIRMWARE, 'platform', 'stm32h743', 'h743.ld')
CPU = ['-mcpu=cortex-m7', '-mthumb', '-mfpu=fpv5-d16', '-mfloat-abi=hard']
LINK = ['arm-none-eabi-gcc'] + CPU + ['-Wl,--gc-sections', '--specs=nano.specs',
                                      '--specs=nosys.specs', '-nostartfiles']


SOURCE = """
#include <stdint.h>
__attribute__((section(".dtcm_bss"))) volatile uint8_t big[BIG_BYTES];
void Reset_Handler(void) { for (;;) big[0]++; }
__attribute__((section(".isr_vector"), used)) void (*const vectors[2])(void) =
    {(void (*)(void))0x20001000u, Reset_Handler};
"""


def load_builder():
    spec = importlib.util.spec_from_file_location(
        'h7_firmware_under_test', os.path.join(TOP, 'site_scons', 'h7_firmware.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(tmp_path, big_bytes, budgets=None):
    src = tmp_path / 'tiny.c'
    src.write_text(SOURCE)
    obj = tmp_path / 'tiny.o'
    subprocess.run(['arm-none-eabi-gcc'] + CPU + ['-O2', '-fstack-usage', '-ffunction-sections',
                                                  '-fdata-sections', f'-DBIG_BYTES={big_bytes}',
                                                  '-c', str(src), '-o', str(obj)], check=True)
    outputs = [str(tmp_path / f'tiny{ext}') for ext in
               ('.elf', '.bin', '.hex', '.map', '.memory.json', '.memory.txt')]
    builder = load_builder()
    code = builder.link_image(name='tiny', outputs=outputs, objs=[str(obj)], libs=[], lib_names=[],
                              link_cmd=LINK, ldscript=LDSCRIPT, budgets=budgets,
                              log=lambda text: None)
    return code, outputs


def test_image_over_the_chip_fails_naming_region_and_bytes(tmp_path, capsys):
    code, outputs = build(tmp_path, 200 * 1024)
    err = capsys.readouterr().err
    assert code == 1
    # stack guard 32 + stack 16 KiB + 200 KiB in a 128 KiB DTCM
    expected = 32 + 16 * 1024 + 200 * 1024 - 128 * 1024
    line = [l for l in err.splitlines() if l.startswith('error: image tiny:')][0]
    assert 'region DTCM overflowed by' in line
    overflow = int(line.split('overflowed by ')[1].split()[0])
    assert expected <= overflow <= expected + 64
    assert not any(os.path.exists(p) or os.path.exists(p + '.tmp') for p in outputs)


def test_budget_tighter_than_chip_fails_and_removes_outputs(tmp_path, capsys):
    code, outputs = build(tmp_path, 1024, budgets={'FLASH': 8})
    err = capsys.readouterr().err
    assert code == 1
    assert 'region FLASH overflowed by' in err
    assert not any(os.path.exists(p) for p in outputs)


def test_image_that_fits_has_every_output(tmp_path):
    code, outputs = build(tmp_path, 1024)
    assert code == 0
    assert all(os.path.getsize(p) > 0 for p in outputs[:5])
    import json
    report = json.load(open(outputs[4]))
    regions = {r['name']: r for r in report['regions']}
    assert regions['DTCM']['used'] >= 1024 + 16 * 1024
    assert report['stack']['worst_thread_path']['path'][0] == 'Reset_Handler'
