"""Grammar expressions -> the decoder's binary search graph (format: firmware/speech/decoder/README.md).

The building API is what later compilers (Rhino YAML contexts, wake phrases, alignment
transcripts) sit on:

    expr = Seq([Word('turn'), Alt([Word('on'), Word('off')]), Opt(Word('the')),
                Tag('slot:room', Alt([Word('kitchen'), Word('hall')]))])
    data = compile_graph(expr, lexicon)          # lexicon(word) -> [[phone, ...], ...]

Word(text) all pronunciations of a word; Seq, Alt (choices), Opt (optional), Tag(label, e)
marks e with a start label and a '/' end label (slots, intents); Sil() one silence. Each
construct is wired between non-emitting (null) nodes, which the compiler then removes
where they only pass through; the C loader validates the result.
"""
import struct
import zlib

from . import phones as P


class GraphError(ValueError):
    """A grammar that cannot be compiled (one line, naming the word or construct)."""


class Word:
    def __init__(self, text, prons=None):
        self.text, self.prons = text, prons


class Seq:
    def __init__(self, items):
        self.items = list(items)


class Alt:
    def __init__(self, items, weights=None):
        self.items = list(items)
        self.weights = weights


class Opt:
    def __init__(self, item, penalty=0.0):
        self.item, self.penalty = item, penalty


class Tag:
    def __init__(self, label, item):
        self.label, self.item = label, item


class Sil:
    pass


FINAL, LINK = 1, 2
NULL = 0xFF
HEADER = 64
MAGIC = b'H7SG'
VERSION = 1
SCORE_ONE = 256


