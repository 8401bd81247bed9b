#include "apps/commands/commands_listen.h"

#include <limits.h>
#include <string.h>

#define VERIFY_SEGMENTS 48

int32_t cmd_wake_verify(const cmd_wake_check_t *w, const h7dec_event *ev, const int32_t (*rows)[H7DEC_PHONE_COUNT],
                        const int32_t *ring_frame, uint32_t ring_frames)
{
    if (!w->align || ev->end <= ev->start)
        return INT32_MIN;
    for (int32_t f = ev->start; f < ev->end; f++)
        if (f < 0 || ring_frame[(uint32_t)f % ring_frames] != f)
            return INT32_MIN;  /* older than the ring: too long for the phrase */
    if (h7dec_reset(w->align) != H7DEC_OK)
        return INT32_MIN;
    h7dec_segment segs[VERIFY_SEGMENTS];
    int n = 0;
    for (int32_t f = ev->start; f < ev->end; f++) {
        if (h7dec_step(w->align, rows[(uint32_t)f % ring_frames]) != H7DEC_OK)
            return INT32_MIN;
        while (n < VERIFY_SEGMENTS && h7dec_pop(w->align, &segs[n]))
            n++;
    }
    h7dec_result r;
    int more = h7dec_best(w->align, &r, n < VERIFY_SEGMENTS ? &segs[n] : NULL, VERIFY_SEGMENTS - n);
    if (more < 0 || !r.reached_final)
        return INT32_MIN;
    n += more < VERIFY_SEGMENTS - n ? more : VERIFY_SEGMENTS - n;
    int64_t coverage = 0;
    for (int i = 0; i < n; i++) {
        uint8_t ph = segs[i].phone;
        if (ph == H7DEC_NULL_PHONE || ph == H7DEC_PHONE_SIL || segs[i].end <= segs[i].start)
            continue;
        int32_t best = INT32_MIN;
        for (int32_t t = segs[i].start; t < segs[i].end; t++) {
            const int32_t *row = rows[(uint32_t)(ev->start + t) % ring_frames];
            int32_t top = row[1];
            for (int k = 2; k < H7DEC_PHONE_COUNT; k++)   /* the best phone, blank excluded */
                if (row[k] > top)
                    top = row[k];
            if (row[ph] - top > best)
                best = row[ph] - top;
        }
        coverage += best;
    }
    int64_t v = (int64_t)ev->score + coverage * w->coverage_weight_q8 / 256;
    return v < INT32_MIN + 1 ? INT32_MIN + 1 : v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

const char *cmd_listen_init(cmd_listener_t *l, const cmd_listen_config_t *c, h7dec *intent, h7dec *wake,
                            const cmd_table_t *table, const h7dec_graph *graph)
{
    memset(l, 0, sizeof *l);
    if (!intent || !table || !graph)
        return "the intent decoder, context table and graph are needed";
    if (c->wake_mode && !wake)
        return "wake mode needs the wake phrase's decoder";
    if (c->max_frames == 0)
        return "max_frames must be positive";
    l->config = *c;
    l->intent = intent;
    l->wake = wake;
    l->table = table;
    l->graph = graph;
    for (uint32_t i = 0; i < CMD_RING_FRAMES; i++)
        l->ring_frame[i] = -1;
    return NULL;
}

static int feed(cmd_listener_t *l, const int32_t *scores)
{
    l->count++;
    return (int)h7dec_step(l->intent, scores);
}

/* starts a command with the ring's frames from `from` on (the current frame is in the ring) */
static int begin(cmd_listener_t *l, int32_t from)
{
    h7dec_status s = h7dec_reset(l->intent);
    if (s != H7DEC_OK)
        return -(int)s;
    l->state = CMD_LISTENING;
    l->count = 0;
    l->start_frame = -1;
    for (int32_t f = l->frame - (int32_t)CMD_PREROLL_FRAMES + 1; f <= l->frame; f++) {
        if (f < 0 || f < from)
            continue;
        uint32_t k = (uint32_t)f % CMD_RING_FRAMES;
        if (l->ring_frame[k] != f)
            continue;
        if (l->start_frame < 0)
            l->start_frame = f;
        s = (h7dec_status)feed(l, l->ring[k]);
        if (s != H7DEC_OK)
            return -(int)s;
    }
    l->commands++;
    return CMD_EV_LISTEN;
}

/* The wake decoder counts frames from its reset: the next frame it is given is its 0. */
static int restart_wake(cmd_listener_t *l)
{
    l->wake_origin = l->frame + 1;
    h7dec_status s = h7dec_reset(l->wake);
    return s == H7DEC_OK ? 0 : -(int)s;
}

int cmd_listen_restart_wake(cmd_listener_t *l)
{
    if (!l->wake)
        return 0;
    l->wake_origin = l->frame; /* called between frames: the next one is l->frame */
    h7dec_status s = h7dec_reset(l->wake);
    return s == H7DEC_OK ? 0 : -(int)s;
}

static int finish(cmd_listener_t *l)
{
    l->end_frame = l->frame + 1;
    cmd_decide(l->intent, l->table, l->graph, l->config.reject, l->segments, CMD_MAX_SEGMENTS, &l->meaning);
    if (l->meaning.intent >= 0)
        l->understood++;
    l->state = CMD_IDLE;
    if (l->wake) {
        int r = restart_wake(l);   /* the command is not a wake phrase */
        if (r < 0)
            return r;
    }
    return CMD_EV_INTENT;
}

static int frame(cmd_listener_t *l, const int32_t *scores, int vad_start, int vad_end, int in_speech)
{
    uint32_t k = (uint32_t)l->frame % CMD_RING_FRAMES;
    memcpy(l->ring[k], scores, sizeof l->ring[k]);
    l->ring_frame[k] = l->frame;
    int ev = CMD_EV_NONE;
    h7dec_status s;
    switch (l->state) {
    case CMD_IDLE:
        if (l->config.wake_mode) {
            if ((s = h7dec_step(l->wake, scores)) != H7DEC_OK)
                return -(int)s;
            h7dec_event e;
            int heard = 0;
            while (!heard && h7dec_event_pop(l->wake, &e)) {
                e.start += l->wake_origin;
                e.end += l->wake_origin;
                if (l->config.wake_check.align) {
                    int32_t v = cmd_wake_verify(&l->config.wake_check, &e, (const int32_t (*)[H7DEC_PHONE_COUNT])l->ring,
                                                l->ring_frame, CMD_RING_FRAMES);
                    if (v == INT32_MIN || v < l->config.wake_check.accept) {
                        l->wakes_refused++;
                        continue;
                    }
                    e.score = v;
                }
                heard = 1;
            }
            if (heard) {
                l->wake_event = e;
                l->wakes++;
                l->countdown = l->config.wait_frames;
                l->state = CMD_WAITING;
                /* the VAD still in the phrase's speech: its tail, not a command (yet) */
                l->wake_tail = in_speech ? 1u : 0u;
                ev = CMD_EV_WAKE;
            }
        } else if (vad_start) {
            return begin(l, l->frame - (int32_t)CMD_PREROLL_FRAMES + 1);
        }
        break;
    case CMD_WAITING:
        if (l->wake_tail) {
            if (!in_speech || vad_end) {
                l->wake_tail = 0;            /* the phrase's speech ended: wait for the next */
            } else if (++l->wake_tail > CMD_WAKE_TAIL_MAX_FRAMES) {
                l->wake_tail = 0;            /* said without a pause: the command began at */
                return begin(l, l->wake_event.end);   /* the phrase's end */
            }
        } else if (vad_start || in_speech) {
            return begin(l, l->wake_event.end);
        }
        if (l->countdown == 0 || --l->countdown == 0) {
            l->start_frame = l->end_frame = l->frame;
            memset(&l->meaning, 0, sizeof l->meaning);
            l->meaning.intent = -1;
            l->commands++;
            l->state = CMD_IDLE;
            if (l->wake) {                   /* the frames of the wait were not spotted */
                int r = restart_wake(l);
                if (r < 0)
                    return r;
            }
            return CMD_EV_INTENT;            /* nothing was said after the wake phrase */
        }
        break;
    case CMD_LISTENING:
        if ((s = (h7dec_status)feed(l, scores)) != H7DEC_OK)
            return -(int)s;
        if (vad_end || !in_speech) {
            l->state = CMD_ENDING;
            l->countdown = l->config.tail_frames;
            if (l->countdown == 0)
                return finish(l);
        } else if (l->count >= l->config.max_frames) {
            return finish(l);
        }
        break;
    case CMD_ENDING:
        if ((s = (h7dec_status)feed(l, scores)) != H7DEC_OK)
            return -(int)s;
        if (--l->countdown == 0 || l->count >= l->config.max_frames)
            return finish(l);
        break;
    }
    return ev;
}

int cmd_listen_frame(cmd_listener_t *l, const int32_t *scores, int vad_start, int vad_end, int in_speech)
{
    int r = frame(l, scores, vad_start, vad_end, in_speech);
    l->frame++;
    return r;
}
