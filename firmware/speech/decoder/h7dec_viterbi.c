/* Token-passing Viterbi over a search graph (h7dec.h), with a phone-loop filler.
 *
 * Per frame: the filler loop is advanced; tokens leave every active emitting node along its
 * arcs into entry slots; null nodes are resolved in one ascending pass (null->null arcs only
 * go forward, checked at load); every node then keeps the better of staying and entering and
 * adds the frame's score for its phone. All scores are re-based on the frame's best, so
 * nothing grows with the audio. Boundaries are "links" {node, frame, score, previous link}
 * in a fixed pool, reclaimed by mark-and-sweep over the live tokens; in ALIGN mode the part
 * of the history every live token shares is committed to an output queue and freed
 * (partial traceback), so long audio runs in the same memory.
 */
#include "speech/decoder/h7dec.h"

#include <string.h>

#define NEG (-0x40000000)          /* no token; sums with frame scores stay far from overflow */
#define DEAD (NEG / 2)             /* anything below this is no token */
#define FLOOR (-(1 << 28))         /* the filler never drops below this (relative) */
#define EVENT_QUEUE 8
#define COMMIT_EVERY 8             /* frames between partial-traceback attempts (ALIGN) */

/* per-node flags: ACTIVE/TOUCHED change every frame; FINAL/NULL mirror the graph (kept
 * here so the hot loops read one byte per node) */
enum { F_ACTIVE = 1, F_TOUCHED = 2, F_FINAL = 4, F_NULL = 8 };

typedef struct {
    uint32_t abs;      /* path score at entry + all normalizations so far (mod 2^32) */
    int32_t frame;     /* first frame in the node */
    uint16_t node, prev;
} link_t;

struct h7dec {
    const h7dec_graph *g;
    h7dec_config cfg;
    uint32_t n, nlinks;
    int32_t *sp, *sb, *es;                 /* phone / blank-after-phone / entry scores */
    uint16_t *lp, *lb, *el, *act, *touch;
    uint8_t *flag;
    link_t *links;
    uint16_t *lcount;
    h7dec_segment *out;
    uint32_t nact, ntouch, free_count, links_used, link_nodes;
    uint32_t scan;                         /* entries of act[] holding tokens (mid-frame too) */
    /* pruning is applied lazily, at the start of the next frame (fused with the pass that
     * spreads tokens): tokens below pthr are dropped, the others re-based by pnorm */
    int32_t pthr, pnorm;
    uint16_t free_head, out_head, out_count;
    int32_t fill[H7DEC_PHONE_COUNT], fbest;
    uint32_t norm_total;
    int32_t frame;
    int32_t final_score, best_score;
    uint16_t final_node, final_link, best_node, best_link;
    /* spotting */
    int armed, has_cand;
    int32_t since_peak;
    h7dec_event cand, events[EVENT_QUEUE];
    uint32_t ev_head, ev_count;
    h7dec_stats stats;
    h7dec_status error;
};

static size_t align8(size_t x) { return (x + 7u) & ~(size_t)7u; }

/* the most links one frame can create: one per LINK node entered (every emitting node
 * when aligning), plus the spotting start */
static uint32_t link_nodes(const h7dec_graph *g, const h7dec_config *c)
{
    uint32_t k = 1;
    for (uint32_t i = 0; i < g->node_count; i++)
        if ((g->nodes[i].flags & H7DEC_NODE_LINK) || (c->mode == H7DEC_ALIGN && g->nodes[i].phone != H7DEC_NULL_PHONE))
            k++;
    return k;
}

static uint32_t links_for(const h7dec_graph *g, const h7dec_config *c)
{
    /* default: one per live token (every node, or twice the cap on active tokens: the
     * survivors plus the entered) + new word entries; aligning, a frame's worth twice over
     * + room for the shared history between commits */
    uint32_t tokens = c->max_active && c->max_active < g->node_count ? 2u * c->max_active : g->node_count;
    uint32_t l = c->max_links ? c->max_links
                              : (c->mode == H7DEC_ALIGN ? 2u * link_nodes(g, c) + 256u
                                                        : tokens + link_nodes(g, c) + 64u);
    return l > 0xFFFEu ? 0xFFFEu : l;
}

