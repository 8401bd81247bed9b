"""Parser of GNU ld map files (-Wl,-Map=...): memory regions, output and input sections."""
import re
from dataclasses import dataclass, field


class MemReportError(Exception):
    """A user-facing error: bad input file or an image over its budget."""


@dataclass
class Region:
    name: str
    origin: int
    length: int

    def contains(self, addr):
        return self.origin <= addr < self.origin + self.length


@dataclass
class InputSection:
    name: str
    addr: int
    size: int
    source: str  # object file or archive(member), '*fill*' for padding


@dataclass
class OutputSection:
    name: str
    vma: int
    size: int
    lma: int
    inputs: list = field(default_factory=list)


@dataclass
class MapFile:
    regions: list
    sections: list
    symbols: dict  # script-assigned symbols (e.g. __stack_top) -> value


# Output sections that take no space on the chip.
NON_ALLOC_PREFIXES = ('.debug', '.comment', '.ARM.attributes', '.stab', '.gnu.attributes',
                      '.note', '.ident', '.symtab', '.strtab', '.shstrtab')

_HEX = r'0x[0-9a-fA-F]+'
_REGION = re.compile(rf'^(\S+)\s+({_HEX})\s+({_HEX})(?:\s+\S+)?\s*$')
_OUT_FULL = re.compile(rf'^(\S+)\s+({_HEX})\s+({_HEX})(?:\s+load address\s+({_HEX}))?\s*$')
_OUT_NAME_ONLY = re.compile(r'^(\.\S+|\S+)\s*$')
_ADDR_SIZE = re.compile(rf'^\s+({_HEX})\s+({_HEX})(?:\s+load address\s+({_HEX}))?(?:\s+(\S.*))?$')
_IN_FULL = re.compile(rf'^ (\S+)\s+({_HEX})\s+({_HEX})\s+(\S.*)$')
_IN_NAME_ONLY = re.compile(r'^ (\S+)\s*$')
_FILL = re.compile(rf'^ \*fill\*\s+({_HEX})\s+({_HEX})')
_ASSIGN = re.compile(rf'^\s+({_HEX})\s+([A-Za-z_.$][\w.$]*) = ')


def parse_map(text):
    """Parses the text of a GNU ld map file into a MapFile."""
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith('Memory Configuration'))
    except StopIteration:
        raise MemReportError('not a GNU ld map file (no "Memory Configuration" section)')
    regions = []
    i = start + 1
    while i < len(lines) and not lines[i].startswith('Linker script and memory map'):
        m = _REGION.match(lines[i])
        if m and m.group(1) not in ('Name', '*default*'):
            regions.append(Region(m.group(1), int(m.group(2), 16), int(m.group(3), 16)))
        i += 1
    if not regions:
        raise MemReportError('map file lists no memory regions')
    sections, symbols = [], {}
    current = None
    pending_out = None  # output section name whose address/size is on the next line
    pending_in = None
    for line in lines[i + 1:]:
        if not line.strip():
            continue
        if line[0] not in ' \t*':
            pending_in = None
            m = _OUT_FULL.match(line)
            if m:
                vma, size = int(m.group(2), 16), int(m.group(3), 16)
                lma = int(m.group(4), 16) if m.group(4) else vma
                current = OutputSection(m.group(1), vma, size, lma)
                sections.append(current)
                pending_out = None
                continue
            m = _OUT_NAME_ONLY.match(line)
            if m and line.startswith('.'):
                pending_out = m.group(1)
                current = None
                continue
            current = None
            pending_out = None
            continue
        if pending_out is not None:
            m = _ADDR_SIZE.match(line)
            if m:
                vma, size = int(m.group(1), 16), int(m.group(2), 16)
                lma = int(m.group(3), 16) if m.group(3) else vma
                current = OutputSection(pending_out, vma, size, lma)
                sections.append(current)
            pending_out = None
            continue
        m = _ASSIGN.match(line)
        if m:
            symbols[m.group(2)] = int(m.group(1), 16)
            continue
        if current is None:
            continue
        m = _FILL.match(line)
        if m:
            current.inputs.append(InputSection('*fill*', int(m.group(1), 16),
                                               int(m.group(2), 16), '*fill*'))
            pending_in = None
            continue
        if pending_in is not None:
            m = _ADDR_SIZE.match(line)
            if m and m.group(4):
                current.inputs.append(InputSection(pending_in, int(m.group(1), 16),
                                                   int(m.group(2), 16), m.group(4).strip()))
            pending_in = None
            continue
        m = _IN_FULL.match(line)
        if m:
            current.inputs.append(InputSection(m.group(1), int(m.group(2), 16),
                                               int(m.group(3), 16), m.group(4).strip()))
            continue
        m = _IN_NAME_ONLY.match(line)
        if m and not line.startswith(' *('):
            pending_in = m.group(1)
    return MapFile(regions, sections, symbols)


def is_allocated(section):
    return section.size > 0 and not section.name.startswith(NON_ALLOC_PREFIXES)


def region_of(regions, addr):
    for region in regions:
        if region.contains(addr):
            return region.name
    return None
