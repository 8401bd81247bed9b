"""The align image on the simulated board for 10 / 30 / 60 / 300 s of real speech
(h7voice align --bench --board --json build/bench/align_board.json).

Each row is ljspeech_aligned clips concatenated in order (repeated for 300 s; the reference
boundaries move with each clip), aligned by the board at 480 MHz with its transcript: the
board's own count of cycles from the moment the recording's last sample is in RAM to its
align_done line (processing after the end of audio; it keeps up with the audio before
that), peak RAM = the image's static RAM (memory report, the stack reservation left out) +
the stack high-water mark the firmware measures (painted at boot), and the boundary error
of the row against the MFA references. Also: host and board give the same words.
"""
import json
import os
import time

import numpy as np

from h7frontend import wav
from h7voice import events as ev
from h7voice import paths

from . import bench
from . import board as B

LENGTHS = (10, 30, 60, 300)
TARGET_S = {10: 0.2, 30: 0.6, 60: 1.2, 300: 6.0}
TARGET_RAM = 160 * 1024


def clips():
    return [(utt, wav.load(path).samples, text, ref) for utt, path, text, ref in bench.corpus_ljspeech()]


def concat(all_clips, seconds):
    """Clips in order until `seconds` (cut at a clip boundary, the last clip trimmed to length
    with its words that end inside)."""
    xs, texts, refs, t = [], [], [], 0
    k = 0
    n = int(seconds * 16000)
    while t < n:
        utt, x, text, ref = all_clips[k % len(all_clips)]
        k += 1
        take = min(len(x), n - t)
        words = [(w, a + t / 16000, b + t / 16000) for w, a, b in ref if b * 16000 <= take]
        if take < len(x):
            if not words:
                break
            take = int(round(words[-1][2] * 16000 - t)) + 1600   # 100 ms after the last whole word
            take = min(take, len(x))
            texts.append(' '.join(w for w, _, _ in words))
        else:
            texts.append(text)
        xs.append(x[:take])
        refs += words
        t += take
    return np.concatenate(xs), ' '.join(texts), refs


def static_ram():
    p = paths.app_image('align', '.memory.json')
    with open(p) as f:
        m = json.load(f)
    stack = next((s['size'] for s in m['sections'] if s['name'] == '.stack'), 0)
    return m['totals']['ram_bytes'] - stack, m['totals']['flash_bytes']