static int config_ok(const h7dec_graph *g, const h7dec_config *c)
{
    return g && c && g->nodes && c->mode <= H7DEC_ALIGN && c->ctc <= 1 && c->beam > 0 && c->filler_penalty <= 0 &&
           c->max_links != 0xFFFFu &&
           links_for(g, c) >= (c->mode == H7DEC_ALIGN ? link_nodes(g, c) + 1u : 16u);
}

static uint32_t out_for(const h7dec_config *c)
{
    return c->mode == H7DEC_ALIGN ? (c->out_capacity ? c->out_capacity : 64u) : 0u;
}

size_t h7dec_workspace_size(const h7dec_graph *g, const h7dec_config *cfg)
{
    if (!config_ok(g, cfg)) return 0;
    size_t n = g->node_count, l = links_for(g, cfg);
    size_t sub = cfg->ctc ? 1 : 0;   /* the blank-after-phone token exists for CTC models only */
    return align8(sizeof(h7dec)) + align8((2 + sub) * n * sizeof(int32_t)) + align8((4 + sub) * n * sizeof(uint16_t)) +
           align8(n) + align8(l * sizeof(link_t)) + align8(l * sizeof(uint16_t)) +
           align8(out_for(cfg) * sizeof(h7dec_segment));
}

void h7dec_config_default(h7dec_config *cfg, h7dec_mode mode)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->mode = (uint8_t)mode;
    cfg->beam = 12 * H7DEC_SCORE_ONE;
    cfg->filler_penalty = -2 * H7DEC_SCORE_ONE;
    cfg->spot_threshold = 5 * H7DEC_SCORE_ONE;
    cfg->spot_hold = 10;
    cfg->max_active = 300;
}

static void free_all_links(h7dec *d)
{
    for (uint32_t i = 0; i < d->nlinks; i++) d->links[i].prev = (uint16_t)(i + 1 < d->nlinks ? i + 1 : H7DEC_NONE);
    d->free_head = 0;
    d->free_count = d->nlinks;
    d->links_used = 0;
}

h7dec_status h7dec_reset(h7dec *d)
{
    if (!d) return H7DEC_ERR_ARG;
    for (uint32_t i = 0; i < d->n; i++) {
        d->sp[i] = d->es[i] = NEG;
        d->lp[i] = d->el[i] = H7DEC_NONE;
        if (d->cfg.ctc) {
            d->sb[i] = NEG;
            d->lb[i] = H7DEC_NONE;
        }
        d->flag[i] = (uint8_t)((d->g->nodes[i].phone == H7DEC_NULL_PHONE ? F_NULL : 0) |
                               ((d->g->nodes[i].flags & H7DEC_NODE_FINAL) ? F_FINAL : 0));
    }
    free_all_links(d);
    for (int p = 0; p < H7DEC_PHONE_COUNT; p++) d->fill[p] = NEG;
    d->fbest = 0;
    d->nact = d->ntouch = d->scan = 0;
    d->pthr = NEG;
    d->pnorm = 0;
    d->norm_total = 0;
    d->frame = 0;
    d->final_score = d->best_score = NEG;
    d->final_node = d->final_link = d->best_node = d->best_link = H7DEC_NONE;
    d->armed = 1;
    d->has_cand = 0;
    d->since_peak = 0;
    d->ev_head = d->ev_count = 0;
    d->out_head = d->out_count = 0;
    memset(&d->stats, 0, sizeof d->stats);
    d->error = H7DEC_OK;
    return H7DEC_OK;
}

