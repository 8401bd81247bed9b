/* I2S + DMA microphone capture on SPI2 / DMA1 (see audio_i2s.h). */
#include "platform/stm32h743/audio_i2s.h"

#include <string.h>

#include "common/ring.h"
#include "platform/platform.h"
#include "platform/sections.h"
#include "platform/stm32h743/h743_regs.h"

#define DMA_HALFWORDS (2u * H7AUDIO_HALF_FRAMES * 2u) /* two halves of L,R frames */
_Static_assert(H7AUDIO_DMA_STREAM == 0u, "the interrupt handler below is DMA1_Stream0's");

/* DMA1 cannot reach DTCM: the buffer lives in SRAM1 (non-cacheable by the MPU). */
static int16_t dma_buffer[DMA_HALFWORDS] H7_DMA_BSS;
static int16_t ring_storage[H7AUDIO_RING_SAMPLES];
static h7_ring_t ring;
static volatile h7audio_stats_t stats;
static volatile int capture_failed;
static int running;

static h7_dma_stream_t *stream(void)
{
    return &H7_DMA1->S[H7AUDIO_DMA_STREAM];
}

/* Fs = kernel / (32 * (2 * I2SDIV + ODD)) for 16-bit channels (RM0433 I2S clock generator).
 * Only exact rates are accepted: a rate the clock tree cannot make is an error. */
static int i2s_divider(uint32_t sample_rate_hz, uint32_t *i2sdiv, uint32_t *odd)
{
    if (sample_rate_hz == 0u) return -1;
    uint32_t bit_clock = 32u * sample_rate_hz;
    if (H7AUDIO_KERNEL_HZ % bit_clock != 0u) return -1;
    uint32_t divider = H7AUDIO_KERNEL_HZ / bit_clock;
    if (divider < 4u || divider > 511u) return -1;
    *i2sdiv = divider / 2u;
    *odd = divider & 1u;
    return 0;
}

static void pin_af5(h7_gpio_t *gpio, uint32_t pin)
{
    gpio->MODER = (gpio->MODER & ~(3u << (2u * pin))) | (H7_GPIO_MODE_AF << (2u * pin));
    gpio->OSPEEDR |= 2u << (2u * pin); /* high speed for the bit clock edges */
    uint32_t shift = 4u * (pin & 7u);
    gpio->AFR[pin >> 3] = (gpio->AFR[pin >> 3] & ~(0xFu << shift)) | (H7_GPIO_AF5_SPI2 << shift);
}

int h7audio_start(uint32_t sample_rate_hz)
{
    uint32_t i2sdiv, odd;
    if (running) return H7AUDIO_ERR_STATE;
    if (i2s_divider(sample_rate_hz, &i2sdiv, &odd) != 0) return H7AUDIO_ERR_RATE;

    h7_ring_init16(&ring, ring_storage, H7AUDIO_RING_SAMPLES);
    memset((void *)&stats, 0, sizeof(stats));
    capture_failed = 0;

    H7_RCC->AHB1ENR |= H7_RCC_AHB1ENR_DMA1EN;
    H7_RCC->AHB4ENR |= H7_RCC_AHB4ENR_GPIOEN(H7_PORT_B) | H7_RCC_AHB4ENR_GPIOEN(H7_PORT_C);
    H7_RCC->APB1LENR |= H7_RCC_APB1LENR_SPI2EN;
    (void)H7_RCC->APB1LENR; /* the enable takes effect before the first access */
    H7_RCC->APB1LRSTR |= H7_RCC_APB1LRSTR_SPI2RST;
    H7_RCC->APB1LRSTR &= ~H7_RCC_APB1LRSTR_SPI2RST;

    pin_af5(H7_GPIOB, 10); /* I2S2_CK */
    pin_af5(H7_GPIOB, 12); /* I2S2_WS */
    pin_af5(H7_GPIOC, 2);  /* I2S2_SDI */

    /* I2S: master receive, Philips, 16-bit data, 16-bit channels. */
    H7_SPI2->I2SCFGR = H7_SPI_I2SCFGR_I2SMOD | (H7_I2SCFG_MASTER_RX << H7_SPI_I2SCFGR_I2SCFG_Pos) |
                       (H7_I2SSTD_PHILIPS << H7_SPI_I2SCFGR_I2SSTD_Pos) |
                       (H7_I2S_DATLEN_16 << H7_SPI_I2SCFGR_DATLEN_Pos) |
                       (i2sdiv << H7_SPI_I2SCFGR_I2SDIV_Pos) | (odd ? H7_SPI_I2SCFGR_ODD : 0u);
    H7_SPI2->CFG1 = H7_SPI_CFG1_RXDMAEN;
    H7_SPI2->IER = H7_SPI_IER_OVRIE;

    /* DMA1 stream: peripheral -> memory, half-words, circular, half/full/error interrupts. */
    h7_dma_stream_t *s = stream();
    s->CR &= ~H7_DMA_SxCR_EN;
    while (s->CR & H7_DMA_SxCR_EN) {
    }
    uint32_t shift = H7_DMA_FLAG_SHIFT(H7AUDIO_DMA_STREAM);
    if (H7AUDIO_DMA_STREAM < 4u) H7_DMA1->LIFCR = H7_DMA_FLAG_ALL << shift;
    else H7_DMA1->HIFCR = H7_DMA_FLAG_ALL << shift;
    s->PAR = H7_SPI2_RXDR_ADDR;
    s->M0AR = (uint32_t)(uintptr_t)dma_buffer;
    s->NDTR = DMA_HALFWORDS;
    s->FCR = H7_DMA_SxFCR_FEIE; /* direct mode; a FIFO error is counted */
    s->CR = (0u << H7_DMA_SxCR_DIR_Pos) | H7_DMA_SxCR_MINC | H7_DMA_SxCR_CIRC |
            (H7_DMA_SIZE_HALFWORD << H7_DMA_SxCR_PSIZE_Pos) |
            (H7_DMA_SIZE_HALFWORD << H7_DMA_SxCR_MSIZE_Pos) | (2u << H7_DMA_SxCR_PL_Pos) |
            H7_DMA_SxCR_HTIE | H7_DMA_SxCR_TCIE | H7_DMA_SxCR_TEIE | H7_DMA_SxCR_DMEIE;
    H7_DMAMUX1->CCR[H7AUDIO_DMA_STREAM] = H7_DMAREQ_SPI2_RX << H7_DMAMUX_CCR_DMAREQ_ID_Pos;

    h7_irq_enable(H7_IRQ_DMA1_STREAM(H7AUDIO_DMA_STREAM), H7_PRIO_AUDIO);
    h7_irq_enable(H7_IRQ_SPI2, H7_PRIO_AUDIO);
    s->CR |= H7_DMA_SxCR_EN;
    H7_SPI2->CR1 = H7_SPI_CR1_SPE;
    H7_SPI2->CR1 = H7_SPI_CR1_SPE | H7_SPI_CR1_CSTART;
    running = 1;
    return H7AUDIO_OK;
}

