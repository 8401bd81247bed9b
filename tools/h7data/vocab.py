"""Vocabulary of the default task: the Speech Commands v2 12-class set."""
KEYWORDS = ('yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go')
SILENCE, UNKNOWN = 'silence', 'unknown'
LABELS = (SILENCE, UNKNOWN) + KEYWORDS

# Words that are not keywords: the other Speech Commands v2 words plus words that sound
# like keywords (hard negatives). Homophones of keywords (know, write) are left out:
# they cannot be told apart from the keyword by sound.
UNKNOWN_WORDS = (
    'bed', 'bird', 'cat', 'dog', 'eight', 'five', 'four', 'happy', 'house', 'marvin',
    'nine', 'one', 'seven', 'sheila', 'six', 'three', 'tree', 'two', 'wow', 'zero',
    'backward', 'forward', 'follow', 'learn', 'visual',
    'yet', 'yellow', 'yesterday', 'now', 'note', 'nose', 'cup', 'upper', 'town',
    'dawn', 'done', 'lift', 'light', 'ride', 'bright', 'own', 'only',
    'often', 'of', 'top', 'shop', 'step', 'store', 'goat', 'ago', 'gold', 'good', 'game',
    'hello', 'water', 'table', 'music', 'window', 'open', 'close', 'start', 'play',
    'pause', 'next', 'back', 'volume', 'morning', 'kitchen', 'maybe', 'never', 'little',
    'number', 'station', 'weather', 'coffee', 'garden', 'paper', 'listen', 'turn')

# Short phrases without keywords: babble, long negative audio, false-alarm tests.
PHRASES = (
    'the weather is nice today', 'please call me back later', 'what time is it',
    'the kitchen light is bright', 'seven happy birds flew over the house',
    'the cat sat by the window', 'my coffee is getting cold', 'play some music please',
    'the train station is near the garden', 'she reads the paper every morning',
    'turn the volume a little higher', 'we never see what comes next',
    'the dog follows me to the shop', 'open the window and listen', 'a tree in the garden',
    'five four three two one zero', 'maybe we should learn to wait', 'hello there my friend',
    'the number is nine eight seven', 'water the plants in the morning')


def check_labels(labels):
    """Raises ValueError naming any label outside the vocabulary."""
    bad = sorted({str(l) for l in labels} - set(LABELS))
    if bad:
        raise ValueError(f'labels outside the vocabulary: {", ".join(bad)}; '
                         f'vocabulary: {", ".join(LABELS)}')
