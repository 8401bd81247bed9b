"""Map-file parsing and the region/module accounting of memreport."""
import json
import textwrap

import pytest

import memreport
from memreport.__main__ import main as cli_main
from memreport.report import module_of

MAP = textwrap.dedent("""\
    Archive member included to satisfy reference by file (symbol)

    Discarded input sections

     .text.unused   0x0000000000000000       0x10 build/firmware/firmware/common/log.o

    Memory Configuration

    Name             Origin             Length             Attributes
    FLASH            0x0000000008000000 0x0000000000000400 xr
    DTCM             0x0000000020000000 0x0000000000000100 xrw
    *default*        0x0000000000000000 0xffffffffffffffff

    Linker script and memory map

    LOAD build/firmware/firmware/apps/demo/main.o

    .isr_vector     0x0000000008000000       0x10
     *(.isr_vector)
     .isr_vector    0x0000000008000000       0x10 build/firmware/firmware/platform/stm32h743/startup.o
                    0x0000000008000000                h7_vectors

    .text           0x0000000008000010      0x120
     *(.text .text.*)
     .text.main     0x0000000008000010       0x40 build/firmware/firmware/apps/demo/main.o
                    0x0000000008000010                main
     .text.a_function_with_a_really_long_name_that_wraps
                    0x0000000008000050       0x60 build/firmware/firmware/engine/libh7nn.a(conv.o)
     *fill*         0x00000000080000b0        0x8 
     .text.memcpy   0x00000000080000b8       0x78 /usr/lib/arm-none-eabi/newlib/thumb/libc_nano.a(lib_a-memcpy.o)

    .stack          0x0000000020000000       0x80
                    0x0000000020000000                __stack_guard_start = .
                    0x0000000020000020                __stack_limit = .
     *fill*         0x0000000020000000       0x80 
                    0x0000000020000080                __stack_top = .

    .data           0x0000000020000080       0x10 load address 0x0000000008000130
     .data.counter  0x0000000020000080       0x10 build/firmware/firmware/common/log.o

    .bss            0x0000000020000090       0x20
     .bss.buffer    0x0000000020000090       0x20 build/firmware/firmware/common/log.o

    .debug_info     0x0000000000000000     0x9999
     .debug_info    0x0000000000000000     0x9999 build/firmware/firmware/apps/demo/main.o
    """)


def test_parse_regions_sections_and_wrapped_lines():
    m = memreport.parse_map(MAP)
    assert [(r.name, r.origin, r.length) for r in m.regions] == [
        ('FLASH', 0x08000000, 0x400), ('DTCM', 0x20000000, 0x100)]
    names = [s.name for s in m.sections]
    assert names[:5] == ['.isr_vector', '.text', '.stack', '.data', '.bss']
    text = m.sections[1]
    wrapped = [i for i in text.inputs if i.name.startswith('.text.a_function')][0]
    assert wrapped.size == 0x60 and wrapped.source.endswith('libh7nn.a(conv.o)')
    assert m.sections[3].lma == 0x08000130
    assert m.symbols['__stack_top'] - m.symbols['__stack_limit'] == 0x60


def test_report_regions_modules_and_load_images(tmp_path):
    path = tmp_path / 'demo.map'
    path.write_text(MAP)
    r = memreport.build_report(str(path), name='demo')
    regions = {x['name']: x for x in r['regions']}
    # flash: vectors 0x10 + text 0x120 + .data load image 0x10
    assert regions['FLASH']['used'] == 0x10 + 0x120 + 0x10
    # DTCM: stack 0x80 + data 0x10 + bss 0x20; debug sections take no space
    assert regions['DTCM']['used'] == 0x80 + 0x10 + 0x20
    mods = {x['module']: x for x in r['modules']}
    assert mods['common']['flash'] == 0x10 and mods['common']['ram'] == 0x30
    assert mods['engine']['flash'] == 0x60
    assert mods['c_nano']['flash'] == 0x78
    assert mods['(stack)']['ram'] == 0x80
    assert r['over_budget'] == []
    assert r['totals'] == {'flash_bytes': 0x140, 'ram_bytes': 0xB0}


def test_over_budget_names_region_and_overflow(tmp_path, capsys):
    path = tmp_path / 'demo.map'
    path.write_text(MAP)
    r = memreport.build_report(str(path), budgets={'FLASH': 0x100})
    assert r['over_budget'] == [{'region': 'FLASH', 'used_bytes': 0x140, 'budget_bytes': 0x100,
                                 'overflow_bytes': 0x40}]
    out_json = tmp_path / 'r.json'
    code = cli_main(['--map', str(path), '--budget', 'FLASH=256', '--json', str(out_json)])
    assert code == 1
    assert 'region FLASH overflowed by 64 bytes' in capsys.readouterr().err
    assert json.loads(out_json.read_text())['over_budget'][0]['overflow_bytes'] == 64


def test_bad_inputs_are_clear_errors(tmp_path, capsys):
    bad = tmp_path / 'x.map'
    bad.write_text('this is not a map file\n')
    assert cli_main(['--map', str(bad)]) == 2
    assert 'not a GNU ld map file' in capsys.readouterr().err
    assert cli_main(['--map', str(tmp_path / 'missing.map')]) == 2
    assert 'cannot read map file' in capsys.readouterr().err
    good = tmp_path / 'g.map'
    good.write_text(MAP)
    assert cli_main(['--map', str(good), '--budget', 'SDRAM=1K']) == 2
    assert 'unknown region' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli_main(['--map', str(good), '--budget', 'FLASH'])


def test_module_names():
    assert module_of('build/firmware/firmware/platform/stm32h743/clock.o') == 'platform'
    assert module_of('build/firmware/firmware/apps/kws/main.o') == 'apps/kws'
    assert module_of('build/firmware/firmware/third_party/cmsis_dsp/libcmsisdsp.a(x.o)') == \
        'third_party/cmsis_dsp'
    assert module_of('/usr/lib/gcc/arm-none-eabi/12.2.1/thumb/libgcc.a(_udivmoddi4.o)') == 'gcc'
