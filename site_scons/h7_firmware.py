"""env.H7Firmware(name, sources, LIBS=[...], STACK_SIZE=None, BUDGETS=None): a firmware image.

Firmware variant only (on the host variant it returns [] and builds nothing). Links the
application's sources with the board code (startup.o, then libh7platform.a: every *.c of
firmware/platform/stm32h743, each pulled in when used) and the portable helpers
(libh7common.a) using the STM32H743 linker script, and writes,
beside each other in the app's build folder:

    <name>.elf  <name>.bin  <name>.hex  <name>.map
    <name>.memory.json  <name>.memory.txt     (tools/memreport: flash/RAM per region,
                                              section and module; stack per function
                                              and the worst call path)

The readable table is printed after each link. An image over the chip's limits fails the
build with "image <name>: region <R> overflowed by <N> bytes" and leaves none of the
outputs behind (all are removed on any failure, so nothing half-built looks complete).

LIBS: library nodes (static libraries built by other parts) and/or plain names (-l).
STACK_SIZE: main stack bytes in DTCM (default 16 KiB, see h743.ld).
BUDGETS: {'FLASH': bytes, 'DTCM': bytes, ...} limits tighter than the chip's own.

If name equals the `app=` option (env['H7_OPTS']['app']), the image is also copied to
build/firmware/h7voice.{elf,bin,hex,map} plus its memory report: the default image.
"""
import os
import re
import subprocess
import sys

import SCons.Action
import SCons.Errors

_OVERFLOW = re.compile(r"region [`'](\w+)' overflowed by (\d+) bytes")
_SECTION_OVERFLOW = re.compile(r"section [`'](\S+)' will not fit in region [`'](\w+)'")


def _memreport():
    tools = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tools')
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import memreport
    return memreport


def _remove(paths):
    for path in paths:
        for p in (path, path + '.tmp'):
            try:
                os.remove(p)
            except FileNotFoundError:
                pass


def _run(cmd):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc.returncode, proc.stdout


def link_image(name, outputs, objs, libs, lib_names, link_cmd, ldscript, objcopy='arm-none-eabi-objcopy',
               objdump='arm-none-eabi-objdump', budgets=None, log=print):
    """Links one image and writes all its outputs; returns 0 or 1 (error printed).

    outputs: paths of the .elf, .bin, .hex, .map, .memory.json and .memory.txt.
    link_cmd: the compiler driver and its link flags (a list). Kept free of SCons so it
    can be tested on its own. On any failure every output is removed.
    """
    elf, binf, hexf, mapf, mjson, mtxt = outputs
    _remove(outputs)

    def fail(message):
        _remove(outputs)
        print(f'error: image {name}: {message}', file=sys.stderr)
        return 1

    cmd = (list(link_cmd) + ['-T', ldscript, f'-Wl,-Map={mapf}', '-o', elf + '.tmp'] + list(objs)
           + ['-Wl,--start-group'] + list(libs) + [f'-l{lib}' for lib in lib_names]
           + ['-lm', '-lc', '-lgcc', '-lnosys', '-Wl,--end-group'])
    code, out = _run(cmd)
    if code != 0:
        overflows = _OVERFLOW.findall(out)
        if overflows:
            for section, region in _SECTION_OVERFLOW.findall(out):
                print(f'  (section {section} does not fit in {region})', file=sys.stderr)
            return fail('; '.join(f'region {region} overflowed by {nbytes} bytes'
                                  for region, nbytes in overflows))
        sys.stderr.write(out)
        return fail('link failed')
    if out.strip():
        sys.stdout.write(out)
    os.replace(elf + '.tmp', elf)
    for fmt, dest in (('binary', binf), ('ihex', hexf)):
        # .bin: the internal flash only (the QSPI flash's .qspi section is in the .elf/.hex)
        code, out = _run([objcopy, '-O', fmt] + (['-R', '.qspi'] if fmt == 'binary' else []) + [elf, dest + '.tmp'])
        if code != 0:
            sys.stderr.write(out)
            return fail(f'objcopy -O {fmt} failed')
        os.replace(dest + '.tmp', dest)
    memreport = _memreport()
    try:
        report = memreport.build_report(map_path=mapf, elf_path=elf, name=name, objdump=objdump,
                                        budgets=budgets or {})
    except memreport.MemReportError as err:
        return fail(str(err))
    log(memreport.format_text(report, brief=True))
    if report['over_budget']:
        return fail('; '.join(f"region {o['region']} overflowed by {o['overflow_bytes']} bytes "
                              f"(used {o['used_bytes']} of {o['budget_bytes']})"
                              for o in report['over_budget']))
    memreport.write_outputs(report, json_path=mjson, text_path=mtxt)
    return 0


