/* Streaming forced alignment over the h7dec decoder (see align_core.h for the design). */
#include <stdio.h>
#include <string.h>

#include "align_core.h"

#define SIL_PHONE 1

static int fail(align_t *a, int code, const char *what)
{
    a->failed = code;
    if (what) snprintf(a->msg, sizeof a->msg, "%s", what);
    return code;
}

/* graph nodes of one pronunciation ([n, p1..pn]): each phone a chain of its minimum frames */
static uint32_t variant_nodes(const align_t *a, const uint8_t *p)
{
    uint32_t n = 0;
    for (int i = 0; i < p[0]; i++) n += a->min_frames[p[1 + i]];
    return n;
}

/* ---- window graph ----
 * node 0: null start; per word k: optional SIL before it (node S_k, a LINK), then each
 * pronunciation's chain; the chains' last phones lead to a null junction J_k (or, for the
 * window's last word, are FINAL along with a trailing optional SIL). */
static int build_window(align_t *a)
{
    uint32_t nn = 1, na = 0, nl = 0, nz = 1, np = 0;
    h7dec_node *N = a->nodes;
    h7dec_arc *A = a->arcs;
    /* arcs are stored per source node in order, so build an adjacency first: arcs of node
     * x go to a contiguous run; we emit nodes in order and each node's arcs right away,
     * which works because every arc of a node is known when the node is created except
     * for forward references, resolved by computing node numbers ahead. */
    uint32_t count = a->wj - a->wi;
    /* pass 1: pronunciations and node numbering */
    uint16_t first[ALIGN_WINDOW_WORDS], nvar[ALIGN_WINDOW_WORDS], sil[ALIGN_WINDOW_WORDS + 1], junc[ALIGN_WINDOW_WORDS];
    uint16_t pstart[ALIGN_WINDOW_WORDS];
    for (uint32_t k = 0; k < count; k++) {
        const char *w = a->text + a->word_off[a->wi + k];
        int used = 0;
        int v = align_lex_pronounce(w, a->phones + np, sizeof a->phones - np, &used);
        if (v < 0) {
            snprintf(a->msg, sizeof a->msg, "word %u (%s) cannot be pronounced", (unsigned)(a->wi + k + 1), w);
            return fail(a, ALIGN_ERR_TEXT, NULL);
        }
        pstart[k] = (uint16_t)np;
        nvar[k] = (uint16_t)v;
        np += (uint32_t)used;
    }
    for (uint32_t k = 0; k < count; k++) {
        sil[k] = (uint16_t)nn;
        nn += a->min_frames[SIL_PHONE];
        first[k] = (uint16_t)nn;
        const uint8_t *p = a->phones + pstart[k];
        for (int v = 0; v < nvar[k]; v++) { nn += variant_nodes(a, p); p += 1 + p[0]; }
        junc[k] = (uint16_t)(k + 1 < count ? nn++ : 0);
    }
    sil[count] = (uint16_t)nn;
    nn += a->min_frames[SIL_PHONE];
    if (nn > ALIGN_MAX_NODES) return fail(a, ALIGN_ERR_LIMIT, "a transcript window has too many phones for the board's graph");
    /* pass 2: nodes and arcs in node order */
#define ARC(t) do { if (na >= ALIGN_MAX_ARCS) return fail(a, ALIGN_ERR_LIMIT, "graph arcs"); A[na].target = (uint16_t)(t); A[na].weight = 0; na++; } while (0)
#define BEGIN(i, ph, fl, lab) do { N[i].phone = (ph); N[i].flags = (fl); N[i].word = (lab); N[i].first_arc = na; N[i].reserved = 0; } while (0)
#define END(i) (N[i].arc_count = (uint16_t)(na - N[i].first_arc))
    /* start node: into S_0 and every first phone of word 0 */
    BEGIN(0, H7DEC_NULL_PHONE, 0, H7DEC_NONE);
    ARC(sil[0]);
    {
        uint32_t x = first[0];
        const uint8_t *p = a->phones + pstart[0];
        for (int v = 0; v < nvar[0]; v++) { ARC(x); x += variant_nodes(a, p); p += 1 + p[0]; }
    }
    END(0);
    a->nulls[0] = 0;
    for (uint32_t k = 0; k < count; k++) {
        /* S_k (a chain of min_frames[SIL] nodes): into word k's first phones */
        for (uint32_t r = 0; r + 1 < a->min_frames[SIL_PHONE]; r++) {
            BEGIN(sil[k] + r, SIL_PHONE, r == 0 ? H7DEC_NODE_LINK : 0, H7DEC_NONE);
            ARC(sil[k] + r + 1);
            END(sil[k] + r);
        }
        {
            uint32_t z = sil[k] + a->min_frames[SIL_PHONE] - 1u;
            BEGIN(z, SIL_PHONE, z == sil[k] ? H7DEC_NODE_LINK : 0, H7DEC_NONE);
            uint32_t x = first[k];
            const uint8_t *p = a->phones + pstart[k];
            for (int v = 0; v < nvar[k]; v++) { ARC(x); x += variant_nodes(a, p); p += 1 + p[0]; }
            END(z);
        }
        uint32_t x = first[k];
        const uint8_t *p = a->phones + pstart[k];
        int lastw = k + 1 == count;
        for (int v = 0; v < nvar[k]; v++) {
            int len = p[0];
            for (int i = 0; i < len; i++) {
                int tail = i + 1 == len;
                /* min_frames[phone] nodes of the same phone in a chain (each keeps its
                 * self-loop; ALIGN_MIN_PHONE_FRAMES unless align_set_grid / _phone_frames
                 * said otherwise): the phone lasts at least that many frames; only the
                 * first records a boundary */
                for (uint32_t r = 0; r < a->min_frames[p[1 + i]]; r++, x++) {
                    int last = r + 1 == a->min_frames[p[1 + i]];
                    BEGIN(x, p[1 + i], (uint8_t)((r == 0 ? H7DEC_NODE_LINK : 0) | (tail && last && lastw ? H7DEC_NODE_FINAL : 0)),
                          i == 0 && r == 0 ? (uint16_t)k : H7DEC_NONE);
                    if (!last || !tail) ARC(x + 1);
                    else if (!lastw) ARC(junc[k]);
                    else ARC(sil[count]);
                    END(x);
                }
            }
            p += 1 + len;
        }
        if (!lastw) {
            /* J_k: into S_{k+1} and word k+1's first phones */
            BEGIN(junc[k], H7DEC_NULL_PHONE, 0, H7DEC_NONE);
            ARC(sil[k + 1]);
            uint32_t y = first[k + 1];
            const uint8_t *q = a->phones + pstart[k + 1];
            for (int v = 0; v < nvar[k + 1]; v++) { ARC(y); y += variant_nodes(a, q); q += 1 + q[0]; }
            END(junc[k]);
            a->nulls[nz++] = junc[k];
        }
        a->labels[k].offset = a->word_off[a->wi + k];
        a->labels[k].length = (uint16_t)strlen(a->text + a->word_off[a->wi + k]);
        a->labels[k].kind = 0;
        nl++;
    }
    for (uint32_t r = 0; r < a->min_frames[SIL_PHONE]; r++) {
        int last = r + 1 == a->min_frames[SIL_PHONE];
        BEGIN(sil[count] + r, SIL_PHONE, (uint8_t)((r == 0 ? H7DEC_NODE_LINK : 0) | (last ? H7DEC_NODE_FINAL : 0)), H7DEC_NONE);
        if (!last) ARC(sil[count] + r + 1);
        END(sil[count] + r);
    }
#undef ARC
#undef BEGIN
#undef END
    h7dec_graph *g = &a->g;
    align_graph_in_ram(g, N, nn, A, na, a->labels, nl, a->nulls, nz, a->text, a->text_used);
    if (nn > a->nodes_max) a->nodes_max = nn;
    h7dec_config c;
    h7dec_config_default(&c, H7DEC_ALIGN);
    c.beam = ALIGN_BEAM_NATS * H7DEC_SCORE_ONE;
    c.max_active = ALIGN_MAX_ACTIVE;
    size_t need = h7dec_workspace_size(g, &c);
    if (!need || need > sizeof a->workspace)
        return fail(a, ALIGN_ERR_LIMIT, "a transcript window needs more decoder workspace than the board has");
    if (need > a->workspace_max) a->workspace_max = (uint32_t)need;
    if (h7dec_init(&a->dec, g, &c, a->workspace, need) != H7DEC_OK)
        return fail(a, ALIGN_ERR_DECODER, "decoder init failed");
    a->windows++;
    return ALIGN_OK;
}

