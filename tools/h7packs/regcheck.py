"""Our register definitions against ST's CMSIS device header (the oracle).

Checks, for the firmware (firmware/platform/stm32h743/h743_regs.h, startup.c):
  - every peripheral instance (H7_RCC, H7_DMA1, H7_GPIO(n)...): its base address, and each
    named register word of our struct lands on the register of the same name in ST's
    layout (ST's typedef structs walked member by member, arrays and RESERVED included);
  - every macro: base addresses, bit masks, _Pos positions, field encodings, IRQ numbers,
    against the ST macro of the same name or the ST expression named in ST_EXPR;
  - the IRQ enum against IRQn_Type, and the vector table of startup.c against
    startup_stm32h743xx.s slot by slot (order and length).
and for the simulator (tools/h7sim): each modelled peripheral's base address and name, the
register-offset constants of its model, and the IRQ numbers it raises.

A definition with no counterpart in ST's header must be listed in NOT_IN_ST with where
the fact comes from; anything else unmatched fails. One implementation, used by the tests
beside the firmware and the simulator and by `h7voice packs check`."""
import json
import os
import re

from h7voice import paths

from .cheader import Header

OURS = os.path.join(paths.FIRMWARE, 'platform', 'stm32h743', 'h743_regs.h')
STARTUP_C = os.path.join(paths.FIRMWARE, 'platform', 'stm32h743', 'startup.c')
ENV_DIR = 'H7_ST_HEADER_DIR'
DEVICE_HEADER = 'stm32h743xx.h'
STARTUP_S = 'startup_stm32h743xx.s'


def st_dir():
    """The folder with ST's device header: $H7_ST_HEADER_DIR (e.g. a fetched pack's
    Include folder), else ../shared/st (MissingPart with one line if absent)."""
    override = os.environ.get(ENV_DIR)
    if override:
        if not os.path.isfile(os.path.join(override, DEVICE_HEADER)):
            raise paths.MissingPart(f'{ENV_DIR}={override} holds no {DEVICE_HEADER}')
        return override
    return os.path.dirname(paths.shared('st', DEVICE_HEADER, what="the register test (ST's device header)"))


def st_startup_path(folder):
    """startup_stm32h743xx.s beside the header (../shared/st) or in a pack's gcc folder."""
    for cand in (os.path.join(folder, STARTUP_S),
                 os.path.join(folder, '..', 'Source', 'Templates', 'gcc', STARTUP_S),
                 os.path.join(folder, '..', '..', 'Source', 'Templates', 'gcc', STARTUP_S)):
        if os.path.isfile(cand):
            return os.path.normpath(cand)
    raise paths.MissingPart(f'{STARTUP_S} not found beside {folder}')


