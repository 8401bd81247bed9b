"""The context table: what turns a decoded path into {intent, slots}, for the C reader
(firmware/apps/commands/commands_intent.c, used by the board image and, through its host
build, by h7voice intent), so the meaning of a path is decided by one implementation.

A decoded path is read as tokens: each word (a graph word label) outside a slot, and one
token per slot (its start tag label 'slot:<name>:<type>'; the words up to the '/slot' tag
are its value; where graphopt shares a slot type's values, the start is the open tag 'slot'
and the close '/slot:<name>:<type>' names the slot and is its token). The table holds
  - a deterministic automaton over those tokens (subset construction over the context's
    expressions): a path is understood iff the automaton accepts it, and the intent is the
    first intent (context order) one of whose expressions says it. This is also what keeps
    the shared-slot graphs of graphopt honest (their extra paths are not accepted);
  - each slot type's values: spoken words -> the canonical value reported;
  - the intent names.

Format (little-endian, 4-byte aligned sections; offsets from the start):
   0  magic 'H7CT', u16 version (1), u16 header bytes (32)
   8  u32 total bytes, u32 FNV-1a of the graph bytes it goes with
  16  u16 states, u16 intents, u16 slot types, u16 values, u32 transitions, u32 string bytes
  state (8 B): u32 first transition, u16 transition count, u16 intent accepted (0xFFFF none)
  transition (4 B): u16 token (graph label index), u16 next state; sorted by token per state
  intent (4 B): u32 string offset of its name (strings are NUL-terminated)
  slot type (8 B): u32 name offset, u16 first value, u16 value count
  value (8 B): u32 spoken words offset, u32 canonical value offset
  then the strings. State 0 is the start.
"""
import struct

from .graphopt import parse as parse_graph

MAGIC = b'H7CT'
VERSION = 1
HEADER = 32
NONE = 0xFFFF


def fnv1a(data):
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


class _NFA:
    def __init__(self):
        self.eps, self.edges, self.accept = [[]], [[]], {}

    def state(self):
        self.eps.append([])
        self.edges.append([])
        return len(self.eps) - 1

    def seq(self, seq, start, token):
        cur = start
        for el in seq:
            t = el['type']
            if t in ('word', 'slot'):
                nxt = self.state()
                self.edges[cur].append((token(el), nxt))
                cur = nxt
            else:
                end = self.state()
                if t == 'optional':
                    self.eps[cur].append(end)
                for option in el['options']:
                    self.eps[self.seq(option, cur, token)].append(end)
                cur = end
        return cur


def automaton(ir, token):
    """(states [(transitions {token: next}, intent index or None)]) of the token DFA."""
    nfa = _NFA()
    for k, intent in enumerate(ir['intents']):
        for e in intent['expressions']:
            end = nfa.seq(e['sequence'], 0, token)
            nfa.accept.setdefault(end, k)
            nfa.accept[end] = min(nfa.accept[end], k)

    def closure(states):
        stack, seen = list(states), set(states)
        while stack:
            for b in nfa.eps[stack.pop()]:
                if b not in seen:
                    seen.add(b)
                    stack.append(b)
        return frozenset(seen)

    start = closure([0])
    index, todo, dfa = {start: 0}, [start], []
    while todo:
        cur = todo.pop(0)
        moves = {}
        for s in cur:
            for tok, b in nfa.edges[s]:
                moves.setdefault(tok, set()).add(b)
        trans = {}
        for tok, targets in moves.items():
            nxt = closure(targets)
            if nxt not in index:
                index[nxt] = len(index)
                todo.append(nxt)
            trans[tok] = index[nxt]
        accepted = [nfa.accept[s] for s in cur if s in nfa.accept]
        dfa.append((trans, min(accepted) if accepted else None))
    return _minimise(dfa)


def _minimise(dfa):
    """Moore's partition refinement (the automata are small); state 0 stays the start."""
    block = [d[1] for d in dfa]
    while True:
        sig = [(block[i], tuple(sorted((t, block[n]) for t, n in d[0].items()))) for i, d in enumerate(dfa)]
        ids = {}
        new = [ids.setdefault(s, len(ids)) for s in sig]
        if len(ids) == len(set(block)):
            break
        block = new
    order = {}
    for i in range(len(dfa)):
        order.setdefault(block[i], len(order))
    out = [None] * len(order)
    for i, d in enumerate(dfa):
        if out[order[block[i]]] is None:
            out[order[block[i]]] = ({t: order[block[n]] for t, n in d[0].items()}, d[1])
    return out


