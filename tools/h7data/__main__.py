"""h7data command line: python -m h7data {say,build,demo,speech-commands} --help"""
import argparse
import json
import sys

from .wavio import AudioError


def cmd_say(args):
    from .wavio import write_wav
    if args.engine == 'espeak':
        from .espeak import Espeak
        audio, words = Espeak().synthesize(args.text, args.voice or 'en-us', args.rate, args.pitch)
    elif args.engine == 'flite':
        from .engines import Flite
        audio, words = Flite().synthesize(args.text, args.voice or 'kal16', 175.0 / args.rate)
    else:
        from .engines import Festival
        audio, words = Festival().synthesize_many([(args.text, args.voice or 'ked',
                                                    175.0 / args.rate)])[0]
    write_wav(args.out, audio)
    print(json.dumps({'wav': args.out, 'words': [
        {'word': w, 'start_ms': s, 'end_ms': e} for w, s, e in words]}))


def cmd_build(args):
    from .dataset import build, cache_dir
    for split in args.split:
        d = build(split, per_word=args.per_word, copies=args.copies if split == 'train' else 1,
                  seed=args.seed)
        print(f'{split}: {len(d["y"])} windows (cache: {cache_dir()})')


def cmd_demo(args):
    from .demo import make_demo
    info = make_demo(args.out, seed=args.seed, engine=args.engine)
    print(f'wrote {args.out} ({info["duration_s"]:.1f} s, {len(info["words"])} words) '
          f'and its ground truth {info["json"]}')


def cmd_speech_commands(args):
    from .speech_commands import load_speech_commands
    d = load_speech_commands(args.root, args.subset, limit=args.limit)
    print(f'{args.subset}: {len(d["y"])} clips; per label: {json.dumps(d["counts"])}')


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m h7data', description=__doc__)
    sub = p.add_subparsers(dest='command', required=True)
    s = sub.add_parser('say', help='synthesize one utterance to a WAV with word timings')
    s.add_argument('text')
    s.add_argument('--engine', choices=['espeak', 'flite', 'festival'], default='espeak')
    s.add_argument('--voice', help='espeak: en-us+f2; flite: kal kal16 awb rms slt; festival: ked slt_hts')
    s.add_argument('--rate', type=int, default=175, help='words per minute (default 175)')
    s.add_argument('--pitch', type=int, default=50)
    s.add_argument('--out', default='say.wav')
    s.set_defaults(func=cmd_say)
    b = sub.add_parser('build', help='build (or reuse from cache) dataset splits')
    b.add_argument('--split', nargs='+', default=['train', 'val', 'test_voices', 'test_engine'],
                   choices=['train', 'val', 'test_voices', 'test_engine'])
    b.add_argument('--per-word', type=int, default=60, help='clean clips per keyword')
    b.add_argument('--copies', type=int, default=2, help='augmented copies per train clip')
    b.add_argument('--seed', type=int, default=1)
    b.set_defaults(func=cmd_build)
    d = sub.add_parser('demo', help='make the demo recording + ground truth JSON')
    d.add_argument('--out', default='models/recordings/demo_commands.wav')
    d.add_argument('--seed', type=int, default=1)
    d.add_argument('--engine', choices=['espeak', 'festival'], default='espeak',
                   help='espeak-ng voices held out of training (default) or festival, the '
                        'engine held out of training')
    d.set_defaults(func=cmd_demo)
    c = sub.add_parser('speech-commands', help='load Google Speech Commands v2 (folder layout)')
    c.add_argument('root')
    c.add_argument('--subset', choices=['training', 'validation', 'testing'], default='testing')
    c.add_argument('--limit', type=int, default=0)
    c.set_defaults(func=cmd_speech_commands)
    args = p.parse_args(argv)
    try:
        args.func(args)
    except (AudioError, ValueError, RuntimeError, OSError) as err:
        sys.exit(f'error: {err}')


if __name__ == '__main__':
    main()