# Our name -> ST expression (evaluated in ST's header) where the names differ.
ST_EXPR = {
    'H7_ITCM_BASE': 'D1_ITCMRAM_BASE',
    'H7_FLASH_BASE': 'FLASH_BANK1_BASE',
    'H7_FLASH_SIZE': 'FLASH_END - FLASH_BANK1_BASE + 1',
    'H7_DTCM_BASE': 'D1_DTCMRAM_BASE',
    'H7_AXISRAM_BASE': 'D1_AXISRAM_BASE',
    'H7_SRAM1_BASE': 'D2_AHBSRAM_BASE',
    'H7_SRAM4_BASE': 'D3_SRAM_BASE',
    'H7_GPIO_STRIDE': 'GPIOB_BASE - GPIOA_BASE',
    'H7_RCC_CR_HSECSSON': 'RCC_CR_CSSHSEON',
    'H7_RCC_D2CCIP2R_USART234578SEL': 'RCC_D2CCIP2R_USART28SEL',
    'H7_RCC_D2CCIP2R_USART234578SEL_Pos': 'RCC_D2CCIP2R_USART28SEL_Pos',
    'H7_RCC_HPRE_DIV1': 'RCC_D1CFGR_HPRE_DIV1 >> RCC_D1CFGR_HPRE_Pos',
    'H7_RCC_HPRE_DIV2': 'RCC_D1CFGR_HPRE_DIV2 >> RCC_D1CFGR_HPRE_Pos',
    'H7_RCC_HPRE_DIV4': 'RCC_D1CFGR_HPRE_DIV4 >> RCC_D1CFGR_HPRE_Pos',
    'H7_RCC_D1CPRE_DIV1': 'RCC_D1CFGR_D1CPRE_DIV1 >> RCC_D1CFGR_D1CPRE_Pos',
    'H7_RCC_D1CPRE_DIV4': 'RCC_D1CFGR_D1CPRE_DIV4 >> RCC_D1CFGR_D1CPRE_Pos',
    'H7_RCC_PPRE_DIV1': 'RCC_D1CFGR_D1PPRE_DIV1 >> RCC_D1CFGR_D1PPRE_Pos',
    'H7_RCC_PPRE_DIV2': 'RCC_D1CFGR_D1PPRE_DIV2 >> RCC_D1CFGR_D1PPRE_Pos',
    'H7_RCC_PPRE_DIV4': 'RCC_D1CFGR_D1PPRE_DIV4 >> RCC_D1CFGR_D1PPRE_Pos',
    'H7_RCC_PLLRGE_1_2MHZ': 'RCC_PLLCFGR_PLL1RGE_0 >> RCC_PLLCFGR_PLL1RGE_Pos',
    'H7_RCC_PLLRGE_2_4MHZ': 'RCC_PLLCFGR_PLL1RGE_1 >> RCC_PLLCFGR_PLL1RGE_Pos',
    'H7_RCC_PLLRGE_4_8MHZ': 'RCC_PLLCFGR_PLL1RGE_2 >> RCC_PLLCFGR_PLL1RGE_Pos',
    'H7_RCC_PLLRGE_8_16MHZ': 'RCC_PLLCFGR_PLL1RGE_3 >> RCC_PLLCFGR_PLL1RGE_Pos',
    'H7_RCC_PLLSRC_HSI': 'RCC_PLLCKSELR_PLLSRC_HSI >> RCC_PLLCKSELR_PLLSRC_Pos',
    'H7_RCC_PLLSRC_CSI': 'RCC_PLLCKSELR_PLLSRC_CSI >> RCC_PLLCKSELR_PLLSRC_Pos',
    'H7_RCC_PLLSRC_HSE': 'RCC_PLLCKSELR_PLLSRC_HSE >> RCC_PLLCKSELR_PLLSRC_Pos',
    'H7_RCC_PLLSRC_NONE': 'RCC_PLLCKSELR_PLLSRC_NONE >> RCC_PLLCKSELR_PLLSRC_Pos',
    'H7_RCC_PLLDIVR_DIVN': 'RCC_PLL1DIVR_N1', 'H7_RCC_PLLDIVR_DIVN_Pos': 'RCC_PLL1DIVR_N1_Pos',
    'H7_RCC_PLLDIVR_DIVP': 'RCC_PLL1DIVR_P1', 'H7_RCC_PLLDIVR_DIVP_Pos': 'RCC_PLL1DIVR_P1_Pos',
    'H7_RCC_PLLDIVR_DIVQ': 'RCC_PLL1DIVR_Q1', 'H7_RCC_PLLDIVR_DIVQ_Pos': 'RCC_PLL1DIVR_Q1_Pos',
    'H7_RCC_PLLDIVR_DIVR': 'RCC_PLL1DIVR_R1', 'H7_RCC_PLLDIVR_DIVR_Pos': 'RCC_PLL1DIVR_R1_Pos',
    'H7_PWR_CR1_PVDE': 'PWR_CR1_PVDEN',
    'H7_PWR_VOS_SCALE1': 'PWR_D3CR_VOS >> PWR_D3CR_VOS_Pos',
    'H7_PWR_VOS_SCALE2': 'PWR_D3CR_VOS_1 >> PWR_D3CR_VOS_Pos',
    'H7_PWR_VOS_SCALE3': 'PWR_D3CR_VOS_0 >> PWR_D3CR_VOS_Pos',
    'H7_GPIO_MODE_OUTPUT': 'GPIO_MODER_MODE0_0',
    'H7_GPIO_MODE_AF': 'GPIO_MODER_MODE0_1',
    'H7_GPIO_MODE_ANALOG': 'GPIO_MODER_MODE0',
    'H7_USART_ISR_RXNE': 'USART_ISR_RXNE_RXFNE',
    'H7_USART_ISR_TXE': 'USART_ISR_TXE_TXFNF',
    'H7_DMA_FLAG_FEIF': 'DMA_LISR_FEIF0', 'H7_DMA_FLAG_DMEIF': 'DMA_LISR_DMEIF0',
    'H7_DMA_FLAG_TEIF': 'DMA_LISR_TEIF0', 'H7_DMA_FLAG_HTIF': 'DMA_LISR_HTIF0',
    'H7_DMA_FLAG_TCIF': 'DMA_LISR_TCIF0',
    'H7_DMA_FLAG_ALL': 'DMA_LISR_FEIF0 | DMA_LISR_DMEIF0 | DMA_LISR_TEIF0 | DMA_LISR_HTIF0 | DMA_LISR_TCIF0',
    'H7_DMA_SIZE_HALFWORD': 'DMA_SxCR_MSIZE_0 >> DMA_SxCR_MSIZE_Pos',
    'H7_DMA_SIZE_WORD': 'DMA_SxCR_MSIZE_1 >> DMA_SxCR_MSIZE_Pos',
    'H7_NVIC_PRIO_BITS': '__NVIC_PRIO_BITS',
    'H7_I2SCFG_MASTER_RX': '(SPI_I2SCFGR_I2SCFG_0 | SPI_I2SCFGR_I2SCFG_1) >> SPI_I2SCFGR_I2SCFG_Pos',
    'H7_SPI2_RXDR_ADDR': 'SPI2_BASE + 0x30',  # 0x30 = RXDR's offset, checked in SPI_TypeDef below
}
for _f in ('DMAREQ_ID_Pos', 'DMAREQ_ID', 'SOIE', 'EGE', 'SE'):
    ST_EXPR['H7_DMAMUX_CCR_' + _f] = 'DMAMUX_CxCR_' + _f
