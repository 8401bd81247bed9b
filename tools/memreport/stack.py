"""Stack use: gcc -fstack-usage (.su) figures and the worst call path.

The call graph comes from the ELF's disassembly (arm-none-eabi-objdump -d): every
`bl`/`blx <symbol>` is a call and a `b`/`b.w <symbol>` to the start of another function
is a tail call (counted as a call: a safe over-estimate). Calls through registers
(`blx rN`) cannot be followed; functions making them are flagged `indirect_calls`.
Recursion makes the depth unbounded and is reported as such.
"""
import re
import subprocess
from dataclasses import dataclass, field

from memreport.mapfile import MemReportError

_SU_LINE = re.compile(r'^(.*?):(\d+):(\d+):(.+?)\t(\d+)\t(\S+)\s*$')
_FUNC = re.compile(r'^([0-9a-f]+) <([^>]+)>:\s*$')
_INSN = re.compile(r'^\s*[0-9a-f]+:\s+(?:[0-9a-f]{4}(?: [0-9a-f]{4})?\s+)?(\S+)\s+(.*)$')
_TARGET = re.compile(r'^([0-9a-f]+) <([^>+]+)(\+0x[0-9a-f]+)?>')
_WORD = re.compile(r'^\s*[0-9a-f]+:\s+(?:[0-9a-f]{8}\s+)?\.word\s+0x([0-9a-f]+)')


def parse_su_text(text):
    """Returns {function: (bytes, qualifier)} from the text of a .su file."""
    out = {}
    for line in text.splitlines():
        m = _SU_LINE.match(line)
        if m:
            name = m.group(4)
            size, kind = int(m.group(5)), m.group(6)
            if name not in out or out[name][0] < size:
                out[name] = (size, kind)
    return out


@dataclass
class CallGraph:
    calls: dict = field(default_factory=dict)      # function -> set of callees
    indirect: set = field(default_factory=set)     # functions with calls through registers
    literals: dict = field(default_factory=dict)   # function -> words of its literal pool
    resolved: dict = field(default_factory=dict)   # function -> targets found in tables

    @classmethod
    def from_disassembly(cls, text):
        graph = cls()
        current = None
        for line in text.splitlines():
            m = _FUNC.match(line)
            if m:
                current = m.group(2)
                graph.calls.setdefault(current, set())
                continue
            if current is None:
                continue
            w = _WORD.match(line)
            if w:
                graph.literals.setdefault(current, set()).add(int(w.group(1), 16))
                continue
            m = _INSN.match(line)
            if not m:
                continue
            op, args = m.group(1), m.group(2)
            base = op.split('.')[0]
            if base in ('bl', 'blx'):
                t = _TARGET.match(args)
                if t and not t.group(3):
                    graph.calls[current].add(t.group(2))
                elif base == 'blx':
                    graph.indirect.add(current)
            elif base == 'b' or re.fullmatch(r'b(eq|ne|cs|cc|mi|pl|vs|vc|hi|ls|ge|lt|gt|le)', base):
                t = _TARGET.match(args)
                if t and not t.group(3) and t.group(2) != current:
                    graph.calls[current].add(t.group(2))  # tail call
            elif base == 'bx' and not args.startswith('lr'):
                graph.indirect.add(current)
        return graph

    def resolve_tables(self, functions, objects, read_words):
        """Follows calls through function-pointer tables.

        A function that calls through a register and has the address of a constant
        table in its literal pool (e.g. a command or operator table) is taken to call
        every function whose address that table holds. functions: {address: name};
        objects: [(start, size)] of initialised data objects; read_words(start, size)
        gives their 32-bit words. Tables only reachable through pointers passed in from
        elsewhere stay unresolved (and flagged).
        """
        for fn in sorted(self.indirect):
            targets = set()
            for value in self.literals.get(fn, ()):
                for start, size in objects:
                    if start <= value < start + size:
                        for word in read_words(start, size):
                            name = functions.get(word & ~1)
                            if name and word & 1:
                                targets.add(name)
            if targets:
                self.resolved[fn] = targets
                self.calls.setdefault(fn, set()).update(targets)

    @classmethod
    def from_elf(cls, elf_path, objdump='arm-none-eabi-objdump'):
        try:
            proc = subprocess.run([objdump, '-d', '--no-show-raw-insn', elf_path],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        except FileNotFoundError:
            raise MemReportError(f'{objdump} not found (needed for the call graph)')
        if proc.returncode != 0:
            raise MemReportError(f'{objdump} failed on {elf_path}: {proc.stderr.strip()}')
        graph = cls.from_disassembly(proc.stdout)
        try:
            _resolve_from_elf(graph, elf_path)
        except ImportError:
            pass  # pyelftools missing: indirect calls stay unresolved (and flagged)
        return graph


def _resolve_from_elf(graph, elf_path):
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection
    with open(elf_path, 'rb') as f:
        elf = ELFFile(f)
        symtab = next((s for s in elf.iter_sections() if isinstance(s, SymbolTableSection)), None)
        if symtab is None:
            return
        functions, objects = {}, []
        data = [(s['sh_addr'], s.data()) for s in elf.iter_sections()
                if s['sh_type'] == 'SHT_PROGBITS' and s['sh_flags'] & 2 and s['sh_size']
                and s.name != '.isr_vector']
        for sym in symtab.iter_symbols():
            kind = sym['st_info']['type']
            if kind == 'STT_FUNC':
                functions[sym['st_value'] & ~1] = sym.name
            elif kind == 'STT_OBJECT' and sym['st_size'] >= 4:
                objects.append((sym['st_value'], sym['st_size']))

        def read_words(start, size):
            for base, blob in data:
                if base <= start and start + size <= base + len(blob):
                    off = start - base
                    return [int.from_bytes(blob[off + i:off + i + 4], 'little')
                            for i in range(0, size - 3, 4)]
            return []

        graph.resolve_tables(functions, objects, read_words)


def worst_paths(graph, frames, roots):
    """Worst stack depth from each root.

    frames: {function: bytes} (functions without an entry count 0 and are listed as
    unknown). Returns {root: {'bytes', 'path', 'recursive', 'unknown', 'indirect'}}.
    """
    memo = {}

    def visit(fn, active):
        """(bytes, path, recursive functions, unknown frames, indirect callers)"""
        if fn in memo:
            return memo[fn]
        if fn in active:
            return (0, [fn], {fn}, set(), set())
        active.add(fn)
        best = (0, [], set(), set(), set())
        recursive, unknown, indirect = set(), set(), set()
        for callee in sorted(graph.calls.get(fn, ())):
            sub = visit(callee, active)
            recursive |= sub[2]
            unknown |= sub[3]
            indirect |= sub[4]
            if sub[0] > best[0] or not best[1]:
                best = sub
        active.discard(fn)
        own = frames.get(fn)
        if own is None:
            unknown.add(fn)
            own = 0
        if fn in graph.indirect and fn not in graph.resolved:
            indirect.add(fn)
        result = (own + best[0], [fn] + best[1], recursive, unknown, indirect)
        if not recursive:
            memo[fn] = result
        return result

    out = {}
    for root in roots:
        total, path, recursive, unknown, indirect = visit(root, set())
        out[root] = {'bytes': total, 'path': path, 'recursive': bool(recursive),
                     'recursive_functions': sorted(recursive),
                     'unknown': sorted(unknown), 'indirect': sorted(indirect)}
    return out
