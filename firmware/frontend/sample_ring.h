/* Lock-free single-producer / single-consumer ring buffer of int16 audio samples.
 *
 * The producer is the audio DMA interrupt, the consumer the main loop. Each side writes only
 * its own index; C11 atomics (acquire/release) order the sample copies against the index
 * updates, so no interrupt masking is needed. Samples that do not fit are dropped and
 * counted (overflow_events, dropped_samples) - never silently overwritten.
 */
#ifndef H7_FRONTEND_SAMPLE_RING_H
#define H7_FRONTEND_SAMPLE_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int16_t *buffer;
    uint32_t capacity;            /* power of two */
    _Atomic uint32_t write_index; /* free-running, owned by the producer */
    _Atomic uint32_t read_index;  /* free-running, owned by the consumer */
    _Atomic uint32_t overflow_events;
    _Atomic uint32_t dropped_samples;
} h7ring_t;

/* capacity must be a power of two (>= 2); returns 0 or -1. */
int h7ring_init(h7ring_t *ring, int16_t *buffer, uint32_t capacity);

/* Producer: copies count samples taking every stride-th one (stride 2 keeps the left channel
 * of interleaved stereo). Returns the samples stored; the rest are counted as dropped. */
size_t h7ring_write(h7ring_t *ring, const int16_t *samples, size_t count, size_t stride);

/* Consumer: copies up to count samples out; returns how many. */
size_t h7ring_read(h7ring_t *ring, int16_t *out, size_t count);

size_t h7ring_available(const h7ring_t *ring);
size_t h7ring_space(const h7ring_t *ring);

#endif
