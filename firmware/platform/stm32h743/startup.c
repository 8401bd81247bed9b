/*
 * Start-up: the vector table (all 150 STM32H743 interrupt slots) and the reset handler.
 *
 * Reset_Handler turns the FPU on (CPACR) before any floating-point instruction can run,
 * clocks the D2 SRAMs, copies .data and the ITCM code from flash, zeroes every .bss-like
 * section, points VTOR at our table, sets up the MPU and the caches, and calls main().
 * Every interrupt has a weak handler that a driver overrides by defining
 * <Name>_IRQHandler (e.g. DMA1_Stream0_IRQHandler, SPI2_IRQHandler, USART3_IRQHandler).
 */
#include <stdint.h>

#include "platform/stm32h743/h743_regs.h"
#include "platform/stm32h743/h743_internal.h"

extern uint32_t __stack_top[];
extern uint32_t __vector_table[];
extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __itcm_start[], __itcm_end[], __itcm_load[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __dtcm_bss_start[], __dtcm_bss_end[];
extern uint32_t __axi_bss_start[], __axi_bss_end[];
extern uint32_t __dma_bss_start[], __dma_bss_end[];
extern uint32_t __sram4_bss_start[], __sram4_bss_end[];
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

int main(void);
void Reset_Handler(void);
void Default_Handler(void);
void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void HardFault_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void);

void WWDG_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void PVD_AVD_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TAMP_STAMP_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void RTC_WKUP_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void FLASH_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void RCC_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI0_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI2_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI3_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI4_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA1_Stream0_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA1_Stream1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA1_Stream2_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA1_Stream3_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA1_Stream4_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA1_Stream5_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA1_Stream6_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void ADC_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void FDCAN1_IT0_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void FDCAN2_IT0_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void FDCAN1_IT1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void FDCAN2_IT1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI9_5_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM1_BRK_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM1_UP_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM1_TRG_COM_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM1_CC_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM2_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM3_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM4_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void I2C1_EV_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void I2C1_ER_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void I2C2_EV_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void I2C2_ER_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void SPI1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void SPI2_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void USART1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void USART2_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void USART3_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void EXTI15_10_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void RTC_Alarm_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM8_BRK_TIM12_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM8_UP_TIM13_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM8_TRG_COM_TIM14_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM8_CC_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA1_Stream7_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void FMC_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void SDMMC1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM5_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void SPI3_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void UART4_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void UART5_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM6_DAC_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM7_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA2_Stream0_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA2_Stream1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA2_Stream2_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA2_Stream3_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA2_Stream4_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void ETH_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void ETH_WKUP_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void FDCAN_CAL_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA2_Stream5_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA2_Stream6_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA2_Stream7_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void USART6_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void I2C3_EV_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void I2C3_ER_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void OTG_HS_EP1_OUT_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void OTG_HS_EP1_IN_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void OTG_HS_WKUP_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void OTG_HS_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DCMI_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void RNG_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void FPU_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void UART7_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void UART8_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void SPI4_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void SPI5_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void SPI6_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void SAI1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void LTDC_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void LTDC_ER_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMA2D_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void SAI2_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void QUADSPI_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void LPTIM1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void CEC_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void I2C4_EV_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void I2C4_ER_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void SPDIF_RX_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void OTG_FS_EP1_OUT_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void OTG_FS_EP1_IN_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void OTG_FS_WKUP_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void OTG_FS_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMAMUX1_OVR_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void HRTIM1_Master_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void HRTIM1_TIMA_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void HRTIM1_TIMB_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void HRTIM1_TIMC_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void HRTIM1_TIMD_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void HRTIM1_TIME_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void HRTIM1_FLT_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DFSDM1_FLT0_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DFSDM1_FLT1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DFSDM1_FLT2_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DFSDM1_FLT3_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void SAI3_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void SWPMI1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM15_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM16_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void TIM17_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void MDIOS_WKUP_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void MDIOS_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void JPEG_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void MDMA_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void SDMMC2_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void HSEM1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void ADC3_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void DMAMUX2_OVR_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void BDMA_Channel0_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void BDMA_Channel1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void BDMA_Channel2_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void BDMA_Channel3_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void BDMA_Channel4_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void BDMA_Channel5_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void BDMA_Channel6_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void BDMA_Channel7_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void COMP1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void LPTIM2_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void LPTIM3_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void LPTIM4_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void LPTIM5_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void LPUART1_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void CRS_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void ECC_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void SAI4_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));
void WAKEUP_PIN_IRQHandler(void) __attribute__((weak, alias("Default_Handler")));

