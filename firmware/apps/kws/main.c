/* Keyword firmware: microphone to action (the default image; see README.md).
 *
 *   DMA half/full interrupt ──▶ sample ring ──▶ main loop, one 20 ms hop at a time:
 *     front end (MFCC frame) ─▶ int8 feature window (49 frames)
 *     VAD (speech start/end) ─▶ detector segments
 *     power policy ─▶ operating point (64 MHz listening, 480 MHz while a word is heard)
 *     pacer ─▶ model every 60 ms over the window ─▶ detector ─▶ action + JSON event
 *   nothing to do ─▶ WFI until the next DMA interrupt; 5 s without speech ─▶ Stop mode.
 *
 * Board glue only: the decisions are in the portable kws_*.c files (host-tested).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "apps/kws/kws_actions.h"
#include "apps/kws/kws_detector.h"
#include "apps/kws/kws_model.h"
#include "apps/kws/kws_pacer.h"
#include "apps/kws/kws_power.h"
#include "common/fmt.h"
#include "engine/h7nn.h"
#include "frontend/audio_capture.h"
#include "frontend/frontend.h"
#include "frontend/vad.h"
#include "platform/platform.h"
#include "platform/sections.h"

#define KWS_VERSION "0.1.0"
#define SAMPLE_RATE_HZ 16000u
#define MODEL_HOP_MS 60u            /* N: the model stride (README.md, "Model stride") */
#define MAX_BACKLOG_MS 200u         /* behind by more: skip model runs, never samples */
#define STATS_PERIOD_MS 10000u      /* a kws_stats line every 10 s of audio */
#define VAD_HANGOVER_FRAMES 8u      /* 160 ms: longer than a plosive's closure */
#define MAX_FRAMES 64u              /* feature window capacity (the model's rows) */
#define MAX_FEATURES 16u            /* features per frame capacity */
#define MAX_HOP 512u

/* Operating point of each power mode. The listening point is the lowest one. */
static h7_opp_t opp_of_mode[KWS_POWER_MODE_COUNT] = {
    [KWS_POWER_LISTEN] = H7_OPP_64,
    [KWS_POWER_RECOGNIZE] = H7_OPP_480,
    [KWS_POWER_STOP] = H7_OPP_64,
};

static h7nn_interpreter nn;
static uint8_t arena[64 * 1024] __attribute__((aligned(16)));
static h7fe_t frontend;
static h7vad_t vad;
static kws_detector_t detector;
static kws_power_t power;
static kws_pacer_t pacer;
static kws_outputs_t outputs;

/* int8 features of the last `frames` frames, a ring: row `window_next` is the oldest. */
static int8_t window[MAX_FRAMES * MAX_FEATURES];
static uint32_t window_frames, window_features, window_next, window_filled;
static float input_scale, output_scale;
static int32_t input_zero_point, output_zero_point;
static int class_count;

/* audio time bookkeeping */
static uint32_t hop_samples, frame_ms;
static uint64_t samples_processed;
static uint32_t audio_gap_ms;          /* audio not captured (Stop mode) */
static uint32_t capture_origin_ms;     /* platform time of audio time 0 */
static uint32_t next_stats_ms = STATS_PERIOD_MS;

/* measurements */
typedef struct {
    uint64_t busy_cycles;
    uint32_t elapsed_ms;
    uint32_t frames;
    uint32_t frame_cycles_max;
    uint32_t inferences;
    uint64_t inference_cycles;
    uint32_t inference_cycles_max;
} opp_stats_t;
static opp_stats_t opp_stats[H7_OPP_COUNT];
static h7_opp_t current_opp;
static uint32_t opp_since_ms;
static uint32_t latency_max_ms, latency_sum_ms;
static uint32_t stop_entries;

static void print(const char *text)
{
    h7_console_write(text, strlen(text));
}

static void printf_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void printf_line(const char *fmt, ...)
{
    char line[400];
    va_list ap;
    va_start(ap, fmt);
    size_t n = h7_vfmt(line, sizeof line - 2, fmt, ap);
    va_end(ap);
    line[n++] = '\n';
    h7_console_write(line, n);
}

