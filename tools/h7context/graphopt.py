"""Smaller search graphs in the same format (firmware/speech/decoder/README.md): the
compiled graph is rewritten into one that accepts exactly the same weighted paths with
the same labels on them, with fewer nodes and arcs.

  1. intent end tags go (interpret() reads the intent from its start tag), and every slot
     end tag becomes the one label '/slot' (slots never nest, so the end of the open one is
     enough): then expressions of different intents, and references to different slots,
     can end in shared nodes;
  2. null nodes without a label that are cheaper as direct arcs are bypassed (in x out arcs
     instead of a 12-byte node and in + out arcs);
  3. nodes are merged while two are the same node (phone, flags, label) with the same arcs
     out (shared suffixes: the rest of every path through them is the same) or the same
     arcs in (shared prefixes: every path that reaches one reaches the other): this is the
     bisimulation quotient of the automaton in both directions, iterated to a fixed point.
     Viterbi over the merged graph keeps the better of two paths at a merged node, which
     is what it kept at their common continuation anyway, so recognition is unchanged;
  4. (share_slots) the references to one slot type share one copy of its values: every
     reference's start tag becomes the one open tag 'slot' and enters the first reference's
     values, and that copy's end branches into one close tag '/slot:<name>:<type>' per
     reference, continuing where that reference did (the name is chosen where the paths
     part, not where they meet: see _share_slots). This graph says more than the context
     (a path may enter the values from one expression and leave into another's
     continuation), so h7context.graph.interpret() checks every decoded path against the
     context and treats one that no expression says as not understood. A sharing that
     would close a loop (A ... B in one expression, B ... A in another) is not made;
  5. nodes are renumbered so null -> null arcs still go forward (the loader's rule), and
     labels nobody carries any more are dropped.
"""
import struct

NULL = 0xFF
NONE = 0xFFFF


def parse(data):
    """Graph bytes -> (nodes [[phone, flags, label]], arcs {node: {target: weight}},
    labels [(text, kind)])."""
    (_total, _hash, _count, name_len, n_nodes, n_arcs, n_labels, _n_nulls, _n_str,
     off_nodes, off_arcs, off_labels, _off_nulls, off_str) = struct.unpack_from('<IIHHIIIIIIIIII', data, 12)
    nodes, arcs = [], {}
    for i in range(n_nodes):
        phone, flags, label, first, count, _ = struct.unpack_from('<BBHIHH', data, off_nodes + 12 * i)
        nodes.append([phone, flags, label])
        out = {}
        for k in range(first, first + count):
            t, w = struct.unpack_from('<Hh', data, off_arcs + 4 * k)
            out[t] = max(w, out.get(t, -1 << 30))
        arcs[i] = out
    labels = []
    for i in range(n_labels):
        off, length, kind = struct.unpack_from('<IHH', data, off_labels + 8 * i)
        labels.append((data[off_str + off:off_str + off + length].decode(), kind))
    return nodes, arcs, labels


def _incoming(arcs):
    into = {n: {} for n in arcs}
    for a, out in arcs.items():
        for b, w in out.items():
            into[b][a] = w
    return into


def _relabel(nodes, labels, intent_at_end, named=()):
    index = {}
    for node in nodes:
        if node[2] == NONE:
            continue
        text, kind = labels[node[2]]
        if kind == 1 and text.startswith('intent:' if intent_at_end else '/intent:'):
            node[2] = NONE
            continue
        if kind == 1 and text.startswith('/intent:'):
            text = text[1:]
        if kind == 1 and text.startswith('/slot:') and node[2] not in named:
            text = '/slot'
        node[2] = index.setdefault((text, kind), len(index))
    return sorted(index, key=index.get)


