"""env.H7Model(tflite_path, name='model'): a .tflite model as C for the h7nn engine.

Runs `python -m h7nn embed` (tools/h7nn/embed.py) into the calling SConscript's build
folder and returns the generated <name>_model.c node (add it to the image's sources);
<name>_model.h is found with `#include "<name>_model.h"` (the folder is appended to the
env's CPPPATH). The files hold:

    h7nn_<name>_model_data[]    the model bytes (const, 16-byte aligned: flash)
    h7nn_<name>_resolver        exactly the kernels the model uses
    H7NN_<NAME>_ARENA_BYTES     the arena the engine will use (build-time plan)
    H7NN_<NAME>_INPUT_SCALE / _INPUT_ZERO_POINT, h7nn_<name>_labels[]  (labels from
                                models/<name>.json beside the model, when present)

A model with an op the engine has no kernel for fails the build with a message naming the
op. Regenerated only when the model, its JSON or the embed tool changes. Link the engine
with LIBS=[env['H7NN_LIB']] (set by firmware/engine/SConscript).
"""
import os

import SCons.Errors

_TOOLS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tools')


def _embed_action(target, source, env):
    import sys
    if _TOOLS not in sys.path:
        sys.path.insert(0, _TOOLS)
    from h7nn.embed import EmbedError, embed
    try:
        embed(str(source[0]), os.path.dirname(str(target[0])), env['H7NN_MODEL_NAME'])
    except EmbedError as e:
        raise SCons.Errors.BuildError(errstr='h7nn embed: %s' % e, exitstatus=2)
    return 0


def _h7model(env, tflite, name='model'):
    from SCons.Script import File, Dir, Action, Glob
    model = File(tflite)
    ident = ''.join(c if c.isalnum() else '_' for c in name)
    sources = [model]
    meta = os.path.splitext(model.srcnode().abspath)[0] + '.json'
    if os.path.exists(meta):
        sources.append(File(meta))
    targets = env.Command([f'{ident}_model.c', f'{ident}_model.h'], sources,
                          Action(_embed_action, f'  EMBED  [{env["H7_VARIANT"]}] $TARGET'),
                          H7NN_MODEL_NAME=ident)
    env.Depends(targets, [File(os.path.join(_TOOLS, 'h7nn', f)) for f in ('embed.py', 'planner.py', 'tflite.py')])
    env.AppendUnique(CPPPATH=[Dir('.')])
    return targets[:1]


def generate(env):
    env.AddMethod(_h7model, 'H7Model')
