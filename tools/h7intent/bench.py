"""The intent and wake benchmark (issue 16's targets) -> build/bench/intent.json.

    python -m h7intent.bench [--json build/bench/intent.json] [--per-voice N] [--jobs J]
    python -m h7intent.bench calibrate      # thresholds from TRAINING voices and speakers
    python -m h7intent.bench board          # the commands image on the simulated board: energy
                                            # of one command, listening, Stop (h7intent.board)

Every decision is the device's: phone scores from the host build of the board's C
pipeline (h7phones.acoustic), search and rejection in libh7dec (h7intent.engine).

Measured (benchmark):
  - intents: phrases drawn uniformly from each example context (h7voice context expand
    --sample), said by the synthetic voices held out of all phone-model training (flite slt
    and rms, espeak-ng en-us+f3 and en-us+m7), clean and at 6 dB SNR of real recorded
    background noise (speech_commands_background_noise: the last 20 % of the four
    recordings, which no model trained on; not the synthetic pink/white); right = intent
    and every slot right;
  - real words: speech_commands_dev clips of the held-out speakers (h7phones.dataset
    split_of == 'eval') as one-word commands of a ten-word context; its _unknown_ words
    (held-out speakers) must be rejected;
  - out-of-context real sentences (held-out speakers: librispeech_samples, mycroft
    not_wake_word in English, transcribed_misc eval) decoded against every example context:
    taken as a command <= 2% is the target;
  - wake phrase "hey computer": found in the held-out voices' phrases (clean, 6 dB);
    the real "hey computer" clips of mycroft_precise_community (their only speaker is in
    the phone model's TRAINING split, so that recall is labelled as such); false alarms per
    hour over all the real continuous speech in ../shared/data (librispeech_samples,
    ljspeech_aligned, transcribed_misc, mycroft not_wake_word), concatenated and looped
    with real noise at 10 dB (the same held-out 20 %); also over its held-out speakers
    alone (the calibration saw the training speakers' part, with the noise's first 80 %).
Calibration (calibrate.py) uses other voices (ones the phone model trained on) and
TRAINING-split real speech, never a held-out voice or speaker.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

from h7voice import paths

CONTEXTS = ('lights', 'thermostat', 'media', 'home')
EXAMPLES = os.path.join(paths.TOOLS, 'h7context', 'examples')
WAKE_PHRASE = 'hey computer'
NOISES = ('doing_the_dishes.flac', 'dude_miaowing.flac', 'exercise_bike.flac', 'running_tap.flac')
CALIBRATION_VOICES = (('flite', 'kal16'), ('flite', 'awb'), ('espeak', 'en-us+m3'), ('espeak', 'en-us+f2'))  # trained on
WORDS = ('yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go')
WORDS_CONTEXT = 'context:\n  expressions:\n' + ''.join(f'    {w}Word:\n      - "{w}"\n' for w in WORDS)
TARGETS = {'intent_clean': 0.95, 'intent_6db': 0.85, 'out_of_context_accepted': 0.02,
           'wake_found': 0.90, 'wake_false_alarms_per_hour': 0.5}


def held_out_voices():
    from h7phones.dataset import HELD_OUT_VOICES
    return [(e, v) for e, vs in HELD_OUT_VOICES.items() for v in vs]


# ---------------------------------------------------------------- audio
class Voices:
    """The TTS engines, one per process, with a little variety of rate and pitch."""

    def __init__(self):
        self._flite = self._espeak = None

    def say(self, engine, voice, text, rng):
        if engine == 'flite':
            if self._flite is None:
                from h7data.engines import Flite
                self._flite = Flite()
            audio, _ = self._flite.synthesize(text, voice, stretch=float(rng.uniform(0.9, 1.15)))
        else:
            if self._espeak is None:
                from h7data.espeak import Espeak
                self._espeak = Espeak(fresh=True)  # the audio may not depend on the job order
            audio, _ = self._espeak.synthesize(text, voice, rate=int(rng.uniform(150, 190)),
                                               pitch=int(rng.uniform(40, 60)))
        return audio


def read(path):
    from h7frontend import wav
    return wav.load(path).samples


def noise_bank(part):
    """The four recordings (int16 scale), cut where every training recipe cuts them
    (h7train.realdata.noise): part 'held_out' (the last 20 %, never trained on) for the
    benchmark, 'train' (the first 80 %) for the calibration."""
    from h7train import realdata
    if part not in ('train', 'held_out'):
        raise ValueError(f'noise part {part!r}: train or held_out')
    names = [os.path.splitext(n)[0] for n in NOISES]
    cut = realdata.noise('train' if part == 'train' else 'eval', names=names)
    return [cut[n] * 32768 for n in names]


def pad(x, before=0.3, after=0.5):
    return np.concatenate([np.zeros(int(before * 16000), np.int16), x, np.zeros(int(after * 16000), np.int16)])


def mix(x, noises, snr_db, rng):
    """x + a random stretch of a real noise recording at snr_db (speech power where it is
    active; h7data.augment.add_noise)."""
    from h7data.augment import add_noise
    n = noises[rng.integers(len(noises))]
    if len(n) < len(x):
        n = np.tile(n, len(x) // len(n) + 1)
    at = rng.integers(0, len(n) - len(x) + 1)
    y = add_noise(x.astype(np.float32) / 32768, n[at:at + len(x)] / 32768, snr_db)
    return np.clip(np.round(y * 32768), -32768, 32767).astype(np.int16)


# ---------------------------------------------------------------- workers
_W = {}


def _init(model_path, raw=False, noise='held_out'):
    """raw: no rejection threshold (calibration reads the scores); noise: noise_bank's part."""
    from h7context import parse
    from .engine import Intents, Wake, phone_model
    m = phone_model(model_path)
    _W['model'] = m
    reject = -1e9 if raw else None
    _W['contexts'] = {c: Intents(os.path.join(EXAMPLES, c + '.yml'), m, reject=reject) for c in CONTEXTS}
    _W['contexts']['words'] = Intents(parse(WORDS_CONTEXT, 'words.yml'), m, reject=reject)
    _W['wake'] = Wake(WAKE_PHRASE, 0.5, m)
    _W['voices'] = Voices()
    _W['noises'] = noise_bank(noise)


