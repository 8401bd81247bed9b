/* I2S + DMA microphone capture on SPI2 / DMA1 (see audio_i2s.h).
 *
 * Loss accounting (platform/audio.h): the driver never trusts that an interrupt came in
 * time. Every look at the DMA (each half/full/error interrupt, stop, get_stats) reads
 * where the DMA is (NDTR) and the time; the frames written since the last look are the
 * position difference plus as many whole buffers (FRAMES) as the elapsed time says went
 * by. The position makes the count exact; the clock only has to be right to half a buffer
 * (10 ms), so it resolves any number of wraps. The clock is the SysTick time in
 * microseconds, or the interrupt-free LPTIM1 milliseconds when SysTick was held off too
 * (interrupts masked). Of the new frames only the last FRAMES are still in the buffer:
 * older ones were overwritten (counted), the rest go into the ring oldest first (the
 * oldest is the next the DMA overwrites, 62.5 us later at the earliest; what does not
 * fit into the ring is counted). A DMA error
 * takes in what was written, restarts the stream and the I2S at once, and counts the
 * microphone time until the restart. */
#include "platform/stm32h743/audio_i2s.h"

#include <string.h>

#include "common/ring.h"
#include "platform/platform.h"
#include "platform/sections.h"
#include "platform/stm32h743/h743_internal.h"
#include "platform/stm32h743/h743_regs.h"

#define FRAMES (2u * H7AUDIO_HALF_FRAMES)     /* stereo frames in the DMA buffer */
#define DMA_HALFWORDS (2u * FRAMES)           /* L,R half-words */
_Static_assert(H7AUDIO_DMA_STREAM == 0u, "the interrupt handler below is DMA1_Stream0's");

/* DMA1 cannot reach DTCM: the buffer lives in SRAM1 (non-cacheable by the MPU). */
static int16_t dma_buffer[DMA_HALFWORDS] H7_DMA_BSS;
static int16_t ring_storage[H7AUDIO_RING_SAMPLES];
static h7_ring_t ring;
static h7audio_stats_t stats;   /* written by the interrupt, or with interrupts masked */
static volatile int capture_failed;
static volatile int running;
static uint32_t rate_hz;

/* The last look at the DMA: its position (frames into the buffer) and the clocks. */
static uint32_t last_pos, last_us, last_lp_ticks;
static uint32_t taken;      /* frames taken in (copied or counted lost): stats.captured after a look */
static uint32_t origin;     /* stats.captured when this capture began: slot = (frame - origin) % FRAMES */
/* Since the DMA stopped on an error: the time of the looks that found it stopped and the
 * frames they still found written. The frames the microphone made and the stream missed are
 * counted once, at the restart, from the whole time (frames_in per look rounded down at each
 * look: a sample short for every look the main loop made meanwhile). */
static uint32_t stopped_us, stopped_written;
static uint32_t errors_in_a_row;

static h7_dma_stream_t *stream(void)
{
    return &H7_DMA1->S[H7AUDIO_DMA_STREAM];
}

static uint32_t frames_in(uint32_t us)
{
    return (uint32_t)((uint64_t)us * rate_hz / 1000000u);
}

static void count_lost(uint32_t *cause, uint32_t frames)
{
    *cause += frames;
    stats.dropped_samples += frames;
}

/* Interrupts masked or in the DMA interrupt: counts what the DMA wrote since the last look
 * and takes in the intact part (see the top of the file). flags: the stream's flags the
 * interrupt found (and cleared), for a stream an error has stopped. */