h7dec_status h7dec_init(h7dec **out, const h7dec_graph *g, const h7dec_config *cfg, void *ws, size_t ws_size)
{
    if (!out) return H7DEC_ERR_ARG;
    *out = NULL;
    if (!config_ok(g, cfg)) return H7DEC_ERR_ARG;
    size_t need = h7dec_workspace_size(g, cfg);
    if (!ws || ((uintptr_t)ws & 7u) || ws_size < need) return H7DEC_ERR_WORKSPACE;
    uint8_t *p = ws;
    h7dec *d = (h7dec *)p;
    memset(d, 0, sizeof *d);
    p += align8(sizeof(h7dec));
    d->g = g;
    d->cfg = *cfg;
    if (!d->cfg.spot_hold) d->cfg.spot_hold = 10;
    uint32_t n = g->node_count;
    d->n = n;
    d->nlinks = links_for(g, cfg);
    uint32_t sub = cfg->ctc ? 1u : 0u;
    d->sp = (int32_t *)p;
    d->es = d->sp + n;
    d->sb = sub ? d->es + n : NULL;
    p += align8((2 + sub) * n * sizeof(int32_t));
    d->lp = (uint16_t *)p;
    d->el = d->lp + n;
    d->act = d->el + n;
    d->touch = d->act + n;
    d->lb = sub ? d->touch + n : NULL;
    p += align8((4 + sub) * n * sizeof(uint16_t));
    d->link_nodes = link_nodes(g, cfg);
    d->flag = p;
    p += align8(n);
    d->links = (link_t *)p;
    p += align8(d->nlinks * sizeof(link_t));
    d->lcount = (uint16_t *)p;
    p += align8(d->nlinks * sizeof(uint16_t));
    d->out = (h7dec_segment *)p;
    h7dec_reset(d);
    *out = d;
    return H7DEC_OK;
}

/* ---- links ---- */
static void collect(h7dec *d, uint16_t keep);

static uint16_t new_link(h7dec *d, uint16_t node, int32_t frame, int32_t score, uint16_t prev)
{
    if (d->free_head == H7DEC_NONE) collect(d, prev);   /* reclaim on demand */
    if (d->free_head == H7DEC_NONE) {
        d->error = H7DEC_ERR_FULL;
        return prev;
    }
    uint16_t l = d->free_head;
    d->free_head = d->links[l].prev;
    d->free_count--;
    d->links_used++;
    if ((int32_t)d->links_used > d->stats.links_max) d->stats.links_max = (int32_t)d->links_used;
    link_t *k = &d->links[l];
    k->abs = (uint32_t)score + d->norm_total;
    k->frame = frame;
    k->node = node;
    k->prev = prev;
    return l;
}

/* a token that survives the pending pruning */
static inline int alive(const h7dec *d, int32_t v) { return v > DEAD && v >= d->pthr; }

static void mark_chain(h7dec *d, uint16_t l)
{
    while (l != H7DEC_NONE && !d->lcount[l]) {
        d->lcount[l] = 1;
        l = d->links[l].prev;
    }
}

/* mark-and-sweep: every link no live token (or pending event) reaches goes back to the pool */
static void collect(h7dec *d, uint16_t keep)
{
    memset(d->lcount, 0, d->nlinks * sizeof(uint16_t));
    mark_chain(d, keep);
    for (uint32_t i = 0; i < d->scan; i++) {
        uint16_t n = d->act[i];
        if (alive(d, d->sp[n])) mark_chain(d, d->lp[n]);
        if (d->cfg.ctc && alive(d, d->sb[n])) mark_chain(d, d->lb[n]);
    }
    /* mid-frame: the pending entries of emitting and null nodes */
    for (uint32_t i = 0; i < d->ntouch; i++)
        if (d->flag[d->touch[i]] & F_TOUCHED) mark_chain(d, d->el[d->touch[i]]);
    for (uint32_t k = 0; k < d->g->null_count; k++)
        if (d->flag[d->g->nulls[k]] & F_TOUCHED) mark_chain(d, d->el[d->g->nulls[k]]);
    d->free_head = H7DEC_NONE;
    d->free_count = 0;
    for (uint32_t i = d->nlinks; i-- > 0;) {
        if (!d->lcount[i]) {
            d->links[i].prev = d->free_head;
            d->free_head = (uint16_t)i;
            d->free_count++;
        }
    }
    d->links_used = d->nlinks - d->free_count;
}

static void fill_segment(const h7dec *d, h7dec_segment *s, uint16_t l, int32_t end, uint32_t end_abs)
{
    const link_t *k = &d->links[l];
    const h7dec_node *nd = &d->g->nodes[k->node];
    s->start = k->frame;
    s->end = end;
    s->score = (int32_t)(end_abs - k->abs);
    s->node = k->node;
    s->word = nd->word;
    s->phone = nd->phone;
    s->flags = nd->flags;
    s->reserved = 0;
}

/* ALIGN: commits the history shared by every live token (forced: the best token's history,
 * dropping the tokens that do not share it) to the output queue and frees it. */
