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

/* capacity must be a power of two (>= 2); returns 0 or -1.
 * h7ring_write (producer): copies count samples taking every stride-th one (stride 2 keeps
 * the left channel of interleaved stereo); returns the samples stored, the rest are counted
 * as dropped. h7ring_read (consumer): copies up to count samples out; returns how many.
 * Header-only, so board code (the DMA interrupt) can use it without linking the front end. */
static inline int h7ring_init(h7ring_t *ring, int16_t *buffer, uint32_t capacity)
{
    if (buffer == NULL || capacity < 2u || (capacity & (capacity - 1u)) != 0u) return -1;
    ring->buffer = buffer;
    ring->capacity = capacity;
    atomic_store(&ring->write_index, 0u);
    atomic_store(&ring->read_index, 0u);
    atomic_store(&ring->overflow_events, 0u);
    atomic_store(&ring->dropped_samples, 0u);
    return 0;
}

static inline size_t h7ring_available(const h7ring_t *ring)
{
    uint32_t w = atomic_load_explicit(&ring->write_index, memory_order_acquire);
    uint32_t r = atomic_load_explicit(&ring->read_index, memory_order_acquire);
    return (size_t)(w - r);
}

static inline size_t h7ring_space(const h7ring_t *ring)
{
    return ring->capacity - h7ring_available(ring);
}

static inline size_t h7ring_write(h7ring_t *ring, const int16_t *samples, size_t count, size_t stride)
{
    uint32_t w = atomic_load_explicit(&ring->write_index, memory_order_relaxed);
    uint32_t r = atomic_load_explicit(&ring->read_index, memory_order_acquire);
    size_t space = ring->capacity - (w - r);
    size_t n = count < space ? count : space;
    uint32_t mask = ring->capacity - 1u;
    for (size_t i = 0; i < n; i++) ring->buffer[(w + i) & mask] = samples[i * stride];
    atomic_store_explicit(&ring->write_index, w + (uint32_t)n, memory_order_release);
    if (n < count) {
        atomic_fetch_add_explicit(&ring->overflow_events, 1u, memory_order_relaxed);
        atomic_fetch_add_explicit(&ring->dropped_samples, (uint32_t)(count - n),
                                  memory_order_relaxed);
    }
    return n;
}

static inline size_t h7ring_read(h7ring_t *ring, int16_t *out, size_t count)
{
    uint32_t r = atomic_load_explicit(&ring->read_index, memory_order_relaxed);
    uint32_t w = atomic_load_explicit(&ring->write_index, memory_order_acquire);
    size_t available = w - r;
    size_t n = count < available ? count : available;
    uint32_t mask = ring->capacity - 1u;
    for (size_t i = 0; i < n; i++) out[i] = ring->buffer[(r + i) & mask];
    atomic_store_explicit(&ring->read_index, r + (uint32_t)n, memory_order_release);
    return n;
}

#endif
