/* Keyword firmware: microphone to action (the default image; see README.md).
 *
 *   DMA half/full interrupt ──▶ sample ring ──▶ main loop, one 20 ms hop at a time
 *     ──▶ kws_pipeline_hop (front end ─▶ window ─▶ VAD ─▶ model ─▶ detector ─▶ decision,
 *         and the operating point for each step) ──▶ action + JSON event
 *   nothing to do ─▶ WFI until the next DMA interrupt; 5 s without speech ─▶ Stop mode.
 *
 * Wiring only: the engine as the pipeline's model, the operating point of each power mode,
 * capture, events and measurements. The decisions are in the portable kws_*.c files
 * (host-tested).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "apps/kws/kws_actions.h"
#include "apps/kws/kws_config.h"
#include "apps/kws/kws_energy.h"
#include "apps/kws/kws_governor.h"
#include "apps/kws/kws_model.h"
#include "apps/kws/kws_pipeline.h"
#include "apps/kws/kws_stream.h"
#include "apps/kws/kws_model_stream.h" /* the build's stream plan of the model (SConscript.firmware) */
#include "common/fmt.h"
#include "common/json.h"
#include "engine/h7nn.h"
#include "engine/h7nn_stream.h"
#include "platform/audio.h"
#include "platform/platform.h"
#include "platform/sections.h"

#define KWS_VERSION "0.1.0"
/* sample rate, model stride, backlog limit, VAD hangover: shared with the host build */
#define SAMPLE_RATE_HZ KWS_SAMPLE_RATE_HZ
#define MODEL_HOP_MS KWS_MODEL_HOP_MS
#define MAX_BACKLOG_MS KWS_MAX_BACKLOG_MS
#define VAD_HANGOVER_FRAMES KWS_VAD_HANGOVER_FRAMES
#define STATS_PERIOD_MS 10000u      /* a kws_stats line every 10 s of audio */
#define MAX_HOP 512u
#define DMA_HALF_MS 10u             /* audio_i2s.h: 160 frames per half buffer */
/* The independent watchdog, refreshed only when a hop has been processed (the pipeline
 * made progress). The longest legitimate gap between two hops: a model run at 64 MHz
 * (console 'l', ~106 ms) plus a 4 KB console flush before Stop (~360 ms at 115200 baud):
 * 2 s is well above it and still ends a hang quickly. In Stop the IWDG keeps counting
 * (RM0433: unless the FLASH option bit IWDG1_FZ_STOP is cleared, which this firmware does
 * not touch), so the Stop runs under the longest timeout (32.8 s) and wakes on LPTIM1 before it
 * (enter_stop). */
#define WATCHDOG_MS 2000u
#define WATCHDOG_STOP_MS 32768u     /* the IWDG's longest: LSI / 256, 4096 counts (31.2 s on a
                                       * part 5 % fast, clamped: still above STOP_WAKE_MS) */
#define STOP_WAKE_MS 30000u         /* LPTIM1 wakes the Stop to refresh it */

/* Stop mode needs a way back when sound returns (README.md, "Waking from Stop"): the
 * microphone's wake-on-sound output on an EXTI line that h7_stop() arms. Without it in the
 * platform the firmware does not enter Stop (it would go deaf); it reports the Stop the
 * power policy decided and keeps listening with WFI at the lowest operating point. */
#if defined(H7_WAKE_SOUND)
#define KWS_CAN_STOP 1
#else
#define KWS_CAN_STOP 0
#endif

/* Operating point of each power mode. The listening point is the lowest one; the
 * recognition point is used for the model runs of a burst (race to idle: the core drops
 * back to the listening point as soon as a run is over). */
static h7_opp_t opp_of_mode[KWS_POWER_MODE_COUNT] = {
    [KWS_POWER_LISTEN] = H7_OPP_16,
    [KWS_POWER_RECOGNIZE] = H7_OPP_64, /* the boot run's; then the governor's choice (init) */
    [KWS_POWER_STOP] = H7_OPP_64,
    /* the cascade's gate model: the recognition point (init, console): with the early
     * decision its run shares the 20 ms frame with the model's, and a slower point would
     * leave a backlog that every event's latency carries (README.md, "Cascade") */
    [KWS_POWER_GATE] = H7_OPP_64,
};

/* The recognition point the governor chose at boot (console 'n' returns to it). */
static h7_opp_t governed_opp = H7_OPP_480;
static uint32_t governor_nj[H7_OPP_COUNT];
/* The time a run may take. With the early decision (KWS_EARLY_DECISION) the runs of the
 * word's end come one per 20 ms frame right before the decision: a run must fit three
 * quarters of a frame (the front end's frame, worst ~4.3 ms at 16 MHz, shares it), else the
 * audio piling up in the ring delays the decision. Without it the decision waits for the
 * VAD's hangover, which drains that backlog: half the model hop (README.md, "Governor"). */
#define GOVERNOR_BUDGET_US \
    (KWS_EARLY_DECISION ? pipeline.frame_ms * 1000u * 3u / 4u : MODEL_HOP_MS * 1000u / 2u)
