"""Streaming keyword detection on real speech: false alarms per hour against recall (a DET
curve), through the firmware's own decision code.

    python -m h7train.realstream models/kws_default.tflite [models/kws_tiny.tflite]
        [--thresholds 0.5,0.7,0.8,0.9,0.95] [--out models/real_stream]

Two real streams, made deterministically from ../shared/data:
- "held out": every real sentence no keyword model ever trained on (ljspeech_aligned,
  transcribed_misc), played four times under different real noise (quiet room tone, the
  held-out 20% of dishes / running tap at 20 dB, exercise bike at 10 dB), with the held-out
  fold's Speech Commands clips (keywords and other words, speakers never trained on) placed
  between sentences with pauses, as people say commands in a conversation;
- "training negatives": LibriSpeech and mycroft clips (other speakers' read speech and wake
  words). The keyword models used crops of them as "unknown" examples, so their false-alarm
  rate is optimistic; it is reported apart and never merged with the held-out one.
Each stream runs through the host build of the keyword firmware (libh7kws.so: front end,
VAD, pipeline, kws_detector, engine; tools/kwsapp/detector.py) once per threshold. The MLPerf
Tiny KWS model (real-trained, never shipped; "mlperf_peer") runs beside ours through the same
C, with its mlperf_kws front end and its own class order, alone as main.c would run it (the
cascade's gate does not share its input). The schedule of its runs is the firmware's, chosen
for our models (windows that end as the word ends); the peer learned from 1 s clips with the
word near the centre, so its rows are what it does in our firmware, not its best.
Scoring: a detection overlapping a keyword clip (+-200 ms) with its word is a hit (one per
clip); with another word, a wrong word; anywhere else (sentences, other words, noise) a false
alarm. Hours = the stream's duration minus its keyword clips. Each false alarm is also told
by where it fired: in a sentence (and, where the sentence's word timings are known, whether
that very word was said there: "on" in "on the whole"), on another word's clip, a second
detection of a keyword clip, or in a pause; and the keywords are scored per noise condition.
"""
import argparse
import json
import os
import sys

import numpy as np

from h7data.vocab import KEYWORDS, LABELS, SILENCE, UNKNOWN
from h7voice import paths

from . import realdata as R

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
SR = R.SAMPLE_RATE
TOLERANCE_S = 0.2
ROOM_TONE_DBFS = -60.0
# (name, noise file or None for room tone only, SNR dB against the stream's speech)
HELD_OUT_CONDITIONS = (('quiet', None, None), ('dishes 20 dB', 'doing_the_dishes', 20.0),
                       ('running tap 20 dB', 'running_tap', 20.0),
                       ('exercise bike 10 dB', 'exercise_bike', 10.0))
NEGATIVES_CONDITION = ('dishes 20 dB', 'doing_the_dishes', 20.0)
# The tuning stream (--streams training_speakers): decision settings are chosen on it, never
# on the held-out one; its clips are speakers the models trained on (scores optimistic, the
# detector's segment/VAD losses the same).
TUNING_CLIPS = 600
STREAMS = ('held_out', 'training_negatives', 'training_speakers')


SENTENCE = 'sentence'   # truth entries of the sentences (scored only to tell where a false alarm fired)
FALSE_ALARM_PLACES = ('word_said_in_sentence', 'sentence', 'other_word_clip', 'keyword_clip_again', 'pause')


def sentence_words(folder):
    """{utterance: [(word, start_s, end_s)]} of a corpus's words.tsv ({} when it has none)."""
    import csv
    path = R.data_path(folder, 'words.tsv')
    if not os.path.exists(path):
        return {}
    out = {}
    with open(path, newline='', encoding='utf-8') as f:
        for row in csv.DictReader(f, delimiter='\t'):
            out.setdefault(row['utt'], []).append((row['word'], float(row['start_s']), float(row['end_s'])))
    return out


def held_out_sentences():
    """Real sentences never used by any keyword training: [(source, int16, words)], words the
    sentence's [(word, start_s, end_s)] where its corpus times them, else None."""
    out = []
    for folder in ('ljspeech_aligned', 'transcribed_misc'):
        timed = sentence_words(folder)
        for r in R.read_manifest(folder):
            utt = os.path.splitext(os.path.basename(r['file']))[0]
            out.append((f'{folder}:{r["file"]}', R.read_audio(R.data_path(folder, r['file'])),
                        timed.get(utt)))
    return out


