/* Phrase search over the recorder's speech segments (see align_find.h for the design). */
#include <stdio.h>
#include <string.h>

#include "align_core.h"
#include "align_find.h"

#define SIL_PHONE 1

static int fail(align_find_t *f, int code, const char *what)
{
    snprintf(f->msg, sizeof f->msg, "%s", what);
    return code;
}

void align_find_reset(align_find_t *f, int32_t threshold, align_hit_fn on_hit, void *ctx)
{
    memset(f, 0, sizeof *f);
    h7dec_config_default(&f->cfg, H7DEC_SPOT);
    if (threshold >= 0) f->cfg.spot_threshold = threshold;
    f->cfg.filler_penalty = ALIGN_FIND_FILLER_PENALTY;
    f->cursor = -1;
    f->on_hit = on_hit;
    f->ctx = ctx;
}

/* The phrase graph: node 0 (null start) into word 0's first phones; one node per phone (a
 * pronunciation is a chain, its first node labelled with the word); word k's last phones
 * into a null junction J_k, which leads to word k + 1's first phones directly or through one
 * optional pause node; the last word's last phones are final. The same paths as
 * tools/h7speech/graph.phrase() compiled without silence around it. */
static int build(align_find_t *f, align_phrase_t *p)
{
    uint8_t pron[512];
    uint16_t pstart[ALIGN_FIND_WORDS], nvar[ALIGN_FIND_WORDS], first[ALIGN_FIND_WORDS], junc[ALIGN_FIND_WORDS],
        sil[ALIGN_FIND_WORDS];
    uint32_t np = 0, nn = 1, na = 0, nz = 1;
    for (uint32_t k = 0; k < p->nwords; k++) {
        const char *w = p->text + p->word_off[k];
        int used = 0;
        int v = align_lex_pronounce(w, pron + np, sizeof pron - np, &used);
        if (v < 0) {
            snprintf(f->msg, sizeof f->msg, "the word %s cannot be pronounced", w);
            return ALIGN_ERR_TEXT;
        }
        pstart[k] = (uint16_t)np;
        nvar[k] = (uint16_t)v;
        np += (uint32_t)used;
    }
    for (uint32_t k = 0; k < p->nwords; k++) {
        first[k] = (uint16_t)nn;
        const uint8_t *q = pron + pstart[k];
        for (int v = 0; v < nvar[k]; v++) { nn += q[0]; q += 1 + q[0]; }
        junc[k] = sil[k] = 0;
        if (k + 1 < p->nwords) {
            junc[k] = (uint16_t)nn++;
            sil[k] = (uint16_t)nn++;
        }
    }
    if (nn > ALIGN_FIND_NODES) return fail(f, ALIGN_ERR_LIMIT, "the phrase has too many phones for the board's search (fewer or shorter words)");
    h7dec_node *N = p->nodes;
    h7dec_arc *A = p->arcs;
#define ARC(t) do { if (na >= ALIGN_FIND_ARCS) return fail(f, ALIGN_ERR_LIMIT, "the phrase has too many pronunciations for the board's search"); \
                    A[na].target = (uint16_t)(t); A[na].weight = 0; na++; } while (0)
