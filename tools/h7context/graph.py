"""Grammar IR -> the decoder library's search graph (tools/h7speech, issue 13), and a decoded
path back to {intent, slots}.

The graph is h7speech's building API (Word, Seq, Alt, Opt, Tag, Sil) compiled by
h7speech.graph.compile_graph with h7speech.g2p's lexicon; the C loader validates the bytes.
What this module decides:
  - labels: each intent is wrapped in Tag('intent:<name>'), each slot reference in
    Tag('slot:<name>:<type>'), so a path names its intent, and each slot's words map back
    to the canonical value through the IR's value table of that type;
  - optional silence between the words of a phrase (people pause), and around the whole
    utterance (compile_graph's silence=True);
  - word lists are factored before they become graph: the values of a slot and the phrases
    of a choice share prefixes, and first words with the same continuations share them
    ("twenty|thirty|... (one|two|...)"), so Rhino's 100 two-digit numbers are 37 words,
    not 190, each time a context refers to them.
"""
import json

from .parser import ContextError

INTENT_TAG = 'intent:'
SLOT_TAG = 'slot:'


def _h7speech():
    try:
        from h7speech import graph as G
    except ImportError as err:
        raise ContextError(f'the search graph needs the decoder library (tools/h7speech, issue 13): {err}')
    return G


def _join(G, items, silence):
    """Seq of items with an optional silence between neighbours."""
    out = []
    for item in items:
        if out and silence:
            out.append(G.Opt(G.Sil()))
        out.append(item)
    return out[0] if len(out) == 1 else G.Seq(out)


def factor(G, phrases, silence=True):
    """Any one of the word tuples in `phrases` (a non-empty list, may hold ()) as a graph
    expression with shared prefixes and shared continuations."""
    unique = list(dict.fromkeys(tuple(p) for p in phrases))
    empty = () in unique
    by_first = {}
    for p in unique:
        if p:
            by_first.setdefault(p[0], []).append(p[1:])
    groups = {}
    for word, rests in by_first.items():
        groups.setdefault(frozenset(rests), []).append(word)
    alts = []
    for rests, words in groups.items():
        head = G.Word(words[0]) if len(words) == 1 else G.Alt([G.Word(w) for w in words])
        if rests == frozenset([()]):
            alts.append(head)
        else:
            order = [r for r in by_first[words[0]]]  # the first word's order, for stable output
            alts.append(_join(G, [head, factor(G, order, silence)], silence))
    if not alts:
        raise ContextError('internal: an empty word list reached the graph')
    expr = alts[0] if len(alts) == 1 else G.Alt(alts)
    return G.Opt(expr) if empty else expr


def _words_only(seq):
    return all(el['type'] == 'word' for el in seq)


def _key(el):
    return json.dumps(el, sort_keys=True)


def _alternatives(G, seqs, ir, silence):
    """Any one of several element sequences (an intent's expressions, a choice's options),
    with common first elements shared and then common last elements: expressions that all
    begin with "(@polite)" say it once."""
    seqs = list({tuple(_key(e) for e in s): s for s in seqs}.values())
    if len(seqs) == 1:
        return _sequence(G, seqs[0], ir, silence)
    for at in (0, -1):
        groups = {}
        for s in seqs:
            groups.setdefault(_key(s[at]), []).append(s)
        if len(groups) == len(seqs):
            continue  # nothing shared at this end
        alts = []
        for members in groups.values():
            edge = members[0][at]
            rests = [m[1:] if at == 0 else m[:-1] for m in members]
            if len(members) == 1:
                alts.append(_sequence(G, members[0], ir, silence))
                continue
            nonempty = [r for r in rests if r]
            if not nonempty:
                alts.append(_sequence(G, [edge], ir, silence))
                continue
            tail = _alternatives(G, nonempty, ir, silence)
            if len(nonempty) < len(rests):
                tail = G.Opt(tail)
            pair = [_sequence(G, [edge], ir, silence), tail]
            alts.append(_join(G, pair if at == 0 else pair[::-1], silence))
        return alts[0] if len(alts) == 1 else G.Alt(alts)
    lowered = [_sequence(G, s, ir, silence) for s in seqs]
    return G.Alt(lowered)