def build(ir, graph_bytes):
    """The table (bytes) for a context and the graph compiled from it (h7context.graph)."""
    _nodes, _arcs, labels = parse_graph(graph_bytes)
    index = {lab: i for i, lab in enumerate(labels)}

    def token(el):
        key = (el['word'], 0) if el['type'] == 'word' else (f"slot:{el['name']}:{el['slot_type']}", 1)
        if key[1] and key not in index:   # a shared slot type names its references at the close
            key = ('/' + key[0], 1)           # (graphopt._share_slots; cmd_interpret's same rule)
        if key not in index:
            raise ValueError(f'internal: {key[0]!r} is not a label of the graph')
        return index[key]

    states = automaton(ir, token)
    strings = bytearray()
    offsets = {}

    def string(s):
        if s not in offsets:
            offsets[s] = len(strings)
            strings.extend(s.encode() + b'\0')
        return offsets[s]

    intents = [string(i['name']) for i in ir['intents']]
    types, values = [], []
    for name, slot in ir['slots'].items():
        types.append((string(name), len(values), len(slot['values'])))
        for v in slot['values']:
            values.append((string(' '.join(v['words'])), string(v['value'])))
    trans, recs = [], []
    for tr, intent in states:
        recs.append((len(trans), len(tr), NONE if intent is None else intent))
        trans.extend(sorted(tr.items()))
    for what, n in (('states', len(recs)), ('intents', len(intents)), ('slot values', len(values)),
                    ('slot types', len(types))):
        if n > 0xFFFE:
            raise ValueError(f'the context has {n} {what}; the table allows 65534')
    body = b''.join(struct.pack('<IHH', *r) for r in recs)
    body += b''.join(struct.pack('<HH', *t) for t in trans)
    body += b''.join(struct.pack('<I', s) for s in intents)
    body += b''.join(struct.pack('<IHH', *t) for t in types)
    body += b''.join(struct.pack('<II', *v) for v in values)
    body += bytes(strings)
    body += b'\0' * (-len(body) % 4)
    total = HEADER + len(body)
    head = MAGIC + struct.pack('<HHIIHHHHII', VERSION, HEADER, total, fnv1a(graph_bytes), len(recs),
                               len(intents), len(types), len(values), len(trans), len(strings))
    return head + b'\0' * (HEADER - len(head)) + body


COMMANDS_LIB = 'firmware/apps/commands/libh7commands.so'


def commands_library():
    """The commands image's C (firmware/apps/commands, host build): the one reader of this
    table (cmd_interpret) and the decision (cmd_decide)."""
    import ctypes as c

    from h7speech.decoder import Segment
    from h7voice import native
    return native.load(COMMANDS_LIB, {
        'cmd_host_decode': (c.c_int, [c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.c_void_p, c.c_int,
                                      c.c_int, c.c_int32, c.c_int32, c.c_uint16, c.c_uint16, c.c_int32, c.c_char_p,
                                      c.c_size_t, c.c_char_p, c.c_size_t]),
        'cmd_host_listen': (c.c_int, [c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t,
                                      c.c_void_p, c.c_void_p, c.c_int, c.c_int, c.c_int32, c.c_int32, c.c_uint16,
                                      c.c_uint16, c.c_int32, c.c_int32, c.c_int32, c.c_int32, c.c_int32, c.c_int32,
                                      c.c_uint32, c.c_uint32, c.c_uint32, c.c_char_p,
                                      c.c_size_t, c.c_char_p, c.c_size_t]),
        'cmd_host_spot': (c.c_int, [c.c_char_p, c.c_size_t, c.c_void_p, c.c_int, c.c_int, c.c_int32, c.c_int32,
                                    c.c_int32, c.c_int32, c.c_int32, c.c_int, c.c_void_p, c.c_int, c.c_char_p,
                                    c.c_size_t]),
        'cmd_host_interpret': (c.c_int, [c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t, c.POINTER(Segment),
                                         c.c_int, c.c_char_p, c.c_size_t, c.c_char_p, c.c_size_t]),
    })