static void commit(h7dec *d, int forced)
{
    uint32_t ntok = 0;
    memset(d->lcount, 0, d->nlinks * sizeof(uint16_t));
    for (uint32_t i = 0; i < d->nact; i++) {
        uint16_t n = d->act[i];
        for (int s = 0; s <= d->cfg.ctc; s++) {
            if (!alive(d, s ? d->sb[n] : d->sp[n])) continue;
            ntok++;
            for (uint16_t l = s ? d->lb[n] : d->lp[n]; l != H7DEC_NONE; l = d->links[l].prev)
                if (d->lcount[l] < 0xFFFFu) d->lcount[l]++;
        }
    }
    if (!ntok || d->best_link == H7DEC_NONE) return;
    uint16_t c = H7DEC_NONE;
    if (forced) {
        c = d->best_link;
    } else {
        for (uint16_t l = d->best_link; l != H7DEC_NONE; l = d->links[l].prev)
            if (d->lcount[l] >= ntok) { c = l; break; }
    }
    if (c == H7DEC_NONE) return;
    if (d->links[c].prev == H7DEC_NONE) {
        if (!forced) return;
        /* forced, but the best path has nothing new (its token stayed in one node while the
         * others wandered, each with a history of its own: scores that favour nothing): the
         * best token goes on alone, so the others' links come free */
        for (uint32_t i = 0; i < d->nact; i++) {
            uint16_t n = d->act[i];
            if (n == d->best_node) continue;
            d->sp[n] = NEG;
            if (d->cfg.ctc) d->sb[n] = NEG;
        }
        d->stats.forced_commits++;
        collect(d, H7DEC_NONE);
        return;
    }
    uint32_t k = 0;
    for (uint16_t l = d->links[c].prev; l != H7DEC_NONE; l = d->links[l].prev) k++;
    if (k > (uint32_t)(out_for(&d->cfg) - d->out_count)) {
        if (forced) d->error = H7DEC_ERR_FULL;
        return;
    }
    if (forced) {   /* tokens that do not descend from c are dropped */
        for (uint32_t i = 0; i < d->nact; i++) {
            uint16_t n = d->act[i];
            for (int s = 0; s <= d->cfg.ctc; s++) {
                int32_t *sc = s ? &d->sb[n] : &d->sp[n];
                if (!alive(d, *sc)) continue;
                uint16_t l = s ? d->lb[n] : d->lp[n];
                while (l != H7DEC_NONE && l != c) l = d->links[l].prev;
                if (l == H7DEC_NONE) *sc = NEG;
            }
        }
        d->stats.forced_commits++;
    }
    uint32_t cap = out_for(&d->cfg);
    uint16_t succ = c;
    uint32_t pos = k;
    for (uint16_t l = d->links[c].prev; l != H7DEC_NONE;) {
        uint16_t prev = d->links[l].prev;
        pos--;
        fill_segment(d, &d->out[(d->out_head + d->out_count + pos) % cap], l, d->links[succ].frame, d->links[succ].abs);
        succ = l;
        l = prev;
    }
    d->out_count = (uint16_t)(d->out_count + k);
    d->links[c].prev = H7DEC_NONE;
    d->stats.commits++;
    collect(d, H7DEC_NONE);
}

/* ---- one frame ---- */
static inline void relax(h7dec *d, uint16_t m, int32_t s, uint16_t l)
{
    if (!(d->flag[m] & F_TOUCHED)) {
        d->flag[m] |= F_TOUCHED;
        if (!(d->flag[m] & F_NULL)) d->touch[d->ntouch++] = m;
        d->es[m] = s;
        d->el[m] = l;
    } else if (s > d->es[m]) {
        d->es[m] = s;
        d->el[m] = l;
    }
}

/* a token leaves along every arc of its node into the targets' entry slots */
static inline void spread(h7dec *d, const h7dec_node *nd, int32_t s, uint16_t l)
{
    const h7dec_arc *a = d->g->arcs + nd->first_arc, *end = a + nd->arc_count;
    uint8_t *flag = d->flag;
    int32_t *es = d->es;
    uint16_t *el = d->el, *touch = d->touch;
    uint32_t nt = d->ntouch;
    for (; a < end; a++) {
        uint32_t m = a->target;
        int32_t v = s + a->weight;
        uint8_t f = flag[m];
        if (!(f & F_TOUCHED)) {
            flag[m] = (uint8_t)(f | F_TOUCHED);
            if (!(f & F_NULL)) touch[nt++] = (uint16_t)m;
            es[m] = v;
            el[m] = l;
        } else if (v > es[m]) {
            es[m] = v;
            el[m] = l;
        }
    }
    d->ntouch = nt;
}

