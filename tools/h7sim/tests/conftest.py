"""Builds the simulator test images (tests/fixtures/*.c) with arm-none-eabi-gcc once per
session into build/h7sim/fixtures/, and checks the native helper is built."""
import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
FIXTURES = os.path.join(HERE, 'fixtures')
OUT = os.path.join(TOP, 'build', 'h7sim', 'fixtures')
CFLAGS = ['-mcpu=cortex-m7', '-mthumb', '-mfpu=fpv5-d16', '-mfloat-abi=hard', '-O2', '-g',
          '-ffreestanding', '-nostdlib', '-nostartfiles', '-Wall', '-Wextra']


def build_fixture(name):
    gcc = shutil.which('arm-none-eabi-gcc')
    if gcc is None:
        pytest.fail('arm-none-eabi-gcc not found: run bash tools/setup.sh')
    os.makedirs(OUT, exist_ok=True)
    src = os.path.join(FIXTURES, name + '.c')
    elf = os.path.join(OUT, name + '.elf')
    if not os.path.exists(elf) or os.path.getmtime(elf) < max(os.path.getmtime(src),
                                                              os.path.getmtime(os.path.join(FIXTURES, 'fixture.ld'))):
        subprocess.run([gcc] + CFLAGS + ['-T', os.path.join(FIXTURES, 'fixture.ld'), src, '-o', elf + '.tmp'],
                       check=True)
        os.replace(elf + '.tmp', elf)
    return elf


@pytest.fixture(scope='session')
def core_test_elf():
    return build_fixture('core_test')


@pytest.fixture(scope='session')
def audio_test_elf():
    return build_fixture('audio_test')
