"""Scores keyword detections against ground truth.

A spoken command counts as detected when exactly one detection names the same word with
start and end each within `tolerance_ms` of the truth (the issue's ±200 ms). Everything
else is an error of one kind:
  missed      a command with no matching detection
  duplicate   a second detection matching a command already matched
  wrong word  a detection overlapping a command but naming another word
  false alarm a detection away from every command (silence, noise, other speech)
"""


def _overlaps(det, word, slack_ms):
    return det['start_ms'] <= word['end_ms'] + slack_ms and det['end_ms'] >= word['start_ms'] - slack_ms


def score(detections, truth, tolerance_ms=200.0, keywords=None):
    """detections: dicts with word, start_ms, end_ms (firmware "kws" events).
    truth: from truth.load_truth. keywords: the words the model knows; truth words outside it
    are non-keyword speech, which must give no detection. Returns a dict (see keys below)."""
    commands = [w for w in truth if keywords is None or w['word'] in keywords]
    others = [w for w in truth if keywords is not None and w['word'] not in keywords]
    matches = {i: [] for i in range(len(commands))}
    wrong, false_alarms, non_keyword_hits = [], [], []
    for det in detections:
        hit = None
        for i, w in enumerate(commands):
            if (det.get('word') == w['word']
                    and abs(float(det['start_ms']) - w['start_ms']) <= tolerance_ms
                    and abs(float(det['end_ms']) - w['end_ms']) <= tolerance_ms):
                hit = i
                break
        if hit is not None:
            matches[hit].append(det)
        elif any(_overlaps(det, w, tolerance_ms) for w in commands):
            wrong.append(det)
        elif any(_overlaps(det, w, tolerance_ms) for w in others):
            non_keyword_hits.append(det)
        else:
            false_alarms.append(det)
    rows = []
    for i, w in enumerate(commands):
        found = matches[i]
        rows.append({'truth': w, 'detection': found[0] if found else None, 'count': len(found)})
    missed = [r['truth'] for r in rows if r['count'] == 0]
    duplicates = sum(max(0, r['count'] - 1) for r in rows)
    return {
        'rows': rows,
        'commands': len(commands),
        'detected': sum(1 for r in rows if r['count'] >= 1),
        'exactly_once': sum(1 for r in rows if r['count'] == 1),
        'missed': missed,
        'duplicates': duplicates,
        'wrong_word': wrong,
        'non_keyword_hits': non_keyword_hits,
        'false_alarms': false_alarms,
        'ok': (all(r['count'] == 1 for r in rows) and not wrong and not false_alarms
               and not non_keyword_hits),
    }


def describe_failures(result):
    """Lines explaining why a score is not ok (empty when it is)."""
    lines = []
    for w in result['missed']:
        lines.append(f"missed '{w['word']}' at {w['start_ms']:.0f}-{w['end_ms']:.0f} ms")
    for r in result['rows']:
        if r['count'] > 1:
            lines.append(f"'{r['truth']['word']}' at {r['truth']['start_ms']:.0f} ms detected {r['count']} times")
    for kind in ('wrong_word', 'non_keyword_hits', 'false_alarms'):
        for d in result[kind]:
            lines.append(f"{kind.replace('_', ' ')}: '{d.get('word')}' at "
                         f"{float(d['start_ms']):.0f}-{float(d['end_ms']):.0f} ms")
    return lines
