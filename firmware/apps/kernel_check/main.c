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
#include "common/line.h"
#include "engine/h7nn.h"
#include "platform/platform.h"

#define VERSION "0.1.0"
#define MAX_COUNT 32

static h7nn_interpreter nn;
static int loaded = -1;

static void print_line(const char *text) {
    h7_console_write(text, strlen(text));
    h7_console_write("\n", 1);
    h7_console_flush();
}

static void print_error(int index, const char *message) {
    char line[240];
    snprintf(line, sizeof line, "{\"event\":\"kc_error\",\"model\":%d,\"message\":\"%s\"}", index, message);
    print_line(line);
}

static uint32_t xorshift32(uint32_t *state) {
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
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

static void fill_input(h7nn_tensor *in, uint32_t *state) {
    int8_t *p = in->data;
    for (size_t i = 0; i < in->bytes; i++) p[i] = (int8_t)(xorshift32(state) >> 24);
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
    char line[160 + 9 * MAX_COUNT];
    if (count > MAX_COUNT) {
        print_error(index, "count over 32");
        return;
    }
    if (!load(index)) return;
    h7nn_tensor in, out;
    uint32_t state = seed ? seed : 1u;
    h7nn_input(&nn, 0, &in);
    h7nn_output(&nn, 0, &out);
    int pos = snprintf(line, sizeof line, "{\"event\":\"kc_check\",\"model\":%d,\"seed\":%lu,\"arena_used\":%lu,"
                       "\"arena_planned\":%lu,\"hashes\":\"", index, (unsigned long)seed,
                       (unsigned long)h7nn_arena_used(&nn), (unsigned long)kc_models[index].arena_planned);
    for (uint32_t n = 0; n < count; n++) {
        prepare_arena(n);
        fill_input(&in, &state);
        if (!invoke_checked(index)) return;
        uint32_t hash = 2166136261u;
        const uint8_t *o = out.data;
        for (size_t i = 0; i < out.bytes; i++) hash = (hash ^ o[i]) * 16777619u;
        pos += snprintf(line + pos, sizeof line - (size_t)pos, "%s%08lx", n ? " " : "", (unsigned long)hash);
    }
    snprintf(line + pos, sizeof line - (size_t)pos, "\"}");
    print_line(line);
}

static void dump(int index, uint32_t seed, uint32_t which) {
    char line[200];
    if (!load(index)) return;
    h7nn_tensor in, out;
    uint32_t state = seed ? seed : 1u;
    h7nn_input(&nn, 0, &in);
    h7nn_output(&nn, 0, &out);
    prepare_arena(which);
    for (uint32_t n = 0; n <= which; n++) fill_input(&in, &state);
    if (!invoke_checked(index)) return;
    const uint8_t *o = out.data;
    for (size_t at = 0; at < out.bytes; at += 64) {
        int pos = snprintf(line, sizeof line, "{\"event\":\"kc_dump\",\"model\":%d,\"offset\":%lu,\"bytes\":\"", index,
                           (unsigned long)at);
        for (size_t i = at; i < out.bytes && i < at + 64; i++)
            pos += snprintf(line + pos, sizeof line - (size_t)pos, "%02x", o[i]);
        snprintf(line + pos, sizeof line - (size_t)pos, "\"}");
        print_line(line);
    }
    snprintf(line, sizeof line, "{\"event\":\"kc_dump_end\",\"model\":%d,\"bytes\":%lu}", index,
             (unsigned long)out.bytes);
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
        int index;
        unsigned long seed, count;
        if (sscanf(cmd, "check %d %lu %lu", &index, &seed, &count) == 3) check(index, (uint32_t)seed, (uint32_t)count);
        else if (sscanf(cmd, "dump %d %lu %lu", &index, &seed, &count) == 3) dump(index, (uint32_t)seed, (uint32_t)count);
        else print_error(-1, "unknown command");
    }
}

int main(void) {
    char line[160];
    h7_platform_init(H7_OPP_480);
    print_line("h7voice kernel_check " VERSION " (h7nn engine, "
#ifdef H7NN_REFERENCE_KERNELS
               "reference kernels)"
#else
               "m7 kernels)"
#endif
    );
    print_line("{\"event\":\"boot\",\"app\":\"kernel_check\",\"version\":\"" VERSION "\"}");
    for (int i = 0; i < kc_model_count; i++) {
        snprintf(line, sizeof line, "{\"event\":\"kc_model\",\"index\":%d,\"name\":\"%s\"}", i, kc_models[i].name);
        print_line(line);
    }
    snprintf(line, sizeof line, "{\"event\":\"kc_ready\",\"models\":%d,\"arena_bytes\":%lu}", kc_model_count,
             (unsigned long)kc_arena_bytes);
    print_line(line);
    read_commands();
    return 0;
}
