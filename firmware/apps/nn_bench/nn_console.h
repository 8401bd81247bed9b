/* What the engine's two board images (nn_bench, kernel_check) share, so the host can compare
 * them with TFLite Micro the same way: the console lines and events, the inputs (bytes =
 * top 8 bits of successive xorshift32 values) and the FNV-1a hash of the outputs, and the
 * command loop. Header-only: each image is one main.c. */
#ifndef H7_APPS_NN_CONSOLE_H
#define H7_APPS_NN_CONSOLE_H

#include <stdint.h>
#include <string.h>

#include "common/json.h"
#include "common/line.h"
#include "engine/h7nn.h"
#include "platform/platform.h"

#ifdef H7NN_REFERENCE_KERNELS
#define NN_KERNELS "reference"
#else
#define NN_KERNELS "m7"
#endif

static inline void nn_print_line(const char *text) {
    h7_console_write(text, strlen(text));
    h7_console_write("\n", 1);
    h7_console_flush();
}

/* An event line, flushed at once (the host waits for it). */
static inline void nn_emit(h7_json_t *j) {
    h7_json_emit(j);
    h7_console_flush();
}

/* The engine images' error event: {"event":"nn_error","message":...}. */
static inline void nn_error(const char *message) {
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "nn_error");
    h7_json_str(&j, "message", message);
    nn_emit(&j);
}

/* The banner line and the boot event of an image. */
static inline void nn_boot(const char *app, const char *version) {
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_console_write("h7voice ", 8);
    h7_console_write(app, strlen(app));
    h7_console_write(" ", 1);
    h7_console_write(version, strlen(version));
    nn_print_line(" (h7nn engine, " NN_KERNELS " kernels)");
    h7_json_begin(&j, line, sizeof line, "boot");
    h7_json_str(&j, "app", app);
    h7_json_str(&j, "version", version);
    nn_emit(&j);
}

static inline uint32_t nn_xorshift32(uint32_t *state) {
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* The next input of a sequence: bytes are the top 8 bits of successive xorshift32 values. */
static inline void nn_fill_input(h7nn_tensor *in, uint32_t *state) {
    int8_t *p = in->data;
    for (size_t i = 0; i < in->bytes; i++) p[i] = (int8_t)(nn_xorshift32(state) >> 24);
}

/* FNV-1a over a tensor's bytes, continuing from hash (start: 2166136261). */
static inline uint32_t nn_fnv1a(uint32_t hash, const h7nn_tensor *t) {
    const uint8_t *o = t->data;
    for (size_t i = 0; i < t->bytes; i++) hash = (hash ^ o[i]) * 16777619u;
    return hash;
}

/* Reads console lines for ever, sleeping while none comes, and hands each to handle(). */
static inline void nn_read_commands(void (*handle)(const char *cmd)) {
    char cmd[64];
    h7_line_t line;
    h7_line_init(&line, cmd, sizeof cmd);
    for (;;) {
        int c = h7_console_getc();
        if (c < 0) {
            h7_sleep();
            continue;
        }
        if (h7_line_feed(&line, c) == H7_LINE_READY) handle(cmd);
    }
}

#endif /* H7_APPS_NN_CONSOLE_H */
