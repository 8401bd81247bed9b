"""Streaming keyword detection over long audio, as the device does it: the front end's
streaming API makes one frame per hop, the model looks at the last 49 frames every
`stride` frames, posteriors are averaged over `smooth` looks, and a keyword fires when
its averaged probability passes `threshold`, at most once per `refractory_ms`."""
import numpy as np

from h7data.vocab import KEYWORDS

DEFAULT = {'stride_frames': 5, 'smooth': 3, 'threshold': 0.7, 'refractory_ms': 1000}


def stream_features(audio, config):
    import h7frontend
    stream = h7frontend.Stream(config)
    return stream.push(np.asarray(audio, np.int16))


def posteriors(model, audio, config, stride_frames=5):
    """(end time ms of each look, probabilities [looks, classes])."""
    frames = stream_features(audio, config)
    n = config.values['clip_frames']
    hop_ms = 1000.0 * config.values['hop_length'] / config.values['sample_rate_hz']
    win_ms = 1000.0 * config.values['window_length'] / config.values['sample_rate_hz']
    starts = list(range(0, max(len(frames) - n + 1, 0), stride_frames))
    if not starts:
        return np.zeros(0), np.zeros((0, len(model.labels) if hasattr(model, 'labels') else 12))
    windows = np.stack([frames[s:s + n] for s in starts])
    probs = model.predict(windows)
    times = np.array([(s + n - 1) * hop_ms + win_ms for s in starts])
    return times, probs


def detect(times, probs, labels, stride_frames=5, smooth=3, threshold=0.7, refractory_ms=1000):
    """[(label, time_ms, score)] of keyword detections."""
    keyword_idx = [labels.index(k) for k in KEYWORDS if k in labels]
    events, last = [], -1e9
    for i in range(len(times)):
        avg = probs[max(0, i - smooth + 1):i + 1].mean(axis=0)
        k = max(keyword_idx, key=lambda j: avg[j])
        if avg[k] >= threshold and times[i] - last >= refractory_ms:
            events.append((labels[k], float(times[i]), float(avg[k])))
            last = times[i]
    return events


def match(events, truth, labels, late_ms=1100):
    """Compares detections with ground-truth words [(word, start_ms, end_ms)].

    A keyword counts as found when a detection of it falls within [start, end + late_ms]
    (the model needs the whole word in its 1 s window). Returns (hits, misses, false
    alarms, wrong-label detections)."""
    used = set()
    hits, misses = [], []
    for word, s, e in truth:
        if word not in KEYWORDS:
            continue
        found = [i for i, (lab, t, _) in enumerate(events)
                 if i not in used and lab == word and s <= t <= e + late_ms]
        if found:
            used.add(found[0])
            hits.append(word)
        else:
            misses.append(word)
    false_alarms = [events[i] for i in range(len(events)) if i not in used]
    return hits, misses, false_alarms