for _name, _irqn in (('NMI', 'NonMaskableInt'), ('HARDFAULT', 'HardFault'),
                     ('MEMMANAGE', 'MemoryManagement'), ('BUSFAULT', 'BusFault'),
                     ('USAGEFAULT', 'UsageFault'), ('SVCALL', 'SVCall'), ('PENDSV', 'PendSV'),
                     ('SYSTICK', 'SysTick')):
    ST_EXPR[f'H7_EXC_{_name}'] = f'16 + {_irqn}_IRQn'  # exception number = 16 + IRQn

# Our IRQ names whose ST IRQn names differ by more than letter case.
IRQ_NAMES = {'ADC1_2': 'ADC', 'HASH_RNG': 'RNG'}
IRQ_NAMES.update({f'BDMA_CH{i}': f'BDMA_Channel{i}' for i in range(8)})

# Definitions ST's CMSIS device header does not hold, with where the fact comes from.
_RM = 'RM0433'
NOT_IN_ST = {
    'H7_ITCM_SIZE': f'{_RM} 2.3.2 memory map (the header gives bases, not sizes)',
    'H7_DTCM_SIZE': f'{_RM} 2.3.2 memory map', 'H7_AXISRAM_SIZE': f'{_RM} 2.3.2 memory map',
    'H7_SRAM1_SIZE': f'{_RM} 2.3.2 memory map', 'H7_SRAM2_SIZE': f'{_RM} 2.3.2 memory map',
    'H7_SRAM3_SIZE': f'{_RM} 2.3.2 memory map', 'H7_SRAM4_SIZE': f'{_RM} 2.3.2 memory map',
    'H7_SRAM2_BASE': f'{_RM} 2.3.2 (the header names only the D2 AHB SRAM base)',
    'H7_SRAM3_BASE': f'{_RM} 2.3.2 (the header names only the D2 AHB SRAM base)',
    'H7_RCC_CKPERSEL_HSI': f'{_RM} 8.7 RCC_D1CCIPR.CKPERSEL encoding',
    'H7_RCC_SPI123SEL_PER_CK': f'{_RM} 8.7 RCC_D2CCIP1R.SPI123SEL encoding',
    'H7_RCC_USARTSEL_HSI': f'{_RM} 8.7 RCC_D2CCIP2R.USART234578SEL encoding',
    'H7_RCC_LPTIM1SEL_LSI': f'{_RM} 8.7 RCC_D2CCIP2R.LPTIM1SEL encoding',
    'H7_DBGMCU_REV_Y': f'{_RM} DBGMCU_IDCODE REV_ID values', 'H7_DBGMCU_REV_V': f'{_RM} DBGMCU_IDCODE REV_ID values',
    'H7_GPIO_MODE_INPUT': f'{_RM} 11.4 GPIOx_MODER encoding 00',
    'H7_GPIO_AF5_SPI2': 'DS12110 alternate-function table', 'H7_GPIO_AF7_USART3': 'DS12110 alternate-function table',
    'H7_I2SSTD_PHILIPS': f'{_RM} 50.11 SPI_I2SCFGR.I2SSTD encoding 00',
    'H7_I2S_DATLEN_16': f'{_RM} 50.11 SPI_I2SCFGR.DATLEN encoding 00',
    'H7_DMA_SIZE_BYTE': f'{_RM} 15.5 DMA_SxCR.MSIZE encoding 00',
    'H7_DMAREQ_SPI1_RX': f'{_RM} 17.3.2 DMAMUX1 request inputs', 'H7_DMAREQ_SPI1_TX': f'{_RM} 17.3.2',
    'H7_DMAREQ_SPI2_RX': f'{_RM} 17.3.2', 'H7_DMAREQ_SPI2_TX': f'{_RM} 17.3.2',
    'H7_DMAREQ_USART3_RX': f'{_RM} 17.3.2', 'H7_DMAREQ_USART3_TX': f'{_RM} 17.3.2',
    'H7_EXTI_LINE_USART3_WKUP': f'{_RM} 20.3 EXTI event input mapping',
    'H7_EXTI_LINE_SPI2_WKUP': f'{_RM} 20.3 EXTI event input mapping',
    'H7_IWDG_KEY_START': f'{_RM} 45.4.1 IWDG_KR keys', 'H7_IWDG_KEY_RELOAD': f'{_RM} 45.4.1',
    'H7_IWDG_KEY_UNLOCK': f'{_RM} 45.4.1', 'H7_LSI_HZ': 'DS12110 LSI oscillator (32 kHz)',
    'H7_CACHE_LINE_BYTES': 'Cortex-M7 TRM (32-byte cache lines)',
}
# Arm core registers live in CMSIS-Core's core_cm7.h, which is not ST's to ship (and not
# in ../shared): checked against the Armv7-M ARM by hand.
CORE_PREFIXES = ('H7_SYSTICK', 'H7_NVIC', 'H7_SCB', 'H7_MPU', 'H7_DWT', 'H7_DEMCR', 'H7_FPU',
                 'H7_CACHE_OPS')
