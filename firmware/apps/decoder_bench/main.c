/* decoder_bench: the h7dec decoder on the board.
 *
 * At boot: loads the embedded 300-word graph, decodes 150 frames (3 s) of fixed int8
 * posteriors in RECOGNIZE mode, and prints one {"event":"decoder_bench",...} line: DWT
 * counts (graph load, all frames, the slowest frame), workspace bytes, and an FNV-1a digest
 * of the result that python -m h7speech.bench compares with the host build.
 */
#include <stdio.h>
#include <string.h>

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
    char line[320];
    h7_platform_init(H7_OPP_480);
    print_line("h7voice decoder_bench " VERSION);
    print_line("{\"event\":\"boot\",\"app\":\"decoder_bench\",\"version\":\"" VERSION "\"}");
    h7dec_graph g;
    char msg[160];
    uint32_t t0 = h7_cycles();
    h7dec_status s = h7dec_graph_load(&g, bench_graph, bench_graph_bytes, msg, sizeof msg);
    uint32_t load = h7_cycles() - t0;
    if (s != H7DEC_OK) {
        snprintf(line, sizeof line, "{\"event\":\"decoder_error\",\"message\":\"%s\"}", msg);
        print_line(line);
        idle();
    }
    h7dec_config cfg;
    h7dec_config_default(&cfg, H7DEC_RECOGNIZE);
    size_t need = h7dec_workspace_size(&g, &cfg);
    h7dec *d;
    if (need > sizeof workspace || h7dec_init(&d, &g, &cfg, workspace, need) != H7DEC_OK) {
        snprintf(line, sizeof line, "{\"event\":\"decoder_error\",\"message\":\"workspace %lu bytes, have %lu\"}",
                 (unsigned long)need, (unsigned long)sizeof workspace);
        print_line(line);
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
    snprintf(line, sizeof line,
             "{\"event\":\"decoder_bench\",\"status\":%d,\"nodes\":%lu,\"cycles_load\":%lu,\"cycles_steps\":%lu,"
             "\"cycles_max_frame\":%lu,\"workspace_bytes\":%lu,\"active_max\":%ld,\"segments\":%d,"
             "\"digest\":\"%08lx\"}",
             (int)s, (unsigned long)g.node_count, (unsigned long)load, (unsigned long)total, (unsigned long)worst,
             (unsigned long)need, (long)st.active_max, n, (unsigned long)h);
    print_line(line);
    idle();
    return 0;
}