void align_graph_in_ram(h7dec_graph *g, const h7dec_node *nodes, uint32_t node_count, const h7dec_arc *arcs,
                        uint32_t arc_count, const h7dec_word *words, uint32_t word_count, const uint16_t *nulls,
                        uint32_t null_count, const char *strings, uint32_t string_bytes)
{
    memset(g, 0, sizeof *g);
    g->nodes = nodes;
    g->arcs = arcs;
    g->words = words;
    g->nulls = nulls;
    g->strings = strings;
    g->node_count = node_count;
    g->arc_count = arc_count;
    g->word_count = word_count;
    g->null_count = null_count;
    g->string_bytes = string_bytes;
    g->phoneset_hash = h7dec_phoneset_hash();
    g->phone_count = H7DEC_PHONE_COUNT;
}

/* words [first, first + W) in a graph; a window too big for the fixed buffers (long words,
 * many pronunciations) is retried with half the words */
static int open_window(align_t *a, uint32_t first)
{
    for (uint32_t w = ALIGN_WINDOW_WORDS; w >= 2; w /= 2) {
        a->wi = first;
        a->wj = first + w < a->nwords ? first + w : a->nwords;
        a->wkeep = a->wj == a->nwords ? a->nwords : first + w / 2;
        a->npending = 0;
        a->failed = 0;
        int st = build_window(a);
        if (st != ALIGN_ERR_LIMIT) return st;
    }
    return a->failed;
}