#define BEGIN(i, ph, fl, lab) do { N[i].phone = (ph); N[i].flags = (fl); N[i].word = (lab); N[i].first_arc = na; N[i].reserved = 0; } while (0)
#define END(i) (N[i].arc_count = (uint16_t)(na - N[i].first_arc))
#define INTO_WORD(k) do { uint32_t x_ = first[k]; const uint8_t *q_ = pron + pstart[k]; \
                          for (int v_ = 0; v_ < nvar[k]; v_++) { ARC(x_); x_ += q_[0]; q_ += 1 + q_[0]; } } while (0)
    BEGIN(0, H7DEC_NULL_PHONE, 0, H7DEC_NONE);
    INTO_WORD(0);
    END(0);
    p->nulls[0] = 0;
    for (uint32_t k = 0; k < p->nwords; k++) {
        int lastw = k + 1 == p->nwords;
        uint32_t x = first[k];
        const uint8_t *q = pron + pstart[k];
        for (int v = 0; v < nvar[k]; v++) {
            for (int i = 0; i < q[0]; i++, x++) {
                int tail = i + 1 == q[0];
                BEGIN(x, q[1 + i], (uint8_t)((i == 0 ? H7DEC_NODE_LINK : 0) | (tail && lastw ? H7DEC_NODE_FINAL : 0)),
                      i == 0 ? (uint16_t)k : H7DEC_NONE);
                if (!tail) ARC(x + 1);
                else if (!lastw) ARC(junc[k]);
                END(x);
            }
            q += 1 + q[0];
        }
        if (!lastw) {
            BEGIN(junc[k], H7DEC_NULL_PHONE, 0, H7DEC_NONE);
            ARC(sil[k]);
            INTO_WORD(k + 1);
            END(junc[k]);
            p->nulls[nz++] = junc[k];
            BEGIN(sil[k], SIL_PHONE, H7DEC_NODE_LINK, H7DEC_NONE);
            INTO_WORD(k + 1);
            END(sil[k]);
        }
        p->labels[k].offset = p->word_off[k];
        p->labels[k].length = (uint16_t)strlen(p->text + p->word_off[k]);
        p->labels[k].kind = 0;
    }
#undef ARC
#undef BEGIN
#undef END
#undef INTO_WORD
    h7dec_graph *g = &p->g;
    align_graph_in_ram(g, N, nn, A, na, p->labels, p->nwords, p->nulls, nz, p->text, p->text_used);
    size_t need = h7dec_workspace_size(g, &f->cfg);
    if (!need) return fail(f, ALIGN_ERR_DECODER, "the phrase's search graph is not valid for the decoder");
    need = (need + 7u) & ~(size_t)7u;
    if (need > sizeof f->workspace - f->ws_used)
        return fail(f, ALIGN_ERR_LIMIT, "the phrases need more decoder workspace than the board has (fewer or shorter phrases)");
    p->ws_off = f->ws_used;
    p->ws_size = need;
    f->ws_used += need;
    return ALIGN_OK;
}

int align_find_add(align_find_t *f, const char *phrase, size_t len)
{
    if (f->frames || f->queued) return fail(f, ALIGN_ERR_STATE, "phrases are given before the recording starts");
    if (f->nphrases >= ALIGN_FIND_PHRASES) return fail(f, ALIGN_ERR_LIMIT, "at most 4 phrases to find");
    align_phrase_t *p = &f->phrases[f->nphrases];
    memset(p, 0, sizeof *p);
    char msg[140];
    int n = align_text_normalise(phrase, len, p->text, sizeof p->text, p->word_off, ALIGN_FIND_WORDS, msg, sizeof msg);
    if (n <= 0) {   /* the normaliser speaks of transcripts: here it is a phrase */
        const char *t = "the transcript";
        if (n == 0 || strstr(msg, "is empty")) snprintf(f->msg, sizeof f->msg, "the phrase has no words");
        else if (!strncmp(msg, t, strlen(t))) snprintf(f->msg, sizeof f->msg, "the phrase%s", msg + strlen(t));
        else snprintf(f->msg, sizeof f->msg, "%s", msg);
        return ALIGN_ERR_TEXT;
    }
    p->nwords = (uint32_t)n;
    p->text_used = (uint32_t)(p->word_off[n - 1] + strlen(p->text + p->word_off[n - 1]) + 1u);
    int st = build(f, p);
    if (st) return st;
    f->nphrases++;
    return ALIGN_OK;
}

/* frame t's time as the aligner reports whole-frame boundaries (tools/h7align Timing.reported_s) */
static int32_t frame_ms(int32_t t)
{
    int32_t ms = align_frame_ms(t) + ALIGN_REF_OFFSET_MS;
    return ms < 0 ? 0 : ms;
}

static void drain(align_find_t *f, uint32_t k, int32_t first)
{
    h7dec_event e;
    while (h7dec_event_pop(f->phrases[k].dec, &e)) {
        align_hit_t h = {k, frame_ms(first + e.start), frame_ms(first + e.end), e.score};
        f->hits++;
        if (f->on_hit) f->on_hit(f->ctx, &h);
    }
}

