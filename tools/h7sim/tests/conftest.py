"""Session fixtures: the simulator's own test images, built once with arm-none-eabi-gcc."""
import pytest

from h7sim.fixtures import build_fixture


@pytest.fixture(scope='session')
def core_test_elf():
    return build_fixture('core_test')


@pytest.fixture(scope='session')
def audio_test_elf():
    return build_fixture('audio_test')
