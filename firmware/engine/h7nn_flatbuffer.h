/* Bounds-checked reading of FlatBuffers (the .tflite container), written for h7nn.
 *
 * A FlatBuffer is a tree of tables reached by forward 32-bit offsets; each table starts
 * with a signed offset to its vtable, which lists per field the field's offset inside the
 * table (0 = absent, use the default). Every accessor here checks what it touches against
 * the buffer's size and alignment, so a hostile file can only produce an error, never an
 * out-of-bounds read. Positions are byte offsets from the start of the buffer; 0 means
 * "absent" (position 0 is the root offset, never a table).
 *
 * The buffer is under 2 GB (h7nn_init refuses a larger model before any accessor runs), so
 * positions plus a 16-bit size cannot wrap and a position minus a signed 32-bit offset wraps
 * only to a value above the size: the checks below are exact in 32-bit arithmetic (64-bit
 * arithmetic cost the board ~200 bytes of code).
 */
#ifndef H7NN_FLATBUFFER_H
#define H7NN_FLATBUFFER_H

#include <stdint.h>
#include <string.h>

typedef struct {
    const uint8_t *base;
    uint32_t size;
} h7nn_fb;

/* (setup, issue 18) Host builds only: while h7nn_fb_trace_map is set (h7nn_checked_make, one
 * model at a time), every byte of the model at h7nn_fb_trace_base that these accessors (and
 * h7nn_init's direct reads) touch is marked there, so that the checked record's digest covers
 * exactly the bytes h7nn_init's checks read. Nothing on the board. */
#ifndef H7_TARGET_FIRMWARE
extern uint8_t *h7nn_fb_trace_map;
extern const uint8_t *h7nn_fb_trace_base;
extern uint32_t h7nn_fb_trace_size;
static inline void h7nn_fb_trace(const void *p, uint32_t n) {
    const uint8_t *q = (const uint8_t *)p;
    if (!h7nn_fb_trace_map || q < h7nn_fb_trace_base) return;
    for (uint32_t i = 0; i < n && (uint32_t)(q - h7nn_fb_trace_base) + i < h7nn_fb_trace_size; i++)
        h7nn_fb_trace_map[(q - h7nn_fb_trace_base) + i] = 1;
}
#else
#define h7nn_fb_trace(p, n) ((void)0)
#endif

enum { H7NN_FB_ABSENT = 0, H7NN_FB_OK = 1, H7NN_FB_BAD = -1 };

static inline uint32_t h7nn_fb_u32(const h7nn_fb *fb, uint32_t pos) {
    uint32_t v;
    h7nn_fb_trace(fb->base + pos, 4);
    memcpy(&v, fb->base + pos, 4);
    return v;
}

static inline uint16_t h7nn_fb_u16(const h7nn_fb *fb, uint32_t pos) {
    uint16_t v;
    h7nn_fb_trace(fb->base + pos, 2);
    memcpy(&v, fb->base + pos, 2);
    return v;
}

/* Checks that a table starts at pos and that its vtable and body lie inside the buffer. */
static inline int h7nn_fb_table_ok(const h7nn_fb *fb, uint32_t pos) {
    if (pos == 0 || (pos & 3u) || pos > fb->size - 4u || fb->size < 8u) return 0;
    uint32_t vt = pos - h7nn_fb_u32(fb, pos);  /* below 0 or past the end: above size - 4 */
    if ((vt & 1u) || vt > fb->size - 4u) return 0;
    uint16_t vt_size = h7nn_fb_u16(fb, vt);
    uint16_t table_size = h7nn_fb_u16(fb, vt + 2u);
    if (vt_size < 4 || (vt_size & 1) || vt + vt_size > fb->size) return 0;
    if (table_size < 4 || pos + table_size > fb->size) return 0;
    return 1;
}

/* Position of field `id` (of `width` bytes) in a checked table, or 0 when absent or when
 * the vtable claims a field that does not fit inside the table. */
