/* The host build's entry points (libh7commands.so, loaded by tools/h7intent/engine.py through
 * h7voice.native): a recording's phone scores decoded against a context graph and decided by
 * the same cmd_decide / cmd_interpret / cmd_meaning_json the board runs. */
#include <stdlib.h>
#include <string.h>

#include "apps/commands/commands_intent.h"
#include "common/fmt.h"
#include "common/json.h"

size_t cmd_host_meaning_size(void) { return sizeof(cmd_meaning_t); }

/* Returns the intent index, -1 (not understood) or -2 (error: msg says why). json gets the
 * event line {"event":"intent","intent":...,"slots":{...},"score":...}. */
int cmd_host_decode(const uint8_t *graph, size_t graph_size, const uint8_t *table, size_t table_size,
                    const int32_t *scores, int frames, int ctc, int32_t beam, int32_t filler_penalty,
                    uint16_t max_active, int32_t reject, char *json, size_t json_cap, char *msg, size_t msg_cap)
{
    h7dec_graph g;
    cmd_table_t t;
    if (h7dec_graph_load(&g, graph, graph_size, msg, msg_cap) != H7DEC_OK)
        return -2;
    const char *problem = cmd_table_load(&t, table, table_size, &g, graph, graph_size);
    if (problem) {
        h7_fmt(msg, msg_cap, "%s", problem);
        return -2;
    }
    h7dec_config c;
    h7dec_config_default(&c, H7DEC_RECOGNIZE);
    c.ctc = (uint8_t)(ctc != 0);
    c.beam = beam;
    c.filler_penalty = filler_penalty;
    c.max_active = max_active;
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