def _bypass(nodes, arcs):
    """Removes unlabeled null nodes whose in x out arcs cost no more than the node."""
    into = _incoming(arcs)
    changed = True
    while changed:
        changed = False
        for z in list(arcs):
            if z == 0 or z not in arcs or nodes[z][0] != NULL or nodes[z][2] != NONE:
                continue
            ins, outs = into[z], arcs[z]
            if z in outs or len(ins) * len(outs) * 4 > 12 + 4 * (len(ins) + len(outs)):
                continue
            for a, wa in ins.items():
                del arcs[a][z]
                for b, wb in outs.items():
                    w = wa + wb
                    if w > arcs[a].get(b, -1 << 30):
                        arcs[a][b] = w
                        into[b][a] = w
            for b in outs:
                del into[b][z]
            del arcs[z], into[z]
            changed = True


def _topological(arcs):
    indeg = {n: 0 for n in arcs}
    for out in arcs.values():
        for b in out:
            indeg[b] += 1
    order = [n for n, d in indeg.items() if d == 0]
    for a in order:          # grows while it is read
        for b in arcs[a]:
            indeg[b] -= 1
            if indeg[b] == 0:
                order.append(b)
    if len(order) != len(arcs):
        raise ValueError('internal: the search graph has a loop')
    return order


def _merge(nodes, arcs, backward):
    """One sweep of merging in topological order (backward: same arcs in, prefixes) or its
    reverse (same arcs out, suffixes): a node's neighbours on that side are final before the
    node is looked at, so one sweep merges every layer. Returns how many nodes went."""
    into = _incoming(arcs)
    order = _topological(arcs)
    if not backward:
        order.reverse()
    side = into if backward else arcs
    canon, seen, gone = {}, {}, 0
    for n in order:
        if n == 0:
            canon[n] = n
            continue
        sig = (tuple(nodes[n]), tuple(sorted((canon[m], w) for m, w in side[n].items())))
        keep = seen.setdefault(sig, n)
        canon[n] = keep
        if keep != n:
            gone += 1
    if not gone:
        return 0
    merged = {}
    for a, out in arcs.items():
        ca = canon[a]
        dst = merged.setdefault(ca, {})
        for b, w in out.items():
            cb = canon[b]
            if w > dst.get(cb, -1 << 30):
                dst[cb] = w
    arcs.clear()
    arcs.update(merged)
    return gone


def _minimise(nodes, arcs):
    while _merge(nodes, arcs, False) + _merge(nodes, arcs, True):
        pass


def _order(nodes, arcs):
    """Node order with node 0 first and every null -> null arc forward."""
    import heapq
    indeg = {n: 0 for n in arcs}
    for a, out in arcs.items():
        for b in out:
            if nodes[a][0] == NULL and nodes[b][0] == NULL:
                indeg[b] += 1
    heap = [n for n, d in indeg.items() if d == 0]
    heapq.heapify(heap)
    order = []
    while heap:
        a = heapq.heappop(heap)
        order.append(a)
        if nodes[a][0] != NULL:
            continue
        for b in arcs[a]:
            if nodes[b][0] == NULL:
                indeg[b] -= 1
                if indeg[b] == 0:
                    heapq.heappush(heap, b)
    if len(order) != len(arcs) or order[0] != 0:
        raise ValueError('internal: the null nodes of the graph form a cycle')
    return order


def _has_cycle(arcs):
    colour = {}
    for root in arcs:
        if root in colour:
            continue
        stack = [(root, iter(arcs[root]))]
        colour[root] = 1
        while stack:
            n, it = stack[-1]
            for b in it:
                c = colour.get(b)
                if c == 1:
                    return True
                if c is None:
                    colour[b] = 1
                    stack.append((b, iter(arcs[b])))
                    break
            else:
                colour[n] = 2
                stack.pop()
    return False


def _region_end(nodes, arcs, start, closes):
    """The slot end tag reached from a slot start tag."""
    seen, stack = {start}, [start]
    while stack:
        n = stack.pop()
        for b in arcs[n]:
            if b in closes:
                return b
            if b not in seen:
                seen.add(b)
                stack.append(b)
    raise ValueError('internal: a slot start tag without its end tag')


def _reachable(arcs):
    seen, stack = {0}, [0]
    while stack:
        for b in arcs[stack.pop()]:
            if b not in seen:
                seen.add(b)
                stack.append(b)
    return seen


