"""h7voice align | pronounce | record (issue 15).

    h7voice align AUDIO.wav TEXT [--format json|textgrid|csv] [-o OUT] [--plot PNG] [--board]
    h7voice align --bench [--json build/bench/align.json]          accuracy vs MFA, PocketSphinx beside
    h7voice align --bench --board [--json build/bench/align_board.json]   time/RAM on the board
    h7voice pronounce --text TEXT USER.wav [--reference REF.wav]
    h7voice record AUDIO.wav [--find PHRASE ...] [--json LOG]

TEXT is a .txt file or the text itself. Bad input is one line on stderr, exit status 2,
and nothing written.
"""
import argparse
import os
import sys

from h7voice import paths


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise SystemExit(_fail('%s: %s' % (self.prog, message)))


def _fail(msg):
    print(msg, file=sys.stderr)
    return 2


def read_text(arg):
    """A .txt file's contents, else the argument itself."""
    if arg.endswith('.txt') or (os.path.isfile(arg) and len(arg) < 4096):
        from .align import AlignError
        try:
            with open(arg, 'rb') as f:
                data = f.read()
        except OSError as e:
            raise AlignError('%s: cannot read the transcript (%s)' % (arg, e.strerror)) from None
        try:
            return data.decode('utf-8')
        except UnicodeDecodeError:
            raise AlignError('%s: the transcript is not UTF-8/ASCII text' % arg) from None
    return arg


def write_atomic(path, data):
    """Writes the whole file or nothing (temp file + rename)."""
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'wb' if isinstance(data, bytes) else 'w') as f:
        f.write(data)
    os.replace(tmp, path)


def cmd_align(argv):
    ap = _Parser(prog='h7voice align', description='forced alignment: word and phone times of a '
                 'transcript in a recording (the phone model and decoder of the board, host build)')
    ap.add_argument('audio', nargs='?', help='WAV or FLAC (16 kHz mono; others are converted and announced)')
    ap.add_argument('text', nargs='?', help='the transcript: a .txt file or the text itself')
    ap.add_argument('--format', choices=['json', 'textgrid', 'csv'], help='default: from -o, else json')
    ap.add_argument('-o', '--output', help='output file (default: stdout)')
    ap.add_argument('--plot', help='PNG: the words over the spectrogram')
    ap.add_argument('--board', action='store_true', help='run the align image on the simulated board')
    ap.add_argument('--model', help='phone model .tflite (default: models/phones.tflite)')
    ap.add_argument('--window-words', type=int, default=None, help='transcript window (graph) in words')
    ap.add_argument('--bench', action='store_true', help='the accuracy benchmark on real speech')
    ap.add_argument('--json', help='--bench: where the JSON goes (build/bench/align.json)')
    ap.add_argument('--lengths', default='10,30,60,300', help='--bench --board: seconds of speech per row')
    ap.add_argument('--no-energy', action='store_true', help='--bench --board: skip the energy rows')
    a = ap.parse_args(argv)
    from h7frontend import wav
    from h7speech.decoder import DecoderError

    from . import align as A
    from . import formats
    try:
        if a.bench and a.board:
            from . import boardbench
            try:
                lengths = tuple(int(x) for x in a.lengths.split(',') if x)
            except ValueError:
                return _fail('h7voice align: --lengths wants seconds separated by commas (10,30,60,300)')
            boardbench.run(a.json or os.path.join(paths.BENCH, 'align_board.json'), model=a.model,
                           lengths=lengths, energy=not a.no_energy)
            return 0
        if a.bench:
            from . import bench
            bench.bench(a.json or os.path.join(paths.BENCH, 'align.json'),
                        model=A.phone_model(a.model) if a.model else None)
            return 0
        if a.audio is None or a.text is None:
            return _fail('h7voice align: give AUDIO and TEXT (or --bench)')
        text = read_text(a.text)
        A.words_of(text)                 # text errors before any audio work
        audio = wav.load(a.audio)
        if audio.note:
            print(audio.note, file=sys.stderr)
        if a.board:
            from . import board
            result = board.align(audio.samples, text)
        else:
            kw = {'window_words': a.window_words} if a.window_words else {}
            result = A.Aligner(A.phone_model(a.model) if a.model else None, **kw).align(audio.samples, text)
        fmt = a.format or {'.textgrid': 'textgrid', '.csv': 'csv'}.get(
            os.path.splitext(a.output or '')[1].lower(), 'json')
        data = {'json': formats.to_json, 'csv': formats.to_csv,
                'textgrid': lambda r: formats.to_textgrid(r, audio.seconds)}[fmt](result)
        if a.plot:
            formats.plot(result, audio.samples, audio.rate, a.plot, title=os.path.basename(a.audio))
        if a.output:
            write_atomic(a.output, data)
        else:
            sys.stdout.write(data)
        return 0
    except (A.AlignError, wav.WavFormatError, DecoderError) as e:
        return _fail('h7voice align: %s' % e)


def cmd_pronounce(argv):
    from . import pronounce
    return pronounce.main(argv)


def cmd_record(argv):
    from . import record
    return record.main(argv)


COMMANDS = {'align': cmd_align, 'pronounce': cmd_pronounce, 'record': cmd_record}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in COMMANDS:
        print(__doc__.strip())
        return 0 if argv and argv[0] in ('-h', '--help') else 2
    try:
        return COMMANDS[argv[0]](argv[1:])
    except paths.MissingPart as e:
        return _fail('h7voice %s: %s' % (argv[0], e))


if __name__ == '__main__':
    sys.exit(main())
