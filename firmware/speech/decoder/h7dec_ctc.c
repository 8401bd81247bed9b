/* CTC decoding: greedy (argmax, collapse repeats, drop blanks) and prefix beam search.
 *
 * Prefix beam search keeps, per prefix, the score of ending in blank (pb) and in its last
 * phone (pnb), combined with a fixed-point log-add (a table, so the board and the host
 * agree bit for bit). Prefixes are nodes of a trie in a fixed pool, shared between beam
 * entries and reclaimed by marking from the beam when the pool runs low: memory is set by
 * the beam and the pool, not by the audio.
 */
#include "speech/decoder/h7dec.h"

#include <string.h>

#define NEG (-0x40000000)

void h7dec_greedy_init(h7dec_greedy *g)
{
    g->last = H7DEC_PHONE_BLANK;
    g->frame = 0;
}

static int argmax(const int32_t *s)
{
    int best = 0;
    for (int p = 1; p < H7DEC_PHONE_COUNT; p++)
        if (s[p] > s[best]) best = p;
    return best;
}

int h7dec_greedy_step(h7dec_greedy *g, const int32_t *scores)
{
    int p = argmax(scores);
    int out = (p != H7DEC_PHONE_BLANK && p != g->last) ? p : -1;
    g->last = p;
    g->frame++;
    return out;
}