def training_negative_sentences():
    """LibriSpeech + mycroft speech (crops of them were "unknown" in training), untimed."""
    out = []
    for r in R.read_manifest('librispeech_samples'):
        out.append((f'librispeech:{r["file"]}', R.read_audio(R.data_path('librispeech_samples', r['file'])),
                    None))
    for r in R.read_manifest('mycroft_precise_community'):
        if r['kind'] != 'background_noise' and r.get('language', 'en').startswith('en'):
            out.append((f'mycroft:{r["file"]}',
                        R.read_audio(R.data_path('mycroft_precise_community', r['file'])), None))
    return out


def held_out_clips():
    """The held-out fold's Speech Commands clips that are speech: (x, y)."""
    data = R.speech_commands()
    _, ev = R.split(data)
    keep = [i for i in ev if data['y'][i] != LABELS.index(SILENCE)]
    return data['x'][keep], data['y'][keep]


def _rms(x):
    return float(np.sqrt(np.mean((x.astype(np.float64) / 32768) ** 2)) + 1e-9)


def training_speaker_indices(data, count=TUNING_CLIPS, seed=300):
    """count speech clips (keywords and other words) of speech_commands_dev's TRAINING
    folds, a deterministic draw: the tuning stream's clips (indices into data)."""
    tr, _ = R.split(data)
    keep = np.array([i for i in tr if data['y'][i] != LABELS.index(SILENCE)])
    return np.sort(np.random.default_rng(seed).choice(keep, size=min(count, len(keep)),
                                                      replace=False))


def training_speaker_clips():
    data = R.speech_commands()
    pick = training_speaker_indices(data)
    return data['x'][pick], data['y'][pick]


