"""Thresholds for calibration.json from data the benchmark does not judge on: voices the
phone model trained on (bench.CALIBRATION_VOICES) and real speech of TRAINING-split
speakers (h7phones.dataset.split_of).

  intent reject: the lowest score (nats per frame over the filler) at which at most
    REJECT_FA of the training speakers' real sentences would be taken as a command of an
    example context (half the issue's 2%, for margin);
  wake at sensitivity 0.5: for each filler penalty of WAKE_PENALTIES, the threshold just
    above the highest likelihood-ratio peak in the training speakers' continuous speech with
    noise (no false alarm there); the penalty whose threshold finds the most of the
    calibration voices' wake phrases is kept. The span puts S = 0 and S = 1 at
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
WAKE_PENALTIES = (-2.0, -3.0, -4.0, -6.0)


def calibrate(a):
    voices = list(bench.CALIBRATION_VOICES)
    jobs = (bench.intent_jobs(voices, max(4, a.per_voice // 2), a.seed + 17)
            + bench.wake_tts_jobs(voices, max(4, a.per_voice // 2), a.seed + 17)
            + bench.reject_jobs('train', a.sentences)
            + bench.stream_jobs(1, 'train', seed=a.seed + 17, minutes=a.stream_minutes))
    for j in jobs:
        if j['kind'] in ('wake', 'stream'):
            j['penalties'] = WAKE_PENALTIES
    done = bench.run(jobs, a.model, a.jobs, raw=True)
    sent = [j for j in done if j['kind'] == 'reject']
    oc = np.sort([v for j in sent for c, v in j['scores'].items() if j['accepted'][c]])
    n_decisions = sum(len(j['scores']) for j in sent)
    allowed = int(REJECT_FA * n_decisions)
    # accepted iff score >= T: at most `allowed` out-of-context scores at or above T
    reject = float(oc[-(allowed + 1)] + 0.01) if len(oc) > allowed else -10.0
    intents = [j for j in done if j['kind'] == 'intent']
    right_kept = np.mean([j['right'] and j['got']['score'] >= reject for j in intents])
    wake = [j for j in done if j['kind'] == 'wake']
    sweep = {}
    for p in WAKE_PENALTIES:
        peaks = [r for j in done if j['kind'] == 'stream' for r in j['ratios_by_penalty'][p]]
        t = round((max(peaks) if peaks else 0.0) + WAKE_MARGIN_NATS, 2)
        f = float(np.mean([bool(j['ratios_by_penalty'][p]) and j['ratios_by_penalty'][p][0] >= t for j in wake]))
        sweep[p] = {'threshold': t, 'found': round(f, 4), 'highest_stream_peak': round(t - WAKE_MARGIN_NATS, 2)}
    penalty = max(WAKE_PENALTIES, key=lambda p: (sweep[p]['found'], p))
    threshold, found, top = sweep[penalty]['threshold'], sweep[penalty]['found'], sweep[penalty]['highest_stream_peak']
    cal = calibration()
    from .bench import model_info
    cal['model'] = model_info(a.model)
    cal['intent']['reject'] = round(reject, 3)
    cal['wake']['threshold_at_half'] = threshold
    cal['wake']['span'] = WAKE_SPAN_NATS
    cal['wake']['decoder']['filler_penalty'] = penalty
    cal['why'] = ('Decision thresholds of the intent and wake decoders (nats; the host tools and the commands '
                  'image read them from here), set by `python -m h7intent.bench calibrate` from voices the '
                  'phone model trained on and real speech of its TRAINING-split speakers (never a held-out '
                  'voice or speaker).')
    cal['calibrated_on'] = {
        'voices': [f'{e} {v}' for e, v in voices], 'training_sentences': len(sent),
        'intent_right_and_kept': round(float(right_kept), 4),
        'out_of_context_allowed': REJECT_FA, 'wake_training_stream_hours': round(
            sum(j['audio_s'] for j in done if j['kind'] == 'stream') / 3600, 3),
        'wake_highest_stream_peak': round(top, 2), 'wake_found_calibration_voices': round(float(found), 4),
        'wake_filler_penalty_sweep': {str(p): v for p, v in sweep.items()}}
    with open(CALIBRATION, 'w') as f:
        json.dump(cal, f, indent=1)
        f.write('\n')
    print(json.dumps(cal['calibrated_on']))
    print(f'reject {reject:.3f} nats/frame; wake threshold {threshold} nats at S = 0.5 -> {os.path.relpath(CALIBRATION)}')
    return 0