def _sequence(G, seq, ir, silence):
    items = []
    for el in seq:
        t = el['type']
        if t == 'word':
            items.append(G.Word(el['word']))
        elif t == 'slot':
            values = ir['slots'][el['slot_type']]['values']
            body = factor(G, [v['words'] for v in values], silence)
            items.append(G.Tag(f"{SLOT_TAG}{el['name']}:{el['slot_type']}", body))
        else:
            options = el['options']
            if all(_words_only(o) for o in options):
                body = factor(G, [[w['word'] for w in o] for o in options], silence)
            else:
                body = _alternatives(G, options, ir, silence)
            items.append(G.Opt(body) if t == 'optional' else body)
    return _join(G, items, silence)


def to_graph(ir, silence=True):
    """The IR as an h7speech grammar expression: Alt over Tag('intent:<name>', Alt over its
    expressions)."""
    from .ir import check
    check(ir)
    G = _h7speech()
    intents = []
    for intent in ir['intents']:
        body = _alternatives(G, [e['sequence'] for e in intent['expressions']], ir, silence)
        intents.append(G.Tag(INTENT_TAG + intent['name'], body))
    return intents[0] if len(intents) == 1 else G.Alt(intents)


FLASH_BUDGET = 32 * 1024   # issue 16: a 50-expression context in <= 32 KB of flash


def compile_ir(ir, lexicon=None, log=None, silence=True, optimise=True, flash_budget=FLASH_BUDGET):
    """(graph bytes, info) for a grammar IR: G2P for every word (h7speech.g2p unless a
    lexicon is given), compiled, made small (graphopt: shared prefixes and suffixes, exact;
    if that is still over flash_budget bytes, also one copy of each slot type's values,
    whose extra paths interpret() refuses; optimise=False keeps the plain lowering), then loaded
    by the C library to validate it. info holds the graph's counts and the words
    pronounced by letter-to-sound rules."""
    G = _h7speech()
    from h7speech import g2p
    from h7speech import decoder
    guessed = []
    if lexicon is None:
        def lexicon(word):
            prons, source = g2p.pronounce(word, log)
            if source != 'dictionary':
                guessed.append(word)
            return prons
    try:
        data = G.compile_graph(to_graph(ir, silence), lexicon, silence=silence)
        if optimise:
            from .graphopt import optimise as shrink
            exact = shrink(data, share_slots=False, intent_at_end=True)
            data = exact if len(exact) <= flash_budget else shrink(data, share_slots=True, intent_at_end=True)
        decoder.LoadedGraph(data)
    except (G.GraphError, g2p.G2PError, decoder.DecoderError) as err:
        raise ContextError(f'graph: {err}', ir.get('source'))
    info = G.info(data)
    info['shared_slots'] = bool(optimise) and len(exact) > flash_budget
    info['guessed'] = sorted(set(guessed))
    return data, info


def interpret(segments, ir, data):
    """Segments of a decoded path (h7speech.decoder.Decoder.best) over graph `data` compiled
    from `ir` -> {'intent': name or None, 'slots': {name: canonical value}, 'words': [...]},
    read by the commands image's C (cmd_interpret over the context table, table.py): a path
    no expression says (possible in a graph whose slot values are shared, graphopt) or a slot
    holding no value of its type is not understood (intent None); the intent is the one
    whose expression says the words."""
    import ctypes

    from h7speech import decoder, phones

    from . import table
    from .graphopt import parse
    labels = {lab: i for i, lab in enumerate(parse(data)[2])}
    segs = (decoder.Segment * max(1, len(segments)))()
    words = []
    for k, s in enumerate(segments):
        tag = s.get('phone') is None
        label = s.get('word')
        index = decoder.NONE if label is None else labels.get((label, 1 if tag else 0))
        if index is None:
            raise ContextError(f'internal: {label!r} is not a label of the graph')
        segs[k].word = index
        segs[k].phone = 0xFF if tag else phones.INDEX[s['phone']]
        segs[k].start, segs[k].end = s.get('start', 0), s.get('end', 0)
        if not tag and label is not None:
            words.append(label)
    tab = table.build(ir, data)
    out, msg = ctypes.create_string_buffer(1024), ctypes.create_string_buffer(256)
    if table.commands_library().cmd_host_interpret(data, len(data), tab, len(tab), segs, len(segments), out, 1024,
                                                   msg, 256) == -2:
        raise ContextError(f'internal: {msg.value.decode()}')
    event = json.loads(out.value.decode())
    return {'intent': event['intent'], 'slots': event['slots'], 'words': words}
