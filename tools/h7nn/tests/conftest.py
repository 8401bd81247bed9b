import os
import subprocess
import sys

import pytest

from h7voice import paths

TOP = paths.TOP
KWS_MODEL = os.path.join(paths.SHARED, 'models', 'mlperf_tiny_kws_ref_model.tflite')


@pytest.fixture(scope='session')
def host_library():
    """The engine's host build (scons builds it; build it here when run alone)."""
    from h7nn import engine
    from h7voice import paths
    if not os.path.exists(os.path.join(paths.HOST_BUILD, engine.LIBRARY_REL)):
        subprocess.run([sys.executable, '-m', 'SCons', '-Q', 'variant=host', 'build/host/firmware/engine'],
                       cwd=TOP, check=True)
    return engine.library()


@pytest.fixture(scope='session')
def kws_bytes():
    if not os.path.exists(KWS_MODEL):
        pytest.fail(f'{KWS_MODEL} is missing: ../shared (the MLPerf Tiny models) must be beside '
                    f'the checkout, or H7_SHARED must point to it')
    with open(KWS_MODEL, 'rb') as f:
        return f.read()
