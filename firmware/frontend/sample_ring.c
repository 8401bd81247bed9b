/* SPSC sample ring buffer (see sample_ring.h). */
#include "frontend/sample_ring.h"

int h7ring_init(h7ring_t *ring, int16_t *buffer, uint32_t capacity)
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

size_t h7ring_available(const h7ring_t *ring)
{
    uint32_t w = atomic_load_explicit(&ring->write_index, memory_order_acquire);
    uint32_t r = atomic_load_explicit(&ring->read_index, memory_order_acquire);
    return (size_t)(w - r);
}

size_t h7ring_space(const h7ring_t *ring)
{
    return ring->capacity - h7ring_available(ring);
}

size_t h7ring_write(h7ring_t *ring, const int16_t *samples, size_t count, size_t stride)
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

size_t h7ring_read(h7ring_t *ring, int16_t *out, size_t count)
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
