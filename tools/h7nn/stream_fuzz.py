"""Fuzzing streaming inference: seed corpus and runner for build/host/firmware/engine/fuzz_stream
(libFuzzer, ASan + UBSan; firmware/engine/fuzz/fuzz_stream.c): mutated models asked to stream
(the refusals need a message) and, when they stream, every hop equal to the full window.

  python -m h7nn.stream_fuzz --seconds 20
  python -m h7nn.stream_fuzz --runs 1000000 [--jobs 2]
"""
import argparse
import os
import struct
import sys

from h7voice import libfuzzer, paths

BINARY = os.path.join(paths.HOST_BUILD, 'firmware', 'engine', 'fuzz_stream')
WORK = os.path.join(paths.BUILD, 'h7nn_stream_fuzz')


def seed_corpus(folder):
    """[length][model][hop byte][features]: the stream test models at their hops and beside them,
    MLPerf's streaming wake word, and the shipped models that are refused; each with both kernel sets."""
    from h7nn import stream_models
    os.makedirs(folder, exist_ok=True)
    models = [(stream_models.build(n), stream_models.hop_rows(n)) for n in stream_models.names()]
    models += [(paths.shared('models', 'mlperf_tiny_str_ww_ref_model.tflite', what='the stream fuzz seeds'), 1),
               (os.path.join(paths.MODELS, 'kws_default.tflite'), 2), (os.path.join(paths.MODELS, 'phones.tflite'), 2)]
    # models that reach the other refusals: branches and residuals (MLPerf's ResNet-8 and VWW),
    # no convolution first (anomaly detection), single convolutions whose output is the model's
    # (with odd depths: the six-pixel views), 2-D windows
    from h7nn import opmodels
    for name in ('mlperf_tiny_ic_resnet8_int8.tflite', 'mlperf_tiny_vww_96_int8.tflite', 'mlperf_tiny_ad01_int8.tflite'):
        models.append((paths.shared('models', name, what='the stream fuzz seeds'), 1))
    models += [(opmodels.build(c), 1) for c in opmodels.case_names() if c.startswith(('conv_2d', 'depthwise'))]
    models += [(stream_models.build_refused(n), 1) for n in stream_models.REFUSED]
    features = bytes((i * 37 + 11) & 0xFF for i in range(997))
    for path, hop in models:
        with open(path, 'rb') as f:
            data = f.read()
        for reference in (0, 1):
            for h in (hop, hop + 1):
                name = '%s.r%d.h%d.seed' % (os.path.basename(path), reference, h)
                with open(os.path.join(folder, name), 'wb') as f:
                    f.write(struct.pack('<I', len(data) | reference << 24) + data + bytes([h - 1]) + features)
    return folder


def run(seconds=None, runs=None, jobs=1):
    seeds = seed_corpus(os.path.join(WORK, 'seeds'))
    return libfuzzer.run(BINARY, WORK, seeds, max_len=131072, seconds=seconds, runs=runs, jobs=jobs)


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m h7nn.stream_fuzz', description=__doc__.splitlines()[0])
    p.add_argument('--seconds', type=int, default=None)
    p.add_argument('--runs', type=int, default=None, help='executions in all')
    p.add_argument('--jobs', type=int, default=1)
    args = p.parse_args(argv)
    try:
        code, execs, out = run(args.seconds, args.runs, args.jobs)
    except paths.MissingPart as e:
        print(e, file=sys.stderr)
        return 2
    return libfuzzer.report('fuzz_stream', code, execs, out)


if __name__ == '__main__':
    sys.exit(main())
