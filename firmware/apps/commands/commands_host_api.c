/* The host build's entry points (libh7commands.so, loaded by tools/h7intent/engine.py through
 * h7voice.native): a recording's phone scores decoded against a context graph and decided by
 * the same cmd_decide / cmd_interpret / cmd_meaning_json the board runs. */
#include <stdlib.h>
#include <string.h>

#include "apps/commands/commands_intent.h"
#include "apps/commands/commands_listen.h"
#include "common/fmt.h"
#include "common/json.h"

size_t cmd_host_meaning_size(void) { return sizeof(cmd_meaning_t); }

/* The context's graph and the intent table beside it, checked against each other; false
 * with msg saying why. */
static bool load_context(h7dec_graph *g, cmd_table_t *t, const uint8_t *graph, size_t graph_size,
                         const uint8_t *table, size_t table_size, char *msg, size_t msg_cap)
{
    if (h7dec_graph_load(g, graph, graph_size, msg, msg_cap) != H7DEC_OK)
        return false;
    const char *problem = cmd_table_load(t, table, table_size, g, graph, graph_size);
    if (problem)
        h7_fmt(msg, msg_cap, "%s", problem);
    return problem == NULL;
}

/* Returns the intent index, -1 (not understood) or -2 (error: msg says why). json gets the
 * event line {"event":"intent","intent":...,"slots":{...},"score":...}. */
int cmd_host_decode(const uint8_t *graph, size_t graph_size, const uint8_t *table, size_t table_size,
                    const int32_t *scores, int frames, int ctc, int32_t beam, int32_t filler_penalty,
                    uint16_t max_active, uint16_t max_links, int32_t reject, char *json, size_t json_cap, char *msg,
                    size_t msg_cap)
{
    h7dec_graph g;
    cmd_table_t t;
    if (!load_context(&g, &t, graph, graph_size, table, table_size, msg, msg_cap))
        return -2;
    h7dec_config c;
    h7dec_config_default(&c, H7DEC_RECOGNIZE);
    c.ctc = (uint8_t)(ctc != 0);
    c.beam = beam;
    c.filler_penalty = filler_penalty;
    c.max_active = max_active;
    c.max_links = max_links;
    size_t n = h7dec_workspace_size(&g, &c);
    void *ws = n ? aligned_alloc(8, (n + 7) & ~(size_t)7) : NULL;
    h7dec *d = NULL;
    if (!ws || h7dec_init(&d, &g, &c, ws, n) != H7DEC_OK) {
        free(ws);
        h7_fmt(msg, msg_cap, "decoder workspace of %u bytes could not be set up", (unsigned)n);
        return -2;
    }
    for (int f = 0; f < frames; f++) {
        h7dec_status s = h7dec_step(d, scores + (size_t)f * H7DEC_PHONE_COUNT);
        if (s != H7DEC_OK) {
            free(ws);
            h7_fmt(msg, msg_cap, "h7dec_step at frame %d: %s", f, h7dec_status_name(s));
            return -2;
        }
    }
    static h7dec_segment segs[512];
    cmd_meaning_t m;
    int intent = cmd_decide(d, &t, &g, reject, segs, 512, &m);
    h7_json_t j;
    h7_json_begin(&j, json, json_cap, "intent");
    cmd_meaning_json(&j, &m);
    h7_json_end(&j);
    free(ws);
    return intent;
}

/* The utterance logic (commands_listen.c) over a recording's scores, with the VAD's state per
 * frame given (vad: bit 0 start, bit 1 end, bit 2 in speech): what the board would print,
 * as JSON event lines into out. wake_graph_size 0: push-to-talk. Returns the number of
 * events, or -1 (msg says why). */