/* the points the model may run at (16 MHz is the waiting point, far too slow for a run) */
static const h7_opp_t recognition_points[] = {H7_OPP_480, H7_OPP_240, H7_OPP_120, H7_OPP_64};
#define RECOGNITION_POINTS (sizeof recognition_points / sizeof recognition_points[0])

static const kws_model_t *model;
static h7nn_interpreter nn;
/* The cascade's gate model is in the image only where the cascade can run (kws_stream.h:
 * not in front of a streamed model; its 32 KB of flash and 11 KB of RAM are left out) */
#define KWS_IMAGE_GATE KWS_STREAM_CASCADE_ON(KWS_MODEL_STREAM_FRAMES)
#if KWS_IMAGE_GATE
static const kws_model_t *gate;
static h7nn_interpreter gate_nn;
static int8_t *gate_input;
static float gate_scale;
static int32_t gate_zero_point;
#endif
static bool gate_fits; /* the gate takes the model's input and gives its classes */
static uint32_t gate_cycles_max;
static kws_pipeline_t pipeline;
/* Streaming (kws_stream.h, README.md "Streaming"): the model's state between runs, one per
 * phase of the hop (the pipeline's stream_slot), in exactly the bytes the build planned for
 * this model; none, and no streaming code, for a model that cannot stream */
#if KWS_MODEL_STREAM_STATE_BYTES > 0
static h7nn_stream streams[KWS_PIPELINE_STREAM_PHASES];
static uint8_t stream_state[KWS_MODEL_STREAM_STATE_BYTES] H7_AXI_BSS __attribute__((aligned(8)));
#endif
static size_t stream_state_used;
static uint32_t stream_frames;    /* the hop it streams at (frames); 0: full windows */
static uint32_t stream_hops;      /* runs the engine computed from its state (h7nn_stream.hops) */
static kws_outputs_t outputs;
static float output_scale;
static int32_t output_zero_point;
static int class_count;
static uint32_t capture_origin_ms;     /* platform time of audio time 0 */
static uint32_t capture_origin_sub_us; /* ... and its microseconds within that millisecond */
static uint32_t next_stats_ms = STATS_PERIOD_MS;
static uint32_t last_stop_stats_ms; /* audio time of the last stats line before a Stop */

/* measurements, per operating point */
typedef struct {
    uint64_t busy_cycles;
    uint32_t frames;
    uint32_t frame_cycles_max;
    uint32_t inferences;
    uint32_t inference_cycles_max;
} opp_stats_t;
static opp_stats_t opp_stats[H7_OPP_COUNT];
static h7_opp_t current_opp;
static uint32_t latency_max_ms, latency_sum_ms, stop_entries;
static uint32_t model_cycles_max; /* at any operating point: cycles do not depend on it */
static uint32_t opp_switches, opp_switch_failures, opp_switch_us_max;
static uint32_t hop_model_cycles; /* model cycles inside the hop being processed */