void h7audio_stop(void)
{
    if (!running) return;
    H7_SPI2->CR1 = 0;
    stream()->CR &= ~H7_DMA_SxCR_EN;
    h7_irq_disable(H7_IRQ_DMA1_STREAM(H7AUDIO_DMA_STREAM));
    h7_irq_disable(H7_IRQ_SPI2);
    running = 0;
}

size_t h7audio_read(int16_t *out, size_t count)
{
    return h7_ring_read16(&ring, out, (uint32_t)count);
}

size_t h7audio_available(void)
{
    return h7_ring_used(&ring);
}

void h7audio_get_stats(h7audio_stats_t *out)
{
    uint32_t irq = h7_irq_save();
    memcpy(out, (const void *)&stats, sizeof(*out));
    h7_irq_restore(irq);
}

int h7audio_failed(void)
{
    return capture_failed;
}

/* One half buffer's left samples into the ring; what does not fit is counted. */
static void ring_put(const int16_t *half)
{
    uint32_t n = h7_ring_write16(&ring, half, H7AUDIO_HALF_FRAMES, 2u);
    if (n < H7AUDIO_HALF_FRAMES) {
        stats.ring_overflows++;
        stats.dropped_samples += H7AUDIO_HALF_FRAMES - n;
    }
}

void DMA1_Stream0_IRQHandler(void)
{
    uint32_t shift = H7_DMA_FLAG_SHIFT(H7AUDIO_DMA_STREAM);
    uint32_t flags = (H7_DMA1->LISR >> shift) & H7_DMA_FLAG_ALL;
    H7_DMA1->LIFCR = flags << shift;
    if (flags & (H7_DMA_FLAG_TEIF | H7_DMA_FLAG_DMEIF)) {
        /* The hardware has disabled the stream. Stop the I2S too: with nobody reading RXDR
         * every new sample would be an overrun interrupt. The app sees h7audio_failed(). */
        stats.dma_errors++;
        capture_failed = 1;
        H7_SPI2->IER = 0;
        H7_SPI2->CR1 = 0;
        running = 0;
        return;
    }
    if (flags & H7_DMA_FLAG_FEIF) stats.fifo_errors++;
    if (flags & H7_DMA_FLAG_HTIF) {
        stats.half_transfers++;
        ring_put(dma_buffer);
    }
    if (flags & H7_DMA_FLAG_TCIF) {
        stats.full_transfers++;
        ring_put(dma_buffer + 2u * H7AUDIO_HALF_FRAMES);
    }
}

void SPI2_IRQHandler(void)
{
    if (H7_SPI2->SR & H7_SPI_SR_OVR) {
        stats.spi_overruns++;
        H7_SPI2->IFCR = H7_SPI_IFCR_OVRC;
    }
}
