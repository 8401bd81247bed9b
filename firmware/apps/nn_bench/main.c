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

#include "apps/nn_bench/nn_console.h"
#include "engine/h7nn.h"
#include "engine/h7nn_internal.h"  /* H7NN_INIT_KEEP_BYTES */

/* The build names the embedded model (SConscript): header and symbol prefix. */
#ifndef BENCH_MODEL_HEADER
#define BENCH_MODEL_HEADER "bench_model.h"
#define BENCH_MODEL_DATA h7nn_bench_model_data
#define BENCH_MODEL_RESOLVER h7nn_bench_resolver
#define BENCH_ARENA_BYTES H7NN_BENCH_ARENA_BYTES
#define BENCH_OP_COUNT H7NN_BENCH_OP_COUNT
#define BENCH_TENSOR_COUNT H7NN_BENCH_TENSOR_COUNT
#define BENCH_PERSISTENT_BYTES H7NN_BENCH_PERSISTENT_BYTES
#define BENCH_MODEL_NAME H7NN_BENCH_NAME
#define BENCH_MODEL_CRC32 H7NN_BENCH_MODEL_CRC32
#endif
#include BENCH_MODEL_HEADER
#include "platform/platform.h"

#define VERSION "0.1.0"

/* The arena the build-time plan asked for (allocate fails loudly if the plan is wrong), or
 * more where h7nn_init's kept descriptions need it (small arenas, e.g. anomaly detection's:
 * setup then reads the model's tensors once instead of twice); the JSON reports both. */
#define BENCH_KEEP_BYTES (BENCH_PERSISTENT_BYTES + H7NN_INIT_KEEP_BYTES(BENCH_TENSOR_COUNT, BENCH_OP_COUNT))
#define BENCH_BUFFER_BYTES (BENCH_ARENA_BYTES > BENCH_KEEP_BYTES ? BENCH_ARENA_BYTES : BENCH_KEEP_BYTES)
static uint8_t arena[BENCH_BUFFER_BYTES] __attribute__((aligned(16)));
static h7nn_interpreter nn;

static uint32_t op_start, op_counts[BENCH_OP_COUNT], hook_overhead;

/* A 32-bit value as 8 hex digits (hashes and CRCs, as the host prints them). */
static const char *hex8(char out[9], uint32_t v) {
    snprintf(out, 9, "%08lx", (unsigned long)v);
    return out;
}

static void on_op(void *user, int index, const char *name, int begin) {
    (void)user;
    (void)name;
    uint32_t now = h7_cycles();
    if (begin) op_start = now;
    else if (index < BENCH_OP_COUNT) op_counts[index] = now - op_start - hook_overhead;
}

static void check(uint32_t seed, uint32_t count) {
    char line[H7_JSON_LINE_MAX], hex[9];
    h7_json_t j;
    h7nn_tensor in, out;
    uint32_t state = seed ? seed : 1u, hash = 2166136261u;
    h7nn_input(&nn, 0, &in);
    h7nn_output(&nn, 0, &out);
    for (uint32_t n = 0; n < count; n++) {
        nn_fill_input(&in, &state);
        if (h7nn_invoke(&nn) != H7NN_OK) {
            nn_error(h7nn_error(&nn));
            return;
        }
        hash = nn_fnv1a(hash, &out);
    }
    h7_json_begin(&j, line, sizeof line, "nn_check");
    h7_json_uint(&j, "seed", seed);
    h7_json_uint(&j, "count", count);
    h7_json_str(&j, "fnv1a", hex8(hex, hash));
    nn_emit(&j);
}

static void profile(void) {
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7nn_tensor in;
    uint32_t state = 1u;
    uint32_t a = h7_cycles(), b = h7_cycles();
    hook_overhead = b - a;
    h7nn_input(&nn, 0, &in);
    nn_fill_input(&in, &state);
    /* the whole Invoke() first, without the per-op hook */
    uint32_t t0 = h7_cycles();
    h7nn_invoke(&nn);
    uint32_t total = h7_cycles() - t0 - hook_overhead;
    nn_fill_input(&in, &state);
    h7nn_set_op_hook(&nn, on_op, NULL);
    h7nn_invoke(&nn);
    h7nn_set_op_hook(&nn, NULL, NULL);
    for (int i = 0; i < h7nn_op_count(&nn); i++) {
        h7_json_begin(&j, line, sizeof line, "nn_op");
        h7_json_int(&j, "index", i);
        h7_json_str(&j, "op", h7nn_op_name(&nn, i));
        h7_json_uint(&j, "instructions", op_counts[i]);
        h7_json_uint(&j, "scratch_bytes", h7nn_scratch_bytes(&nn, i));
        nn_emit(&j);
    }
    h7_json_begin(&j, line, sizeof line, "nn_invoke");
    h7_json_uint(&j, "instructions", total);
    h7_json_int(&j, "ops", h7nn_op_count(&nn));
    nn_emit(&j);
}

static void handle_command(const char *cmd) {
    unsigned long seed, count;
    if (sscanf(cmd, "check %lu %lu", &seed, &count) == 2) check((uint32_t)seed, (uint32_t)count);
    else nn_error("unknown command");
}

int main(void) {
    char line[H7_JSON_LINE_MAX], hex[9];
    h7_json_t j;
    h7_platform_init(H7_OPP_480);
    nn_boot("nn_bench", VERSION);
    /* the model the image embeds, named for the report (python -m h7nn bench labels its
     * figures with it), and its integrity in flash */
    h7_json_begin(&j, line, sizeof line, "nn_embedded");
    h7_json_str(&j, "name", BENCH_MODEL_NAME);
    h7_json_str(&j, "crc32", hex8(hex, BENCH_MODEL_CRC32));
    nn_emit(&j);
    if (h7nn_model_verify_crc(BENCH_MODEL_DATA, sizeof BENCH_MODEL_DATA, BENCH_MODEL_CRC32) != H7NN_OK) {
        nn_error("model CRC-32 mismatch: the model in flash is corrupt");
        nn_read_commands(handle_command);
    }
    uint32_t t0 = h7_cycles();
    h7nn_status s = h7nn_init(&nn, BENCH_MODEL_DATA, sizeof BENCH_MODEL_DATA, &BENCH_MODEL_RESOLVER, arena,
                              sizeof arena);
    uint32_t init = h7_cycles() - t0;
    if (s == H7NN_OK) s = h7nn_allocate(&nn);
    uint32_t setup = h7_cycles() - t0;
    if (s != H7NN_OK) {
        nn_error(h7nn_error(&nn));
        nn_read_commands(handle_command);
    }
    h7_json_begin(&j, line, sizeof line, "nn_model");
    h7_json_uint(&j, "model_bytes", sizeof BENCH_MODEL_DATA);
    h7_json_int(&j, "ops", h7nn_op_count(&nn));
    h7_json_uint(&j, "arena_used", h7nn_arena_used(&nn));
    h7_json_uint(&j, "arena_planned", BENCH_ARENA_BYTES);
    h7_json_uint(&j, "arena_buffer", sizeof arena);
    h7_json_uint(&j, "setup_instructions", setup);
    h7_json_uint(&j, "init_instructions", init);  /* of setup: h7nn_init (model verification) */
    h7_json_str(&j, "kernels", NN_KERNELS);
    nn_emit(&j);
    profile();
    check(1, 10);
    nn_read_commands(handle_command);
    return 0;
}
