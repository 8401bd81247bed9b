"""Command line of the front end.

  python -m h7frontend features in.wav [--config kws_stream] [--quantize SCALE ZP] [-o out.npy]
  python -m h7frontend vad in.wav
  python -m h7frontend configs
  python -m h7frontend header CONFIG out.h      (the generated firmware header)
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

from . import (ConfigError, LibraryMissing, Vad, WavFormatError, available_configs, c_header,
               load_config, parse_config, read_wav)
from .frontend import Frontend, quantize


def _save(path, array):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix='.npy', dir=directory)
    os.close(fd)
    np.save(tmp, array)
    os.replace(tmp, path)


def cmd_features(args):
    frontend = Frontend(args.config)
    samples = read_wav(args.wav, frontend.config.values['sample_rate_hz'])
    feats = frontend.features(samples)
    result = feats
    if args.quantize:
        scale, zero_point = float(args.quantize[0]), int(args.quantize[1])
        result, saturated = quantize(feats, scale, zero_point, return_saturated=True)
        print(f'quantized with scale {scale} zero point {zero_point}: {saturated} values saturated',
              file=sys.stderr)
    if args.output:
        _save(args.output, result)
        print(f'{args.output}: {result.dtype} {list(result.shape)} ({frontend.config.name})')
    else:
        np.set_printoptions(precision=3, suppress=True, linewidth=150)
        print(f'# {args.wav}: {len(samples)} samples -> {result.shape[0]} frames x '
              f'{result.shape[1]} ({frontend.config.name})')
        print(result)


def cmd_vad(args):
    samples = read_wav(args.wav)
    for name, time_ms in Vad(16000).run(samples, args.frame):
        print(json.dumps({'event': name, 'time_ms': time_ms}))


def cmd_configs(args):
    for name in available_configs():
        config = parse_config(name)
        print(f'{name:<14} {config.input_shape}  {config.values.get("description", "")[:90]}')


def cmd_header(args):
    config = load_config(args.config)
    with open(args.output, 'w') as f:
        f.write(c_header(config))


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m h7frontend', description=__doc__.split('\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('features', help='features of a 16 kHz mono 16-bit WAV file')
    p.add_argument('wav')
    p.add_argument('--config', default='kws_stream', help='config name or .json path')
    p.add_argument('--quantize', nargs=2, metavar=('SCALE', 'ZERO_POINT'),
                   help='also quantize to int8 with this scale and zero point')
    p.add_argument('-o', '--output', help='write a .npy file instead of printing')
    p.set_defaults(run=cmd_features)
    p = sub.add_parser('vad', help='speech start/end events of a WAV file, as JSON lines')
    p.add_argument('wav')
    p.add_argument('--frame', type=int, default=320, help='frame length in samples')
    p.set_defaults(run=cmd_vad)
    p = sub.add_parser('configs', help='list the configurations')
    p.set_defaults(run=cmd_configs)
    p = sub.add_parser('header', help='write the firmware header of a configuration')
    p.add_argument('config')
    p.add_argument('output')
    p.set_defaults(run=cmd_header)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (ConfigError, WavFormatError, LibraryMissing, ValueError) as e:
        print(f'h7frontend: error: {e}', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
