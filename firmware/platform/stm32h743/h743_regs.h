/*
 * STM32H743 register definitions: the ONE register header of h7voice.
 *
 * Written from RM0433 (STM32H742/743/750/753 reference manual) and the Arm v7-M
 * Architecture Reference Manual for the core peripherals. Only what our drivers use is
 * here, but each block we touch is complete enough that a register can be added by
 * reading its offset off the RM0433 register map. Only board code
 * (firmware/platform/stm32h743/) includes this file.
 *
 * Conventions: a peripheral is a struct of volatile uint32_t at its base address
 * (H7_RCC, H7_USART3, ...); reserved words keep offsets exact and every struct has a
 * static assertion on a late member's offset. Bit fields are H7_<PERIPH>_<REG>_<FIELD>
 * (a mask already shifted into place); multi-bit fields have _Pos and a value macro.
 */
#ifndef H7_PLATFORM_STM32H743_H743_REGS_H
#define H7_PLATFORM_STM32H743_H743_REGS_H

#include <stddef.h>
#include <stdint.h>

#define H7_REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define H7_BIT(n) (1u << (n))
#define H7_OFFSET_CHECK(type, member, off) \
    _Static_assert(offsetof(type, member) == (off), #type "." #member " offset")

/* ------------------------------------------------------------------------------------
 * Memory map (RM0433 section 2.3.2) — the shared contract of the project.
 * ---------------------------------------------------------------------------------- */
#define H7_ITCM_BASE 0x00000000u
#define H7_ITCM_SIZE (64u * 1024u)
#define H7_FLASH_BASE 0x08000000u
#define H7_FLASH_SIZE (2048u * 1024u)
#define H7_DTCM_BASE 0x20000000u
#define H7_DTCM_SIZE (128u * 1024u)
#define H7_AXISRAM_BASE 0x24000000u
#define H7_AXISRAM_SIZE (512u * 1024u)
#define H7_SRAM1_BASE 0x30000000u
#define H7_SRAM1_SIZE (128u * 1024u)
#define H7_SRAM2_BASE 0x30020000u
#define H7_SRAM2_SIZE (128u * 1024u)
#define H7_SRAM3_BASE 0x30040000u
#define H7_SRAM3_SIZE (32u * 1024u)
#define H7_SRAM4_BASE 0x38000000u
#define H7_SRAM4_SIZE (64u * 1024u)

/* Peripheral base addresses. */
#define H7_SPI2_BASE 0x40003800u
#define H7_USART3_BASE 0x40004800u
#define H7_DMA1_BASE 0x40020000u
#define H7_DMA2_BASE 0x40020400u
#define H7_DMAMUX1_BASE 0x40020800u
#define H7_FLASH_R_BASE 0x52002000u
#define H7_EXTI_BASE 0x58000000u
#define H7_SYSCFG_BASE 0x58000400u
#define H7_IWDG1_BASE 0x58004800u
#define H7_GPIOA_BASE 0x58020000u
#define H7_GPIO_STRIDE 0x400u
#define H7_RCC_BASE 0x58024400u
#define H7_PWR_BASE 0x58024800u
#define H7_DBGMCU_BASE 0x5C001000u
#define H7_UID_BASE 0x1FF1E800u /* 96-bit unique device ID */

/* ------------------------------------------------------------------------------------
 * RCC — reset and clock control (RM0433 section 8.7)
 * ---------------------------------------------------------------------------------- */
typedef struct {
    volatile uint32_t CR;        /* 0x000 clock control */
    volatile uint32_t HSICFGR;   /* 0x004 HSI calibration (ICSCR on rev Y) */
    volatile uint32_t CRRCR;     /* 0x008 RC48 calibration */
    volatile uint32_t CSICFGR;   /* 0x00C CSI calibration (rev V) */
    volatile uint32_t CFGR;      /* 0x010 clock configuration */
    uint32_t RESERVED0;          /* 0x014 */
    volatile uint32_t D1CFGR;    /* 0x018 D1 domain prescalers */
    volatile uint32_t D2CFGR;    /* 0x01C D2 domain prescalers */
    volatile uint32_t D3CFGR;    /* 0x020 D3 domain prescaler */
    uint32_t RESERVED1;          /* 0x024 */
    volatile uint32_t PLLCKSELR; /* 0x028 PLL source and DIVMx */
    volatile uint32_t PLLCFGR;   /* 0x02C PLL ranges and output enables */
    volatile uint32_t PLL1DIVR;  /* 0x030 */
    volatile uint32_t PLL1FRACR; /* 0x034 */
    volatile uint32_t PLL2DIVR;  /* 0x038 */
    volatile uint32_t PLL2FRACR; /* 0x03C */
    volatile uint32_t PLL3DIVR;  /* 0x040 */
    volatile uint32_t PLL3FRACR; /* 0x044 */
    uint32_t RESERVED2;          /* 0x048 */
    volatile uint32_t D1CCIPR;   /* 0x04C D1 kernel clock selection */
    volatile uint32_t D2CCIP1R;  /* 0x050 D2 kernel clock selection 1 */
    volatile uint32_t D2CCIP2R;  /* 0x054 D2 kernel clock selection 2 */
    volatile uint32_t D3CCIPR;   /* 0x058 D3 kernel clock selection */
    uint32_t RESERVED3;          /* 0x05C */
    volatile uint32_t CIER;      /* 0x060 clock source interrupt enable */
    volatile uint32_t CIFR;      /* 0x064 clock source interrupt flags */
    volatile uint32_t CICR;      /* 0x068 clock source interrupt clear */
    uint32_t RESERVED4;          /* 0x06C */
    volatile uint32_t BDCR;      /* 0x070 backup domain control */
    volatile uint32_t CSR;       /* 0x074 clock control and status (LSI) */
    uint32_t RESERVED5;          /* 0x078 */
    volatile uint32_t AHB3RSTR;  /* 0x07C */
    volatile uint32_t AHB1RSTR;  /* 0x080 */
    volatile uint32_t AHB2RSTR;  /* 0x084 */
    volatile uint32_t AHB4RSTR;  /* 0x088 */
    volatile uint32_t APB3RSTR;  /* 0x08C */
    volatile uint32_t APB1LRSTR; /* 0x090 */
    volatile uint32_t APB1HRSTR; /* 0x094 */
    volatile uint32_t APB2RSTR;  /* 0x098 */
    volatile uint32_t APB4RSTR;  /* 0x09C */
    volatile uint32_t GCR;       /* 0x0A0 global control */
    uint32_t RESERVED6;          /* 0x0A4 */
    volatile uint32_t D3AMR;     /* 0x0A8 D3 autonomous mode */
    uint32_t RESERVED7[9];       /* 0x0AC..0x0CC */
    volatile uint32_t RSR;       /* 0x0D0 reset status */
    volatile uint32_t AHB3ENR;   /* 0x0D4 */
    volatile uint32_t AHB1ENR;   /* 0x0D8 */
    volatile uint32_t AHB2ENR;   /* 0x0DC */
    volatile uint32_t AHB4ENR;   /* 0x0E0 */
    volatile uint32_t APB3ENR;   /* 0x0E4 */
    volatile uint32_t APB1LENR;  /* 0x0E8 */
    volatile uint32_t APB1HENR;  /* 0x0EC */
    volatile uint32_t APB2ENR;   /* 0x0F0 */
    volatile uint32_t APB4ENR;   /* 0x0F4 */
    uint32_t RESERVED8;          /* 0x0F8 */
    volatile uint32_t AHB3LPENR; /* 0x0FC */
    volatile uint32_t AHB1LPENR; /* 0x100 */
    volatile uint32_t AHB2LPENR; /* 0x104 */
    volatile uint32_t AHB4LPENR; /* 0x108 */
    volatile uint32_t APB3LPENR; /* 0x10C */
    volatile uint32_t APB1LLPENR; /* 0x110 */
    volatile uint32_t APB1HLPENR; /* 0x114 */
    volatile uint32_t APB2LPENR; /* 0x118 */
    volatile uint32_t APB4LPENR; /* 0x11C */
} h7_rcc_t;
H7_OFFSET_CHECK(h7_rcc_t, D1CCIPR, 0x4C);
H7_OFFSET_CHECK(h7_rcc_t, RSR, 0xD0);
H7_OFFSET_CHECK(h7_rcc_t, APB1LENR, 0xE8);
H7_OFFSET_CHECK(h7_rcc_t, APB4LPENR, 0x11C);
#define H7_RCC ((h7_rcc_t *)H7_RCC_BASE)

/* RCC_CR */
#define H7_RCC_CR_HSION H7_BIT(0)
#define H7_RCC_CR_HSIKERON H7_BIT(1)
#define H7_RCC_CR_HSIRDY H7_BIT(2)
#define H7_RCC_CR_HSIDIV_Pos 3u /* 0: /1 (64 MHz), 1: /2, 2: /4, 3: /8 */
#define H7_RCC_CR_HSIDIV (3u << 3)
#define H7_RCC_CR_HSIDIVF H7_BIT(5)
#define H7_RCC_CR_CSION H7_BIT(7)
#define H7_RCC_CR_CSIRDY H7_BIT(8)
#define H7_RCC_CR_CSIKERON H7_BIT(9)
#define H7_RCC_CR_HSI48ON H7_BIT(12)
#define H7_RCC_CR_HSI48RDY H7_BIT(13)
#define H7_RCC_CR_D1CKRDY H7_BIT(14)
#define H7_RCC_CR_D2CKRDY H7_BIT(15)
#define H7_RCC_CR_HSEON H7_BIT(16)
#define H7_RCC_CR_HSERDY H7_BIT(17)
#define H7_RCC_CR_HSEBYP H7_BIT(18)
#define H7_RCC_CR_HSECSSON H7_BIT(19)
#define H7_RCC_CR_PLL1ON H7_BIT(24)
#define H7_RCC_CR_PLL1RDY H7_BIT(25)
#define H7_RCC_CR_PLL2ON H7_BIT(26)
#define H7_RCC_CR_PLL2RDY H7_BIT(27)
#define H7_RCC_CR_PLL3ON H7_BIT(28)
#define H7_RCC_CR_PLL3RDY H7_BIT(29)

/* RCC_CFGR */
#define H7_RCC_CFGR_SW_Pos 0u
#define H7_RCC_CFGR_SW (7u << 0)
#define H7_RCC_CFGR_SWS_Pos 3u
#define H7_RCC_CFGR_SWS (7u << 3)
#define H7_RCC_CFGR_SW_HSI 0u
#define H7_RCC_CFGR_SW_CSI 1u
#define H7_RCC_CFGR_SW_HSE 2u
#define H7_RCC_CFGR_SW_PLL1 3u
#define H7_RCC_CFGR_STOPWUCK H7_BIT(6)    /* 0: HSI after Stop, 1: CSI */
#define H7_RCC_CFGR_STOPKERWUCK H7_BIT(7) /* kernel clock after Stop: 0 HSI, 1 CSI */
#define H7_RCC_CFGR_RTCPRE_Pos 8u
#define H7_RCC_CFGR_TIMPRE H7_BIT(15)
#define H7_RCC_CFGR_MCO1PRE_Pos 18u
#define H7_RCC_CFGR_MCO1_Pos 22u
#define H7_RCC_CFGR_MCO2PRE_Pos 25u
#define H7_RCC_CFGR_MCO2_Pos 29u

/* RCC_D1CFGR: HPRE (AHB/AXI), D1PPRE (APB3), D1CPRE (core). Encodings:
 * HPRE/D1CPRE 0xxx: /1, 1000: /2, 1001: /4, 1010: /8, 1011: /16, 1100: /64 ...
 * xPPRE 0xx: /1, 100: /2, 101: /4, 110: /8, 111: /16. */
#define H7_RCC_D1CFGR_HPRE_Pos 0u
#define H7_RCC_D1CFGR_HPRE (0xFu << 0)
#define H7_RCC_D1CFGR_D1PPRE_Pos 4u
#define H7_RCC_D1CFGR_D1PPRE (7u << 4)
#define H7_RCC_D1CFGR_D1CPRE_Pos 8u
#define H7_RCC_D1CFGR_D1CPRE (0xFu << 8)
#define H7_RCC_HPRE_DIV1 0x0u
#define H7_RCC_HPRE_DIV2 0x8u
#define H7_RCC_HPRE_DIV4 0x9u
#define H7_RCC_D1CPRE_DIV1 0x0u /* same encoding as HPRE */
#define H7_RCC_D1CPRE_DIV4 0x9u
#define H7_RCC_PPRE_DIV1 0x0u
#define H7_RCC_PPRE_DIV2 0x4u
#define H7_RCC_PPRE_DIV4 0x5u
/* RCC_D2CFGR */
#define H7_RCC_D2CFGR_D2PPRE1_Pos 4u /* APB1 */
#define H7_RCC_D2CFGR_D2PPRE1 (7u << 4)
#define H7_RCC_D2CFGR_D2PPRE2_Pos 8u /* APB2 */
#define H7_RCC_D2CFGR_D2PPRE2 (7u << 8)
/* RCC_D3CFGR */
#define H7_RCC_D3CFGR_D3PPRE_Pos 4u /* APB4 */
#define H7_RCC_D3CFGR_D3PPRE (7u << 4)

/* RCC_PLLCKSELR */
#define H7_RCC_PLLCKSELR_PLLSRC_Pos 0u
#define H7_RCC_PLLCKSELR_PLLSRC (3u << 0)
#define H7_RCC_PLLSRC_HSI 0u
#define H7_RCC_PLLSRC_CSI 1u
#define H7_RCC_PLLSRC_HSE 2u
#define H7_RCC_PLLSRC_NONE 3u
#define H7_RCC_PLLCKSELR_DIVM1_Pos 4u
#define H7_RCC_PLLCKSELR_DIVM1 (0x3Fu << 4)
#define H7_RCC_PLLCKSELR_DIVM2_Pos 12u
#define H7_RCC_PLLCKSELR_DIVM2 (0x3Fu << 12)
#define H7_RCC_PLLCKSELR_DIVM3_Pos 20u
#define H7_RCC_PLLCKSELR_DIVM3 (0x3Fu << 20)

/* RCC_PLLCFGR (PLL1 fields; PLL2 at +4 bits, PLL3 at +8 bits) */
#define H7_RCC_PLLCFGR_PLL1FRACEN H7_BIT(0)
#define H7_RCC_PLLCFGR_PLL1VCOSEL H7_BIT(1) /* 0: wide VCO 192..960 MHz, 1: medium 150..420 */
#define H7_RCC_PLLCFGR_PLL1RGE_Pos 2u       /* ref clock: 0 1-2 MHz, 1 2-4, 2 4-8, 3 8-16 */
#define H7_RCC_PLLCFGR_PLL1RGE (3u << 2)
#define H7_RCC_PLLRGE_1_2MHZ 0u
#define H7_RCC_PLLRGE_2_4MHZ 1u
#define H7_RCC_PLLRGE_4_8MHZ 2u
#define H7_RCC_PLLRGE_8_16MHZ 3u
#define H7_RCC_PLLCFGR_DIVP1EN H7_BIT(16)
#define H7_RCC_PLLCFGR_DIVQ1EN H7_BIT(17)
#define H7_RCC_PLLCFGR_DIVR1EN H7_BIT(18)
#define H7_RCC_PLLCFGR_DIVP2EN H7_BIT(19)
#define H7_RCC_PLLCFGR_DIVQ2EN H7_BIT(20)
#define H7_RCC_PLLCFGR_DIVR2EN H7_BIT(21)
#define H7_RCC_PLLCFGR_DIVP3EN H7_BIT(22)
#define H7_RCC_PLLCFGR_DIVQ3EN H7_BIT(23)
#define H7_RCC_PLLCFGR_DIVR3EN H7_BIT(24)

/* RCC_PLLxDIVR: each field holds (divider - 1). DIVP1 takes even dividers only. */
#define H7_RCC_PLLDIVR_DIVN_Pos 0u
#define H7_RCC_PLLDIVR_DIVN (0x1FFu << 0)
#define H7_RCC_PLLDIVR_DIVP_Pos 9u
#define H7_RCC_PLLDIVR_DIVP (0x7Fu << 9)
#define H7_RCC_PLLDIVR_DIVQ_Pos 16u
#define H7_RCC_PLLDIVR_DIVQ (0x7Fu << 16)
#define H7_RCC_PLLDIVR_DIVR_Pos 24u
#define H7_RCC_PLLDIVR_DIVR (0x7Fu << 24)

/* RCC_D1CCIPR */
#define H7_RCC_D1CCIPR_CKPERSEL_Pos 28u /* per_ck: 0 HSI, 1 CSI, 2 HSE */
#define H7_RCC_D1CCIPR_CKPERSEL (3u << 28)
#define H7_RCC_CKPERSEL_HSI 0u
/* RCC_D2CCIP1R */
#define H7_RCC_D2CCIP1R_SAI1SEL_Pos 0u
#define H7_RCC_D2CCIP1R_SPI123SEL_Pos 12u /* 0 pll1_q, 1 pll2_p, 2 pll3_p, 3 I2S_CKIN, 4 per_ck */
#define H7_RCC_D2CCIP1R_SPI123SEL (7u << 12)
#define H7_RCC_SPI123SEL_PER_CK 4u
#define H7_RCC_D2CCIP1R_SPI45SEL_Pos 16u
/* RCC_D2CCIP2R */
#define H7_RCC_D2CCIP2R_USART234578SEL_Pos 0u /* 0 pclk1, 1 pll2_q, 2 pll3_q, 3 hsi_ker, 4 csi_ker, 5 lse */
#define H7_RCC_D2CCIP2R_USART234578SEL (7u << 0)
#define H7_RCC_USARTSEL_HSI 3u
#define H7_RCC_D2CCIP2R_USART16SEL_Pos 3u
#define H7_RCC_D2CCIP2R_USART16SEL (7u << 3)
#define H7_RCC_D2CCIP2R_LPTIM1SEL_Pos 28u /* 0 pclk1, 1 pll2_p, 2 pll3_r, 3 lse, 4 lsi, 5 per_ck */
#define H7_RCC_D2CCIP2R_LPTIM1SEL (7u << 28)
#define H7_RCC_LPTIM1SEL_LSI 4u

/* RCC_CSR */
#define H7_RCC_CSR_LSION H7_BIT(0)
#define H7_RCC_CSR_LSIRDY H7_BIT(1)

/* RCC_RSR (reset cause; RMVF clears the flags) */
#define H7_RCC_RSR_RMVF H7_BIT(16)
#define H7_RCC_RSR_CPURSTF H7_BIT(17)
#define H7_RCC_RSR_D1RSTF H7_BIT(19)
#define H7_RCC_RSR_D2RSTF H7_BIT(20)
#define H7_RCC_RSR_BORRSTF H7_BIT(21)
#define H7_RCC_RSR_PINRSTF H7_BIT(22)
#define H7_RCC_RSR_PORRSTF H7_BIT(23)
#define H7_RCC_RSR_SFTRSTF H7_BIT(24)
#define H7_RCC_RSR_IWDG1RSTF H7_BIT(26)
#define H7_RCC_RSR_WWDG1RSTF H7_BIT(28)
#define H7_RCC_RSR_LPWRRSTF H7_BIT(30)

/* Enable bits of the peripherals we use */
#define H7_RCC_AHB1ENR_DMA1EN H7_BIT(0)
#define H7_RCC_AHB1ENR_DMA2EN H7_BIT(1)
#define H7_RCC_AHB2ENR_SRAM1EN H7_BIT(29)
#define H7_RCC_AHB2ENR_SRAM2EN H7_BIT(30)
#define H7_RCC_AHB2ENR_SRAM3EN H7_BIT(31)
#define H7_RCC_AHB4ENR_GPIOEN(port) H7_BIT(port) /* port 0 = A .. 10 = K */
#define H7_RCC_APB1LENR_LPTIM1EN H7_BIT(9)
#define H7_RCC_APB1LENR_SPI2EN H7_BIT(14)
#define H7_RCC_APB1LENR_SPI3EN H7_BIT(15)
#define H7_RCC_APB1LENR_USART2EN H7_BIT(17)
#define H7_RCC_APB1LENR_USART3EN H7_BIT(18)
#define H7_RCC_APB1LRSTR_SPI2RST H7_BIT(14)
#define H7_RCC_APB1LRSTR_USART3RST H7_BIT(18)
#define H7_RCC_APB4ENR_SYSCFGEN H7_BIT(1)

/* ------------------------------------------------------------------------------------
 * PWR — power control (RM0433 section 6.8)
 * ---------------------------------------------------------------------------------- */
typedef struct {
    volatile uint32_t CR1;    /* 0x00 */
    volatile uint32_t CSR1;   /* 0x04 */
    volatile uint32_t CR2;    /* 0x08 */
    volatile uint32_t CR3;    /* 0x0C supply configuration */
    volatile uint32_t CPUCR;  /* 0x10 CPU low-power control */
    uint32_t RESERVED0;       /* 0x14 */
    volatile uint32_t D3CR;   /* 0x18 D3 domain control (VOS) */
    uint32_t RESERVED1;       /* 0x1C */
    volatile uint32_t WKUPCR; /* 0x20 */
    volatile uint32_t WKUPFR; /* 0x24 */
    volatile uint32_t WKUPEPR; /* 0x28 */
} h7_pwr_t;
H7_OFFSET_CHECK(h7_pwr_t, D3CR, 0x18);
H7_OFFSET_CHECK(h7_pwr_t, WKUPEPR, 0x28);
#define H7_PWR ((h7_pwr_t *)H7_PWR_BASE)

#define H7_PWR_CR1_LPDS H7_BIT(0) /* low-power regulator in Stop */
#define H7_PWR_CR1_PVDE H7_BIT(4)
#define H7_PWR_CR1_DBP H7_BIT(8)
#define H7_PWR_CR1_FLPS H7_BIT(9)
#define H7_PWR_CR1_SVOS_Pos 14u /* Stop-mode voltage: 3 SVOS3, 2 SVOS4, 1 SVOS5 */
#define H7_PWR_CR1_SVOS (3u << 14)
#define H7_PWR_CSR1_ACTVOSRDY H7_BIT(13)
#define H7_PWR_CSR1_ACTVOS_Pos 14u
#define H7_PWR_CSR1_ACTVOS (3u << 14)
#define H7_PWR_CR3_BYPASS H7_BIT(0)
#define H7_PWR_CR3_LDOEN H7_BIT(1)
#define H7_PWR_CR3_SCUEN H7_BIT(2) /* supply configuration update enable (write-once) */
#define H7_PWR_CR3_USB33DEN H7_BIT(24)
#define H7_PWR_CPUCR_PDDS_D1 H7_BIT(0) /* 0: D1 to DStop, 1: DStandby on deepsleep */
#define H7_PWR_CPUCR_PDDS_D2 H7_BIT(1)
#define H7_PWR_CPUCR_PDDS_D3 H7_BIT(2)
#define H7_PWR_CPUCR_STOPF H7_BIT(5)
#define H7_PWR_CPUCR_SBF H7_BIT(6)
#define H7_PWR_CPUCR_SBF_D1 H7_BIT(7)
#define H7_PWR_CPUCR_SBF_D2 H7_BIT(8)
#define H7_PWR_CPUCR_CSSF H7_BIT(9) /* write 1: clear STOPF/SBF flags */
#define H7_PWR_CPUCR_RUN_D3 H7_BIT(11)
#define H7_PWR_D3CR_VOSRDY H7_BIT(13)
#define H7_PWR_D3CR_VOS_Pos 14u
#define H7_PWR_D3CR_VOS (3u << 14)
/* D3CR.VOS encodings (VOS0 = VOS1 + SYSCFG_PWRCR.ODEN) */
#define H7_PWR_VOS_SCALE3 1u
#define H7_PWR_VOS_SCALE2 2u
#define H7_PWR_VOS_SCALE1 3u

/* ------------------------------------------------------------------------------------
 * SYSCFG (RM0433 section 12.3): EXTI port selection and the VOS0 overdrive
 * ---------------------------------------------------------------------------------- */
typedef struct {
    uint32_t RESERVED0;         /* 0x00 */
    volatile uint32_t PMCR;     /* 0x04 */
    volatile uint32_t EXTICR[4]; /* 0x08..0x14 */
    uint32_t RESERVED1[2];      /* 0x18, 0x1C */
    volatile uint32_t CCCSR;    /* 0x20 compensation cell */
    volatile uint32_t CCVR;     /* 0x24 */
    volatile uint32_t CCCR;     /* 0x28 */
    volatile uint32_t PWRCR;    /* 0x2C overdrive enable */
} h7_syscfg_t;
H7_OFFSET_CHECK(h7_syscfg_t, PWRCR, 0x2C);
#define H7_SYSCFG ((h7_syscfg_t *)H7_SYSCFG_BASE)
#define H7_SYSCFG_PWRCR_ODEN H7_BIT(0)

/* DBGMCU_IDCODE: REV_ID 0x1003 = rev Y (400 MHz max), 0x2003 = rev V (480 MHz) */
#define H7_DBGMCU_IDCODE H7_REG32(H7_DBGMCU_BASE + 0x00u)
#define H7_DBGMCU_IDCODE_DEV_ID(v) ((v) & 0xFFFu) /* 0x450 for STM32H743 */
#define H7_DBGMCU_IDCODE_REV_ID(v) ((v) >> 16)
#define H7_DBGMCU_REV_Y 0x1003u
#define H7_DBGMCU_REV_V 0x2003u

/* ------------------------------------------------------------------------------------
 * FLASH interface (RM0433 section 4.9)
 * ---------------------------------------------------------------------------------- */
typedef struct {
    volatile uint32_t ACR;     /* 0x00 access control (latency) */
    volatile uint32_t KEYR1;   /* 0x04 */
    volatile uint32_t OPTKEYR; /* 0x08 */
    volatile uint32_t CR1;     /* 0x0C */
    volatile uint32_t SR1;     /* 0x10 */
    volatile uint32_t CCR1;    /* 0x14 */
    volatile uint32_t OPTCR;   /* 0x18 */
    volatile uint32_t OPTSR_CUR; /* 0x1C */
} h7_flash_t;
H7_OFFSET_CHECK(h7_flash_t, OPTSR_CUR, 0x1C);
#define H7_FLASH ((h7_flash_t *)H7_FLASH_R_BASE)
#define H7_FLASH_ACR_LATENCY_Pos 0u
#define H7_FLASH_ACR_LATENCY (0xFu << 0)
#define H7_FLASH_ACR_WRHIGHFREQ_Pos 4u
#define H7_FLASH_ACR_WRHIGHFREQ (3u << 4)

/* ------------------------------------------------------------------------------------
 * GPIO (RM0433 section 11.4). Port n at H7_GPIOA_BASE + n * 0x400.
 * ---------------------------------------------------------------------------------- */
typedef struct {
    volatile uint32_t MODER;   /* 0x00 0 input, 1 output, 2 alternate, 3 analog */
    volatile uint32_t OTYPER;  /* 0x04 */
    volatile uint32_t OSPEEDR; /* 0x08 */
    volatile uint32_t PUPDR;   /* 0x0C 0 none, 1 pull-up, 2 pull-down */
    volatile uint32_t IDR;     /* 0x10 */
    volatile uint32_t ODR;     /* 0x14 */
    volatile uint32_t BSRR;    /* 0x18 low half sets, high half resets */
    volatile uint32_t LCKR;    /* 0x1C */
    volatile uint32_t AFR[2];  /* 0x20 AFRL (pins 0-7), 0x24 AFRH (pins 8-15) */
} h7_gpio_t;
H7_OFFSET_CHECK(h7_gpio_t, AFR, 0x20);
enum { H7_PORT_A = 0, H7_PORT_B, H7_PORT_C, H7_PORT_D, H7_PORT_E, H7_PORT_F, H7_PORT_G,
       H7_PORT_H, H7_PORT_I, H7_PORT_J, H7_PORT_K };
#define H7_GPIO(port) ((h7_gpio_t *)(H7_GPIOA_BASE + (uint32_t)(port) * H7_GPIO_STRIDE))
#define H7_GPIOA H7_GPIO(H7_PORT_A)
#define H7_GPIOB H7_GPIO(H7_PORT_B)
#define H7_GPIOC H7_GPIO(H7_PORT_C)
#define H7_GPIOD H7_GPIO(H7_PORT_D)
#define H7_GPIOE H7_GPIO(H7_PORT_E)
#define H7_GPIO_MODE_INPUT 0u
#define H7_GPIO_MODE_OUTPUT 1u
#define H7_GPIO_MODE_AF 2u
#define H7_GPIO_MODE_ANALOG 3u
#define H7_GPIO_AF5_SPI2 5u  /* SPI1/2/3/4/5/6 and I2S1/2/3 on AF5 */
#define H7_GPIO_AF7_USART3 7u

/* ------------------------------------------------------------------------------------
 * USART (RM0433 section 48.7); USART3 is the ST-LINK virtual COM port.
 * ---------------------------------------------------------------------------------- */
typedef struct {
    volatile uint32_t CR1;   /* 0x00 */
    volatile uint32_t CR2;   /* 0x04 */
    volatile uint32_t CR3;   /* 0x08 */
    volatile uint32_t BRR;   /* 0x0C */
    volatile uint32_t GTPR;  /* 0x10 */
    volatile uint32_t RTOR;  /* 0x14 */
    volatile uint32_t RQR;   /* 0x18 */
    volatile uint32_t ISR;   /* 0x1C */
    volatile uint32_t ICR;   /* 0x20 */
    volatile uint32_t RDR;   /* 0x24 */
    volatile uint32_t TDR;   /* 0x28 */
    volatile uint32_t PRESC; /* 0x2C */
} h7_usart_t;
H7_OFFSET_CHECK(h7_usart_t, TDR, 0x28);
#define H7_USART3 ((h7_usart_t *)H7_USART3_BASE)
#define H7_USART_CR1_UE H7_BIT(0)
#define H7_USART_CR1_UESM H7_BIT(1) /* may wake the MCU from Stop */
#define H7_USART_CR1_RE H7_BIT(2)
#define H7_USART_CR1_TE H7_BIT(3)
#define H7_USART_CR1_IDLEIE H7_BIT(4)
#define H7_USART_CR1_RXNEIE H7_BIT(5) /* RXFNEIE with FIFO */
#define H7_USART_CR1_TCIE H7_BIT(6)
#define H7_USART_CR1_TXEIE H7_BIT(7) /* TXFNFIE with FIFO */
#define H7_USART_CR1_PEIE H7_BIT(8)
#define H7_USART_CR1_PS H7_BIT(9)
#define H7_USART_CR1_PCE H7_BIT(10)
#define H7_USART_CR1_M0 H7_BIT(12)
#define H7_USART_CR1_OVER8 H7_BIT(15)
#define H7_USART_CR1_M1 H7_BIT(28)
#define H7_USART_CR1_FIFOEN H7_BIT(29)
#define H7_USART_CR3_EIE H7_BIT(0)
#define H7_USART_CR3_DMAR H7_BIT(6)
#define H7_USART_CR3_DMAT H7_BIT(7)
#define H7_USART_CR3_OVRDIS H7_BIT(12)
#define H7_USART_CR3_WUS_Pos 20u /* wake-up from Stop on: 0 address, 2 start bit, 3 RXNE */
#define H7_USART_CR3_WUS (3u << 20)
#define H7_USART_CR3_WUFIE H7_BIT(22)
#define H7_USART_ISR_PE H7_BIT(0)
#define H7_USART_ISR_FE H7_BIT(1)
#define H7_USART_ISR_NE H7_BIT(2)
#define H7_USART_ISR_ORE H7_BIT(3)
#define H7_USART_ISR_IDLE H7_BIT(4)
#define H7_USART_ISR_RXNE H7_BIT(5)
#define H7_USART_ISR_TC H7_BIT(6)
#define H7_USART_ISR_TXE H7_BIT(7)
#define H7_USART_ISR_BUSY H7_BIT(16)
#define H7_USART_ISR_WUF H7_BIT(20)
#define H7_USART_ISR_TEACK H7_BIT(21)
#define H7_USART_ISR_REACK H7_BIT(22)
#define H7_USART_ICR_PECF H7_BIT(0)
#define H7_USART_ICR_FECF H7_BIT(1)
#define H7_USART_ICR_NECF H7_BIT(2)
#define H7_USART_ICR_ORECF H7_BIT(3)
#define H7_USART_ICR_IDLECF H7_BIT(4)
#define H7_USART_ICR_TCCF H7_BIT(6)
#define H7_USART_ICR_WUCF H7_BIT(20)

/* ------------------------------------------------------------------------------------
 * SPI / I2S (RM0433 section 50.11); SPI2 carries the I2S microphone.
 * ---------------------------------------------------------------------------------- */
typedef struct {
    volatile uint32_t CR1;     /* 0x00 */
    volatile uint32_t CR2;     /* 0x04 TSIZE */
    volatile uint32_t CFG1;    /* 0x08 */
    volatile uint32_t CFG2;    /* 0x0C */
    volatile uint32_t IER;     /* 0x10 */
    volatile uint32_t SR;      /* 0x14 */
    volatile uint32_t IFCR;    /* 0x18 */
    uint32_t RESERVED0;        /* 0x1C */
    volatile uint32_t TXDR;    /* 0x20 */
    uint32_t RESERVED1[3];     /* 0x24..0x2C */
    volatile uint32_t RXDR;    /* 0x30 */
    uint32_t RESERVED2[3];     /* 0x34..0x3C */
    volatile uint32_t CRCPOLY; /* 0x40 */
    volatile uint32_t TXCRC;   /* 0x44 */
    volatile uint32_t RXCRC;   /* 0x48 */
    volatile uint32_t UDRDR;   /* 0x4C */
    volatile uint32_t I2SCFGR; /* 0x50 */
} h7_spi_t;
H7_OFFSET_CHECK(h7_spi_t, RXDR, 0x30);
H7_OFFSET_CHECK(h7_spi_t, I2SCFGR, 0x50);
#define H7_SPI2 ((h7_spi_t *)H7_SPI2_BASE)
#define H7_SPI2_RXDR_ADDR (H7_SPI2_BASE + 0x30u)
/* SPI_CR1 */
#define H7_SPI_CR1_SPE H7_BIT(0)
#define H7_SPI_CR1_MASRX H7_BIT(8)
#define H7_SPI_CR1_CSTART H7_BIT(9)
#define H7_SPI_CR1_CSUSP H7_BIT(10)
#define H7_SPI_CR1_HDDIR H7_BIT(11)
#define H7_SPI_CR1_SSI H7_BIT(12)
#define H7_SPI_CR1_IOLOCK H7_BIT(16)
/* SPI_CFG1 */
#define H7_SPI_CFG1_DSIZE_Pos 0u
#define H7_SPI_CFG1_DSIZE (0x1Fu << 0)
#define H7_SPI_CFG1_FTHLV_Pos 5u
#define H7_SPI_CFG1_FTHLV (0xFu << 5)
#define H7_SPI_CFG1_UDRCFG_Pos 9u
#define H7_SPI_CFG1_UDRDET_Pos 11u
#define H7_SPI_CFG1_RXDMAEN H7_BIT(14)
#define H7_SPI_CFG1_TXDMAEN H7_BIT(15)
#define H7_SPI_CFG1_CRCSIZE_Pos 16u
#define H7_SPI_CFG1_CRCEN H7_BIT(22)
#define H7_SPI_CFG1_MBR_Pos 28u
#define H7_SPI_CFG1_MBR (7u << 28)
/* SPI_CFG2 */
#define H7_SPI_CFG2_MSSI_Pos 0u
#define H7_SPI_CFG2_MIDI_Pos 4u
#define H7_SPI_CFG2_IOSWP H7_BIT(15)
#define H7_SPI_CFG2_COMM_Pos 17u
#define H7_SPI_CFG2_COMM (3u << 17)
#define H7_SPI_CFG2_SP_Pos 19u
#define H7_SPI_CFG2_MASTER H7_BIT(22)
#define H7_SPI_CFG2_LSBFRST H7_BIT(23)
#define H7_SPI_CFG2_CPHA H7_BIT(24)
#define H7_SPI_CFG2_CPOL H7_BIT(25)
#define H7_SPI_CFG2_SSM H7_BIT(26)
#define H7_SPI_CFG2_SSIOP H7_BIT(28)
#define H7_SPI_CFG2_SSOE H7_BIT(29)
#define H7_SPI_CFG2_SSOM H7_BIT(30)
#define H7_SPI_CFG2_AFCNTR H7_BIT(31)
/* SPI_IER */
#define H7_SPI_IER_RXPIE H7_BIT(0)
#define H7_SPI_IER_TXPIE H7_BIT(1)
#define H7_SPI_IER_DXPIE H7_BIT(2)
#define H7_SPI_IER_EOTIE H7_BIT(3)
#define H7_SPI_IER_TXTFIE H7_BIT(4)
#define H7_SPI_IER_UDRIE H7_BIT(5)
#define H7_SPI_IER_OVRIE H7_BIT(6)
#define H7_SPI_IER_CRCEIE H7_BIT(7)
#define H7_SPI_IER_TIFREIE H7_BIT(8)
#define H7_SPI_IER_MODFIE H7_BIT(9)
#define H7_SPI_IER_TSERFIE H7_BIT(10)
/* SPI_SR */
#define H7_SPI_SR_RXP H7_BIT(0)
#define H7_SPI_SR_TXP H7_BIT(1)
#define H7_SPI_SR_DXP H7_BIT(2)
#define H7_SPI_SR_EOT H7_BIT(3)
#define H7_SPI_SR_TXTF H7_BIT(4)
#define H7_SPI_SR_UDR H7_BIT(5)
#define H7_SPI_SR_OVR H7_BIT(6)
#define H7_SPI_SR_CRCE H7_BIT(7)
#define H7_SPI_SR_TIFRE H7_BIT(8)
#define H7_SPI_SR_MODF H7_BIT(9)
#define H7_SPI_SR_TSERF H7_BIT(10)
#define H7_SPI_SR_SUSP H7_BIT(11)
#define H7_SPI_SR_TXC H7_BIT(12)
#define H7_SPI_SR_RXPLVL_Pos 13u
#define H7_SPI_SR_RXWNE H7_BIT(15)
#define H7_SPI_SR_CTSIZE_Pos 16u
/* SPI_IFCR (write 1 to clear) */
#define H7_SPI_IFCR_EOTC H7_BIT(3)
#define H7_SPI_IFCR_TXTFC H7_BIT(4)
#define H7_SPI_IFCR_UDRC H7_BIT(5)
#define H7_SPI_IFCR_OVRC H7_BIT(6)
#define H7_SPI_IFCR_CRCEC H7_BIT(7)
#define H7_SPI_IFCR_TIFREC H7_BIT(8)
#define H7_SPI_IFCR_MODFC H7_BIT(9)
#define H7_SPI_IFCR_TSERFC H7_BIT(10)
#define H7_SPI_IFCR_SUSPC H7_BIT(11)
/* SPI_I2SCFGR */
#define H7_SPI_I2SCFGR_I2SMOD H7_BIT(0)
#define H7_SPI_I2SCFGR_I2SCFG_Pos 1u /* 0 slave TX, 1 slave RX, 2 master TX, 3 master RX,
                                        4 slave full duplex, 5 master full duplex */
#define H7_SPI_I2SCFGR_I2SCFG (7u << 1)
#define H7_I2SCFG_MASTER_RX 3u
#define H7_SPI_I2SCFGR_I2SSTD_Pos 4u /* 0 Philips, 1 MSB, 2 LSB, 3 PCM */
#define H7_SPI_I2SCFGR_I2SSTD (3u << 4)
#define H7_I2SSTD_PHILIPS 0u
#define H7_SPI_I2SCFGR_PCMSYNC H7_BIT(7)
#define H7_SPI_I2SCFGR_DATLEN_Pos 8u /* 0 16-bit, 1 24-bit, 2 32-bit */
#define H7_SPI_I2SCFGR_DATLEN (3u << 8)
#define H7_I2S_DATLEN_16 0u
#define H7_SPI_I2SCFGR_CHLEN H7_BIT(10) /* 0: 16-bit channel, 1: 32-bit */
#define H7_SPI_I2SCFGR_CKPOL H7_BIT(11)
#define H7_SPI_I2SCFGR_FIXCH H7_BIT(12)
#define H7_SPI_I2SCFGR_WSINV H7_BIT(13)
#define H7_SPI_I2SCFGR_DATFMT H7_BIT(14)
#define H7_SPI_I2SCFGR_I2SDIV_Pos 16u
#define H7_SPI_I2SCFGR_I2SDIV (0xFFu << 16)
#define H7_SPI_I2SCFGR_ODD H7_BIT(24)
#define H7_SPI_I2SCFGR_MCKOE H7_BIT(25)

/* ------------------------------------------------------------------------------------
 * DMA1/DMA2 (RM0433 section 15.5): 8 streams each.
 * ---------------------------------------------------------------------------------- */
typedef struct {
    volatile uint32_t CR;   /* +0x00 */
    volatile uint32_t NDTR; /* +0x04 */
    volatile uint32_t PAR;  /* +0x08 */
    volatile uint32_t M0AR; /* +0x0C */
    volatile uint32_t M1AR; /* +0x10 */
    volatile uint32_t FCR;  /* +0x14 */
} h7_dma_stream_t;
typedef struct {
    volatile uint32_t LISR;  /* 0x00 streams 0-3 flags */
    volatile uint32_t HISR;  /* 0x04 streams 4-7 flags */
    volatile uint32_t LIFCR; /* 0x08 */
    volatile uint32_t HIFCR; /* 0x0C */
    h7_dma_stream_t S[8];    /* 0x10 + 0x18 * n */
} h7_dma_t;
H7_OFFSET_CHECK(h7_dma_t, S[1], 0x28);
H7_OFFSET_CHECK(h7_dma_t, S[7].FCR, 0xCC);
#define H7_DMA1 ((h7_dma_t *)H7_DMA1_BASE)
#define H7_DMA2 ((h7_dma_t *)H7_DMA2_BASE)
/* Stream flag block position inside LISR/HISR (n = stream 0..7): 0, 6, 16, 22. */
#define H7_DMA_FLAG_SHIFT(n) ((((n) & 3u) == 0u) ? 0u : (((n) & 3u) == 1u) ? 6u : (((n) & 3u) == 2u) ? 16u : 22u)
#define H7_DMA_FLAG_FEIF 0x01u /* FIFO error */
#define H7_DMA_FLAG_DMEIF 0x04u /* direct-mode error */
#define H7_DMA_FLAG_TEIF 0x08u /* transfer error */
#define H7_DMA_FLAG_HTIF 0x10u /* half transfer */
#define H7_DMA_FLAG_TCIF 0x20u /* transfer complete */
#define H7_DMA_FLAG_ALL 0x3Du
/* DMA_SxCR */
#define H7_DMA_SxCR_EN H7_BIT(0)
#define H7_DMA_SxCR_DMEIE H7_BIT(1)
#define H7_DMA_SxCR_TEIE H7_BIT(2)
#define H7_DMA_SxCR_HTIE H7_BIT(3)
#define H7_DMA_SxCR_TCIE H7_BIT(4)
#define H7_DMA_SxCR_PFCTRL H7_BIT(5)
#define H7_DMA_SxCR_DIR_Pos 6u /* 0 periph->mem, 1 mem->periph, 2 mem->mem */
#define H7_DMA_SxCR_DIR (3u << 6)
#define H7_DMA_SxCR_CIRC H7_BIT(8)
#define H7_DMA_SxCR_PINC H7_BIT(9)
#define H7_DMA_SxCR_MINC H7_BIT(10)
#define H7_DMA_SxCR_PSIZE_Pos 11u /* 0 byte, 1 half-word, 2 word */
#define H7_DMA_SxCR_PSIZE (3u << 11)
#define H7_DMA_SxCR_MSIZE_Pos 13u
#define H7_DMA_SxCR_MSIZE (3u << 13)
#define H7_DMA_SxCR_PINCOS H7_BIT(15)
#define H7_DMA_SxCR_PL_Pos 16u /* priority 0 low .. 3 very high */
#define H7_DMA_SxCR_PL (3u << 16)
#define H7_DMA_SxCR_DBM H7_BIT(18)
#define H7_DMA_SxCR_CT H7_BIT(19)
#define H7_DMA_SxCR_TRBUFF H7_BIT(20)
#define H7_DMA_SxCR_PBURST_Pos 21u
#define H7_DMA_SxCR_MBURST_Pos 23u
#define H7_DMA_SIZE_BYTE 0u
#define H7_DMA_SIZE_HALFWORD 1u
#define H7_DMA_SIZE_WORD 2u
/* DMA_SxFCR */
#define H7_DMA_SxFCR_FTH_Pos 0u
#define H7_DMA_SxFCR_DMDIS H7_BIT(2)
#define H7_DMA_SxFCR_FS_Pos 3u
#define H7_DMA_SxFCR_FEIE H7_BIT(7)

/* ------------------------------------------------------------------------------------
 * DMAMUX1 (RM0433 section 17.6): channel n (0..7) feeds DMA1 stream n, 8..15 DMA2.
 * ---------------------------------------------------------------------------------- */
typedef struct {
    volatile uint32_t CCR[16];  /* 0x000 channel configuration */
    uint32_t RESERVED0[16];     /* 0x040..0x07C */
    volatile uint32_t CSR;      /* 0x080 synchronization overrun status */
    volatile uint32_t CFR;      /* 0x084 */
    uint32_t RESERVED1[30];     /* 0x088..0x0FC */
    volatile uint32_t RGCR[8];  /* 0x100 request generator */
    uint32_t RESERVED2[8];      /* 0x120..0x13C */
    volatile uint32_t RGSR;     /* 0x140 */
    volatile uint32_t RGCFR;    /* 0x144 */
} h7_dmamux_t;
H7_OFFSET_CHECK(h7_dmamux_t, CSR, 0x80);
H7_OFFSET_CHECK(h7_dmamux_t, RGCFR, 0x144);
#define H7_DMAMUX1 ((h7_dmamux_t *)H7_DMAMUX1_BASE)
#define H7_DMAMUX_CCR_DMAREQ_ID_Pos 0u
#define H7_DMAMUX_CCR_DMAREQ_ID (0xFFu << 0)
#define H7_DMAMUX_CCR_SOIE H7_BIT(8)
#define H7_DMAMUX_CCR_EGE H7_BIT(9)
#define H7_DMAMUX_CCR_SE H7_BIT(16)
/* DMAMUX1 request inputs (RM0433 table "DMAMUX1: assignment of multiplexer inputs") */
#define H7_DMAREQ_SPI1_RX 37u
#define H7_DMAREQ_SPI1_TX 38u
#define H7_DMAREQ_SPI2_RX 39u
#define H7_DMAREQ_SPI2_TX 40u
#define H7_DMAREQ_USART3_RX 45u
#define H7_DMAREQ_USART3_TX 46u

/* ------------------------------------------------------------------------------------
 * EXTI (RM0433 section 20.6): lines 0-15 GPIO, 16+ internal events.
 * ---------------------------------------------------------------------------------- */
typedef struct {
    volatile uint32_t RTSR1;   /* 0x00 rising trigger, lines 0-31 */
    volatile uint32_t FTSR1;   /* 0x04 falling trigger */
    volatile uint32_t SWIER1;  /* 0x08 software interrupt event */
    volatile uint32_t D3PMR1;  /* 0x0C */
    volatile uint32_t D3PCR1L; /* 0x10 */
    volatile uint32_t D3PCR1H; /* 0x14 */
    uint32_t RESERVED0[2];     /* 0x18, 0x1C */
    volatile uint32_t RTSR2;   /* 0x20 lines 32-63 */
    volatile uint32_t FTSR2;   /* 0x24 */
    volatile uint32_t SWIER2;  /* 0x28 */
    volatile uint32_t D3PMR2;  /* 0x2C */
    volatile uint32_t D3PCR2L; /* 0x30 */
    volatile uint32_t D3PCR2H; /* 0x34 */
    uint32_t RESERVED1[2];     /* 0x38, 0x3C */
    volatile uint32_t RTSR3;   /* 0x40 lines 64-87 */
    volatile uint32_t FTSR3;   /* 0x44 */
    volatile uint32_t SWIER3;  /* 0x48 */
    volatile uint32_t D3PMR3;  /* 0x4C */
    volatile uint32_t D3PCR3L; /* 0x50 */
    volatile uint32_t D3PCR3H; /* 0x54 */
    uint32_t RESERVED2[10];    /* 0x58..0x7C */
    volatile uint32_t CPUIMR1; /* 0x80 CPU interrupt mask (1 = unmasked) */
    volatile uint32_t CPUEMR1; /* 0x84 CPU event mask */
    volatile uint32_t CPUPR1;  /* 0x88 CPU pending (write 1 to clear) */
    uint32_t RESERVED3;        /* 0x8C */
    volatile uint32_t CPUIMR2; /* 0x90 */
    volatile uint32_t CPUEMR2; /* 0x94 */
    volatile uint32_t CPUPR2;  /* 0x98 */
    uint32_t RESERVED4;        /* 0x9C */
    volatile uint32_t CPUIMR3; /* 0xA0 */
    volatile uint32_t CPUEMR3; /* 0xA4 */
    volatile uint32_t CPUPR3;  /* 0xA8 */
} h7_exti_t;
H7_OFFSET_CHECK(h7_exti_t, CPUIMR1, 0x80);
H7_OFFSET_CHECK(h7_exti_t, CPUPR3, 0xA8);
#define H7_EXTI ((h7_exti_t *)H7_EXTI_BASE)
#define H7_EXTI_LINE_USART3_WKUP 28u /* direct event: USART3 wake-up from Stop */
#define H7_EXTI_LINE_SPI2_WKUP 37u

/* ------------------------------------------------------------------------------------
 * LPTIM1 (RM0433 section 42.7): low-power timer, counts in Stop on LSI/LSE.
 * ---------------------------------------------------------------------------------- */
typedef struct {
    volatile uint32_t ISR;  /* 0x00 */
    volatile uint32_t ICR;  /* 0x04 */
    volatile uint32_t IER;  /* 0x08 */
    volatile uint32_t CFGR; /* 0x0C PRESC bits 9-11: /2^n */
    volatile uint32_t CR;   /* 0x10 ENABLE, SNGSTRT, CNTSTRT */
    volatile uint32_t CMP;  /* 0x14 */
    volatile uint32_t ARR;  /* 0x18 */
    volatile uint32_t CNT;  /* 0x1C asynchronous: read until two reads agree */
} h7_lptim_t;
H7_OFFSET_CHECK(h7_lptim_t, CNT, 0x1C);
#define H7_LPTIM1 ((h7_lptim_t *)0x40002400u)
#define H7_LPTIM_CFGR_PRESC_Pos 9u
#define H7_LPTIM_CR_ENABLE H7_BIT(0)
#define H7_LPTIM_CR_CNTSTRT H7_BIT(2)
#define H7_LPTIM_ISR_ARROK H7_BIT(4)
#define H7_LPTIM_ICR_ARROKCF H7_BIT(4)

/* ------------------------------------------------------------------------------------
 * IWDG1 (RM0433 section 45.4), clocked by LSI (32 kHz).
 * ---------------------------------------------------------------------------------- */
typedef struct {
    volatile uint32_t KR;   /* 0x00 key */
    volatile uint32_t PR;   /* 0x04 prescaler: 0 /4 .. 6 /256 */
    volatile uint32_t RLR;  /* 0x08 reload, 12 bits */
    volatile uint32_t SR;   /* 0x0C update status */
    volatile uint32_t WINR; /* 0x10 window */
} h7_iwdg_t;
H7_OFFSET_CHECK(h7_iwdg_t, WINR, 0x10);
#define H7_IWDG1 ((h7_iwdg_t *)H7_IWDG1_BASE)
#define H7_IWDG_KEY_START 0xCCCCu
#define H7_IWDG_KEY_RELOAD 0xAAAAu
#define H7_IWDG_KEY_UNLOCK 0x5555u
#define H7_IWDG_SR_PVU H7_BIT(0)
#define H7_IWDG_SR_RVU H7_BIT(1)
#define H7_IWDG_SR_WVU H7_BIT(2)
#define H7_LSI_HZ 32000u

/* ------------------------------------------------------------------------------------
 * Cortex-M7 core peripherals (Armv7-M ARM, Cortex-M7 TRM)
 * ---------------------------------------------------------------------------------- */
typedef struct {
    volatile uint32_t CTRL;  /* 0x00 */
    volatile uint32_t LOAD;  /* 0x04 24-bit reload */
    volatile uint32_t VAL;   /* 0x08 */
    volatile uint32_t CALIB; /* 0x0C */
} h7_systick_t;
#define H7_SYSTICK ((h7_systick_t *)0xE000E010u)
#define H7_SYSTICK_CTRL_ENABLE H7_BIT(0)
#define H7_SYSTICK_CTRL_TICKINT H7_BIT(1)
#define H7_SYSTICK_CTRL_CLKSOURCE H7_BIT(2) /* 1: processor clock */
#define H7_SYSTICK_CTRL_COUNTFLAG H7_BIT(16)

typedef struct {
    volatile uint32_t ISER[8];  /* 0x000 */
    uint32_t RESERVED0[24];
    volatile uint32_t ICER[8];  /* 0x080 */
    uint32_t RESERVED1[24];
    volatile uint32_t ISPR[8];  /* 0x100 */
    uint32_t RESERVED2[24];
    volatile uint32_t ICPR[8];  /* 0x180 */
    uint32_t RESERVED3[24];
    volatile uint32_t IABR[8];  /* 0x200 */
    uint32_t RESERVED4[56];
    volatile uint8_t IPR[240];  /* 0x300 one byte per IRQ, priority in the top 4 bits */
    uint32_t RESERVED5[644];
    volatile uint32_t STIR;     /* 0xE00 */
} h7_nvic_t;
H7_OFFSET_CHECK(h7_nvic_t, IPR, 0x300);
H7_OFFSET_CHECK(h7_nvic_t, STIR, 0xE00);
#define H7_NVIC ((h7_nvic_t *)0xE000E100u)
#define H7_NVIC_PRIO_BITS 4u

typedef struct {
    volatile uint32_t CPUID;  /* 0x00 */
    volatile uint32_t ICSR;   /* 0x04 */
    volatile uint32_t VTOR;   /* 0x08 */
    volatile uint32_t AIRCR;  /* 0x0C */
    volatile uint32_t SCR;    /* 0x10 */
    volatile uint32_t CCR;    /* 0x14 */
    volatile uint8_t SHPR[12]; /* 0x18 system handler priorities, exceptions 4..15 */
    volatile uint32_t SHCSR;  /* 0x24 */
    volatile uint32_t CFSR;   /* 0x28 MMFSR | BFSR << 8 | UFSR << 16 */
    volatile uint32_t HFSR;   /* 0x2C */
    volatile uint32_t DFSR;   /* 0x30 */
    volatile uint32_t MMFAR;  /* 0x34 */
    volatile uint32_t BFAR;   /* 0x38 */
    volatile uint32_t AFSR;   /* 0x3C */
    volatile uint32_t ID_PFR[2]; /* 0x40 */
    volatile uint32_t ID_DFR;  /* 0x48 */
    volatile uint32_t ID_AFR;  /* 0x4C */
    volatile uint32_t ID_MMFR[4]; /* 0x50 */
    volatile uint32_t ID_ISAR[5]; /* 0x60 */
    uint32_t RESERVED0;        /* 0x74 */
    volatile uint32_t CLIDR;   /* 0x78 */
    volatile uint32_t CTR;     /* 0x7C */
    volatile uint32_t CCSIDR;  /* 0x80 */
    volatile uint32_t CSSELR;  /* 0x84 */
    volatile uint32_t CPACR;   /* 0x88 coprocessor access (FPU = CP10, CP11) */
} h7_scb_t;
H7_OFFSET_CHECK(h7_scb_t, CFSR, 0x28);
H7_OFFSET_CHECK(h7_scb_t, CPACR, 0x88);
#define H7_SCB ((h7_scb_t *)0xE000ED00u)
#define H7_SCB_ICSR_PENDSTSET H7_BIT(26)
#define H7_SCB_ICSR_PENDSTCLR H7_BIT(25)
#define H7_SCB_ICSR_VECTACTIVE (0x1FFu)
#define H7_SCB_AIRCR_VECTKEY (0x05FAu << 16)
#define H7_SCB_AIRCR_SYSRESETREQ H7_BIT(2)
#define H7_SCB_AIRCR_PRIGROUP_Pos 8u
#define H7_SCB_SCR_SLEEPONEXIT H7_BIT(1)
#define H7_SCB_SCR_SLEEPDEEP H7_BIT(2)
#define H7_SCB_SCR_SEVONPEND H7_BIT(4)
#define H7_SCB_CCR_UNALIGN_TRP H7_BIT(3)
#define H7_SCB_CCR_DIV_0_TRP H7_BIT(4)
#define H7_SCB_CCR_STKALIGN H7_BIT(9)
#define H7_SCB_CCR_DC H7_BIT(16)
#define H7_SCB_CCR_IC H7_BIT(17)
#define H7_SCB_SHCSR_MEMFAULTENA H7_BIT(16)
#define H7_SCB_SHCSR_BUSFAULTENA H7_BIT(17)
#define H7_SCB_SHCSR_USGFAULTENA H7_BIT(18)
#define H7_SCB_CFSR_MMARVALID H7_BIT(7)
#define H7_SCB_CFSR_BFARVALID H7_BIT(15)
#define H7_SCB_CFSR_UNDEFINSTR H7_BIT(16)
#define H7_SCB_CFSR_NOCP H7_BIT(19)
#define H7_SCB_CFSR_DIVBYZERO H7_BIT(25)
#define H7_SCB_HFSR_FORCED H7_BIT(30)
#define H7_SCB_CPACR_CP10_CP11_FULL (0xFu << 20)

/* Cache maintenance by set/way and address (Armv7-M B3.2.2, at 0xE000EF50) */
typedef struct {
    volatile uint32_t ICIALLU;  /* 0x50 invalidate I-cache */
    uint32_t RESERVED0;         /* 0x54 */
    volatile uint32_t ICIMVAU;  /* 0x58 */
    volatile uint32_t DCIMVAC;  /* 0x5C invalidate D-cache line by address */
    volatile uint32_t DCISW;    /* 0x60 invalidate by set/way */
    volatile uint32_t DCCMVAU;  /* 0x64 */
    volatile uint32_t DCCMVAC;  /* 0x68 clean by address */
    volatile uint32_t DCCSW;    /* 0x6C */
    volatile uint32_t DCCIMVAC; /* 0x70 clean+invalidate by address */
    volatile uint32_t DCCISW;   /* 0x74 */
} h7_cache_ops_t;
#define H7_CACHE_OPS ((h7_cache_ops_t *)0xE000EF50u)
#define H7_CACHE_LINE_BYTES 32u
#define H7_FPU_FPCCR H7_REG32(0xE000EF34u)
#define H7_FPU_FPCCR_ASPEN H7_BIT(31)
#define H7_FPU_FPCCR_LSPEN H7_BIT(30)

typedef struct {
    volatile uint32_t TYPE; /* 0x00 */
    volatile uint32_t CTRL; /* 0x04 */
    volatile uint32_t RNR;  /* 0x08 */
    volatile uint32_t RBAR; /* 0x0C */
    volatile uint32_t RASR; /* 0x10 */
} h7_mpu_t;
#define H7_MPU ((h7_mpu_t *)0xE000ED90u)
#define H7_MPU_CTRL_ENABLE H7_BIT(0)
#define H7_MPU_CTRL_HFNMIENA H7_BIT(1)
#define H7_MPU_CTRL_PRIVDEFENA H7_BIT(2)
#define H7_MPU_RASR_ENABLE H7_BIT(0)
#define H7_MPU_RASR_SIZE_Pos 1u /* region size = 2^(SIZE+1) bytes, SIZE >= 4 */
#define H7_MPU_RASR_SRD_Pos 8u
#define H7_MPU_RASR_B H7_BIT(16)
#define H7_MPU_RASR_C H7_BIT(17)
#define H7_MPU_RASR_S H7_BIT(18)
#define H7_MPU_RASR_TEX_Pos 19u
#define H7_MPU_RASR_AP_Pos 24u /* 0 no access, 3 full access, 6 read-only */
#define H7_MPU_RASR_XN H7_BIT(28)

typedef struct {
    volatile uint32_t CTRL;   /* 0x000 */
    volatile uint32_t CYCCNT; /* 0x004 */
    uint32_t RESERVED0[1002];
    volatile uint32_t LAR;    /* 0xFB0 lock access (write 0xC5ACCE55 to unlock on M7) */
} h7_dwt_t;
H7_OFFSET_CHECK(h7_dwt_t, LAR, 0xFB0);
#define H7_DWT ((h7_dwt_t *)0xE0001000u)
#define H7_DWT_CTRL_CYCCNTENA H7_BIT(0)
#define H7_DWT_LAR_KEY 0xC5ACCE55u
#define H7_DEMCR H7_REG32(0xE000EDFCu)
#define H7_DEMCR_TRCENA H7_BIT(24)

/* ------------------------------------------------------------------------------------
 * Interrupt numbers (RM0433 table "NVIC"): vector = 16 + IRQ number.
 * ---------------------------------------------------------------------------------- */
typedef enum {
    H7_IRQ_WWDG = 0, H7_IRQ_PVD_AVD = 1, H7_IRQ_TAMP_STAMP = 2, H7_IRQ_RTC_WKUP = 3,
    H7_IRQ_FLASH = 4, H7_IRQ_RCC = 5,
    H7_IRQ_EXTI0 = 6, H7_IRQ_EXTI1 = 7, H7_IRQ_EXTI2 = 8, H7_IRQ_EXTI3 = 9, H7_IRQ_EXTI4 = 10,
    H7_IRQ_DMA1_STREAM0 = 11, H7_IRQ_DMA1_STREAM1 = 12, H7_IRQ_DMA1_STREAM2 = 13,
    H7_IRQ_DMA1_STREAM3 = 14, H7_IRQ_DMA1_STREAM4 = 15, H7_IRQ_DMA1_STREAM5 = 16,
    H7_IRQ_DMA1_STREAM6 = 17, H7_IRQ_ADC1_2 = 18,
    H7_IRQ_FDCAN1_IT0 = 19, H7_IRQ_FDCAN2_IT0 = 20, H7_IRQ_FDCAN1_IT1 = 21, H7_IRQ_FDCAN2_IT1 = 22,
    H7_IRQ_EXTI9_5 = 23, H7_IRQ_TIM1_BRK = 24, H7_IRQ_TIM1_UP = 25, H7_IRQ_TIM1_TRG_COM = 26,
    H7_IRQ_TIM1_CC = 27, H7_IRQ_TIM2 = 28, H7_IRQ_TIM3 = 29, H7_IRQ_TIM4 = 30,
    H7_IRQ_I2C1_EV = 31, H7_IRQ_I2C1_ER = 32, H7_IRQ_I2C2_EV = 33, H7_IRQ_I2C2_ER = 34,
    H7_IRQ_SPI1 = 35, H7_IRQ_SPI2 = 36, H7_IRQ_USART1 = 37, H7_IRQ_USART2 = 38,
    H7_IRQ_USART3 = 39, H7_IRQ_EXTI15_10 = 40, H7_IRQ_RTC_ALARM = 41,
    H7_IRQ_TIM8_BRK_TIM12 = 43, H7_IRQ_TIM8_UP_TIM13 = 44, H7_IRQ_TIM8_TRG_COM_TIM14 = 45,
    H7_IRQ_TIM8_CC = 46, H7_IRQ_DMA1_STREAM7 = 47, H7_IRQ_FMC = 48, H7_IRQ_SDMMC1 = 49,
    H7_IRQ_TIM5 = 50, H7_IRQ_SPI3 = 51, H7_IRQ_UART4 = 52, H7_IRQ_UART5 = 53,
    H7_IRQ_TIM6_DAC = 54, H7_IRQ_TIM7 = 55,
    H7_IRQ_DMA2_STREAM0 = 56, H7_IRQ_DMA2_STREAM1 = 57, H7_IRQ_DMA2_STREAM2 = 58,
    H7_IRQ_DMA2_STREAM3 = 59, H7_IRQ_DMA2_STREAM4 = 60, H7_IRQ_ETH = 61, H7_IRQ_ETH_WKUP = 62,
    H7_IRQ_FDCAN_CAL = 63, H7_IRQ_DMA2_STREAM5 = 68, H7_IRQ_DMA2_STREAM6 = 69,
    H7_IRQ_DMA2_STREAM7 = 70, H7_IRQ_USART6 = 71, H7_IRQ_I2C3_EV = 72, H7_IRQ_I2C3_ER = 73,
    H7_IRQ_OTG_HS_EP1_OUT = 74, H7_IRQ_OTG_HS_EP1_IN = 75, H7_IRQ_OTG_HS_WKUP = 76,
    H7_IRQ_OTG_HS = 77, H7_IRQ_DCMI = 78, H7_IRQ_HASH_RNG = 80, H7_IRQ_FPU = 81,
    H7_IRQ_UART7 = 82, H7_IRQ_UART8 = 83, H7_IRQ_SPI4 = 84, H7_IRQ_SPI5 = 85, H7_IRQ_SPI6 = 86,
    H7_IRQ_SAI1 = 87, H7_IRQ_LTDC = 88, H7_IRQ_LTDC_ER = 89, H7_IRQ_DMA2D = 90,
    H7_IRQ_SAI2 = 91, H7_IRQ_QUADSPI = 92, H7_IRQ_LPTIM1 = 93, H7_IRQ_CEC = 94,
    H7_IRQ_I2C4_EV = 95, H7_IRQ_I2C4_ER = 96, H7_IRQ_SPDIF_RX = 97,
    H7_IRQ_OTG_FS_EP1_OUT = 98, H7_IRQ_OTG_FS_EP1_IN = 99, H7_IRQ_OTG_FS_WKUP = 100,
    H7_IRQ_OTG_FS = 101, H7_IRQ_DMAMUX1_OVR = 102, H7_IRQ_HRTIM1_MASTER = 103,
    H7_IRQ_HRTIM1_TIMA = 104, H7_IRQ_HRTIM1_TIMB = 105, H7_IRQ_HRTIM1_TIMC = 106,
    H7_IRQ_HRTIM1_TIMD = 107, H7_IRQ_HRTIM1_TIME = 108, H7_IRQ_HRTIM1_FLT = 109,
    H7_IRQ_DFSDM1_FLT0 = 110, H7_IRQ_DFSDM1_FLT1 = 111, H7_IRQ_DFSDM1_FLT2 = 112,
    H7_IRQ_DFSDM1_FLT3 = 113, H7_IRQ_SAI3 = 114, H7_IRQ_SWPMI1 = 115, H7_IRQ_TIM15 = 116,
    H7_IRQ_TIM16 = 117, H7_IRQ_TIM17 = 118, H7_IRQ_MDIOS_WKUP = 119, H7_IRQ_MDIOS = 120,
    H7_IRQ_JPEG = 121, H7_IRQ_MDMA = 122, H7_IRQ_SDMMC2 = 124, H7_IRQ_HSEM1 = 125,
    H7_IRQ_ADC3 = 127, H7_IRQ_DMAMUX2_OVR = 128,
    H7_IRQ_BDMA_CH0 = 129, H7_IRQ_BDMA_CH1 = 130, H7_IRQ_BDMA_CH2 = 131, H7_IRQ_BDMA_CH3 = 132,
    H7_IRQ_BDMA_CH4 = 133, H7_IRQ_BDMA_CH5 = 134, H7_IRQ_BDMA_CH6 = 135, H7_IRQ_BDMA_CH7 = 136,
    H7_IRQ_COMP = 137, H7_IRQ_LPTIM2 = 138, H7_IRQ_LPTIM3 = 139, H7_IRQ_LPTIM4 = 140,
    H7_IRQ_LPTIM5 = 141, H7_IRQ_LPUART1 = 142, H7_IRQ_CRS = 144, H7_IRQ_ECC = 145,
    H7_IRQ_SAI4 = 146, H7_IRQ_WAKEUP_PIN = 149,
    H7_IRQ_COUNT = 150
} h7_irq_t;

/* DMA1 stream n -> IRQ number (streams 0-6 are consecutive, stream 7 is apart). */
#define H7_IRQ_DMA1_STREAM(n) ((n) == 7u ? H7_IRQ_DMA1_STREAM7 : (h7_irq_t)(H7_IRQ_DMA1_STREAM0 + (n)))

/* Exception numbers of the core (negative IRQ numbers in CMSIS terms). */
#define H7_EXC_NMI 2u
#define H7_EXC_HARDFAULT 3u
#define H7_EXC_MEMMANAGE 4u
#define H7_EXC_BUSFAULT 5u
#define H7_EXC_USAGEFAULT 6u
#define H7_EXC_SVCALL 11u
#define H7_EXC_PENDSV 14u
#define H7_EXC_SYSTICK 15u

/* Barriers and small core intrinsics (no CMSIS-Core here). */
static inline void h7_dsb(void) { __asm volatile("dsb 0xF" ::: "memory"); }
static inline void h7_isb(void) { __asm volatile("isb 0xF" ::: "memory"); }
static inline void h7_dmb(void) { __asm volatile("dmb 0xF" ::: "memory"); }
static inline void h7_wfi(void) { __asm volatile("wfi" ::: "memory"); }
static inline void h7_irq_disable_all(void) { __asm volatile("cpsid i" ::: "memory"); }
static inline void h7_irq_enable_all(void) { __asm volatile("cpsie i" ::: "memory"); }
static inline uint32_t h7_get_primask(void)
{
    uint32_t v;
    __asm volatile("mrs %0, primask" : "=r"(v));
    return v;
}
static inline void h7_set_primask(uint32_t v) { __asm volatile("msr primask, %0" ::"r"(v) : "memory"); }

#endif /* H7_PLATFORM_STM32H743_H743_REGS_H */
