"""Picovoice Rhino's YAML context format -> the h7context grammar IR.

The YAML is read with PyYAML's composer (nodes with positions, nothing constructed), so every
error names the file, line and column, and YAML 1.1's surprises stay text: a slot value
`on`, `off`, `yes` or `21` is the word as written, never a boolean or an integer.

Expression syntax (Rhino's, README "Supported subset"):
    words                 turn on the lights
    [a, b c, ...]         a choice: one of the phrases
    (a, b c, ...)         optional: nothing or one of the phrases
    $type:name            a slot: one value of slot type `type`, captured as `name`
    $pv.TwoDigitInteger:n Rhino's built-in number slots (see BUILTIN_SLOTS)
    @macro                one phrase of the macro's list (context: macros:)
Inside [ ] and ( ) each phrase is words, slots and macros; brackets do not nest (Rhino's
console refuses nesting too).
"""
import re

import yaml

from . import normalize
from .ir import IR_FORMAT, IR_VERSION

TOP_KEYS = ('context',)
CONTEXT_KEYS = ('expressions', 'slots', 'macros')
_NAME = re.compile(r'[A-Za-z][A-Za-z0-9_]*\Z')
_SLOT_REF = re.compile(r'\$([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)?)(?::([A-Za-z][A-Za-z0-9_]*))?')
_MACRO_REF = re.compile(r'@([A-Za-z][A-Za-z0-9_]*)')
_STRUCT = '[](),'
# Bounds on what one bracket or macro can expand to (the enumerator lists each bracket's
# phrases; macros inside macros multiply): far above any real context, far below a crash.
MAX_BRACKET_PHRASES = 10_000
MAX_EXPRESSION_ELEMENTS = 20_000
MAX_MACRO_DEPTH = 16


class ContextError(ValueError):
    """A context that cannot be compiled: one line, 'file:line:column: what is wrong'."""

    def __init__(self, message, path=None, line=None, column=None):
        self.message, self.path, self.line, self.column = message, path, line, column
        where = path or '<context>'
        if line is not None:
            where += f':{line}'
            if column is not None:
                where += f':{column}'
        super().__init__(f'{where}: {message}')


# ---- Rhino's built-in slots ("$pv.<Type>:name"): value phrases made here ----------------

def _builtin_values(kind):
    if kind == 'pv.SingleDigitInteger':
        return [(normalize.cardinal(n), str(n)) for n in range(10)]
    if kind == 'pv.TwoDigitInteger':
        return [(normalize.cardinal(n), str(n)) for n in range(100)]
    if kind == 'pv.SingleDigitOrdinal':
        return [(normalize.ordinal(n), f'{n}{normalize.ordinal_suffix(n)}') for n in range(1, 10)]
    if kind == 'pv.TwoDigitOrdinal':
        return [(normalize.ordinal(n), f'{n}{normalize.ordinal_suffix(n)}') for n in range(1, 100)]
    if kind == 'pv.Percent':
        return [(normalize.cardinal(n) + ['percent'], f'{n}%') for n in range(101)]
    return None


BUILTIN_SLOTS = ('pv.SingleDigitInteger', 'pv.TwoDigitInteger', 'pv.SingleDigitOrdinal',
                 'pv.TwoDigitOrdinal', 'pv.Percent')


# ---- positions --------------------------------------------------------------------------

class _Source:
    """The file's text and name; maps a scalar node's characters back to (line, column)."""

    def __init__(self, text, path):
        self.text, self.path = text, path

    def error(self, message, node=None, offset=None):
        if node is None:
            return ContextError(message, self.path)
        line, column = self.position(node, offset)
        return ContextError(message, self.path, line, column)

    def position(self, node, offset=None):
        start = node.start_mark
        if offset is None:
            return start.line + 1, start.column + 1
        where = self._char_map(node)
        if where is None or offset >= len(where):
            return start.line + 1, start.column + 1
        return where[offset]

    def _char_map(self, node):
        """(line, column) of each character of node.value, when the source can be followed
        (plain or quoted scalars without escapes, folded over lines); None otherwise."""
        if not isinstance(node, yaml.ScalarNode) or node.style not in (None, "'", '"'):
            return None
        raw = self.text[node.start_mark.index:node.end_mark.index]
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if node.style:
            if len(raw) < 2 or '\\' in raw or "''" in raw:
                return None
            raw, column = raw[1:-1], column + 1
        chars = []  # (char, line, column) of the text as YAML folds it
        for n, piece in enumerate(raw.split('\n')):
            lead = 0 if n == 0 else len(piece) - len(piece.lstrip(' \t'))
            body = piece[lead:].rstrip(' \t')
            if n > 0:
                if not body:
                    return None  # a blank line folds to a newline: not followed
                chars.append((' ', line, 1 + lead))
                column = 1 + lead
            for c in body:
                chars.append((c, line, column))
                column += 1
            line += 1
        if ''.join(c for c, _, _ in chars) != node.value:
            return None
        return [(ln, col) for _, ln, col in chars]