static void fail(const char *what, const char *detail)
{
    printf_line("{\"event\":\"error\",\"app\":\"kws\",\"what\":\"%s\",\"detail\":\"%s\"}", what, detail);
    h7_console_flush();
    h7_led_set(H7_LED_RED, true);
    for (;;)
        h7_sleep();
}

static void account_opp(void)
{
    uint32_t now = h7_time_ms();
    opp_stats[current_opp].elapsed_ms += now - opp_since_ms;
    opp_since_ms = now;
}

static void set_opp(h7_opp_t opp)
{
    if (opp == current_opp)
        return;
    account_opp();
    if (h7_clock_set_opp(opp) == 0)
        current_opp = opp;
    else
        current_opp = h7_clock_get_opp();
}

static uint32_t audio_now_ms(void)
{
    return (uint32_t)(samples_processed * 1000u / SAMPLE_RATE_HZ) + audio_gap_ms;
}

static void show_outputs(void)
{
    h7_led_set(H7_LED_GREEN, outputs.light);
    h7_led_set(H7_LED_YELLOW, outputs.running);
    h7_led_set(H7_LED_RED, outputs.confirm == KWS_CONFIRM_NO);
}

static void emit_detection(const kws_detection_t *d)
{
    const char *word = d->class_index < kws_model.label_count ? kws_model.labels[d->class_index] : "?";
    kws_action_t action = kws_action_for_word(word);
    kws_outputs_apply(&outputs, action);
    show_outputs();
    char what[32];
    kws_action_describe(&outputs, action, what, sizeof what);
    uint32_t now = h7_time_ms();
    uint32_t word_end = capture_origin_ms + d->end_ms;
    uint32_t latency = (int32_t)(now - word_end) > 0 ? now - word_end : 0;
    if (latency > latency_max_ms)
        latency_max_ms = latency;
    latency_sum_ms += latency;
    printf_line("{\"event\":\"kws\",\"word\":\"%s\",\"score\":%.3f,\"start_ms\":%u,\"end_ms\":%u,"
                "\"decided_ms\":%u,\"latency_ms\":%u,\"action\":\"%s\",\"light\":%d,\"level\":%u,"
                "\"running\":%d,\"selection\":%u,\"confirm\":\"%s\"}",
                word, (double)d->score, (unsigned)d->start_ms, (unsigned)d->end_ms,
                (unsigned)d->decided_ms, (unsigned)latency, what, outputs.light, outputs.level,
                outputs.running, outputs.selection,
                outputs.confirm == KWS_CONFIRM_YES ? "yes" : outputs.confirm == KWS_CONFIRM_NO ? "no" : "none");
}

