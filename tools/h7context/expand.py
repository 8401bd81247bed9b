"""What a grammar IR says: every phrase (capped), and its size without listing it.

A phrase is (intent, words, slots): the words spoken and the slot captures
{name: canonical value}. Counting uses the structure (products and sums), so a context with
millions of phrases is measured without enumerating it.
"""
import itertools

from .ir import vocabulary


def _options(el, slots):
    """The alternatives of one element, each a sequence (a slot: one per value)."""
    t = el['type']
    if t == 'word':
        return None
    if t == 'slot':
        return None
    opts = list(el['options'])
    if t == 'optional':
        opts = [[]] + opts
    return opts


def _walk(seq, slots):
    """Yields (words tuple, captures tuple) for every path through seq, in order."""
    if not seq:
        yield (), ()
        return
    head, rest = seq[0], seq[1:]
    t = head['type']
    if t == 'word':
        heads = [((head['word'],), ())]
    elif t == 'slot':
        heads = [(tuple(v['words']), ((head['name'], v['value']),))
                 for v in slots[head['slot_type']]['values']]
    else:
        heads = None
    if heads is not None:
        for hw, hc in heads:
            for rw, rc in _walk(rest, slots):
                yield hw + rw, hc + rc
        return
    for opt in _options(head, slots):
        for ow, oc in _walk(opt, slots):
            for rw, rc in _walk(rest, slots):
                yield ow + rw, oc + rc


def phrases(ir, limit=None):
    """Yields {'intent', 'words': [...], 'slots': {...}} for every path of every expression,
    intent by intent, expression by expression; at most `limit` (None: all). Paths that say
    the same words with the same meaning are given once."""
    seen = set()
    count = 0
    for intent in ir['intents']:
        for e in intent['expressions']:
            for words, caps in _walk(e['sequence'], ir['slots']):
                key = (intent['name'], words, caps)
                if key in seen:
                    continue
                seen.add(key)
                yield {'intent': intent['name'], 'words': list(words), 'slots': dict(caps)}
                count += 1
                if limit is not None and count >= limit:
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
    for ph in itertools.islice(phrases(ir), distinct_cap + 1):
        distinct.add(tuple(ph['words']))
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
    """Phrases (word sequences) that two intents both say, from the first `limit` phrases:
    [(words, intent a, intent b)], at most `report`. The decoder cannot tell such intents
    apart; the check warns about them."""
    first, out = {}, []
    for ph in phrases(ir, limit):
        key = tuple(ph['words'])
        owner = first.setdefault(key, ph['intent'])
        if owner != ph['intent']:
            out.append((list(key), owner, ph['intent']))
            first[key] = ph['intent']
            if len(out) >= report:
                break
    return out