static void spot_update(h7dec *d, int32_t t)
{
    int alive = d->final_score > DEAD;
    int32_t lr = alive ? d->final_score - d->fbest : NEG;
    if (d->has_cand) {
        if (alive && lr >= d->cand.score) {   /* equal: the phrase's last phone goes on */
            d->since_peak = 0;
        } else if (++d->since_peak >= d->cfg.spot_hold) {
            if (d->ev_count < EVENT_QUEUE) {
                d->events[(d->ev_head + d->ev_count) % EVENT_QUEUE] = d->cand;
                d->ev_count++;
            }
            d->has_cand = 0;
            d->armed = 0;
        }
        if (d->since_peak) goto rearm;
    } else if (!(d->armed && alive && lr >= d->cfg.spot_threshold)) {
        goto rearm;
    }
    /* a new or better candidate: its start is the root of the final token's history */
    d->has_cand = 1;
    d->cand.score = lr;
    d->cand.end = t + 1;
    d->cand.final_node = d->final_node;
    d->cand.word = H7DEC_NONE;
    d->cand.start = t;
    for (uint16_t l = d->final_link; l != H7DEC_NONE; l = d->links[l].prev) {
        d->cand.start = d->links[l].frame;
        if (d->g->nodes[d->links[l].node].word != H7DEC_NONE) d->cand.word = d->g->nodes[d->links[l].node].word;
    }
    return;
rearm:
    if (!d->armed && !d->has_cand && (!alive || lr < d->cfg.spot_threshold)) d->armed = 1;
}

