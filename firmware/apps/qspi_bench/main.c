/* qspi_bench: a model whose weights do not fit the internal flash, run from the QSPI flash.
 *
 * The build (SConscript) puts the model in internal flash when it fits, else in the
 * image's .qspi section (the W25Q64JV at 0x90000000). At boot: QUADSPI in memory-mapped
 * mode and the MDMA ({"event":"qspi",...} or one {"event":"qspi_error",...}), the model's
 * CRC-32 checked through the MDMA (chunks copied into SRAM), the engine set up, the
 * weights streamer in prefetch mode ({"event":"qspi_model",...}). Console commands:
 *   mode prefetch|sync|inplace   how the weights reach the kernels (weights_stream.h)
 *   run SEED COUNT               COUNT inferences on xorshift32 inputs (nn_console.h);
 *                                {"event":"qspi_run"}: FNV-1a of the outputs (compared
 *                                with TFLite Micro on the host), microseconds per
 *                                inference from the first and the rest, instructions
 * A copy error turns the streamer off ({"event":"qspi_error"} once; outputs stay right,
 * read in place). Nothing waits without a bound.
 */
#include <stdio.h>
#include <string.h>

#include "apps/nn_bench/nn_console.h"
#include "engine/h7nn.h"
#include "engine/weights_stream.h"
#include "platform/platform.h"
#include "platform/sections.h"
#include "platform/stm32h743/mdma.h"
#include "platform/stm32h743/qspi.h"
#include "big_model.h"

#define VERSION "0.1.0"
/* Two buffers of the largest op's external weights fill most of AXI SRAM; h7_ws_init
 * refuses (naming the bytes needed) a model whose op needs more. */
#define WS_BUFFER_BYTES (240u * 1024u)
#define MDMA_TIMEOUT_MS 200u

static uint8_t arena[H7NN_BIG_ARENA_BYTES] __attribute__((aligned(16)));
static uint8_t ws_buffer[2][WS_BUFFER_BYTES] H7_AXI_BSS __attribute__((aligned(32)));
static h7nn_interpreter nn;
static h7_ws ws;
static int model_ok;
static uint32_t reported_errors;

static const char *mode_names[] = {"inplace", "sync", "prefetch"};

static int in_qspi(const void *p) {
    uintptr_t a = (uintptr_t)p;
    return a >= H7_QSPI_WINDOW && a < H7_QSPI_WINDOW + H7_QSPI_FLASH_BYTES;
}

static void emit_error(const char *where, const char *message) {
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "qspi_error");
    h7_json_str(&j, "where", where);
    h7_json_str(&j, "message", message);
    nn_emit(&j);
}

/* The streamer's copier: the MDMA. */
static int port_copy(void *user, void *dst, const void *src, size_t n) {
    (void)user;
    return h7_mdma_copy(dst, src, n);
}
static int port_wait(void *user) {
    (void)user;
    return h7_mdma_wait(MDMA_TIMEOUT_MS);
}
static const char *port_error(void *user) {
    (void)user;
    return h7_mdma_error();
}
static void port_done(void *user, void *buf, size_t n) {
    (void)user;
    h7_dcache_invalidate(buf, n);
}
static void port_reset(void *user) {
    (void)user;
    h7_mdma_clear_error();
}

/* CRC-32 of the model: read through the MDMA in buffer-sized chunks when it lies in the
 * QSPI flash (sequential bursts instead of a flash command per CPU read). */
static int model_crc_ok(void) {
    const uint8_t *model = h7nn_big_model_data;
    size_t size = sizeof h7nn_big_model_data;
    if (!in_qspi(model)) return h7nn_model_verify_crc(model, size, H7NN_BIG_MODEL_CRC32) == H7NN_OK;
    uint32_t crc = 0;
    for (size_t off = 0; off < size; off += WS_BUFFER_BYTES) {
        size_t n = size - off < WS_BUFFER_BYTES ? size - off : WS_BUFFER_BYTES;
        if (h7_mdma_copy(ws_buffer[0], model + off, n) != 0 || h7_mdma_wait(MDMA_TIMEOUT_MS) != 0) {
            emit_error("crc", h7_mdma_error() ? h7_mdma_error() : "MDMA refused the copy");
            h7_mdma_clear_error();
            return 0;
        }
        h7_dcache_invalidate(ws_buffer[0], n);
        /* zlib's crc32 continues from the previous value: ~crc in, ~crc out */
        crc = h7nn_crc32_update(crc, ws_buffer[0], n);
    }
    return crc == H7NN_BIG_MODEL_CRC32;
}

/* One event per batch of failed copies: the last message, how many, whether the
 * streamer still streams (a retry worked) or the kernels now read in place. */
static void report_stream_error(void) {
    if (ws.errors == reported_errors) return;
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "qspi_error");
    h7_json_str(&j, "where", "weights_stream");
    h7_json_str(&j, "message", h7_ws_error(&ws));
    h7_json_uint(&j, "failed_copies", ws.errors - reported_errors);
    h7_json_bool(&j, "streaming", !ws.off);
    nn_emit(&j);
    reported_errors = ws.errors;
}