/* ---- output ---- */
static void emit(align_t *a, const align_phone_t *ph, uint32_t n)
{
    uint32_t i = 0;
    while (i < n) {
        if (a->on_phone) a->on_phone(a->ctx, &ph[i]);
        if (ph[i].word < 0) { i++; continue; }
        align_word_t w = {(uint16_t)ph[i].word, a->text + a->word_off[ph[i].word], ph[i].start, ph[i].end, 0,
                          ph[i].start_ms, ph[i].end_ms};
        uint32_t j = i;
        while (j < n && ph[j].word == ph[i].word) {
            if (j > i && a->on_phone) a->on_phone(a->ctx, &ph[j]);
            w.end = ph[j].end;
            w.end_ms = ph[j].end_ms;
            w.score += ph[j].score;
            j++;
        }
        if (a->on_word) a->on_word(a->ctx, &w);
        a->words_done = (uint32_t)ph[i].word + 1;
        i = j;
    }
}

int32_t align_boundary_grid_ms(const int16_t *scores_prev, const int16_t *scores_cur, int left, int right, int32_t t,
                               int32_t step_ms)
{
    int32_t ms = align_grid_ms(t, step_ms);
    if (scores_prev && scores_cur && left >= 0 && right >= 0 && left != right && left < H7DEC_PHONE_COUNT && right < H7DEC_PHONE_COUNT) {
        int32_t d0 = scores_prev[left] - scores_prev[right], d1 = scores_cur[left] - scores_cur[right];
        /* left ahead at t - 1, right ahead at t: the crossing lies between the two centres */
        if (d0 > 0 && d1 < 0) ms = ms - step_ms / 2 + (step_ms * d0 + (d0 - d1) / 2) / (d0 - d1);
    }
    ms += ALIGN_REF_OFFSET_MS;
    return ms < 0 ? 0 : ms;
}

int32_t align_boundary_ms(const int16_t *scores_prev, const int16_t *scores_cur, int left, int right, int32_t t)
{
    return align_boundary_grid_ms(scores_prev, scores_cur, left, right, t, 20);
}

/* the boundary at frame t between two phones, from the ring when both frames are still in it */
static int32_t boundary(const align_t *a, int left, int right, int32_t t)
{
    int in = t >= 1 && t < a->frames && a->frames - (t - 1) <= ALIGN_RING_FRAMES;
    return align_boundary_grid_ms(in ? a->ring[(t - 1) % ALIGN_RING_FRAMES] : NULL,
                                  in ? a->ring[t % ALIGN_RING_FRAMES] : NULL, left, right, t, a->step_ms);
}

/* GOP over frames [from, to) of phone p still in the ring (all of them unless the decoder
 * committed the segment more than 5 s late) */