class Builder:
    """Nodes and arcs of a graph under construction (node 0: the null start node)."""

    def __init__(self, lexicon=None, word_penalty=0.0):
        self.lexicon = lexicon
        self.word_penalty = word_penalty
        self.phone = [NULL]
        self.flags = [0]
        self.label = [None]
        self.arcs = [[]]         # per node: [target, weight (score units)]
        self.labels = {}         # (text, kind) -> index
        self.label_list = []

    def node(self, phone=NULL, label=None, kind=0, link=False):
        self.phone.append(phone)
        self.flags.append(LINK if (link or label is not None) else 0)
        self.label.append(None if label is None else self._label(label, kind))
        self.arcs.append([])
        return len(self.phone) - 1

    def _label(self, text, kind):
        key = (text, kind)
        if key not in self.labels:
            if len(text.encode()) > 0xFFFF:
                raise GraphError('label too long: %r' % text[:40])
            self.labels[key] = len(self.label_list)
            self.label_list.append(key)
        return self.labels[key]

    def arc(self, a, b, weight=0.0):
        self.arcs[a].append([b, int(round(weight * SCORE_ONE))])

    # ---- expressions, each wired from a null node; returns the null node it ends in ----
    def emit(self, e, src):
        if isinstance(e, Word):
            prons = e.prons if e.prons is not None else (self.lexicon(e.text) if self.lexicon else None)
            if not prons:
                raise GraphError('no pronunciation for word %r' % e.text)
            firsts, lasts = [], []
            for pron in prons:
                prev = None
                for i, ph in enumerate(pron):
                    if ph not in P.INDEX or ph == P.PHONES[P.BLANK]:
                        raise GraphError('word %r: %r is not a phone of %s' % (e.text, ph, P.NAME))
                    n = self.node(P.INDEX[ph], label=e.text if i == 0 else None)
                    if prev is None:
                        firsts.append(n)
                    else:
                        self.arc(prev, n)
                    prev = n
                if prev is None:
                    raise GraphError('word %r has an empty pronunciation' % e.text)
                lasts.append(prev)
            dst = self.node()
            for f in firsts:
                self.arc(src, f, self.word_penalty)
            for last in lasts:
                self.arc(last, dst)
            return dst
        if isinstance(e, Sil):
            n = self.node(P.SIL, link=True)
            self.arc(src, n)
            dst = self.node()
            self.arc(n, dst)
            return dst
        if isinstance(e, Seq):
            if not e.items:
                raise GraphError('empty sequence')
            for item in e.items:
                src = self.emit(item, src)
            return src
        if isinstance(e, Alt):
            if not e.items:
                raise GraphError('empty list of choices')
            ends = [self.emit(item, src) for item in e.items]
            dst = self.node()
            weights = e.weights or [0.0] * len(ends)
            for end, w in zip(ends, weights):
                self.arc(end, dst, w)
            return dst
        if isinstance(e, Opt):
            end = self.emit(e.item, src)
            dst = self.node()
            self.arc(src, dst, e.penalty)
            self.arc(end, dst)
            return dst
        if isinstance(e, Tag):
            start = self.node(label=e.label, kind=1)
            self.arc(src, start)
            end = self.emit(e.item, start)
            close = self.node(label='/' + e.label, kind=1)
            self.arc(end, close)
            return close
        raise GraphError('not a grammar expression: %r' % (e,))

    # ---- finishing ----
    def _finals(self, end):
        """Emitting nodes from which `end` is reached through null nodes only."""
        into = [[] for _ in self.phone]
        for a, arcs in enumerate(self.arcs):
            for b, _ in arcs:
                into[b].append(a)
        seen, stack, finals = {end}, [end], set()
        while stack:
            n = stack.pop()
            for a in into[n]:
                if a in seen:
                    continue
                seen.add(a)
                if self.phone[a] == NULL:
                    stack.append(a)
                else:
                    finals.add(a)
        if 0 in seen:
            raise GraphError('the grammar accepts empty input (everything in it is optional)')
        return finals

    def _bypass(self):
        """Removes unlabeled null nodes that only pass tokens through: one outgoing arc
        (incoming arcs are redirected) or one incoming arc (outgoing arcs move to the
        predecessor). Null-to-null arcs stay forward, as the loader requires."""
        removed = [False] * len(self.phone)
        into = [set() for _ in self.phone]
        for a, arcs in enumerate(self.arcs):
            for b, _ in arcs:
                into[b].add(a)
        changed = True
        while changed:
            changed = False
            for z in range(1, len(self.phone)):
                if removed[z] or self.phone[z] != NULL or self.label[z] is not None or z in into[z]:
                    continue
                outs = self.arcs[z]
                if len(outs) == 1:
                    x, w = outs[0]
                    for a in into[z]:
                        for arc in self.arcs[a]:
                            if arc[0] == z:
                                arc[0], arc[1] = x, arc[1] + w
                        into[x].add(a)
                    into[x].discard(z)
                elif len(into[z]) == 1:
                    (a,) = into[z]
                    w = max(arc[1] for arc in self.arcs[a] if arc[0] == z)
                    self.arcs[a] = [arc for arc in self.arcs[a] if arc[0] != z] + [[x, wx + w] for x, wx in outs]
                    for x, _ in outs:
                        into[x].discard(z)
                        into[x].add(a)
                elif not outs:
                    for a in into[z]:
                        self.arcs[a] = [arc for arc in self.arcs[a] if arc[0] != z]
                else:
                    continue
                into[z] = set()
                self.arcs[z] = []
                removed[z] = True
                changed = True
        return removed

    def build(self, end):
        finals = self._finals(end)
        for f in finals:
            self.flags[f] |= FINAL
        removed = self._bypass()
        keep = [n for n in range(len(self.phone)) if not removed[n]]
        index = {n: i for i, n in enumerate(keep)}
        if len(keep) > 0xFFFE:
            raise GraphError('graph has %d nodes; the format allows %d' % (len(keep), 0xFFFE))
        if len(self.label_list) > 0xFFFE:
            raise GraphError('graph has %d labels; the format allows %d' % (len(self.label_list), 0xFFFE))
        nodes, arcs, nulls = [], [], []
        for n in keep:
            merged = {}
            for b, w in self.arcs[n]:   # parallel arcs: keep the best
                if b in index and (index[b] not in merged or w > merged[index[b]]):
                    merged[index[b]] = w
            first = len(arcs)
            for b in sorted(merged):
                w = merged[b]
                if not -32768 <= w <= 32767:
                    raise GraphError('arc weight %.1f nats is out of range' % (w / SCORE_ONE))
                arcs.append((b, w))
            if len(merged) > 0xFFFF:
                raise GraphError('a node has %d arcs; the format allows 65535' % len(merged))
            label = 0xFFFF if self.label[n] is None else self.label[n]
            nodes.append((self.phone[n], self.flags[n], label, first, len(merged)))
            if self.phone[n] == NULL:
                nulls.append(index[n])
        return serialize(nodes, arcs, nulls, self.label_list)