static void take_in(uint32_t flags)
{
    uint32_t ndtr = stream()->NDTR;
    bool stopped = (stream()->CR & H7_DMA_SxCR_EN) == 0u; /* an error stopped it */
    flags |= (H7_DMA1->LISR >> H7_DMA_FLAG_SHIFT(H7AUDIO_DMA_STREAM)) & H7_DMA_FLAG_ALL;
    uint32_t now_us = h7_time_us();
    uint32_t lp_ticks = h7_time_lp_ticks();
    uint32_t written = ndtr < DMA_HALFWORDS ? DMA_HALFWORDS - ndtr : 0u; /* half-words */
    /* a frame whose left half-word (the microphone) is written counts: its sample is there */
    uint32_t pos = ((written + 1u) / 2u) % FRAMES;
    uint32_t elapsed_us = now_us - last_us;
    uint32_t lp_elapsed_us = h7_lp_ticks_us((lp_ticks - last_lp_ticks) & 0xFFFFu);
    if (lp_elapsed_us > elapsed_us + 2000u)
        elapsed_us = lp_elapsed_us; /* SysTick was held off as well */
    uint32_t expected = frames_in(elapsed_us);
    uint32_t d = (pos + FRAMES - last_pos) % FRAMES;
    if (stopped) {
        /* The stream stopped on an error: the time since the last look says nothing about
         * wraps. A wrap crosses both the half and the end of the buffer; without both
         * flags, or when the short way already crosses both, there was none. */
        uint32_t end = last_pos + d;
        bool short_ht = (last_pos < FRAMES / 2u && end >= FRAMES / 2u) || end >= FRAMES + FRAMES / 2u;
        bool short_tc = end >= FRAMES;
        bool both = (flags & (H7_DMA_FLAG_HTIF | H7_DMA_FLAG_TCIF)) ==
                    (H7_DMA_FLAG_HTIF | H7_DMA_FLAG_TCIF);
        if (both && !(short_ht && short_tc))
            d += FRAMES;
    } else if (expected > d + FRAMES / 2u) {
        d += (expected - d + FRAMES / 2u) / FRAMES * FRAMES;
    }
    if (stopped) {
        stopped_us += elapsed_us; /* made by the microphone, not written: counted at the restart */
        stopped_written += d;
    }
    last_pos = pos;
    last_us = now_us;
    last_lp_ticks = lp_ticks;
    stats.captured += d;

    /* the buffer holds the last FRAMES samples; older new ones were overwritten */
    uint32_t fresh = stats.captured - taken;
    if (fresh > FRAMES) {
        count_lost(&stats.lost_overwritten, fresh - FRAMES);
        stats.late_interrupts++;
        taken += fresh - FRAMES;
        fresh = FRAMES;
    }
    uint32_t slot = (taken - origin) % FRAMES;
    uint32_t full = 0;
    while (fresh > 0u) {
        uint32_t n = fresh < FRAMES - slot ? fresh : FRAMES - slot;
        uint32_t stored = h7_ring_write16(&ring, &dma_buffer[2u * slot], n, 2u);
        if (stored < n) {
            count_lost(&stats.lost_ring_full, n - stored);
            full = 1;
        }
        taken += n;
        fresh -= n;
        slot = 0;
    }
    stats.ring_overflows += full;
}

/* DMA stream and I2S from the top of the buffer; the look starts there. */
static void dma_start(void)
{
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
    s->CR |= H7_DMA_SxCR_EN;
    H7_SPI2->CR1 = H7_SPI_CR1_SPE;
    H7_SPI2->CR1 = H7_SPI_CR1_SPE | H7_SPI_CR1_CSTART;
    last_pos = 0;
    last_us = h7_time_us();
    last_lp_ticks = h7_time_lp_ticks();
    origin = taken = stats.captured;
    stopped_us = stopped_written = 0;
}

static void take_in_fifo(int keep);

/* In the DMA interrupt after a transfer or direct-mode error (the hardware has disabled
 * the stream): take in what was written, restart at once, count the microphone time the
 * restart missed. Errors that keep coming right after each restart: give up. */
static void restart_after_error(uint32_t flags)
{
    take_in(flags);
    uint32_t gap_us = stopped_us, written = stopped_written; /* since the DMA stopped, up to now */
    uint32_t before_us = last_us;
    if (++errors_in_a_row > H7AUDIO_MAX_RESTARTS) {
        H7_SPI2->IER = 0;
        H7_SPI2->CR1 = 0;
        running = 0;
        capture_failed = 1;
        return;
    }
    take_in_fifo(0); /* stale half-words must not precede the restart's first ones */
    H7_SPI2->CR1 = 0; /* I2S off: with nobody reading RXDR every sample would be an overrun */
    H7_SPI2->IFCR = H7_SPI_IFCR_OVRC;
    dma_start();
    uint32_t made = frames_in(gap_us + (last_us - before_us));
    count_lost(&stats.lost_restart, made > written ? made - written : 0u);
    stats.restarts++;
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

    if (ring.buf == NULL)
        h7_ring_init16(&ring, ring_storage, H7AUDIO_RING_SAMPLES);
    stats.discarded += h7_ring_discard(&ring); /* left unread by the application */
    capture_failed = 0;
    errors_in_a_row = 0;
    rate_hz = sample_rate_hz;

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
    uint32_t irq = h7_irq_save();
    h7_irq_enable(H7_IRQ_DMA1_STREAM(H7AUDIO_DMA_STREAM), H7_PRIO_AUDIO);
    h7_irq_enable(H7_IRQ_SPI2, H7_PRIO_AUDIO);
    dma_start();
    running = 1;
    h7_irq_restore(irq);
    return H7AUDIO_OK;
}

/* After the stream has stopped: half-words still in SPI2's RX FIFO (a suspend that did not
 * come in time, or what arrived after a DMA error stopped the stream) follow the last one
 * the DMA wrote. Their left samples are captured: into the ring behind it when `keep`,
 * else counted as discarded (after an error they fall in the restart's gap, which
 * lost_restart counts by time), so none is read later as if it were new. */
