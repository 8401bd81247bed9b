/* Portable audio capture API of the platform: what the application calls to get
 * microphone samples.
 *
 * On the chip it is implemented by firmware/platform/stm32h743/audio_i2s.c (SPI2/I2S2
 * master receive, DMA1 circular double buffer, left channel into a sample ring).
 *
 * Every sample is accounted for, whatever happens (stm32h743/audio_i2s.c says how):
 *
 *   captured = read by the application + waiting (h7audio_available)
 *            + lost_overwritten + lost_ring_full + discarded
 *
 * exactly, at any h7audio_get_stats() (it first takes in what the DMA has written), and
 * lost_restart counts the microphone time not captured while capture restarted after a
 * DMA error. dropped_samples is the sum of the three losses. The counters run from boot
 * (across stops and restarts).
 */
#ifndef H7_PLATFORM_AUDIO_H
#define H7_PLATFORM_AUDIO_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t captured;            /* samples the I2S + DMA wrote to memory */
    uint32_t lost_overwritten;    /* overwritten in the DMA buffer before the interrupt took
                                     them (the interrupt ran late) */
    uint32_t lost_ring_full;      /* did not fit into the sample ring (main loop behind) */
    uint32_t lost_restart;        /* microphone time not captured while capture restarted
                                     after a DMA error (samples, from the clock) */
    uint32_t dropped_samples;     /* lost_overwritten + lost_ring_full + lost_restart */
    uint32_t discarded;           /* captured but left unread when capture stopped (the
                                     application's choice, e.g. before Stop mode) */
    uint32_t ring_overflows;      /* times the sample ring was full */
    uint32_t late_interrupts;     /* DMA interrupts that found samples overwritten */
    uint32_t half_transfers;      /* DMA half-transfer interrupts */
    uint32_t full_transfers;      /* DMA transfer-complete interrupts */
    uint32_t dma_errors;          /* transfer / direct-mode errors (capture restarts) */
    uint32_t restarts;            /* capture restarts after a DMA error */
    uint32_t fifo_errors;         /* DMA FIFO errors (counted, capture continues) */
    uint32_t spi_overruns;        /* I2S receive overruns (OVR) */
    uint32_t suspend_timeouts;    /* stops whose I2S suspend (CSUSP -> SUSP) did not come in
                                     three frame periods: the RX FIFO was taken and an
                                     overrun counted instead */
} h7audio_stats_t;

#define H7AUDIO_OK 0
#define H7AUDIO_ERR_RATE (-1)     /* sample rate not supported by the clock tree */
#define H7AUDIO_ERR_STATE (-2)    /* already running / not started */

/* Starts capture at sample_rate_hz (16000 supported exactly). Samples still unread from
 * an earlier capture are discarded (counted). */
int h7audio_start(uint32_t sample_rate_hz);
/* Stops capture; what the DMA wrote so far stays readable. */
void h7audio_stop(void);

/* Copies up to count captured mono samples; returns how many. */
size_t h7audio_read(int16_t *out, size_t count);
size_t h7audio_available(void);
void h7audio_get_stats(h7audio_stats_t *stats);
/* Non-zero once capture has given up: DMA errors kept coming back right after each
 * restart (H7AUDIO_MAX_RESTARTS in a row without a good half buffer). */
int h7audio_failed(void);

#endif
