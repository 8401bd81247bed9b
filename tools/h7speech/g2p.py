"""Words -> phones: the CMU dictionary first, then letter-to-sound rules derived from it.

Dictionary: cmudict-en-us.dict of the pocketsphinx 5.1.1 sdist that tools/setup.sh fetches
into h7voice.paths.CACHE (read there, never copied into the repository); phones are the
39 ARPAbet phones without stress, as in phones.def.

Letter-to-sound rules (for words not in the dictionary), derived deterministically:
  1. every dictionary word's letters are aligned to its phones (each letter gives no
     phone, one phone, or two: x -> K S), by hard EM from position-weighted letter/phone
     co-occurrence (3 iterations);
  2. for each letter in context (up to 3 letters each side), the most frequent output is
     kept, from the widest context down to the letter alone; a context is stored only
     where it changes the narrower context's answer (a decision list with back-off).
The rules are cached in build/h7speech/ (`python -m h7speech g2p-train`); accuracy on
held-out dictionary words: `python -m h7speech g2p-eval` (every 20th word held out).

Normalisation of text (normalise()): lower case; digits become words ("2" -> "two",
"21" -> "twenty one", "1990" -> "nineteen ninety", "2.5" -> "two point five", "3rd" ->
"third"); "&" -> "and", "%" -> "percent", "+" -> "plus"; hyphens and slashes split words;
other punctuation is dropped, except an apostrophe inside a word ("o'clock", "don't").
"""
import collections
import json
import math
import os
import re

from h7voice import paths

from . import phones as P

DICT_PATH = os.path.join(paths.CACHE, 'pocketsphinx-5.1.1', 'model', 'en-us', 'cmudict-en-us.dict')
RULES_PATH = os.path.join(paths.BUILD, 'h7speech', 'g2p_rules.json')
HOLDOUT_EVERY = 20
CONTEXTS = [(3, 3), (2, 3), (2, 2), (1, 2), (1, 1), (0, 1), (0, 0)]   # nested: each narrower one is inside the wider
LETTERS = set("abcdefghijklmnopqrstuvwxyz'")


class G2PError(ValueError):
    """A word that cannot be pronounced (one line)."""


# ---- dictionary ----
_dict = None


def dictionary(path=None):
    """{word: [[phone, ...], ...]} (variants in the dictionary's order)."""
    global _dict
    if _dict is not None and path is None:
        return _dict
    p = path or DICT_PATH
    if not os.path.exists(p):
        raise paths.MissingPart('%s is missing (the CMU dictionary of the pocketsphinx sdist); '
                                'run: bash tools/setup.sh' % p)
    d = {}
    strip = str.maketrans('', '', '0123456789')
    known = set(P.ARPABET)
    with open(p, encoding='utf-8') as f:
        for line in f:
            parts = line.translate(strip).split()   # stress digits and "(2)" variant numbers
            if len(parts) < 2:
                continue
            word = parts[0][:-2] if parts[0].endswith('()') else parts[0]
            pron = parts[1:]
            if known.issuperset(pron):
                d.setdefault(word, []).append(pron)
    if path is None:
        _dict = d
    return d


def split_holdout(d, every=HOLDOUT_EVERY):
    """(train, held out): every `every`-th word of the dictionary (alphabetical) held out;
    only plain words (letters and apostrophes) take part."""
    words = [w for w in d if set(w) <= LETTERS and w.strip("'")]
    held = set(words[every - 1::every])
    return ({w: d[w] for w in words if w not in held}, {w: d[w] for w in words if w in held})


# ---- normalisation ----
ONES = 'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen ' \
       'sixteen seventeen eighteen nineteen'.split()
TENS = 'zero ten twenty thirty forty fifty sixty seventy eighty ninety'.split()
ORDINAL = {'one': 'first', 'two': 'second', 'three': 'third', 'five': 'fifth', 'eight': 'eighth',
           'nine': 'ninth', 'twelve': 'twelfth'}