static void take_in_fifo(int keep)
{
    uint32_t ndtr = stream()->NDTR;
    uint32_t odd = ndtr < DMA_HALFWORDS ? (DMA_HALFWORDS - ndtr) & 1u : 0u; /* next is R */
    for (uint32_t n = 0; n < 16u && (H7_SPI2->SR & H7_SPI_SR_RXP); ++n) {
        int16_t h = (int16_t)(uint16_t)(H7_SPI2->RXDR & 0xFFFFu);
        if (((n + odd) & 1u) == 0u) { /* left: the microphone */
            stats.captured++;
            taken++;
            if (!keep) {
                stats.discarded++;
            } else if (h7_ring_write16(&ring, &h, 1u, 1u) != 1u) {
                count_lost(&stats.lost_ring_full, 1u);
                stats.ring_overflows++;
            }
        }
    }
}

/* SUSP comes at the end of the frame in progress (RM0433), one frame period at most. The
 * wait is bounded by time, not by tries: with interrupts masked, a suspend that never came
 * would otherwise hold the core for 2 M tries (0.6 s at 16 MHz) while the DMA wrapped its
 * buffer. Three frame periods, timed with the cycle counter at the current core clock. */
static bool wait_suspended(void)
{
    uint32_t frame_cycles = h7_clock_sysclk_hz() / (rate_hz ? rate_hz : 16000u);
    uint32_t start = h7_cycles();
    while ((H7_SPI2->SR & H7_SPI_SR_SUSP) == 0u) {
        if (h7_cycles() - start > 3u * frame_cycles) return false;
    }
    return true;
}

void h7audio_stop(void)
{
    if (!running) return;
    uint32_t irq = h7_irq_save();
    /* RM0433 (SPI/I2S, master receiver): CSUSP stops the clock at the end of the frame in
     * progress and sets SUSP; the DMA moves what was received, so after SUSP no sample
     * comes that the stream does not write. Disabling the stream first (DMA closing
     * order) left a gap of a few microseconds where SPI2 received a sample nobody took. */
    H7_SPI2->CR1 = H7_SPI_CR1_SPE | H7_SPI_CR1_CSTART | H7_SPI_CR1_CSUSP;
    if (wait_suspended())
        H7_SPI2->IFCR = H7_SPI_IFCR_SUSPC;
    else
        stats.suspend_timeouts++; /* the FIFO and overrun checks below take what it leaves */
    /* Then the stream, then its count: RM0433: EN reads 0 once it has really stopped. */
    stream()->CR &= ~H7_DMA_SxCR_EN;
    (void)h7_wait_bits(&stream()->CR, H7_DMA_SxCR_EN, 0u, H7_WAIT_TRIES);
    take_in(0u); /* what the DMA wrote stays readable */
    take_in_fifo(1);
    H7_SPI2->CR1 = 0;
    h7_irq_disable(H7_IRQ_DMA1_STREAM(H7AUDIO_DMA_STREAM));
    h7_irq_disable(H7_IRQ_SPI2);
    /* An overrun now is a sample lost at the stop (the suspend failed): counted, then
     * cleared so it is not counted again at the next start. */
    if (H7_SPI2->SR & H7_SPI_SR_OVR) {
        stats.spi_overruns++;
        H7_SPI2->IFCR = H7_SPI_IFCR_OVRC;
    }
    h7_irq_clear_pending(H7_IRQ_SPI2);
    running = 0;
    h7_irq_restore(irq);
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
    if (running)
        take_in(0u); /* the counters as of now, not of the last interrupt */
    memcpy(out, &stats, sizeof(*out));
    h7_irq_restore(irq);
}

int h7audio_failed(void)
{
    return capture_failed;
}

void DMA1_Stream0_IRQHandler(void)
{
    uint32_t shift = H7_DMA_FLAG_SHIFT(H7AUDIO_DMA_STREAM);
    uint32_t flags = (H7_DMA1->LISR >> shift) & H7_DMA_FLAG_ALL;
    H7_DMA1->LIFCR = flags << shift;
    if (!running)
        return;
    if (flags & H7_DMA_FLAG_FEIF) stats.fifo_errors++;
    if (flags & H7_DMA_FLAG_HTIF) stats.half_transfers++;
    if (flags & H7_DMA_FLAG_TCIF) stats.full_transfers++;
    if (flags & (H7_DMA_FLAG_TEIF | H7_DMA_FLAG_DMEIF)) {
        stats.dma_errors++;
        restart_after_error(flags);
        return;
    }
    if (flags & (H7_DMA_FLAG_HTIF | H7_DMA_FLAG_TCIF)) {
        take_in(0u);
        errors_in_a_row = 0;
    }
}

void SPI2_IRQHandler(void)
{
    if (H7_SPI2->SR & H7_SPI_SR_OVR) {
        stats.spi_overruns++;
        H7_SPI2->IFCR = H7_SPI_IFCR_OVRC;
    }
}
