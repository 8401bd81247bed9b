"""A short libFuzzer run (ASan + UBSan) over model bytes and inputs: no crash, leak or report."""
import os


from h7nn import fuzz


def test_short_fuzz_run(host_library):
    assert os.path.exists(fuzz.BINARY), 'fuzz_h7nn not built (clang: bash tools/setup.sh, then h7voice build host)'
    code, execs, out = fuzz.run(seconds=int(os.environ.get('H7NN_FUZZ_SECONDS', '20')))
    assert code == 0, out[-3000:]
    assert execs > 100  # a few thousand on an idle machine; fewer while others compile


def test_fuzzer_findings_stay_fixed(host_library):
    """Inputs that once crashed the engine (firmware/engine/fuzz/regressions) run clean."""
    import glob
    import subprocess
    assert os.path.exists(fuzz.BINARY), 'fuzz_h7nn not built (clang: bash tools/setup.sh, then h7voice build host)'
    files = sorted(glob.glob(os.path.join(fuzz.TOP, 'firmware', 'engine', 'fuzz', 'regressions', '*')))
    assert files
    proc = subprocess.run([fuzz.BINARY] + files, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