static void printf_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void printf_line(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    size_t n = h7_vfmt(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    line[n++] = '\n';
    h7_console_write(line, n);
}

/* An error the firmware cannot recover from: said once, noted for the next boot, and the
 * watchdog (no longer refreshed) resets the board. */
static __attribute__((noreturn)) void fail(const char *what, const char *detail)
{
    h7_app_fail("kws", what, detail);
}

static void set_opp(h7_opp_t opp)
{
    if (opp == current_opp)
        return;
    uint32_t start = h7_cycles();
    uint32_t mhz_before = h7_clock_sysclk_hz() / 1000000u;
    int rc = h7_clock_set_opp(opp); /* on failure the platform keeps a working point */
    /* the cycles counted at the old and the new clock: bound the time by the slower one */
    uint32_t mhz = h7_clock_sysclk_hz() / 1000000u;
    uint32_t slow = mhz < mhz_before ? mhz : mhz_before;
    uint32_t us = (h7_cycles() - start) / (slow ? slow : 1u);
    if (us > opp_switch_us_max)
        opp_switch_us_max = us;
    opp_switches++;
    current_opp = h7_clock_get_opp();
    if (rc != 0 || current_opp != opp) {
        opp_switch_failures++;
        char line[H7_JSON_LINE_MAX];
        h7_json_t j;
        h7_json_begin(&j, line, sizeof line, "kws_opp_error");
        h7_json_uint(&j, "wanted_mhz", h7_clock_opp_hz(opp) / 1000000u);
        h7_json_uint(&j, "mhz", mhz);
        h7_json_int(&j, "rc", rc);
        h7_json_emit(&j);
    }
}

/* Level (0..7) and selection (0..3) as binary on free Arduino-header pins, bit 0 first
 * (README.md, "Actions"). */
static const h7_pin_t level_pins[3] = {H7_PIN_D3, H7_PIN_D4, H7_PIN_D5};
static const h7_pin_t selection_pins[2] = {H7_PIN_D6, H7_PIN_D7};

static void outputs_init(void)
{
    for (unsigned i = 0; i < 3u; i++)
        if (h7_gpio_output(level_pins[i]) != 0)
            fail("gpio", "level pin refused by the platform");
    for (unsigned i = 0; i < 2u; i++)
        if (h7_gpio_output(selection_pins[i]) != 0)
            fail("gpio", "selection pin refused by the platform");
}

static void show_outputs(void)
{
    h7_led_set(H7_LED_GREEN, outputs.light);
    h7_led_set(H7_LED_YELLOW, outputs.running);
    h7_led_set(H7_LED_RED, outputs.confirm == KWS_CONFIRM_NO);
    h7_gpio_write_bits(level_pins, 3u, outputs.level);
    h7_gpio_write_bits(selection_pins, 2u, outputs.selection);
}

static void emit_detection(const kws_detection_t *d)
{
    const char *word = d->class_index < model->label_count ? model->labels[d->class_index] : "?";
    kws_action_t action = kws_action_for_word(word);
    kws_outputs_apply(&outputs, action);
    show_outputs();
    char what[32];
    kws_action_describe(&outputs, action, what, sizeof what);
    /* End of word -> event on the audio clock (exact sample counts, independent of the
     * SysTick time base): the samples up to decided_ms are processed, the ones captured
     * since wait in the ring, and at most one DMA half buffer (10 ms) is still in flight. */
    uint32_t backlog_ms = (uint32_t)(h7audio_available() * 1000u / SAMPLE_RATE_HZ);
    uint32_t latency = d->decided_ms - d->end_ms + backlog_ms + DMA_HALF_MS;
    if (latency > latency_max_ms)
        latency_max_ms = latency;
    latency_sum_ms += latency;
    char line[H7_JSON_LINE_MAX + 128];
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "kws");
    h7_json_str(&j, "word", word);
    h7_json_float(&j, "score", d->score, 3);
    h7_json_uint(&j, "start_ms", d->start_ms);
    h7_json_uint(&j, "end_ms", d->end_ms);
    h7_json_uint(&j, "decided_ms", d->decided_ms);
    h7_json_uint(&j, "latency_ms", latency);
    h7_json_str(&j, "action", what);
    h7_json_bool(&j, "light", outputs.light);
    h7_json_uint(&j, "level", outputs.level);
    h7_json_bool(&j, "running", outputs.running);
    h7_json_uint(&j, "selection", outputs.selection);
    h7_json_str(&j, "confirm", outputs.confirm == KWS_CONFIRM_YES  ? "yes"
                               : outputs.confirm == KWS_CONFIRM_NO ? "no"
                                                                   : "none");
    h7_json_uint(&j, "opp_mhz", h7_clock_opp_hz(current_opp) / 1000000u);
    h7_json_emit(&j);
}

static void emit_stats(const char *reason)
{
    h7audio_stats_t a;
    h7audio_get_stats(&a);
    const kws_power_t *pw = &pipeline.power;
    const kws_detector_t *det = &pipeline.detector;
    const h7_reset_record_t *rr = h7_reset_record(NULL);
    char line[1536];
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "kws_stats");
    h7_json_str(&j, "reason", reason);
    h7_json_uint(&j, "audio_ms", kws_pipeline_now_ms(&pipeline));
    h7_json_uint(&j, "time_ms", h7_time_ms() - capture_origin_ms);
    h7_json_object(&j, "mode_ms");
    h7_json_uint(&j, "listen", pw->time_in_mode_ms[KWS_POWER_LISTEN]);
    h7_json_uint(&j, "recognize", pw->time_in_mode_ms[KWS_POWER_RECOGNIZE]);
    h7_json_uint(&j, "stop", pw->time_in_mode_ms[KWS_POWER_STOP]);
    h7_json_close(&j);
    const h7_json_uint_field_t counters[] = {
        {"stop_entries", stop_entries},
        {"samples", pipeline.samples},
        {"inferences", pipeline.pacer.runs},
        {"model_runs", pipeline.model_runs},
        {"streamed_runs", pipeline.streamed_runs},
        {"stream_hops", stream_hops},
        {"gate_runs", pipeline.gate_runs},
        {"gate_opened", pipeline.gate_opened},
        {"gate_cycles_max", gate_cycles_max},
        {"skipped_inferences", pipeline.pacer.skipped},
        {"model_failures", pipeline.model_failures},
        {"detections", det->detections},
        {"segments", det->segments},
        {"latency_max_ms", latency_max_ms},
        {"latency_mean_ms", det->detections ? latency_sum_ms / det->detections : 0},
        {"dropped_samples", a.dropped_samples},
        {"ring_overflows", a.ring_overflows},
        {"spi_overruns", a.spi_overruns},
        {"suspend_timeouts", a.suspend_timeouts},
        {"dma_errors", a.dma_errors},
        {"captured", a.captured},
        {"waiting", h7audio_available()},
        {"lost_overwritten", a.lost_overwritten},
        {"lost_ring_full", a.lost_ring_full},
        {"lost_restart", a.lost_restart},
        {"discarded", a.discarded},
        {"late_interrupts", a.late_interrupts},
        {"capture_restarts", a.restarts},
        {"boots", rr->boots},
        {"watchdog_resets", rr->iwdg},
    };
    h7_json_uints(&j, counters, sizeof counters / sizeof counters[0]);
    h7_json_str(&j, "reset", h7_reset_cause());
    const h7_json_uint_field_t opp_counters[] = {
        {"console_dropped", h7_console_dropped()},
        {"opp_switches", opp_switches},
        {"opp_switch_failures", opp_switch_failures},
        {"opp_switch_us_max", opp_switch_us_max},
    };
    h7_json_uints(&j, opp_counters, sizeof opp_counters / sizeof opp_counters[0]);
    h7_json_array(&j, "opp");
    for (int i = 0; i < H7_OPP_COUNT; i++) {
        const opp_stats_t *s = &opp_stats[i];
        if (s->busy_cycles == 0)
            continue;
        uint32_t khz = h7_clock_opp_hz((h7_opp_t)i) / 1000u;
        uint32_t hop_cycles = pipeline.frame_ms * khz;
        /* no time per point here (cycles per point are exact; the simulator reports the
         * time per point and mode) */
        h7_json_object(&j, NULL);
        h7_json_uint(&j, "mhz", khz / 1000u);
        h7_json_uint(&j, "busy_cycles", s->busy_cycles);
        h7_json_uint(&j, "frames", s->frames);
        h7_json_uint(&j, "frame_cycles_max", s->frame_cycles_max);
        h7_json_float(&j, "frame_load_max", hop_cycles ? (double)s->frame_cycles_max / hop_cycles : 0.0, 4);
        h7_json_uint(&j, "inferences", s->inferences);
        h7_json_uint(&j, "inference_cycles_max", s->inference_cycles_max);
        h7_json_close(&j);
    }
    h7_json_close(&j);
    h7_json_emit(&j);
}

