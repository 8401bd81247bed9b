/* nn_bench: the h7nn engine on the board.
 *
 * At boot: one inference with per-op DWT instruction counts ({"event":"nn_op",...} lines,
 * then {"event":"nn_invoke",...} with the whole Invoke() count), then a check of 10
 * pseudo-random inputs. Console commands: "check SEED COUNT" runs COUNT inputs from the
 * xorshift32 generator seeded with SEED and prints an FNV-1a hash of all outputs, which
 * tools/h7nn compares with the same inputs run through TFLite Micro on the host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/line.h"
#include "engine/h7nn.h"

/* The build names the embedded model (SConscript): header and symbol prefix. */
#ifndef BENCH_MODEL_HEADER
#define BENCH_MODEL_HEADER "bench_model.h"
#define BENCH_MODEL_DATA h7nn_bench_model_data
#define BENCH_MODEL_RESOLVER h7nn_bench_resolver
#define BENCH_ARENA_BYTES H7NN_BENCH_ARENA_BYTES
#define BENCH_OP_COUNT H7NN_BENCH_OP_COUNT
#define BENCH_MODEL_NAME H7NN_BENCH_NAME
#define BENCH_MODEL_CRC32 H7NN_BENCH_MODEL_CRC32
#endif
#include BENCH_MODEL_HEADER
#include "platform/platform.h"

#define VERSION "0.1.0"

/* Exactly the arena the build-time plan asked for: allocate fails loudly if the plan is wrong. */
static uint8_t arena[BENCH_ARENA_BYTES] __attribute__((aligned(16)));
static h7nn_interpreter nn;

static uint32_t op_start, op_counts[BENCH_OP_COUNT], hook_overhead;

static void print_line(const char *text) {
    h7_console_write(text, strlen(text));
    h7_console_write("\n", 1);
    h7_console_flush();
}

static void on_op(void *user, int index, const char *name, int begin) {
    (void)user;
    (void)name;
    uint32_t now = h7_cycles();
    if (begin) op_start = now;
    else if (index < BENCH_OP_COUNT) op_counts[index] = now - op_start - hook_overhead;
}

