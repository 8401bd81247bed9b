/*
 * Lock-free single-producer / single-consumer byte ring.
 *
 * One context writes (h7_ring_write/put), one other context reads (h7_ring_read/get):
 * e.g. thread mode queues console bytes and the USART interrupt drains them. Indices
 * run freely and wrap at 2^32; the capacity is a power of two so index & mask finds the
 * slot. Acquire/release ordering makes the data visible before the index that
 * publishes it, so no lock is needed between the two sides.
 */
#ifndef H7_COMMON_RING_H
#define H7_COMMON_RING_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint8_t *buf;
    uint32_t mask;          /* capacity - 1 */
    volatile uint32_t head; /* next slot to write; only the producer stores it */
    volatile uint32_t tail; /* next slot to read; only the consumer stores it */
} h7_ring_t;

/* capacity must be a power of two >= 2; returns false (and leaves r unusable) if not. */
bool h7_ring_init(h7_ring_t *r, uint8_t *storage, uint32_t capacity);
uint32_t h7_ring_capacity(const h7_ring_t *r);
uint32_t h7_ring_used(const h7_ring_t *r);
uint32_t h7_ring_free(const h7_ring_t *r);

/* Producer side: copies up to len bytes, returns how many fitted. */
uint32_t h7_ring_write(h7_ring_t *r, const uint8_t *data, uint32_t len);
bool h7_ring_put(h7_ring_t *r, uint8_t byte);

/* Consumer side: copies up to len bytes out, returns how many there were. */
uint32_t h7_ring_read(h7_ring_t *r, uint8_t *out, uint32_t len);
int h7_ring_get(h7_ring_t *r); /* next byte, or -1 when empty */

#endif /* H7_COMMON_RING_H */