static void add_gop(const align_t *a, align_phone_t *p, int32_t from, int32_t to)
{
    for (int32_t t = from > a->frames - ALIGN_RING_FRAMES ? from : a->frames - ALIGN_RING_FRAMES;
         t < to && t < a->frames; t++) {
        const int16_t *r = a->ring[t % ALIGN_RING_FRAMES];
        int32_t best = r[0];
        for (int k = 1; k < H7DEC_PHONE_COUNT; k++) if (r[k] > best) best = r[k];
        p->gop += r[p->phone] - best;
        p->gop_frames++;
    }
}

/* a segment of the current window -> pending (word index of the transcript) */
static int add_segment(align_t *a, const h7dec_segment *s, int32_t *cur)
{
    if (!(s->flags & H7DEC_NODE_LINK) && a->npending && a->pending[a->npending - 1].phone == s->phone &&
        a->pending[a->npending - 1].end == s->start + a->anchor) {
        /* the rest of a phone's (or a pause's) chain (min_frames): the same phone goes on */
        align_phone_t *q = &a->pending[a->npending - 1];
        add_gop(a, q, q->end, s->end + a->anchor);
        q->end = s->end + a->anchor;
        q->end_ms = boundary(a, -1, -1, q->end);
        q->score += s->score;
        return ALIGN_OK;
    }
    if (a->npending >= ALIGN_PENDING) return fail(a, ALIGN_ERR_LIMIT, "too many phones waiting for the anchor");
    align_phone_t *p = &a->pending[a->npending++];
    if (s->phone == SIL_PHONE) *cur = -1;
    else if (s->word != H7DEC_NONE) *cur = (int32_t)(a->wi + s->word);
    p->word = s->phone == SIL_PHONE ? -1 : *cur;
    p->phone = s->phone;
    p->start = s->start + a->anchor;
    p->end = s->end + a->anchor;
    p->score = s->score;
    p->end_ms = boundary(a, -1, -1, p->end);   /* until the next phone is known */
    p->gop = p->gop_frames = 0;
    add_gop(a, p, p->start, p->end);
    if (a->npending > 1) {
        align_phone_t *q = p - 1;
        p->start_ms = q->end_ms = boundary(a, q->phone, p->phone, p->start);
    } else if (a->last_phone != H7DEC_NULL_PHONE && p->start == a->anchor) {
        p->start_ms = a->anchor_ms;   /* the previous window's last emitted boundary */
    } else {
        p->start_ms = boundary(a, -1, -1, p->start);
    }
    return ALIGN_OK;
}

static int32_t cur_word(const align_t *a)
{
    for (uint32_t i = a->npending; i > 0; i--)
        if (a->pending[i - 1].phone == SIL_PHONE) return -1;
        else if (a->pending[i - 1].word >= 0) return a->pending[i - 1].word;
    return -1;
}

/* a non-last window committed the start of word wkeep: emit words < wkeep, re-anchor at the
 * end of word wkeep - 1 so the next window re-decides the pause after it. A pause longer
 * than the score ring there would lose the anchor (its start is no longer in the ring): then
 * the pause is cut instead, its head emitted as a pause and the next window re-decodes only
 * its last ALIGN_PAUSE_KEEP frames. */
static int cut_at(align_t *a, uint32_t next)
{
    uint32_t c = 0;
    while (c < a->npending && !(a->pending[c].word >= (int32_t)next)) c++;
    uint32_t e = c;
    while (e > 0 && a->pending[e - 1].word < 0) e--;
    int32_t anchor = e ? a->pending[e - 1].end : a->anchor;
    if (a->frames - anchor > ALIGN_RING_FRAMES && e < c) {
        int32_t want = a->frames - ALIGN_PAUSE_KEEP;
        if (want > a->pending[c].start) want = a->pending[c].start;
        while (e < c && a->pending[e].end <= want) e++;   /* whole pause segments */
        if (e < c && a->pending[e].start < want) {         /* the one the anchor falls in */
            align_phone_t *p = &a->pending[e];
            p->gop = (int32_t)((int64_t)p->gop * (want - p->start) / (p->end - p->start));
            p->gop_frames = (int32_t)((int64_t)p->gop_frames * (want - p->start) / (p->end - p->start));
            p->score = (int32_t)((int64_t)p->score * (want - p->start) / (p->end - p->start));
            p->end = want;
            p->end_ms = boundary(a, -1, -1, want);
            e++;
        }
        a->pause_cuts++;
        anchor = e ? a->pending[e - 1].end : a->anchor;
    }
    emit(a, a->pending, e);
    if (e) {
        a->last_phone = a->pending[e - 1].phone;
        a->anchor_ms = a->pending[e - 1].end_ms;
    }
    if (a->frames - anchor > ALIGN_RING_FRAMES)
        return fail(a, ALIGN_ERR_LIMIT, "the alignment lost its anchor (no agreement for 5 s of audio)");
    a->anchor = anchor;
    a->fed = anchor;
    return open_window(a, next);
}

