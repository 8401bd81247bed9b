"""`h7voice packs` offline: one line, no traceback, within the index timeout. The pack
index URL is an unreachable local port, so the test behaves the same on an online machine."""
import os
import subprocess
import sys
import time

from h7voice import paths

ENV = dict(os.environ, PYTHONPATH=paths.TOOLS + os.pathsep + os.environ.get('PYTHONPATH', ''))


def _run(args, python_flags=()):
    start = time.monotonic()
    done = subprocess.run([sys.executable, *python_flags, '-m', 'h7packs', *args], capture_output=True,
                          text=True, env=ENV, cwd=paths.TOP, timeout=60)
    return done, time.monotonic() - start


def test_fetch_offline_says_so_in_one_line(tmp_path):
    vidx = tmp_path / 'index.list'
    vidx.write_text('http://127.0.0.1:9/index.vidx\n')  # discard port: nothing answers
    done, seconds = _run(['--cache', str(tmp_path), 'fetch', '--vidx-list', str(vidx)])
    text = (done.stdout + done.stderr).strip()
    assert 'Traceback' not in text and len(text.splitlines()) == 1, text
    try:
        import cmsis_pack_manager  # noqa: F401
    except ImportError:
        assert done.returncode == 2 and 'run: bash tools/setup.sh' in text, text
    else:
        assert done.returncode == 1, text
        assert 'pack index cannot be reached' in text and 'tests use ../shared/st' in text, text
    assert seconds < 30


def test_fetch_without_the_library_names_setup(tmp_path):
    # -S: no site-packages, so cmsis_pack_manager cannot be imported (h7voice comes from PYTHONPATH)
    done, _ = _run(['--cache', str(tmp_path), 'fetch'], python_flags=('-S',))
    text = (done.stdout + done.stderr).strip()
    assert done.returncode == 2 and text == ('h7voice packs: cmsis-pack-manager is not installed; '
                                              'run: bash tools/setup.sh'), text


def test_check_without_a_fetched_pack_says_so(tmp_path):
    done, _ = _run(['--cache', str(tmp_path), 'check'])
    text = (done.stdout + done.stderr).strip()
    assert done.returncode == 1 and len(text.splitlines()) == 1, text
    assert 'no pack fetched' in text and 'tests use ../shared/st' in text, text


def test_check_finds_a_fetched_header_in_the_pack_layout(tmp_path):
    from h7packs import cli, regcheck
    include = tmp_path / 'packs' / 'STM32H7xx_DFP' / 'Drivers' / 'CMSIS' / 'Device' / 'ST' / 'STM32H7xx' / 'Include'
    gcc = include.parent / 'Source' / 'Templates' / 'gcc'
    include.mkdir(parents=True)
    gcc.mkdir(parents=True)
    (include / 'stm32h743xx.h').write_text('/* header */\n')
    (gcc / 'startup_stm32h743xx.s').write_text('g_pfnVectors:\n')
    assert cli.fetched_header_dir(str(tmp_path)) == str(include)
    assert regcheck.st_startup_path(str(include)) == str(gcc / 'startup_stm32h743xx.s')