def _job(job):
    """One measurement: {'kind', ...} -> the same dict with the outcome."""
    kind = job['kind']
    rng = np.random.default_rng(job['seed'])
    if 'text' in job:
        x = pad(_W['voices'].say(job['engine'], job['voice'], job['text'], rng))
    elif 'audio' in job:
        x = job.pop('audio')
    else:
        x = read(job['file'])
    if job.get('snr') is not None:  # every kind with an SNR (the streams too: "looped with noise")
        x = mix(x, _W['noises'], job['snr'], rng)
    m = _W['model']
    t0 = time.perf_counter()
    logp = m.scores(x)
    job['score_s'] = time.perf_counter() - t0
    job['audio_s'] = len(x) / 16000
    if kind in ('intent', 'word'):
        got = _W['contexts'][job['context']].decode(logp, ctc=m.ctc)
        job['got'] = got
        job['right'] = got['intent'] == job['intent'] and got['slots'] == job['slots']
        for p in job.get('intent_settings', ()):
            g = _with_settings(_W['contexts'][job['context']], p).decode(logp, ctc=m.ctc)
            job.setdefault('by_setting', {})[p] = {
                'right': g['intent'] == job['intent'] and g['slots'] == job['slots'], 'score': g['score']}
    elif kind == 'reject':
        job['accepted'] = {}
        for c in job['contexts']:
            got = _W['contexts'][c].decode(logp, ctc=m.ctc)
            job['accepted'][c] = got['intent'] is not None
            job.setdefault('scores', {})[c] = got['score']
            for p in job.get('intent_settings', ()):
                g = _with_settings(_W['contexts'][c], p).decode(logp, ctc=m.ctc)
                job.setdefault('by_setting', {}).setdefault(p, {})[c] = (g['score'] if g['intent'] is not None
                                                                         else None)
    elif kind in ('wake', 'stream'):
        w = _W['wake']
        events = w.spot(logp, m.frame_s, m.lookahead_frames, ctc=m.ctc)
        job['events'] = events
        job['verified'] = _verified(w, logp, m.ctc)
        for k in job.get('weights', ()):
            job.setdefault('verified_by_weight', {})[k] = _verified(w, logp, m.ctc, coverage_weight=k)
    return job


