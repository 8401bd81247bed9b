"""`h7voice phones eval --json build/bench/phones.json`: the phone recognizer against its
targets (issue 13).

- per_real: phone error rate on held-out REAL speakers (h7phones.dataset.split_of), from the
  firmware's C on the host (acoustic.PhoneModel.recognize: front end + engine + h7dec, the
  code the board runs); per_pocketsphinx: PocketSphinx's allphone decoding on the SAME clips
  (psbaseline.py), scored the same way: Levenshtein distance over phone sequences, SIL and
  noise removed, stress stripped, summed over clips / reference phones; where a reference
  has several dictionary pronunciations each system is scored against its closest one.
  References: the CMU dictionary (h7speech.g2p.dictionary) for the transcripts of
  speech_commands_dev (eval fold), mycroft_precise_community (eval speakers; clips with a
  word outside the dictionary are skipped: no trustworthy reference) and transcribed_misc
  (eval split); the Montreal Forced Aligner phone tier for ljspeech_aligned (eval only).
  librispeech_samples has no transcripts: not scored.
- cycles_per_hop (front end + model, mean and max), arena_bytes, weights_bytes: the phones
  image on the simulated board (tools/h7sim) streaming a held-out real clip; the board's
  recognized phones are compared with the host library's (board_host_identical).
- decode_ms_300w, decoder_ram_bytes: tools/h7speech/bench.py (build/bench/decoder.json).
"""
import argparse
import itertools
import json
import os
import re
import sys
import time

import numpy as np

from h7voice import paths

TARGETS = {
    'per_real': 'lower than per_pocketsphinx',
    'cycles_per_hop_max': 2_400_000,     # 25 % of 480 MHz over a 20 ms hop
    'arena_bytes': 96 * 1024,
    'weights_bytes': 320 * 1024,
    'decode_ms_300w': 10.0,
    'decoder_ram_bytes': 48 * 1024,
}
MAX_VARIANTS = 64        # pronunciation combinations tried per clip (the rest: first variants)
IGNORED_MFA = {'', 'sil', 'sp', 'spn'}
TAIL_S = 0.3             # board run: audio after the clip, so the look-ahead frames are scored


def _edit_distance(a, b):
    from h7speech.g2p import _edit_distance as ed   # the project's one Levenshtein
    return ed(a, b)


def textgrid_phones(path):
    """The phones tier of an MFA TextGrid, stress stripped, silences dropped."""
    text = open(path, encoding='utf-8').read()
    m = re.search(r'name = "phones".*?intervals: size = \d+(.*?)(?:\n\s*item \[|\Z)', text, re.S)
    if not m:
        raise ValueError(f'{path}: no phones tier')
    out = []
    for ph in re.findall(r'text = "([^"]*)"', m.group(1)):
        ph = re.sub(r'\d', '', ph).upper()
        if ph.lower() not in IGNORED_MFA:
            out.append(ph)
    return out


def references(item, dictionary):
    """Candidate reference phone sequences of a clip, or None when it has no trustworthy one
    (a word outside the dictionary, or no words)."""
    from h7speech import g2p, phones
    if item['corpus'] == 'ljspeech_aligned':
        utt = os.path.splitext(os.path.basename(item['file']))[0]
        tg = paths.shared('data', 'ljspeech_aligned', 'textgrid', utt + '.TextGrid', what='ljspeech references')
        ref = textgrid_phones(tg)
        if not set(ref) <= set(phones.ARPABET):
            return None
        return [ref] if ref else None
    words = g2p.normalise(item['text'] or '')
    if not words or any(w not in dictionary for w in words):
        return None
    variants = [dictionary[w] for w in words]
    out = []
    for combo in itertools.product(*variants):
        out.append([p for pron in combo for p in pron])
        if len(out) >= MAX_VARIANTS:
            break
    return out


def closest(hyp, refs):
    """(edits, reference length) against the closest reference (ties: the longer one)."""
    return min(((_edit_distance(r, hyp), len(r)) for r in refs), key=lambda t: (t[0], -t[1]))


