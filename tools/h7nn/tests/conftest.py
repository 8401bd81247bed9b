import os
import subprocess
import sys

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
KWS_MODEL = os.path.join(os.path.dirname(TOP), 'shared', 'models', 'mlperf_tiny_kws_ref_model.tflite')


@pytest.fixture(scope='session')
def host_library():
    """The engine's host build (scons builds it; build it here when run alone)."""
    from h7nn import engine
    if not os.path.exists(engine.LIBRARY):
        subprocess.run([sys.executable, '-m', 'SCons', '-Q', 'variant=host', 'build/host/firmware/engine'],
                       cwd=TOP, check=True)
    return engine.library()


@pytest.fixture(scope='session')
def kws_bytes():
    if not os.path.exists(KWS_MODEL):
        pytest.skip('%s is absent (../shared not mounted): skipping the MLPerf KWS model' % KWS_MODEL)
    with open(KWS_MODEL, 'rb') as f:
        return f.read()