def _with_settings(intents, setting):
    """The same compiled context decoded with another (filler penalty, beam) (calibration
    sweeps; nats)."""
    import copy
    i = copy.copy(intents)
    i.options = dict(intents.options, filler_penalty=setting[0], beam=setting[1])
    return i


def _verified(wake, logp, ctc, **override):
    """The highest verified scores of every event the spotter's first look reported (for
    threshold sweeps; the C's second look, no accept threshold)."""
    import copy
    w = copy.copy(wake)
    w.settings = dict(wake.settings, **override)
    return sorted((v for _, _, _, v in w.events(logp, ctc, raw=True) if v is not None), reverse=True)[:20]


# ---------------------------------------------------------------- plans
def intent_jobs(voices, per_voice, seed, snrs=(None, 6.0)):
    from h7context import load, sample
    jobs = []
    for c in CONTEXTS:
        ir = load(os.path.join(EXAMPLES, c + '.yml'))
        for k, (engine, voice) in enumerate(voices):
            for i, p in enumerate(sample(ir, per_voice, seed=seed * 1000 + k)):
                for snr in snrs:
                    jobs.append({'kind': 'intent', 'context': c, 'engine': engine, 'voice': voice,
                                 'text': ' '.join(p['words']), 'intent': p['intent'], 'slots': p['slots'],
                                 'snr': snr, 'seed': seed * 100000 + k * 1000 + i})
    return jobs


def wake_tts_jobs(voices, per_voice, seed, snrs=(None, 6.0)):
    return [{'kind': 'wake', 'engine': e, 'voice': v, 'text': WAKE_PHRASE, 'snr': snr,
             'seed': seed * 7919 + k * 100 + i}
            for k, (e, v) in enumerate(voices) for i in range(per_voice) for snr in snrs]


def _manifest(corpus):
    from h7phones.dataset import manifest
    return manifest(corpus)


def real_word_jobs(split, limit_per_word):
    from h7phones.dataset import split_of
    jobs, counts = [], {}
    root = paths.shared('data', 'speech_commands_dev', what='real words')
    for r in _manifest('speech_commands_dev'):
        if r['label'] == '_silence_' or split_of('speech_commands_dev', r['speaker']) != split:
            continue
        unknown = r['label'] == '_unknown_'
        key = '_unknown_' if unknown else r['label']
        if counts.get(key, 0) >= limit_per_word * (3 if unknown else 1):
            continue
        counts[key] = counts.get(key, 0) + 1
        if unknown:
            jobs.append({'kind': 'reject', 'corpus': 'speech_commands_dev/_unknown_', 'word': r['word'],
                         'file': os.path.join(root, r['file']), 'contexts': ['words'], 'seed': len(jobs)})
        else:
            jobs.append({'kind': 'word', 'context': 'words', 'file': os.path.join(root, r['file']),
                         'intent': r['label'] + 'Word', 'slots': {}, 'seed': len(jobs)})
    return jobs


def sentence_files(split):
    """Real English sentences (speaker split `split`, or all with split None)."""
    from h7phones.dataset import split_of
    out = []
    for corpus in ('librispeech_samples', 'mycroft_precise_community', 'transcribed_misc', 'ljspeech_aligned'):
        root = paths.shared('data', corpus, what='real sentences')
        for r in _manifest(corpus):
            if corpus == 'mycroft_precise_community' and (r['kind'] != 'not_wake_word' or r['language'] != 'en'):
                continue
            if split is not None and split_of(corpus, r.get('speaker', '')) != split:
                continue
            out.append((corpus, os.path.join(root, r['file'])))
    return out