def build_stream(sentences, clips, labels, noise_name, snr_db, seed, noise_part='eval'):
    """Sentences with clips between them: (int16 stream, truth list of dicts: the clips, and
    the sentences as label SENTENCE with their source and timed words). The noise comes from
    noise_part of its file ('eval': the held-out 20%, 'train': the first 80%)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(sentences))
    per_gap = int(np.ceil(len(clips) / max(1, len(sentences))))
    pieces, truth, t, ci = [], [], 0, 0
    clip_order = rng.permutation(len(clips))

    def pause(lo, hi):
        nonlocal t
        n = int(rng.uniform(lo, hi) * SR)
        pieces.append(np.zeros(n, np.int16))
        t += n

    for si in order:
        source, audio, words = sentences[si]
        truth.append({'start_s': t / SR, 'end_s': (t + len(audio)) / SR, 'label': SENTENCE,
                      'source': source, 'words': words})
        pieces.append(audio)
        t += len(audio)
        for _ in range(per_gap):
            if ci >= len(clips):
                break
            pause(0.6, 1.5)
            k = clip_order[ci]
            ci += 1
            truth.append({'start_s': t / SR, 'end_s': (t + len(clips[k])) / SR,
                          'label': LABELS[int(labels[k])]})
            pieces.append(clips[k])
            t += len(clips[k])
        pause(0.6, 1.5)
    x = np.concatenate(pieces).astype(np.float32) / 32768
    speech_rms = np.sqrt(np.mean(np.concatenate([s for _, s, _ in sentences]).astype(np.float64) ** 2)) / 32768
    floor = rng.standard_normal(len(x)).astype(np.float32) * 10 ** (ROOM_TONE_DBFS / 20)
    x = x + floor
    if noise_name:
        n = R.noise(noise_part, (noise_name,))[noise_name]
        reps = int(np.ceil(len(x) / len(n)))
        n = np.tile(n, reps)[:len(x)]
        x = x + n * (speech_rms / (np.sqrt(np.mean(n ** 2)) + 1e-9)) * 10 ** (-snr_db / 20)
    x = x / max(1.0, float(np.abs(x).max()) / 0.98)
    return np.round(x * 32767).astype(np.int16), truth


def _false_alarm_place(d, s, e, sentences):
    """Where a detection that hit no clip fired (FALSE_ALARM_PLACES)."""
    for tr in sentences:
        if s < tr['end_s'] + TOLERANCE_S and e > tr['start_s'] - TOLERANCE_S:
            said = any(w == d['word'] and s < tr['start_s'] + we + TOLERANCE_S and
                       e > tr['start_s'] + ws - TOLERANCE_S for w, ws, we in tr.get('words') or ())
            return 'word_said_in_sentence' if said else 'sentence'
    return 'pause'


def score(detections, truth, duration_s):
    """Hits, wrong words, false alarms (and where each fired), the non-keyword hours they are
    counted over, and the keywords per condition where the truth names one."""
    clips = [tr for tr in truth if tr['label'] != SENTENCE]
    sentences = [tr for tr in truth if tr['label'] == SENTENCE]
    kw = [tr for tr in clips if tr['label'] in KEYWORDS]
    hit = [False] * len(clips)
    got = [None] * len(clips)   # each clip's first detected word (wrong words per condition)
    found = wrong = false_alarms = 0
    places = dict.fromkeys(FALSE_ALARM_PLACES, 0)
    for d in detections:
        s, e = d['start_ms'] / 1000, d['end_ms'] / 1000
        j = next((i for i, tr in enumerate(clips)
                  if s < tr['end_s'] + TOLERANCE_S and e > tr['start_s'] - TOLERANCE_S), None)
        if j is None:
            false_alarms += 1
            places[_false_alarm_place(d, s, e, sentences)] += 1
            continue
        got[j] = got[j] or d['word']
        if clips[j]['label'] == UNKNOWN:
            false_alarms += 1
            places['other_word_clip'] += 1
        elif d['word'] == clips[j]['label'] and not hit[j]:
            hit[j] = True
            found += 1
        elif d['word'] != clips[j]['label']:
            wrong += 1
        else:
            false_alarms += 1  # a second detection of the same clip
            places['keyword_clip_again'] += 1
    kw_seconds = sum(tr['end_s'] - tr['start_s'] for tr in kw)
    hours = (duration_s - kw_seconds) / 3600
    per_condition = {}
    for j, tr in enumerate(clips):
        if tr['label'] in KEYWORDS and 'condition' in tr:
            c = per_condition.setdefault(tr['condition'], {'keywords': 0, 'found': 0, 'wrong_word': 0})
            c['keywords'] += 1
            c['found'] += hit[j]
            c['wrong_word'] += bool(got[j] and got[j] != tr['label'] and not hit[j])
    return {'keywords': len(kw), 'found': found, 'wrong_word': wrong,
            'false_alarms': false_alarms, 'non_keyword_hours': round(hours, 4),
            'recall': found / max(1, len(kw)),
            'false_alarms_per_hour': false_alarms / hours if hours > 0 else 0.0,
            'false_alarms_where': places, 'per_condition': per_condition}


PEER = 'mlperf_peer'   # results key of the MLPerf Tiny KWS model (real-trained, never shipped)


def run_streams(model_path, streams, thresholds, log=print, labels=None, frontend=None,
                early=None):
    """early: the pipeline's early decision (None: the firmware's; False: every word decided
    after the VAD's hangover). Each row also gives the mean time from a detection's word end
    to its decision (audio time: what the early decision saves)."""
    from kwsapp.detector import KwsStream
    det = KwsStream(model_path, labels=labels, frontend=frontend)
    out = {}
    for name, (x, truth) in streams.items():
        rows = []
        for th in thresholds:
            dets, stats = det.run(x, threshold=th, early=early)
            r = score(dets, truth, len(x) / SR)
            r.update(threshold=th, inferences=stats['inferences'],
                     decided_after_end_ms=round(float(np.mean([d['decided_ms'] - d['end_ms'] for d in dets])), 1)
                     if dets else None)
            rows.append(r)
            log(f'  {os.path.basename(model_path)} {name} threshold {th}: '
                f'{100 * r["recall"]:.1f}% found, {r["false_alarms"]} false alarms '
                f'({r["false_alarms_per_hour"]:.1f}/h), {r["wrong_word"]} wrong words')
        out[name] = rows
    det.close()
    return out


def tuning_stream(log=print):
    """The stream to choose decision settings on, with nothing held out in it: training
    folds' clips (TUNING_CLIPS) between the training-negative sentences, each quarter of it
    under one of HELD_OUT_CONDITIONS but with the training part of each noise file."""
    x, y = training_speaker_clips()
    neg = training_negative_sentences()
    order = np.random.default_rng(301).permutation(len(neg))
    sent_parts = np.array_split(order, len(HELD_OUT_CONDITIONS))
    parts = np.array_split(np.arange(len(x)), len(HELD_OUT_CONDITIONS))
    xs, truth_all, offset = [], [], 0.0
    for k, (cond, noise_name, snr) in enumerate(HELD_OUT_CONDITIONS):
        sents = [neg[i] for i in sent_parts[k]]
        s, truth = build_stream(sents, x[parts[k]], y[parts[k]], noise_name, snr,
                                seed=400 + k, noise_part='train')
        for tr in truth:
            tr.update(start_s=tr['start_s'] + offset, end_s=tr['end_s'] + offset, condition=cond)
        xs.append(s)
        truth_all += truth
        offset += len(s) / SR
    out = (np.concatenate(xs), truth_all)
    log(f'stream training_speakers: {len(out[0]) / SR / 60:.1f} min, '
        f'{sum(t["label"] in KEYWORDS for t in truth_all)} keyword clips, '
        f'{sum(t["label"] == UNKNOWN for t in truth_all)} other-word clips')
    return out


def make_streams(log=print, names=('held_out', 'training_negatives')):
    streams = {}
    if 'training_speakers' in names:
        streams['training_speakers'] = tuning_stream(log)
    if not {'held_out', 'training_negatives'} & set(names):
        return streams
    x, y = held_out_clips()
    held = held_out_sentences()
    parts = np.array_split(np.arange(len(x)), len(HELD_OUT_CONDITIONS))
    held_x, held_truth, offset = [], [], 0.0
    for k, (cond, noise_name, snr) in enumerate(HELD_OUT_CONDITIONS):
        s, truth = build_stream(held, x[parts[k]], y[parts[k]], noise_name, snr, seed=100 + k)
        for tr in truth:
            tr.update(start_s=tr['start_s'] + offset, end_s=tr['end_s'] + offset, condition=cond)
        held_x.append(s)
        held_truth += truth
        offset += len(s) / SR
    if 'held_out' in names:
        streams['held_out'] = (np.concatenate(held_x), held_truth)
    if 'training_negatives' in names:
        neg = training_negative_sentences()
        cond, noise_name, snr = NEGATIVES_CONDITION
        streams['training_negatives'] = build_stream(neg, x, y, noise_name, snr, seed=200)
    for name, (s, truth) in streams.items():
        if name == 'training_speakers':
            continue
        log(f'stream {name}: {len(s) / SR / 60:.1f} min, {sum(t["label"] in KEYWORDS for t in truth)} '
            f'keyword clips, {sum(t["label"] == UNKNOWN for t in truth)} other-word clips')
    return streams


def det_plot(results, png):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for model, per_stream in results.items():
        for stream, rows in per_stream.items():
            fa = [max(r['false_alarms_per_hour'], 0.1) for r in rows]
            miss = [100 * (1 - r['recall']) for r in rows]
            ax.plot(fa, miss, 'o-' if stream == 'held_out' else 's--',
                    label=f'{model}, {stream.replace("_", " ")}')
            for r, f, m in zip(rows, fa, miss):
                ax.annotate(f'{r["threshold"]:g}', (f, m), fontsize=6, xytext=(2, 2),
                            textcoords='offset points')
    ax.set_xscale('log')
    ax.axvline(1.0, color='grey', lw=0.8, ls=':')
    ax.axhline(10.0, color='grey', lw=0.8, ls=':')
    ax.set_xlabel('false alarms per hour of real non-keyword speech (0 drawn at 0.1)')
    ax.set_ylabel('keywords missed %')
    ax.set_title('Streaming detection on real speech (firmware C, host build)')
    ax.legend(fontsize=7)
    ax.grid(True, which='both', alpha=0.3)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)


def markdown(results, streams, command):
    lines = ['# Streaming keyword detection on real speech', '',
             f'Made by `{command}`.', '', __doc__.split('\n\n', 2)[2].strip(), '',
             '"Decided after the word": the mean audio time from a detection\'s word end (the '
             'last speech frame) to its decision; the early decision (kws_config.h '
             'KWS_EARLY_DECISION, `--early-decision off` to measure without it) makes it short.', '']
    for name, (s, truth) in streams.items():
        lines.append(f'- stream **{name}**: {len(s) / SR / 60:.1f} min, '
                     f'{sum(t["label"] in KEYWORDS for t in truth)} keyword clips, '
                     f'{sum(t["label"] == UNKNOWN for t in truth)} other-word clips')
    lines += ['', 'Target (issue 14): >= 90% of keywords found with <= 1 false alarm per hour of real '
              'non-keyword speech. The firmware\'s threshold is in firmware/apps/kws/kws_config.h.', '',
              '![DET curve](real_stream_det.png)', '']
    for model, per_stream in results.items():
        for stream, rows in per_stream.items():
            conds = list(rows[0].get('per_condition', {})) if rows else []
            lines += [f'## {model}, {stream.replace("_", " ")}', '',
                      '| threshold | keywords found % | wrong word | false alarms | per hour | '
                      'decided after the word, ms | '
                      + ''.join(f'found % {c} | ' for c in conds)
                      + 'false alarms: word said in a sentence / other sentence / other-word clip / '
                        'same clip again / pause |',
                      '|---:|---:|---:|---:|---:|---:|' + '---:|' * len(conds) + '---|']
            for r in rows:
                pc = r.get('per_condition', {})
                where = r.get('false_alarms_where', {})
                lines.append(f'| {r["threshold"]:g} | {100 * r["recall"]:.1f} | {r["wrong_word"]} | '
                             f'{r["false_alarms"]} | {r["false_alarms_per_hour"]:.1f} | '
                             + (f'{r["decided_after_end_ms"]:.0f} | ' if r.get('decided_after_end_ms') is not None
                                else '— | ')
                             + ''.join(f'{100 * pc[c]["found"] / max(1, pc[c]["keywords"]):.1f} | ' for c in conds)
                             + ' / '.join(str(where.get(k, 0)) for k in FALSE_ALARM_PLACES) + ' |')
            lines.append('')
    return '\n'.join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(prog='python -m h7train.realstream', description=__doc__.split('\n')[0])
    ap.add_argument('models', nargs='+', help='.tflite keyword models (with their .json records)')
    ap.add_argument('--thresholds', default=','.join(f'{t:g}' for t in THRESHOLDS))
    ap.add_argument('--out', default=None, help='write OUT.json, OUT.md and OUT_det.png')
    ap.add_argument('--streams', default='held_out,training_negatives',
                    help=f'comma-separated, of {", ".join(STREAMS)} (training_speakers: the '
                         'stream to choose decision settings on; nothing held out in it)')
    ap.add_argument('--no-peer', dest='peer', action='store_false',
                    help='leave out the MLPerf Tiny KWS peer (run by default beside the models)')
    ap.add_argument('--early-decision', choices=('firmware', 'on', 'off'), default='firmware',
                    help='the pipeline\'s early decision (kws_config.h KWS_EARLY_DECISION): off '
                         'decides every word after the VAD\'s hangover, to measure what it costs')
    args = ap.parse_args(argv)
    names = [n for n in args.streams.split(',') if n]
    if not names or set(names) - set(STREAMS):
        ap.error(f'--streams: names of {", ".join(STREAMS)}, got {args.streams!r}')
    try:
        thresholds = [float(t) for t in args.thresholds.split(',')]
    except ValueError:
        ap.error(f'--thresholds: numbers separated by commas, got {args.thresholds!r}')
    for m in args.models:
        if not os.path.isfile(m):
            sys.exit(f'{m}: no such model file')
    try:
        streams = make_streams(names=names)
        early = {'firmware': None, 'on': True, 'off': False}[args.early_decision]
        results = {os.path.splitext(os.path.basename(m))[0]: run_streams(m, streams, thresholds,
                                                                          early=early)
                   for m in args.models}
        if args.peer:
            results[PEER] = run_streams(R.teacher_path(), streams, thresholds,
                                        labels=R.MLPERF_LABELS, frontend='mlperf_kws', early=early)
    except paths.MissingPart as e:
        sys.exit(str(e))
    if args.out:
        command = 'python -m h7train.realstream ' + ' '.join(sys.argv[1:] if argv is None else argv)
        with open(args.out + '.json', 'w') as f:
            json.dump({'command': command, 'tolerance_s': TOLERANCE_S, 'results': results,
                       'streams': {n: {'minutes': round(len(s) / SR / 60, 2),
                                       'keyword_clips': sum(t['label'] in KEYWORDS for t in tr)}
                                   for n, (s, tr) in streams.items()}}, f, indent=1)
        det_plot(results, args.out + '_det.png')
        with open(args.out + '.md', 'w') as f:
            f.write(markdown(results, streams, command) + '\n')
        print(f'wrote {args.out}.json, {args.out}.md, {args.out}_det.png')
        out_dir = os.path.dirname(os.path.abspath(args.out))
        if os.path.exists(os.path.join(out_dir, 'report.json')):
            from .pipeline import refresh_report
            refresh_report(out_dir)   # report.md/.json carry the new figures
    return 0


if __name__ == '__main__':
    sys.exit(main())
