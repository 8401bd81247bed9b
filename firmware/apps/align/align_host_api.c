/* The aligner core for the host tools (tools/h7align/core.py through h7voice.native): the
 * same C the align image runs, over a whole recording's scores. */
#include <string.h>

#include "align_core.h"
#include "align_find.h"

static align_t A;   /* ~100 KB: one alignment at a time, like the board */
static int32_t grid_step_ms = 20;
static uint32_t grid_min_frames = ALIGN_MIN_PHONE_FRAMES;
static uint8_t phone_frames[H7DEC_PHONE_COUNT];   /* 0: the grid's minimum */

/* the frame grid of the next align_host_run calls (align_set_grid); 0 or -1 */
int align_host_set_grid(int32_t step_ms, uint32_t min_phone_frames)
{
    if ((step_ms != 20 && step_ms != 10) || min_phone_frames < 1 || min_phone_frames > 8) return -1;
    grid_step_ms = step_ms;
    grid_min_frames = min_phone_frames;
    memset(phone_frames, 0, sizeof phone_frames);
    return 0;
}

/* one phone's minimum frames for the next runs (align_set_phone_frames; 0: the grid's) */
int align_host_set_phone_frames(int phone, uint32_t frames)
{
    if (phone < 1 || phone >= H7DEC_PHONE_COUNT || frames > 8) return -1;
    phone_frames[phone] = (uint8_t)frames;
    return 0;
}

typedef struct {
    align_phone_t *out;
    int max, n;
} collect_t;

static void on_phone(void *ctx, const align_phone_t *p)
{
    collect_t *c = ctx;
    if (c->n < c->max) c->out[c->n] = *p;
    c->n++;
}

int align_host_words(const char *text, size_t len, char *out, size_t out_size, uint16_t *offsets, int max_words,
                     char *msg, size_t msg_size)
{
    return align_text_normalise(text, len, out, out_size, offsets, max_words, msg, msg_size);
}

/* phones: every phone segment in order (pauses: word -1); returns their count or -1 with msg.
 * stats: windows, workspace_max, nodes_max, forced_commits, sizeof(align_t), pause_cuts. */
int align_host_run(const char *text, size_t len, const int32_t *scores, int frames, align_phone_t *phones,
                   int max_phones, char *msg, size_t msg_size, uint32_t *stats)
{
    collect_t c = {phones, max_phones, 0};
    align_reset(&A, NULL, on_phone, &c);
    int st = align_set_grid(&A, grid_step_ms, grid_min_frames);
    for (int p = 1; !st && p < H7DEC_PHONE_COUNT; p++)
        if (phone_frames[p]) st = align_set_phone_frames(&A, p, phone_frames[p]);
    if (!st) st = align_add_text(&A, text, len);
    if (!st) st = align_start(&A);
    for (int t = 0; !st && t < frames; t++) st = align_frame(&A, scores + (size_t)t * H7DEC_PHONE_COUNT);
    if (!st) st = align_end(&A);
    else A.started = 0;
    if (stats) {
        stats[0] = A.windows;
        stats[1] = A.workspace_max;
        stats[2] = A.nodes_max;
        stats[3] = A.forced_commits;
        stats[4] = (uint32_t)sizeof(align_t);
        stats[5] = A.pause_cuts;
    }
    if (st) {
        strncpy(msg, A.msg, msg_size - 1);
        msg[msg_size - 1] = 0;
        return -1;
    }
    return c.n > max_phones ? -1 : c.n;
}

int align_host_pronounce(const char *word, uint8_t *out, size_t out_size, int *used)
{
    return align_lex_pronounce(word, out, out_size, used);
}

uint32_t align_host_lexicon_bytes(void) { return align_lex_bytes(); }

/* the reporting convention's constant (align_core.h), for the host tools' frame <-> ms */
int32_t align_host_ref_offset_ms(void) { return ALIGN_REF_OFFSET_MS; }

/* ---- phrase search (align_find.h), for h7voice record --find ---- */
static align_find_t F;   /* ~47 KB: one search at a time, like the board */
static int32_t find_filler = 1;   /* > 0: ALIGN_FIND_FILLER_PENALTY */

/* the free phone loop's penalty per phone change for the next align_host_find calls (1/256
 * nat, <= 0; > 0: the board's ALIGN_FIND_FILLER_PENALTY): the benchmark's lever */
void align_host_find_set_filler(int32_t units) { find_filler = units; }

typedef struct {
    align_hit_t *out;
    int max, n;
} hits_t;

static void on_hit(void *ctx, const align_hit_t *h)
{
    hits_t *c = ctx;
    if (c->n < c->max) c->out[c->n] = *h;
    c->n++;
}

/* phrases: nphrases NUL-terminated strings one after the other; events: (1 speech_start |
 * 0 speech_end, ms) pairs of the detector in order, each given before the first frame it can
 * concern (the board gives them later, when the detector decides: the same hits while
 * nothing leaves the ring), or (2, frame): the stream resumes there after a gap (the board's
 * Stop; the frames before it are skipped); threshold < 0: the decoder's. Returns the hits (written up to
 * max_hits) or -1 with msg. stats: segments, frames_searched, frames_lost, segments_lost,
 * sizeof(align_find_t), workspace used. With no frames it checks the phrases only. */
static int32_t host_event_frame(const int32_t *ev) { return ev[0] == 2 ? ev[1] : ev[1] / 20; }

static int host_event(const int32_t *ev)
{
    return ev[0] == 2 ? align_find_resume(&F, ev[1]) : ev[0] ? align_find_speech_start(&F, ev[1])
                                                                : align_find_speech_end(&F, ev[1]);
}

int align_host_find(const char *phrases, int nphrases, int32_t threshold, const int32_t *events, int nevents,
                    const int32_t *scores, int frames, align_hit_t *hits, int max_hits, char *msg, size_t msg_size,
                    uint32_t *stats)
{
    hits_t c = {hits, max_hits, 0};
    align_find_reset(&F, threshold, on_hit, &c);
    if (find_filler <= 0) F.cfg.filler_penalty = find_filler;
    int st = ALIGN_OK;
    for (int k = 0; k < nphrases && !st; k++) {
        st = align_find_add(&F, phrases, strlen(phrases));
        phrases += strlen(phrases) + 1;
    }
    int e = 0;
    for (int t = 0; !st && t <= frames; t++) {
        for (; !st && e < nevents && host_event_frame(events + 2 * e) <= t; e++) {
            st = host_event(events + 2 * e);
            if (events[2 * e] == 2 && events[2 * e + 1] > t) t = events[2 * e + 1];   /* the gap's frames are skipped */
        }
        if (!st && t < frames) st = align_find_frame(&F, scores + (size_t)t * H7DEC_PHONE_COUNT);
    }
    for (; !st && e < nevents; e++) st = host_event(events + 2 * e);
    if (!st && frames) st = align_find_end(&F);
    if (stats) {
        stats[0] = F.segments;
        stats[1] = F.frames_searched;
        stats[2] = F.frames_lost;
        stats[3] = F.segments_lost;
        stats[4] = (uint32_t)sizeof(align_find_t);
        stats[5] = (uint32_t)F.ws_used;
    }
    if (st) {
        strncpy(msg, F.msg, msg_size - 1);
        msg[msg_size - 1] = 0;
        return -1;
    }
    return c.n;
}