static uint32_t xorshift32(uint32_t *state) {
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* Input i of a run: bytes are the top 8 bits of successive xorshift32 values. */
static void fill_input(h7nn_tensor *in, uint32_t *state) {
    int8_t *p = in->data;
    for (size_t i = 0; i < in->bytes; i++) p[i] = (int8_t)(xorshift32(state) >> 24);
}

static void check(uint32_t seed, uint32_t count) {
    char line[160];
    h7nn_tensor in, out;
    uint32_t state = seed ? seed : 1u, hash = 2166136261u;
    h7nn_input(&nn, 0, &in);
    h7nn_output(&nn, 0, &out);
    for (uint32_t n = 0; n < count; n++) {
        fill_input(&in, &state);
        if (h7nn_invoke(&nn) != H7NN_OK) {
            snprintf(line, sizeof line, "{\"event\":\"nn_error\",\"message\":\"%s\"}", h7nn_error(&nn));
            print_line(line);
            return;
        }
        const uint8_t *o = out.data;
        for (size_t i = 0; i < out.bytes; i++) hash = (hash ^ o[i]) * 16777619u;
    }
    snprintf(line, sizeof line, "{\"event\":\"nn_check\",\"seed\":%lu,\"count\":%lu,\"fnv1a\":\"%08lx\"}",
             (unsigned long)seed, (unsigned long)count, (unsigned long)hash);
    print_line(line);
}

static void profile(void) {
    char line[200];
    h7nn_tensor in;
    uint32_t state = 1u;
    uint32_t a = h7_cycles(), b = h7_cycles();
    hook_overhead = b - a;
    h7nn_input(&nn, 0, &in);
    fill_input(&in, &state);
    /* the whole Invoke() first, without the per-op hook */
    uint32_t t0 = h7_cycles();
    h7nn_invoke(&nn);
    uint32_t total = h7_cycles() - t0 - hook_overhead;
    fill_input(&in, &state);
    h7nn_set_op_hook(&nn, on_op, NULL);
    h7nn_invoke(&nn);
    h7nn_set_op_hook(&nn, NULL, NULL);
    for (int i = 0; i < h7nn_op_count(&nn); i++) {
        snprintf(line, sizeof line,
                 "{\"event\":\"nn_op\",\"index\":%d,\"op\":\"%s\",\"instructions\":%lu,\"scratch_bytes\":%lu}", i,
                 h7nn_op_name(&nn, i), (unsigned long)op_counts[i], (unsigned long)h7nn_scratch_bytes(&nn, i));
        print_line(line);
    }
    snprintf(line, sizeof line, "{\"event\":\"nn_invoke\",\"instructions\":%lu,\"ops\":%d}", (unsigned long)total,
             h7nn_op_count(&nn));
    print_line(line);
}

static void read_commands(void) {
    char cmd[64];
    h7_line_t line;
    h7_line_init(&line, cmd, sizeof cmd);
    for (;;) {
        int c = h7_console_getc();
        if (c < 0) {
            h7_sleep();
            continue;
        }
        if (h7_line_feed(&line, c) != H7_LINE_READY)
            continue;
        unsigned long seed, count;
        if (sscanf(cmd, "check %lu %lu", &seed, &count) == 2) check((uint32_t)seed, (uint32_t)count);
        else print_line("{\"event\":\"nn_error\",\"message\":\"unknown command\"}");
    }
}

int main(void) {
    char line[320];
    h7_platform_init(H7_OPP_480);
    print_line("h7voice nn_bench " VERSION " (h7nn engine, "
#ifdef H7NN_REFERENCE_KERNELS
               "reference kernels)"
#else
               "m7 kernels)"
#endif
    );
    print_line("{\"event\":\"boot\",\"app\":\"nn_bench\",\"version\":\"" VERSION "\"}");
    /* the model the image embeds, named for the report (python -m h7nn bench labels its
     * figures with it), and its integrity in flash */
    snprintf(line, sizeof line, "{\"event\":\"nn_embedded\",\"name\":\"%s\",\"crc32\":\"%08lx\"}",
             BENCH_MODEL_NAME, (unsigned long)BENCH_MODEL_CRC32);
    print_line(line);
    if (h7nn_model_verify_crc(BENCH_MODEL_DATA, sizeof BENCH_MODEL_DATA, BENCH_MODEL_CRC32) != H7NN_OK) {
        print_line("{\"event\":\"nn_error\",\"message\":\"model CRC-32 mismatch: the model in flash is corrupt\"}");
        read_commands();
    }
    uint32_t t0 = h7_cycles();
    h7nn_status s = h7nn_init(&nn, BENCH_MODEL_DATA, sizeof BENCH_MODEL_DATA, &BENCH_MODEL_RESOLVER, arena,
                              sizeof arena);
    if (s == H7NN_OK) s = h7nn_allocate(&nn);
    uint32_t setup = h7_cycles() - t0;
    if (s != H7NN_OK) {
        snprintf(line, sizeof line, "{\"event\":\"nn_error\",\"message\":\"%s\"}", h7nn_error(&nn));
        print_line(line);
        read_commands();
    }
    snprintf(line, sizeof line,
             "{\"event\":\"nn_model\",\"model_bytes\":%u,\"ops\":%d,\"arena_used\":%lu,\"arena_planned\":%u,"
             "\"setup_instructions\":%lu,\"kernels\":\"%s\"}",
             (unsigned)sizeof BENCH_MODEL_DATA, h7nn_op_count(&nn), (unsigned long)h7nn_arena_used(&nn),
             (unsigned)BENCH_ARENA_BYTES, (unsigned long)setup,
#ifdef H7NN_REFERENCE_KERNELS
             "reference"
#else
             "m7"
#endif
    );
    print_line(line);
    profile();
    check(1, 10);
    read_commands();
    return 0;
}