/* The pipeline's model callback: the engine on the chip, on the input tensor the pipeline
 * has just filled (config.model_input). */
static bool run_model(void *user, float *probs)
{
    (void)user;
    uint32_t start = h7_cycles();
#if KWS_MODEL_STREAM_STATE_BYTES > 0
    if (pipeline.config.stream_frames) {
        h7nn_stream *st = &streams[pipeline.stream_slot];
        if (h7nn_stream_invoke(st) != H7NN_OK)
            return false;
        stream_hops += st->hops > 0; /* the engine's word: this run was a hop */
    } else
#endif
    if (h7nn_invoke(&nn) != H7NN_OK) {
        return false;
    }
    h7nn_tensor out;
    h7nn_output(&nn, 0, &out);
    const int8_t *q = (const int8_t *)out.data;
    for (int c = 0; c < class_count; c++)
        probs[c] = output_scale * (float)(q[c] - output_zero_point);
    uint32_t cycles = h7_cycles() - start;
    if (cycles > model_cycles_max)
        model_cycles_max = cycles;
    hop_model_cycles += cycles;
    opp_stats_t *s = &opp_stats[current_opp];
    s->busy_cycles += cycles;
    s->inferences++;
    if (cycles > s->inference_cycles_max)
        s->inference_cycles_max = cycles;
    return true;
}

#if KWS_MODEL_STREAM_STATE_BYTES > 0
/* The pipeline's streaming reset: the next run is a full window. */
static void reset_stream(void *user)
{
    (void)user;
    h7nn_stream_reset(&streams[pipeline.stream_slot]);
}
#endif

#if KWS_IMAGE_GATE
/* The cascade's gate: the small model on its input tensor (config.gate_input). Its cycles
 * count as model cycles of the hop (not front-end work) at the gate's point. */
static bool run_gate(void *user, float *probs)
{
    (void)user;
    uint32_t start = h7_cycles();
    if (h7nn_invoke(&gate_nn) != H7NN_OK)
        return false;
    h7nn_tensor out;
    h7nn_output(&gate_nn, 0, &out);
    const int8_t *q = (const int8_t *)out.data;
    for (int c = 0; c < class_count; c++)
        probs[c] = gate_scale * (float)(q[c] - gate_zero_point);
    uint32_t cycles = h7_cycles() - start;
    if (cycles > gate_cycles_max)
        gate_cycles_max = cycles;
    hop_model_cycles += cycles;
    opp_stats[current_opp].busy_cycles += cycles;
    return true;
}
#endif

/* The pipeline's operating-point callback: the pipeline decides when, this maps the mode
 * to the board's point. The switch itself is not counted as front-end work. */
static void set_point(void *user, kws_power_mode_t mode)
{
    (void)user;
    uint32_t start = h7_cycles();
    set_opp(opp_of_mode[mode]);
    hop_model_cycles += h7_cycles() - start;
}