static void emit_stats(const char *reason)
{
    account_opp();
    h7audio_stats_t a;
    h7audio_get_stats(&a);
    char opps[360];
    size_t n = 0;
    opps[n++] = '[';
    for (int i = 0; i < H7_OPP_COUNT; i++) {
        const opp_stats_t *s = &opp_stats[i];
        if (s->elapsed_ms == 0 && s->frames == 0)
            continue;
        uint64_t capacity = (uint64_t)s->elapsed_ms * (h7_clock_opp_hz((h7_opp_t)i) / 1000u);
        uint32_t load_permille = capacity ? (uint32_t)(s->busy_cycles * 1000u / capacity) : 0;
        uint32_t hop_cycles = frame_ms * (h7_clock_opp_hz((h7_opp_t)i) / 1000u);
        n += h7_fmt(opps + n, sizeof opps - n,
                    "%s{\"mhz\":%u,\"ms\":%u,\"busy_cycles\":%llu,\"load\":%.3f,\"frames\":%u,"
                    "\"frame_cycles_max\":%u,\"frame_load_max\":%.3f,\"inferences\":%u,"
                    "\"inference_cycles_max\":%u}",
                    n > 1 ? "," : "", (unsigned)(h7_clock_opp_hz((h7_opp_t)i) / 1000000u),
                    (unsigned)s->elapsed_ms, (unsigned long long)s->busy_cycles,
                    load_permille / 1000.0, (unsigned)s->frames, (unsigned)s->frame_cycles_max,
                    hop_cycles ? (double)s->frame_cycles_max / hop_cycles : 0.0,
                    (unsigned)s->inferences, (unsigned)s->inference_cycles_max);
    }
    if (n < sizeof opps - 1)
        opps[n++] = ']';
    opps[n] = 0;
    printf_line("{\"event\":\"kws_stats\",\"reason\":\"%s\",\"audio_ms\":%u,\"time_ms\":%u,"
                "\"mode_ms\":{\"listen\":%u,\"recognize\":%u,\"stop\":%u},\"stop_entries\":%u,"
                "\"frames\":%llu,\"inferences\":%u,\"skipped_inferences\":%u,\"detections\":%u,"
                "\"segments\":%u,\"latency_max_ms\":%u,\"latency_mean_ms\":%u,"
                "\"dropped_samples\":%u,\"ring_overflows\":%u,\"spi_overruns\":%u,\"dma_errors\":%u,"
                "\"console_dropped\":%u,\"opp\":%s}",
                reason, (unsigned)audio_now_ms(), (unsigned)(h7_time_ms() - capture_origin_ms),
                (unsigned)power.time_in_mode_ms[KWS_POWER_LISTEN],
                (unsigned)power.time_in_mode_ms[KWS_POWER_RECOGNIZE],
                (unsigned)power.time_in_mode_ms[KWS_POWER_STOP], (unsigned)stop_entries,
                (unsigned long long)(samples_processed / hop_samples), (unsigned)pacer.runs,
                (unsigned)pacer.skipped, (unsigned)detector.detections, (unsigned)detector.segments,
                (unsigned)latency_max_ms,
                (unsigned)(detector.detections ? latency_sum_ms / detector.detections : 0),
                (unsigned)a.dropped_samples, (unsigned)a.ring_overflows, (unsigned)a.spi_overruns,
                (unsigned)a.dma_errors, (unsigned)h7_console_dropped(), opps);
}

static void run_model(uint32_t now_ms)
{
    uint32_t start = h7_cycles();
    h7nn_tensor in, out;
    h7nn_input(&nn, 0, &in);
    /* oldest frame first; the window ring's oldest row is window_next */
    int8_t *dst = (int8_t *)in.data;
    uint32_t row_bytes = window_features;
    for (uint32_t i = 0; i < window_frames; i++) {
        uint32_t row = (window_next + i) % window_frames;
        memcpy(dst + i * row_bytes, &window[row * row_bytes], row_bytes);
    }
    if (h7nn_invoke(&nn) != H7NN_OK)
        fail("invoke", h7nn_error(&nn));
    h7nn_output(&nn, 0, &out);
    float probs[KWS_DETECTOR_MAX_CLASSES];
    const int8_t *q = (const int8_t *)out.data;
    for (int c = 0; c < class_count; c++)
        probs[c] = output_scale * (float)(q[c] - output_zero_point);
    kws_detector_scores(&detector, now_ms, probs);
    uint32_t cycles = h7_cycles() - start;
    opp_stats_t *s = &opp_stats[current_opp];
    s->inferences++;
    s->inference_cycles += cycles;
    if (cycles > s->inference_cycles_max)
        s->inference_cycles_max = cycles;
}

static void enter_stop(void)
{
    emit_stats("stop");
    h7_console_flush();
    h7audio_stop();
    account_opp();
    stop_entries++;
    uint32_t before = h7_time_ms();
    h7_stop_result_t result;
    h7_stop(&result);
    opp_since_ms = h7_time_ms();
    /* Audio resumes at the platform time of the restart: the gap keeps the audio time
     * axis on the platform clock (and on the recording's axis in the simulator). */
    if (h7audio_start(SAMPLE_RATE_HZ) != H7AUDIO_OK)
        fail("audio", "restart after stop failed");
    uint32_t now = h7_time_ms();
    audio_gap_ms = (now - capture_origin_ms) - (uint32_t)(samples_processed * 1000u / SAMPLE_RATE_HZ);
    kws_power_woke(&power, audio_now_ms());
    printf_line("{\"event\":\"kws_wake\",\"audio_ms\":%u,\"stopped_ms\":%u,\"source\":%u,\"entered_stop\":%d}",
                (unsigned)audio_now_ms(), (unsigned)(now - before), (unsigned)result.wake_source,
                result.entered_stop);
}

