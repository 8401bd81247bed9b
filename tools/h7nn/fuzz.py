"""Fuzzing the engine: seed corpus and a runner for build/host/firmware/engine/fuzz_h7nn
(libFuzzer, ASan + UBSan; firmware/engine/fuzz/fuzz_h7nn.c).

  python -m h7nn.fuzz --seconds 20            short run (CI)
  python -m h7nn.fuzz --runs 1000000 [--jobs 2] a million executions
"""
import argparse
import glob
import os
import re
import struct
import subprocess
import sys

from h7voice import paths

TOP = paths.TOP
BINARY = os.path.join(paths.HOST_BUILD, 'firmware', 'engine', 'fuzz_h7nn')
WORK = os.path.join(paths.BUILD, 'h7nn_fuzz')
KWS = os.path.join(paths.SHARED, 'models', 'mlperf_tiny_kws_ref_model.tflite')


def seed_corpus(folder):
    """Fuzzer inputs from real models: [length][model][input bytes]."""
    from h7nn import opmodels
    os.makedirs(folder, exist_ok=True)
    models = [opmodels.build(c) for c in opmodels.case_names()[::4]]
    if os.path.exists(KWS):
        models.append(KWS)
    models.append(os.path.join(paths.MODELS, 'kws_default.tflite'))
    for path in models:
        data = open(path, 'rb').read()
        seed = struct.pack('<I', len(data)) + data + bytes(range(0, 256, 7))
        with open(os.path.join(folder, os.path.basename(path) + '.seed'), 'wb') as f:
            f.write(seed)
    return folder


def run(seconds=None, runs=None, jobs=1):
    """libFuzzer over the shared corpus; with jobs > 1, that many processes each doing
    runs // jobs executions (logs in build/h7nn_fuzz/fuzz-N.log). Returns (exit status,
    executions, output)."""
    if not os.path.exists(BINARY):
        raise FileNotFoundError('%s is missing: install clang (tools/setup.sh) and run  scons variant=host' % BINARY)
    seeds = seed_corpus(os.path.join(WORK, 'seeds'))
    corpus = os.path.join(WORK, 'corpus')
    os.makedirs(corpus, exist_ok=True)
    cmd = [BINARY, '-timeout=10', '-rss_limit_mb=2048', '-max_len=65536', '-print_final_stats=1',
           '-artifact_prefix=%s/' % WORK]
    if seconds:
        cmd.append('-max_total_time=%d' % seconds)
    if runs:
        cmd.append('-runs=%d' % (runs // jobs if jobs > 1 else runs))
    if jobs > 1:
        cmd += ['-jobs=%d' % jobs, '-workers=%d' % jobs]
        for old in glob.glob(os.path.join(WORK, 'fuzz-*.log')):
            os.remove(old)
    cmd += [corpus, seeds]
    env = dict(os.environ, ASAN_OPTIONS='detect_leaks=1:abort_on_error=1',
               UBSAN_OPTIONS='halt_on_error=1:print_stacktrace=1')
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=WORK)
    out = proc.stdout + proc.stderr
    stats = out
    if jobs > 1:  # each job's log holds its final stats (the parent's output repeats them)
        stats = ''
        for log in sorted(glob.glob(os.path.join(WORK, 'fuzz-*.log'))):
            with open(log, errors='replace') as f:
                stats += f.read()
        out = stats + out
    execs = sum(int(x) for x in re.findall(r'stat::number_of_executed_units:\s*(\d+)', stats))
    return proc.returncode, execs, out


def coverage(out):
    """libFuzzer's last coverage line: (edges covered, features, corpus units)."""
    found = re.findall(r'cov: (\d+) ft: (\d+) corp: (\d+)', out)
    return tuple(int(x) for x in found[-1]) if found else (0, 0, 0)


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m h7nn.fuzz', description=__doc__.splitlines()[0])
    p.add_argument('--seconds', type=int, default=None)
    p.add_argument('--runs', type=int, default=None, help='executions in all')
    p.add_argument('--jobs', type=int, default=1, help='parallel fuzzing processes (sharing the corpus)')
    args = p.parse_args(argv)
    if not args.seconds and not args.runs:
        args.seconds = 20
    code, execs, out = run(args.seconds, args.runs, args.jobs)
    print(out[-3000:] if code else out[-600:])
    cov, ft, corp = coverage(out)
    print('fuzz_h7nn: %d executions, exit status %d (0: no crash), coverage %d edges, %d features, corpus %d'
          % (execs, code, cov, ft, corp))
    return code


if __name__ == '__main__':
    sys.exit(main())