static void run(uint32_t seed, uint32_t count) {
    char line[H7_JSON_LINE_MAX], hex[9];
    h7_json_t j;
    h7nn_tensor in, out;
    uint32_t state = seed ? seed : 1u, hash = 2166136261u, first_us = 0, rest_us = 0;
    uint32_t copied0 = ws.bytes_copied, waits0 = ws.waits;
    if (!model_ok) {
        emit_error("run", "no model (see the error at boot)");
        return;
    }
    h7nn_input(&nn, 0, &in);
    h7nn_output(&nn, 0, &out);
    uint32_t c0 = h7_cycles();
    for (uint32_t n = 0; n < count; n++) {
        nn_fill_input(&in, &state);
        uint32_t t0 = h7_time_us();
        h7nn_status s = h7nn_invoke(&nn);
        uint32_t dt = h7_time_us() - t0;
        if (n == 0) first_us = dt;
        else rest_us += dt;
        if (s != H7NN_OK) {
            emit_error("invoke", h7nn_error(&nn));
            return;
        }
        hash = nn_fnv1a(hash, &out);
    }
    uint32_t cycles = h7_cycles() - c0;
    h7_ws_finish(&ws);
    report_stream_error();
    h7_json_begin(&j, line, sizeof line, "qspi_run");
    h7_json_str(&j, "mode", mode_names[ws.mode]);
    h7_json_uint(&j, "seed", seed);
    h7_json_uint(&j, "count", count);
    snprintf(hex, sizeof hex, "%08lx", (unsigned long)hash);
    h7_json_str(&j, "fnv1a", hex);
    h7_json_uint(&j, "first_us", first_us);
    h7_json_uint(&j, "rest_us", rest_us);
    h7_json_uint(&j, "instructions", cycles);
    h7_json_uint(&j, "bytes_copied", ws.bytes_copied - copied0);
    h7_json_uint(&j, "waits", ws.waits - waits0);
    h7_json_bool(&j, "streaming", ws.mode != H7_WS_IN_PLACE && !ws.off);
    nn_emit(&j);
}

static void handle_command(const char *cmd) {
    unsigned long seed, count;
    char mode[16];
    if (sscanf(cmd, "run %lu %lu", &seed, &count) == 2) {
        run((uint32_t)seed, (uint32_t)count);
    } else if (sscanf(cmd, "mode %15s", mode) == 1) {
        int m = -1;
        for (int i = 0; i < 3; i++)
            if (strcmp(mode, mode_names[i]) == 0) m = i;
        if (m < 0 || !model_ok) {
            emit_error("mode", m < 0 ? "unknown mode (inplace, sync, prefetch)" : "no model");
        } else if (h7_ws_set_mode(&ws, (h7_ws_mode)m) != H7NN_OK) {
            emit_error("mode", h7_ws_error(&ws));
        } else {
            char line[H7_JSON_LINE_MAX];
            h7_json_t j;
            h7_json_begin(&j, line, sizeof line, "qspi_mode");
            h7_json_str(&j, "mode", mode_names[m]);
            nn_emit(&j);
        }
    } else {
        emit_error("command", "unknown command (mode M, run SEED COUNT)");
    }
}

int main(void) {
    char line[H7_JSON_LINE_MAX], hex[9];
    h7_json_t j;
    h7_platform_init(H7_OPP_480);
    nn_boot("qspi_bench", VERSION);
    const int external = in_qspi(h7nn_big_model_data);
    h7_qspi_info_t q;
    int qspi = h7_qspi_init(&q);
    h7_mdma_init();
    if (qspi != 0) {
        emit_error("qspi", q.error);
        if (external) nn_read_commands(handle_command); /* no model: answer, never hang */
    } else {
        h7_json_begin(&j, line, sizeof line, "qspi");
        snprintf(hex, sizeof hex, "%06lx", (unsigned long)q.jedec_id);
        h7_json_str(&j, "jedec_id", hex);
        h7_json_uint(&j, "clock_hz", q.clock_hz);
        nn_emit(&j);
    }
    if (!model_crc_ok()) {
        emit_error("model", "model CRC-32 mismatch: the model in flash is corrupt");
        nn_read_commands(handle_command);
    }
    uint32_t t0 = h7_time_us(), c0 = h7_cycles();
    h7nn_status s = h7nn_init(&nn, h7nn_big_model_data, sizeof h7nn_big_model_data, &h7nn_big_resolver, arena,
                              sizeof arena);
    if (s == H7NN_OK) s = h7nn_allocate(&nn);
    if (s != H7NN_OK) {
        emit_error("model", h7nn_error(&nn));
        nn_read_commands(handle_command);
    }
    const h7_ws_port port = {port_copy, port_wait, port_error, port_done, port_reset, NULL, H7_QSPI_WINDOW,
                             H7_QSPI_WINDOW + H7_QSPI_FLASH_BYTES};
    if (h7_ws_init(&ws, &nn, &port, H7_WS_PREFETCH, ws_buffer[0], ws_buffer[1], WS_BUFFER_BYTES, NULL, NULL) !=
        H7NN_OK) {
        emit_error("weights_stream", h7_ws_error(&ws));
        nn_read_commands(handle_command);
    }
    model_ok = 1;
    h7_json_begin(&j, line, sizeof line, "qspi_model");
    h7_json_str(&j, "name", H7NN_BIG_NAME);
    h7_json_uint(&j, "model_bytes", sizeof h7nn_big_model_data);
    h7_json_str(&j, "placement", external ? "qspi" : "internal");
    h7_json_int(&j, "streamed_ops", ws.steps);
    h7_json_uint(&j, "in_place_ops", ws.in_place_ops);
    h7_json_uint(&j, "setup_us", h7_time_us() - t0);
    h7_json_uint(&j, "setup_instructions", h7_cycles() - c0);
    h7_json_uint(&j, "arena_used", h7nn_arena_used(&nn));
    h7_json_str(&j, "kernels", NN_KERNELS);
    nn_emit(&j);
    nn_read_commands(handle_command);
    return 0;
}