/* ln(1 + e^(-d/256)) * 256 for d = 16 i + 8 */
static const uint8_t logadd_table[100] = {
    173, 166, 158, 151, 144, 137, 131, 124, 118, 113, 107, 102, 96, 92, 87, 82, 78, 74, 70, 66,
    63, 59, 56, 53, 50, 47, 45, 42, 40, 38, 35, 33, 32, 30, 28, 26, 25, 23, 22, 21,
    20, 18, 17, 16, 15, 14, 14, 13, 12, 11, 11, 10, 9, 9, 8, 8, 7, 7, 7, 6,
    6, 5, 5, 5, 5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2,
    2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

static int32_t logadd(int32_t a, int32_t b)
{
    if (a < b) { int32_t t = a; a = b; b = t; }
    if (b <= NEG) return a;
    uint32_t i = (uint32_t)(a - b) >> 4;
    return i < 100 ? a + logadd_table[i] : a;
}

typedef struct {
    uint16_t parent;
    uint8_t phone, mark;
    int32_t frame;
} trie_t;

typedef struct {
    uint16_t node;        /* trie node of the prefix (H7DEC_NONE: empty) */
    uint16_t parent;      /* a new extension: parent prefix ... */
    uint8_t phone, fresh; /* ... and phone, materialized only if kept */
    int32_t pb, pnb;
} cand_t;

struct h7dec_ctc {
    h7dec_ctc_config cfg;
    trie_t *trie;
    cand_t *beam, *cand;
    uint32_t nbeam, ncand, free_count;
    uint16_t free_head;
    int32_t frame;
    int32_t norm_total;   /* sum of the per-frame re-basings: the true log-probability */
};

static size_t align8(size_t x) { return (x + 7u) & ~(size_t)7u; }

static int cfg_ok(const h7dec_ctc_config *c)
{
    return c && c->prune >= 0 && c->beam >= 1 && c->beam <= 64 && c->top_phones >= 1 && c->top_phones < H7DEC_PHONE_COUNT &&
           c->max_prefixes >= 2u * c->beam && c->max_prefixes < 0xFFFFu;
}

size_t h7dec_ctc_workspace_size(const h7dec_ctc_config *c)
{
    if (!cfg_ok(c)) return 0;
    return align8(sizeof(h7dec_ctc)) + align8(c->max_prefixes * sizeof(trie_t)) + align8(c->beam * sizeof(cand_t)) +
           align8((size_t)c->beam * (c->top_phones + 1u) * sizeof(cand_t));
}

h7dec_status h7dec_ctc_init(h7dec_ctc **out, const h7dec_ctc_config *cfg, void *ws, size_t ws_size)
{
    if (!out) return H7DEC_ERR_ARG;
    *out = NULL;
    if (!cfg_ok(cfg)) return H7DEC_ERR_ARG;
    if (!ws || ((uintptr_t)ws & 7u) || ws_size < h7dec_ctc_workspace_size(cfg)) return H7DEC_ERR_WORKSPACE;
    uint8_t *p = ws;
    h7dec_ctc *c = (h7dec_ctc *)p;
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    p += align8(sizeof *c);
    c->trie = (trie_t *)p;
    p += align8(cfg->max_prefixes * sizeof(trie_t));
    c->beam = (cand_t *)p;
    p += align8(cfg->beam * sizeof(cand_t));
    c->cand = (cand_t *)p;
    for (uint32_t i = 0; i < cfg->max_prefixes; i++)
        c->trie[i].parent = (uint16_t)(i + 1 < cfg->max_prefixes ? i + 1 : H7DEC_NONE);
    c->free_head = 0;
    c->free_count = cfg->max_prefixes;
    c->nbeam = 1;
    c->beam[0] = (cand_t){H7DEC_NONE, H7DEC_NONE, 0, 0, 0, NEG};  /* the empty prefix, "ends in blank" */
    *out = c;
    return H7DEC_OK;
}

static cand_t *find_or_add(h7dec_ctc *c, uint16_t node, uint16_t parent, uint8_t phone, uint8_t fresh)
{
    for (uint32_t i = 0; i < c->ncand; i++) {
        cand_t *k = &c->cand[i];
        if (k->fresh == fresh && (fresh ? (k->parent == parent && k->phone == phone) : k->node == node)) return k;
    }
    cand_t *k = &c->cand[c->ncand++];
    *k = (cand_t){node, parent, phone, fresh, NEG, NEG};
    return k;
}

static void collect(h7dec_ctc *c)
{
    for (uint32_t i = 0; i < c->cfg.max_prefixes; i++) c->trie[i].mark = 0;
    for (uint32_t i = 0; i < c->nbeam; i++) {
        uint16_t n = c->beam[i].fresh ? c->beam[i].parent : c->beam[i].node;
        for (; n != H7DEC_NONE && !c->trie[n].mark; n = c->trie[n].parent) c->trie[n].mark = 1;
    }
    c->free_head = H7DEC_NONE;
    c->free_count = 0;
    for (uint32_t i = c->cfg.max_prefixes; i-- > 0;) {
        if (c->trie[i].mark) continue;
        c->trie[i].parent = c->free_head;
        c->free_head = (uint16_t)i;
        c->free_count++;
    }
}

h7dec_status h7dec_ctc_step(h7dec_ctc *c, const int32_t *e)
{
    if (!c || !e) return H7DEC_ERR_ARG;
    /* the phones worth extending with this frame */
    uint8_t top[H7DEC_PHONE_COUNT];
    uint32_t ntop = 0;
    for (int p = 1; p < H7DEC_PHONE_COUNT; p++) {
        uint32_t i;
        if (ntop < c->cfg.top_phones) i = ntop++;
        else if (e[p] > e[top[ntop - 1]]) i = ntop - 1;
        else continue;
        while (i > 0 && e[top[i - 1]] < e[p]) { top[i] = top[i - 1]; i--; }
        top[i] = (uint8_t)p;
    }
    c->ncand = 0;
    for (uint32_t b = 0; b < c->nbeam; b++) {
        cand_t y = c->beam[b];
        int32_t total = logadd(y.pb, y.pnb);
        int last = y.node == H7DEC_NONE ? -1 : c->trie[y.node].phone;
        cand_t *k = find_or_add(c, y.node, 0, 0, 0);
        k->pb = logadd(k->pb, total + e[H7DEC_PHONE_BLANK]);
        if (last >= 0 && y.pnb > NEG) k->pnb = logadd(k->pnb, y.pnb + e[last]);
        for (uint32_t j = 0; j < ntop; j++) {
            int ph = top[j];
            int32_t s = ph == last ? y.pb : total;
            if (s <= NEG) continue;
            s += e[ph];
            /* the extension may already be a beam prefix */
            uint16_t existing = H7DEC_NONE;
            for (uint32_t z = 0; z < c->nbeam; z++) {
                uint16_t n = c->beam[z].node;
                if (n != H7DEC_NONE && c->trie[n].parent == y.node && c->trie[n].phone == ph) { existing = n; break; }
            }
            k = existing != H7DEC_NONE ? find_or_add(c, existing, 0, 0, 0) : find_or_add(c, H7DEC_NONE, y.node, (uint8_t)ph, 1);
            k->pnb = logadd(k->pnb, s);
        }
    }
    /* keep the best `beam` candidates, in order (stable: ties keep their first position) */
    uint32_t keep = c->ncand < c->cfg.beam ? c->ncand : c->cfg.beam;
    for (uint32_t i = 0; i < keep; i++) {
        uint32_t bi = i;
        int32_t bs = logadd(c->cand[i].pb, c->cand[i].pnb);
        for (uint32_t j = i + 1; j < c->ncand; j++) {
            int32_t s = logadd(c->cand[j].pb, c->cand[j].pnb);
            if (s > bs) { bs = s; bi = j; }
        }
        cand_t t = c->cand[bi];
        memmove(&c->cand[i + 1], &c->cand[i], (bi - i) * sizeof(cand_t));
        c->cand[i] = t;
    }
    if (c->cfg.prune > 0 && keep) {
        int32_t floor = logadd(c->cand[0].pb, c->cand[0].pnb) - c->cfg.prune;
        while (keep > 1 && logadd(c->cand[keep - 1].pb, c->cand[keep - 1].pnb) < floor) keep--;
    }
    memcpy(c->beam, c->cand, keep * sizeof(cand_t));
    c->nbeam = keep;
    if (c->free_count < keep) collect(c);
    int32_t norm = logadd(c->beam[0].pb, c->beam[0].pnb);
    c->norm_total += norm;
    for (uint32_t i = 0; i < keep; i++) {
        cand_t *k = &c->beam[i];
        if (k->fresh) {
            if (c->free_head == H7DEC_NONE) return H7DEC_ERR_FULL;
            uint16_t n = c->free_head;
            c->free_head = c->trie[n].parent;
            c->free_count--;
            c->trie[n] = (trie_t){k->parent, k->phone, 0, c->frame};
            k->node = n;
            k->fresh = 0;
        }
        if (k->pb > NEG) k->pb -= norm;
        if (k->pnb > NEG) k->pnb -= norm;
        if (k->pb < NEG) k->pb = NEG;
        if (k->pnb < NEG) k->pnb = NEG;
    }
    c->frame++;
    return H7DEC_OK;
}

int h7dec_ctc_best(const h7dec_ctc *c, uint8_t *phones, int32_t *frames, int max, int32_t *score)
{
    if (!c || !c->nbeam) return -1;
    if (score) *score = logadd(c->beam[0].pb, c->beam[0].pnb) + c->norm_total;
    int n = 0;
    for (uint16_t k = c->beam[0].node; k != H7DEC_NONE; k = c->trie[k].parent) n++;
    if (n > max) return -1;
    int i = n;
    for (uint16_t k = c->beam[0].node; k != H7DEC_NONE; k = c->trie[k].parent) {
        i--;
        if (phones) phones[i] = c->trie[k].phone;
        if (frames) frames[i] = c->trie[k].frame;
    }
    return n;
}
