"""Runs every test stage of h7voice and adds up the results.

Stages: build (scons, both variants), host (C unit tests), pytest (tools/), robot
(robot_tests/ on the simulated board). The last line is 'N passed, N failed'.
Usage: python tools/run_tests.py [stage ...]
"""
import glob
import os
import re
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAGES = ('build', 'host', 'pytest', 'robot')


def run(cmd, **kwargs):
    """Runs cmd with output streamed to the terminal and captured; returns (code, text)."""
    proc = subprocess.Popen(cmd, cwd=TOP, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, **kwargs)
    lines = []
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(line)
    return proc.wait(), ''.join(lines)


def count(pattern, text):
    return sum(int(m) for m in re.findall(pattern, text))


def stage_build():
    code, _ = run(['scons', '-j2', '-Q'])
    return (1, 0) if code == 0 else (0, 1)


def stage_host():
    code, text = run(['scons', '-j2', '-Q', 'variant=host', 'host-tests'])
    counts = re.findall(r'^(\d+) passed, (\d+) failed$', text, re.M)  # one line per program
    passed = sum(int(p) for p, _ in counts)
    failed = sum(int(f) for _, f in counts)
    if code != 0 and failed == 0:
        failed = 1  # a test program that crashed or failed to build
    return passed, failed


def stage_pytest():
    code, text = run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider'])
    if code == 5:  # no tests collected
        return 0, 0
    tail = text.strip().splitlines()[-1] if text.strip() else ''
    passed = count(r'(\d+) passed', tail)
    failed = count(r'(\d+) failed', tail) + count(r'(\d+) errors?', tail)
    if code != 0 and failed == 0:
        failed = 1
    return passed, failed


def stage_robot():
    suites = glob.glob(os.path.join(TOP, 'robot_tests', '**', '*.robot'), recursive=True)
    if not suites:
        return 0, 0
    code, text = run([sys.executable, '-m', 'robot', '--outputdir', 'build/robot',
                      '--consolewidth', '100', 'robot_tests'])
    m = re.findall(r'^(\d+) tests?, (\d+) passed, (\d+) failed', text, re.M)
    passed, failed = (int(m[-1][1]), int(m[-1][2])) if m else (0, 0)
    if code != 0 and failed == 0:
        failed = 1
    return passed, failed


def main(argv):
    chosen = argv or list(STAGES)
    bad = [s for s in chosen if s not in STAGES]
    if bad:
        sys.exit(f"unknown stage(s) {', '.join(bad)}; stages: {', '.join(STAGES)}")
    results = []
    for name in chosen:
        print(f'\n\033[1m==> test stage: {name}\033[0m', flush=True)
        start = time.monotonic()
        passed, failed = globals()[f'stage_{name}']()
        results.append((name, passed, failed, time.monotonic() - start))
    print('\n\033[1m==> summary\033[0m')
    for name, passed, failed, seconds in results:
        print(f'  {name:<8} {passed:5d} passed {failed:5d} failed  {seconds:7.1f} s')
    total_passed = sum(r[1] for r in results)
    total_failed = sum(r[2] for r in results)
    print(f'{total_passed} passed, {total_failed} failed')
    return 1 if total_failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