CORE_REASON = 'Arm core register (Armv7-M ARM; core_cm7.h is not in ST\'s device header)'
# Helpers, not definitions of the chip.
HELPERS = {'H7_REG32', 'H7_BIT', 'H7_OFFSET_CHECK', 'H7_PLATFORM_STM32H743_H743_REGS_H'}
GPIO_PORTS = 'ABCDEFGHIJK'


class Report:
    """What was checked, what disagreed, and what has no counterpart in ST's header."""

    def __init__(self, st_folder):
        self.st_folder = st_folder
        self.checked = {}  # category -> count
        self.problems = []
        self.not_in_st = {}

    def check(self, category, what, ours, theirs):
        self.checked[category] = self.checked.get(category, 0) + 1
        if ours != theirs:
            fmt = (lambda v: hex(v)) if isinstance(ours, int) and isinstance(theirs, int) else repr
            self.problems.append(f'{what}: ours {fmt(ours)}, ST {fmt(theirs)}')

    def fail(self, what):
        self.problems.append(what)

    @property
    def total(self):
        return sum(self.checked.values())

    def as_json(self):
        return {'st_header': os.path.join(self.st_folder, DEVICE_HEADER), 'checked': self.total,
                'by_category': self.checked, 'disagreements': self.problems,
                'not_in_st_header': len(self.not_in_st)}