# ---- YAML structure ---------------------------------------------------------------------

def _text(src, node, what):
    if not isinstance(node, yaml.ScalarNode):
        raise src.error(f'{what} must be text, not a {_kind(node)}', node)
    return node.value


def _kind(node):
    return {yaml.MappingNode: 'mapping', yaml.SequenceNode: 'list',
            yaml.ScalarNode: 'scalar'}.get(type(node), type(node).__name__)


def _mapping(src, node, what, allowed=None):
    """[(key text, key node, value node)] of a mapping node; refuses duplicates and (with
    allowed) unknown keys, naming both lines."""
    if not isinstance(node, yaml.MappingNode):
        if isinstance(node, yaml.ScalarNode) and node.value == '':
            raise src.error(f'{what} is empty', node)
        raise src.error(f'{what} must be a mapping (key: value), not a {_kind(node)}', node)
    seen, out = {}, []
    for key_node, value_node in node.value:
        key = _text(src, key_node, f'a key of {what}')
        if key == '<<':
            raise src.error(f"YAML merge keys ('<<') are not supported in {what}", key_node)
        if allowed is not None and key not in allowed:
            raise src.error(f"unknown key '{key}' in {what} (expected: {', '.join(allowed)})", key_node)
        if key in seen:
            raise src.error(f"'{key}' is defined twice in {what} (first on line {seen[key]})", key_node)
        seen[key] = key_node.start_mark.line + 1
        out.append((key, key_node, value_node))
    return out


def _list(src, node, what, empty):
    """The items of a list node; `empty` is the message for an empty or missing list."""
    if isinstance(node, yaml.ScalarNode) and node.value == '' and node.tag.endswith(':null'):
        raise src.error(empty, node)
    if not isinstance(node, yaml.SequenceNode):
        raise src.error(f'{what} must be a list (- item), not a {_kind(node)}', node)
    if not node.value:
        raise src.error(empty, node)
    return node.value


def _name(src, key, key_node, what):
    if not _NAME.match(key):
        raise src.error(f"{what} '{key}' must be a name: a letter, then letters, digits or _", key_node)
    return key


# ---- expression text --------------------------------------------------------------------