def serialize(nodes, arcs, nulls, labels, phoneset=(P.NAME, P.HASH, P.COUNT)):
    """nodes: (phone, flags, label, first_arc, arc_count); arcs: (target, weight);
    nulls: indices of null nodes; labels: (text, kind). Returns the file's bytes."""
    name, phash, pcount = phoneset
    strings = bytearray(name.encode())
    words = []
    for text, kind in labels:
        b = text.encode()
        words.append((len(strings), len(b), kind))
        strings += b
    body = bytearray()

    def section(data):
        while len(body) % 4:
            body.append(0)
        off = HEADER + len(body)
        body.extend(data)
        return off

    off_nodes = section(b''.join(struct.pack('<BBHIHH', *n, 0) for n in nodes))
    off_arcs = section(b''.join(struct.pack('<Hh', *a) for a in arcs))
    off_words = section(b''.join(struct.pack('<IHH', *w) for w in words))
    off_nulls = section(b''.join(struct.pack('<H', z) for z in nulls))
    off_strings = section(bytes(strings))
    while len(body) % 4:
        body.append(0)
    total = HEADER + len(body)
    rest = struct.pack('<IIHHIIIIIIIIII', total, phash, pcount, len(name.encode()), len(nodes), len(arcs),
                       len(words), len(nulls), len(strings), off_nodes, off_arcs, off_words, off_nulls,
                       off_strings) + bytes(body)
    crc = zlib.crc32(rest) & 0xFFFFFFFF
    return MAGIC + struct.pack('<HHI', VERSION, HEADER, crc) + rest


def compile_graph(expr, lexicon=None, silence=True, word_penalty=0.0):
    """An expression -> graph bytes; silence=True adds optional silence before and after."""
    b = Builder(lexicon, word_penalty)
    if silence:
        expr = Seq([Opt(Sil()), expr, Opt(Sil())])
    end = b.emit(expr, 0)
    return b.build(end)


def phrase(text, between_silence=True):
    """'go forward' -> Seq of Words, with optional silence between words."""
    words = text.split()
    if not words:
        raise GraphError('empty phrase')
    items = []
    for i, w in enumerate(words):
        if i and between_silence:
            items.append(Opt(Sil()))
        items.append(Word(w))
    return Seq(items) if len(items) > 1 else items[0]


def word_list(phrases, between_silence=True):
    """Any one of the phrases (commands, wake phrases)."""
    return Alt([phrase(p, between_silence) for p in phrases])


def transcript(words):
    """Forced alignment: the words in order, optional silence between and around them."""
    return phrase(' '.join(words), between_silence=True)


def info(data):
    """Counts from a graph's header (for reports)."""
    (total, _h, _c, _n, nodes, arcs, words, nulls, strings) = struct.unpack_from('<IIHHIIIII', data, 12)
    return {'bytes': len(data), 'nodes': nodes, 'arcs': arcs, 'labels': words, 'null_nodes': nulls,
            'string_bytes': strings}