h7dec_status h7dec_step(h7dec *d, const int32_t *e)
{
    if (!d || !e) return H7DEC_ERR_ARG;
    if (d->error) return d->error;
    const h7dec_graph *g = d->g;
    const h7dec_node *nodes = g->nodes;
    const int ctc = d->cfg.ctc, align = d->cfg.mode == H7DEC_ALIGN, spot = d->cfg.mode == H7DEC_SPOT;
    const int32_t t = d->frame;

    /* enough links for this frame: at most one per node entered */
    /* ALIGN reserves a frame's worth of links before it starts, so that a pool too small
     * for the live history can be relieved by a forced commit (only possible between
     * frames); the other modes reclaim on demand */
    d->scan = d->nact;
    if (align && d->free_count < d->link_nodes) {
        collect(d, H7DEC_NONE);
        if (d->free_count < d->link_nodes) commit(d, 1);
        if (d->free_count < d->link_nodes) return d->error = H7DEC_ERR_FULL;
    }

    /* filler: a free phone loop (penalty per phone change) */
    int32_t prev_f = d->fbest, fnew = NEG;
    for (int p = H7DEC_PHONE_SIL; p < H7DEC_PHONE_COUNT; p++) {
        int32_t v = d->fill[p], enter = prev_f + d->cfg.filler_penalty;
        if (enter > v) v = enter;
        v += e[p];
        d->fill[p] = v;
        if (v > fnew) fnew = v;
    }
    if (ctc) {
        int32_t v = d->fill[H7DEC_PHONE_BLANK] > prev_f ? d->fill[H7DEC_PHONE_BLANK] : prev_f;
        v += e[H7DEC_PHONE_BLANK];
        d->fill[H7DEC_PHONE_BLANK] = v;
        if (v > fnew) fnew = v;
    }

    /* the hot loops work on local copies of the arrays (no reloads through d) */
    int32_t *const sp = d->sp, *const sb = d->sb, *const es = d->es;
    uint16_t *const lp = d->lp, *const lb = d->lb, *const el = d->el, *const act = d->act;
    uint8_t *const flag = d->flag;

    /* entries: the start node (once, or every frame from the filler when spotting) ... */
    if (spot || t == 0) relax(d, 0, spot ? prev_f : 0, H7DEC_NONE);
    /* ... and every token leaving its node, once last frame's pruning is applied */
    const int32_t pthr = d->pthr, pnorm = d->pnorm;
    uint32_t w = 0;
    for (uint32_t i = 0; i < d->nact; i++) {
        uint16_t n = act[i], l = lp[n];
        int32_t vp = sp[n];
        vp = (vp > DEAD && vp >= pthr) ? vp - pnorm : NEG;
        sp[n] = vp;
        int32_t sc = vp;
        if (ctc) {
            int32_t vb = sb[n];
            vb = (vb > DEAD && vb >= pthr) ? vb - pnorm : NEG;
            sb[n] = vb;
            if (vb > sc) {
                sc = vb;
                l = lb[n];
            }
        }
        if (sc <= DEAD) {
            flag[n] = (uint8_t)(flag[n] & ~F_ACTIVE);
            continue;
        }
        act[w++] = n;
        spread(d, &nodes[n], sc, l);
    }
    d->nact = d->scan = w;
    d->pthr = NEG;
    d->pnorm = 0;
    if ((int32_t)w > d->stats.active_max) d->stats.active_max = (int32_t)w;
    for (uint32_t k = 0; k < g->null_count; k++) {
        uint16_t z = g->nulls[k];
        if (!(flag[z] & F_TOUCHED)) continue;
        flag[z] &= (uint8_t)~F_TOUCHED;
        int32_t sc = es[z];
        uint16_t l = el[z];
        es[z] = NEG;
        if ((nodes[z].flags & H7DEC_NODE_LINK) || (spot && z == 0)) l = new_link(d, z, t, sc, l);
        spread(d, &nodes[z], sc, l);
    }

    /* every candidate node: stay or enter, then this frame's score */
    int32_t best = NEG, final_s = NEG;
    uint16_t best_n = H7DEC_NONE, best_l = H7DEC_NONE, final_n = H7DEC_NONE, final_l = H7DEC_NONE;
    uint32_t nc = d->nact;
    for (uint32_t i = 0; i < d->ntouch; i++)
        if (!(flag[d->touch[i]] & F_ACTIVE)) act[nc++] = d->touch[i];
    d->scan = nc;
    const int32_t eb = e[H7DEC_PHONE_BLANK];
    for (uint32_t i = 0; i < nc; i++) {
        uint16_t n = act[i];
        int32_t np = sp[n], sc;
        uint16_t npl = lp[n], l;
        uint8_t f = flag[n];
        if (f & F_TOUCHED) {
            if (es[n] > np) {
                np = es[n];
                npl = ((nodes[n].flags & H7DEC_NODE_LINK) || align) ? new_link(d, n, t, np, el[n]) : el[n];
            }
            es[n] = NEG;
        }
        flag[n] = (uint8_t)((f & ~F_TOUCHED) | F_ACTIVE);
        if (ctc) {   /* the blank after the phone: from the old phone or blank token */
            int32_t nb = sb[n], op = sp[n];
            uint16_t nbl = lb[n];
            if (op > nb) { nb = op; nbl = lp[n]; }
            nb = nb > DEAD ? nb + eb : NEG;
            sb[n] = nb;
            lb[n] = nbl;
        }
        np = np > DEAD ? np + e[nodes[n].phone] : NEG;
        sp[n] = np;
        lp[n] = npl;
        sc = np;
        l = npl;
        if (ctc && sb[n] > sc) { sc = sb[n]; l = lb[n]; }
        if (sc > best) { best = sc; best_n = n; best_l = l; }
        if ((f & F_FINAL) && sc > final_s) { final_s = sc; final_n = n; final_l = l; }
    }
    d->nact = d->scan = nc;
    d->ntouch = 0;

    /* re-base on the frame's best (graph or filler); the tokens themselves are re-based and
     * pruned lazily at the start of the next frame (pthr, pnorm) */
    int32_t norm = best > fnew ? best : fnew;
    d->norm_total += (uint32_t)norm;
    for (int p = 0; p < H7DEC_PHONE_COUNT; p++) {
        if (d->fill[p] <= DEAD) continue;
        d->fill[p] -= norm;
        if (d->fill[p] < FLOOR) d->fill[p] = FLOOR;
    }
    d->fbest = fnew - norm;
    if (d->fbest < FLOOR) d->fbest = FLOOR;
    int32_t thr = best > DEAD ? best - d->cfg.beam : DEAD;
    if (d->cfg.max_active && nc > d->cfg.max_active && best > DEAD) {
        /* histogram pruning: raise the threshold until at most max_active tokens stay
         * (32 bins across the beam; the best bin always stays) */
        uint32_t hist[32] = {0};
        const int32_t width = d->cfg.beam / 32 + 1;
        for (uint32_t i = 0; i < nc; i++) {
            uint16_t n = act[i];
            int32_t sc = sp[n];
            if (ctc && sb[n] > sc) sc = sb[n];
            if (sc >= thr) {
                uint32_t b = (uint32_t)((best - sc) / width);
                hist[b < 32 ? b : 31]++;
            }
        }
        uint32_t kept = hist[0];
        for (uint32_t b = 1; b < 32; b++) {
            if (kept + hist[b] > d->cfg.max_active) {
                thr = best - (int32_t)b * width + 1;
                break;
            }
            kept += hist[b];
        }
    }
    d->pthr = thr;
    d->pnorm = norm;
    d->best_score = best > DEAD ? best - norm : NEG;
    d->best_node = best > DEAD ? best_n : H7DEC_NONE;
    d->best_link = best > DEAD ? best_l : H7DEC_NONE;
    int fin = final_s > DEAD && final_s >= thr;
    d->final_score = fin ? final_s - norm : NEG;
    d->final_node = fin ? final_n : H7DEC_NONE;
    d->final_link = fin ? final_l : H7DEC_NONE;
    d->frame = t + 1;
    d->stats.frames = d->frame;
    d->stats.filler_score = d->fbest;

    if (spot) spot_update(d, t);
    if (align && (d->frame % COMMIT_EVERY) == 0) commit(d, 0);
    return d->error;
}

