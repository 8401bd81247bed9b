"""A small reader of CMSIS-style C headers: #define values, typedef'd register structs,
enums, and the instance pointers that place a struct at a base address.

Written for two files of the same style: ST's stm32h743xx.h (the oracle) and our
firmware/platform/stm32h743/h743_regs.h. Not a C parser: it understands exactly what
register headers use (object- and function-like macros, integer expressions with casts
and U/UL suffixes, structs of uintN_t members, arrays, nested register structs)."""
import re

_COMMENT = re.compile(r'/\*.*?\*/|//[^\n]*', re.S)
_DEFINE = re.compile(r'^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\([^)]*\))?[ \t]*(.*)$', re.M)
_STRUCT = re.compile(r'typedef\s+struct\s*\w*\s*\{(.*?)\}\s*(\w+)\s*;', re.S)
_ENUM = re.compile(r'typedef\s+enum\s*\w*\s*\{(.*?)\}\s*(\w+)\s*;', re.S)
_MEMBER = re.compile(r'^(?:(?:__IO|__I|__O|__IM|__OM|__IOM|volatile|const)\s+)*'
                     r'(\w+)\s+(\w+)\s*((?:\[[^\]]*\]\s*)*)$')
_POINTER = re.compile(r'^\(\s*\(\s*(\w+)\s*\*\s*\)\s*(.+)\)$', re.S)
_SIZES = {'uint8_t': 1, 'int8_t': 1, 'char': 1, 'uint16_t': 2, 'int16_t': 2,
          'uint32_t': 4, 'int32_t': 4, 'uint64_t': 8, 'int64_t': 8}
_CASTS = re.compile(r'\(\s*(?:const\s+)?(?:volatile\s+)?(?:u?int(?:8|16|32|64)_t|uintptr_t|unsigned(?:\s+int)?|int|h7_irq_t|h7_pin_t)\s*\)')
_LITERAL = re.compile(r'\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b')


class HeaderError(ValueError):
    """The header does not read as a register header (names the file and the construct)."""


class Member:
    __slots__ = ('name', 'type', 'offset', 'size', 'dims')

    def __init__(self, name, type_, offset, size, dims):
        self.name, self.type, self.offset, self.size, self.dims = name, type_, offset, size, dims

    @property
    def count(self):
        n = 1
        for d in self.dims:
            n *= d
        return n

    @property
    def reserved(self):
        return self.name.upper().startswith('RESERVED')


