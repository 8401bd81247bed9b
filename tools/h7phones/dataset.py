"""The real speech the phone model trains and is evaluated on, and THE held-out rule for
everything phone-based (one implementation: every phone tool imports split_of from here).

Held-out rule (issue 13, shared contract):
- speech_commands_dev: eval = the keyword models' evaluation fold
  (h7train.realdata.speaker_fold(speaker) == EVAL_FOLD): speakers no model ever trained on;
- librispeech_samples, mycroft_precise_community: eval = sha1('h7phones' + speaker) % 5 == 0;
- transcribed_misc: its manifest's split column (speaker-disjoint);
- ljspeech_aligned: always eval (issue 15's alignment reference; never trained on).
Synthetic voices held out of all phone-model training: HELD_OUT_VOICES.

Audio is read from ../shared/data in place (never copied into the project).
"""
import csv
import functools
import hashlib
import os

from h7voice import paths

CORPORA = ('speech_commands_dev', 'mycroft_precise_community', 'librispeech_samples',
           'transcribed_misc', 'ljspeech_aligned')
NOISE_CORPORA = ('speech_commands_background_noise', 'mycroft_precise_community')
SPLIT_SALT = 'h7phones'
SPLIT_MODULUS = 5
HELD_OUT_RULE = ("speech_commands_dev: eval = h7train.realdata speaker_fold == EVAL_FOLD; "
                 "librispeech_samples, mycroft_precise_community: eval = "
                 "sha1('h7phones'+speaker) % 5 == 0; transcribed_misc: its split column; "
                 "ljspeech_aligned: eval only")
# Synthetic voices never used for phone-model training (issue 16's intent/wake benchmarks).
HELD_OUT_VOICES = {'flite': ('slt', 'rms'), 'espeak': ('en-us+f3', 'en-us+m7')}


def data_path(*parts):
    return paths.shared('data', *parts, what='real speech for the phone model')


@functools.lru_cache(maxsize=None)
def manifest(corpus):
    """The rows of <corpus>/manifest.tsv (dicts, manifest order)."""
    with open(data_path(corpus, 'manifest.tsv'), encoding='utf-8') as f:
        return tuple(csv.DictReader(f, delimiter='\t'))


@functools.lru_cache(maxsize=None)
def _misc_splits():
    out = {}
    for r in manifest('transcribed_misc'):
        if out.setdefault(r['speaker'], r['split']) != r['split']:
            raise ValueError(f'transcribed_misc: speaker {r["speaker"]} is in both splits')
    return out


def split_of(corpus, speaker):
    """'train' or 'eval' for a real speaker of a corpus (the one held-out rule)."""
    if corpus == 'speech_commands_dev':
        from h7train import realdata
        return 'eval' if realdata.speaker_fold(speaker) == realdata.EVAL_FOLD else 'train'
    if corpus in ('librispeech_samples', 'mycroft_precise_community'):
        h = int(hashlib.sha1((SPLIT_SALT + speaker).encode()).hexdigest(), 16)
        return 'eval' if h % SPLIT_MODULUS == 0 else 'train'
    if corpus == 'transcribed_misc':
        try:
            return _misc_splits()[speaker]
        except KeyError:
            raise ValueError(f'transcribed_misc has no speaker {speaker!r}') from None
    if corpus == 'ljspeech_aligned':
        return 'eval'
    raise ValueError(f'unknown corpus {corpus!r}; known: {", ".join(CORPORA)}')


def _normalise(text):
    return ' '.join(text.lower().split())


def _items(corpus):
    """(speaker, relative file, transcript or None, duration_s) of the English speech."""
    for r in manifest(corpus):
        if corpus == 'speech_commands_dev':
            # _silence_ clips: text '' (all silence); every other clip says its one word.
            yield r['speaker'], r['file'], r['word'], r['duration_s']
        elif corpus == 'mycroft_precise_community':
            if r['kind'] == 'background_noise' or r['language'] != 'en':
                continue
            yield r['speaker'], r['file'], r['transcript'], r['duration_s']
        elif corpus == 'librispeech_samples':
            yield r['speaker'], r['file'], None, r['duration_s']   # no transcripts
        else:
            yield r['speaker'], r['file'], r['transcript'], r['duration_s']


def real_items(corpus=None, split=None, transcribed=None):
    """The real English speech clips as dicts {corpus, file (absolute), speaker, text, split,
    duration_s}. text: the lower-case transcript ('' = a silence clip, None = no transcript:
    librispeech_samples). corpus: one name or a list (None = all of CORPORA); split: 'train',
    'eval' or None; transcribed=True keeps only clips with a transcript (text is not None)."""
    names = CORPORA if corpus is None else ([corpus] if isinstance(corpus, str) else corpus)
    if split not in (None, 'train', 'eval'):
        raise ValueError(f"split must be 'train', 'eval' or None, not {split!r}")
    out = []
    for name in names:
        if name not in CORPORA:
            raise ValueError(f'unknown corpus {name!r}; known: {", ".join(CORPORA)}')
        for speaker, rel, text, dur in _items(name):
            s = split_of(name, speaker)
            if split is not None and s != split:
                continue
            if transcribed and text is None:
                continue
            out.append({'corpus': name, 'file': data_path(name, rel), 'speaker': speaker,
                        'text': None if text is None else _normalise(text), 'split': s,
                        'duration_s': float(dur)})
    return out


def noise_items():
    """Real background recordings (no speech meant): dicts {corpus, file, name, duration_s}.
    The synthetic pink/white noise files of Speech Commands are included (kind 'synthetic')."""
    out = []
    for r in manifest('speech_commands_background_noise'):
        out.append({'corpus': 'speech_commands_background_noise',
                    'file': data_path('speech_commands_background_noise', r['file']),
                    'name': os.path.splitext(r['file'])[0], 'duration_s': float(r['duration_s']),
                    'kind': 'synthetic' if r['label'].startswith('synthetic') else 'recorded'})
    for r in manifest('mycroft_precise_community'):
        if r['kind'] == 'background_noise':
            out.append({'corpus': 'mycroft_precise_community',
                        'file': data_path('mycroft_precise_community', r['file']),
                        'name': os.path.splitext(os.path.basename(r['file']))[0],
                        'duration_s': float(r['duration_s']), 'kind': 'recorded'})
    return out


def read_audio(path):
    """int16 mono 16 kHz samples of a FLAC/WAV file."""
    from h7train.realdata import read_audio as _read
    return _read(path)


def summary():
    """{corpus: {split: [clips, minutes]}} of real_items()."""
    out = {}
    for it in real_items():
        c = out.setdefault(it['corpus'], {}).setdefault(it['split'], [0, 0.0])
        c[0] += 1
        c[1] = round(c[1] + it['duration_s'] / 60, 3)
    return out