static int cut(align_t *a) { return cut_at(a, a->wkeep); }


static int feed(align_t *a)
{
    h7dec_segment s;
    int32_t scores[H7DEC_PHONE_COUNT];
    while (a->fed < a->frames) {
        const int16_t *r = a->ring[a->fed % ALIGN_RING_FRAMES];
        for (int p = 0; p < H7DEC_PHONE_COUNT; p++) scores[p] = r[p];
        h7dec_status ds = h7dec_step(a->dec, scores);
        if (ds != H7DEC_OK) {
            snprintf(a->msg, sizeof a->msg, "decoder step failed at frame %ld: %s", (long)a->fed, h7dec_status_name(ds));
            return fail(a, ALIGN_ERR_DECODER, NULL);
        }
        a->fed++;
        int reached = 0;
        int32_t cur = cur_word(a);
        while (h7dec_pop(a->dec, &s)) {
            if (add_segment(a, &s, &cur)) return a->failed;
            if (a->wj != a->nwords && a->pending[a->npending - 1].word >= (int32_t)a->wkeep) reached = 1;
        }
        if (reached) {
            h7dec_stats st;
            h7dec_get_stats(a->dec, &st);
            a->forced_commits += (uint32_t)st.forced_commits;
            if (cut(a)) return a->failed;
        }
    }
    return ALIGN_OK;
}

void align_reset(align_t *a, align_word_fn on_word, align_phone_fn on_phone, void *ctx)
{
    a->on_word = on_word;
    a->on_phone = on_phone;
    a->ctx = ctx;
    a->nwords = a->text_used = 0;
    a->frames = a->anchor = a->fed = 0;
    a->npending = a->words_done = 0;
    a->last_phone = H7DEC_NULL_PHONE;
    a->anchor_ms = 0;
    a->windows = a->workspace_max = a->nodes_max = a->forced_commits = a->pause_cuts = 0;
    a->started = a->failed = 0;
    a->step_ms = 20;
    for (int p = 0; p < H7DEC_PHONE_COUNT; p++) a->min_frames[p] = p == SIL_PHONE ? 1 : ALIGN_MIN_PHONE_FRAMES;
    a->msg[0] = 0;
}

int align_set_grid(align_t *a, int32_t step_ms, uint32_t min_phone_frames)
{
    if (a->started) return fail(a, ALIGN_ERR_STATE, "the frame grid is set before the alignment starts");
    if ((step_ms != 20 && step_ms != 10) || min_phone_frames < 1 || min_phone_frames > 8)
        return fail(a, ALIGN_ERR_STATE, "frame grid: 20 or 10 ms, phones of 1 to 8 frames");
    a->step_ms = step_ms;
    for (int p = 0; p < H7DEC_PHONE_COUNT; p++)
        if (p != SIL_PHONE) a->min_frames[p] = (uint8_t)min_phone_frames;
    return ALIGN_OK;
}

int align_set_phone_frames(align_t *a, int phone, uint32_t frames)
{
    if (a->started) return fail(a, ALIGN_ERR_STATE, "phone durations are set before the alignment starts");
    if (phone < 1 || phone >= H7DEC_PHONE_COUNT || frames < 1 || frames > 8)
        return fail(a, ALIGN_ERR_STATE, "phone durations: a phone of phones.def (not the blank), 1 to 8 frames");
    a->min_frames[phone] = (uint8_t)frames;
    return ALIGN_OK;
}