static inline uint32_t h7nn_fb_field(const h7nn_fb *fb, uint32_t table, unsigned id, unsigned width) {
    uint32_t vt = table - h7nn_fb_u32(fb, table);
    uint16_t vt_size = h7nn_fb_u16(fb, vt);
    uint16_t table_size = h7nn_fb_u16(fb, vt + 2u);
    uint32_t entry = 4u + 2u * id;
    if (entry + 2u > vt_size) return 0;
    uint16_t off = h7nn_fb_u16(fb, vt + entry);
    if (off == 0 || (uint32_t)off + width > table_size) return 0;
    return table + off;
}

static inline int32_t h7nn_fb_get_i32(const h7nn_fb *fb, uint32_t table, unsigned id, int32_t dflt) {
    uint32_t p = table ? h7nn_fb_field(fb, table, id, 4) : 0;
    return p ? (int32_t)h7nn_fb_u32(fb, p) : dflt;
}

static inline float h7nn_fb_get_f32(const h7nn_fb *fb, uint32_t table, unsigned id, float dflt) {
    uint32_t p = table ? h7nn_fb_field(fb, table, id, 4) : 0;
    float v = dflt;
    if (p) memcpy(&v, fb->base + p, 4), h7nn_fb_trace(fb->base + p, 4);
    return v;
}

static inline int h7nn_fb_get_u8(const h7nn_fb *fb, uint32_t table, unsigned id, int dflt) {
    uint32_t p = table ? h7nn_fb_field(fb, table, id, 1) : 0;
    if (p) h7nn_fb_trace(fb->base + p, 1);
    return p ? fb->base[p] : dflt;
}

/* Follows the offset stored in field `id`: H7NN_FB_OK with *target set, H7NN_FB_ABSENT, or
 * H7NN_FB_BAD when the offset leaves the buffer. */
static inline int h7nn_fb_get_offset(const h7nn_fb *fb, uint32_t table, unsigned id, uint32_t *target) {
    uint32_t p = h7nn_fb_field(fb, table, id, 4);
    *target = 0;
    if (!p) return H7NN_FB_ABSENT;
    if (p & 3u) return H7NN_FB_BAD;
    uint32_t d = h7nn_fb_u32(fb, p);  /* p < size: a field inside a checked table */
    if (d == 0 || d >= fb->size - p) return H7NN_FB_BAD;
    *target = p + d;
    return H7NN_FB_OK;
}

static inline int h7nn_fb_get_table(const h7nn_fb *fb, uint32_t table, unsigned id, uint32_t *out) {
    int r = h7nn_fb_get_offset(fb, table, id, out);
    if (r == H7NN_FB_OK && !h7nn_fb_table_ok(fb, *out)) r = H7NN_FB_BAD;
    return r;
}

/* A vector of `elem_size`-byte elements: *elems is the first element's position. Elements
 * wider than a byte must be aligned to min(elem_size, 4). */
static inline int h7nn_fb_get_vector(const h7nn_fb *fb, uint32_t table, unsigned id, uint32_t elem_size,
                                     uint32_t *elems, uint32_t *count) {
    uint32_t v;
    *elems = 0;
    *count = 0;
    int r = h7nn_fb_get_offset(fb, table, id, &v);
    if (r != H7NN_FB_OK) return r;
    if ((v & 3u) || v > fb->size - 4u) return H7NN_FB_BAD;
    uint32_t n = h7nn_fb_u32(fb, v);
    if (n > (fb->size - v - 4u) / elem_size) return H7NN_FB_BAD;
    *elems = v + 4u;
    *count = n;
    return H7NN_FB_OK;
}

/* The i-th table of a vector of tables. */
static inline int h7nn_fb_vector_table(const h7nn_fb *fb, uint32_t elems, uint32_t i, uint32_t *out) {
    uint32_t p = elems + 4u * i, d = h7nn_fb_u32(fb, p);  /* p: inside the vector (i < its count) */
    *out = 0;
    if (d >= fb->size - p || !h7nn_fb_table_ok(fb, p + d)) return H7NN_FB_BAD;
    *out = p + d;
    return H7NN_FB_OK;
}

#endif /* H7NN_FLATBUFFER_H */
