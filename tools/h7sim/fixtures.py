"""Builds the simulator's own test images (tests/fixtures/*.c) with arm-none-eabi-gcc into
build/h7sim/fixtures/ (used by pytest, the Robot suites and the benchmark)."""
import os
import shutil
import subprocess

from .errors import SimError

from h7voice.paths import BUILD

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, 'tests', 'fixtures')
OUT = os.path.join(BUILD, 'h7sim', 'fixtures')
CFLAGS = ['-mcpu=cortex-m7', '-mthumb', '-mfpu=fpv5-d16', '-mfloat-abi=hard', '-O2', '-g',
          '-ffreestanding', '-nostdlib', '-nostartfiles', '-Wall', '-Wextra']


def build_fixture(name):
    """Path of build/h7sim/fixtures/<name>.elf, (re)built from tests/fixtures/<name>.c."""
    gcc = shutil.which('arm-none-eabi-gcc')
    if gcc is None:
        raise SimError('arm-none-eabi-gcc not found: run bash tools/setup.sh')
    os.makedirs(OUT, exist_ok=True)
    src = os.path.join(FIXTURES, name + '.c')
    script = os.path.join(FIXTURES, 'fixture.ld')
    elf = os.path.join(OUT, name + '.elf')
    if not os.path.exists(elf) or os.path.getmtime(elf) < max(os.path.getmtime(src), os.path.getmtime(script)):
        tmp = f'{elf}.{os.getpid()}.tmp'
        result = subprocess.run([gcc] + CFLAGS + ['-T', script, src, '-o', tmp], capture_output=True, text=True)
        if result.returncode != 0:
            raise SimError(f'building fixture {name} failed:\n{result.stderr}')
        os.replace(tmp, elf)
    return elf
