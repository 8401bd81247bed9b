"""Where things are: the one place that knows the repository layout.

Every tool, test and SConscript takes its paths from here instead of recomputing them from
its own file name. Environment overrides: H7_CACHE (third-party sources fetched by
tools/setup.sh), H7_SHARED (the licensed data, models and ST files beside the checkout).
"""
import os

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(TOP, 'tools')
FIRMWARE = os.path.join(TOP, 'firmware')
MODELS = os.path.join(TOP, 'models')
BUILD = os.path.join(TOP, 'build')
HOST_BUILD = os.path.join(BUILD, 'host')
FIRMWARE_BUILD = os.path.join(BUILD, 'firmware')
BENCH = os.path.join(BUILD, 'bench')
CACHE = os.environ.get('H7_CACHE') or os.path.join(os.path.expanduser('~'), '.cache', 'h7voice')
SHARED = os.environ.get('H7_SHARED') or os.path.join(os.path.dirname(TOP), 'shared')
VENV_BIN = os.path.join(TOP, '.venv', 'bin')


class MissingPart(RuntimeError):
    """A file the command needs is not there; the message names it and the command that
    makes it (one line, never a traceback: the CLI prints it and exits 2)."""


def app_image(app, suffix='.elf'):
    """The firmware image of firmware/apps/<app> as SCons builds it."""
    return os.path.join(FIRMWARE_BUILD, 'firmware', 'apps', app, app + suffix)


def host_library(relpath):
    """A shared library of the host build, relative to build/host (e.g.
    'firmware/engine/libh7nn.so', or an absolute path); MissingPart naming the build command
    if absent."""
    path = os.path.join(HOST_BUILD, relpath)  # an absolute relpath stays as it is
    if not os.path.exists(path):
        raise MissingPart(f'{rel(path)} is not built; '
                          f'run: h7voice build host   (or: scons -j2 variant=host, in {TOP})')
    return path


def shared(*parts, what=None):
    """A path inside ../shared; MissingPart with one line if it (or ../shared) is absent."""
    path = os.path.join(SHARED, *parts)
    if not os.path.exists(path):
        if not os.path.isdir(SHARED):
            raise MissingPart(f'../shared is not beside the checkout (looked for {SHARED}); '
                              f'put the shared folder there or set H7_SHARED'
                              + (f' (needed for {what})' if what else ''))
        raise MissingPart(f'{path} is missing from ../shared'
                          + (f' (needed for {what})' if what else ''))
    return path


def rel(path):
    """path relative to the repository when inside it (for messages)."""
    try:
        r = os.path.relpath(path, TOP)
    except ValueError:
        return path
    return path if r.startswith('..') else r
