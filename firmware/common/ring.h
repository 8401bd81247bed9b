/*
 * THE lock-free single-producer / single-consumer ring of the firmware: bytes (console
 * TX/RX) or int16 samples (the audio DMA interrupt -> main loop).
 *
 * One context writes, one other context reads: e.g. thread mode queues console bytes and
 * the USART interrupt drains them; the DMA interrupt stores samples and the main loop
 * reads them. Indices run freely and wrap at 2^32; the capacity is a power of two so
 * index & mask finds the slot. Acquire/release ordering makes the data visible before the
 * index that publishes it, so no lock is needed between the two sides. A write never
 * overwrites unread data: it returns how many elements fitted and the caller counts the
 * rest (the audio driver reports them as dropped samples).
 */
#ifndef H7_COMMON_RING_H
#define H7_COMMON_RING_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    void *buf;
    uint32_t mask;          /* capacity - 1 */
    uint32_t elem;          /* element size: 1 (bytes) or 2 (int16 samples) */
    volatile uint32_t head; /* next slot to write; only the producer stores it */
    volatile uint32_t tail; /* next slot to read; only the consumer stores it */
} h7_ring_t;

/* capacity (elements) must be a power of two >= 2; returns false (and leaves r unusable)
 * if not. h7_ring_init: a byte ring; h7_ring_init16: an int16 sample ring. */
bool h7_ring_init(h7_ring_t *r, uint8_t *storage, uint32_t capacity);
bool h7_ring_init16(h7_ring_t *r, int16_t *storage, uint32_t capacity);
uint32_t h7_ring_capacity(const h7_ring_t *r);
uint32_t h7_ring_used(const h7_ring_t *r);
uint32_t h7_ring_free(const h7_ring_t *r);

/* Producer side: copies up to len bytes / count samples, returns how many fitted.
 * h7_ring_write16 takes every stride-th sample (stride 2 keeps the left channel of
 * interleaved stereo). */
uint32_t h7_ring_write(h7_ring_t *r, const uint8_t *data, uint32_t len);
bool h7_ring_put(h7_ring_t *r, uint8_t byte);
uint32_t h7_ring_write16(h7_ring_t *r, const int16_t *samples, uint32_t count, uint32_t stride);

/* Consumer side: copies up to len bytes / count samples out, returns how many there were. */
uint32_t h7_ring_read(h7_ring_t *r, uint8_t *out, uint32_t len);
int h7_ring_get(h7_ring_t *r); /* next byte, or -1 when empty */
uint32_t h7_ring_read16(h7_ring_t *r, int16_t *out, uint32_t count);
/* Consumer side: drops everything waiting; returns how many elements that was. */
uint32_t h7_ring_discard(h7_ring_t *r);

#endif /* H7_COMMON_RING_H */