def run(json_path=None, lengths=LENGTHS, log=print, model=None, energy=True):
    """(The simulator runs without MPU guard hooks here: 2x faster, same instruction counts.)"""
    from . import align as A
    all_clips = clips()
    ram_static, flash = static_ram()
    rows = []
    host = A.Aligner(A.phone_model(model) if model else None)
    for L in lengths:
        x, text, ref = concat(all_clips, L)
        t = time.time()
        events, summ = B.run(x, text, phones=False, mpu_guards=False)
        wall = time.time() - t
        done = B.done_event(events)
        res = B.result_of(events)
        errs = bench.boundary_errors(res['words'], ref)
        row = {'seconds': round(len(x) / 16000, 2), 'words': len(ref), 'target_s': TARGET_S.get(L)}
        if done:
            mhz = done['mhz']
            row.update({'after_audio_s': round(done['cycles_after_audio'] / (mhz * 1e6), 4),
                        'stack_peak_bytes': done['stack_peak_bytes'],
                        'peak_ram_bytes': ram_static + done['stack_peak_bytes'],
                        'windows': done['windows'], 'forced_commits': done['forced_commits'],
                        'decoder_workspace_max': done['decoder_workspace_max'], 'mhz': mhz,
                        'lost_samples': done['lost_samples']})
        row['accuracy'] = bench.summary(errs, len(ref))
        if L <= 30:   # host = board (the same C): checked on the short rows
            row['host_equals_board'] = host.align(x, text)['words'] == res['words']
        row['sim_wall_s'] = round(wall, 1)
        rows.append(row)
        log('%4d s: after audio %.3f s (target %.1f), peak RAM %d B (static %d + stack %d), MAE %.1f ms, %.1f%% <50 ms'
            % (L, row.get('after_audio_s', -1), TARGET_S.get(L, 0), row.get('peak_ram_bytes', -1), ram_static,
               row.get('stack_peak_bytes', -1), row['accuracy'].get('mae_ms', -1),
               row['accuracy'].get('within_50ms_pct', -1)))
    energy_rows = []
    x, text, ref = concat(all_clips, 10)
    # each point twice: waiting between hops at 16 MHz (the image's default) and at the
    # computing point itself ('same', as before it), side by side in one run
    for mhz, wait in ([(m, w) for w in ('low', 'same') for m in (480, 240, 120, 64, 'auto')] if energy else ()):
        events, summ = B.run(x, text, phones=False, opp=mhz, mpu_guards=False, wait=wait)
        done = B.done_event(events)
        gov = ev.last(events, 'governor')
        row = {'opp': mhz, 'wait': wait, 'wait_mhz': done.get('wait_mhz') if done else None,
               'opp_switches': done.get('opp_switches') if done else None,
               'mhz': done['mhz'] if done else None, 'governor': gov,
               'audio_s': round(len(x) / 16000, 2), 'energy_mj': round(summ['joules'] * 1000, 2),
               'run_mode_mj': round(summ['run_joules'] * 1000, 2),
               'completed': done is not None,
               'after_audio_s': round(done['cycles_after_audio'] / (done['mhz'] * 1e6), 3) if done else None,
               'lost_samples': done['lost_samples'] if done else None}
        energy_rows.append(row)
        log('energy, 10 s at opp %s, wait %s: %.2f mJ (of which computing %.2f mJ), after audio %s s, lost samples %s%s'
            % (mhz, wait, row['energy_mj'], row['run_mode_mj'], row['after_audio_s'], row['lost_samples'], '' if done else ' (did not complete)'))
    done_rows = [r for r in energy_rows if r['completed'] and r['opp'] != 'auto' and not r['lost_samples']]
    best = min(done_rows, key=lambda r: r['energy_mj']) if done_rows else None
    cheapest = best['mhz'] if best else None
    out = {'what': 'align image on the simulated board at 480 MHz, real speech (ljspeech_aligned concatenated)',
           'image': paths.rel(paths.app_image('align')), 'model': {'path': paths.rel(host.model.path),
                                                                 'sha1': bench._sha1(host.model.path)},
           'static_ram_bytes': ram_static, 'flash_bytes': flash, 'target_ram_bytes': TARGET_RAM, 'rows': rows,
           'energy_10s': energy_rows, 'cheapest_fixed_mhz': cheapest,
           'cheapest_fixed_wait': best['wait'] if best else None,
           'energy_note': 'energy_mj: the whole run from `go` to align_done (the board streams: it is awake, '
                          'capturing, for the whole 10 s); run_mode_mj: of that, the time the core computes '
                          '(the rest is Sleep between DMA halves, at 16 MHz with wait "low", at the computing point with '
                          '"same"); the simulator\'s DS12110 model'}
    from . import core
    out['lexicon_flash_bytes'] = core.lexicon_bytes()
    if json_path:
        os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
        with open(json_path + '.tmp', 'w') as f:
            json.dump(out, f, indent=1)
        os.replace(json_path + '.tmp', json_path)
        log('wrote %s' % json_path)
        if energy_rows:
            _into_accuracy_json(out, log)
    return out


def _into_accuracy_json(out, log):
    """The energy rows also go into build/bench/align.json (the issue's one table of the
    aligner), beside the accuracy figures of `h7voice align --bench`."""
    path = os.path.join(paths.BENCH, 'align.json')
    data = {}
    if os.path.exists(path):
        with open(path) as f:
            data = json.load(f)
    data['energy_10s'] = {'rows': out['energy_10s'], 'cheapest_fixed_mhz': out['cheapest_fixed_mhz'],
                          'model': out['model'], 'note': out['energy_note']}
    with open(path + '.tmp', 'w') as f:
        json.dump(data, f, indent=1)
    os.replace(path + '.tmp', path)
    log('energy rows added to %s' % paths.rel(path))