class Header:
    """The definitions of one header file."""

    def __init__(self, path):
        self.path = path
        with open(path, encoding='utf-8', errors='replace') as f:
            raw = f.read()
        self.text = _COMMENT.sub(' ', raw.replace('\\\n', ' '))
        self.defines = {}  # name -> (params tuple or None, body)
        for m in _DEFINE.finditer(self.text):
            params = None
            if m.group(2) is not None:
                params = tuple(p.strip() for p in m.group(2)[1:-1].split(',') if p.strip())
            self.defines[m.group(1)] = (params, m.group(3).strip())
        self.structs = {}  # name -> (list of Member, size)
        for m in _STRUCT.finditer(self.text):
            self.structs[m.group(2)] = self._layout(m.group(1), m.group(2))
        self.enums = {}
        for m in _ENUM.finditer(self.text):
            self.enums[m.group(2)] = self._enum(m.group(1))
        self._enum_values = {k: v for e in self.enums.values() for k, v in e.items()}

    # -------------------------------------------------------------- expressions
    def value(self, expr, args=None, depth=0):
        """The integer value of a C constant expression or macro name (macros expanded)."""
        if depth > 40:
            raise HeaderError(f'{self.path}: macro expansion too deep in {expr!r}')
        expr = self._expand(expr, args or {}, depth)
        expr = _CASTS.sub(' ', expr)
        expr = _LITERAL.sub(lambda m: str(int(m.group(1), 0)), expr)
        if re.search(r'[A-Za-z_]', expr) or '?' in expr and ':' not in expr:
            raise HeaderError(f'{self.path}: cannot evaluate {expr!r}')
        expr = _ternary(expr)
        try:
            v = eval(expr, {'__builtins__': {}}, {})  # digits and operators only (checked above)
        except Exception as e:  # noqa: BLE001 - the message names the expression
            raise HeaderError(f'{self.path}: cannot evaluate {expr!r} ({e})') from None
        if not isinstance(v, (int, bool)):
            raise HeaderError(f'{self.path}: {expr!r} is not an integer constant')
        return int(v) & 0xFFFFFFFF

    def _expand(self, expr, args, depth):
        def repl_call(m):
            name = m.group(1)
            params, body = self.defines[name]
            actual = _split_args(m.group(2))
            if len(actual) != len(params):
                raise HeaderError(f'{self.path}: {name} takes {len(params)} arguments')
            sub = {p: f'({self.value(a, args, depth + 1)})' for p, a in zip(params, actual)}
            return f'({self._expand(body, sub, depth + 1)})'

        for _ in range(60):
            new = re.sub(r'\b([A-Za-z_]\w*)\s*\(((?:[^()]|\([^()]*\))*)\)',
                         lambda m: repl_call(m) if m.group(1) in self.defines
                         and self.defines[m.group(1)][0] is not None else m.group(0), expr)
            new = re.sub(r'\b([A-Za-z_]\w*)\b', lambda m: args[m.group(1)] if m.group(1) in args
                         else (f'({self.defines[m.group(1)][1]})'
                               if m.group(1) in self.defines and self.defines[m.group(1)][0] is None
                               else m.group(0)), new)
            new = re.sub(r'\b([A-Za-z_]\w*)\b', lambda m: f'({self._enum_values[m.group(1)]})'
                         if m.group(1) in self._enum_values and m.group(1) not in self.defines
                         else m.group(0), new)
            args = {}
            if new == expr:
                return new
            expr = new
        raise HeaderError(f'{self.path}: macro expansion does not end in {expr!r}')

    def try_value(self, name):
        try:
            return self.value(name)
        except HeaderError:
            return None

    # -------------------------------------------------------------- structs and enums
    def _layout(self, body, struct_name):
        members, offset, align_max = [], 0, 1
        for decl in body.split(';'):
            decl = ' '.join(decl.split())
            if not decl:
                continue
            m = _MEMBER.match(decl)
            if not m:
                raise HeaderError(f'{self.path}: member {decl!r} of {struct_name} not understood')
            type_, name, dims_text = m.groups()
            if type_ in _SIZES:
                size = align = _SIZES[type_]
            elif type_ in self.structs:
                size = self.structs[type_][1]
                align = 4
            else:
                raise HeaderError(f'{self.path}: type {type_} of {struct_name}.{name} unknown')
            dims = [self.value(d) for d in re.findall(r'\[([^\]]*)\]', dims_text)]
            offset = (offset + align - 1) // align * align
            member = Member(name, type_, offset, size, dims)
            members.append(member)
            offset += size * member.count
            align_max = max(align_max, align)
        size = (offset + align_max - 1) // align_max * align_max
        return members, size

    def _enum(self, body):
        values, nxt = {}, 0
        self._enum_values = {}
        for item in body.split(','):
            item = item.strip()
            if not item:
                continue
            if '=' in item:
                name, expr = (s.strip() for s in item.split('=', 1))
                expr = re.sub(r'\b([A-Za-z_]\w*)\b',
                              lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), expr)
                nxt = self.value(expr)
                if nxt >= 0x80000000:
                    nxt -= 1 << 32
            else:
                name = item
            values[name] = nxt
            nxt += 1
        return values

    def registers(self, struct_name, base=0, prefix=''):
        """{address: 'prefix.MEMBER[i]...'} for every non-reserved word of a struct, nested
        structs and arrays flattened."""
        out = {}
        members, _ = self.structs[struct_name]
        for m in members:
            if m.reserved:
                continue
            for i in range(m.count):
                idx = f'[{i}]' if m.dims else ''
                addr = base + m.offset + i * m.size
                name = f'{prefix}{m.name}{idx}'
                if m.type in self.structs:
                    out.update(self.registers(m.type, addr, name + '.'))
                else:
                    out[addr] = name
        return out

    def instances(self, prefix=''):
        """{name: (struct, base address)} for every '#define NAME ((Type *) ADDR)'."""
        out = {}
        for name, (params, body) in self.defines.items():
            if params is not None or not name.startswith(prefix):
                continue
            m = _POINTER.match(body)
            if not m or m.group(1) not in self.structs:
                continue
            addr = self.try_value(m.group(2))
            if addr is not None:
                out[name] = (m.group(1), addr)
        return out


def _split_args(text):
    args, depth, cur = [], 0, ''
    for ch in text:
        if ch == ',' and depth == 0:
            args.append(cur)
            cur = ''
            continue
        depth += ch == '('
        depth -= ch == ')'
        cur += ch
    if cur.strip():
        args.append(cur)
    return [a.strip() for a in args]


def _ternary(expr):
    """C's a ? b : c as Python's (b if a else c), innermost first; && || ! too."""
    expr = expr.replace('&&', ' and ').replace('||', ' or ')
    expr = re.sub(r'!(?!=)', ' not ', expr)
    while '?' in expr:
        # the last '?' has no '?' to its right: its condition starts after the nearest
        # unmatched '(' to its left; its branches end at the matching ':' and ')'.
        q = expr.rindex('?')
        depth, start = 0, 0
        for i in range(q - 1, -1, -1):
            depth += expr[i] == ')'
            depth -= expr[i] == '('
            if depth < 0 or (depth == 0 and expr[i] in '?:'):
                start = i + 1
                break
        depth, colon, end = 0, None, len(expr)
        for i in range(q + 1, len(expr)):
            depth += expr[i] == '('
            depth -= expr[i] == ')'
            if expr[i] == ':' and depth == 0 and colon is None:
                colon = i
            if depth < 0:
                end = i
                break
        cond, a, b = expr[start:q], expr[q + 1:colon], expr[colon + 1:end]
        expr = f'{expr[:start]}(({a}) if ({cond}) else ({b})){expr[end:]}'
    return expr
