/* kernel_check: single-op models through the h7nn engine on the board, output hashes for the
 * host to compare with TFLite Micro (tools/h7nn/tests/test_board_kernels.py).
 *
 * At boot: one {"event":"kc_model",...} line per embedded model (index, name), then
 * {"event":"kc_ready","models":N}. Console commands:
 *   check INDEX SEED COUNT   COUNT inputs from the xorshift32 generator seeded with SEED
 *                            (bytes = top 8 bits of successive values, as nn_bench) through
 *                            model INDEX; one FNV-1a hash of the outputs per input
 *   dump INDEX SEED N        the outputs of input N (0-based) of that sequence, in hex
 *                            (kc_dump lines of up to 64 bytes), to locate a difference
 *
 * Before every inference the planned part of the arena (activations and scratch) is filled
 * with a byte that changes per input, so a kernel that reads scratch or output memory it did
 * not write first gives outputs that differ from TFLite Micro's; the unused gap between the
 * plan and the persistent allocations at the arena's end is filled with a guard byte and
 * checked after the inference (a write outside the plan is an error naming its offset).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/kernel_check/kc_models.h"
#include "apps/nn_bench/nn_console.h"
#include "engine/h7nn.h"
#include "platform/platform.h"

#define VERSION "0.1.0"
#define MAX_COUNT 32

static h7nn_interpreter nn;
static int loaded = -1;

static void print_error(int index, const char *message) {
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "kc_error");
    h7_json_int(&j, "model", index);
    h7_json_str(&j, "message", message);
    nn_emit(&j);
}

#define GUARD_BYTE 0xC3u

/* Poison the plan, guard the gap (then the input is filled). */
static void prepare_arena(uint32_t n) {
    memset(nn.arena, (int)(uint8_t)(0x5Au + 37u * n), nn.planned_bytes);
    memset(nn.arena + nn.planned_bytes, GUARD_BYTE, nn.tail - nn.planned_bytes);
}

/* Offset of the first changed guard byte, or -1. */
static long guard_broken(void) {
    for (size_t i = nn.planned_bytes; i < nn.tail; i++)
        if (nn.arena[i] != GUARD_BYTE) return (long)i;
    return -1;
}

static int invoke_checked(int index) {
    char message[96];
    if (h7nn_invoke(&nn) != H7NN_OK) {
        print_error(index, h7nn_error(&nn));
        return 0;
    }
    long at = guard_broken();
    if (at >= 0) {
        snprintf(message, sizeof message, "arena byte %ld (outside the plan of %lu bytes) was written", at,
                 (unsigned long)nn.planned_bytes);
        print_error(index, message);
        return 0;
    }
    return 1;
}

/* Model `index` in the interpreter (kept loaded between commands). */
static int load(int index) {
    if (index < 0 || index >= kc_model_count) {
        print_error(index, "no such model");
        return 0;
    }
    if (index == loaded) return 1;
    loaded = -1;
    const kc_model *m = &kc_models[index];
    h7nn_status s = h7nn_init(&nn, m->data, m->bytes, m->resolver, kc_arena, kc_arena_bytes);
    if (s == H7NN_OK) s = h7nn_allocate(&nn);
    if (s != H7NN_OK) {
        print_error(index, h7nn_error(&nn));
        return 0;
    }
    loaded = index;
    return 1;
}

static void check(int index, uint32_t seed, uint32_t count) {
    char line[H7_JSON_LINE_MAX + 9 * MAX_COUNT], hashes[9 * MAX_COUNT + 1];
    size_t pos = 0;
    h7_json_t j;
    if (count > MAX_COUNT) {
        print_error(index, "count over 32");
        return;
    }
    if (!load(index)) return;
    h7nn_tensor in, out;
    uint32_t state = seed ? seed : 1u;
    h7nn_input(&nn, 0, &in);
    h7nn_output(&nn, 0, &out);
    hashes[0] = 0;
    for (uint32_t n = 0; n < count; n++) {
        prepare_arena(n);
        nn_fill_input(&in, &state);
        if (!invoke_checked(index)) return;
        uint32_t hash = 2166136261u;
        hash = nn_fnv1a(hash, &out);
        pos += (size_t)snprintf(hashes + pos, sizeof hashes - pos, "%s%08lx", n ? " " : "", (unsigned long)hash);
    }
    h7_json_begin(&j, line, sizeof line, "kc_check");
    h7_json_int(&j, "model", index);
    h7_json_uint(&j, "seed", seed);
    h7_json_uint(&j, "arena_used", h7nn_arena_used(&nn));
    h7_json_uint(&j, "arena_planned", kc_models[index].arena_planned);
    h7_json_str(&j, "hashes", hashes);
    nn_emit(&j);
}

static void dump(int index, uint32_t seed, uint32_t which) {
    char line[H7_JSON_LINE_MAX], bytes[2 * 64 + 1];
    h7_json_t j;
    if (!load(index)) return;
    h7nn_tensor in, out;
    uint32_t state = seed ? seed : 1u;
    h7nn_input(&nn, 0, &in);
    h7nn_output(&nn, 0, &out);
    prepare_arena(which);
    for (uint32_t n = 0; n <= which; n++) nn_fill_input(&in, &state);
    if (!invoke_checked(index)) return;
    const uint8_t *o = out.data;
    for (size_t at = 0; at < out.bytes; at += 64) {
        size_t pos = 0;
        bytes[0] = 0;
        for (size_t i = at; i < out.bytes && i < at + 64; i++)
            pos += (size_t)snprintf(bytes + pos, sizeof bytes - pos, "%02x", o[i]);
        h7_json_begin(&j, line, sizeof line, "kc_dump");
        h7_json_int(&j, "model", index);
        h7_json_uint(&j, "offset", at);
        h7_json_str(&j, "bytes", bytes);
        nn_emit(&j);
    }
    h7_json_begin(&j, line, sizeof line, "kc_dump_end");
    h7_json_int(&j, "model", index);
    h7_json_uint(&j, "bytes", out.bytes);
    nn_emit(&j);
}

static void handle_command(const char *cmd) {
    int index;
    unsigned long seed, count;
    if (sscanf(cmd, "check %d %lu %lu", &index, &seed, &count) == 3) check(index, (uint32_t)seed, (uint32_t)count);
    else if (sscanf(cmd, "dump %d %lu %lu", &index, &seed, &count) == 3) dump(index, (uint32_t)seed, (uint32_t)count);
    else print_error(-1, "unknown command");
}

int main(void) {
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_platform_init(H7_OPP_480);
    nn_boot("kernel_check", VERSION);
    for (int i = 0; i < kc_model_count; i++) {
        h7_json_begin(&j, line, sizeof line, "kc_model");
        h7_json_int(&j, "index", i);
        h7_json_str(&j, "name", kc_models[i].name);
        nn_emit(&j);
    }
    h7_json_begin(&j, line, sizeof line, "kc_ready");
    h7_json_int(&j, "models", kc_model_count);
    h7_json_uint(&j, "arena_bytes", kc_arena_bytes);
    nn_emit(&j);
    nn_read_commands(handle_command);
    return 0;
}
