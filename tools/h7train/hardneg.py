"""Hard negatives for a keyword model: the windows the firmware's own decision scores in real
running speech of training speakers, where the model comes close to a keyword.

Why: the detector runs the model on windows that end as a voice-activity segment ends
(kws_config.h: the dense runs at the first quiet frames, then one run per model hop until the
decision). In running speech a short phrase followed by a breath is such a segment, and a
model that learned from 1 s clips and from 1 s crops taken at random places calls some of
them a keyword: that is where its false alarms come from (models/real_stream.md: most
held-out false alarms fire inside sentences). Those windows, labelled "unknown", are what
recipe 4 of `realtrain` adds.

How: the training-negative sentences (LibriSpeech + mycroft: their crops are already
"unknown" in training; never the held-out stream's ljspeech_aligned / transcribed_misc) are
played with pauses (realstream.build_stream, no keyword clips) under the held-out stream's
conditions, each with the TRAINING 80 % of its noise file, through the host build of the
keyword firmware (kwsapp.detector.KwsStream: front end, VAD, pipeline, detector, engine) with
the model that is being trained on, at MINE_THRESHOLD. Every segment it would take for a
keyword gives the windows ending at the segment's end + WINDOW_ENDS_MS. Cached per model file.
The training-speaker stream (realstream --streams training_speakers) plays the same
sentences, so it cannot judge a model trained on these windows: only the held-out one can.
"""
import hashlib
import json
import os
import time

import numpy as np

from . import realdata as R

MINE_THRESHOLD = 0.3
WINDOW_ENDS_MS = (0, 40, 80, 120, 160, 200)
VERSION = 1


def segment_windows(x, detections):
    """[(detection, 1 s window of x)]: for each detection the windows ending at its end_ms +
    WINDOW_ENDS_MS (those wholly inside x)."""
    out = []
    for d in detections:
        for lag in WINDOW_ENDS_MS:
            end = (d['end_ms'] + lag) * (R.SAMPLE_RATE // 1000)
            if R.WINDOW <= end <= len(x):
                out.append((d, x[end - R.WINDOW:end]))
    return out


def mine(model_path, conditions=None, progress=True):
    """dict(x int16 [n, 16000], word, score, condition) of the hard windows of model_path.
    conditions: (name, noise file or None, SNR dB) tuples; default realstream's
    HELD_OUT_CONDITIONS (played with the training part of each noise)."""
    from h7data.dataset import cache_dir
    from kwsapp.detector import KwsStream
    from . import realstream as RS
    conditions = tuple(conditions or RS.HELD_OUT_CONDITIONS)
    with open(model_path, 'rb') as f:
        model_digest = hashlib.sha256(f.read()).hexdigest()
    key = [VERSION, model_digest, MINE_THRESHOLD, list(WINDOW_ENDS_MS),
           [list(c) for c in conditions], R.SPLIT_SALT]
    path = os.path.join(cache_dir(), 'real',
                        f'hardneg-{hashlib.sha1(json.dumps(key).encode()).hexdigest()[:12]}.npz')
    if os.path.exists(path):
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    t0 = time.time()
    sentences = RS.training_negative_sentences()
    stream = KwsStream(model_path)
    xs, words, scores, conds = [], [], [], []
    try:
        for k, (cond, noise_name, snr) in enumerate(conditions):
            x, _ = RS.build_stream(sentences, np.zeros((0, R.WINDOW), np.int16), np.zeros(0, int),
                                   noise_name, snr, seed=500 + k, noise_part='train')
            dets, _ = stream.run(x, threshold=MINE_THRESHOLD)
            for d, window in segment_windows(x, dets):
                xs.append(window)
                words.append(d['word'])
                scores.append(d['score'])
                conds.append(cond)
            if progress:
                print(f'[{time.time() - t0:5.0f} s] hard negatives, {cond}: {len(x) / R.SAMPLE_RATE / 60:.1f} '
                      f'min of training sentences, {len(dets)} segments taken for a keyword at '
                      f'{MINE_THRESHOLD}', flush=True)
    finally:
        stream.close()
    out = {'x': np.stack(xs).astype(np.int16), 'word': np.array(words),
           'score': np.array(scores, np.float32), 'condition': np.array(conds)}
    R._save_npz(path, out)
    return out
