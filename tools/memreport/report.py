"""Builds, formats and writes the memory report of one firmware image."""
import json
import os
import re

from memreport.mapfile import MemReportError, is_allocated, parse_map, region_of
from memreport.stack import CallGraph, parse_su_text, worst_paths

FLASH_REGIONS = ('FLASH', 'QSPI')  # QSPI: the external flash of images with a .qspi section (qspi_bench)
# The platform's fault handlers switch to a stack of their own (faults.c): they are
# reported, but not added to the main stack's peak.
FAULT_HANDLERS = ('HardFault_Handler', 'MemManage_Handler', 'BusFault_Handler',
                  'UsageFault_Handler', 'Default_Handler')
# Exception entry pushes 8 words, 26 with the FP context (lazy stacking reserves it).
EXCEPTION_FRAME_BYTES = 104


def module_of(source):
    """The firmware part an input file belongs to, e.g. 'platform', 'apps/kws', 'libc'."""
    if source == '*fill*':
        return '(padding)'
    path = source.split('(')[0]
    base = os.path.basename(path)
    parts = path.replace('\\', '/').split('/')
    if 'firmware' in parts:
        idx = len(parts) - 1 - parts[::-1].index('firmware')
        rest = parts[idx + 1:-1]
        if rest and rest[0] in ('apps', 'third_party') and len(rest) > 1:
            return f'{rest[0]}/{rest[1]}'
        if rest:
            return rest[0]
    if base.endswith('.a'):
        name = base[:-2]
        return name[3:] if name.startswith('lib') else name
    return os.path.splitext(base)[0] or source


def _su_path_for(source):
    """The .su file gcc wrote beside an object (or beside an archive member's object)."""
    if '(' in source:
        archive, member = source[:-1].split('(', 1)
        stem = os.path.splitext(member)[0]
        for root, _dirs, files in os.walk(os.path.dirname(archive) or '.'):
            if stem + '.su' in files:
                return os.path.join(root, stem + '.su')
        return None
    if source.endswith('.o'):
        return source[:-2] + '.su'
    return None


def build_report(map_path, elf_path=None, name=None, objdump='arm-none-eabi-objdump',
                 budgets=None, with_stack=True):
    try:
        with open(map_path, encoding='utf-8', errors='replace') as f:
            mapfile = parse_map(f.read())
    except OSError as err:
        raise MemReportError(f'cannot read map file {map_path}: {err.strerror}')
    budgets = dict(budgets or {})
    unknown = sorted(set(budgets) - {r.name for r in mapfile.regions})
    if unknown:
        raise MemReportError(f"budget for unknown region(s) {', '.join(unknown)}; regions: "
                             + ', '.join(r.name for r in mapfile.regions))
    regions = {r.name: {'name': r.name, 'origin': r.origin, 'length': r.length,
                        'budget': int(budgets.get(r.name, r.length)), 'used': 0,
                        'sections': []} for r in mapfile.regions}
    sections, modules = [], {}
    for sec in mapfile.sections:
        if not is_allocated(sec):
            continue
        vreg = region_of(mapfile.regions, sec.vma)
        lreg = region_of(mapfile.regions, sec.lma) if sec.lma != sec.vma else None
        loaded = not sec.name.endswith('bss') and sec.name not in ('.stack', '.heap')
        sections.append({'name': sec.name, 'vma': sec.vma, 'lma': sec.lma, 'size': sec.size,
                         'region': vreg, 'load_region': lreg if loaded else None})
        for reg in (vreg, lreg if loaded else None):
            if reg:
                regions[reg]['used'] += sec.size
                regions[reg]['sections'].append(sec.name)
        for inp in sec.inputs:
            if inp.size == 0:
                continue
            key = '(stack)' if sec.name == '.stack' else module_of(inp.source)
            mod = modules.setdefault(key, {'module': key, 'flash': 0, 'ram': 0, 'by_region': {}})
            for reg in (vreg, lreg if loaded else None):
                if not reg:
                    continue
                mod['by_region'][reg] = mod['by_region'].get(reg, 0) + inp.size
                mod['flash' if reg in FLASH_REGIONS else 'ram'] += inp.size
    over = []
    for reg in regions.values():
        reg['free'] = reg['budget'] - reg['used']
        reg['percent'] = round(100.0 * reg['used'] / reg['budget'], 2) if reg['budget'] else 0.0
        if reg['used'] > reg['budget']:
            over.append({'region': reg['name'], 'used_bytes': reg['used'],
                         'budget_bytes': reg['budget'],
                         'overflow_bytes': reg['used'] - reg['budget']})
    flash = sum(r['used'] for r in regions.values() if r['name'] in FLASH_REGIONS)
    ram = sum(r['used'] for r in regions.values() if r['name'] not in FLASH_REGIONS)
    report = {
        'image': name or os.path.splitext(os.path.basename(map_path))[0],
        'map': os.path.basename(map_path),
        'totals': {'flash_bytes': flash, 'ram_bytes': ram},
        'regions': list(regions.values()),
        'sections': sections,
        'modules': sorted(modules.values(), key=lambda m: -(m['flash'] + m['ram'])),
        'over_budget': over,
        'stack': None,
    }
    if with_stack and elf_path:
        report['stack'] = stack_report(mapfile, elf_path, objdump)
    return report