int align_add_text(align_t *a, const char *text, size_t len)
{
    if (a->started) return fail(a, ALIGN_ERR_STATE, "the alignment has started: text comes before it");
    if (a->failed) return a->failed;
    int n = align_text_normalise(text, len, a->text + a->text_used, sizeof a->text - a->text_used,
                                 a->word_off + a->nwords, ALIGN_MAX_WORDS - (int)a->nwords, a->msg, sizeof a->msg);
    if (n < 0) {
        if (!strncmp(a->msg, "the transcript has no words", 27) || !strncmp(a->msg, "the transcript is empty", 23))
            return ALIGN_OK;   /* a line without words adds nothing */
        if (!strncmp(a->msg, "the transcript is too long", 26))
            snprintf(a->msg, sizeof a->msg, "the transcript is too long for the board: at most %d words, %u bytes of words",
                     ALIGN_MAX_WORDS, (unsigned)sizeof a->text);
        return fail(a, ALIGN_ERR_TEXT, NULL);
    }
    for (int k = 0; k < n; k++) a->word_off[a->nwords + (uint32_t)k] = (uint16_t)(a->word_off[a->nwords + (uint32_t)k] + a->text_used);
    a->nwords += (uint32_t)n;
    a->text_used = a->word_off[a->nwords - 1] + (uint32_t)strlen(a->text + a->word_off[a->nwords - 1]) + 1;
    return ALIGN_OK;
}

int align_start(align_t *a)
{
    if (a->failed) return a->failed;
    if (a->started) return fail(a, ALIGN_ERR_STATE, "the alignment has already started");
    if (!a->nwords) return fail(a, ALIGN_ERR_TEXT, "the transcript is empty: give the words that were spoken");
    /* every word must be pronounceable before any audio is spent on it */
    for (uint32_t k = 0; k < a->nwords; k++) {
        int used;
        if (align_lex_pronounce(a->text + a->word_off[k], a->phones, sizeof a->phones, &used) < 0) {
            snprintf(a->msg, sizeof a->msg, "word %u (%s) cannot be pronounced", (unsigned)k + 1, a->text + a->word_off[k]);
            return fail(a, ALIGN_ERR_TEXT, NULL);
        }
    }
    if (open_window(a, 0)) return a->failed;
    a->started = 1;
    return ALIGN_OK;
}

int align_frame(align_t *a, const int32_t *scores)
{
    if (!a->started) return ALIGN_ERR_STATE;
    if (a->failed) return a->failed;
    int16_t *r = a->ring[a->frames % ALIGN_RING_FRAMES];
    for (int p = 0; p < H7DEC_PHONE_COUNT; p++) {
        int32_t v = scores[p];
        r[p] = (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
    }
    a->frames++;
    return feed(a);
}

int align_end(align_t *a)
{
    if (!a->started) return ALIGN_ERR_STATE;
    a->started = 0;
    if (a->failed) return a->failed;
    if (!a->frames) return fail(a, ALIGN_ERR_AUDIO, "the audio is empty");
    h7dec_stats st;
    h7dec_get_stats(a->dec, &st);
    a->forced_commits += (uint32_t)st.forced_commits;
    if (a->wj != a->nwords) {
        snprintf(a->msg, sizeof a->msg, "the audio ended before the transcript did: words %u..%u of %u not reached (text longer than the audio)",
                 (unsigned)a->wkeep + 1, (unsigned)a->nwords, (unsigned)a->nwords);
        emit(a, a->pending, 0);
        return fail(a, ALIGN_ERR_AUDIO, NULL);
    }
    /* the last window: the committed part, then the best complete path */
    h7dec_segment *rest = a->rest;
    h7dec_result res;
    int n = h7dec_best(a->dec, &res, rest, ALIGN_PENDING);
    if (n < 0 || n > ALIGN_PENDING) return fail(a, ALIGN_ERR_LIMIT, "too many phones at the end of the audio");
    if (!res.reached_final)
        return fail(a, ALIGN_ERR_AUDIO, "the audio ended before the transcript did (the last words were not reached: text longer than the audio)");
    int32_t cur = cur_word(a);
    for (int i = 0; i < n; i++)
        if (add_segment(a, &rest[i], &cur)) return a->failed;
    emit(a, a->pending, a->npending);
    a->npending = 0;
    if (a->words_done != a->nwords) return fail(a, ALIGN_ERR_AUDIO, "not every word was aligned");
    return ALIGN_OK;
}
