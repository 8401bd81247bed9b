"""ctypes binding of libh7core.so (tools/h7sim/native/h7core.c), built by `scons variant=host`.

The library must be the build of this checkout; it is found in build/host/tools/h7sim/ (or
the folder named by the H7SIM_NATIVE environment variable)."""
import ctypes
import os

from .errors import SimError

from h7voice import native, paths

LIB_NAME = 'libh7core.so'

STOP_NONE, STOP_DEADLINE, STOP_REQUEST, STOP_INTR, STOP_FP_DISABLED, STOP_LOCKUP, \
    STOP_BAD_RETURN, STOP_BREAK, STOP_TRAP = range(9)
TRAP_DIV0, TRAP_UNALIGNED, TRAP_MPU_READ, TRAP_MPU_WRITE = 1, 2, 3, 4
SLEEP_ON_EXIT_INFO = 0x51ee9


class Core(ctypes.Structure):
    """Mirror of struct h7_core: NVIC state and the instruction clock."""
    _fields_ = [
        ('instructions', ctypes.c_uint64),
        ('deadline', ctypes.c_uint64),
        ('stop_reason', ctypes.c_uint32),
        ('stop_info', ctypes.c_uint32),
        ('stop_request', ctypes.c_uint32),
        ('vtor', ctypes.c_uint32),
        ('prigroup', ctypes.c_uint32),
        ('fp_enabled', ctypes.c_uint32),
        ('fp_check', ctypes.c_uint32),
        ('any_pending', ctypes.c_uint32),
        ('pending', ctypes.c_uint32 * 8),
        ('enabled', ctypes.c_uint32 * 8),
        ('active', ctypes.c_uint32 * 8),
        ('priority', ctypes.c_uint8 * 256),
        ('exceptions_taken', ctypes.c_uint64),
        ('blocks', ctypes.c_uint64),
        ('last_exception', ctypes.c_uint32),
        ('sleep_on_exit', ctypes.c_uint32),
        ('exited_to_thread', ctypes.c_uint32),
        ('break_count', ctypes.c_uint32),
        ('breakpoints', ctypes.c_uint32 * 16),
        ('break_skip', ctypes.c_uint32),
        ('fp_skip', ctypes.c_uint32),
        ('level', ctypes.c_uint32 * 8),
        ('div0_trap', ctypes.c_uint32),
        ('trap_kind', ctypes.c_uint32),
        ('trap_pc', ctypes.c_uint32),
        ('trap_address', ctypes.c_uint32),
        ('stacking_errors', ctypes.c_uint32),
        ('masked_blocks', ctypes.c_uint64),
        ('decodes', ctypes.c_uint64),
    ]


_lib = None


def library_path():
    folder = os.environ.get('H7SIM_NATIVE') or os.path.join(paths.HOST_BUILD, 'tools', 'h7sim')
    return os.path.join(folder, LIB_NAME)


def load():
    """Loads libh7core.so once; raises SimError with the command that builds it if missing."""
    global _lib
    if _lib is not None:
        return _lib
    import unicorn  # noqa: F401  (loads libunicorn.so.2 first, so ours binds to the same copy)
    path = library_path()
    p, i = ctypes.c_void_p, ctypes.c_int
    signatures = {'h7_attach': (p, [p, ctypes.POINTER(Core)]), 'h7_detach': (None, [p]),
                  'h7_flush_blocks': (None, [p]),
                  'h7_enter_exception': (i, [p, ctypes.c_uint, ctypes.c_uint32]),
                  'h7_refresh_pending': (None, [ctypes.POINTER(Core)]), 'h7_struct_size': (i, [])}
    signatures.update({name: (i, [p]) for name in ('h7_take_pending', 'h7_execution_priority',
                                                    'h7_pending_takeable', 'h7_pending_any_enabled')})
    try:
        lib = native.load(path, signatures)
    except paths.MissingPart as err:
        raise SimError(f'h7sim native helper: {err}') from None
    except OSError as exc:
        raise SimError(f'h7sim native helper {path} does not load ({exc}); rebuild: h7voice build host')
    if lib.h7_struct_size() != ctypes.sizeof(Core):
        raise SimError(f'h7sim native helper {path} is stale (struct size differs); rebuild: scons -Q variant=host')
    _lib = lib
    return lib


def bind_profile(lib):
    lib.h7_add_instruction_traps.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32), ctypes.c_int]
    lib.h7_add_instruction_traps.restype = ctypes.c_int
    lib.h7_set_guard.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32, ctypes.c_uint32]
    lib.h7_set_guard.restype = ctypes.c_int
    lib.h7_profile_enable.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.h7_profile_enable.restype = ctypes.c_int
    lib.h7_profile_read.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32),
                                    ctypes.POINTER(ctypes.c_uint64), ctypes.c_int]
    lib.h7_profile_read.restype = ctypes.c_int
