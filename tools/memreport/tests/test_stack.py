"""Stack usage: .su parsing, the call graph from disassembly, worst paths."""
import textwrap

from memreport.stack import CallGraph, parse_su_text, worst_paths

DISASM = textwrap.dedent("""\

    Disassembly of section .text:

    08000100 <Reset_Handler>:
     8000100:	bl	8000200 <main>
     8000104:	b.n	8000104 <Reset_Handler+0x4>

    08000200 <main>:
     8000200:	push	{r4, lr}
     8000202:	bl	8000300 <parse>
     8000206:	bl	8000400 <log_line>
     800020a:	blx	r3
     800020c:	beq.n	8000210 <main+0x10>
     8000210:	pop	{r4, pc}

    08000300 <parse>:
     8000300:	b.w	8000400 <log_line>

    08000400 <log_line>:
     8000400:	bl	8000500 <fmt>
     8000404:	bx	lr

    08000500 <fmt>:
     8000500:	bx	lr

    08000600 <USART3_IRQHandler>:
     8000600:	bl	8000700 <rec>

    08000700 <rec>:
     8000700:	bl	8000700 <rec>
    """)


def test_su_parsing_keeps_largest_frame():
    su = ("firmware/common/log.c:18:6:log_line\t200\tstatic\n"
          "firmware/common/fmt.c:9:8:fmt\t48\tdynamic,bounded\n"
          "other.c:1:1:fmt\t16\tstatic\n")
    assert parse_su_text(su) == {'log_line': (200, 'static'), 'fmt': (48, 'dynamic,bounded')}


def test_call_graph_calls_tail_calls_and_indirect():
    g = CallGraph.from_disassembly(DISASM)
    assert g.calls['main'] == {'parse', 'log_line'}
    assert g.calls['parse'] == {'log_line'}          # b.w to another function: tail call
    assert g.calls['Reset_Handler'] == {'main'}      # branch inside itself is not a call
    assert 'main' in g.indirect


def test_worst_path_and_recursion():
    g = CallGraph.from_disassembly(DISASM)
    frames = {'Reset_Handler': 0, 'main': 16, 'parse': 100, 'log_line': 200, 'fmt': 48, 'rec': 8}
    w = worst_paths(g, frames, ['Reset_Handler', 'USART3_IRQHandler'])
    assert w['Reset_Handler']['bytes'] == 16 + 100 + 200 + 48
    assert w['Reset_Handler']['path'] == ['Reset_Handler', 'main', 'parse', 'log_line', 'fmt']
    assert w['Reset_Handler']['indirect'] == ['main']
    assert not w['Reset_Handler']['recursive']
    assert w['USART3_IRQHandler']['recursive']
    assert w['USART3_IRQHandler']['recursive_functions'] == ['rec']
    assert w['USART3_IRQHandler']['unknown'] == ['USART3_IRQHandler']


TABLE_DISASM = textwrap.dedent("""\
    08000100 <dispatch>:
     8000100:	ldr	r3, [pc, #4]	@ (8000108 <dispatch+0x8>)
     8000102:	ldr	r3, [r3, #0]
     8000104:	blx	r3
     8000106:	bx	lr
     8000108:	.word	0x08004000

    08000200 <cmd_a>:
     8000200:	bx	lr

    08000300 <cmd_b>:
     8000300:	bl	8000400 <helper>

    08000400 <helper>:
     8000400:	bx	lr

    08000500 <via_variable>:
     8000500:	ldr	r3, [pc, #4]	@ (8000508 <via_variable+0x8>)
     8000502:	ldr	r3, [r3, #0]
     8000504:	blx	r3
     8000508:	.word	0x20000000
    """)


def test_calls_through_a_constant_table_are_followed():
    g = CallGraph.from_disassembly(TABLE_DISASM)
    assert g.literals['dispatch'] == {0x08004000}
    functions = {0x08000200: 'cmd_a', 0x08000300: 'cmd_b', 0x08000400: 'helper'}
    objects = [(0x08004000, 16)]  # {name, fn} pairs: a string pointer, then a Thumb pointer
    table = {0x08004000: [0x08009000, 0x08000201, 0x08009010, 0x08000301]}
    g.resolve_tables(functions, objects, lambda start, size: table.get(start, []))
    assert g.resolved == {'dispatch': {'cmd_a', 'cmd_b'}}
    w = worst_paths(g, {'dispatch': 8, 'cmd_a': 16, 'cmd_b': 32, 'helper': 64, 'via_variable': 8},
                    ['dispatch', 'via_variable'])
    assert w['dispatch']['path'] == ['dispatch', 'cmd_b', 'helper']
    assert w['dispatch']['bytes'] == 8 + 32 + 64
    assert w['dispatch']['indirect'] == []            # resolved: not reported as unfollowed
    assert w['via_variable']['indirect'] == ['via_variable']