def _spread(items, limit):
    """At most `limit` of items, evenly spread (every corpus keeps its share)."""
    if limit is None or len(items) <= limit:
        return items
    return [items[int(i * len(items) / limit)] for i in range(limit)]


def reject_jobs(split, limit=None):
    files = [(c, f) for c, f in sentence_files(split) if c != 'ljspeech_aligned']
    return [{'kind': 'reject', 'corpus': c, 'file': f, 'contexts': list(CONTEXTS), 'seed': i}
            for i, (c, f) in enumerate(_spread(files, limit))]


def stream_jobs(loops, split, chunk_s=60.0, snr_db=10.0, seed=0, minutes=None):
    """The real continuous speech of speaker split `split` ('train' or 'eval'; at most
    `minutes` of it, evenly spread over the files), concatenated with short gaps, looped
    `loops` times, each loop with another stretch of real noise at snr_db, cut into chunks."""
    rng = np.random.default_rng(seed)
    clips = [read(f) for _, f in sentence_files(split)]
    if minutes is not None:
        total = sum(len(c) for c in clips) / 16000 / 60
        if total > minutes:
            clips = _spread(clips, max(1, int(len(clips) * minutes / total)))
    jobs = []
    for loop in range(loops):
        order = rng.permutation(len(clips))
        cur, n = [], 0
        for i in order:
            cur += [clips[i], np.zeros(int(rng.uniform(0.2, 1.0) * 16000), np.int16)]
            n += len(cur[-2]) + len(cur[-1])
            if n >= chunk_s * 16000 or i == order[-1]:
                jobs.append({'kind': 'stream', 'audio': np.concatenate(cur), 'snr': snr_db,
                             'seed': seed * 1000 + len(jobs), 'loop': loop, 'split': split})
                cur, n = [], 0
    return jobs


def mycroft_wake_jobs():
    root = paths.shared('data', 'mycroft_precise_community', what='real wake phrases')
    from h7phones.dataset import split_of
    return [{'kind': 'wake', 'file': os.path.join(root, r['file']), 'speaker': r['speaker'],
             'split': split_of('mycroft_precise_community', r['speaker']), 'snr': None, 'seed': i}
            for i, r in enumerate(_manifest('mycroft_precise_community'))
            if r['kind'] == 'wake_word' and r['transcript'] == WAKE_PHRASE]


def run(jobs, model, workers, raw=False, noise='held_out'):
    if workers <= 1:
        _init(model, raw, noise)
        return [_job(j) for j in jobs]
    import multiprocessing as mp
    with mp.get_context('fork').Pool(workers, _init, (model, raw, noise)) as pool:
        return list(pool.imap(_job, jobs, chunksize=4))


# ---------------------------------------------------------------- summaries
def _rate(xs):
    xs = list(xs)
    return {'right': int(sum(xs)), 'count': len(xs), 'rate': round(sum(xs) / len(xs), 4) if xs else None}