static void process_hop(const int16_t *samples)
{
    uint32_t start = h7_cycles();
    float features[MAX_FEATURES];
    size_t consumed = 0;
    size_t made = h7fe_push(&frontend, samples, hop_samples, features, 1, &consumed);
    samples_processed += hop_samples;
    if (made == 1) {
        int8_t *row = &window[window_next * window_features];
        h7fe_quantize_int8(features, window_features, input_scale, input_zero_point, row);
        window_next = (window_next + 1) % window_frames;
        if (window_filled < window_frames)
            window_filled++;
    }
    uint32_t now = audio_now_ms();
    h7vad_event_t ev = h7vad_process(&vad, samples, hop_samples);
    if (ev == H7VAD_SPEECH_START) {
        if (kws_detector_speech_start(&detector, vad.event_time_ms + audio_gap_ms)) {
            kws_detection_t d;
            if (kws_detector_take(&detector, &d))
                emit_detection(&d);
        }
    } else if (ev == H7VAD_SPEECH_END) {
        kws_detector_speech_end(&detector, vad.event_time_ms + audio_gap_ms);
    }
    if (kws_detector_tick(&detector, now)) {
        kws_detection_t d;
        if (kws_detector_take(&detector, &d))
            emit_detection(&d);
    }
    bool wants = kws_detector_wants_inference(&detector) && window_filled == window_frames;
    kws_power_mode_t mode = kws_power_update(&power, now, vad.in_speech, wants);
    if (mode != KWS_POWER_STOP)
        set_opp(opp_of_mode[mode]);
    uint32_t backlog_ms = (uint32_t)(h7audio_available() * 1000u / SAMPLE_RATE_HZ);
    opp_stats_t *s = &opp_stats[current_opp];
    s->frames++;
    if (kws_pacer_due(&pacer, now, backlog_ms, wants))
        run_model(now);
    uint32_t cycles = h7_cycles() - start;
    s->busy_cycles += cycles;
    if (cycles > s->frame_cycles_max)
        s->frame_cycles_max = cycles;
}

static void init_model(void)
{
    if (h7nn_init(&nn, kws_model.data, kws_model.size, kws_model.resolver, arena, sizeof arena) != H7NN_OK)
        fail("model", h7nn_error(&nn));
    if (h7nn_allocate(&nn) != H7NN_OK)
        fail("arena", h7nn_error(&nn));
    h7nn_tensor in, out;
    h7nn_input(&nn, 0, &in);
    h7nn_output(&nn, 0, &out);
    if (in.type != H7NN_INT8 || out.type != H7NN_INT8)
        fail("model", "input and output must be int8");
    uint32_t features = h7fe_config_feature_count(kws_model.frontend);
    uint32_t frames = kws_model.frontend->clip_frames;
    if (in.bytes != (size_t)features * frames || frames > MAX_FRAMES || features > MAX_FEATURES)
        fail("model", "input size does not match the front-end configuration");
    class_count = (int)out.bytes;
    if (class_count != kws_model.label_count || class_count > KWS_DETECTOR_MAX_CLASSES)
        fail("model", "output size does not match the labels");
    window_frames = frames;
    window_features = features;
    input_scale = in.scale;
    input_zero_point = in.zero_point;
    output_scale = out.scale;
    output_zero_point = out.zero_point;
}

