"""memreport: flash/RAM use of a firmware image, from the GNU ld map file, and stack use.

    import memreport
    report = memreport.build_report(map_path='app.map', elf_path='app.elf', name='app')
    memreport.write_outputs(report, json_path='app.memory.json', text_path='app.memory.txt')
    print(memreport.format_text(report))

Sizes per memory region (with the region's length as its budget, or a tighter one given),
per output section and per module (the firmware part an object file comes from); stack
use per function from gcc -fstack-usage (.su files beside the objects) and the worst call
path through the call graph read from the ELF's disassembly (bl/blx/b.w targets).
Command line: python -m memreport --help.
"""
from memreport.mapfile import MapFile, MemReportError, parse_map
from memreport.report import build_report, format_text, write_outputs
from memreport.stack import CallGraph, parse_su_text, worst_paths

__all__ = ['MapFile', 'MemReportError', 'parse_map', 'build_report', 'format_text',
           'write_outputs', 'CallGraph', 'parse_su_text', 'worst_paths']
