"""h7voice intent / h7voice wake (python -m h7intent intent|wake ...).

intent --context CONTEXT.yml [--json] AUDIO.wav|FOLDER...
    {"intent": name or null, "slots": {name: value}, "score": nats/frame over the filler}
    per file (a folder: one JSON line per audio file, with "file")
intent --bench [REPORT.json]         the intent/wake benchmark (python -m h7intent.bench)
wake --phrase "hey computer" [--sensitivity S] [--json] AUDIO.wav...
    [{"time_s": when it fired, "score": likelihood ratio over the filler, nats}]

Bad input: one line on stderr, exit status 2.
"""
import argparse
import json
import os
import sys

from h7voice import paths

from h7context.parser import ContextError

from .engine import IntentError

AUDIO = ('.wav', '.flac')


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise _Usage(f'{message} ({self.prog} --help)')


def audio_files(items):
    """Files as given; folders: their audio files, sorted (recursively)."""
    out = []
    for item in items:
        if os.path.isdir(item):
            found = sorted(os.path.join(d, f) for d, _, fs in os.walk(item) for f in fs
                           if f.lower().endswith(AUDIO))
            if not found:
                raise IntentError(f'{item}: no .wav or .flac files in this folder')
            out += [(f, True) for f in found]
        elif not os.path.exists(item):
            raise IntentError(f'{item}: no such file')
        else:
            out.append((item, False))
    return out


def _read(path):
    from h7frontend import wav
    try:
        return wav.read_wav(path)
    except wav.WavFormatError as err:
        raise IntentError(str(err))


def cmd_intent(argv):
    p = _Parser(prog='h7voice intent', description='speech -> intent and slots (C decoder)')
    p.add_argument('audio', nargs='*', help='WAV/FLAC files or folders')
    p.add_argument('--context', help='Rhino YAML context')
    p.add_argument('--json', action='store_true', help='JSON output (the default form: one JSON line per file)')
    p.add_argument('--bench', action='store_true',
                   help='run the benchmark instead: h7voice intent --bench [REPORT.json] (build/bench/intent.json)')
    p.add_argument('--model', help='phone model .tflite (default: models/phones.tflite)')
    a = p.parse_args(argv)
    if a.bench:
        from . import bench
        if len(a.audio) > 1:
            raise _Usage('--bench takes at most one argument: the report file')
        return bench.main(['--json', a.audio[0]] if a.audio else [])
    if not a.context or not a.audio:
        raise _Usage('give --context CONTEXT.yml and at least one AUDIO.wav or folder')
    from .engine import Intents, phone_model
    from h7context.parser import load
    ir = load(a.context)              # context errors first, then the audio, then the slow part
    files = audio_files(a.audio)
    engine = Intents(ir, phone_model(a.model))
    many = len(files) > 1 or any(in_folder for _, in_folder in files)
    for path, _ in files:
        out = engine(_read(path))
        print(json.dumps(({'file': path} if many else {}) | out), flush=True)
    return 0


def cmd_wake(argv):
    p = _Parser(prog='h7voice wake', description='spot a wake phrase written as text')
    p.add_argument('audio', nargs='+')
    p.add_argument('--phrase', required=True)
    p.add_argument('--sensitivity', type=float, default=0.5, help='0..1, higher finds more (0.5)')
    p.add_argument('--json', action='store_true', help='JSON output (the default form)')
    p.add_argument('--model', help='phone model .tflite (default: models/phones.tflite)')
    a = p.parse_args(argv)
    from .engine import Wake, phone_model
    spotter = Wake(a.phrase, a.sensitivity)
    files = audio_files(a.audio)
    spotter.model = phone_model(a.model)
    many = len(files) > 1 or any(f for _, f in files)
    for path, _ in files:
        events = spotter(_read(path))
        print(json.dumps({'file': path, 'events': events} if many else events), flush=True)
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    cmds = {'intent': cmd_intent, 'wake': cmd_wake}
    if not argv or argv[0] not in cmds:
        print(__doc__.strip(), file=sys.stderr if argv else sys.stdout)
        return 2 if argv else 0
    try:
        return cmds[argv[0]](argv[1:])
    except (IntentError, _Usage, paths.MissingPart, ContextError) as err:
        print(f'h7voice {argv[0]}: {err}', file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == '__main__':
    sys.exit(main())