int h7dec_best(h7dec *d, h7dec_result *r, h7dec_segment *segs, int max)
{
    if (!d || (segs && max < 0)) return -1;
    int fin = d->final_score > DEAD;
    uint16_t node = fin ? d->final_node : d->best_node, link = fin ? d->final_link : d->best_link;
    int32_t score = fin ? d->final_score : d->best_score;
    if (r) {
        memset(r, 0, sizeof *r);
        r->frames = d->frame;
        r->reached_final = fin;
        r->node = node;
        r->score = node == H7DEC_NONE ? NEG : score - d->fbest;
        r->confidence = d->frame && node != H7DEC_NONE ? r->score / d->frame : r->score;
    }
    if (node == H7DEC_NONE) return 0;
    int count = 0;
    for (uint16_t l = link; l != H7DEC_NONE; l = d->links[l].prev) count++;
    if (segs) {
        int32_t end = d->frame;
        uint32_t end_abs = (uint32_t)score + d->norm_total;
        int i = count;
        for (uint16_t l = link; l != H7DEC_NONE; l = d->links[l].prev) {
            i--;
            if (i < max) fill_segment(d, &segs[i], l, end, end_abs);
            end = d->links[l].frame;
            end_abs = d->links[l].abs;
        }
    }
    return count;
}

int h7dec_pop(h7dec *d, h7dec_segment *seg)
{
    if (!d || !seg || !d->out_count) return 0;
    *seg = d->out[d->out_head];
    d->out_head = (uint16_t)((d->out_head + 1u) % out_for(&d->cfg));
    d->out_count--;
    return 1;
}

int h7dec_event_pop(h7dec *d, h7dec_event *ev)
{
    if (!d || !ev || !d->ev_count) return 0;
    *ev = d->events[d->ev_head];
    d->ev_head = (d->ev_head + 1u) % EVENT_QUEUE;
    d->ev_count--;
    return 1;
}

void h7dec_flush(h7dec *d)
{
    if (!d || !d->has_cand) return;
    if (d->ev_count < EVENT_QUEUE) {
        d->events[(d->ev_head + d->ev_count) % EVENT_QUEUE] = d->cand;
        d->ev_count++;
    }
    d->has_cand = 0;
    d->armed = 0;
}

void h7dec_get_stats(const h7dec *d, h7dec_stats *stats)
{
    if (d && stats) *stats = d->stats;
}