#if KWS_CAN_STOP
static void enter_stop(void)
{
    /* the samples still in the ring are older than the Stop: the pipeline has them all
     * (the main loop only stops when less than a hop is waiting); the rest is discarded
     * (counted when capture restarts). Capture stops first, so these statistics are
     * final for the capture: every sample captured is processed, waiting or counted. */
    uint32_t time_before = h7_time_ms();
    h7audio_stop();
    /* the Stop bookkeeping (formatting the lines; they go out after the wake-up) at the HSI
     * point h7_stop() uses anyway, not at the 16 MHz waiting point */
    set_opp(H7_OPP_64);
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "kws_stop");
    h7_json_uint(&j, "audio_ms", kws_pipeline_now_ms(&pipeline));
    h7_json_uint(&j, "time_ms", time_before - capture_origin_ms);
    h7_json_emit(&j);
    /* The statistics line (~1 KB, ~90 ms of UART at 115200 baud) before a Stop, but at most
     * one per stats period: the board stops in the pauses between words now, not only after
     * 5 s. Not flushed: the Stop comes at once and the lines go out after the wake-up
     * (h7_console_hold); waiting for the wire here, with capture already off, kept the
     * microphone off for up to 100 ms and lost a word starting then
     * (robot_tests/stop_wake.robot). The main loop waits for an idle console before it
     * calls this, still capturing. */
    uint32_t audio_now = kws_pipeline_now_ms(&pipeline);
    if (stop_entries == 0 || audio_now - last_stop_stats_ms >= STATS_PERIOD_MS) {
        emit_stats("stop");
        last_stop_stats_ms = audio_now;
    }
    stop_entries++;
    uint32_t before = h7_time_ms();
    h7_stop_result_t result;
    h7_watchdog_start(WATCHDOG_STOP_MS); /* the longest timeout while stopped */
    do {
        h7_watchdog_kick();
        h7_stop_within(&result, STOP_WAKE_MS);
        /* woken only to refresh the watchdog: back to Stop */
    } while (result.wake_source == H7_WAKE_TIMER && result.entered_stop);
    h7_watchdog_start(WATCHDOG_MS);
    /* capture first: every microsecond here is sound of the word that woke us, lost */
    int rc = h7audio_start(SAMPLE_RATE_HZ);
    (void)h7_stop_settle_time(); /* the Stop's last partial millisecond, before any time is read */
    uint32_t now = h7_time_ms();
    current_opp = h7_clock_get_opp();
    if (rc != H7AUDIO_OK)
        fail("audio", "restart after stop failed");
    /* audio resumes at the platform time of the restart: the audio time axis stays on the
     * platform clock (and on the recording's axis in the simulator) */
    /* to the nearest millisecond of the platform's microsecond time: truncating to its
     * millisecond put the audio clock ~0.5 ms behind the recording at every Stop (8 ms
     * after 7 Stops between words) */
    uint32_t now_sub_us;
    uint32_t now_ms = h7_time_ms_sub_us(&now_sub_us);
    int32_t sub = (int32_t)now_sub_us - (int32_t)capture_origin_sub_us;
    uint32_t resume_ms = now_ms - capture_origin_ms + (uint32_t)((sub + 1000 + 500) / 1000) - 1u;
    kws_pipeline_resume(&pipeline, resume_ms);
    h7_json_begin(&j, line, sizeof line, "kws_wake");
    h7_json_uint(&j, "audio_ms", kws_pipeline_now_ms(&pipeline));
    h7_json_uint(&j, "time_ms", now - capture_origin_ms);
    h7_json_uint(&j, "stopped_ms", now - before);
    h7_json_str(&j, "source", h7_wake_source_name(result.wake_source));
    h7_json_bool(&j, "entered_stop", result.entered_stop);
    h7_json_emit(&j);
    /* back to the waiting point now: the first hop after the wake takes 20 ms to arrive;
     * waiting for it at the HSI point (16.5 mA against 12) cost 13 mJ more over the demo's
     * 41 Stops */
    set_opp(opp_of_mode[KWS_POWER_LISTEN]);
}
#else
static void enter_stop(void)
{
    /* policy says Stop; no wake-on-sound source: stay listening, restart the silence timer */
    stop_entries++;
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "kws_stop_skipped");
    h7_json_uint(&j, "audio_ms", kws_pipeline_now_ms(&pipeline));
    h7_json_str(&j, "reason", "no wake-on-sound source in the platform (H7_WAKE_SOUND)");
    h7_json_emit(&j);
    kws_pipeline_resume(&pipeline, kws_pipeline_now_ms(&pipeline));
}
#endif

static void process_hop(const int16_t *samples)
{
    uint32_t start = h7_cycles();
    opp_stats_t *s = &opp_stats[current_opp]; /* the point the front end runs at */
    hop_model_cycles = 0;
    /* a model run would happen at the recognition point: predict its time there */
    uint32_t model_khz = h7_clock_opp_hz(opp_of_mode[KWS_POWER_RECOGNIZE]) / 1000u;
    uint32_t model_ms = model_cycles_max / model_khz + 1u;
    uint32_t backlog_ms = (uint32_t)(h7audio_available() * 1000u / SAMPLE_RATE_HZ) + model_ms;
    pipeline.run_ms = model_ms; /* for the cascade's catch-up runs */
    kws_detection_t d;
    if (kws_pipeline_hop(&pipeline, samples, backlog_ms, &d))
        emit_detection(&d);
    /* front end + VAD + detector + events; the model's cycles and the switches are not in it */
    uint32_t cycles = h7_cycles() - start - hop_model_cycles;
    s->frames++;
    s->busy_cycles += cycles;
    if (cycles > s->frame_cycles_max)
        s->frame_cycles_max = cycles;
}