def number_words(n):
    """0 <= n < 10^12 as words ("one hundred twenty three")."""
    if n < 20:
        return [ONES[n]]
    if n < 100:
        return [TENS[n // 10]] + (number_words(n % 10) if n % 10 else [])
    if n < 1000:
        return [ONES[n // 100], 'hundred'] + (number_words(n % 100) if n % 100 else [])
    for size, name in ((10 ** 9, 'billion'), (10 ** 6, 'million'), (1000, 'thousand')):
        if n >= size:
            return number_words(n // size) + [name] + (number_words(n % size) if n % size else [])
    raise G2PError('number too large: %d' % n)


def _digits(tok):
    m = re.fullmatch(r'(\d+)(st|nd|rd|th)', tok)
    if m:
        words = number_words(int(m.group(1)))
        last = words[-1]
        if last in ORDINAL:
            words[-1] = ORDINAL[last]
        elif last.endswith('y'):
            words[-1] = last[:-1] + 'ieth'
        else:
            words[-1] = last + 'th'
        return words
    m = re.fullmatch(r'(\d+)\.(\d+)', tok)
    if m:
        return _digits(m.group(1)) + ['point'] + [ONES[int(c)] for c in m.group(2)]
    if re.fullmatch(r'\d+', tok):
        n = int(tok)
        if len(tok) == 4 and 1100 <= n <= 1999 and n % 100:   # years: "nineteen ninety"
            return number_words(n // 100) + (number_words(n % 100) if n % 100 >= 10 else ['oh'] + number_words(n % 100))
        if len(tok) > 12:
            return [ONES[int(c)] for c in tok]
        return number_words(n)
    # digits glued to letters ("mp3", "2cups"): split them
    parts = re.findall(r'\d+|[^\d]+', tok)
    out = []
    for p in parts:
        out += _digits(p) if p[0].isdigit() else [p]
    return out


def normalise(text):
    """Text -> the words to pronounce (see the module's docstring)."""
    t = text.lower().replace('&', ' and ').replace('%', ' percent ').replace('+', ' plus ')
    t = re.sub(r'[-/_]', ' ', t)
    t = re.sub(r'[\u2018\u2019`]', "'", t)
    words = []
    for tok in t.split():
        tok = re.sub(r"[^a-z0-9.']", '', tok)
        tok = re.sub(r"\.(?!\d)", '', tok).strip("'")
        if not tok:
            continue
        words += _digits(tok) if re.search(r'\d', tok) else [tok]
    return words


# ---- letter-to-sound rules ----
def _align(word, pron, table, default):
    """Best letter -> output alignment under table {(letter, out): logp}; outputs per letter."""
    L, M = len(word), len(pron)
    NEG = -1e18
    best = [[NEG] * (M + 1) for _ in range(L + 1)]
    back = [[None] * (M + 1) for _ in range(L + 1)]
    best[0][0] = 0.0
    for i in range(L):
        c = word[i]
        row, nxt, nback = best[i], best[i + 1], back[i + 1]
        for j in range(M + 1):
            s = row[j]
            if s <= NEG:
                continue
            v = s + table.get((c, ''), default)
            if v > nxt[j]:
                nxt[j], nback[j] = v, (j, '')
            if j < M:
                o = pron[j]
                v = s + table.get((c, o), default)
                if v > nxt[j + 1]:
                    nxt[j + 1], nback[j + 1] = v, (j, o)
                if j + 1 < M:
                    o2 = pron[j] + '_' + pron[j + 1]
                    v = s + table.get((c, o2), default) - 4.0
                    if v > nxt[j + 2]:
                        nxt[j + 2], nback[j + 2] = v, (j, o2)
    if best[L][M] <= NEG:
        return None
    outs, j = [], M
    for i in range(L, 0, -1):
        pj, o = back[i][j]
        outs.append(o)
        j = pj
    return outs[::-1]


def _initial_table(entries):
    counts = collections.Counter()
    for word, pron in entries:
        L, M = len(word), len(pron)
        for i, c in enumerate(word):
            for j, ph in enumerate(pron):
                if abs((i + 0.5) / L - (j + 0.5) / M) <= 0.2:
                    counts[(c, ph)] += 1
    return _normalise_counts(counts, eps_share=0.25)


def _normalise_counts(counts, eps_share=None):
    per = collections.Counter()
    for (c, o), n in counts.items():
        per[c] += n
    table = {}
    for (c, o), n in counts.items():
        table[(c, o)] = math.log(n / per[c])
    if eps_share:
        for c in per:
            table[(c, '')] = math.log(eps_share)
    return table


def align_all(entries, iterations=3):
    """Hard EM alignment of (word, pron) pairs -> [(word, outputs)] (deterministic)."""
    table = _initial_table(entries)
    aligned = []
    for _ in range(iterations):
        counts = collections.Counter()
        aligned = []
        for word, pron in entries:
            outs = _align(word, pron, table, -20.0)
            if outs is None:
                continue
            aligned.append((word, outs))
            for c, o in zip(word, outs):
                counts[(c, o)] += 1
        table = _normalise_counts(counts)
    return aligned


def _key(padded, i, left, right):
    return padded[i - left:i] + '|' + padded[i] + '|' + padded[i + 1:i + 1 + right]


def train(entries, iterations=3):
    """Rules from (word, pron) pairs: {'contexts': [[left, right], ...], 'rules': {key: out}}."""
    aligned = align_all(entries, iterations)
    pad = '###'
    rules = {}
    # narrowest context first, so a wider one is kept only where it changes the answer
    for left, right in reversed(CONTEXTS):
        counts = collections.defaultdict(collections.Counter)
        for word, outs in aligned:
            padded = pad + word + pad
            for i, o in enumerate(outs):
                counts[_key(padded, i + 3, left, right)][o] += 1
        for key in sorted(counts):
            c = counts[key]
            out = min(c, key=lambda o: (-c[o], o))   # most frequent, ties by name
            if (left, right) == (0, 0) or _predict_letter(rules, key_parts(key), exclude=(left, right)) != out:
                rules[key] = out
    # for the rare word whose every letter comes out silent: each letter's commonest sound
    sounds = collections.defaultdict(collections.Counter)
    for word, outs in aligned:
        for c, o in zip(word, outs):
            if o:
                sounds[c][o] += 1
    fallback = {c: min(n, key=lambda o: (-n[o], o)) for c, n in sorted(sounds.items())}
    return {'contexts': [list(c) for c in CONTEXTS], 'rules': rules, 'fallback': fallback,
            'words': len(entries)}


def key_parts(key):
    left, mid, right = key.split('|')
    return left, mid, right


def _predict_letter(rules, parts, exclude=None):
    """The output of the widest known context narrower than `exclude` (all when None)."""
    left, mid, right = parts
    skip = exclude is not None
    for lc, rc in CONTEXTS:
        if skip:
            if (lc, rc) == tuple(exclude):
                skip = False
            continue
        if lc > len(left) or rc > len(right):
            continue
        k = left[len(left) - lc:] + '|' + mid + '|' + right[:rc]
        if k in rules:
            return rules[k]
    return None


class LetterToSound:
    def __init__(self, model):
        self.rules = model['rules']
        self.fallback = model['fallback']

    def predict(self, word):
        w = ''.join(c for c in word.lower() if c in LETTERS)
        if not w.strip("'"):
            raise G2PError('word %r has no letters to pronounce' % word)
        padded = '###' + w + '###'
        out = []
        for i in range(3, len(w) + 3):
            o = _predict_letter(self.rules, (padded[i - 3:i], padded[i], padded[i + 1:i + 4]))
            if o:
                out += o.split('_')
        if not out:
            out = [p for c in w if c in self.fallback for p in self.fallback[c].split('_')]
        if not out:
            raise G2PError('letter-to-sound rules give no phones for %r' % word)
        return out


def train_default(log=None):
    """Rules from the whole dictionary except the held-out words; cached in RULES_PATH."""
    train_set, _ = split_holdout(dictionary())
    if log:
        log('deriving letter-to-sound rules from %d dictionary words (about a minute) ...' % len(train_set))
    model = train([(w, prons[0]) for w, prons in train_set.items()])
    os.makedirs(os.path.dirname(RULES_PATH), exist_ok=True)
    tmp = RULES_PATH + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(model, f, sort_keys=True, separators=(',', ':'))
    os.replace(tmp, RULES_PATH)
    return model


_lts = None


def rules(log=None):
    global _lts
    if _lts is None:
        if os.path.exists(RULES_PATH):
            with open(RULES_PATH) as f:
                model = json.load(f)
        else:
            model = train_default(log)
        _lts = LetterToSound(model)
    return _lts


def pronounce(word, log=None):
    """([pron, ...], source): the dictionary's variants, else one from the rules."""
    w = word.lower()
    d = dictionary()
    if w in d:
        return d[w], 'dictionary'
    return [rules(log).predict(w)], 'rules'


def lexicon(log=None):
    """A lexicon for graph.compile_graph."""
    return lambda w: pronounce(w, log)[0]


# ---- evaluation ----
def _edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def evaluate(lts, held):
    """Word accuracy (any dictionary variant counts) and phone error rate (against the
    closest variant) of the rules on held-out words."""
    right = errors = total = 0
    for w, prons in held.items():
        hyp = lts.predict(w)
        dists = [(_edit_distance(hyp, p), len(p)) for p in prons]
        d, n = min(dists)
        right += d == 0
        errors += d
        total += n
    return {'words': len(held), 'word_accuracy': right / max(1, len(held)),
            'phone_error_rate': errors / max(1, total)}
