"""h7voice: one command for every tool of the project.

    h7voice build [all|firmware|host] [scons options]   build (SCons), e.g. app=kws model=...
    h7voice demo [--wav W] [--model M] [--json J]       the main job on the simulated board
    h7voice sim run IMAGE.elf [...]                     the simulated NUCLEO-H743ZI2
    h7voice bench [MODEL]                               per-op instructions on the board
    h7voice nn inspect|embed|check MODEL                the int8 engine's model tools
    h7voice stream check [MODEL HOP] | bench           streaming inference: every hop = full window; per hop
    h7voice frontend features WAV                       the C front end from Python
    h7voice data ...   h7voice train ...   h7voice evaluate MODEL
    h7voice train-real [--arch tiny]   h7voice eval-real MODEL...   real-speech keyword models
    h7voice eval-stream MODEL... [--out models/real_stream]   false alarms/hour vs recall, real speech
    h7voice eval-kfold [--shipped]                     speaker-disjoint 5-fold table -> models/report.md
    h7voice classify --model M.tflite [--json] WAV|FOLDER...   one JSON line per file, as the board
    h7voice graph --words ... | --grammar F | --align TEXT -o G.bin   a decoder search graph
    h7voice speech g2p WORD...                          phones of any English word
    h7voice context check|expand|compile CONTEXT.yml    commands as text (Rhino's YAML)
    h7voice intent --context C.yml --json WAV|FOLDER   speech -> {"intent", "slots", "score"}
    h7voice wake --phrase "hey computer" --json WAV     wake-phrase events
    h7voice phones recognize WAV | eval [--json J] | train   the phone model and recognizer
    h7voice memreport IMAGE.map                         flash/RAM/stack report
    h7voice packs fetch|check                           ST's device pack (online) as register oracle
    h7voice test [stage ...]                            all tests (build, host, pytest, robot)

`h7voice COMMAND --help` shows each command's own options. Bad input is one line on
stderr and exit status 2, never a traceback.
"""
import os
import subprocess
import sys

from . import paths


def _module_main(module, prefix=()):
    """A command that hands its arguments to an existing tool's main(argv)."""
    def run(argv):
        import importlib
        return importlib.import_module(module).main(list(prefix) + list(argv))
    return run


def _scons_args(argv):
    """`h7voice build [all|firmware|host] [key=value ...]` as scons arguments."""
    args = list(argv)
    if args and args[0] in ('all', 'firmware', 'host'):
        args[0] = 'variant=' + args[0]
    return args


def cmd_build(argv):
    if argv and argv[0] in ('-h', '--help'):
        print('usage: h7voice build [all|firmware|host] [key=value ...]\n'
              '  runs scons -j2 in the repository; `h7voice build bogus=1` lists the options')
        return 0
    return build(_scons_args(argv))


def build(scons_args, quiet=False):
    """Runs SCons from this Python (the venv need not be activated); returns its exit code,
    or (quiet) (code, output)."""
    cmd = [sys.executable, '-m', 'SCons', '-j2', '-Q'] + list(scons_args)
    if quiet:
        proc = subprocess.run(cmd, cwd=paths.TOP, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        return proc.returncode, proc.stdout
    return subprocess.call(cmd, cwd=paths.TOP)


def cmd_test(argv):
    return subprocess.call([sys.executable, os.path.join(paths.TOOLS, 'run_tests.py')] + list(argv),
                           cwd=paths.TOP)


COMMANDS = {
    'build': (cmd_build, 'build firmware and host libraries (SCons)'),
    'demo': (_module_main('h7voice.demo'), 'the main job: keyword image on the simulated board'),
    'cascade': (_module_main('h7voice.cascade'), 'the keyword cascade\'s gate threshold on real speech'),
    'stop-sweep': (_module_main('h7voice.stopsweep'), 'Stop between words: accuracy per quiet time before Stop'),
    'sim': (_module_main('h7sim.cli'), 'the simulated board: run, bench'),
    'bench': (_module_main('h7nn.__main__', ['bench']), 'int8 engine benchmark on the board'),
    'nn': (_module_main('h7nn.__main__'), 'model tools: inspect, embed, check, bench'),
    'stream': (_module_main('h7nn.stream'), 'streaming inference: check (host), bench (board, per hop)'),
    'frontend': (_module_main('h7frontend.__main__'), 'the C front end: features, VAD'),
    'data': (_module_main('h7data.__main__'), 'speech synthesis, augmentation, datasets'),
    'train': (_module_main('h7train.__main__'), 'training, compression, int8 export, report'),
    'evaluate': (_module_main('h7train.__main__', ['evaluate']), 'evaluate an int8 keyword model'),
    'train-real': (_module_main('h7train.realtrain'), 'keyword models from real speech + teacher distillation'),
    'eval-real': (_module_main('h7train.realeval'), 'keyword models on held-out real speakers, peer beside'),
    'eval-stream': (_module_main('h7train.realstream'), 'streaming detection on real speech: false alarms/hour vs recall (DET)'),
    'eval-kfold': (_module_main('h7train.realkfold'), 'speaker-disjoint 5-fold cross-validation on real speech, peer beside'),
    'classify': (_module_main('kwsapp.classify'), 'classify WAV files with a keyword model (JSON lines)'),
    'speech': (_module_main('h7speech.__main__'), 'decoder: search graphs, G2P, decoder fuzz'),
    'graph': (_module_main('h7speech.__main__', ['graph']), 'compile a search graph (words, grammar, transcript)'),
    'phones': (_module_main('h7phones.__main__'), 'phone model: recognize, eval (PER vs PocketSphinx, board), train'),
    'context': (_module_main('h7context.__main__'), 'voice-command contexts (Rhino YAML): check, expand, compile'),
    'intent': (_module_main('h7intent.__main__', ['intent']), 'speech -> intent + slots of a context (C decoder)'),
    'wake': (_module_main('h7intent.__main__', ['wake']), 'spot a wake phrase written as text'),
    'qspi': (_module_main('h7qspi.__main__'), 'weights in QSPI flash: bench (prefetch vs none vs internal), model'),
    'memreport': (_module_main('memreport.__main__'), 'flash/RAM/stack report of an image'),
    'packs': (_module_main('h7packs.cli'), 'CMSIS packs: fetch (online), check registers against them'),
    'align': (_module_main('h7align.__main__', ['align']), 'forced alignment: word/phone times of a transcript (--bench)'),
    'pronounce': (_module_main('h7align.__main__', ['pronounce']), 'pronunciation feedback per word and phone'),
    'record': (_module_main('h7align.__main__', ['record']), 'meeting recorder: speech segments, phrase search'),
    'test': (cmd_test, 'all tests: build, host C tests, pytest, Robot suites'),
}


def usage():
    lines = [__doc__.strip(), '', 'commands:']
    lines += [f'  {name:<10} {help_}' for name, (_, help_) in COMMANDS.items()]
    return '\n'.join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ('-h', '--help', 'help'):
        print(usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"h7voice: unknown command '{name}'; commands: {', '.join(COMMANDS)}",
              file=sys.stderr)
        return 2
    if paths.TOOLS not in sys.path:
        sys.path.insert(0, paths.TOOLS)
    try:
        code = COMMANDS[name][0](rest)
    except paths.MissingPart as err:
        print(f'h7voice {name}: {err}', file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code if isinstance(code, int) else 0


if __name__ == '__main__':
    sys.exit(main())
