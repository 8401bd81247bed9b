"""Fuzzing the engine: seed corpus and a runner for build/host/firmware/engine/fuzz_h7nn
(libFuzzer, ASan + UBSan; firmware/engine/fuzz/fuzz_h7nn.c).

  python -m h7nn.fuzz --seconds 20            short run (CI)
  python -m h7nn.fuzz --runs 1000000 [--jobs 2] a million executions
"""
import argparse
import os
import struct
import sys

from h7voice import libfuzzer, paths

TOP = paths.TOP
BINARY = os.path.join(paths.HOST_BUILD, 'firmware', 'engine', 'fuzz_h7nn')
WORK = os.path.join(paths.BUILD, 'h7nn_fuzz')
KWS = os.path.join(paths.SHARED, 'models', 'mlperf_tiny_kws_ref_model.tflite')


def seed_corpus(folder):
    """Fuzzer inputs from real models: [length][model][input bytes]."""
    from h7nn import opmodels
    os.makedirs(folder, exist_ok=True)
    # every single-op model and every kernel-check shape: each kernel path (M7 and reference)
    # starts from a model that reaches it
    models = [opmodels.build(c) for c in opmodels.case_names()]
    opmodels.build_kernel_check_all()
    models += [opmodels.kernel_check_path(name) for name in sorted(opmodels.KERNEL_CHECK_SPECS)]
    if os.path.exists(KWS):
        models.append(KWS)
    models.append(os.path.join(paths.MODELS, 'kws_default.tflite'))
    for path in models:
        data = open(path, 'rb').read()
        seed = struct.pack('<I', len(data)) + data + bytes(range(0, 256, 7))
        with open(os.path.join(folder, os.path.basename(path) + '.seed'), 'wb') as f:
            f.write(seed)
        # the same model with its plan (bit 26 of the length): the plan checks and the
        # planned allocation (fuzz_h7nn.c run_planned)
        with open(os.path.join(folder, os.path.basename(path) + '.plan.seed'), 'wb') as f:
            f.write(struct.pack('<I', len(data) | 4 << 24) + data + bytes(range(0, 256, 7)))
        # (mm16) and with its pre-arranged weights (bit 27: fuzz_h7nn.c run_packed)
        with open(os.path.join(folder, os.path.basename(path) + '.packed.seed'), 'wb') as f:
            f.write(struct.pack('<I', len(data) | 8 << 24) + data + bytes(range(0, 256, 7)))
        # (setup) and with its checked record (bit 28: fuzz_h7nn.c run_checked), the record's
        # words changed (even first input byte) or the model's bytes under it (odd)
        for tag, first in (('checked', 0), ('checked_model', 1)):
            with open(os.path.join(folder, os.path.basename(path) + '.%s.seed' % tag), 'wb') as f:
                f.write(struct.pack('<I', len(data) | 16 << 24) + data + bytes([first]) + bytes(range(1, 256, 7)))
    return folder


def run(seconds=None, runs=None, jobs=1):
    """libFuzzer over the shared corpus (h7voice.libfuzzer.run). Returns (exit status,
    executions, output)."""
    seeds = seed_corpus(os.path.join(WORK, 'seeds'))
    return libfuzzer.run(BINARY, WORK, seeds, max_len=65536, seconds=seconds, runs=runs, jobs=jobs)


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m h7nn.fuzz', description=__doc__.splitlines()[0])
    p.add_argument('--seconds', type=int, default=None)
    p.add_argument('--runs', type=int, default=None, help='executions in all')
    p.add_argument('--jobs', type=int, default=1, help='parallel fuzzing processes (sharing the corpus)')
    args = p.parse_args(argv)
    if not args.seconds and not args.runs:
        args.seconds = 20
    code, execs, out = run(args.seconds, args.runs, args.jobs)
    return libfuzzer.report('fuzz_h7nn', code, execs, out)


if __name__ == '__main__':
    sys.exit(main())