def eval_items(limit=None):
    """The held-out real clips with trustworthy references: [(item, refs)], and the count
    skipped per corpus."""
    from h7phones import dataset
    from h7speech import g2p
    d = g2p.dictionary()
    out, skipped = [], {}
    corpora = [c for c in dataset.CORPORA if c != 'librispeech_samples']
    for it in dataset.real_items(corpora, split='eval', transcribed=True):
        refs = references(it, d) if (it['text'] or it['corpus'] == 'ljspeech_aligned') else None
        if refs is None:
            skipped[it['corpus']] = skipped.get(it['corpus'], 0) + 1
            continue
        out.append((it, refs))
    if limit:
        # a spread over every corpus (quick runs): every k-th clip of each
        by = {}
        for pair in out:
            by.setdefault(pair[0]['corpus'], []).append(pair)
        out = [p for c in by.values() for p in c[::max(1, len(c) // max(1, limit // len(by)))]]
    return out, skipped


def per_tables(model, ps, pairs, log=None):
    """Per corpus: clips, reference phones, edits of ours / PocketSphinx's (and our CTC prefix
    beam when the model is CTC)."""
    from h7phones import dataset
    from h7speech import decoder, phones as P
    rows = {}
    for i, (it, refs) in enumerate(pairs):
        x = dataset.read_audio(it['file'])
        ours = model.phones(x)
        theirs = ps.phones(x)
        e_ours, n_ours = closest(ours, refs)
        e_ps, n_ps = closest(theirs, refs)
        r = rows.setdefault(it['corpus'], {'clips': 0, 'ref_phones_ours': 0, 'edits_ours': 0,
                                          'ref_phones_pocketsphinx': 0, 'edits_pocketsphinx': 0,
                                          'ref_phones_beam': 0, 'edits_beam': 0})
        r['clips'] += 1
        r['ref_phones_ours'] += n_ours
        r['edits_ours'] += e_ours
        r['ref_phones_pocketsphinx'] += n_ps
        r['edits_pocketsphinx'] += e_ps
        if model.ctc:
            # the C prefix beam (h7dec through tools/h7speech/decoder.py) on the same scores
            seq, _ = decoder.ctc_beam(decoder.scores(model.scores(x)))
            hyp = [p for p, _t in seq if p != 'SIL' and p in P.ARPABET]
            e_b, n_b = closest(hyp, refs)
            r['ref_phones_beam'] += n_b
            r['edits_beam'] += e_b
        if log and (i + 1) % 100 == 0:
            log(f'  {i + 1}/{len(pairs)} clips')
    return rows


def _rate(edits, n):
    return round(edits / n, 4) if n else None


def board_run(samples, elf=None, tail_s=TAIL_S, wall_limit=None):
    """Streams samples (+ tail_s of silence) into the phones image on the simulated board, then
    sends 'f' (end of utterance) and 's' (statistics). Returns {'events', 'lines', 'seconds'}."""
    elf = elf or paths.app_image('phones')
    if not os.path.exists(elf):
        raise paths.MissingPart(f'{paths.rel(elf)} is not built: run  h7voice build firmware  '
                                f'(needs models/phones.tflite)')
    from h7sim import Board
    from h7voice.events import parse_console
    seconds = len(samples) / 16000.0 + tail_s
    board = Board(elf, wall_limit=wall_limit)
    try:
        board.spi2.play(np.asarray(samples, dtype=np.int16))
        board.run(seconds=seconds)
        if not board.halted:
            board.ask('f', '"phones_utterance"')
            board.ask('s', '"phones_stats"')
        lines = list(board.uart_lines)
        faults = list(board.faults)
    finally:
        board.close()
    events, _ = parse_console('\n'.join(lines))
    return {'events': events, 'lines': lines, 'seconds': seconds, 'faults': faults}


def host_like_board(model, samples, hops):
    """The host library over exactly the audio the board processed before 'f': the samples
    then silence, `hops` hops in all, no look-ahead flush (the board had none)."""
    y = np.zeros(hops * model.hop_samples, np.int16)
    n = min(len(samples), len(y))
    y[:n] = np.asarray(samples, dtype=np.int16)[:n]
    return model.recognize(y, flush=False, with_digest=True)


def compare_board_host(run, model, samples):
    """(identical, details): the board's phone events and utterance digest against the host."""
    from h7voice.events import of_kind
    utt = of_kind(run['events'], 'phones_utterance')
    if not utt:
        tail = '\n'.join(run['lines'][-5:])
        raise RuntimeError(f'phones image: no phones_utterance event; console tail:\n{tail}')
    utt = utt[-1]
    board_segs = [{'phone': e['phone'], 'start': e['start'], 'end': e['end'], 'score': e['score']}
                  for e in of_kind(run['events'], 'phone')]
    host_segs, info = host_like_board(model, samples, utt['hops'])
    same = (board_segs == host_segs and info['digest'] == utt['digest'] and info['frames'] == utt['frames'])
    return same, {'board_digest': utt['digest'], 'host_digest': info['digest'], 'frames': utt['frames'],
                  'board_segments': len(board_segs), 'host_segments': len(host_segs)}


def board_clip():
    """The real held-out clip the board streams: the shortest ljspeech_aligned utterance
    (eval only; 16 kHz FLAC)."""
    from h7phones import dataset
    items = sorted(dataset.real_items('ljspeech_aligned', split='eval'), key=lambda it: it['duration_s'])
    if not items:
        raise paths.MissingPart('no ljspeech_aligned clips in ../shared/data')
    return items[0]


def board_figures(model, log=None):
    from h7phones import dataset
    from h7voice.events import last
    it = board_clip()
    x = dataset.read_audio(it['file'])
    t = time.time()
    run = board_run(x)
    if run['faults']:
        f = run['faults'][0]
        raise RuntimeError(f'phones image faulted on the board: {f.get("kind")} in {f.get("function")}')
    st = last(run['events'], 'phones_stats')
    ready = last(run['events'], 'phones_ready')
    if st is None or ready is None:
        tail = '\n'.join(run['lines'][-5:])
        raise RuntimeError(f'phones image: no phones_ready/phones_stats event; console tail:\n{tail}')
    identical, details = compare_board_host(run, model, x)
    if log:
        log(f'  board: {len(x) / 16000:.2f} s of {os.path.basename(it["file"])} in {time.time() - t:.1f} s wall')
    return {
        'clip': paths.rel(it['file']), 'clip_s': round(len(x) / 16000, 3), 'mhz': st['mhz'],
        'cycles_per_hop': {'mean': st['hop_cycles_mean'], 'max': st['hop_cycles_max'],
                           'frontend_mean': st['frontend_cycles_mean'], 'frontend_max': st['frontend_cycles_max'],
                           'model_mean': st['model_cycles_mean'], 'model_max': st['model_cycles_max'],
                           'hops_measured': st['scored']},
        'decode_cycles_per_hop': {'mean': st['decode_cycles_mean'], 'max': st['decode_cycles_max']},
        'load_at_480mhz_max': round(st['hop_cycles_max'] / (480e6 * 0.020), 4),
        'arena_bytes': ready['arena_bytes'], 'weights_bytes': ready['weights_bytes'],
        'decoder': ready['decoder'], 'board_host_identical': identical, 'board_host': details,
        'samples_lost': st['lost_overwritten'] + st['lost_ring_full'],
    }


def run_eval(model_path=None, limit=None, log=print):
    from h7phones.acoustic import PhoneModel
    from h7phones.psbaseline import PocketSphinxPhones
    from h7speech import bench as decoder_bench
    model = PhoneModel(model_path)
    ps = PocketSphinxPhones()
    pairs, skipped = eval_items(limit)
    log(f'phones eval: {len(pairs)} held-out real clips ({", ".join(f"{k} skipped {v}" for k, v in skipped.items())})')
    t = time.time()
    rows = per_tables(model, ps, pairs, log)
    log(f'  PER: {time.time() - t:.0f} s')
    tot = {k: sum(r[k] for r in rows.values()) for k in next(iter(rows.values()))} if rows else {}
    per_corpus = {c: {'clips': r['clips'], 'ref_phones': r['ref_phones_ours'],
                      'per': _rate(r['edits_ours'], r['ref_phones_ours']),
                      'per_pocketsphinx': _rate(r['edits_pocketsphinx'], r['ref_phones_pocketsphinx']),
                      **({'per_ctc_beam': _rate(r['edits_beam'], r['ref_phones_beam'])} if model.ctc else {})}
                  for c, r in sorted(rows.items())}
    board = board_figures(model, log)
    dec = decoder_bench.run(os.path.join(paths.BENCH, 'decoder.json'))
    out = {
        'per_real': _rate(tot.get('edits_ours', 0), tot.get('ref_phones_ours', 0)),
        'per_real_target': TARGETS['per_real'],
        'per_pocketsphinx': _rate(tot.get('edits_pocketsphinx', 0), tot.get('ref_phones_pocketsphinx', 0)),
        'per_by_corpus': per_corpus,
        'cycles_per_hop': board['cycles_per_hop'],
        'cycles_per_hop_target': {'max': TARGETS['cycles_per_hop_max']},
        'arena_bytes': board['arena_bytes'], 'arena_bytes_target': TARGETS['arena_bytes'],
        'weights_bytes': board['weights_bytes'], 'weights_bytes_target': TARGETS['weights_bytes'],
        'decode_ms_300w': round(dec['decode_ms_300w'], 3), 'decode_ms_300w_target': TARGETS['decode_ms_300w'],
        'decoder_ram_bytes': dec['decoder_ram_bytes'], 'decoder_ram_bytes_target': TARGETS['decoder_ram_bytes'],
        'decoder_host_board_identical': dec['host_board_identical'],
    }
    if model.ctc:
        out['per_real_ctc_beam'] = _rate(tot.get('edits_beam', 0), tot.get('ref_phones_beam', 0))
    out['targets_met'] = {
        'per_real': out['per_real'] is not None and out['per_pocketsphinx'] is not None
        and out['per_real'] < out['per_pocketsphinx'],
        'cycles_per_hop': board['cycles_per_hop']['max'] <= TARGETS['cycles_per_hop_max'],
        'arena_bytes': board['arena_bytes'] <= TARGETS['arena_bytes'],
        'weights_bytes': board['weights_bytes'] <= TARGETS['weights_bytes'],
        'decode_ms_300w': dec['decode_ms_300w'] <= TARGETS['decode_ms_300w'],
        'decoder_ram_bytes': dec['decoder_ram_bytes'] <= TARGETS['decoder_ram_bytes'],
        'board_host_identical': board['board_host_identical'] and dec['host_board_identical'],
    }
    out['board'] = board
    out['how'] = {
        'ours': f'firmware/apps/phones C on the host ({paths.rel(paths.host_library("firmware/apps/phones/libh7phones.so"))}): '
                f'{board["decoder"]} decoding, model {paths.rel(model.path)} '
                f'(window {model.window_frames} frames, look-ahead {model.lookahead_frames})',
        'pocketsphinx': ps.description,
        'scoring': 'Levenshtein over phone sequences, SIL/noise removed, stress stripped; closest dictionary '
                   'pronunciation per system; PER = edits / reference phones summed over clips',
        'held_out': 'h7phones.dataset.split_of (eval speakers only); librispeech_samples: no transcripts, not scored',
        'skipped_no_reference': skipped,
        'board': 'simulated board (tools/h7sim): one instruction = one cycle at 480 MHz; DWT counts in phones_stats',
        'limit': limit,
    }
    return out


def main(argv=None):
    p = argparse.ArgumentParser(prog='h7voice phones eval', description=__doc__.splitlines()[0])
    p.add_argument('--json', default=os.path.join(paths.BENCH, 'phones.json'), help='where to write the figures')
    p.add_argument('--model', default=None, help='a .tflite phone model (default models/phones.tflite)')
    p.add_argument('--limit', type=int, default=None, help='about this many clips, spread over the corpora (quick look)')
    args = p.parse_args(argv)
    out = run_eval(args.model, args.limit, log=lambda s: print(s, file=sys.stderr))
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json + '.tmp', 'w') as f:
        json.dump(out, f, indent=1)
    os.replace(args.json + '.tmp', args.json)
    print(json.dumps({k: out[k] for k in ('per_real', 'per_pocketsphinx', 'cycles_per_hop', 'arena_bytes',
                                          'weights_bytes', 'decode_ms_300w', 'decoder_ram_bytes', 'targets_met')},
                     indent=1))
    print(f'written: {paths.rel(args.json)}', file=sys.stderr)
    return 0
