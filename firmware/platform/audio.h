/* Portable audio capture API of the platform: what the application calls to get
 * microphone samples.
 *
 * On the chip it is implemented by firmware/platform/stm32h743/audio_i2s.c (SPI2/I2S2
 * master receive, DMA1 circular double buffer, left channel into a sample ring).
 * Overruns and DMA errors are counted, never silent: read them with h7audio_get_stats().
 */
#ifndef H7_PLATFORM_AUDIO_H
#define H7_PLATFORM_AUDIO_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t half_transfers;      /* DMA half-transfer interrupts */
    uint32_t full_transfers;      /* DMA transfer-complete interrupts */
    uint32_t ring_overflows;      /* times the sample ring was full (samples dropped) */
    uint32_t dropped_samples;
    uint32_t dma_errors;          /* transfer / direct-mode errors (capture stops) */
    uint32_t fifo_errors;         /* DMA FIFO errors (counted, capture continues) */
    uint32_t spi_overruns;        /* I2S receive overruns (OVR) */
} h7audio_stats_t;

#define H7AUDIO_OK 0
#define H7AUDIO_ERR_RATE (-1)     /* sample rate not supported by the clock tree */
#define H7AUDIO_ERR_STATE (-2)    /* already running / not started */

/* Starts capture at sample_rate_hz (16000 supported exactly). */
int h7audio_start(uint32_t sample_rate_hz);
void h7audio_stop(void);

/* Copies up to count captured mono samples; returns how many. */
size_t h7audio_read(int16_t *out, size_t count);
size_t h7audio_available(void);
void h7audio_get_stats(h7audio_stats_t *stats);
/* Non-zero once a DMA transfer error has stopped capture. */
int h7audio_failed(void);

#endif
