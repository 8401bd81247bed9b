"""Thresholds for calibration.json from data the benchmark does not judge on: voices the
phone model trained on (bench.CALIBRATION_VOICES) and real speech of TRAINING-split
speakers (h7phones.dataset.split_of).

  intent reject: for each filler penalty of INTENT_PENALTIES (the free phone loop's cost per
    phone change: a cheap loop explains any speech well, so an unusual voice's right path
    scores low against it; a dear one lets out-of-context speech score higher) and each
    search beam of INTENT_BEAMS (how far below the frame's best path a hypothesis may fall
    and live: at 12 nats the right path of a command was often pruned in its first words,
    and the path left was refused), the lowest score (nats per frame over the filler) at
    which at most REJECT_FA of the training speakers' real sentences would be taken as a
    command of an example context (half the issue's 2%, for margin); the setting whose
    threshold keeps the most of the calibration voices' commands right is kept (ties: the
    narrower beam, fewer tokens per frame on the chip);
  wake at sensitivity 0.5: every event the spotter's first look (spot_threshold, a low bar)
    reports in the training speakers' continuous speech with noise gets the second look's
    verified score (commands_listen.c cmd_wake_verify: ratio + coverage_weight x per-phone
    coverage; --loops N plays those streams N times with other noise draws: the maximum of one
    draw is a thin sample); for each weight of WAKE_WEIGHTS, the threshold is WAKE_MARGIN_NATS above the
    highest of them (no false alarm there) and the weight whose threshold finds the most of
    the calibration voices' wake phrases is kept. The span puts S = 0 and S = 1 at
    +/- WAKE_SPAN_NATS around the threshold.
"""
import json
import os

import numpy as np

from . import bench
from .engine import CALIBRATION, calibration

REJECT_FA = 0.01
WAKE_MARGIN_NATS = 1.0
WAKE_SPAN_NATS = 6.0
WAKE_WEIGHTS = (0.0, 2.0, 4.0, 6.0)
INTENT_PENALTIES = (-2.0, -3.0, -4.0, -6.0)
INTENT_BEAMS = (12.0, 16.0, 20.0, 24.0)
INTENT_SETTINGS = tuple((p, b) for p in INTENT_PENALTIES for b in INTENT_BEAMS)


def calibrate(a):
    voices = list(bench.CALIBRATION_VOICES)
    jobs = (bench.intent_jobs(voices, max(4, a.per_voice // 2), a.seed + 17)
            + bench.wake_tts_jobs(voices, max(4, a.per_voice // 2), a.seed + 17)
            + bench.reject_jobs('train', a.sentences)
            + bench.stream_jobs(a.loops, 'train', seed=a.seed + 17, minutes=a.stream_minutes))
    for j in jobs:
        if j['kind'] in ('wake', 'stream'):
            j['weights'] = WAKE_WEIGHTS
        if j['kind'] in ('intent', 'reject'):
            j['intent_settings'] = INTENT_SETTINGS
    done = bench.run(jobs, a.model, a.jobs, raw=True, noise='train')
    sent = [j for j in done if j['kind'] == 'reject']
    intents = [j for j in done if j['kind'] == 'intent']
    n_decisions = sum(len(j['scores']) for j in sent)
    allowed = int(REJECT_FA * n_decisions)
    isweep = {}
    for p in INTENT_SETTINGS:
        oc = np.sort([v for j in sent for v in j['by_setting'][p].values() if v is not None])
        # accepted iff score >= T: at most `allowed` out-of-context scores at or above T
        t = float(oc[-(allowed + 1)] + 0.01) if len(oc) > allowed else -10.0
        kept = float(np.mean([j['by_setting'][p]['right'] and j['by_setting'][p]['score'] >= t for j in intents]))
        isweep[p] = {'reject': round(t, 3), 'right_and_kept': round(kept, 4)}
    isetting = max(INTENT_SETTINGS, key=lambda p: (isweep[p]['right_and_kept'], -p[1], p[0]))
    ipenalty, ibeam = isetting
    reject, right_kept = isweep[isetting]['reject'], isweep[isetting]['right_and_kept']
    wake = [j for j in done if j['kind'] == 'wake']
    sweep = {}
    for k in WAKE_WEIGHTS:
        peaks = [r for j in done if j['kind'] == 'stream' for r in j['verified_by_weight'][k]]
        t = round((max(peaks) if peaks else 0.0) + WAKE_MARGIN_NATS, 2)
        f = float(np.mean([bool(j['verified_by_weight'][k]) and j['verified_by_weight'][k][0] >= t for j in wake]))
        sweep[k] = {'threshold': t, 'found': round(f, 4), 'highest_stream_score': round(t - WAKE_MARGIN_NATS, 2)}
    weight = max(WAKE_WEIGHTS, key=lambda k: (sweep[k]['found'], -k))
    threshold, found, top = sweep[weight]['threshold'], sweep[weight]['found'], sweep[weight]['highest_stream_score']
    cal = calibration()
    from .bench import model_info
    cal['model'] = model_info(a.model)
    cal['intent']['reject'] = round(reject, 3)
    cal['intent']['decoder']['filler_penalty'] = ipenalty
    cal['intent']['decoder']['beam'] = ibeam
    cal['wake']['threshold_at_half'] = threshold
    cal['wake']['span'] = WAKE_SPAN_NATS
    cal['wake']['coverage_weight'] = weight
    cal['why'] = ('Decision thresholds of the intent and wake decoders (nats; the host tools and the commands '
                  'image read them from here), set by `python -m h7intent.bench calibrate` from voices the '
                  'phone model trained on and real speech of its TRAINING-split speakers (never a held-out '
                  'voice or speaker).')
    cal['calibrated_on'] = {
        'voices': [f'{e} {v}' for e, v in voices], 'training_sentences': len(sent),
        'intent_right_and_kept': round(float(right_kept), 4),
        'intent_sweep': {f'filler_penalty {p[0]}, beam {p[1]}': v for p, v in isweep.items()},
        'out_of_context_allowed': REJECT_FA, 'wake_training_stream_hours': round(
            sum(j['audio_s'] for j in done if j['kind'] == 'stream') / 3600, 3),
        'wake_highest_stream_score': round(top, 2), 'wake_found_calibration_voices': round(float(found), 4),
        'wake_coverage_weight_sweep': {str(k): v for k, v in sweep.items()}}
    with open(CALIBRATION, 'w') as f:
        json.dump(cal, f, indent=1)
        f.write('\n')
    print(json.dumps(cal['calibrated_on']))
    print(f'reject {reject:.3f} nats/frame; wake threshold {threshold} nats at S = 0.5 -> {os.path.relpath(CALIBRATION)}')
    return 0