typedef void (*h7_vector_t)(void);

__attribute__((section(".isr_vector"), used))
const h7_vector_t h7_vectors[16 + H7_IRQ_COUNT] = {
    [0] = (h7_vector_t)(uintptr_t)__stack_top,
    [1] = Reset_Handler,
    [2] = NMI_Handler,
    [3] = HardFault_Handler,
    [4] = MemManage_Handler,
    [5] = BusFault_Handler,
    [6] = UsageFault_Handler,
    [11] = SVC_Handler,
    [12] = DebugMon_Handler,
    [14] = PendSV_Handler,
    [15] = SysTick_Handler,
    [16 + 0] = WWDG_IRQHandler,
    [16 + 1] = PVD_AVD_IRQHandler,
    [16 + 2] = TAMP_STAMP_IRQHandler,
    [16 + 3] = RTC_WKUP_IRQHandler,
    [16 + 4] = FLASH_IRQHandler,
    [16 + 5] = RCC_IRQHandler,
    [16 + 6] = EXTI0_IRQHandler,
    [16 + 7] = EXTI1_IRQHandler,
    [16 + 8] = EXTI2_IRQHandler,
    [16 + 9] = EXTI3_IRQHandler,
    [16 + 10] = EXTI4_IRQHandler,
    [16 + 11] = DMA1_Stream0_IRQHandler,
    [16 + 12] = DMA1_Stream1_IRQHandler,
    [16 + 13] = DMA1_Stream2_IRQHandler,
    [16 + 14] = DMA1_Stream3_IRQHandler,
    [16 + 15] = DMA1_Stream4_IRQHandler,
    [16 + 16] = DMA1_Stream5_IRQHandler,
    [16 + 17] = DMA1_Stream6_IRQHandler,
    [16 + 18] = ADC_IRQHandler,
    [16 + 19] = FDCAN1_IT0_IRQHandler,
    [16 + 20] = FDCAN2_IT0_IRQHandler,
    [16 + 21] = FDCAN1_IT1_IRQHandler,
    [16 + 22] = FDCAN2_IT1_IRQHandler,
    [16 + 23] = EXTI9_5_IRQHandler,
    [16 + 24] = TIM1_BRK_IRQHandler,
    [16 + 25] = TIM1_UP_IRQHandler,
    [16 + 26] = TIM1_TRG_COM_IRQHandler,
    [16 + 27] = TIM1_CC_IRQHandler,
    [16 + 28] = TIM2_IRQHandler,
    [16 + 29] = TIM3_IRQHandler,
    [16 + 30] = TIM4_IRQHandler,
    [16 + 31] = I2C1_EV_IRQHandler,
    [16 + 32] = I2C1_ER_IRQHandler,
    [16 + 33] = I2C2_EV_IRQHandler,
    [16 + 34] = I2C2_ER_IRQHandler,
    [16 + 35] = SPI1_IRQHandler,
    [16 + 36] = SPI2_IRQHandler,
    [16 + 37] = USART1_IRQHandler,
    [16 + 38] = USART2_IRQHandler,
    [16 + 39] = USART3_IRQHandler,
    [16 + 40] = EXTI15_10_IRQHandler,
    [16 + 41] = RTC_Alarm_IRQHandler,
    [16 + 42] = 0, /* reserved */
    [16 + 43] = TIM8_BRK_TIM12_IRQHandler,
    [16 + 44] = TIM8_UP_TIM13_IRQHandler,
    [16 + 45] = TIM8_TRG_COM_TIM14_IRQHandler,
    [16 + 46] = TIM8_CC_IRQHandler,
    [16 + 47] = DMA1_Stream7_IRQHandler,
    [16 + 48] = FMC_IRQHandler,
    [16 + 49] = SDMMC1_IRQHandler,
    [16 + 50] = TIM5_IRQHandler,
    [16 + 51] = SPI3_IRQHandler,
    [16 + 52] = UART4_IRQHandler,
    [16 + 53] = UART5_IRQHandler,
    [16 + 54] = TIM6_DAC_IRQHandler,
    [16 + 55] = TIM7_IRQHandler,
    [16 + 56] = DMA2_Stream0_IRQHandler,
    [16 + 57] = DMA2_Stream1_IRQHandler,
    [16 + 58] = DMA2_Stream2_IRQHandler,
    [16 + 59] = DMA2_Stream3_IRQHandler,
    [16 + 60] = DMA2_Stream4_IRQHandler,
    [16 + 61] = ETH_IRQHandler,
    [16 + 62] = ETH_WKUP_IRQHandler,
    [16 + 63] = FDCAN_CAL_IRQHandler,
    [16 + 64] = 0, /* reserved */
    [16 + 65] = 0, /* reserved */
    [16 + 66] = 0, /* reserved */
    [16 + 67] = 0, /* reserved */
    [16 + 68] = DMA2_Stream5_IRQHandler,
    [16 + 69] = DMA2_Stream6_IRQHandler,
    [16 + 70] = DMA2_Stream7_IRQHandler,
    [16 + 71] = USART6_IRQHandler,
    [16 + 72] = I2C3_EV_IRQHandler,
    [16 + 73] = I2C3_ER_IRQHandler,
    [16 + 74] = OTG_HS_EP1_OUT_IRQHandler,
    [16 + 75] = OTG_HS_EP1_IN_IRQHandler,
    [16 + 76] = OTG_HS_WKUP_IRQHandler,
    [16 + 77] = OTG_HS_IRQHandler,
    [16 + 78] = DCMI_IRQHandler,
    [16 + 79] = 0, /* reserved */
    [16 + 80] = RNG_IRQHandler,
    [16 + 81] = FPU_IRQHandler,
    [16 + 82] = UART7_IRQHandler,
    [16 + 83] = UART8_IRQHandler,
    [16 + 84] = SPI4_IRQHandler,
    [16 + 85] = SPI5_IRQHandler,
    [16 + 86] = SPI6_IRQHandler,
    [16 + 87] = SAI1_IRQHandler,
    [16 + 88] = LTDC_IRQHandler,
    [16 + 89] = LTDC_ER_IRQHandler,
    [16 + 90] = DMA2D_IRQHandler,
    [16 + 91] = SAI2_IRQHandler,
    [16 + 92] = QUADSPI_IRQHandler,
    [16 + 93] = LPTIM1_IRQHandler,
    [16 + 94] = CEC_IRQHandler,
    [16 + 95] = I2C4_EV_IRQHandler,
    [16 + 96] = I2C4_ER_IRQHandler,
    [16 + 97] = SPDIF_RX_IRQHandler,
    [16 + 98] = OTG_FS_EP1_OUT_IRQHandler,
    [16 + 99] = OTG_FS_EP1_IN_IRQHandler,
    [16 + 100] = OTG_FS_WKUP_IRQHandler,
    [16 + 101] = OTG_FS_IRQHandler,
    [16 + 102] = DMAMUX1_OVR_IRQHandler,
    [16 + 103] = HRTIM1_Master_IRQHandler,
    [16 + 104] = HRTIM1_TIMA_IRQHandler,
    [16 + 105] = HRTIM1_TIMB_IRQHandler,
    [16 + 106] = HRTIM1_TIMC_IRQHandler,
    [16 + 107] = HRTIM1_TIMD_IRQHandler,
    [16 + 108] = HRTIM1_TIME_IRQHandler,
    [16 + 109] = HRTIM1_FLT_IRQHandler,
    [16 + 110] = DFSDM1_FLT0_IRQHandler,
    [16 + 111] = DFSDM1_FLT1_IRQHandler,
    [16 + 112] = DFSDM1_FLT2_IRQHandler,
    [16 + 113] = DFSDM1_FLT3_IRQHandler,
    [16 + 114] = SAI3_IRQHandler,
    [16 + 115] = SWPMI1_IRQHandler,
    [16 + 116] = TIM15_IRQHandler,
    [16 + 117] = TIM16_IRQHandler,
    [16 + 118] = TIM17_IRQHandler,
    [16 + 119] = MDIOS_WKUP_IRQHandler,
    [16 + 120] = MDIOS_IRQHandler,
    [16 + 121] = JPEG_IRQHandler,
    [16 + 122] = MDMA_IRQHandler,
    [16 + 123] = 0, /* reserved */
    [16 + 124] = SDMMC2_IRQHandler,
    [16 + 125] = HSEM1_IRQHandler,
    [16 + 126] = 0, /* reserved */
    [16 + 127] = ADC3_IRQHandler,
    [16 + 128] = DMAMUX2_OVR_IRQHandler,
    [16 + 129] = BDMA_Channel0_IRQHandler,
    [16 + 130] = BDMA_Channel1_IRQHandler,
    [16 + 131] = BDMA_Channel2_IRQHandler,
    [16 + 132] = BDMA_Channel3_IRQHandler,
    [16 + 133] = BDMA_Channel4_IRQHandler,
    [16 + 134] = BDMA_Channel5_IRQHandler,
    [16 + 135] = BDMA_Channel6_IRQHandler,
    [16 + 136] = BDMA_Channel7_IRQHandler,
    [16 + 137] = COMP1_IRQHandler,
    [16 + 138] = LPTIM2_IRQHandler,
    [16 + 139] = LPTIM3_IRQHandler,
    [16 + 140] = LPTIM4_IRQHandler,
    [16 + 141] = LPTIM5_IRQHandler,
    [16 + 142] = LPUART1_IRQHandler,
    [16 + 143] = 0, /* reserved */
    [16 + 144] = CRS_IRQHandler,
    [16 + 145] = ECC_IRQHandler,
    [16 + 146] = SAI4_IRQHandler,
    [16 + 147] = 0, /* reserved */
    [16 + 148] = 0, /* reserved */
    [16 + 149] = WAKEUP_PIN_IRQHandler,
};