def summarise(done, frame_s):
    out = {}
    intents = [j for j in done if j['kind'] == 'intent']
    for label, snr in (('clean', None), ('6db', 6.0)):
        sel = [j for j in intents if j['snr'] == snr]
        out[f'intent_{label}'] = _rate(j['right'] for j in sel)
        out[f'intent_{label}']['by_context'] = {c: _rate(j['right'] for j in sel if j['context'] == c)
                                                for c in CONTEXTS}
        out[f'intent_{label}']['by_voice'] = {f'{e} {v}': _rate(j['right'] for j in sel if j['voice'] == v)
                                              for e, v in held_out_voices()}
        out[f'intent_{label}']['rejected'] = sum(1 for j in sel if j['got']['intent'] is None)
        out[f'intent_{label}']['errors'] = [{'said': j['text'], 'voice': j['voice'], 'want': [j['intent'], j['slots']],
                                             'got': j['got']} for j in sel if not j['right']][:15]
    words = [j for j in done if j['kind'] == 'word']
    out['real_words'] = _rate(j['right'] for j in words)
    out['real_words']['rejected'] = sum(1 for j in words if j['got']['intent'] is None)
    unknown = [j for j in done if j['kind'] == 'reject' and j['corpus'].endswith('_unknown_')]
    out['real_unknown_words_accepted'] = _rate(j['accepted']['words'] for j in unknown)
    sent = [j for j in done if j['kind'] == 'reject' and not j['corpus'].endswith('_unknown_')]
    flat = [a for j in sent for a in j['accepted'].values()]
    out['out_of_context_accepted'] = _rate(flat)
    out['out_of_context_accepted']['sentences'] = len(sent)
    out['out_of_context_accepted']['by_context'] = {c: _rate(j['accepted'][c] for j in sent) for c in CONTEXTS}
    out['out_of_context_accepted']['by_corpus'] = {k: _rate(a for j in sent if j['corpus'] == k for a in j['accepted'].values())
                                                   for k in sorted({j['corpus'] for j in sent})}
    wt = [j for j in done if j['kind'] == 'wake' and 'text' in j]
    for label, snr in (('clean', None), ('6db', 6.0)):
        out[f'wake_found_tts_{label}'] = _rate(len(j['events']) >= 1 for j in wt if j['snr'] == snr)
    real = [j for j in done if j['kind'] == 'wake' and 'file' in j]
    out['wake_found_real'] = _rate(len(j['events']) >= 1 for j in real)
    out['wake_found_real']['speaker_splits'] = sorted({j['split'] for j in real})
    for key, splits in (('wake_false_alarms_per_hour', ('train', 'eval')),
                        ('wake_false_alarms_per_hour_held_out_speakers', ('eval',))):
        streams = [j for j in done if j['kind'] == 'stream' and j['split'] in splits]
        hours = sum(j['audio_s'] for j in streams) / 3600
        fa = sum(len(j['events']) for j in streams)
        out[key] = {'false_alarms': fa, 'hours': round(hours, 3), 'rate': round(fa / hours, 3) if hours else None}
    audio = sum(j['audio_s'] for j in done)
    out['host_scoring_realtime_factor'] = round(sum(j['score_s'] for j in done) / audio, 4) if audio else None
    return out


def check_targets(s):
    wake_found = s['wake_found_tts_clean']['rate']
    got = {'intent_clean': s['intent_clean']['rate'], 'intent_6db': s['intent_6db']['rate'],
           'out_of_context_accepted': s['out_of_context_accepted']['rate'], 'wake_found': wake_found,
           'wake_false_alarms_per_hour': s['wake_false_alarms_per_hour']['rate']}
    met = {}
    for k, target in TARGETS.items():
        v = got[k]
        lower_better = k in ('out_of_context_accepted', 'wake_false_alarms_per_hour')
        met[k] = {'value': v, 'target': (f'<= {target}' if lower_better else f'>= {target}'),
                  'met': None if v is None else (v <= target if lower_better else v >= target)}
    return met


def graph_sizes():
    """Per example context: the plain lowering, the shipped (graphopt) graph, the context
    table, decoder RAM (h7dec_workspace_size) and their sum against the issue's 64 KB."""
    from h7context import graph, load, table
    from h7speech import decoder
    from .engine import calibration
    opts = calibration()['intent']['decoder']
    out = {}
    for c in CONTEXTS:
        ir = load(os.path.join(EXAMPLES, c + '.yml'))
        plain, _ = graph.compile_ir(ir, optimise=False)
        blob, info = graph.compile_ir(ir)
        ws = decoder.Decoder(blob, decoder.RECOGNIZE, **opts).workspace_bytes
        out[c] = {'expressions': sum(len(i['expressions']) for i in ir['intents']),
                  'graph_bytes_before': len(plain), 'graph_bytes': len(blob), 'shared_slots': info['shared_slots'],
                  'table_bytes': len(table.build(ir, blob)), 'decoder_ram_bytes': ws,
                  'graph_plus_decoder_ram_bytes': len(blob) + ws}
    return out