def _tokens(src, node, text):
    """[(kind, value, offset)]: kind in '[](),' (value the char), 'word' (written token),
    'slot' ((type, name)), 'macro' (name)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in _STRUCT:
            out.append((c, c, i))
            i += 1
        elif c == '$':
            m = _SLOT_REF.match(text, i)
            end = m.end() if m else i + 1
            if not m or not m.group(2) or (end < n and not (text[end].isspace() or text[end] in _STRUCT)):
                bad = re.match(r'[^\s\[\](),]*', text[i:]).group(0)
                raise src.error(f"slot reference '{bad}' must be $slotType:slotName "
                                f"(letters, digits, _; e.g. $color:color)", node, i)
            out.append(('slot', (m.group(1), m.group(2)), i))
            i = end
        elif c == '@':
            m = _MACRO_REF.match(text, i)
            end = m.end() if m else i + 1
            if not m or (end < n and not (text[end].isspace() or text[end] in _STRUCT)):
                bad = re.match(r'[^\s\[\](),]*', text[i:]).group(0)
                raise src.error(f"macro reference '{bad}' must be @macroName", node, i)
            out.append(('macro', m.group(1), i))
            i = end
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _STRUCT:
                j += 1
            out.append(('word', text[i:j], i))
            i = j
    return out


class _Context:
    def __init__(self, src):
        self.src = src
        self.slots = {}        # type -> {'line', 'values': [...], 'builtin', 'node'}
        self.macros = {}       # name -> (key node, [value nodes])
        self.used_slots = set()
        self.used_macros = set()
        self._macro_cache = {}
        self._expanding = []
        self._sizes = {}       # id(options list) -> (paths, elements): macros are shared lists

    def word_elements(self, node, token, offset):
        try:
            spoken = normalize.words(token)
        except normalize.NormalizeError as err:
            raise self.src.error(str(err), node, offset)
        return [{'type': 'word', 'word': w} for w in spoken]

    def slot_element(self, node, ref, offset):
        kind, name = ref
        if kind not in self.slots:
            if kind.startswith('pv.'):
                values = _builtin_values(kind)
                if values is None:
                    raise self.src.error(f"built-in slot '${kind}' is not supported (supported: "
                                         f"{', '.join('$' + b for b in BUILTIN_SLOTS)})", node, offset)
                self.slots[kind] = {'line': None, 'builtin': True,
                                    'values': [{'words': w, 'value': v} for w, v in values]}
            else:
                known = ', '.join(sorted(k for k in self.slots if not k.startswith('pv.'))) or 'none defined'
                raise self.src.error(f"unknown slot type '{kind}' in '${kind}:{name}' "
                                     f"(slots: {known})", node, offset)
        self.used_slots.add(kind)
        return {'type': 'slot', 'slot_type': kind, 'name': name}

    def macro_options(self, node, name, offset):
        """The macro's phrases as alternatives (each a sequence of elements)."""
        if name not in self.macros:
            known = ', '.join(sorted(self.macros)) or 'none defined'
            raise self.src.error(f"unknown macro '@{name}' (macros: {known})", node, offset)
        if name in self._expanding:
            chain = ' -> '.join('@' + m for m in self._expanding + [name])
            raise self.src.error(f'macro refers to itself: {chain}', node, offset)
        if len(self._expanding) >= MAX_MACRO_DEPTH:
            raise self.src.error(f'macros nested more than {MAX_MACRO_DEPTH} deep (at @{name})', node, offset)
        self.used_macros.add(name)
        if name not in self._macro_cache:
            self._expanding.append(name)
            try:
                key_node, value_nodes = self.macros[name]
                options = []
                for vn in value_nodes:
                    text = _text(self.src, vn, f"a phrase of macro '{name}'")
                    seq = self.phrase(vn, _tokens(self.src, vn, text), f"macro '{name}'")
                    options.append(seq)
                self.bounded(node, [{'type': 'choice', 'options': options}], offset, f"macro '@{name}'")
                self._macro_cache[name] = options
            finally:
                self._expanding.pop()
        return self._macro_cache[name]

    def phrase(self, node, tokens, where):
        """A flat phrase (macro value / alternative): words, slots, macros; no brackets."""
        seq = []
        for kind, value, offset in tokens:
            if kind in _STRUCT:
                raise self.src.error(f"'{value}' in {where}: phrases of a macro are words, slots "
                                     f"and macros only", node, offset)
            seq.extend(self.atom(node, kind, value, offset))
        if not seq:
            raise self.src.error(f'empty phrase in {where}', node)
        return seq

    def atom(self, node, kind, value, offset):
        if kind == 'word':
            return self.word_elements(node, value, offset)
        if kind == 'slot':
            return [self.slot_element(node, value, offset)]
        options = self.macro_options(node, value, offset)
        return [{'type': 'choice', 'macro': value, 'options': options}]

    def expression(self, node, text):
        """Parses one expression string into a sequence of elements."""
        tokens = _tokens(self.src, node, text)
        seq, i = [], 0
        while i < len(tokens):
            kind, value, offset = tokens[i]
            if kind in '[(':
                i, element = self.bracket(node, tokens, i)
                seq.append(element)
                continue
            if kind in '])':
                raise self.src.error(f"'{kind}' without its opening bracket", node, offset)
            if kind == ',':
                raise self.src.error("',' outside [ ] or ( ): commas separate the phrases of a choice "
                                     "or an optional", node, offset)
            seq.extend(self.atom(node, kind, value, offset))
            i += 1
        if not seq:
            raise self.src.error('empty expression', node)
        if _size(seq, self.slots, self._sizes)[1] > MAX_EXPRESSION_ELEMENTS:
            raise self.src.error(f'the expression expands to more than {MAX_EXPRESSION_ELEMENTS:,} words, '
                                 f'slots and brackets: macros inside macros?', node)
        if _min_words(seq, self.slots) == 0:
            raise self.src.error('the expression can match nothing at all (every part is optional); '
                                 'an expression needs at least one word that must be said', node)
        _check_slot_names(self.src, node, seq)
        return seq

    def bracket(self, node, tokens, i):
        """tokens[i] opens [ or (: (index after the closing bracket, the element)."""
        kind, _, offset = tokens[i]
        close = ']' if kind == '[' else ')'
        what = 'choice' if kind == '[' else 'optional'
        alternatives, current, j = [], [], i + 1
        while True:
            if j >= len(tokens):
                raise self.src.error(f"'{kind}' is not closed (expected '{close}')", node, offset)
            k2, v2, o2 = tokens[j]
            if k2 in (',', close):
                if not current:
                    raise self.src.error(f"empty phrase in a {what} {kind}...{close}", node, o2)
                alternatives.append(current)
                current = []
                j += 1
                if k2 == close:
                    break
            elif k2 in '[(':
                raise self.src.error(f"'{k2}' inside '{kind}...{close}': brackets do not nest in "
                                     f"Rhino's syntax (use a macro or a slot)", node, o2)
            elif k2 in '])':
                raise self.src.error(f"'{k2}' closes '{kind}' (expected '{close}')", node, o2)
            else:
                current.append(tokens[j])
                j += 1
        options = []
        for alt in alternatives:
            if len(alt) == 1 and alt[0][0] == 'macro':
                # [@macro, other]: the macro's phrases join this list
                options.extend(self.macro_options(node, alt[0][1], alt[0][2]))
            else:
                options.append(self.phrase(node, alt, f'a {what}'))
        element = {'type': 'choice' if kind == '[' else 'optional', 'options': options}
        self.bounded(node, [element], offset, f'this {what}')
        return j, element

    def bounded(self, node, seq, offset, what):
        """Refuses a bracket or macro that can be said in too many ways or expands to too
        many elements (macros inside macros); (paths, elements) otherwise."""
        paths, elements = _size(seq, self.slots, self._sizes)
        if paths > MAX_BRACKET_PHRASES:
            raise self.src.error(f'{what} can be said in {paths:,} ways (at most {MAX_BRACKET_PHRASES:,} '
                                 f'in one bracket or macro): use a slot, or split the expression', node, offset)
        if elements > MAX_EXPRESSION_ELEMENTS:
            raise self.src.error(f'{what} expands to {elements:,} words, slots and brackets (at most '
                                 f'{MAX_EXPRESSION_ELEMENTS:,}): macros inside macros?', node, offset)
        return paths, elements