/* Any interrupt without a handler of its own is reported like a fault, then resets. */
FAULT_TRAMPOLINE(Default_Handler)

/* Plain word loops: nothing here may call into code that is not yet copied or rely on
 * initialised data. */
__attribute__((optimize("no-tree-loop-distribute-patterns")))
static void copy_words(uint32_t *dst, const uint32_t *src, const uint32_t *dst_end)
{
    while (dst < dst_end)
        *dst++ = *src++;
}

__attribute__((optimize("no-tree-loop-distribute-patterns")))
static void zero_words(uint32_t *dst, const uint32_t *dst_end)
{
    while (dst < dst_end)
        *dst++ = 0u;
}

__attribute__((noreturn)) void Reset_Handler(void)
{
    /* FPU first: the compiler may use VFP registers in any later code. */
    H7_SCB->CPACR |= H7_SCB_CPACR_CP10_CP11_FULL;
    h7_dsb();
    h7_isb();

    /* SRAM1-3 (D2 domain) hold the DMA buffers: clock them before touching them. */
    H7_RCC->AHB2ENR |= H7_RCC_AHB2ENR_SRAM1EN | H7_RCC_AHB2ENR_SRAM2EN | H7_RCC_AHB2ENR_SRAM3EN;
    (void)H7_RCC->AHB2ENR;

    copy_words(__itcm_start, __itcm_load, __itcm_end);
    copy_words(__data_start, __data_load, __data_end);
    zero_words(__bss_start, __bss_end);
    zero_words(__dtcm_bss_start, __dtcm_bss_end);
    zero_words(__axi_bss_start, __axi_bss_end);
    zero_words(__dma_bss_start, __dma_bss_end);
    zero_words(__sram4_bss_start, __sram4_bss_end);

    H7_SCB->VTOR = (uint32_t)(uintptr_t)__vector_table;
    h7_dsb();
    h7_isb();

    h7_fault_handlers_enable();
    h7_mpu_init();   /* before the D-cache: DMA region must be non-cacheable from the start */
    h7_cache_enable();

    for (void (**fn)(void) = __init_array_start; fn < __init_array_end; fn++)
        (*fn)();

    (void)main();
    /* main() returned: nothing left to do but restart cleanly. */
    h7_system_reset();
}