def st_register_map(st):
    """{address: set of register names} over every ST instance (RCC, DMA1_Stream3...)."""
    out = {}
    for inst, (struct, base) in st.instances().items():
        for addr, name in st.registers(struct, base).items():
            out.setdefault(addr, set()).add((inst, name))
    return out


def _leaf(name):
    return re.sub(r'\[\d+\]', '', name.split('.')[-1])


# Register names that differ between our structs (RM0433's names) and ST's.
REGISTER_NAMES = {'CPUIMR1': 'IMR1', 'CPUEMR1': 'EMR1', 'CPUPR1': 'PR1', 'CPUIMR2': 'IMR2',
                  'CPUEMR2': 'EMR2', 'CPUPR2': 'PR2', 'CPUIMR3': 'IMR3', 'CPUEMR3': 'EMR3',
                  'CPUPR3': 'PR3'}


def check_register(report, st_map, category, what, address, name):
    """`name` (a register name, RM0433 spelling) must be ST's register at `address`."""
    want = REGISTER_NAMES.get(name, name)
    names = st_map.get(address, set())
    leaves = {_leaf(n) for _, n in names}
    report.checked[category] = report.checked.get(category, 0) + 1
    if want not in leaves:
        found = ', '.join(sorted(f'{i}.{n}' for i, n in names)) or 'no register'
        report.fail(f'{what} at 0x{address:08x}: ST has {found} there')


def check_firmware(st_folder=None, ours_path=OURS, startup_path=STARTUP_C):
    """Report of h743_regs.h and startup.c against ST's header and start-up file."""
    st_folder = st_folder or st_dir()
    st = Header(os.path.join(st_folder, DEVICE_HEADER))
    ours = Header(ours_path)
    report = Report(st_folder)
    st_map = st_register_map(st)
    st_inst = st.instances()

    # 1. Instances: base address and every named register word.
    instances = dict(ours.instances())
    for i, port in enumerate(GPIO_PORTS):
        instances[f'H7_GPIO{port}'] = ('h7_gpio_t', ours.value(f'H7_GPIO_STRIDE * {i} + H7_GPIOA_BASE'))
    pointer_names = set(instances)
    for inst, (struct, base) in sorted(instances.items()):
        if inst.startswith(CORE_PREFIXES):
            report.not_in_st[inst] = CORE_REASON
            continue
        st_name = inst[3:]
        if st_name not in st_inst:
            report.fail(f'{inst}: ST defines no instance {st_name}')
            continue
        report.check('base addresses', f'{inst} base', base, st_inst[st_name][1])
        for addr, reg in ours.registers(struct, base).items():
            check_register(report, st_map, 'register offsets', f'{inst}->{reg}', addr, _leaf(reg))

    # 2. Macros.
    irq_enum = st.enums['IRQn_Type']
    for name, (params, body) in ours.defines.items():
        if name in HELPERS or name in pointer_names or re.fullmatch(r'H7_GPIO[A-K]|H7_GPIO', name):
            continue
        if name in NOT_IN_ST:
            report.not_in_st[name] = NOT_IN_ST[name]
            continue
        if name.startswith(CORE_PREFIXES) and name not in ST_EXPR:
            report.not_in_st[name] = CORE_REASON
            continue
        if name == 'H7_DBGMCU_IDCODE':
            check_register(report, st_map, 'register offsets', name,
                           ours.value('H7_DBGMCU_BASE + 0x00u'), 'IDCODE')
            continue
        if params is not None:
            _check_function_macro(report, st, ours, name, irq_enum)
            continue
        category = ('base addresses' if name.endswith(('_BASE', '_STRIDE', '_SIZE', '_ADDR'))
                    else 'exception numbers' if name.startswith('H7_EXC_')
                    else 'bit positions' if name.endswith('_Pos') else 'bit fields and values')
        st_expr = ST_EXPR.get(name, name[3:])
        theirs = st.try_value(st_expr)
        if theirs is None:
            report.fail(f'{name}: no {st_expr} in ST\'s header; add it to ST_EXPR or NOT_IN_ST '
                        f'(with its {_RM} section) in tools/h7packs/regcheck.py')
            continue
        report.check(category, name, ours.value(name), theirs)

    # 3. IRQ numbers.
    ours_irq = ours.enums['h7_irq_t']
    st_by_lower = {k[:-5].lower(): v for k, v in irq_enum.items() if k.endswith('_IRQn')}
    for name, number in ours_irq.items():
        short = name[len('H7_IRQ_'):]
        if short == 'COUNT':
            report.check('IRQ numbers', name, number, max(irq_enum.values()) + 1)
            continue
        st_name = IRQ_NAMES.get(short, short).lower()
        if st_name not in st_by_lower:
            report.fail(f'{name}: ST has no {IRQ_NAMES.get(short, short)}_IRQn')
            continue
        report.check('IRQ numbers', name, number, st_by_lower[st_name])
    missing = set(v for v in irq_enum.values() if v >= 0) - set(ours_irq.values())
    if missing:
        report.fail(f'h7_irq_t lacks ST IRQ numbers {sorted(missing)}')

    # 4. Vector table, slot by slot.
    st_vectors = st_vector_table(st_startup_path(st_folder))
    our_vectors = our_vector_table(ours, startup_path)
    report.check('vector table', 'vector table length', len(our_vectors), len(st_vectors))
    for i, (a, b) in enumerate(zip(our_vectors, st_vectors)):
        if i == 0:  # the initial stack pointer: a linker symbol of each
            continue
        report.check('vector table', f'vector slot {i}', a, b)
    return report


