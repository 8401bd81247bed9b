/* libFuzzer target over search-graph bytes (host build, ASan + UBSan).
 *
 * Input: [4-byte little-endian graph length L][L graph bytes][frame bytes...]. The graph
 * goes through h7dec_graph_load from an exact-size heap copy (so ASan sees any read past
 * its end); when it is accepted, the decoder runs over frames made from the remaining bytes
 * in the mode and blank setting picked by the length's top byte. A refused graph must come
 * with a message; any crash, hang or sanitizer report is a bug.
 *
 *   build/host/firmware/speech/decoder/fuzz_h7dec -max_total_time=20 CORPUS_DIR
 *   (seeds and runner: python -m h7speech fuzz)
 */
#include <stdlib.h>
#include <string.h>

#include "speech/decoder/h7dec.h"

static uint8_t ws[1 << 21] __attribute__((aligned(8)));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    uint32_t len = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16;
    size_t gsize = size - 4 < len ? size - 4 : len;
    uint8_t *graph = malloc(gsize ? gsize : 1);
    if (!graph) return 0;
    memcpy(graph, data + 4, gsize);
    const uint8_t *in = data + 4 + gsize;
    size_t in_size = size - 4 - gsize;
    h7dec_graph g;
    char msg[160];
    h7dec_status s = h7dec_graph_load(&g, graph, gsize, msg, sizeof msg);
    if (s != H7DEC_OK) {
        if (msg[0] == '\0') abort();   /* every refusal names its problem */
        free(graph);
        return 0;
    }
    h7dec_config cfg;
    h7dec_config_default(&cfg, (h7dec_mode)(data[3] % 3));
    cfg.ctc = (data[3] >> 2) & 1;
    if (data[3] & 8) cfg.max_links = (uint16_t)(g.node_count + 2 + (data[3] >> 4));
    if (data[3] & 8) cfg.out_capacity = 2;
    cfg.max_active = (data[3] & 16) ? (uint16_t)(1 + (size & 7u)) : 0;   /* histogram pruning, tiny caps */
    size_t need = h7dec_workspace_size(&g, &cfg);
    h7dec *d;
    if (need && need <= sizeof ws && h7dec_init(&d, &g, &cfg, ws, need) == H7DEC_OK) {
        int32_t scores[H7DEC_PHONE_COUNT];
        int8_t q[H7DEC_PHONE_COUNT];
        size_t frames = in_size / 8 + 1;
        for (size_t t = 0; t < frames && t < 400; t++) {
            for (int p = 0; p < H7DEC_PHONE_COUNT; p++) q[p] = (int8_t)(in_size ? in[(t * 7 + (size_t)p) % in_size] : p);
            h7dec_scores_i8(q, H7DEC_PHONE_COUNT, 0.125f, 127, scores);
            if (h7dec_step(d, scores) != H7DEC_OK) break;
            h7dec_segment seg;
            h7dec_event ev;
            if (t & 1) while (h7dec_pop(d, &seg)) {}
            while (h7dec_event_pop(d, &ev)) {}
        }
        h7dec_flush(d);
        h7dec_result r;
        h7dec_segment segs[16];
        h7dec_best(d, &r, segs, 16);
        for (uint32_t w = 0; w < g.word_count; w++) {
            uint32_t n;
            const char *text = h7dec_graph_word(&g, w, &n);
            if (!text || (n && text[n - 1] == '\xff' && text[0] == '\xfe')) continue;
        }
    }
    free(graph);
    return 0;
}
