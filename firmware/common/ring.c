#include "common/ring.h"

static bool init(h7_ring_t *r, void *storage, uint32_t capacity, uint32_t elem)
{
    r->buf = storage;
    r->elem = elem;
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

bool h7_ring_init(h7_ring_t *r, uint8_t *storage, uint32_t capacity)
{
    return init(r, storage, capacity, 1u);
}

bool h7_ring_init16(h7_ring_t *r, int16_t *storage, uint32_t capacity)
{
    return init(r, storage, capacity, 2u);
}

uint32_t h7_ring_capacity(const h7_ring_t *r) { return r->buf ? r->mask + 1u : 0u; }

uint32_t h7_ring_used(const h7_ring_t *r)
{
    uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
    uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    return head - tail;
}

uint32_t h7_ring_free(const h7_ring_t *r) { return h7_ring_capacity(r) - h7_ring_used(r); }

/* The index protocol, shared by both element types: reserve (producer) / take (consumer)
 * say where and how many, publish/release store the index after the copy. */
static uint32_t reserve(h7_ring_t *r, uint32_t want, uint32_t *head)
{
    *head = r->head; /* ours: no other context writes it */
    if (r->buf == 0)
        return 0;
    uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    uint32_t space = (r->mask + 1u) - (*head - tail);
    return want < space ? want : space;
}

static uint32_t take(h7_ring_t *r, uint32_t want, uint32_t *tail)
{
    *tail = r->tail;
    if (r->buf == 0)
        return 0;
    uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
    uint32_t avail = head - *tail;
    return want < avail ? want : avail;
}

uint32_t h7_ring_write(h7_ring_t *r, const uint8_t *data, uint32_t len)
{
    uint32_t head;
    uint32_t n = reserve(r, len, &head);
    uint8_t *buf = r->buf;
    for (uint32_t i = 0; i < n; i++)
        buf[(head + i) & r->mask] = data[i];
    __atomic_store_n(&r->head, head + n, __ATOMIC_RELEASE);
    return n;
}

bool h7_ring_put(h7_ring_t *r, uint8_t byte) { return h7_ring_write(r, &byte, 1) == 1u; }

uint32_t h7_ring_write16(h7_ring_t *r, const int16_t *samples, uint32_t count, uint32_t stride)
{
    uint32_t head;
    uint32_t n = reserve(r, count, &head);
    int16_t *buf = r->buf;
    for (uint32_t i = 0; i < n; i++)
        buf[(head + i) & r->mask] = samples[i * stride];
    __atomic_store_n(&r->head, head + n, __ATOMIC_RELEASE);
    return n;
}

uint32_t h7_ring_read(h7_ring_t *r, uint8_t *out, uint32_t len)
{
    uint32_t tail;
    uint32_t n = take(r, len, &tail);
    const uint8_t *buf = r->buf;
    for (uint32_t i = 0; i < n; i++)
        out[i] = buf[(tail + i) & r->mask];
    __atomic_store_n(&r->tail, tail + n, __ATOMIC_RELEASE);
    return n;
}

int h7_ring_get(h7_ring_t *r)
{
    uint8_t byte;
    return h7_ring_read(r, &byte, 1) == 1u ? (int)byte : -1;
}

uint32_t h7_ring_read16(h7_ring_t *r, int16_t *out, uint32_t count)
{
    uint32_t tail;
    uint32_t n = take(r, count, &tail);
    const int16_t *buf = r->buf;
    for (uint32_t i = 0; i < n; i++)
        out[i] = buf[(tail + i) & r->mask];
    __atomic_store_n(&r->tail, tail + n, __ATOMIC_RELEASE);
    return n;
}

uint32_t h7_ring_discard(h7_ring_t *r)
{
    uint32_t tail;
    uint32_t n = take(r, UINT32_MAX, &tail);
    __atomic_store_n(&r->tail, tail + n, __ATOMIC_RELEASE);
    return n;
}
