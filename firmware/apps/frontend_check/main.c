/*
 * frontend_check: the speech front end on the board, checked against the host library.
 *
 * Captures 16 kHz audio through the I2S + DMA driver, runs the front end (config
 * kws_stream, generated from firmware/frontend/configs/kws_stream.json) and the VAD on every
 * 20 ms hop, and prints JSON lines:
 *   {"event":"fe_frame","n":0,"cycles":41234,"vad_cycles":1234,"bits":"c2f6...,..."}
 *       features of frame n as IEEE-754 float bits (exact), DWT cycles of h7fe_push and
 *       h7vad_process for that hop (on the simulated board, instructions)
 *   {"event":"vad","type":"speech_start","time_ms":1540}
 *   {"event":"fe_bench",...}   every 50 frames: min/mean/max cycles of the front end and VAD
 *   {"event":"audio_stats",...} with it: DMA half/full transfers, ring overflows, dropped
 *       samples, DMA and SPI errors
 *   {"event":"audio_error",...} if DMA stopped capture
 * Console commands: "stats" prints fe_bench/audio_stats now; "stall <ms>" stops reading
 * audio for that long (the ring overflows past 256 ms: the overflow test).
 */
#include <string.h>

#include "common/fmt.h"
#include "common/json.h"
#include "common/line.h"
#include "common/log.h"
#include "fe_config.h"
#include "frontend/frontend.h"
#include "frontend/vad.h"
#include "platform/audio.h"
#include "platform/platform.h"
#include "platform/sections.h"

#define APP_NAME "frontend_check"
#define APP_VERSION "0.1.0"
#ifndef H7_BUILD_INFO
#define H7_BUILD_INFO "stm32h743, gcc " __VERSION__
#endif
#define BENCH_EVERY_FRAMES 50u

static const h7fe_config_t fe_config = H7FE_CONFIG_INIT;
static h7fe_t frontend H7_DTCM_BSS;
static h7vad_t vad;
static int16_t hop[H7FE_CFG_hop_length];
static float features[H7FE_MAX_MFCC > H7FE_MAX_MEL_BANDS ? H7FE_MAX_MFCC : H7FE_MAX_MEL_BANDS];

static struct {
    uint32_t frames;
    uint32_t min_cycles, max_cycles;
    uint64_t total_cycles;
    uint32_t vad_max_cycles;
    uint64_t vad_total_cycles;
} bench = {.min_cycles = UINT32_MAX};

static void boot_banner(void)
{
    h7_log_printf("h7voice %s %s (%s)\r\n", APP_NAME, APP_VERSION, H7_BUILD_INFO);
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "boot");
    h7_json_str(&j, "app", APP_NAME);
    h7_json_str(&j, "version", APP_VERSION);
    h7_json_str(&j, "reset_cause", h7_reset_cause());
    h7_json_str(&j, "frontend_config", H7FE_CONFIG_NAME);
    h7_json_uint(&j, "features", h7fe_config_feature_count(&fe_config));
    h7_json_uint(&j, "sysclk_hz", h7_clock_sysclk_hz());
    h7_json_emit(&j);
}

static void emit_frame(uint32_t cycles, uint32_t vad_cycles)
{
    /* 40 log-mel values would not fit one line; the bits of the first 16 are printed. */
    char bits[16 * 9 + 1];
    size_t len = 0;
    uint32_t count = frontend.feature_count < 16u ? frontend.feature_count : 16u;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t word;
        memcpy(&word, &features[i], sizeof word);
        len += h7_fmt(bits + len, sizeof bits - len, i ? ",%08lx" : "%08lx", (unsigned long)word);
    }
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "fe_frame");
    h7_json_uint(&j, "n", frontend.frames_emitted - 1u);
    h7_json_uint(&j, "cycles", cycles);
    h7_json_uint(&j, "vad_cycles", vad_cycles);
    h7_json_str(&j, "bits", bits);
    h7_json_emit(&j);
}

static void emit_bench(void)
{
    h7audio_stats_t a;
    h7audio_get_stats(&a);
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "fe_bench");
    h7_json_uint(&j, "frames", bench.frames);
    h7_json_uint(&j, "cycles_min", bench.min_cycles);
    h7_json_uint(&j, "cycles_mean", bench.frames ? bench.total_cycles / bench.frames : 0u);
    h7_json_uint(&j, "cycles_max", bench.max_cycles);
    h7_json_uint(&j, "vad_cycles_mean", bench.frames ? bench.vad_total_cycles / bench.frames : 0u);
    h7_json_uint(&j, "vad_cycles_max", bench.vad_max_cycles);
    h7_json_uint(&j, "sysclk_hz", h7_clock_sysclk_hz());
    h7_json_emit(&j);
    /* Capture health: overruns and DMA errors are reported, never silent. */
    h7_json_begin(&j, buf, sizeof buf, "audio_stats");
    h7_json_uint(&j, "half_transfers", a.half_transfers);
    h7_json_uint(&j, "full_transfers", a.full_transfers);
    h7_json_uint(&j, "ring_overflows", a.ring_overflows);
    h7_json_uint(&j, "dropped_samples", a.dropped_samples);
    h7_json_uint(&j, "dma_errors", a.dma_errors);
    h7_json_uint(&j, "fifo_errors", a.fifo_errors);
    h7_json_uint(&j, "spi_overruns", a.spi_overruns);
    h7_json_emit(&j);
}

