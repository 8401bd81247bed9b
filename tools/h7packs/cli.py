"""h7voice packs fetch|check (python -m h7packs ...).

fetch: the pack index (cmsis-pack-manager, in a child process with hard timeouts), then
       the STM32H7xx_DFP pack that holds the STM32H743 and Arm's CMSIS pack, into
       <cache>/packs; the device header and start-up file are unpacked beside them.
       Offline it says so in one line and the register tests keep using ../shared/st.
check: the register tests (firmware and simulator) against the fetched header.
Exit status: 0 done, 1 nothing fetched / tests failed, 2 bad usage or a missing part."""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

from h7voice import paths

INDEX_TIMEOUT_S = 20
DEVICE = 'STM32H743ZITx'
HEADER_GLOB = os.path.join('**', 'Include', 'stm32h743xx.h')
TESTS = ('firmware/platform/stm32h743/tests/test_registers_vs_st.py',
         'tools/h7sim/tests/test_sim_registers_vs_st.py')
FALLBACK = 'the register tests use ../shared/st'


def packs_dir(cache=None):
    return os.path.join(cache or paths.CACHE, 'packs')


def _say(text):
    print(f'h7voice packs: {text}')


def _library_present():
    import importlib.util
    return importlib.util.find_spec('cmsis_pack_manager') is not None


def _worker(python, args, timeout):
    """Runs h7packs._worker in a child (the library's downloads cannot be interrupted from
    a thread); (result dict or None, 'timeout'/'error text'/None)."""
    env = dict(os.environ)
    env['PYTHONPATH'] = paths.TOOLS + os.pathsep + env.get('PYTHONPATH', '')
    try:
        done = subprocess.run([python, '-m', 'h7packs._worker'] + args, capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=paths.TOP)
    except subprocess.TimeoutExpired:
        return None, 'timeout'
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith('{')]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines() or ['no output'])[-1]
        return None, tail
    return json.loads(lines[-1]), None


def fetch(cache, timeout, vidx_list=None, index_timeout=INDEX_TIMEOUT_S):
    python = sys.executable
    if not _library_present():
        _say('cmsis-pack-manager is not installed; run: bash tools/setup.sh')
        return 2
    target = packs_dir(cache)
    os.makedirs(target, exist_ok=True)
    start = time.monotonic()
    extra = ['--vidx-list', vidx_list] if vidx_list else []
    index, problem = _worker(python, ['index', target] + extra, index_timeout)
    if index is None or not index.get('devices'):
        why = (f'no end in {index_timeout:g} s; a slow link may need --index-timeout 120' if problem == 'timeout'
               else problem if problem else 'no pack descriptions came back')
        _say(f'the CMSIS pack index cannot be reached ({why}); {FALLBACK}')
        return 1
    result, problem = _worker(python, ['packs', target, DEVICE] + extra, timeout)
    if result is None:
        why = f'no end in {timeout} s' if problem == 'timeout' else problem
        _say(f'the packs could not be downloaded ({why}); {FALLBACK}')
        return 1
    _say(f"{', '.join(result['packs'])} in {paths.rel(target)} ({time.monotonic() - start:.0f} s); "
         f"device header {paths.rel(result['header'])}; run: h7voice packs check")
    return 0


def fetched_header_dir(cache=None):
    """The Include folder of the newest fetched STM32H7xx_DFP, or None."""
    found = sorted(glob.glob(os.path.join(packs_dir(cache), HEADER_GLOB), recursive=True))
    return os.path.dirname(found[-1]) if found else None


def check(cache, pytest_args):
    include = fetched_header_dir(cache)
    if include is None:
        _say(f'no pack fetched in {packs_dir(cache)} (run: h7voice packs fetch, online); {FALLBACK}')
        return 1
    env = dict(os.environ)
    env['H7_ST_HEADER_DIR'] = include
    env['PYTHONPATH'] = paths.TOOLS + os.pathsep + env.get('PYTHONPATH', '')
    _say(f'register tests against {include}')
    done = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', *pytest_args,
                           *TESTS], cwd=paths.TOP, env=env)
    return 0 if done.returncode == 0 else 1


def main(argv=None):
    parser = argparse.ArgumentParser(prog='h7voice packs', description=__doc__.split('\n\n')[0])
    parser.add_argument('--cache', default=None, help=f'cache folder (default {paths.CACHE}); packs go to <cache>/packs')
    sub = parser.add_subparsers(dest='command', required=True)
    f = sub.add_parser('fetch', help='download the pack index, STM32H7xx_DFP and CMSIS (needs the internet)')
    f.add_argument('--timeout', type=float, default=900.0, help='seconds for the pack downloads (default 900)')
    f.add_argument('--index-timeout', type=float, default=INDEX_TIMEOUT_S,
                   help=f'seconds for the pack index (default {INDEX_TIMEOUT_S})')
    f.add_argument('--vidx-list', help='a file listing pack-index URLs instead of the library default')
    c = sub.add_parser('check', help='run the register tests against the fetched device header')
    c.add_argument('pytest_args', nargs='*', help='extra pytest arguments')
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    try:
        if args.command == 'fetch':
            return fetch(args.cache, args.timeout, args.vidx_list, args.index_timeout)
        return check(args.cache, args.pytest_args)
    except (OSError, paths.MissingPart) as e:
        _say(str(e).splitlines()[0])
        return 2
    except KeyboardInterrupt:
        _say('interrupted')
        return 1