def _check_function_macro(report, st, ours, name, irq_enum):
    if name == 'H7_RCC_AHB4ENR_GPIOEN':
        for i, port in enumerate(GPIO_PORTS):
            report.check('bit fields and values', f'{name}({i})', ours.value(f'{name}({i})'),
                         st.value(f'RCC_AHB4ENR_GPIO{port}EN'))
    elif name == 'H7_DMA_FLAG_SHIFT':
        for n in range(8):
            reg = 'LISR' if n < 4 else 'HISR'
            report.check('bit positions', f'{name}({n})', ours.value(f'{name}({n})'),
                         st.value(f'DMA_{reg}_FEIF{n}_Pos'))
    elif name == 'H7_IRQ_DMA1_STREAM':
        for n in range(8):
            report.check('IRQ numbers', f'{name}({n})',
                         ours.value(re.sub(r'\bH7_IRQ_(\w+)', lambda m: str(ours.enums['h7_irq_t'][m.group(0)]),
                                           ours._expand(f'{name}({n})', {}, 0))),
                         irq_enum[f'DMA1_Stream{n}_IRQn'])
    elif name == 'H7_DBGMCU_IDCODE_DEV_ID':
        report.check('bit fields and values', name, ours.value(f'{name}(0xFFFFFFFFu)'),
                     st.value('DBGMCU_IDCODE_DEV_ID_Msk'))
    elif name == 'H7_DBGMCU_IDCODE_REV_ID':
        report.check('bit fields and values', name, ours.value(f'{name}(0xFFFFFFFFu)'),
                     st.value('DBGMCU_IDCODE_REV_ID_Msk >> DBGMCU_IDCODE_REV_ID_Pos'))
    else:
        report.fail(f'{name}(...): a function-like macro the register test does not know; '
                    f'teach tools/h7packs/regcheck.py how to check it')


def st_vector_table(path):
    """Handler names of g_pfnVectors in ST's start-up file, '0' for reserved slots."""
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    body = text.split('g_pfnVectors:', 1)[1].split('.size', 1)[0]
    return re.findall(r'^\s*\.word\s+(\w+)', body, re.M)


def our_vector_table(ours, startup_path=STARTUP_C):
    """Handler names of startup.c's h7_vectors, by designated index; '0' where empty."""
    with open(startup_path, encoding='utf-8') as f:
        text = f.read()
    m = re.search(r'h7_vectors\[([^\]]+)\]\s*=\s*\{(.*?)\n\};', text, re.S)
    if not m:
        raise ValueError(f'{paths.rel(startup_path)}: h7_vectors initializer not found')
    size_expr = re.sub(r'\bH7_IRQ_COUNT\b', str(ours.enums['h7_irq_t']['H7_IRQ_COUNT']), m.group(1))
    table = ['0'] * ours.value(size_expr)
    body = re.sub(r'/\*.*?\*/', '', m.group(2), flags=re.S)
    for index, value in re.findall(r'\[([^\]]+)\]\s*=\s*([^,]+),', body):
        value = value.strip()
        table[ours.value(index)] = '0' if value == '0' else re.findall(r'\w+', value)[-1]
    table[0] = '_estack'
    return table


