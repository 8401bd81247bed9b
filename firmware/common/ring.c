#include "common/ring.h"

bool h7_ring_init(h7_ring_t *r, uint8_t *storage, uint32_t capacity)
{
    r->buf = storage;
    r->head = 0;
    r->tail = 0;
    if (storage == 0 || capacity < 2u || (capacity & (capacity - 1u)) != 0u) {
        r->mask = 0;
        r->buf = 0;
        return false;
    }
    r->mask = capacity - 1u;
    return true;
}

uint32_t h7_ring_capacity(const h7_ring_t *r) { return r->buf ? r->mask + 1u : 0u; }

uint32_t h7_ring_used(const h7_ring_t *r)
{
    uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
    uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    return head - tail;
}

uint32_t h7_ring_free(const h7_ring_t *r) { return h7_ring_capacity(r) - h7_ring_used(r); }

uint32_t h7_ring_write(h7_ring_t *r, const uint8_t *data, uint32_t len)
{
    if (r->buf == 0)
        return 0;
    uint32_t head = r->head; /* ours: no other context writes it */
    uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    uint32_t space = (r->mask + 1u) - (head - tail);
    uint32_t n = len < space ? len : space;
    for (uint32_t i = 0; i < n; i++)
        r->buf[(head + i) & r->mask] = data[i];
    __atomic_store_n(&r->head, head + n, __ATOMIC_RELEASE);
    return n;
}

bool h7_ring_put(h7_ring_t *r, uint8_t byte) { return h7_ring_write(r, &byte, 1) == 1u; }

uint32_t h7_ring_read(h7_ring_t *r, uint8_t *out, uint32_t len)
{
    if (r->buf == 0)
        return 0;
    uint32_t tail = r->tail;
    uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
    uint32_t avail = head - tail;
    uint32_t n = len < avail ? len : avail;
    for (uint32_t i = 0; i < n; i++)
        out[i] = r->buf[(tail + i) & r->mask];
    __atomic_store_n(&r->tail, tail + n, __ATOMIC_RELEASE);
    return n;
}

int h7_ring_get(h7_ring_t *r)
{
    uint8_t byte;
    return h7_ring_read(r, &byte, 1) == 1u ? (int)byte : -1;
}
