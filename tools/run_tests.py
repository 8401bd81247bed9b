"""Runs every test stage of h7voice and adds up the results.

Stages: build (scons, both variants), host (C unit tests), pytest (tools/, firmware/),
robot (robot_tests/ on the simulated board). Each stage reports passed / failed / skipped;
a skip is a failure (every part the tests need is in the tree or installed by
tools/setup.sh; a missing one must fail naming the fix, never skip). The last line is
'N passed, N failed, N skipped'.
Usage: h7voice test [stage ...]   (or: python tools/run_tests.py [stage ...])
"""
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from h7voice.paths import TOP  # noqa: E402

STAGES = ('build', 'host', 'pytest', 'robot')


_QUIET = threading.local()  # a stage run beside another keeps its output until it ends


def run(cmd, **kwargs):
    """Runs cmd with output streamed to the terminal (or held, in a side thread) and captured;
    returns (code, text)."""
    proc = subprocess.Popen(cmd, cwd=TOP, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, **kwargs)
    lines = []
    for line in proc.stdout:
        if not getattr(_QUIET, 'on', False):
            sys.stdout.write(line)
            sys.stdout.flush()
        lines.append(line)
    _QUIET.text = ''.join(lines)
    return proc.wait(), _QUIET.text


def count(pattern, text):
    return sum(int(m) for m in re.findall(pattern, text))


SCONS = [sys.executable, '-m', 'SCons', '-j2', '-Q']  # no activated venv needed


def stage_build():
    code, _ = run(SCONS)
    return (1, 0, 0) if code == 0 else (0, 1, 0)


def stage_host():
    code, text = run(SCONS + ['variant=host', 'host-tests'])
    counts = re.findall(r'^(\d+) passed, (\d+) failed$', text, re.M)  # one line per program
    passed = sum(int(p) for p, _ in counts)
    failed = sum(int(f) for _, f in counts)
    if code != 0 and failed == 0:
        failed = 1  # a test program that crashed or failed to build
    return passed, failed, 0


def stage_pytest():
    code, text = run([sys.executable, '-m', 'pytest', '-q', '-rs', '-p', 'no:cacheprovider'])
    tail = text.strip().splitlines()[-1] if text.strip() else ''
    passed = count(r'(\d+) passed', tail)
    failed = count(r'(\d+) failed', tail) + count(r'(\d+) errors?', tail)
    skipped = count(r'(\d+) skipped', tail)
    if code != 0 and failed == 0:
        failed = 1  # nothing collected (exit 5), an internal error, an interrupted run
    return passed, failed, skipped


def stage_robot():
    code, text = run([sys.executable, '-m', 'robot', '--outputdir', 'build/robot',
                      '--consolewidth', '100', 'robot_tests'])
    m = re.findall(r'^(\d+) tests?, (\d+) passed, (\d+) failed(?:, (\d+) skipped)?', text, re.M)
    passed, failed, skipped = (int(m[-1][1]), int(m[-1][2]), int(m[-1][3] or 0)) if m else (0, 0, 0)
    if code != 0 and failed == 0:
        failed = 1
    return passed, failed, skipped


def main(argv):
    chosen = argv or list(STAGES)
    bad = [s for s in chosen if s not in STAGES]
    if bad:
        sys.exit(f"unknown stage(s) {', '.join(bad)}; stages: {', '.join(STAGES)}")
    results = []
    side = None
    if 'pytest' in chosen and 'robot' in chosen:
        # Both are single-process and CPU-bound; on the 2-core machines we test on, running
        # them side by side is what keeps the whole command within its 5 minutes. Both use
        # only what the build stage made (scons calls inside tests take the build lock).
        side = {}

        def robot_beside():
            _QUIET.on = True
            start = time.monotonic()
            try:
                side['counts'] = stage_robot()
                side['text'] = _QUIET.text
            except Exception as e:  # counted as a failure, never lost
                side['counts'], side['text'] = (0, 1, 0), f'robot stage could not run: {e}\n'
            side['seconds'] = time.monotonic() - start

    for name in chosen:
        if name == 'robot' and side is not None:
            continue
        if name == 'pytest' and side is not None:
            print('\n\033[1m==> test stages: pytest, and robot beside it (its output follows)\033[0m',
                  flush=True)
            thread = threading.Thread(target=robot_beside)
            thread.start()
            start = time.monotonic()
            passed, failed, skipped = stage_pytest()
            results.append((name, passed, failed, skipped, time.monotonic() - start))
            thread.join()
            print('\n\033[1m==> test stage: robot (ran beside pytest)\033[0m')
            print(side.get('text', ''), end='', flush=True)
            results.append(('robot',) + tuple(side['counts']) + (side['seconds'],))
            continue
        print(f'\n\033[1m==> test stage: {name}\033[0m', flush=True)
        start = time.monotonic()
        passed, failed, skipped = globals()[f'stage_{name}']()
        results.append((name, passed, failed, skipped, time.monotonic() - start))
    print('\n\033[1m==> summary\033[0m')
    for name, passed, failed, skipped, seconds in results:
        print(f'  {name:<8} {passed:5d} passed {failed:5d} failed {skipped:5d} skipped  {seconds:7.1f} s')
    total_passed, total_failed, total_skipped = (sum(r[i] for r in results) for i in (1, 2, 3))
    if total_skipped:
        print(f'  {total_skipped} test(s) skipped: every part is in the tree or installed by '
              f'tools/setup.sh, so a skip is a failure (reasons above)')
    print(f'{total_passed} passed, {total_failed} failed, {total_skipped} skipped')
    return 1 if total_failed or total_skipped else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