int cmd_host_listen(const uint8_t *graph, size_t graph_size, const uint8_t *table, size_t table_size,
                    const uint8_t *wake_graph, size_t wake_size, const int32_t *scores, const uint8_t *vad,
                    int frames, int ctc, int32_t beam, int32_t filler_penalty, uint16_t max_active, uint16_t max_links,
                    int32_t reject,
                    int32_t wake_threshold, int32_t wake_beam, int32_t wake_filler_penalty, int32_t wake_accept,
                    int32_t wake_coverage_weight_q8, uint32_t max_frames, uint32_t wait_frames, uint32_t tail_frames,
                    char *out, size_t out_cap, char *msg, size_t msg_cap)
{
    h7dec_graph g, wg;
    cmd_table_t t;
    if (!load_context(&g, &t, graph, graph_size, table, table_size, msg, msg_cap))
        return -1;
    if (wake_size && h7dec_graph_load(&wg, wake_graph, wake_size, msg, msg_cap) != H7DEC_OK)
        return -1;
    h7dec_config c, cw, ca;
    h7dec_config_default(&c, H7DEC_RECOGNIZE);
    c.ctc = (uint8_t)(ctc != 0);
    c.beam = beam;
    c.filler_penalty = filler_penalty;
    c.max_active = max_active;
    cw = c;
    c.max_links = max_links;   /* the wake decoder keeps the default pool */
    cw.mode = H7DEC_SPOT;
    cw.spot_threshold = wake_threshold;
    cw.beam = wake_beam;
    cw.filler_penalty = wake_filler_penalty;
    ca = cw;
    ca.mode = H7DEC_ALIGN;
    size_t n = h7dec_workspace_size(&g, &c), nw = wake_size ? h7dec_workspace_size(&wg, &cw) : 0;
    size_t na = wake_size ? h7dec_workspace_size(&wg, &ca) : 0;
    void *ws = aligned_alloc(8, (n + 7) & ~(size_t)7), *wws = nw ? aligned_alloc(8, (nw + 7) & ~(size_t)7) : NULL;
    void *aws = na ? aligned_alloc(8, (na + 7) & ~(size_t)7) : NULL;
    static cmd_listener_t l;
    h7dec *d = NULL, *dw = NULL, *da = NULL;
    int count = 0;
    size_t used = 0;
    if (!ws || (nw && !wws) || (na && !aws) || h7dec_init(&d, &g, &c, ws, n) != H7DEC_OK ||
        (nw && h7dec_init(&dw, &wg, &cw, wws, nw) != H7DEC_OK) || (na && h7dec_init(&da, &wg, &ca, aws, na) != H7DEC_OK)) {
        h7_fmt(msg, msg_cap, "decoder setup failed");
        count = -1;
        goto done;
    }
    cmd_listen_config_t lc = {.wake_mode = (uint8_t)(wake_size != 0), .reject = reject, .max_frames = max_frames,
                              .wait_frames = wait_frames, .tail_frames = tail_frames,
                              .wake_check = {da, wake_accept, wake_coverage_weight_q8}};
    const char *problem = cmd_listen_init(&l, &lc, d, dw, &t, &g);
    if (problem) {
        h7_fmt(msg, msg_cap, "%s", problem);
        count = -1;
        goto done;
    }
    for (int f = 0; f < frames; f++) {
        int ev = cmd_listen_frame(&l, scores + (size_t)f * H7DEC_PHONE_COUNT, vad[f] & 1, (vad[f] >> 1) & 1,
                                  (vad[f] >> 2) & 1);
        if (ev < 0) {
            h7_fmt(msg, msg_cap, "frame %d: %s", f, h7dec_status_name((h7dec_status)-ev));
            count = -1;
            goto done;
        }
        if (ev != CMD_EV_WAKE && ev != CMD_EV_INTENT)
            continue;
        h7_json_t j;
        if (used + H7_JSON_LINE_MAX >= out_cap)
            break;
        h7_json_begin(&j, out + used, out_cap - used, ev == CMD_EV_WAKE ? "wake" : "intent");
        h7_json_int(&j, "frame", f);
        if (ev == CMD_EV_WAKE) {
            h7_json_int(&j, "start", l.wake_event.start);
            h7_json_int(&j, "end", l.wake_event.end);
            h7_json_float(&j, "score", l.wake_event.score / (double)H7DEC_SCORE_ONE, 2);
        } else {
            cmd_meaning_json(&j, &l.meaning);
            h7_json_int(&j, "start", l.start_frame);
        }
        used += h7_json_end(&j);
        count++;
    }
done:
    free(ws);
    free(wws);
    free(aws);
    return count;
}

/* The wake phrase alone over a recording's scores (h7voice wake, the benchmark): SPOT at the
 * first-look threshold, then the second look (cmd_wake_verify) over the same ring of scores
 * the image keeps, the events it accepts as [frame reported, start, end, score] rows (raw:
 * every spotted event with its verified score, INT32_MIN where it cannot be verified).
 * Returns the number of rows (at most max_events) or -1 (msg says why). */
