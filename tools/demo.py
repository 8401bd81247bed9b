"""The main job: build the default firmware image and run it on the simulated board.

Until the keyword firmware lands this builds every image and prints the memory reports.
"""
import glob
import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    print('==> building firmware (scons -j2)', flush=True)
    subprocess.run(['scons', '-j2', '-Q', 'variant=firmware'], cwd=TOP, check=True)
    reports = sorted(glob.glob(os.path.join(TOP, 'build/firmware/**/*.memory.txt'), recursive=True))
    for report in reports:
        with open(report) as f:
            print(f.read())
    return 0


if __name__ == '__main__':
    sys.exit(main())