static void init(void)
{
    const char *stage, *why = h7nn_open_embedded(&nn, model->data, model->size, model->crc32, model->resolver,
                                                 model->arena, model->arena_bytes, &stage);
    if (why)
        fail(stage, why);
    h7nn_tensor in, out;
    h7nn_input(&nn, 0, &in);
    h7nn_output(&nn, 0, &out);
    if (in.type != H7NN_INT8 || out.type != H7NN_INT8)
        fail("model", "input and output must be int8");
    const h7fe_config_t *fc = model->frontend;
    if (fc->sample_rate_hz != SAMPLE_RATE_HZ || fc->hop_length > MAX_HOP)
        fail("frontend", "needs 16 kHz and a hop of at most 512 samples");
    if (in.bytes != (size_t)h7fe_config_feature_count(fc) * fc->clip_frames)
        fail("model", "input size does not match the front-end configuration");
    class_count = (int)out.bytes;
    if (class_count != model->label_count || class_count > KWS_DETECTOR_MAX_CLASSES)
        fail("model", "output size does not match the labels");
    output_scale = out.scale;
    output_zero_point = out.zero_point;

    kws_pipeline_config_t pc = {
        .frontend = fc,
        .input_scale = in.scale,
        .input_zero_point = in.zero_point,
        .class_count = class_count,
        .model_hop_ms = MODEL_HOP_MS,
        .max_backlog_ms = MAX_BACKLOG_MS,
        .vad_hangover_frames = VAD_HANGOVER_FRAMES,
        .model_input = (int8_t *)in.data,
        .run_model = run_model,
        .set_point = set_point,
    };
    for (int c = 0; c < class_count; c++) {
        if (kws_action_for_word(model->labels[c]) != KWS_ACTION_NONE)
            pc.keyword_mask |= 1u << c;
        if (kws_word_ends_in_stop(model->labels[c]))
            pc.stop_end_mask |= 1u << c;
    }
#if KWS_MODEL_STREAM_STATE_BYTES > 0
    /* streaming: the engine's plan here is the build's (the same C on the host made it) */
    size_t state_bytes;
    const char *stream_note;
    int hop = kws_stream_plan(&nn, kws_stream_max_frames(fc->hop_length, fc->sample_rate_hz), sizeof stream_state,
                              &state_bytes, &stream_note);
    if (hop < 0)
        fail("stream", stream_note);
    if (hop != (int)KWS_MODEL_STREAM_FRAMES)
        fail("stream", "the engine's hop is not the build's (kws_model_stream.h): rebuild the image");
    size_t each = kws_stream_state_total(1, state_bytes); /* (the plan checked hop x each fits) */
    for (int i = 0; i < hop; i++)
        if (h7nn_stream_init(&streams[i], &nn, hop, &stream_state[(size_t)i * each], each) != H7NN_OK)
            fail("stream", h7nn_error(&nn));
    stream_state_used = kws_stream_state_total(hop, state_bytes);
    stream_frames = (uint32_t)hop;
    pc.stream_frames = stream_frames;
    pc.reset_stream = reset_stream;
#endif
#if KWS_IMAGE_GATE
    /* the cascade's gate: same input (shape and quantization) and classes as the model */
    gate = kws_gate_get();
    why = h7nn_open_embedded(&gate_nn, gate->data, gate->size, gate->crc32, gate->resolver, gate->arena,
                             gate->arena_bytes, &stage);
    if (why)
        fail("gate", why); /* what says it is the gate model */
    h7nn_tensor gin, gout;
    h7nn_input(&gate_nn, 0, &gin);
    h7nn_output(&gate_nn, 0, &gout);
    /* a model built with other features (model=...) has no gate: the cascade is off and
     * kws_ready says so (the host build, tools/h7voice/cascade.py, follows the same rule) */
    gate_fits = gin.type == H7NN_INT8 && gout.type == H7NN_INT8 && gin.bytes == in.bytes &&
                gin.scale == in.scale && gin.zero_point == in.zero_point && (int)gout.bytes == class_count;
    gate_scale = gout.scale;
    gate_zero_point = gout.zero_point;
    gate_input = (int8_t *)gin.data;
    pc.gate_threshold = KWS_GATE_THRESHOLD;
    if (kws_stream_cascade_on(stream_frames) && gate_fits) {
        pc.run_gate = run_gate;
        pc.gate_input = gate_input;
    }
#endif
    const char *problem = kws_pipeline_init(&pipeline, &pc);
    if (problem)
        fail("pipeline", problem);
    kws_outputs_init(&outputs);
    outputs_init();
    show_outputs();

    /* One run on silent features at boot: proves the model runs and measures its cost, so
     * the pacer can predict a run's time before the first word (and skip runs that would
     * overflow the sample ring at a slow operating point). */
    if (!kws_pipeline_warm_up(&pipeline))
        fail("model", h7nn_error(&nn));
    memset(opp_stats, 0, sizeof opp_stats);
    opp_switches = 0;

    /* Governor: the boot run's cycles at each point, costed with the datasheet currents. */
    kws_point_cost_t costs[RECOGNITION_POINTS];
    uint32_t nj[RECOGNITION_POINTS];
    for (unsigned i = 0; i < RECOGNITION_POINTS; i++) {
        costs[i].hz = h7_clock_opp_hz(recognition_points[i]);
        costs[i].run_ua = kws_energy_run_ua[recognition_points[i]];
    }
    int pick = kws_governor_pick(costs, (int)RECOGNITION_POINTS, model_cycles_max, GOVERNOR_BUDGET_US,
                                 KWS_ENERGY_WAIT_UA, KWS_ENERGY_VDD_MV, nj);
    for (unsigned i = 0; i < RECOGNITION_POINTS; i++)
        governor_nj[recognition_points[i]] = nj[i];
    governed_opp = recognition_points[pick];
    opp_of_mode[KWS_POWER_RECOGNIZE] = governed_opp;
    opp_of_mode[KWS_POWER_GATE] = governed_opp;
}