def _size(seq, slots, memo):
    """(paths, elements) of a sequence, memoised on the options lists (a macro's list is one
    object wherever it is used, so nested macros cost their size once)."""
    paths, elements = 1, 0
    for el in seq:
        t = el['type']
        elements += 1
        if t == 'slot':
            paths *= len(slots[el['slot_type']]['values'])
        elif t in ('choice', 'optional'):
            key = id(el['options'])
            if key not in memo:
                sizes = [_size(o, slots, memo) for o in el['options']]
                memo[key] = (sum(p for p, _ in sizes), sum(e for _, e in sizes), el['options'])
            p, e, _ = memo[key]
            paths *= p + (t == 'optional')
            elements += e
    return paths, elements


def _min_words(seq, slots):
    total = 0
    for el in seq:
        t = el['type']
        if t == 'word':
            total += 1
        elif t == 'slot':
            total += min(len(v['words']) for v in slots[el['slot_type']]['values'])
        elif t == 'choice':
            total += min(_min_words(o, slots) for o in el['options'])
    return total


def _slot_names(seq):
    """Slot names a sequence can capture, each with whether two captures can collide."""
    names = []
    for el in seq:
        if el['type'] == 'slot':
            names.append(el['name'])
        elif el['type'] in ('choice', 'optional'):
            branch = set()
            for o in el['options']:
                inner = _slot_names(o)
                if len(inner) != len(set(inner)):
                    return inner  # a duplicate inside one branch
                branch |= set(inner)
            names.extend(sorted(branch))
    return names


def _check_slot_names(src, node, seq):
    names = _slot_names(seq)
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise src.error(f"slot name '{dup[0]}' can be captured twice in one expression; "
                        f"give each slot its own name", node)


# ---- the document -----------------------------------------------------------------------

