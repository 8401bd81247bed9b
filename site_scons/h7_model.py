"""env.H7Model(tflite_path, name='model'): a .tflite model as C for the h7nn engine.

Runs `python -m h7nn embed` (tools/h7nn/embed.py) into the calling SConscript's build
folder and returns the generated <name>_model.c node (add it to the image's sources);
<name>_model.h is found with `#include "<name>_model.h"` (the folder is appended to the
env's CPPPATH). The files are the model's one record:

    h7nn_<name>_model_data[]    the model bytes (const, 16-byte aligned: flash)
    H7NN_<NAME>_MODEL_CRC32     their CRC-32 (h7nn_model_verify_crc at boot)
    h7nn_<name>_resolver        exactly the kernels the model uses (engine op list)
    H7NN_<NAME>_ARENA_BYTES     the arena the engine will use: its own plan
    H7NN_<NAME>_INPUT_SCALE / _INPUT_ZERO_POINT, h7nn_<name>_labels[], H7NN_<NAME>_FRONTEND
                                (labels and front end from the model's metadata JSON)

The embed step runs the engine itself: the host build of firmware/engine
(build/host/firmware/engine/libh7nn.so) verifies the model as the board's h7nn_init /
h7nn_allocate will and makes the arena plan. So every model embed depends on that library,
built in the same scons invocation: by the host variant when it is configured
(variant=all, the default), else (variant=firmware) here, from the same sources, into the
same place. A model the engine refuses fails the build with the engine's message.
Regenerated when the model, its JSON, the engine or the embed tools change. Link the
engine with LIBS=[env['H7NN_LIB']] (set by firmware/engine/SConscript).
"""
import os
import sys

import SCons.Errors

_TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_TOOLS = os.path.join(_TOP, 'tools')
HOST_ENGINE = '#build/host/firmware/engine/libh7nn.so'
_host_engine_node = []


def _engine_sources():
    from SCons.Script import Glob
    folders = ['', 'kernels/', 'kernels/reference/', 'kernels/m7/']
    return [s for f in folders for s in Glob('#firmware/engine/%s*.c' % f)]


def host_engine(env):
    """The node of the host engine library the embed step runs (see the module doc)."""
    from SCons.Script import Environment, File
    node = File(HOST_ENGINE)
    if env['H7_OPTS'].get('variant', 'all') != 'firmware' or _host_engine_node:
        return node
    # variant=firmware: the host variant is not configured in this invocation; build the
    # engine library for the host here (the same sources the host variant compiles).
    henv = Environment(ENV={'PATH': os.environ['PATH']}, tools=['default'])
    # the host variant's flags, in its order (SConstruct base_env + host_env), so that a
    # later `scons variant=host` finds these objects up to date
    henv.Append(CPPPATH=['#firmware'], CFLAGS=['-std=c11'],
                CCFLAGS=['-Wall', '-Wextra', '-Wno-unused-parameter', '-g', '-ffunction-sections',
                         '-fdata-sections', '-O2', '-fPIC'],
                CPPDEFINES=['NDEBUG'])
    if env['H7_OPTS'].get('kernels') == 'reference':
        henv.Append(CPPDEFINES=['H7NN_REFERENCE_KERNELS'])
    henv.Append(CPPDEFINES=['H7_TARGET_HOST'], LIBS=['m'])
    if env['H7_OPTS'].get('verbose', '0') == '0':
        henv['SHCCCOMSTR'] = '  CC     [host] $TARGET'
        henv['SHLINKCOMSTR'] = '  SHLINK [host] $TARGET'
    objs = []
    for src in _engine_sources():
        rel = os.path.relpath(src.srcnode().abspath, os.path.join(_TOP, 'firmware', 'engine'))
        objs.append(henv.SharedObject('#build/host/firmware/engine/' + rel[:-2] + '.os', src))
    henv.SharedLibrary(node, objs)
    _host_engine_node.append(node)
    return node


def _embed_action(target, source, env):
    if _TOOLS not in sys.path:
        sys.path.insert(0, _TOOLS)
    from h7nn.embed import EmbedError, embed
    from h7voice.paths import MissingPart
    try:
        embed(str(source[0]), os.path.dirname(str(target[0])), env['H7NN_MODEL_NAME'],
              env.get('H7NN_PREARRANGE_BYTES'))  # (mm16) the pre-arranged weights' flash budget
    except (EmbedError, MissingPart) as e:
        raise SCons.Errors.BuildError(errstr='h7nn embed: %s' % e, exitstatus=2)
    return 0


def _h7model(env, tflite, name='model', prearrange_bytes=None):
    # (mm16) prearrange_bytes: flash for the M7 kernels' pre-arranged weights (None: all; see
    # tools/h7nn/embed.py prearranged)
    from SCons.Script import File, Dir, Action
    if _TOOLS not in sys.path:
        sys.path.insert(0, _TOOLS)
    from h7nn.embed import metadata_path
    model = File(tflite)
    ident = ''.join(c if c.isalnum() else '_' for c in name)
    sources = [model]
    meta = metadata_path(model.srcnode().abspath)
    if meta:
        sources.append(File(meta))
    targets = env.Command([f'{ident}_model.c', f'{ident}_model.h'], sources,
                          Action(_embed_action, f'  EMBED  [{env["H7_VARIANT"]}] $TARGET'),
                          H7NN_MODEL_NAME=ident, H7NN_PREARRANGE_BYTES=prearrange_bytes)
    env.Depends(targets, env.Value('prearrange_bytes=%r' % (prearrange_bytes,)))  # (mm16)
    # the engine that verifies and plans, and the tools that write the record
    env.Depends(targets, [host_engine(env), File('#firmware/engine/h7nn_ops.def')]
                + [File(os.path.join(_TOOLS, 'h7nn', f)) for f in ('embed.py', 'engine.py', 'oplist.py')])
    env.AppendUnique(CPPPATH=[Dir('.')])
    return targets[:1]


def generate(env):
    env.AddMethod(_h7model, 'H7Model')