/* Console commands (one byte): 's' stats now, 'l' run recognition at the lowest operating
 * point too (the worst-case load test), 'n' normal operating points. */
/* The modes the model runs in from now on (console c/C, f/F; kws_ready has the boot's): so
 * a published figure says which it is of (h7voice demo's "ran"). Not in kws_stats: every
 * byte of that line is UART time at the waiting point. */
static void emit_mode(void)
{
    char line[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "kws_mode");
    h7_json_uint(&j, "stream_frames", pipeline.config.stream_frames);
    h7_json_bool(&j, "cascade", pipeline.config.run_gate != NULL);
    h7_json_bool(&j, "early_decision", kws_pipeline_early_decision(&pipeline));
    h7_json_emit(&j);
}

/* Called on every pass of the main loop but rarely has a byte to read: kept out of main's
 * hot code and compiled for size (the kws_stream image sits near its 256 KiB flash budget). */
__attribute__((noinline, cold)) static void poll_console(void)
{
    int c;
    while ((c = h7_console_getc()) >= 0) {
        if (c == 's') {
            emit_stats("request");
        } else if (c == 'p' || c == 'P') {
            /* p: Stop only after long silence (the policy before December 2026); P: Stop in
             * the pauses between words (the default; README "Stop between words") */
            pipeline.power.config.stop_after_silence_ms =
                c == 'p' ? KWS_STOP_AFTER_LONG_SILENCE_MS : KWS_STOP_AFTER_SILENCE_MS;
        } else if (c == 'c' || (c == 'C' && gate_fits)) {
            /* c: the model alone (no cascade); C: the cascade (h7voice demo --energy-table) */
#if KWS_IMAGE_GATE
            pipeline.config.run_gate = c == 'C' ? run_gate : NULL;
            pipeline.config.gate_input = c == 'C' ? gate_input : NULL;
#endif
            emit_mode();
        } else if (c == 'e' || c == 'E') {
            /* e: every word decided after the VAD's hangover (about half the false alarms in
             * conversation, events ~90 ms later; README "Latency"); E: the early decision */
            pipeline.config.early_decision = c == 'e' ? 1u : 2u;
            emit_mode();
        } else if (c == 'f' || c == 'F') {
            /* f: full windows with the schedule of a model that cannot stream; F: streaming
             * again, if the model can (h7voice demo --no-stream) */
            pipeline.config.stream_frames = c == 'F' ? stream_frames : 0u;
            kws_pipeline_restart_stream(&pipeline);
            emit_mode();
        } else if (c == 'l' || c == 'n' || c == '4' || c == '2' || c == '1') {
            /* l: the worst case (64 MHz); n: the governor's point; 4/2/1: 480/240/120 MHz
             * fixed (h7voice demo --energy-table) */
            opp_of_mode[KWS_POWER_RECOGNIZE] = c == 'l'   ? H7_OPP_64
                                               : c == '4' ? H7_OPP_480
                                               : c == '2' ? H7_OPP_240
                                               : c == '1' ? H7_OPP_120
                                                          : governed_opp;
            opp_of_mode[KWS_POWER_GATE] = opp_of_mode[KWS_POWER_RECOGNIZE];
            /* 'l' is the lowest point that can run the model, for everything (the worst-case
             * load test); the others wait at the 16 MHz point */
            opp_of_mode[KWS_POWER_LISTEN] = c == 'l' ? H7_OPP_64 : H7_OPP_16;
            char line[H7_JSON_LINE_MAX];
            h7_json_t j;
            h7_json_begin(&j, line, sizeof line, "kws_opp");
            h7_json_uint(&j, "recognize_mhz", h7_clock_opp_hz(opp_of_mode[KWS_POWER_RECOGNIZE]) / 1000000u);
            h7_json_emit(&j);
        }
    }
}