def _build_image(target, source, env):
    return link_image(
        name=env['H7_IMAGE_NAME'], outputs=[str(t) for t in target],
        objs=[str(s) for s in source if str(s).endswith('.o')],
        libs=[str(s) for s in source if str(s).endswith('.a')],
        lib_names=env['H7_LINK_NAMES'],
        link_cmd=[env.subst('$LINK')] + env.subst('$LINKFLAGS', target=target, source=source).split(),
        ldscript=env['H7_LINKER_SCRIPT_PATH'], objcopy=env.subst('$OBJCOPY'),
        objdump=env.subst('$OBJDUMP'), budgets=env.get('H7_IMAGE_BUDGETS') or {})


def _copy_default(target, source, env):
    import shutil
    for src, dst in zip(source, target):
        shutil.copyfile(str(src), str(dst) + '.tmp')
        os.replace(str(dst) + '.tmp', str(dst))
    return 0


def _firmware(env, name, sources, LIBS=None, STACK_SIZE=None, BUDGETS=None, **kwargs):
    if env['H7_VARIANT'] != 'firmware':
        return []
    if 'H7_PLATFORM_OBJS' not in env:
        raise SCons.Errors.UserError('H7Firmware: firmware/platform was not read before the apps')
    e = env.Clone(**kwargs)
    flat_nodes, lib_names = [], []
    for lib in e.Flatten(LIBS or []):
        (lib_names if isinstance(lib, str) else flat_nodes).append(lib)
    app_objs = e.Object(sources)
    objs = list(app_objs) + list(env['H7_PLATFORM_OBJS'])
    flat_nodes += list(env['H7_PLATFORM_LIB']) + list(env.get('H7_COMMON_LIB', []))
    if STACK_SIZE:
        e.Append(LINKFLAGS=[f'-Wl,--defsym=H7_STACK_SIZE={int(STACK_SIZE)}'])
    e['H7_IMAGE_NAME'] = name
    e['H7_IMAGE_BUDGETS'] = dict(BUDGETS or {})
    e['H7_LINK_NAMES'] = lib_names
    e['H7_LINKER_SCRIPT_PATH'] = env['H7_LINKER_SCRIPT'].abspath
    if 'OBJDUMP' not in e:
        e['OBJDUMP'] = 'arm-none-eabi-objdump'
    outs = [f'{name}{ext}' for ext in ('.elf', '.bin', '.hex', '.map', '.memory.json',
                                        '.memory.txt')]
    image = e.Command(outs, objs + flat_nodes,
                      SCons.Action.Action(_build_image, f'  IMAGE  [firmware] {name}.elf'))
    e.Depends(image, [env['H7_LINKER_SCRIPT'], e.Value(e['H7_IMAGE_BUDGETS']),
                      e.Value(lib_names), e.Value(e.subst('$LINKFLAGS'))])
    e.Depends(image, e.Glob('#tools/memreport/*.py'))
    if name == env['H7_OPTS']['app']:
        dests = [f'#build/firmware/h7voice{ext}' for ext in
                 ('.elf', '.bin', '.hex', '.map', '.memory.json', '.memory.txt')]
        e.Command(dests, image, SCons.Action.Action(_copy_default,
                                                    '  COPY   [firmware] build/firmware/h7voice.*'))
    return image


def generate(env):
    env.AddMethod(_firmware, 'H7Firmware')
    if env['H7_VARIANT'] == 'firmware':
        env.SetDefault(OBJDUMP='arm-none-eabi-objdump')