def write_json(reports, path=None):
    path = path or os.path.join(paths.BENCH, 'registers.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = {}
    if os.path.exists(path):
        try:
            with open(path) as f:
                data = json.load(f)
        except (OSError, ValueError):
            data = {}
    data.update(reports)
    data['total_checked'] = sum(r['checked'] for k, r in data.items() if isinstance(r, dict))
    with open(path, 'w') as f:
        json.dump(data, f, indent=1, sort_keys=True)
    return path


# ---------------------------------------------------------------------------- simulator
# periph module -> the ST instance whose layout its offset constants follow.
SIM_MODULES = {'rcc': 'RCC', 'pwr': 'PWR', 'flash': 'FLASH', 'syscfg': 'SYSCFG', 'gpio': 'GPIOA',
               'usart': 'USART3', 'iwdg': 'IWDG1', 'exti': 'EXTI', 'spi_i2s': 'SPI2',
               'lptim': 'LPTIM1', 'dma': 'DMA1'}
# Model constant -> ST register name where they differ.
SIM_REGISTER_NAMES = {('gpio', 'AFRL'): 'AFR', ('gpio', 'AFRH'): 'AFR'}
# Constants that are offsets but not ST registers, or hex constants that are not offsets.
SIM_NOT_IN_ST = {
    ('rcc', 'C1_RSR'): f'{_RM} 8.7 RCC_C1_RSR at 0x130 (ST\'s single-core header stops at 0x12C)',
    ('dma', 'STREAM0'): 'stream block start, checked through the Sx registers below',
    ('dma', 'STREAM_STRIDE'): 'stream block size, checked through the Sx registers below',
}
SIM_DMA_STREAM = ('SxCR', 'SxNDTR', 'SxPAR', 'SxM0AR', 'SxM1AR', 'SxFCR')
# Names of h7sim's unmodelled-peripheral table that ST spells differently.
SIM_PERIPHERAL_NAMES = {'ADC1/2': 'ADC1', 'HDMI-CEC': 'CEC', 'COMP1/2': 'COMP12',
                        'DFSDM1': 'DFSDM1_Channel0', 'FMC': 'FMC_Bank1_R'}


def _hex_constants(module_path):
    """{NAME: value} for module-level names bound to hexadecimal literals (the register
    offsets of an h7sim model; bits are written as shifts or decimals)."""
    import ast
    with open(module_path, encoding='utf-8') as f:
        source = f.read()
    out = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target, value = node.targets[0], node.value
        pairs = []
        if isinstance(target, ast.Name):
            pairs = [(target, value)]
        elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            pairs = list(zip(target.elts, value.elts))
        for t, v in pairs:
            if (isinstance(t, ast.Name) and isinstance(v, ast.Constant) and isinstance(v.value, int)
                    and ast.get_source_segment(source, v).lower().startswith('0x')):
                out[t.id] = v.value
    return out


def check_simulator(board, st_folder=None):
    """The simulator's peripheral map against ST's: `board` is an h7sim Board."""
    import importlib
    from h7sim import memory_map
    st_folder = st_folder or st_dir()
    st = Header(os.path.join(st_folder, DEVICE_HEADER))
    report = Report(st_folder)
    st_map = st_register_map(st)
    st_inst = st.instances()
    by_base = {}
    for inst, (_, base) in st_inst.items():
        by_base.setdefault(base, set()).add(inst)

    # 1. Modelled peripherals: base address and name.
    for dev in board.modelled:
        if dev.base >= 0xE0000000:
            report.not_in_st[f'sim {dev.name}'] = CORE_REASON
            continue
        if dev.name not in st_inst:
            report.fail(f'h7sim {dev.name}: ST defines no instance {dev.name}')
            continue
        report.check('sim base addresses', f'h7sim {dev.name} base', dev.base, st_inst[dev.name][1])
    # Unmodelled peripherals h7sim names in its memory map.
    for base, name in memory_map.KNOWN_PERIPHERALS.items():
        want = SIM_PERIPHERAL_NAMES.get(name, name)
        report.checked['sim base addresses'] = report.checked.get('sim base addresses', 0) + 1
        if want not in by_base.get(base, set()):
            report.fail(f'h7sim memory_map {name} at 0x{base:08x}: ST has '
                        f'{", ".join(sorted(by_base.get(base, ()))) or "nothing"} there')
    # Memory regions.
    for region in memory_map.REGIONS:
        st_base = {'flash': 'FLASH_BANK1_BASE', 'itcm': 'D1_ITCMRAM_BASE', 'dtcm': 'D1_DTCMRAM_BASE',
                   'axi_sram': 'D1_AXISRAM_BASE', 'sram1': 'D2_AHBSRAM_BASE', 'sram4': 'D3_SRAM_BASE',
                   'backup_sram': 'D3_BKPSRAM_BASE'}.get(region.name)
        if st_base is None:
            report.not_in_st[f'sim region {region.name}'] = f'{_RM} 2.3.2 memory map'
            continue
        report.check('sim base addresses', f'h7sim region {region.name}', region.base, st.value(st_base))

    # 2. Register offsets of each model.
    periph_dir = os.path.join(paths.TOOLS, 'h7sim', 'periph')
    for module, inst in SIM_MODULES.items():
        base = st_inst[inst][1]
        consts = _hex_constants(os.path.join(periph_dir, module + '.py'))
        for name, offset in consts.items():
            if (module, name) in SIM_NOT_IN_ST:
                report.not_in_st[f'sim {module}.{name}'] = SIM_NOT_IN_ST[(module, name)]
                continue
            if module == 'dma' and name in SIM_DMA_STREAM:
                for n in range(8):
                    addr = base + consts['STREAM0'] + n * consts['STREAM_STRIDE'] + offset
                    check_register(report, st_map, 'sim register offsets', f'h7sim dma.{name} stream {n}',
                                   addr, name[2:])
                continue
            reg = SIM_REGISTER_NAMES.get((module, name), name)
            check_register(report, st_map, 'sim register offsets', f'h7sim {module}.{name}',
                           base + offset, reg)
    rcc = importlib.import_module('h7sim.periph.rcc')
    rcc_regs = {a - st_inst['RCC'][1]: n for a, n in st.registers('RCC_TypeDef', st_inst['RCC'][1]).items()}
    for periph, (offset, bit) in rcc.ENABLE_BITS.items():
        reg = rcc_regs.get(offset, f'offset 0x{offset:x}')
        report.check('sim bit fields', f'h7sim rcc.ENABLE_BITS[{periph}]', bit,
                     st.try_value(f'RCC_{reg}_{periph}EN_Pos'))

    # 3. IRQ numbers the models raise.
    irqn = st.enums['IRQn_Type']
    report.check('sim IRQ numbers', 'h7sim USART3 irq', board.usart3.irq, irqn['USART3_IRQn'])
    report.check('sim IRQ numbers', 'h7sim SPI2 irq', board.spi2.irq, irqn['SPI2_IRQn'])
    for n, stream in enumerate(board.dma1.streams):
        report.check('sim IRQ numbers', f'h7sim DMA1 stream {n} irq', stream.irq, irqn[f'DMA1_Stream{n}_IRQn'])
    exti = importlib.import_module('h7sim.periph.exti')
    for line, irq in exti.LINE_IRQ.items():
        st_name = (f'EXTI{line}_IRQn' if line < 5 else 'EXTI9_5_IRQn' if line < 10 else 'EXTI15_10_IRQn')
        report.check('sim IRQ numbers', f'h7sim EXTI line {line} irq', irq, irqn[st_name])
    nvic = importlib.import_module('h7sim.periph.nvic')
    report.check('sim IRQ numbers', 'h7sim nvic.IRQ_COUNT', nvic.IRQ_COUNT, max(irqn.values()) + 1)
    return report
