"""The one loader of the host builds of our C code (ctypes): front end, engine, simulator
core, decoders. Each binding declares its functions as {name: (restype, argtypes)}."""
import ctypes

from . import paths

_loaded = {}


def load(relpath, signatures=None):
    """Loads build/host/<relpath> once and applies the signatures; MissingPart (one line,
    naming the build command) when the library has not been built."""
    lib = _loaded.get(relpath)
    if lib is None:
        lib = ctypes.CDLL(paths.host_library(relpath))
        _loaded[relpath] = lib
    for name, (restype, argtypes) in (signatures or {}).items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    return lib