int main(void)
{
    model = kws_model_get();
    h7_platform_init(opp_of_mode[KWS_POWER_LISTEN]);
    current_opp = h7_clock_get_opp();
    printf_line("h7voice kws " KWS_VERSION " (model %s, model hop %u ms)", model->name,
                (unsigned)MODEL_HOP_MS);
    bool record_valid;
    const h7_reset_record_t *rr = h7_reset_record(&record_valid);
    char line[H7_JSON_LINE_MAX + 128];
    h7_json_t j;
    h7_json_begin(&j, line, sizeof line, "boot");
    h7_json_str(&j, "app", "kws");
    h7_json_str(&j, "version", KWS_VERSION);
    h7_json_str(&j, "model", model->name);
    h7_json_str(&j, "reset", h7_reset_cause());
    h7_json_str(&j, "last_note", rr->last_note);
    h7_json_uint(&j, "boots", rr->boots);
    h7_json_object(&j, "resets");
    h7_json_uint(&j, "iwdg", rr->iwdg);
    h7_json_uint(&j, "software", rr->software);
    h7_json_uint(&j, "pin", rr->pin);
    h7_json_uint(&j, "brown_out", rr->brown_out);
    h7_json_uint(&j, "power_on", rr->power_on);
    h7_json_uint(&j, "other", rr->other);
    h7_json_close(&j);
    h7_json_str(&j, "record", record_valid ? "kept" : "new");
    h7_json_uint(&j, "lsi_hz", h7_lsi_measured_hz()); /* the Stop clock's, measured at boot */
    h7_json_emit(&j);
    h7_watchdog_start(WATCHDOG_MS);
    init();
    h7_json_begin(&j, line, sizeof line, "kws_ready");
    h7_json_int(&j, "classes", class_count);
    h7_json_uint(&j, "frames", pipeline.frames);
    h7_json_uint(&j, "features", pipeline.features);
    h7_json_uint(&j, "hop_ms", MODEL_HOP_MS);
    h7_json_uint(&j, "frame_ms", pipeline.frame_ms);
    h7_json_uint(&j, "arena_used", h7nn_arena_used(&nn));
    h7_json_float(&j, "threshold", pipeline.detector.config.threshold, 2);
    h7_json_bool(&j, "stop_mode", KWS_CAN_STOP);
    h7_json_uint(&j, "stop_after_ms", pipeline.power.config.stop_after_silence_ms);
    h7_json_uint(&j, "model_cycles", model_cycles_max);
    h7_json_uint(&j, "recognize_mhz", h7_clock_opp_hz(governed_opp) / 1000000u);
    h7_json_bool(&j, "cascade", pipeline.config.run_gate != NULL);
    h7_json_bool(&j, "early_decision", kws_pipeline_early_decision(&pipeline));
    h7_json_str(&j, "model_file", model->file);
#if KWS_IMAGE_GATE
    h7_json_str(&j, "gate", gate->name);
#else
    h7_json_str(&j, "gate", ""); /* not in this image (a streamed model: no cascade) */
#endif
    h7_json_float(&j, "gate_threshold", KWS_GATE_THRESHOLD, 2);
    h7_json_uint(&j, "stream_frames", stream_frames);
    h7_json_uint(&j, "stream_state_bytes", (uint32_t)stream_state_used); /* all phases */
    const h7_json_uint_field_t run_nj[] = {
        {"run_nj_480", governor_nj[H7_OPP_480]},
        {"run_nj_240", governor_nj[H7_OPP_240]},
        {"run_nj_120", governor_nj[H7_OPP_120]},
        {"run_nj_64", governor_nj[H7_OPP_64]},
    };
    h7_json_uints(&j, run_nj, sizeof run_nj / sizeof run_nj[0]);
    h7_json_emit(&j);
    if (h7audio_start(SAMPLE_RATE_HZ) != H7AUDIO_OK)
        fail("audio", "capture did not start");
    capture_origin_ms = h7_time_ms_sub_us(&capture_origin_sub_us);

    static int16_t hop[MAX_HOP];
    const uint32_t hop_samples = pipeline.hop_samples;
    for (;;) {
        if (h7audio_failed())
            fail("audio", "DMA errors kept coming after each capture restart");
        if (h7audio_available() >= hop_samples) {
            h7audio_read(hop, hop_samples);
            process_hop(hop);
            h7_watchdog_kick(); /* progress: one more hop through the pipeline */
            if (kws_pipeline_now_ms(&pipeline) >= next_stats_ms) {
                emit_stats("period");
                next_stats_ms = kws_pipeline_now_ms(&pipeline) + STATS_PERIOD_MS;
            }
            continue;
        }
        poll_console();
        /* the console first, still listening (a word starting meanwhile is heard and the
         * policy leaves Stop): what enter_stop queues goes out after the wake-up */
        if (pipeline.power.mode == KWS_POWER_STOP && h7_console_idle()) {
            enter_stop();
            continue;
        }
        /* Sleep until the next interrupt (DMA half buffer every 10 ms, SysTick every 1 ms).
         * A DMA interrupt arriving between the check above and the WFI costs at most one
         * SysTick period of delay, never samples (they wait in the ring). */
        h7_sleep();
    }
}
