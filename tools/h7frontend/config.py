"""The front-end configuration: one JSON file per feature set, the single source of truth.

firmware/frontend/configs/<name>.json is read here (pure Python, no NumPy, so the SCons
builder in site_scons/h7_frontend.py can use it too) and turned into the C struct
h7fe_config_t: by ctypes for the host library, by a generated header for the firmware.
The validity rules live in C (H7FE_CONFIG_RULES in firmware/frontend/frontend_config.h);
this module checks only what JSON can get wrong (missing keys, types, names).
"""
import json
import os

from h7voice.paths import FIRMWARE, TOP  # noqa: F401 (TOP: re-exported for the front-end tools)

CONFIG_DIR = os.path.join(FIRMWARE, 'frontend', 'configs')

# JSON key -> (kind, allowed names for enums). Order = h7fe_config_t field order.
ENUMS = {
    'window': ('hann', 'hamming'),
    'spectrum': ('magnitude', 'power'),
    'output': ('mfcc', 'log_mel'),
    'clip_normalization': ('none', 'peak'),
    'noise_suppression': ('none', 'spectral'),
}
FIELDS = (
    ('sample_rate_hz', 'uint'), ('window_length', 'uint'), ('hop_length', 'uint'),
    ('fft_length', 'uint'), ('window', 'enum'), ('spectrum', 'enum'), ('mel_bands', 'uint'),
    ('mel_low_hz', 'float'), ('mel_high_hz', 'float'), ('log_offset', 'float'),
    ('output', 'enum'), ('mfcc_count', 'uint'), ('sample_scale', 'float'),
    ('clip_normalization', 'enum'), ('clip_frames', 'uint'), ('noise_suppression', 'enum'),
)
OPTIONAL = ('name', 'description')
# Fields a configuration may leave out, and their value then. A default field at its
# default is also left out of to_metadata(), so the records (and feature caches) of the
# configurations written before the field existed stay as they were.
DEFAULTS = {'noise_suppression': 'none'}


class ConfigError(ValueError):
    """A configuration file that cannot be used (the message says why)."""


class FrontendConfig:
    """A parsed configuration: .values holds the JSON values, .c_values the C field values."""

    def __init__(self, values, path=None):
        self.values = dict(values)
        self.path = path
        self.name = values.get('name') or (os.path.splitext(os.path.basename(path))[0]
                                           if path else 'unnamed')
        self.c_values = _to_c_values(values, path or self.name)

    @property
    def feature_count(self):
        v = self.values
        return v['mfcc_count'] if v['output'] == 'mfcc' else v['mel_bands']

    @property
    def clip_samples(self):
        """Samples that make exactly clip_frames frames."""
        v = self.values
        return v['window_length'] + (v['clip_frames'] - 1) * v['hop_length']

    @property
    def input_shape(self):
        """Model input shape (frames, features) for one clip."""
        return (self.values['clip_frames'], self.feature_count)

    def to_metadata(self):
        """The dict a model records so its features can be reproduced."""
        meta = {key: self.values.get(key, DEFAULTS.get(key)) for key, _ in FIELDS
                if key not in DEFAULTS or self.values.get(key, DEFAULTS[key]) != DEFAULTS[key]}
        meta['name'] = self.name
        return meta

    def __repr__(self):
        return f'FrontendConfig({self.name!r})'


def _to_c_values(values, where):
    unknown = sorted(set(values) - {k for k, _ in FIELDS} - set(OPTIONAL))
    if unknown:
        raise ConfigError(f'{where}: unknown key(s) {", ".join(unknown)}; '
                          f'valid keys: {", ".join(k for k, _ in FIELDS)}')
    c_values = {}
    for key, kind in FIELDS:
        if key not in values and key not in DEFAULTS:
            raise ConfigError(f'{where}: missing key "{key}"')
        value = values.get(key, DEFAULTS.get(key))
        if kind == 'enum':
            if value not in ENUMS[key]:
                raise ConfigError(f'{where}: "{key}" is {value!r}; choose one of: '
                                  f'{", ".join(ENUMS[key])}')
            c_values[key] = ENUMS[key].index(value)
        elif kind == 'uint':
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**32:
                raise ConfigError(f'{where}: "{key}" must be a non-negative integer, got {value!r}')
            c_values[key] = value
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f'{where}: "{key}" must be a number, got {value!r}')
            c_values[key] = float(value)
    return c_values


def config_path(name_or_path):
    """A config name ('mlperf_kws') or a path to a .json file -> the file's path."""
    if os.path.sep in name_or_path or name_or_path.endswith('.json'):
        return name_or_path
    return os.path.join(CONFIG_DIR, name_or_path + '.json')


def available_configs():
    return sorted(os.path.splitext(f)[0] for f in os.listdir(CONFIG_DIR) if f.endswith('.json'))


def parse_config(name_or_path):
    """Reads and type-checks a configuration (the C rules are checked by load_config)."""
    if isinstance(name_or_path, dict):
        return FrontendConfig(name_or_path)
    path = config_path(str(name_or_path))
    if not os.path.exists(path):
        raise ConfigError(f'front-end config {name_or_path!r} not found ({path}); '
                          f'available: {", ".join(available_configs())}')
    try:
        with open(path, encoding='utf-8') as f:
            values = json.load(f)
    except json.JSONDecodeError as e:
        raise ConfigError(f'{path}: not valid JSON ({e})') from None
    if not isinstance(values, dict):
        raise ConfigError(f'{path}: expected a JSON object')
    return FrontendConfig(values, path)


def c_header(config, guard='H7_FRONTEND_GENERATED_CONFIG_H'):
    """C header text for the firmware: the config as constants, an initializer, and the
    rules of frontend_config.h as _Static_assert (a bad config fails the build)."""
    def literal(key):
        value = config.c_values[key]
        if isinstance(value, float):
            return repr(value) + 'f'
        return f'{value}u'
    lines = [
        f'/* Generated by site_scons/h7_frontend.py from {os.path.basename(config.path or config.name)}:',
        ' * do not edit; edit the JSON file. */',
        f'#ifndef {guard}', f'#define {guard}', '',
        '#include "frontend/frontend_config.h"', '',
        f'#define H7FE_CONFIG_NAME "{config.name}"',
    ]
    for key, _ in FIELDS:
        lines.append(f'#define H7FE_CFG_{key} {literal(key)}')
    lines += ['', '/* Initializer for an h7fe_config_t. */', '#define H7FE_CONFIG_INIT { \\']
    lines += [f'    .{key} = H7FE_CFG_{key}, \\' for key, _ in FIELDS]
    lines += ['}', '',
              '#define H7FE_CFG_FIELD(name) (H7FE_CFG_##name)',
              '#define H7FE_CFG_STATIC_RULE(condition, text) _Static_assert(condition, "front-end config: " text);',
              'H7FE_CONFIG_RULES(H7FE_CFG_STATIC_RULE, H7FE_CFG_FIELD)',
              '', '#endif', '']
    return '\n'.join(lines)