int cmd_host_spot(const uint8_t *wake_graph, size_t wake_size, const int32_t *scores, int frames, int ctc,
                  int32_t threshold, int32_t beam, int32_t filler_penalty, int32_t accept, int32_t weight_q8, int raw,
                  int32_t *events, int max_events, char *msg, size_t msg_cap)
{
    h7dec_graph wg;
    if (h7dec_graph_load(&wg, wake_graph, wake_size, msg, msg_cap) != H7DEC_OK)
        return -1;
    h7dec_config cw, ca;
    h7dec_config_default(&cw, H7DEC_SPOT);
    cw.ctc = (uint8_t)(ctc != 0);
    cw.beam = beam;
    cw.filler_penalty = filler_penalty;
    cw.spot_threshold = threshold;
    ca = cw;
    ca.mode = H7DEC_ALIGN;
    size_t nw = h7dec_workspace_size(&wg, &cw), na = h7dec_workspace_size(&wg, &ca);
    void *wws = aligned_alloc(8, (nw + 7) & ~(size_t)7), *aws = aligned_alloc(8, (na + 7) & ~(size_t)7);
    static int32_t ring[CMD_RING_FRAMES][H7DEC_PHONE_COUNT];
    static int32_t ring_frame[CMD_RING_FRAMES];
    h7dec *dw = NULL, *da = NULL;
    int count = 0;
    if (!wws || !aws || h7dec_init(&dw, &wg, &cw, wws, nw) != H7DEC_OK || h7dec_init(&da, &wg, &ca, aws, na) != H7DEC_OK) {
        h7_fmt(msg, msg_cap, "decoder setup failed");
        count = -1;
        goto done;
    }
    cmd_wake_check_t check = {da, accept, weight_q8};
    for (uint32_t i = 0; i < CMD_RING_FRAMES; i++)
        ring_frame[i] = -1;
    for (int f = 0; f <= frames && count < max_events; f++) {
        if (f < frames) {
            const int32_t *row = scores + (size_t)f * H7DEC_PHONE_COUNT;
            memcpy(ring[(uint32_t)f % CMD_RING_FRAMES], row, sizeof ring[0]);
            ring_frame[(uint32_t)f % CMD_RING_FRAMES] = f;
            h7dec_status st = h7dec_step(dw, row);
            if (st != H7DEC_OK) {
                h7_fmt(msg, msg_cap, "frame %d: %s", f, h7dec_status_name(st));
                count = -1;
                goto done;
            }
        } else {
            h7dec_flush(dw); /* the end of the recording: a pending event is reported */
        }
        h7dec_event e;
        while (count < max_events && h7dec_event_pop(dw, &e)) {
            int32_t v = cmd_wake_verify(&check, &e, (const int32_t (*)[H7DEC_PHONE_COUNT])ring, ring_frame,
                                        CMD_RING_FRAMES);
            if (!raw && (v == INT32_MIN || v < accept))
                continue;
            int32_t *row = events + 4 * count++;
            row[0] = f < frames ? f : frames - 1;
            row[1] = e.start;
            row[2] = e.end;
            row[3] = v;
        }
    }
done:
    free(wws);
    free(aws);
    return count;
}

/* A decoded path's segments (h7dec_best's) read by cmd_interpret: json gets
 * {"event":"intent","intent":...,"slots":{...},"score":0}. Returns the intent index, -1, or
 * -2 (msg says why). */
int cmd_host_interpret(const uint8_t *graph, size_t graph_size, const uint8_t *table, size_t table_size,
                       const h7dec_segment *segs, int n, char *json, size_t json_cap, char *msg, size_t msg_cap)
{
    h7dec_graph g;
    cmd_table_t t;
    if (!load_context(&g, &t, graph, graph_size, table, table_size, msg, msg_cap))
        return -2;
    cmd_meaning_t m;
    memset(&m, 0, sizeof m);
    int intent = cmd_interpret(&t, &g, segs, n, &m);
    h7_json_t j;
    h7_json_begin(&j, json, json_cap, "intent");
    cmd_meaning_json(&j, &m);
    h7_json_end(&j);
    return intent;
}
