"""One runner for the libFuzzer targets of the C libraries (the engine's fuzz_h7nn, the
decoder's fuzz_h7dec): the command line, sanitizer settings, parallel jobs and the
statistics they print, so each package keeps only its target and seed corpus."""
import glob
import os
import re
import subprocess

from h7voice import paths


def run(binary, work, seeds, max_len, seconds=None, runs=None, jobs=1):
    """libFuzzer on `binary` over work/corpus and the seed folder; with jobs > 1, that many
    processes each doing runs // jobs executions (logs in work/fuzz-N.log). Without seconds
    or runs it fuzzes for 20 s. Returns (exit status, executions, output)."""
    if not os.path.exists(binary):
        raise paths.MissingPart('%s is missing: install clang (tools/setup.sh) and run  scons variant=host'
                                % paths.rel(binary))
    corpus = os.path.join(work, 'corpus')
    os.makedirs(corpus, exist_ok=True)
    cmd = [binary, '-timeout=10', '-rss_limit_mb=2048', '-max_len=%d' % max_len, '-print_final_stats=1',
           '-artifact_prefix=%s/' % work]
    if not seconds and not runs:
        seconds = 20
    if seconds:
        cmd.append('-max_total_time=%d' % seconds)
    if runs:
        cmd.append('-runs=%d' % (runs // jobs if jobs > 1 else runs))
    if jobs > 1:
        cmd += ['-jobs=%d' % jobs, '-workers=%d' % jobs]
        for old in glob.glob(os.path.join(work, 'fuzz-*.log')):
            os.remove(old)
    cmd += [corpus, seeds]
    env = dict(os.environ, ASAN_OPTIONS='detect_leaks=1:abort_on_error=1',
               UBSAN_OPTIONS='halt_on_error=1:print_stacktrace=1')
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=work)
    out = proc.stdout + proc.stderr
    stats = out
    if jobs > 1:  # each job's log holds its final stats (the parent's output repeats them)
        stats = ''
        for log in sorted(glob.glob(os.path.join(work, 'fuzz-*.log'))):
            with open(log, errors='replace') as f:
                stats += f.read()
        out = stats + out
    execs = sum(int(x) for x in re.findall(r'stat::number_of_executed_units:\s*(\d+)', stats))
    return proc.returncode, execs, out


def coverage(out):
    """libFuzzer's last coverage line: (edges covered, features, corpus units)."""
    found = re.findall(r'cov: (\d+) ft: (\d+) corp: (\d+)', out)
    return tuple(int(x) for x in found[-1]) if found else (0, 0, 0)


def report(name, code, execs, out):
    """Prints the tail of libFuzzer's output (more of it after a crash) and one summary line;
    returns the exit status."""
    print(out[-3000:] if code else out[-600:])
    cov, ft, corp = coverage(out)
    print('%s: %d executions, exit status %d (0: no crash), coverage %d edges, %d features, corpus %d'
          % (name, execs, code, cov, ft, corp))
    return code