def _share_slots(nodes, arcs, labels):
    """The references to one slot type share one copy of its values. Each reference's start
    tag becomes the one open tag 'slot' (so references that begin at the same point merge
    into one node: nothing to choose there), and the copy's end branches into one close tag
    per reference, '/slot:<name>:<type>', that continues where that reference did: the slot's
    name is chosen where the paths part, after the values, not where they meet. Viterbi keeps
    one token per node inside the copy, so the history kept there is the best prefix into
    it; with named start tags two expressions with the same prefix ("set a timer for
    $minutes minutes" / "... $hours hours") tied there and the one kept could only leave
    into the other's continuation. Returns the label indices of the close tags (they keep
    their names). A sharing that would close a loop is not made (that reference keeps its
    own values and tags)."""
    closes = {n for n in arcs if nodes[n][2] != NONE and labels[nodes[n][2]][0].startswith('/slot:')}
    groups = {}
    for n in sorted(arcs):
        text, kind = labels[nodes[n][2]] if nodes[n][2] != NONE else ('', 0)
        if kind == 1 and text.startswith('slot:'):
            groups.setdefault(text.rpartition(':')[2], []).append(n)   # by slot type
    named, opened = {}, None

    def close_label(start):
        text = '/' + labels[nodes[start][2]][0]
        if text not in named:
            named[text] = len(labels)
            labels.append((text, 1))
        return named[text]

    for members in groups.values():
        if len(members) < 2:
            continue
        if opened is None:
            opened = len(labels)
            labels.append(('slot', 1))
        ends = {m: _region_end(nodes, arcs, m, closes) for m in members}
        keep = members[0]
        keep_end = ends[keep]
        values = dict(arcs[keep])
        # keep's end becomes the branch point: one close node per reference
        link = nodes[keep_end][1]                      # tags are LINK nodes: on the traceback
        nodes.append([NULL, link, close_label(keep)])
        c = len(nodes) - 1
        arcs[c] = dict(arcs[keep_end])
        arcs[keep_end] = {c: 0}
        nodes[keep_end][1:] = [0, NONE]
        nodes[keep][2] = opened
        for m in members[1:]:
            m_end = ends[m]
            trial = {a: dict(out) for a, out in arcs.items()}
            c = len(nodes)
            trial[c] = dict(trial[m_end])
            trial[keep_end][c] = 0
            trial[m] = dict(values)
            if _has_cycle(trial):
                continue
            nodes.append([NULL, link, close_label(m)])
            nodes[m][2] = opened
            arcs.clear()
            arcs.update(trial)
    live = _reachable(arcs)
    for n in list(arcs):
        if n not in live:
            del arcs[n]
    for out in arcs.values():
        for b in [b for b in out if b not in live]:
            del out[b]
    return set(named.values())


def optimise(data, share_slots=False, intent_at_end=False):
    """Graph bytes -> smaller graph bytes with the same weighted paths (see the module;
    share_slots: more paths, checked by interpret())."""
    from h7speech import graph as G
    nodes, arcs, labels = parse(data)
    named = _share_slots(nodes, arcs, labels) if share_slots else set()
    labels = _relabel(nodes, labels, intent_at_end, named)
    _bypass(nodes, arcs)
    _minimise(nodes, arcs)
    _bypass(nodes, arcs)
    _minimise(nodes, arcs)
    order = _order(nodes, arcs)
    index = {n: i for i, n in enumerate(order)}
    used = sorted({nodes[n][2] for n in order if nodes[n][2] != NONE})
    relabel = {old: new for new, old in enumerate(used)}
    out_nodes, out_arcs, nulls = [], [], []
    for n in order:
        phone, flags, label = nodes[n]
        first = len(out_arcs)
        for b in sorted(arcs[n], key=index.get):
            out_arcs.append((index[b], arcs[n][b]))
        out_nodes.append((phone, flags, relabel.get(label, NONE), first, len(arcs[n])))
        if phone == NULL:
            nulls.append(index[n])
    return G.serialize(out_nodes, out_arcs, nulls, [labels[i] for i in used])