static void init_pipeline(void)
{
    const h7fe_config_t *fc = kws_model.frontend;
    if (h7fe_init(&frontend, fc) != H7FE_OK)
        fail("frontend", "configuration refused");
    hop_samples = fc->hop_length;
    frame_ms = hop_samples * 1000u / fc->sample_rate_hz;
    if (fc->sample_rate_hz != SAMPLE_RATE_HZ || hop_samples > MAX_HOP)
        fail("frontend", "needs 16 kHz and a hop of at most 512 samples");
    h7vad_config_t vc;
    h7vad_default_config(&vc, SAMPLE_RATE_HZ);
    vc.hangover_frames = VAD_HANGOVER_FRAMES;
    if (h7vad_init(&vad, &vc) != 0)
        fail("vad", "configuration refused");

    kws_detector_config_t dc;
    kws_detector_default_config(&dc);
    dc.num_classes = class_count;
    dc.keyword_mask = 0;
    for (int c = 0; c < class_count; c++) {
        if (kws_action_for_word(kws_model.labels[c]) != KWS_ACTION_NONE)
            dc.keyword_mask |= 1u << c;
    }
    dc.window_ms = window_frames * frame_ms;
    if (!kws_detector_init(&detector, &dc))
        fail("detector", "no command word among the model's labels");
    kws_power_config_t pc;
    kws_power_default_config(&pc);
    kws_power_init(&power, &pc, 0);
    kws_pacer_init(&pacer, MODEL_HOP_MS, MAX_BACKLOG_MS);
    kws_outputs_init(&outputs);
    show_outputs();
}

/* Console commands (one byte): 's' stats now, 'l' pin every mode to the lowest operating
 * point (worst-case load test), 'n' normal operating points. */
static void poll_console(void)
{
    int c;
    while ((c = h7_console_getc()) >= 0) {
        if (c == 's') {
            emit_stats("request");
        } else if (c == 'l' || c == 'n') {
            opp_of_mode[KWS_POWER_RECOGNIZE] = c == 'l' ? H7_OPP_64 : H7_OPP_480;
            printf_line("{\"event\":\"kws_opp\",\"recognize_mhz\":%u}",
                        (unsigned)(h7_clock_opp_hz(opp_of_mode[KWS_POWER_RECOGNIZE]) / 1000000u));
        }
    }
}

int main(void)
{
    h7_platform_init(H7_OPP_64);
    current_opp = h7_clock_get_opp();
    printf_line("h7voice kws " KWS_VERSION " (model %s, hop %u ms)", kws_model.name,
                (unsigned)MODEL_HOP_MS);
    printf_line("{\"event\":\"boot\",\"app\":\"kws\",\"version\":\"" KWS_VERSION "\",\"model\":\"%s\","
                "\"reset\":\"%s\"}", kws_model.name, h7_reset_cause());
    init_model();
    init_pipeline();
    printf_line("{\"event\":\"kws_ready\",\"classes\":%d,\"frames\":%u,\"features\":%u,\"hop_ms\":%u,"
                "\"frame_ms\":%u,\"arena_used\":%u,\"threshold\":%.2f}",
                class_count, (unsigned)window_frames, (unsigned)window_features,
                (unsigned)MODEL_HOP_MS, (unsigned)frame_ms, (unsigned)h7nn_arena_used(&nn),
                (double)detector.config.threshold);
    if (h7audio_start(SAMPLE_RATE_HZ) != H7AUDIO_OK)
        fail("audio", "capture did not start");
    capture_origin_ms = h7_time_ms();
    opp_since_ms = capture_origin_ms;

    static int16_t hop[MAX_HOP];
    for (;;) {
        if (h7audio_failed())
            fail("audio", "DMA transfer error stopped capture");
        if (h7audio_available() >= hop_samples) {
            h7audio_read(hop, hop_samples);
            process_hop(hop);
            if (audio_now_ms() >= next_stats_ms) {
                emit_stats("period");
                next_stats_ms += STATS_PERIOD_MS;
            }
            continue;
        }
        poll_console();
        if (power.mode == KWS_POWER_STOP) {
            enter_stop();
            continue;
        }
        /* Sleep until the next DMA interrupt. Interrupts are masked around the check so
         * one arriving in between still ends the WFI (a pending interrupt wakes the core). */
        uint32_t irq = h7_irq_save();
        if (h7audio_available() < hop_samples)
            h7_sleep();
        h7_irq_restore(irq);
    }
}
