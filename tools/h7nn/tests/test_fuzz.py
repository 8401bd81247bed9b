"""A short libFuzzer run (ASan + UBSan) over model bytes and inputs: no crash, leak or report."""
import os

import pytest

from h7nn import fuzz


def test_short_fuzz_run(host_library):
    if not os.path.exists(fuzz.BINARY):
        pytest.skip('fuzz_h7nn not built (clang missing: tools/setup.sh installs it)')
    code, execs, out = fuzz.run(seconds=int(os.environ.get('H7NN_FUZZ_SECONDS', '20')))
    assert code == 0, out[-3000:]
    assert execs > 100  # a few thousand on an idle machine; fewer while others compile