/* Searches queued segments as far as the frames allow. */
static int pump(align_find_t *f)
{
    while (f->queued) {
        align_find_seg_t *s = &f->queue[0];
        int32_t end = s->end;
        if (f->ended && (end < 0 || end > f->frames)) end = s->end = f->frames;
        if (end >= 0 && end - s->first < ALIGN_FIND_MIN_FRAMES) {
            f->cursor = -1;   /* too short to search (begun or not: no hit comes this early) */
        } else {
            int begin = f->cursor < 0;
            if (begin) {   /* a new segment, from its first frame that exists (after a gap: the gap's end) */
                f->cursor = s->first > f->resumed ? s->first : f->resumed;
                f->segments++;
            }
            int32_t gone = f->frames - ALIGN_FIND_RING;   /* frames before this fell out of the ring */
            if (end >= 0 && gone > end) gone = end;
            if (f->cursor < gone) {   /* lost: what was searched is reported, the rest starts afresh */
                if (!begin) {
                    for (uint32_t k = 0; k < f->nphrases; k++) {
                        h7dec_flush(f->phrases[k].dec);
                        drain(f, k, s->base);
                    }
                }
                f->frames_lost += (uint32_t)(gone - f->cursor);
                f->cursor = gone;
                begin = 1;
            }
            if (begin) {   /* fresh decoders; hit times count from here */
                s->base = f->cursor;
                for (uint32_t k = 0; k < f->nphrases; k++) {
                    align_phrase_t *p = &f->phrases[k];
                    if (h7dec_init(&p->dec, &p->g, &f->cfg, f->workspace + p->ws_off, p->ws_size) != H7DEC_OK)
                        return fail(f, ALIGN_ERR_DECODER, "decoder init failed");
                }
            }
            int32_t stop = end < 0 ? f->frames - ALIGN_FIND_HOLD : end < f->frames ? end : f->frames;
            for (; f->cursor < stop; f->cursor++) {
                const int32_t *sc = f->ring[f->cursor % ALIGN_FIND_RING];
                for (uint32_t k = 0; k < f->nphrases; k++) {
                    if (h7dec_step(f->phrases[k].dec, sc) != H7DEC_OK)
                        return fail(f, ALIGN_ERR_DECODER, "decoder step failed");
                    drain(f, k, s->base);
                }
                f->frames_searched++;
            }
            if (end < 0 || f->cursor < end) return ALIGN_OK;   /* wait for more frames */
            for (uint32_t k = 0; k < f->nphrases; k++) {
                h7dec_flush(f->phrases[k].dec);
                drain(f, k, s->base);
            }
            f->cursor = -1;
        }
        memmove(&f->queue[0], &f->queue[1], (f->queued - 1) * sizeof f->queue[0]);
        f->queued--;
    }
    return ALIGN_OK;
}

int align_find_speech_start(align_find_t *f, int32_t start_ms)
{
    if (!f->nphrases) return ALIGN_OK;
    if (f->queued == ALIGN_FIND_QUEUE) {   /* the search is that far behind: this segment is not searched */
        f->segments_lost++;
        return ALIGN_OK;
    }
    int32_t first = start_ms / 20 - ALIGN_FIND_MARGIN;
    f->queue[f->queued].first = first < 0 ? 0 : first;
    f->queue[f->queued].end = -1;
    f->queued++;
    return ALIGN_OK;
}

int align_find_speech_end(align_find_t *f, int32_t end_ms)
{
    if (!f->queued || f->queue[f->queued - 1].end >= 0) return ALIGN_OK;   /* its start was not queued */
    f->queue[f->queued - 1].end = end_ms / 20 + ALIGN_FIND_MARGIN;
    return pump(f);
}

int align_find_frame(align_find_t *f, const int32_t *scores)
{
    if (!f->nphrases) return ALIGN_OK;
    memcpy(f->ring[f->frames % ALIGN_FIND_RING], scores, sizeof f->ring[0]);
    f->frames++;
    return pump(f);
}

int align_find_end(align_find_t *f)
{
    f->ended = 1;
    return pump(f);
}

int align_find_resume(align_find_t *f, int32_t frame)
{
    if (frame < f->frames) return fail(f, ALIGN_ERR_STATE, "the stream cannot resume before the frames received");
    f->ended = 1;   /* what waits is searched up to the gap */
    int st = pump(f);
    f->ended = 0;
    f->frames = f->resumed = frame;
    return st;
}
