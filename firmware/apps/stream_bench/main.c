/* stream_bench: streaming inference (engine/h7nn_stream.h) on the board.
 *
 * At boot: the model, its arena and stream state; one full-window h7nn_invoke with per-op
 * DWT instruction counts; then, at the model's hop (STREAM_HOP_ROWS) and at 2x and 3x it, up
 * to 100 hops of a pseudo-random feature sequence (xorshift32 bytes), each run by
 * h7nn_stream_invoke (timed) and then by h7nn_invoke on the same window, the two outputs
 * compared byte for byte; per-op counts of one streamed hop. Events: stream_model,
 * stream_hops (per hop size: min / mean / max instructions per hop, the first (full) stream
 * call, mismatches), stream_op (full and hop instructions per op), stream_done. */
#include <stdio.h>
#include <string.h>

#include "apps/nn_bench/nn_console.h"
#include "engine/h7nn.h"
#include "engine/h7nn_stream.h"

#ifndef STREAM_MODEL_HEADER
#error "built by firmware/apps/stream_bench/SConscript (one image per model)"
#endif
#include STREAM_MODEL_HEADER

#define VERSION "0.1.0"
#define STATE_BUFFER_BYTES (48u * 1024u)   /* h7nn_stream_state_bytes must fit: checked at boot */
#define SEQUENCE_BYTES (12u * 1024u)
#define MAX_HOPS 100

static uint8_t arena[STREAM_ARENA_BYTES] __attribute__((aligned(16)));
static uint8_t state[STATE_BUFFER_BYTES] __attribute__((aligned(8)));
static int8_t sequence[SEQUENCE_BYTES];
static int8_t streamed[1024];
static h7nn_interpreter nn;
static h7nn_stream st;
static uint32_t op_start, hook_overhead, full_ops[STREAM_OP_COUNT], hop_ops[STREAM_OP_COUNT], *op_counts;

static void on_op(void *user, int index, const char *name, int begin) {
    (void)user;
    (void)name;
    uint32_t now = h7_cycles();
    if (begin) op_start = now;
    else if (index < STREAM_OP_COUNT) op_counts[index] = now - op_start - hook_overhead;
}

static void fail(const char *message) {
    nn_error(message);
    for (;;) h7_sleep();
}

/* HOPS hops of the sequence at hop_rows: each streamed (timed), then run in full on the same
 * window and compared; per-op counts of hop 2 at the model's own hop. */
static void run_hops(int hop_rows, uint32_t window, uint32_t row, uint32_t full) {
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7nn_tensor in, out;
    h7nn_input(&nn, 0, &in);
    h7nn_output(&nn, 0, &out);
    size_t need = h7nn_stream_state_bytes(&nn, hop_rows);
    if (need == 0 || h7nn_stream_init(&st, &nn, hop_rows, state, sizeof state) != H7NN_OK) {
        nn_error(h7nn_error(&nn));
        return;
    }
    uint32_t hops = (SEQUENCE_BYTES / row - window) / (uint32_t)hop_rows;
    if (hops > MAX_HOPS) hops = MAX_HOPS;
    uint32_t min = 0xFFFFFFFFu, max = 0, prime = 0, mismatches = 0;
    uint64_t sum = 0;
    const int profile = hop_rows == STREAM_HOP_ROWS;
    for (uint32_t h = 0; h <= hops; h++) {
        const int8_t *w = sequence + h * (uint32_t)hop_rows * row;
        memcpy(in.data, w, in.bytes);
        if (h == 2 && profile) {
            op_counts = hop_ops;
            h7nn_set_op_hook(&nn, on_op, NULL);
        }
        uint32_t t0 = h7_cycles();
        h7nn_status s = h7nn_stream_invoke(&st);
        uint32_t dt = h7_cycles() - t0 - hook_overhead;
        h7nn_set_op_hook(&nn, NULL, NULL);
        if (s != H7NN_OK) {
            nn_error(h7nn_error(&nn));
            return;
        }
        memcpy(streamed, out.data, out.bytes);
        if (h == 0) prime = dt;
        else if (h != 2 || !profile) {  /* that hop ran with the per-op hook */
            if (dt < min) min = dt;
            if (dt > max) max = dt;
            sum += dt;
        }
        /* the same window in full: the streamed output must be byte-equal */
        memcpy(in.data, w, in.bytes);
        if (h7nn_invoke(&nn) != H7NN_OK) {
            nn_error(h7nn_error(&nn));
            return;
        }
        if (memcmp(streamed, out.data, out.bytes) != 0) mismatches++;
    }
    uint32_t timed = hops - (profile && hops >= 2 ? 1u : 0u);
    h7_json_begin(&j, line, sizeof line, "stream_hops");
    h7_json_int(&j, "hop_rows", hop_rows);
    h7_json_uint(&j, "state_bytes", need);
    h7_json_int(&j, "streamed_ops", st.count);
    h7_json_int(&j, "first_streamed_op", st.first);
    h7_json_uint(&j, "full_instructions", full);
    h7_json_uint(&j, "first_call_instructions", prime);
    h7_json_uint(&j, "hops", hops);
    h7_json_uint(&j, "hop_min", min);
    h7_json_uint(&j, "hop_mean", timed ? (uint32_t)(sum / timed) : 0);
    h7_json_uint(&j, "hop_max", max);
    h7_json_uint(&j, "mismatches", mismatches);
    nn_emit(&j);
}

