"""Memory regions of the STM32H743 (RM0433 section 2.3), mapped flash first.

Mapping flash before the RAMs keeps Unicorn's translated code blocks stable (measured:
mapping RAM first made execution about 5x slower)."""
from collections import namedtuple

Region = namedtuple('Region', 'name base size perms dma')
# perms: r, w, x; dma: whether DMA1/DMA2 (D2 domain masters) can reach it.
REGIONS = (
    Region('flash', 0x08000000, 2 * 1024 * 1024, 'rx', True),
    Region('itcm', 0x00000000, 64 * 1024, 'rwx', False),
    Region('dtcm', 0x20000000, 128 * 1024, 'rwx', False),
    Region('axi_sram', 0x24000000, 512 * 1024, 'rwx', True),
    Region('sram1', 0x30000000, 128 * 1024, 'rwx', True),
    Region('sram2', 0x30020000, 128 * 1024, 'rwx', True),
    Region('sram3', 0x30040000, 32 * 1024, 'rwx', True),
    Region('sram4', 0x38000000, 64 * 1024, 'rwx', True),
    Region('backup_sram', 0x38800000, 4 * 1024, 'rw', True),
)

# Known peripherals (RM0433 table 8) that h7sim does not model: registers read back what is
# written, and the run summary lists which ones the firmware touched.
KNOWN_PERIPHERALS = {
    0x40000000: 'TIM2', 0x40000400: 'TIM3', 0x40000800: 'TIM4', 0x40000C00: 'TIM5',
    0x40001000: 'TIM6', 0x40001400: 'TIM7', 0x40001800: 'TIM12', 0x40001C00: 'TIM13',
    0x40002000: 'TIM14', 0x40002400: 'LPTIM1', 0x40003C00: 'SPI3', 0x40004000: 'SPDIFRX',
    0x40004400: 'USART2', 0x40004C00: 'UART4', 0x40005000: 'UART5', 0x40005400: 'I2C1',
    0x40005800: 'I2C2', 0x40005C00: 'I2C3', 0x40006C00: 'HDMI-CEC', 0x40007400: 'DAC1',
    0x40007800: 'UART7', 0x40007C00: 'UART8', 0x40008400: 'CRS', 0x40010000: 'TIM1',
    0x40010400: 'TIM8', 0x40011000: 'USART1', 0x40011400: 'USART6', 0x40013000: 'SPI1',
    0x40013400: 'SPI4', 0x40014000: 'TIM15', 0x40014400: 'TIM16', 0x40014800: 'TIM17',
    0x40015000: 'SPI5', 0x40015800: 'SAI1', 0x40015C00: 'SAI2', 0x40016000: 'SAI3',
    0x40017000: 'DFSDM1', 0x40020400: 'DMA2', 0x40022000: 'ADC1/2',
    0x48021800: 'RNG', 0x50003000: 'WWDG1', 0x52000000: 'MDMA', 0x52001000: 'DMA2D',
    0x52004000: 'FMC', 0x52005000: 'QUADSPI', 0x58000C00: 'LPUART1', 0x58001400: 'SPI6',
    0x58001C00: 'I2C4', 0x58002400: 'LPTIM2', 0x58002800: 'LPTIM3', 0x58002C00: 'LPTIM4',
    0x58003000: 'LPTIM5', 0x58003800: 'COMP1/2', 0x58003C00: 'VREFBUF', 0x58004000: 'RTC',
    0x58005400: 'SAI4', 0x58024C00: 'CRC', 0x58025400: 'BDMA', 0x58025800: 'DMAMUX2',
    0x58026000: 'ADC3', 0x58026400: 'HSEM', 0x5C001000: 'DBGMCU',
}


def region_of(address, length=1):
    """The region holding [address, address+length), or None."""
    for region in REGIONS:
        if region.base <= address and address + length <= region.base + region.size:
            return region
    return None
