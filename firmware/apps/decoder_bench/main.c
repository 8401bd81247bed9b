/* decoder_bench: the h7dec decoder on the board.
 *
 * At boot: loads the embedded 300-word graph, decodes 150 frames (3 s) of fixed int8
 * posteriors in RECOGNIZE mode, and prints one {"event":"decoder_bench",...} line: DWT
 * counts (graph load, all frames, the slowest frame), workspace bytes, and an FNV-1a digest
 * of the result that python -m h7speech.bench compares with the host build.
 */
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "platform/platform.h"
#include "speech/decoder/h7dec.h"

#define VERSION "0.1.0"
#define WORKSPACE_BYTES (64 * 1024)

extern const uint32_t bench_graph_bytes;
extern const uint8_t bench_graph[];
extern const int8_t bench_frames[][H7DEC_PHONE_COUNT];
extern const float bench_scale;
extern const int32_t bench_zero_point;

static uint8_t workspace[WORKSPACE_BYTES] __attribute__((aligned(8)));
static h7dec_segment segs[32];

static void print_line(const char *text)
{
    h7_console_write(text, strlen(text));
    h7_console_write("\n", 1);
    h7_console_flush();
}

static void emit_error(const char *message)
{
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "decoder_error");
    h7_json_str(&j, "message", message);
    h7_json_emit(&j);
    h7_console_flush();
}

static uint32_t fnv(uint32_t h, int32_t v)
{
    for (int i = 0; i < 4; i++) h = (h ^ (((uint32_t)v >> (8 * i)) & 0xFFu)) * 16777619u;
    return h;
}

static void idle(void)
{
    for (;;) h7_sleep();
}

int main(void)
{
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_platform_init(H7_OPP_480);
    print_line("h7voice decoder_bench " VERSION);
    h7_json_begin(&j, line, sizeof line, "boot");
    h7_json_str(&j, "app", "decoder_bench");
    h7_json_str(&j, "version", VERSION);
    h7_json_emit(&j);
    h7dec_graph g;
    char msg[160];
    uint32_t t0 = h7_cycles();
    h7dec_status s = h7dec_graph_load(&g, bench_graph, bench_graph_bytes, msg, sizeof msg);
    uint32_t load = h7_cycles() - t0;
    if (s != H7DEC_OK) {
        emit_error(msg);
        idle();
    }
    h7dec_config cfg;
    h7dec_config_default(&cfg, H7DEC_RECOGNIZE);
    size_t need = h7dec_workspace_size(&g, &cfg);
    h7dec *d;
    if (need > sizeof workspace || h7dec_init(&d, &g, &cfg, workspace, need) != H7DEC_OK) {
        snprintf(msg, sizeof msg, "workspace %lu bytes, have %lu", (unsigned long)need,
                 (unsigned long)sizeof workspace);
        emit_error(msg);
        idle();
    }
    int32_t scores[H7DEC_PHONE_COUNT];
    uint32_t total = 0, worst = 0;
    for (int t = 0; t < 150; t++) {
        uint32_t a = h7_cycles();
        h7dec_scores_i8(bench_frames[t], H7DEC_PHONE_COUNT, bench_scale, bench_zero_point, scores);
        s = h7dec_step(d, scores);
        uint32_t c = h7_cycles() - a;
        total += c;
        if (c > worst) worst = c;
        if (s != H7DEC_OK) break;
    }
    h7dec_result r;
    int n = h7dec_best(d, &r, segs, 32);
    uint32_t h = 2166136261u;
    h = fnv(h, r.score);
    h = fnv(h, r.confidence);
    h = fnv(h, r.reached_final);
    for (int i = 0; i < n && i < 32; i++) {
        h = fnv(h, segs[i].start);
        h = fnv(h, segs[i].end);
        h = fnv(h, segs[i].score);
        h = fnv(h, segs[i].node);
    }
    h7dec_stats st;
    h7dec_get_stats(d, &st);
    char digest[9];
    snprintf(digest, sizeof digest, "%08lx", (unsigned long)h);
    h7_json_begin(&j, line, sizeof line, "decoder_bench");
    h7_json_int(&j, "status", (int)s);
    h7_json_uint(&j, "nodes", g.node_count);
    h7_json_uint(&j, "cycles_load", load);
    h7_json_uint(&j, "cycles_steps", total);
    h7_json_uint(&j, "cycles_max_frame", worst);
    h7_json_uint(&j, "workspace_bytes", need);
    h7_json_int(&j, "active_max", st.active_max);
    h7_json_int(&j, "segments", n);
    h7_json_str(&j, "digest", digest);
    h7_json_emit(&j);
    h7_console_flush();
    idle();
    return 0;
}