def stack_report(mapfile, elf_path, objdump):
    frames, kinds, missing_su = {}, {}, set()
    sources = {inp.source for sec in mapfile.sections for inp in sec.inputs
               if inp.source != '*fill*'}
    for source in sorted(sources):
        su = _su_path_for(source)
        if su and os.path.exists(su):
            with open(su, encoding='utf-8', errors='replace') as f:
                for fn, (size, kind) in parse_su_text(f.read()).items():
                    if size >= frames.get(fn, -1):
                        frames[fn], kinds[fn] = size, kind
        elif source.endswith('.o'):
            missing_su.add(source)
    graph = CallGraph.from_elf(elf_path, objdump)
    handlers = sorted(fn for fn in graph.calls
                      if re.search(r'(_IRQHandler|_Handler)$', fn) and fn != 'Reset_Handler')
    roots = ['Reset_Handler'] + handlers if 'Reset_Handler' in graph.calls else handlers
    paths = worst_paths(graph, frames, roots)
    thread = paths.get('Reset_Handler', {'bytes': 0})
    isr_paths = {k: v for k, v in paths.items()
                 if k != 'Reset_Handler' and k not in FAULT_HANDLERS}
    fault_paths = {k: v for k, v in paths.items() if k in FAULT_HANDLERS}
    worst_isr = max(isr_paths.values(), key=lambda p: p['bytes'], default=None)
    stack_size = None
    if '__stack_top' in mapfile.symbols and '__stack_limit' in mapfile.symbols:
        stack_size = mapfile.symbols['__stack_top'] - mapfile.symbols['__stack_limit']
    # Thread path + one interrupt on top (our handlers share priority levels closely;
    # each extra nesting level would add its own path and frame).
    peak = thread['bytes'] + (worst_isr['bytes'] + EXCEPTION_FRAME_BYTES if worst_isr else 0)
    top = sorted(frames.items(), key=lambda kv: -kv[1])[:25]
    return {
        'stack_size_bytes': stack_size,
        'worst_thread_path': thread,
        'worst_isr': ({'handler': worst_isr['path'][0], **worst_isr} if worst_isr else None),
        'estimated_peak_bytes': peak,
        'headroom_bytes': (stack_size - peak) if stack_size is not None else None,
        'functions': [{'function': fn, 'bytes': b, 'kind': kinds[fn]} for fn, b in top],
        'handlers': {k: {'bytes': v['bytes'], 'path': v['path']} for k, v in isr_paths.items()},
        'fault_handlers': {k: {'bytes': v['bytes'], 'path': v['path']}
                           for k, v in fault_paths.items()},
        'objects_without_su': sorted(missing_su),
        'indirect_calls_resolved': {k: sorted(v) for k, v in sorted(graph.resolved.items())},
    }


def _kb(n):
    return f'{n / 1024:.1f} KiB'


def format_text(report, brief=False):
    lines = [f"memory report: {report['image']}  (flash {report['totals']['flash_bytes']} B, "
             f"RAM {report['totals']['ram_bytes']} B)"]
    lines.append(f"  {'region':<8} {'used':>9} {'budget':>9} {'free':>9} {'use':>7}  sections")
    for r in report['regions']:
        if brief and r['used'] == 0:
            continue
        lines.append(f"  {r['name']:<8} {r['used']:>9} {r['budget']:>9} {r['free']:>9} "
                     f"{r['percent']:>6.1f}%  {' '.join(r['sections'])}")
    if not brief:
        lines.append(f"  {'section':<16} {'address':>10} {'size':>9}  region (load region)")
        for s in report['sections']:
            load = f" ({s['load_region']})" if s['load_region'] else ''
            lines.append(f"  {s['name']:<16} {s['vma']:#010x} {s['size']:>9}  {s['region']}{load}")
    mods = report['modules'][:8] if brief else report['modules']
    lines.append(f"  {'module':<24} {'flash':>9} {'RAM':>9}")
    for m in mods:
        lines.append(f"  {m['module']:<24} {m['flash']:>9} {m['ram']:>9}")
    st = report.get('stack')
    if st:
        t = st['worst_thread_path']
        lines.append(f"  stack: worst thread path {t['bytes']} B: {' > '.join(t['path'])}")
        if st['worst_isr']:
            w = st['worst_isr']
            lines.append(f"  stack: worst interrupt {w['bytes']} B: {' > '.join(w['path'])}")
        size = st['stack_size_bytes']
        lines.append(f"  stack: estimated peak {st['estimated_peak_bytes']} B of "
                     f"{size if size is not None else '?'} B"
                     + (f" (headroom {st['headroom_bytes']} B)" if size is not None else ''))
        notes = []
        if t.get('recursive'):
            notes.append('recursion (depth unbounded) through '
                         + ', '.join(t.get('recursive_functions', [])[:5]))
        if t.get('indirect'):
            notes.append('indirect calls not followed in ' + ', '.join(t['indirect'][:5]))
        if notes:
            lines.append('  stack: note: ' + '; '.join(notes))
        if not brief:
            lines.append(f"  {'function':<40} {'bytes':>7}  kind")
            for f in st['functions']:
                lines.append(f"  {f['function']:<40} {f['bytes']:>7}  {f['kind']}")
    for o in report['over_budget']:
        lines.append(f"  OVER BUDGET: region {o['region']} overflowed by {o['overflow_bytes']} "
                     f"bytes")
    return '\n'.join(lines)


def _atomic_write(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)


def write_outputs(report, json_path=None, text_path=None):
    if json_path:
        _atomic_write(json_path, json.dumps(report, indent=1) + '\n')
    if text_path:
        _atomic_write(text_path, format_text(report) + '\n')