# ---- a small text grammar (one expression per line) ----
def parse_expression(line, slots=None, where='line'):
    """Words, [a, b] or [a | b] choices, (optional words), $type:name slot references
    (values from `slots`, a dict type -> [phrase, ...])."""
    toks, i = [], 0
    while i < len(line):
        c = line[i]
        if c.isspace():
            i += 1
        elif c in '[](),|':
            toks.append(c)
            i += 1
        else:
            j = i
            while j < len(line) and not line[j].isspace() and line[j] not in '[](),|':
                j += 1
            toks.append(line[i:j])
            i = j
    pos = [0]

    def seq(stop):
        items, alts = [], []
        while pos[0] < len(toks) and toks[pos[0]] not in stop:
            t = toks[pos[0]]
            pos[0] += 1
            if t == '[':
                items.append(choice())
            elif t == '(':
                inner = seq({')'})
                expect(')')
                items.append(Opt(inner))
            elif t in ('|', ','):
                if stop != {']', ',', '|'}:
                    raise GraphError('%s: %r outside [...]' % (where, t))
            elif t in (')', ']'):
                raise GraphError('%s: unbalanced %r' % (where, t))
            elif t.startswith('$'):
                items.append(slot(t))
            else:
                items.append(Word(t))
        if not items:
            raise GraphError('%s: empty expression or choice' % where)
        del alts
        return Seq(items) if len(items) > 1 else items[0]

    def expect(t):
        if pos[0] >= len(toks) or toks[pos[0]] != t:
            raise GraphError('%s: missing %r' % (where, t))
        pos[0] += 1

    def choice():
        options = [seq({']', ',', '|'})]
        while pos[0] < len(toks) and toks[pos[0]] in (',', '|'):
            pos[0] += 1
            options.append(seq({']', ',', '|'}))
        expect(']')
        return Alt(options)

    def slot(t):
        body = t[1:]
        kind, _, name = body.partition(':')
        if not kind or not name:
            raise GraphError('%s: slot reference %r must be $type:name' % (where, t))
        if not slots or kind not in slots:
            raise GraphError('%s: unknown slot type %r' % (where, kind))
        return Tag('slot:' + name, Alt([phrase(v, False) for v in slots[kind]]))

    e = seq(set())
    if pos[0] != len(toks):
        raise GraphError('%s: unexpected %r' % (where, toks[pos[0]]))
    return e


def parse_grammar(text):
    """Lines: `@type: value | value` slot values, `# comment`, otherwise one expression
    each (tagged expr:N, N counted from 0). Returns an Alt of the expressions."""
    slots, exprs = {}, []
    lines = text.splitlines()
    for n, raw in enumerate(lines, 1):
        line = raw.split('#', 1)[0].strip()
        if line.startswith('@'):
            kind, sep, values = line[1:].partition(':')
            vals = [v.strip() for v in values.split('|') if v.strip()]
            if not sep or not kind.strip() or not vals:
                raise GraphError('line %d: slot values are written  @type: value | value' % n)
            slots[kind.strip()] = vals
    for n, raw in enumerate(lines, 1):
        line = raw.split('#', 1)[0].strip()
        if line and not line.startswith('@'):
            exprs.append(Tag('expr:%d' % len(exprs), parse_expression(line, slots, 'line %d' % n)))
    if not exprs:
        raise GraphError('the grammar has no expressions')
    return Alt(exprs)


def interpret(segments):
    """Word/tag segments of a decoded path -> {'words': [...], 'expression': N or None,
    'slots': {name: 'words'}}."""
    words, slots, open_slots, expr = [], {}, [], None
    for s in segments:
        w = s['word']
        if w is None:
            continue
        if s['phone'] is None:   # a tag
            if w.startswith('expr:'):
                expr = int(w[5:])
            elif w.startswith('slot:'):
                open_slots.append((w[5:], len(words)))
            elif w.startswith('/slot:') and open_slots:
                name, at = open_slots.pop()
                slots[name] = ' '.join(words[at:])
            continue
        words.append(w)
    return {'words': words, 'expression': expr, 'slots': slots}