def model_info(model_path):
    import hashlib
    from h7phones import acoustic
    path = model_path or acoustic.DEFAULT_MODEL
    with open(path, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    return {'path': paths.rel(path), 'sha256_16': digest}


def main(argv=None):
    ap = argparse.ArgumentParser(prog='python -m h7intent.bench', description=__doc__.split('\n')[0])
    ap.add_argument('what', nargs='?', default='run', choices=('run', 'calibrate', 'board'))
    ap.add_argument('--json', default=os.path.join(paths.BENCH, 'intent.json'))
    ap.add_argument('--per-voice', type=int, default=10, help='phrases per context and voice (10)')
    ap.add_argument('--words', type=int, default=12, help='real clips per word (12)')
    ap.add_argument('--loops', type=int, default=1, help='passes over the real continuous speech (1)')
    ap.add_argument('--stream-minutes', type=float, default=None,
                    help='at most this much of each split of the continuous speech (default: all)')
    ap.add_argument('--sentences', type=int, default=None, help='at most this many out-of-context sentences')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--model', default=None)
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args(argv)
    try:
        if a.what == 'calibrate':
            from .calibrate import calibrate
            return calibrate(a)
        if a.what == 'board':
            return board(a)
        return bench(a)
    except paths.MissingPart as err:
        print(f'h7intent.bench: {err}', file=sys.stderr)
        return 2


def _merge(path, key, value):
    """Writes value under key of the JSON report at path, keeping the rest of it."""
    report = {}
    if os.path.exists(path):
        with open(path) as f:
            report = json.load(f)
    report[key] = value
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(report, f, indent=1)


def board(a):
    from .board import measure
    t0 = time.time()
    out = measure()
    out['seconds'] = round(time.time() - t0, 1)
    _merge(a.json, 'board', out)
    one = out.get('one_command', {})
    print(f"one command ({one.get('intent')} {one.get('slots')}): {one.get('mJ')} mJ over {one.get('window_s')} s "
          f"(wake phrase start -> intent event; {one.get('mJ_above_waiting')} mJ above waiting), "
          f"latency {one.get('latency_ms')} ms, decode at {out['ready'].get('decode_mhz')} MHz")
    print(f"listening {out['listening_mW']} mW; Stop {out.get('stop')}; after the Stop: {out['after_stop']}")
    print(f'{paths.rel(a.json)} "board" written ({out["seconds"]} s)')
    return 0


def bench(a):
    from .engine import calibration
    t0 = time.time()
    voices = held_out_voices()
    jobs = (intent_jobs(voices, a.per_voice, a.seed) + wake_tts_jobs(voices, a.per_voice, a.seed)
            + real_word_jobs('eval', a.words) + reject_jobs('eval', a.sentences) + mycroft_wake_jobs()
            + stream_jobs(a.loops, 'train', seed=a.seed, minutes=a.stream_minutes)
            + stream_jobs(a.loops, 'eval', seed=a.seed, minutes=a.stream_minutes))
    print(f'{len(jobs)} measurements ...', file=sys.stderr)
    done = run(jobs, a.model, a.jobs)
    s = summarise(done, None)
    report = {'what': 'issue 16: intents and wake phrase from text, C decoder on the C phone scores',
              'command': 'python -m h7intent.bench ' + ' '.join(sys.argv[1:]),
              'model': model_info(a.model), 'calibration': calibration(),
              'held_out_voices': [f'{e} {v}' for e, v in voices], 'per_voice': a.per_voice,
              'targets': check_targets(s), 'results': s, 'graphs': graph_sizes(),
              'seconds': round(time.time() - t0, 1)}
    if os.path.exists(a.json):  # the board's figures (bench board) stay
        with open(a.json) as f:
            old = json.load(f)
        if 'board' in old:
            report['board'] = old['board']
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, 'w') as f:
        json.dump(report, f, indent=1)
    for k, v in report['targets'].items():
        print(f"{k:28s} {v['value']!s:>8}  target {v['target']}  {'met' if v['met'] else 'NOT met'}")
    print(f'{paths.rel(a.json)} written ({report["seconds"]} s)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
