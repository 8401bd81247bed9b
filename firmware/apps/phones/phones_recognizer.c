/* Phone scores -> phone segments; see phones_recognizer.h. */
#include "apps/phones/phones_recognizer.h"

#include <string.h>

#include "apps/phones/phones_config.h"

#define FNV_OFFSET 2166136261u

static void loop_config(h7dec_config *c)
{
    h7dec_config_default(c, H7DEC_ALIGN);
    c->ctc = 0;
}

size_t phones_recognizer_workspace_size(const void *graph_data, size_t graph_size, int ctc)
{
    h7dec_graph g;
    if (ctc || h7dec_graph_load(&g, graph_data, graph_size, NULL, 0) != H7DEC_OK)
        return 0;
    h7dec_config c;
    loop_config(&c);
    return h7dec_workspace_size(&g, &c);
}

void phones_recognizer_reset(phones_recognizer_t *r)
{
    h7dec_greedy_init(&r->greedy);
    r->run_phone = H7DEC_PHONE_BLANK;
    r->run_start = 0;
    r->run_score = 0;
    r->frames = 0;
    r->digest = FNV_OFFSET;
    r->segments = 0;
    if (r->dec)
        h7dec_reset(r->dec);
}

h7dec_status phones_recognizer_init(phones_recognizer_t *r, int ctc, const void *graph_data, size_t graph_size,
                                    const char *model_phoneset, uint32_t model_hash, int model_outputs,
                                    void *workspace, size_t workspace_size, phones_segment_fn emit,
                                    void *user, char *msg, size_t msg_size)
{
    memset(r, 0, sizeof(*r));
    r->ctc = ctc ? 1u : 0u;
    r->emit = emit;
    r->user = user;
    h7dec_status s = h7dec_graph_load(&r->graph, graph_data, graph_size, msg, msg_size);
    if (s != H7DEC_OK)
        return s;
    s = h7dec_graph_check_model(&r->graph, model_phoneset, model_hash, model_outputs, msg, msg_size);
    if (s != H7DEC_OK)
        return s;
    if (!r->ctc) {
        h7dec_config c;
        loop_config(&c);
        size_t need = h7dec_workspace_size(&r->graph, &c);
        if (need == 0 || need > workspace_size) {
            if (msg && msg_size)
                strncpy(msg, "decoder workspace too small for the phone-loop graph", msg_size - 1), msg[msg_size - 1] = 0;
            return H7DEC_ERR_WORKSPACE;
        }
        s = h7dec_init(&r->dec, &r->graph, &c, workspace, need);
        if (s != H7DEC_OK) {
            if (msg && msg_size)
                strncpy(msg, "h7dec_init refused the phone-loop graph", msg_size - 1), msg[msg_size - 1] = 0;
            return s;
        }
    }
    phones_recognizer_reset(r);
    return H7DEC_OK;
}

static void report(phones_recognizer_t *r, int32_t start, int32_t end, int32_t score, int phone)
{
    phones_segment_t seg = {start, end, score, (uint8_t)phone, {0, 0, 0}};
    r->segments++;
    if (r->emit)
        r->emit(r->user, &seg);
}

static void drain(phones_recognizer_t *r)
{
    h7dec_segment s;
    while (h7dec_pop(r->dec, &s))
        if (s.phone != H7DEC_NULL_PHONE)
            report(r, s.start, s.end, s.score, s.phone);
}

h7dec_status phones_recognizer_step(phones_recognizer_t *r, const int32_t *scores)
{
    for (int k = 0; k < H7DEC_PHONE_COUNT; k++)
        for (int b = 0; b < 4; b++)
            r->digest = (r->digest ^ (((uint32_t)scores[k] >> (8 * b)) & 0xFFu)) * 16777619u;
    int32_t t = r->frames++;
    if (r->ctc) {
        int before = r->greedy.last;
        h7dec_greedy_step(&r->greedy, scores);
        int now = r->greedy.last;
        if (now != before) {
            if (r->run_phone != H7DEC_PHONE_BLANK)
                report(r, r->run_start, t, r->run_score, r->run_phone);
            r->run_phone = now;
            r->run_start = t;
            r->run_score = scores[now];
        } else {
            r->run_score += scores[now];
        }
        return H7DEC_OK;
    }
    h7dec_status s = h7dec_step(r->dec, scores);
    if (s == H7DEC_OK)
        drain(r);
    return s;
}

h7dec_status phones_recognizer_finish(phones_recognizer_t *r)
{
    if (r->ctc) {
        if (r->run_phone != H7DEC_PHONE_BLANK)
            report(r, r->run_start, r->frames, r->run_score, r->run_phone);
        r->run_phone = H7DEC_PHONE_BLANK;
        return H7DEC_OK;
    }
    if (r->frames == 0)
        return H7DEC_OK;
    drain(r);
    /* the rest of the best path, not yet committed (h7dec_best skips what was popped) */
    h7dec_segment segs[64];
    h7dec_result res;
    int n = h7dec_best(r->dec, &res, segs, (int)(sizeof segs / sizeof segs[0]));
    if (n < 0)
        return H7DEC_ERR_STATE;
    if (n > (int)(sizeof segs / sizeof segs[0]))
        return H7DEC_ERR_FULL;
    for (int i = 0; i < n; i++)
        if (segs[i].phone != H7DEC_NULL_PHONE)
            report(r, segs[i].start, segs[i].end, segs[i].score, segs[i].phone);
    return H7DEC_OK;
}
