"""Firmware ELF loading (pyelftools): loadable segments at their load addresses, and
function symbols for the profile and fault reports."""
import bisect
import collections
import os

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from .errors import SimError

Segment = collections.namedtuple('Segment', 'address data')


def _is_trapped(hw1, hw2):
    """SDIV/UDIV, or LDRD/STRD (immediate/literal): instructions the native core checks."""
    if (hw1 & 0xffd0) == 0xfb90 and (hw2 & 0x00f0) == 0x00f0:
        return True
    # LDRD/STRD based on SP or PC are always word aligned (SP[1:0] = 0, imm8 x 4): not hooked.
    return (hw1 & 0xfe40) == 0xe840 and bool(hw1 & 0x0120) and (hw1 & 0xf) not in (13, 15)


def scan_trapped_instructions(functions, sections):
    """Addresses of divide and LDRD/STRD instructions, by decoding each function linearly."""
    found = []
    for start, end, _name in functions:
        for base, data in sections:
            if base <= start < base + len(data):
                offset, stop = start - base, min(end, base + len(data)) - base
                while offset + 2 <= stop:
                    hw1 = int.from_bytes(data[offset:offset + 2], 'little')
                    if (hw1 >> 11) >= 0x1d:
                        if offset + 4 <= stop:
                            hw2 = int.from_bytes(data[offset + 2:offset + 4], 'little')
                            if _is_trapped(hw1, hw2):
                                found.append(base + offset)
                        offset += 4
                    else:
                        offset += 2
                break
    return sorted(set(found))


class FirmwareImage:
    def __init__(self, path, segments, functions, symbols, entry, trapped=()):
        self.path = path
        self.segments = segments
        self.entry = entry
        self._functions = sorted(functions)  # (start, end, name)
        self._starts = [f[0] for f in self._functions]
        self._symbols = symbols
        self.trapped_instructions = list(trapped)

    def segment_at(self, address):
        for seg in self.segments:
            if seg.address <= address < seg.address + len(seg.data):
                return seg
        return None

    def function_at(self, address):
        """Name of the function holding address (Thumb bit ignored), or None."""
        address &= ~1
        i = bisect.bisect_right(self._starts, address) - 1
        if i >= 0:
            start, end, name = self._functions[i]
            if address < max(end, start + 2):
                return name
        return None

    def symbol(self, name):
        """Address of a symbol (functions without the Thumb bit); KeyError if absent."""
        return self._symbols[name]

    def symbol_size(self, name):
        """st_size of an ELF symbol (0 when unknown)."""
        return getattr(self, 'sizes', {}).get(name, 0)

    def has_symbol(self, name):
        return name in self._symbols


def load_elf(path):
    if not os.path.exists(path):
        raise SimError(f'firmware ELF not found: {path}')
    try:
        with open(path, 'rb') as f:
            elf = ELFFile(f)
            if elf.get_machine_arch() != 'ARM' or elf.elfclass != 32:
                raise SimError(f'{path}: not a 32-bit ARM ELF ({elf.get_machine_arch()}, ELF{elf.elfclass})')
            segments = []
            for seg in elf.iter_segments():
                if seg['p_type'] != 'PT_LOAD' or seg['p_filesz'] == 0:
                    continue
                segments.append(Segment(seg['p_paddr'], seg.data()))
            functions, symbols, sizes = [], {}, {}
            symtab = elf.get_section_by_name('.symtab')
            if symtab is not None:
                for sym in symtab.iter_symbols():
                    kind = sym['st_info']['type']
                    if not sym.name or kind not in ('STT_FUNC', 'STT_OBJECT', 'STT_NOTYPE'):
                        continue
                    value = sym['st_value']
                    if kind == 'STT_FUNC':
                        value &= ~1
                        functions.append((value, value + sym['st_size'], sym.name))
                    symbols.setdefault(sym.name, value)
                    sizes.setdefault(sym.name, sym['st_size'])
            entry = elf.header['e_entry']
            code_sections = [(sec['sh_addr'], sec.data()) for sec in elf.iter_sections()
                             if sec['sh_flags'] & 0x4 and sec['sh_type'] == 'SHT_PROGBITS']
            trapped = scan_trapped_instructions(functions, code_sections)
    except ELFError as exc:
        raise SimError(f'{path}: not a valid ELF file ({exc})')
    except (OSError, ValueError, KeyError, AssertionError) as exc:
        raise SimError(f'{path}: corrupt ELF file ({exc.__class__.__name__}: {exc})')
    if not segments:
        raise SimError(f'{path}: ELF has no loadable segments')
    image = FirmwareImage(path, segments, functions, symbols, entry, trapped)
    image.sizes = sizes
    return image
