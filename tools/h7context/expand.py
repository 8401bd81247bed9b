"""What a grammar IR says: every phrase (capped), and its size without listing it.

A phrase is (intent, words, slots): the words spoken and the slot captures
{name: canonical value}. Counting uses the structure (products and sums), so a context with
millions of phrases is measured without enumerating it.
"""
import itertools

from .ir import vocabulary


def _element_paths(el, slots):
    """Every way to say one element: [(words tuple, captures tuple)]. Elements are small
    (a word, a slot's values, the flat phrases of a choice), so this list is too."""
    t = el['type']
    if t == 'word':
        return [((el['word'],), ())]
    if t == 'slot':
        return [(tuple(v['words']), ((el['name'], v['value']),))
                for v in slots[el['slot_type']]['values']]
    out = [((), ())] if t == 'optional' else []
    for option in el['options']:
        out.extend(_walk(option, slots))
    return out


def _walk(seq, slots):
    """Yields (words tuple, captures tuple) for every path through seq, in order (the
    product runs in C: one tuple join per phrase)."""
    chain = itertools.chain.from_iterable
    for combo in itertools.product(*[_element_paths(el, slots) for el in seq]):
        yield tuple(chain(c[0] for c in combo)), tuple(chain(c[1] for c in combo))


def _paths(ir):
    """(intent name, words tuple, captures tuple) of every path, duplicates included."""
    for intent in ir['intents']:
        for e in intent['expressions']:
            for words, caps in _walk(e['sequence'], ir['slots']):
                yield intent['name'], words, caps


def phrases(ir, limit=None):
    """Yields {'intent', 'words': [...], 'slots': {...}} for every path of every expression,
    intent by intent, expression by expression; at most `limit` (None: all). Paths that say
    the same words with the same meaning are given once."""
    seen = set()
    for key in _paths(ir):
        if key in seen:
            continue
        seen.add(key)
        yield {'intent': key[0], 'words': list(key[1]), 'slots': dict(key[2])}
        if limit is not None and len(seen) >= limit:
            return


def _count(seq, slots):
    """(paths, min words, max words) of a sequence."""
    paths, lo, hi = 1, 0, 0
    for el in seq:
        t = el['type']
        if t == 'word':
            p, a, b = 1, 1, 1
        elif t == 'slot':
            values = slots[el['slot_type']]['values']
            p = len(values)
            a = min(len(v['words']) for v in values)
            b = max(len(v['words']) for v in values)
        else:
            counts = [_count(o, slots) for o in el['options']]
            p = sum(c[0] for c in counts)
            a = min(c[1] for c in counts)
            b = max(c[2] for c in counts)
            if t == 'optional':
                p, a = p + 1, 0
        paths, lo, hi = paths * p, lo + a, hi + b
    return paths, lo, hi


def sample(ir, n, seed=0):
    """n phrases drawn uniformly over the paths of the grammar (with replacement), each
    {'intent', 'words', 'slots'}: test utterances that cover every intent in proportion to
    what it can say, the same for the same seed."""
    import random
    rng = random.Random(seed)
    slots = ir['slots']
    expressions = [(intent['name'], e['sequence']) for intent in ir['intents'] for e in intent['expressions']]
    weights = [_count(seq, slots)[0] for _, seq in expressions]

    def draw(seq, words, caps):
        for el in seq:
            t = el['type']
            if t == 'word':
                words.append(el['word'])
            elif t == 'slot':
                v = rng.choice(slots[el['slot_type']]['values'])
                words.extend(v['words'])
                caps[el['name']] = v['value']
            else:
                options = list(el['options'])
                w = [_count(o, slots)[0] for o in options]
                if t == 'optional':
                    options.append([])
                    w.append(1)
                draw(rng.choices(options, weights=w)[0], words, caps)

    out = []
    for _ in range(n):
        name, seq = rng.choices(expressions, weights=weights)[0]
        words, caps = [], {}
        draw(seq, words, caps)
        out.append({'intent': name, 'words': words, 'slots': caps})
    return out


def stats(ir, distinct_cap=100_000):
    """Size of the grammar: intents, expressions, paths (exact, by counting), distinct
    phrases (by enumeration up to distinct_cap; None past it), vocabulary, phrase lengths."""
    paths, lo, hi = 0, None, 0
    expressions = 0
    longest = None
    for intent in ir['intents']:
        for e in intent['expressions']:
            expressions += 1
            p, a, b = _count(e['sequence'], ir['slots'])
            paths += p
            lo = a if lo is None else min(lo, a)
            if b > hi:
                hi, longest = b, (intent['name'], e['line'])
    distinct = set()
    for _, words, _ in _paths(ir):
        distinct.add(words)
        if len(distinct) > distinct_cap:
            distinct = None
            break
    words = vocabulary(ir)
    return {'intents': len(ir['intents']), 'expressions': expressions,
            'slot_types': len(ir['slots']),
            'slot_values': sum(len(s['values']) for s in ir['slots'].values()),
            'paths': paths, 'distinct_phrases': None if distinct is None else len(distinct),
            'distinct_cap': distinct_cap,
            'vocabulary': len(words), 'shortest_words': lo, 'longest_words': hi,
            'longest_at': {'intent': longest[0], 'line': longest[1]} if longest else None}


def ambiguities(ir, limit=200_000, report=10):
    """Phrases (word sequences) that two intents both say, from the first `limit` paths:
    [(words, intent a, intent b)], at most `report`. The decoder cannot tell such intents
    apart; the check warns about them."""
    first, out = {}, []
    for intent, words, _ in itertools.islice(_paths(ir), limit):
        owner = first.setdefault(words, intent)
        if owner != intent:
            out.append((list(words), owner, intent))
            first[words] = intent
            if len(out) >= report:
                break
    return out