def compose(text, path):
    """The YAML node tree (None for an empty document); ContextError with the line for
    anything PyYAML refuses."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        problem = err.problem or err.context or 'not YAML'
        if err.context and err.context_mark is not None and err.problem_mark is not None:
            problem += f' ({err.context} on line {err.context_mark.line + 1})'
        if mark is not None:
            raise ContextError(f'malformed YAML: {problem}', path, mark.line + 1, mark.column + 1)
        raise ContextError(f'malformed YAML: {problem}', path)
    except yaml.reader.ReaderError as err:
        before = text[:err.position]
        line, column = before.count('\n') + 1, len(before) - (before.rfind('\n') + 1) + 1
        raise ContextError(f'malformed YAML: character #x{err.character:04x} is not allowed in YAML',
                           path, line, column)
    except yaml.YAMLError as err:
        raise ContextError(f"malformed YAML: {str(err).splitlines()[0]}", path)
    except RecursionError:
        raise ContextError('malformed YAML: nested too deeply', path)


def parse(text, path='<context>'):
    """Context YAML text -> grammar IR (ir.py). ContextError for anything wrong."""
    src = _Source(text, path)
    root = compose(text, path)
    if root is None:
        raise ContextError('the file is empty (expected "context:" with "expressions:")', path, 1)
    top = _mapping(src, root, 'the file', TOP_KEYS)
    if not top:
        raise src.error('the file has no "context:"', root)
    context_node = top[0][2]
    sections = {k: (kn, vn) for k, kn, vn in _mapping(src, context_node, "'context'", CONTEXT_KEYS)}
    if 'expressions' not in sections:
        raise src.error("'context' has no 'expressions:'", context_node)
    ctx = _Context(src)

    if 'slots' in sections:
        for kind, key_node, value_node in _mapping(src, sections['slots'][1], "'slots'"):
            if kind.startswith('pv.'):
                raise src.error(f"slot type '{kind}': the 'pv.' names are Rhino's built-in slots "
                                f"(used as $pv.Type:name, never defined)", key_node)
            _name(src, kind, key_node, 'slot type')
            ctx.slots[kind] = _slot_type(src, kind, key_node, value_node)
    if 'macros' in sections:
        for name, key_node, value_node in _mapping(src, sections['macros'][1], "'macros'"):
            _name(src, name, key_node, 'macro')
            ctx.macros[name] = (key_node, _list(src, value_node, f"macro '{name}'",
                                                 f"macro '{name}' has no phrases"))

    intents = []
    for name, key_node, value_node in _mapping(src, sections['expressions'][1], "'expressions'"):
        _name(src, name, key_node, 'intent')
        expressions = []
        seen = {}
        for en in _list(src, value_node, f"the expressions of intent '{name}'",
                        f"intent '{name}' has no expressions"):
            text = _text(src, en, f"an expression of intent '{name}'")
            key = ' '.join(text.split())
            if key in seen:
                raise src.error(f"expression listed twice in intent '{name}' (first on line {seen[key]})", en)
            seen[key] = en.start_mark.line + 1
            expressions.append({'line': en.start_mark.line + 1, 'text': key,
                                'sequence': ctx.expression(en, text)})
        intents.append({'name': name, 'line': key_node.start_mark.line + 1, 'expressions': expressions})
    if not intents:
        raise src.error("'expressions' has no intents", sections['expressions'][1])

    slots = {}
    for kind, slot in ctx.slots.items():
        if kind in ctx.used_slots:
            slots[kind] = {'line': slot['line'], 'builtin': slot['builtin'], 'values': slot['values']}
    unused_slots = sorted(k for k in ctx.slots if k not in ctx.used_slots)
    unused_macros = sorted(m for m in ctx.macros if m not in ctx.used_macros)
    return {'format': IR_FORMAT, 'version': IR_VERSION, 'source': path,
            'intents': intents, 'slots': slots,
            'unused': {'slots': unused_slots, 'macros': unused_macros}}


def _slot_type(src, kind, key_node, value_node):
    values, seen = [], {}
    for vn in _list(src, value_node, f"slot type '{kind}'", f"slot type '{kind}' has no values"):
        written = ' '.join(_text(src, vn, f"a value of slot type '{kind}'").split())
        if not written:
            raise src.error(f"empty value in slot type '{kind}'", vn)
        raw = vn.value
        for i, c in enumerate(raw):
            if c in '[]()$@,':
                raise src.error(f"slot values are plain phrases: '{c}' is not allowed in "
                                f"'{written}' (slot type '{kind}')", vn, i)
        spoken = []
        for m in re.finditer(r'\S+', raw):
            try:
                spoken.extend(normalize.words(m.group(0)))
            except normalize.NormalizeError as err:
                raise src.error(str(err), vn, m.start())
        key = ' '.join(spoken)
        if key in seen:
            first_line, first_written = seen[key]
            same = 'listed twice' if first_written == written else f"said the same as '{first_written}'"
            raise src.error(f"value '{written}' of slot type '{kind}' is {same} (line {first_line})", vn)
        seen[key] = (vn.start_mark.line + 1, written)
        values.append({'words': spoken, 'value': written})
    return {'line': key_node.start_mark.line + 1, 'builtin': False, 'values': values}


def load(path):
    """Reads and parses a context file; ContextError (never OSError) for a missing file."""
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except FileNotFoundError:
        raise ContextError('no such file', path)
    except UnicodeDecodeError as err:
        raise ContextError(f'not UTF-8 text (byte {err.start})', path)
    except OSError as err:
        raise ContextError(err.strerror or str(err), path)
    return parse(text, path)