int main(void) {
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_platform_init(H7_OPP_480);
    nn_boot("stream_bench", VERSION);
    const char *stage;
    const char *why = h7nn_open_embedded(&nn, STREAM_MODEL_DATA, sizeof STREAM_MODEL_DATA, STREAM_MODEL_CRC32,
                                         &STREAM_MODEL_RESOLVER, arena, sizeof arena, &stage);
    if (why) fail(why);
    size_t need = h7nn_stream_state_bytes(&nn, STREAM_HOP_ROWS);
    if (need == 0) fail(h7nn_error(&nn));
    h7nn_tensor in, out;
    h7nn_input(&nn, 0, &in);
    h7nn_output(&nn, 0, &out);
    if (out.bytes > sizeof streamed) fail("output larger than the bench's buffer");
    const uint32_t window = (uint32_t)in.dims[1], row = (uint32_t)(in.bytes / window);
    uint32_t seed = 1u;
    for (uint32_t i = 0; i < SEQUENCE_BYTES / row * row; i++) sequence[i] = (int8_t)(nn_xorshift32(&seed) >> 24);

    h7_json_begin(&j, line, sizeof line, "stream_model");
    h7_json_str(&j, "name", STREAM_MODEL_NAME);
    h7_json_uint(&j, "model_bytes", sizeof STREAM_MODEL_DATA);
    h7_json_uint(&j, "arena_used", h7nn_arena_used(&nn));
    h7_json_uint(&j, "state_bytes", need);
    h7_json_int(&j, "hop_rows", STREAM_HOP_ROWS);
    h7_json_uint(&j, "window_rows", window);
    h7_json_str(&j, "kernels", NN_KERNELS);
    nn_emit(&j);

    uint32_t a = h7_cycles(), b = h7_cycles();
    hook_overhead = b - a;
    /* the full window, per op */
    memcpy(in.data, sequence, in.bytes);
    uint32_t t0 = h7_cycles();
    if (h7nn_invoke(&nn) != H7NN_OK) fail(h7nn_error(&nn));
    uint32_t full = h7_cycles() - t0 - hook_overhead;
    op_counts = full_ops;
    h7nn_set_op_hook(&nn, on_op, NULL);
    h7nn_invoke(&nn);
    h7nn_set_op_hook(&nn, NULL, NULL);

    for (int k = 1; k <= 3; k++) run_hops(k * STREAM_HOP_ROWS, window, row, full);
    for (int i = 0; i < h7nn_op_count(&nn); i++) {
        h7_json_begin(&j, line, sizeof line, "stream_op");
        h7_json_int(&j, "index", i);
        h7_json_str(&j, "op", h7nn_op_name(&nn, i));
        h7_json_uint(&j, "full", full_ops[i]);
        h7_json_uint(&j, "hop", hop_ops[i]);
        nn_emit(&j);
    }
    h7_json_begin(&j, line, sizeof line, "stream_done");
    nn_emit(&j);
    for (;;) h7_sleep();
}
