"""Ground truth of a recording: the words spoken and when (models/recordings/*.json)."""
import json
import os


class TruthError(ValueError):
    """The ground-truth file is missing or not in the expected form."""


def load_truth(path):
    """Returns a list of {'word', 'start_ms', 'end_ms'} sorted by start.

    Accepts a list of word objects, or an object holding one under 'words', 'commands'
    or 'segments'. Times may be given in ms (start_ms/end_ms) or s (start/end)."""
    if not os.path.exists(path):
        raise TruthError(f'{path}: ground truth not found')
    with open(path) as f:
        try:
            data = json.load(f)
        except ValueError as e:
            raise TruthError(f'{path}: not JSON ({e})') from None
    if isinstance(data, dict):
        for key in ('words', 'commands', 'segments', 'events'):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            raise TruthError(f'{path}: expected a list of words, or "words": [...]')
    if not isinstance(data, list):
        raise TruthError(f'{path}: expected a list of words')
    words = []
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise TruthError(f'{path}: entry {i} is not an object')
        word = item.get('word', item.get('label', item.get('text')))
        if 'start_ms' in item and 'end_ms' in item:
            start, end = float(item['start_ms']), float(item['end_ms'])
        elif 'start' in item and 'end' in item:
            start, end = 1000.0 * float(item['start']), 1000.0 * float(item['end'])
        else:
            raise TruthError(f'{path}: entry {i} has no start_ms/end_ms')
        if word is None:
            raise TruthError(f'{path}: entry {i} has no "word"')
        words.append({'word': str(word), 'start_ms': start, 'end_ms': end})
    words.sort(key=lambda w: w['start_ms'])
    return words
