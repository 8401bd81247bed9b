"""h7voice phones: the phone model and recognizer (issue 13).

    h7voice phones recognize WAV [--model M.tflite] [--json]   phones of a recording (the firmware's C)
    h7voice phones eval [--json build/bench/phones.json]       PER on held-out real speakers vs
                                                               PocketSphinx, board cycles, memory
    h7voice phones train ...                                   train models/phones.tflite (h7phones.train)
    python -m h7phones graph-c -o FILE.c [--foreign]           the phone-loop graph as C (SCons)

Bad input is one line on stderr and exit status 2.
"""
import argparse
import json
import os
import sys

if __package__ in (None, ''):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from h7voice import paths  # noqa: E402


def cmd_graph_c(argv):
    p = argparse.ArgumentParser(prog='python -m h7phones graph-c')
    p.add_argument('-o', '--output', required=True)
    p.add_argument('--foreign', action='store_true', help='built for another phone set (the refusal case)')
    args = p.parse_args(argv)
    from h7phones import acoustic
    if args.foreign:
        text = acoustic.graph_c(acoustic.foreign_graph(), name='phone loop (%s)' % acoustic.FOREIGN_PHONESET)
    else:
        text = acoustic.graph_c(acoustic.phone_loop_graph())
    with open(args.output + '.tmp', 'w') as f:
        f.write(text)
    os.replace(args.output + '.tmp', args.output)
    return 0


def cmd_recognize(argv):
    p = argparse.ArgumentParser(prog='h7voice phones recognize',
                                description='phones of a recording, by the firmware C (host build)')
    p.add_argument('wav')
    p.add_argument('--model', default=None, help='a .tflite phone model (default models/phones.tflite)')
    p.add_argument('--json', action='store_true', help='one JSON line per phone segment')
    args = p.parse_args(argv)
    from h7frontend import wav
    from h7phones.acoustic import PhoneModel
    samples = _read_audio(args.wav, wav)
    m = PhoneModel(args.model)
    segs = m.recognize(samples)
    if args.json:
        for s in segs:
            print(json.dumps(dict(s, start_ms=round(s['start'] * m.frame_s * 1000),
                                  end_ms=round(s['end'] * m.frame_s * 1000))))
    else:
        print(' '.join(s['phone'] for s in segs if s['phone'] != 'SIL'))
    return 0


def _read_audio(path, wav):
    try:
        return wav.read_wav(path)
    except wav.WavFormatError as e:
        raise paths.MissingPart(str(e)) from None


def cmd_eval(argv):
    from h7phones import eval as ev
    return ev.main(argv)


def cmd_train(argv):
    try:
        from h7phones import train
    except ImportError as e:
        raise paths.MissingPart(f'h7phones.train is not in this tree ({e}); it comes with the phone-model data branch')
    return train.main(argv)


COMMANDS = {'recognize': cmd_recognize, 'eval': cmd_eval, 'train': cmd_train, 'graph-c': cmd_graph_c}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ('-h', '--help'):
        print(__doc__.strip())
        return 0 if argv else 2
    if argv[0] not in COMMANDS:
        print(f"h7voice phones: unknown command '{argv[0]}'; commands: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    from h7phones.acoustic import RecordError
    try:
        return COMMANDS[argv[0]](argv[1:]) or 0
    except (RecordError, paths.MissingPart) as e:
        print(f'h7voice phones: {e}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