static void handle_command(const char *line)
{
    if (strcmp(line, "stats") == 0) {
        emit_bench();
    } else if (strncmp(line, "stall ", 6) == 0) {
        uint32_t ms = 0;
        for (const char *p = line + 6; *p >= '0' && *p <= '9'; p++) ms = ms * 10u + (uint32_t)(*p - '0');
        H7_LOGI("fe", "not reading audio for %lu ms", (unsigned long)ms);
        h7_delay_ms(ms); /* interrupts keep capturing into the ring meanwhile */
        emit_bench();
    } else {
        H7_LOGW("fe", "unknown command '%s' (stats, stall <ms>)", line);
    }
}

static void poll_console(void)
{
    static char buf[32];
    static h7_line_t line = {.buf = buf, .size = sizeof buf};
    int c;
    while ((c = h7_console_getc()) >= 0) {
        if (h7_line_feed(&line, c) == H7_LINE_READY)
            handle_command(buf);
    }
}

static void process_hop(void)
{
    size_t consumed = 0;
    uint32_t start = h7_cycles();
    size_t made = h7fe_push(&frontend, hop, H7FE_CFG_hop_length, features, 1, &consumed);
    uint32_t cycles = h7_cycles() - start;

    start = h7_cycles();
    h7vad_event_t event = h7vad_process(&vad, hop, H7FE_CFG_hop_length);
    uint32_t vad_cycles = h7_cycles() - start;

    if (event != H7VAD_NONE) {
        char buf[H7_JSON_LINE_MAX];
        h7_json_t j;
        h7_json_begin(&j, buf, sizeof buf, "vad");
        h7_json_str(&j, "type", event == H7VAD_SPEECH_START ? "speech_start" : "speech_end");
        h7_json_uint(&j, "time_ms", h7vad_event_time_ms(&vad));
        h7_json_emit(&j);
    }
    if (made == 0) return; /* the first window is still filling */
    bench.frames++;
    bench.total_cycles += cycles;
    if (cycles < bench.min_cycles) bench.min_cycles = cycles;
    if (cycles > bench.max_cycles) bench.max_cycles = cycles;
    bench.vad_total_cycles += vad_cycles;
    if (vad_cycles > bench.vad_max_cycles) bench.vad_max_cycles = vad_cycles;
    emit_frame(cycles, vad_cycles);
    if (bench.frames % BENCH_EVERY_FRAMES == 0u) emit_bench();
}

int main(void)
{
    h7_platform_init(H7_OPP_480);
    boot_banner();

    int status = h7fe_init(&frontend, &fe_config);
    if (status != H7FE_OK) {
        H7_LOGE("fe", "front end init failed (%d)", status);
        for (;;) h7_sleep();
    }
    h7vad_config_t vad_config;
    h7vad_default_config(&vad_config, H7FE_CFG_sample_rate_hz);
    h7vad_init(&vad, &vad_config);

    status = h7audio_start(H7FE_CFG_sample_rate_hz);
    if (status != H7AUDIO_OK) {
        H7_LOGE("audio", "capture start failed (%d)", status);
        for (;;) h7_sleep();
    }
    H7_LOGI("fe", "capturing at %u Hz, hop %u, %u features per frame",
            (unsigned)H7FE_CFG_sample_rate_hz, (unsigned)H7FE_CFG_hop_length,
            (unsigned)frontend.feature_count);

    int reported_failure = 0;
    for (;;) {
        if (h7audio_failed() && !reported_failure) {
            reported_failure = 1;
            h7audio_stats_t a;
            h7audio_get_stats(&a);
            char buf[H7_JSON_LINE_MAX];
            h7_json_t j;
            h7_json_begin(&j, buf, sizeof buf, "audio_error");
            h7_json_str(&j, "reason", "DMA errors kept coming after each capture restart");
            h7_json_uint(&j, "dma_errors", a.dma_errors);
            h7_json_emit(&j);
        }
        if (h7audio_available() >= H7FE_CFG_hop_length) {
            h7audio_read(hop, H7FE_CFG_hop_length);
            process_hop();
            continue;
        }
        poll_console();
        uint32_t irq = h7_irq_save();
        if (h7audio_available() < H7FE_CFG_hop_length) h7_sleep();
        h7_irq_restore(irq);
    }
}
