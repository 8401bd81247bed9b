"""env.H7FrontendConfig(target_header, config_json): the firmware header of a front-end
configuration (firmware/frontend/configs/*.json), made by the same Python code that the tools
use (tools/h7frontend/config.py). The header carries the configuration rules as
_Static_assert, so a configuration the C code cannot honour fails the firmware build; the
builder also refuses a file with missing/unknown keys or wrong types, naming the problem.
"""
import os
import sys

from SCons.Errors import BuildError, UserError

_TOOLS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tools')


def _config_module():
    if _TOOLS not in sys.path:
        sys.path.insert(0, _TOOLS)
    from h7frontend import config  # pure Python: no NumPy, no native library
    return config


def _build_header(target, source, env):
    config_mod = _config_module()
    try:
        config = config_mod.parse_config(source[0].abspath)
    except config_mod.ConfigError as e:
        raise BuildError(errstr=f'front-end config: {e}')
    with open(target[0].abspath, 'w') as f:
        f.write(config_mod.c_header(config))
    return 0


def _header(env, target, source):
    action = env.Action(_build_header, strfunction=lambda target, source, env:
                        f"  GEN    [{env['H7_VARIANT']}] {target[0]}")
    header = env.Command(target, source, action)
    # The generator is part of the recipe: regenerate when it changes.
    env.Depends(header, [os.path.join(_TOOLS, 'h7frontend', 'config.py'), __file__])
    return header


def generate(env):
    env.AddMethod(_header, 'H7FrontendConfig')
