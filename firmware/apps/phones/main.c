/* Phone recognizer firmware: microphone to phone segments (see README.md).
 *
 *   DMA half/full interrupt ──▶ sample ring ──▶ main loop, one 20 ms hop at a time
 *     ──▶ phones_pipeline_hop (front end ─▶ feature window ─▶ model ─▶ 41 scores)
 *     ──▶ phones_recognizer_step (h7dec: CTC greedy or the phone loop)
 *     ──▶ one "phone" event per recognized phone segment
 *   console: 'f' ends the utterance (the rest of the segments + a phones_utterance line
 *   with the digest of every score), 's' a phones_stats line.
 *
 * Runs at 480 MHz (the budget: at most 25% of the core, 2.4 M cycles per 20 ms hop,
 * front end + model). Wiring only: the hop and the decoding are the portable
 * phones_pipeline.c / phones_recognizer.c that the host library runs too.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "apps/phones/phones_config.h"
#include "apps/phones/phones_model.h"
#include "apps/phones/phones_pipeline.h"
#include "apps/phones/phones_runner.h"
#include "apps/phones/phones_recognizer.h"
#include "common/fmt.h"
#include "common/json.h"
#include "engine/h7nn.h"
#include "platform/audio.h"
#include "platform/platform.h"

#define PHONES_VERSION "0.1.0"
#define STATS_PERIOD_MS 10000u
#define MAX_HOP 512u
#define WATCHDOG_MS 2000u

static const phones_model_t *model;
static h7nn_interpreter nn;
static phones_pipeline_t pipeline;
static phones_recognizer_t recognizer;
static uint8_t workspace[PHONES_DECODER_WORKSPACE_BYTES] __attribute__((aligned(8)));
static uint32_t next_stats_ms = STATS_PERIOD_MS;

/* cycles (DWT) per hop: front end (+ window copy + output conversion), model, decoder */
typedef struct {
    uint32_t hops, scored;
    uint64_t sum_fe, sum_model, sum_hop, sum_decode;
    uint32_t max_fe, max_model, max_hop, max_decode;
} hop_stats_t;
static hop_stats_t st;
static uint32_t hop_model_cycles;

static __attribute__((noreturn)) void fail(const char *what, const char *detail)
{
    h7_app_fail("phones", what, detail);
}

/* the model hop by hop: its stride-2 first layer streamed (phones_runner_run) */
static phones_runner_t phone_runner;
static uint8_t stream_state[PHONES_STREAM_STATE_BYTES] __attribute__((aligned(8)));

static const int8_t *run_model(void *user, int restart)
{
    (void)user;
    uint32_t start = h7_cycles();
    const int8_t *q = phones_runner_run(&phone_runner, restart);
    hop_model_cycles = h7_cycles() - start;
    return q;
}

static uint32_t frame_ms(int32_t frame)
{
    return (uint32_t)frame * pipeline.frame_ms;
}

static void emit_segment(void *user, const phones_segment_t *s)
{
    (void)user;
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "phone");
    h7_json_str(&j, "phone", h7dec_phone_name(s->phone));
    h7_json_int(&j, "start", s->start);
    h7_json_int(&j, "end", s->end);
    h7_json_uint(&j, "start_ms", frame_ms(s->start));
    h7_json_uint(&j, "end_ms", frame_ms(s->end));
    h7_json_int(&j, "score", s->score);
    h7_json_emit(&j);
}

static void end_utterance(void)
{
    h7dec_status s = phones_recognizer_finish(&recognizer);
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "phones_utterance");
    h7_json_int(&j, "frames", recognizer.frames);
    h7_json_uint(&j, "hops", st.hops);
    h7_json_uint(&j, "segments", recognizer.segments);
    h7_json_hex(&j, "digest", recognizer.digest);
    h7_json_str(&j, "status", h7dec_status_name(s));
    h7_json_emit(&j);
    phones_recognizer_reset(&recognizer);
}

static void emit_stats(const char *reason)
{
    h7audio_stats_t a;
    h7audio_get_stats(&a);
    char line[1024];
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "phones_stats");
    h7_json_str(&j, "reason", reason);
    h7_json_uint(&j, "audio_ms", phones_pipeline_now_ms(&pipeline));
    h7_json_uint(&j, "mhz", h7_clock_sysclk_hz() / 1000000u);
    uint32_t n = st.scored ? st.scored : 1u;
    const h7_json_uint_field_t fields[] = {
        {"hops", st.hops},
        {"scored", st.scored},
        {"hop_cycles_mean", (uint32_t)(st.sum_hop / n)},
        {"hop_cycles_max", st.max_hop},
        {"frontend_cycles_mean", (uint32_t)(st.sum_fe / n)},
        {"frontend_cycles_max", st.max_fe},
        {"model_cycles_mean", (uint32_t)(st.sum_model / n)},
        {"model_cycles_max", st.max_model},
        {"decode_cycles_mean", (uint32_t)(st.sum_decode / n)},
        {"decode_cycles_max", st.max_decode},
        {"arena_bytes", (uint32_t)h7nn_arena_used(&nn)},
        {"weights_bytes", (uint32_t)model->size},
        {"model_failures", pipeline.model_failures},
        {"clamped_features", pipeline.clamped},
        {"captured", a.captured},
        {"lost_overwritten", a.lost_overwritten},
        {"lost_ring_full", a.lost_ring_full},
        {"dropped_samples", a.dropped_samples},
        {"console_dropped", h7_console_dropped()},
    };
    h7_json_uints(&j, fields, sizeof fields / sizeof fields[0]);
    h7_json_emit(&j);
}

/* One hop: cycles of front end + model (the cycles_per_hop), decoder apart. Only hops
 * that scored a frame count (the model ran): the first lookahead hops have no model run. */
static void process_hop(const int16_t *samples)
{
    hop_model_cycles = 0;
    uint32_t start = h7_cycles();
    int r = phones_pipeline_hop(&pipeline, samples);
    uint32_t hop_cycles = h7_cycles() - start;
    st.hops++;
    if (r < 0)
        fail("model", h7nn_error(&nn));
    if (r == 0)
        return;
    uint32_t fe = hop_cycles - hop_model_cycles;
    st.scored++;
    st.sum_hop += hop_cycles;
    st.sum_fe += fe;
    st.sum_model += hop_model_cycles;
    if (hop_cycles > st.max_hop) st.max_hop = hop_cycles;
    if (fe > st.max_fe) st.max_fe = fe;
    if (hop_model_cycles > st.max_model) st.max_model = hop_model_cycles;
    uint32_t d0 = h7_cycles();
    h7dec_status s = phones_recognizer_step(&recognizer, pipeline.scores);
    uint32_t dc = h7_cycles() - d0; /* includes the events' formatting */
    st.sum_decode += dc;
    if (dc > st.max_decode) st.max_decode = dc;
    if (s != H7DEC_OK)
        fail("decoder", h7dec_status_name(s));
}

static void init(void)
{
    char msg[240];
    const char *stage, *why = h7nn_open_embedded(&nn, model->data, model->size, model->crc32, model->resolver,
                                                 model->arena, model->arena_bytes, &stage);
    if (why)
        fail(stage, why);
    h7nn_tensor in, out;
    h7nn_input(&nn, 0, &in);
    h7nn_output(&nn, 0, &out);
    if (in.type != H7NN_INT8 || out.type != H7NN_INT8)
        fail("model", "input and output must be int8");
    /* the graph against the model (phone set, output count) before anything runs */
    if (phones_recognizer_init(&recognizer, (int)model->ctc, model->graph, model->graph_bytes, model->phoneset,
                               model->phoneset_hash, (int)out.bytes, workspace, sizeof workspace, emit_segment,
                               NULL, msg, sizeof msg) != H7DEC_OK) {
        char detail[320];
        h7_fmt(detail, sizeof detail, "graph %s refused for model %s: %s", model->graph_name, model->name, msg);
        fail("graph", detail);
    }
    const char *problem = phones_runner_init(&phone_runner, &nn, stream_state, sizeof stream_state);
    if (problem)
        fail("model", problem);
    problem = phones_pipeline_open(&pipeline, model->frontend, model->window_frames, model->lookahead_frames,
                                   model->output_kind, &in, &out, run_model, NULL);
    if (problem)
        fail("pipeline", problem);
    if (pipeline.hop_samples > MAX_HOP)
        fail("frontend", "hop longer than 512 samples");
}

static void poll_console(void)
{
    int c;
    while ((c = h7_console_getc()) >= 0) {
        if (c == 's')
            emit_stats("request");
        else if (c == 'f')
            end_utterance();
    }
}

int main(void)
{
    model = phones_model_get();
    h7_platform_init(H7_OPP_480);
    char line[H7_JSON_LINE_MAX + 128];
    h7_fmt(line, sizeof line, "h7voice phones " PHONES_VERSION " (model %s, graph %s)\n", model->name,
           model->graph_name);
    h7_console_write(line, strlen(line));
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "boot");
    h7_json_str(&j, "app", "phones");
    h7_json_str(&j, "version", PHONES_VERSION);
    h7_json_str(&j, "model", model->name);
    h7_json_str(&j, "reset", h7_reset_cause());
    h7_json_emit(&j);
    h7_watchdog_start(WATCHDOG_MS);
    init();
    h7_json_begin(&j, line, sizeof line, "phones_ready");
    h7_json_uint(&j, "window_frames", model->window_frames);
    h7_json_uint(&j, "features", pipeline.features);
    h7_json_uint(&j, "lookahead_frames", model->lookahead_frames);
    h7_json_uint(&j, "outputs", pipeline.config.outputs);
    h7_json_str(&j, "decoder", model->ctc ? "ctc_greedy" : "phone_loop");
    h7_json_uint(&j, "frame_ms", pipeline.frame_ms);
    h7_json_uint(&j, "arena_bytes", h7nn_arena_used(&nn));
    h7_json_uint(&j, "weights_bytes", model->size);
    h7_json_uint(&j, "graph_nodes", recognizer.graph.node_count);
    h7_json_emit(&j);
    if (h7audio_start(PHONES_SAMPLE_RATE_HZ) != H7AUDIO_OK)
        fail("audio", "capture did not start");

    static int16_t hop[MAX_HOP];
    const uint32_t hop_samples = pipeline.hop_samples;
    for (;;) {
        if (h7audio_failed())
            fail("audio", "DMA errors kept coming after each capture restart");
        if (h7audio_available() >= hop_samples) {
            h7audio_read(hop, hop_samples);
            process_hop(hop);
            h7_watchdog_kick(); /* progress: one more hop */
            if (phones_pipeline_now_ms(&pipeline) >= next_stats_ms) {
                emit_stats("period");
                next_stats_ms = phones_pipeline_now_ms(&pipeline) + STATS_PERIOD_MS;
            }
            continue;
        }
        poll_console();
        h7_sleep();
    }
}
