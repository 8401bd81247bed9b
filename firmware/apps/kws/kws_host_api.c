/* Host build only (build/host/firmware/apps/kws/libh7kws.so): the keyword firmware's hop
 * loop over a whole recording, for the Python tools (tools/kwsapp/detector.py) and so for
 * every evaluation and report figure.
 *
 * Same code as the board: kws_pipeline (front end, feature window, VAD, detector, power
 * policy, pacer), the engine (the optimized kernels the firmware links; bit-exact with the
 * reference ones), the settings of kws_config.h, the keyword classes chosen by
 * kws_action_for_word as main.c does, and the outputs dequantized as main.c does.
 * What the host cannot have, and how it stands in:
 *   - backlog: the main loop is never behind here (backlog 0), as on the board at the
 *     default operating points (its kws_stats report skipped runs; 0 in the demo);
 *   - Stop mode: by default, when the power policy asks for Stop the host keeps listening,
 *     like the firmware built without a wake-on-sound source (kws_stop_skipped); the entries
 *     are counted. With the microphone's wake pin given (kws_host_set_wake_pin: its
 *     activity per 10 ms window, from the simulator's microphone model) the host stops as
 *     the board does (main.c enter_stop): no Stop while the pin is high; otherwise the
 *     audio up to the pin's next rising edge (the end of the first loud window) is not
 *     heard, capture resumes there and the pipeline is told the gap. The board's wake path
 *     (pin edge to I2S running, 7.9 us) is below one sample and not modelled.
 * Model outputs are cached per hop for the same audio, so a threshold sweep runs the
 * model once (the window of a hop does not depend on the detector). Streaming (kws_stream.h)
 * is decided as main.c decides it and runs the same way; its outputs equal the full
 * window's (the engine's contract), so the cache holds either, and after a run served from
 * the cache the model's state is behind: the next engine run is a full window.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apps/kws/kws_actions.h"
#include "apps/kws/kws_config.h"
#include "apps/kws/kws_pipeline.h"
#include "apps/kws/kws_stream.h"
#include "engine/h7nn.h"
#include "engine/h7nn_all_ops.h"
#include "engine/h7nn_stream.h"

#define HOST_ARENA_BYTES (512u * 1024u)

typedef struct {
    uint32_t sample_rate_hz;
    uint32_t model_hop_ms;
    uint32_t max_backlog_ms;
    uint32_t vad_hangover_frames;
    float threshold;
    int32_t smooth_count;
    uint32_t settle_ms;
    uint32_t min_speech_ms;
    uint32_t max_segment_ms;
    uint32_t stop_after_silence_ms;
} kws_host_settings_t;

typedef struct {
    uint32_t hops;
    uint32_t inferences;        /* model runs the pipeline asked for */
    uint32_t model_evaluations; /* of those, run by the engine (the rest from the cache) */
    uint32_t skipped_inferences;
    uint32_t model_failures;
    uint32_t segments;
    uint32_t rejected_short;
    uint32_t rejected_long;
    uint32_t rejected_low_score;
    uint32_t detections;
    uint32_t stop_requests;
    uint32_t listen_ms;
    uint32_t recognize_ms;
    uint32_t stopped_ms; /* audio not heard in Stop (with the wake pin) */
    uint32_t model_runs;    /* of the model (the pipeline's: catch-up and lead runs included) */
    uint32_t streamed_runs; /* of those, computed from the stream state (kws_stats's) */
    uint32_t stream_frames; /* the hop streamed at in this run (0: full windows) */
} kws_host_stats_t;

typedef struct {
    h7nn_interpreter nn;
    uint8_t *model;
    uint8_t *arena;
    h7fe_config_t frontend;
    kws_pipeline_config_t config;
    kws_pipeline_t pipeline;
    float output_scale;
    int32_t output_zero_point;
    int class_count;
    /* posterior cache: per hop of the audio last run */
    float *cache;
    uint8_t *cached;
    size_t cache_hops;
    uint64_t audio_hash;
    size_t audio_count;
    uint32_t hop_index;
    uint32_t evaluations;
    /* the cascade's gate model (kws_host_set_gate), with its own posterior cache */
    h7nn_interpreter gate_nn;
    uint8_t *gate_model;
    uint8_t *gate_arena;
    float gate_scale;
    int32_t gate_zero_point;
    float *gate_cache;
    uint8_t *gate_cached;
    /* the microphone's wake pin (kws_host_set_wake_pin): 1 per window above its level */
    const uint8_t *wake_active;
    size_t wake_windows;
    uint32_t wake_window_samples;
    bool use_cache; /* false once a Stop moved the hops off the cached grid */
    uint32_t stop_after_ms; /* the power policy's silence before Stop; 0: kws_config.h's */
    uint32_t early_stop_frames; /* stop-consonant words' quiet frames; 0: kws_config.h's */
    /* streaming (kws_stream.h): the plan main.c makes, and the mode of the next runs */
    h7nn_stream streams[KWS_PIPELINE_STREAM_PHASES]; /* one per phase, as main.c */
    uint8_t *stream_state;
    uint32_t stream_frames;  /* the hop the model streams at; 0: it cannot */
    uint32_t stream_mode;    /* kws_host_set_stream */
    bool stream_behind[KWS_PIPELINE_STREAM_PHASES]; /* a cached run left that state behind */
    char error[160];
} kws_host_t;

void kws_host_settings(kws_host_settings_t *s)
{
    kws_detector_config_t dc;
    kws_power_config_t pc;
    kws_detector_default_config(&dc);
    kws_power_default_config(&pc);
    s->sample_rate_hz = KWS_SAMPLE_RATE_HZ;
    s->model_hop_ms = KWS_MODEL_HOP_MS;
    s->max_backlog_ms = KWS_MAX_BACKLOG_MS;
    s->vad_hangover_frames = KWS_VAD_HANGOVER_FRAMES;
    s->threshold = dc.threshold;
    s->smooth_count = dc.smooth_count;
    s->settle_ms = KWS_SETTLE_MS; /* the pipeline's, over the detector's default */
    s->min_speech_ms = dc.min_speech_ms;
    s->max_segment_ms = dc.max_segment_ms;
    s->stop_after_silence_ms = KWS_STOP_AFTER_SILENCE_MS; /* the pipeline's */
}

size_t kws_host_detection_size(void) { return sizeof(kws_detection_t); }
size_t kws_host_stats_size(void) { return sizeof(kws_host_stats_t); }
size_t kws_host_frontend_config_size(void) { return sizeof(h7fe_config_t); }

/* The pipeline has just written the window into the engine's input tensor. */
static bool run_model(void *user, float *probs)
{
    kws_host_t *h = (kws_host_t *)user;
    /* one feature frame per hop: the window of a catch-up run is that many hops back */
    uint32_t hop = h->hop_index - h->pipeline.window_back;
    float *row = h->use_cache && hop < h->cache_hops ? &h->cache[(size_t)hop * (size_t)h->class_count] : NULL;
    if (row && h->cached[hop]) {
        memcpy(probs, row, (size_t)h->class_count * sizeof(float));
        memset(h->stream_behind, 1, sizeof h->stream_behind);
        return true;
    }
    h7nn_tensor out;
    /* streaming, as main.c's run_model; mode 3: the same schedule with full windows */
    if (h->config.stream_frames && h->stream_mode != 3u) {
        const uint32_t slot = h->pipeline.stream_slot;
        if (h->stream_behind[slot])
            h7nn_stream_reset(&h->streams[slot]);
        h->stream_behind[slot] = false;
        if (h7nn_stream_invoke(&h->streams[slot]) != H7NN_OK)
            return false;
    } else if (h7nn_invoke(&h->nn) != H7NN_OK) {
        return false;
    }
    h->evaluations++;
    h7nn_output(&h->nn, 0, &out);
    const int8_t *q = (const int8_t *)out.data;
    for (int c = 0; c < h->class_count; c++)
        probs[c] = h->output_scale * (float)(q[c] - h->output_zero_point);
    if (row) {
        memcpy(row, probs, (size_t)h->class_count * sizeof(float));
        h->cached[hop] = 1;
    }
    return true;
}

/* The pipeline's streaming reset (main.c's). */
static void reset_stream(void *user)
{
    kws_host_t *h = (kws_host_t *)user;
    h7nn_stream_reset(&h->streams[h->pipeline.stream_slot]);
    h->stream_behind[h->pipeline.stream_slot] = false;
}

/* The gate's run: the pipeline has just written the window into the gate's input tensor. */
static bool run_gate(void *user, float *probs)
{
    kws_host_t *h = (kws_host_t *)user;
    uint32_t hop = h->hop_index;
    float *row = h->use_cache && hop < h->cache_hops && h->gate_cache
                     ? &h->gate_cache[(size_t)hop * (size_t)h->class_count] : NULL;
    if (row && h->gate_cached[hop]) {
        memcpy(probs, row, (size_t)h->class_count * sizeof(float));
        return true;
    }
    h7nn_tensor out;
    if (h7nn_invoke(&h->gate_nn) != H7NN_OK)
        return false;
    h7nn_output(&h->gate_nn, 0, &out);
    const int8_t *q = (const int8_t *)out.data;
    for (int c = 0; c < h->class_count; c++)
        probs[c] = h->gate_scale * (float)(q[c] - h->gate_zero_point);
    if (row) {
        memcpy(row, probs, (size_t)h->class_count * sizeof(float));
        h->gate_cached[hop] = 1;
    }
    return true;
}

const char *kws_host_error(const kws_host_t *h) { return h->error; }

static void drop_gate(kws_host_t *h)
{
    free(h->gate_model);
    free(h->gate_arena);
    free(h->gate_cache);
    free(h->gate_cached);
    h->gate_model = h->gate_arena = h->gate_cached = NULL;
    h->gate_cache = NULL;
    h->config.run_gate = NULL;
    h->config.gate_input = NULL;
}

void kws_host_close(kws_host_t *h)
{
    if (!h)
        return;
    drop_gate(h);
    free(h->model);
    free(h->arena);
    free(h->stream_state);
    free(h->cache);
    free(h->cached);
    free(h);
}

/* Returns NULL and writes a message to error[error_len] when the model, labels or front-end
 * configuration are refused (the same checks as main.c's init). */
kws_host_t *kws_host_open(const uint8_t *model, size_t model_bytes, const h7fe_config_t *frontend,
                          const char *const *labels, int label_count, char *error, size_t error_len)
{
    kws_host_t *h = calloc(1, sizeof(*h));
    const char *problem = NULL;
    if (!h)
        return NULL;
    h->model = aligned_alloc(16, (model_bytes + 15u) & ~(size_t)15u);
    h->arena = aligned_alloc(16, HOST_ARENA_BYTES);
    if (!h->model || !h->arena) {
        problem = "out of memory";
        goto fail;
    }
    memcpy(h->model, model, model_bytes);
    if (h7nn_init(&h->nn, h->model, model_bytes, h7nn_all_ops_resolver(1), h->arena,
                  HOST_ARENA_BYTES) != H7NN_OK ||
        h7nn_allocate(&h->nn) != H7NN_OK) {
        problem = h7nn_error(&h->nn);
        goto fail;
    }
    h7nn_tensor in, out;
    h7nn_input(&h->nn, 0, &in);
    h7nn_output(&h->nn, 0, &out);
    h->frontend = *frontend;
    if (in.type != H7NN_INT8 || out.type != H7NN_INT8) {
        problem = "model input and output must be int8";
        goto fail;
    }
    if (frontend->sample_rate_hz != KWS_SAMPLE_RATE_HZ) {
        problem = "the front end must run at the firmware's 16 kHz";
        goto fail;
    }
    if (in.bytes != (size_t)h7fe_config_feature_count(frontend) * frontend->clip_frames) {
        problem = "model input size does not match the front-end configuration";
        goto fail;
    }
    h->class_count = (int)out.bytes;
    if (h->class_count != label_count || h->class_count > KWS_DETECTOR_MAX_CLASSES) {
        problem = "model output size does not match the labels";
        goto fail;
    }
    h->output_scale = out.scale;
    h->output_zero_point = out.zero_point;
    kws_pipeline_config_t pc = {
        .frontend = &h->frontend,
        .input_scale = in.scale,
        .input_zero_point = in.zero_point,
        .class_count = h->class_count,
        .model_hop_ms = KWS_MODEL_HOP_MS,
        .max_backlog_ms = KWS_MAX_BACKLOG_MS,
        .vad_hangover_frames = KWS_VAD_HANGOVER_FRAMES,
        .model_input = (int8_t *)in.data,
        .run_model = run_model,
        .user = h, /* no operating points on the host: set_point stays NULL */
    };
    for (int c = 0; c < label_count; c++) {
        if (kws_action_for_word(labels[c]) != KWS_ACTION_NONE)
            pc.keyword_mask |= 1u << c;
        if (kws_word_ends_in_stop(labels[c]))
            pc.stop_end_mask |= 1u << c;
    }
    /* streaming, planned as main.c plans it */
    size_t state_bytes;
    const char *why;
    int hop = kws_stream_plan(&h->nn, kws_stream_max_frames(frontend->hop_length, frontend->sample_rate_hz),
                              KWS_STREAM_STATE_MAX_BYTES, &state_bytes, &why);
    if (hop < 0) {
        problem = why;
        goto fail;
    }
    if (hop > 0) {
        size_t each = kws_stream_state_total(1, state_bytes);
        h->stream_state = aligned_alloc(8, kws_stream_state_total(hop, state_bytes));
        if (!h->stream_state) {
            problem = "out of memory";
            goto fail;
        }
        for (int i = 0; i < hop; i++)
            if (h7nn_stream_init(&h->streams[i], &h->nn, hop, &h->stream_state[(size_t)i * each], each) != H7NN_OK) {
                problem = h7nn_error(&h->nn);
                goto fail;
            }
        h->stream_frames = (uint32_t)hop;
        pc.stream_frames = h->stream_frames;
        pc.reset_stream = reset_stream;
    }
    h->config = pc;
    problem = kws_pipeline_init(&h->pipeline, &h->config);
    if (problem)
        goto fail;
    return h;
fail:
    if (error && error_len) {
        strncpy(error, problem ? problem : "?", error_len - 1);
        error[error_len - 1] = 0;
    }
    kws_host_close(h);
    return NULL;
}

/* The cascade (kws_pipeline.h): `gate` (a model with the same input and classes as the
 * main one, e.g. models/kws_tiny.tflite) runs first and lets the main model run from the
 * hop its best command word reaches `threshold`. threshold <= 0 removes the gate. Returns 0;
 * -2 when the gate's input or classes differ from the main model's (main.c then runs
 * without the cascade); -1 for another failure; both with kws_host_error() set (no gate). */
int kws_host_set_gate(kws_host_t *h, const uint8_t *gate, size_t gate_bytes, float threshold)
{
    drop_gate(h);
    h->audio_hash = 0; /* the caches are rebuilt on the next run */
    h->cache_hops = 0;
    if (threshold <= 0.0f)
        return 0;
    const char *problem = NULL;
    int rc = -1;
    h->gate_model = aligned_alloc(16, (gate_bytes + 15u) & ~(size_t)15u);
    h->gate_arena = aligned_alloc(16, HOST_ARENA_BYTES);
    if (!h->gate_model || !h->gate_arena) {
        problem = "out of memory";
        goto fail;
    }
    memcpy(h->gate_model, gate, gate_bytes);
    if (h7nn_init(&h->gate_nn, h->gate_model, gate_bytes, h7nn_all_ops_resolver(1), h->gate_arena,
                  HOST_ARENA_BYTES) != H7NN_OK ||
        h7nn_allocate(&h->gate_nn) != H7NN_OK) {
        problem = h7nn_error(&h->gate_nn);
        goto fail;
    }
    h7nn_tensor in, out, main_in;
    h7nn_input(&h->gate_nn, 0, &in);
    h7nn_output(&h->gate_nn, 0, &out);
    h7nn_input(&h->nn, 0, &main_in);
    if (in.type != H7NN_INT8 || out.type != H7NN_INT8 || in.bytes != main_in.bytes ||
        in.scale != main_in.scale || in.zero_point != main_in.zero_point) {
        problem = "the gate model must take the main model's int8 input (same shape and quantization)";
        rc = -2;
        goto fail;
    }
    if ((int)out.bytes != h->class_count) {
        problem = "the gate model must have the main model's classes";
        rc = -2;
        goto fail;
    }
    h->gate_scale = out.scale;
    h->gate_zero_point = out.zero_point;
    h->config.run_gate = run_gate;
    h->config.gate_input = (int8_t *)in.data;
    h->config.gate_threshold = threshold;
    problem = kws_pipeline_init(&h->pipeline, &h->config);
    if (problem)
        goto fail;
    return 0;
fail:
    strncpy(h->error, problem ? problem : "?", sizeof h->error - 1);
    drop_gate(h);
    return rc;
}

/* The firmware's cascade settings (kws_config.h). */
void kws_host_cascade_settings(uint32_t *enabled, float *gate_threshold)
{
    *enabled = KWS_CASCADE;
    *gate_threshold = KWS_GATE_THRESHOLD;
}

/* Whether the firmware runs its cascade in front of this model (kws_stream_cascade_on:
 * KWS_CASCADE, and KWS_STREAM_CASCADE for a model it streams). */
int kws_host_firmware_cascade(const kws_host_t *h) { return kws_stream_cascade_on(h->stream_frames); }

/* The cascade's counters of the last run: gate runs, main-model runs, segments the gate
 * opened. */
void kws_host_cascade_stats(const kws_host_t *h, uint32_t *gate_runs, uint32_t *model_runs,
                            uint32_t *gate_opened)
{
    *gate_runs = h->pipeline.gate_runs;
    *model_runs = h->pipeline.model_runs; /* catch-up runs included */
    *gate_opened = h->pipeline.gate_opened;
}

static uint64_t fnv1a(const int16_t *samples, size_t count)
{
    uint64_t x = 1469598103934665603ull;
    const uint8_t *b = (const uint8_t *)samples;
    for (size_t i = 0; i < count * sizeof(int16_t); i++)
        x = (x ^ b[i]) * 1099511628211ull;
    return x;
}

/* The microphone's wake-on-sound pin for the next runs: active[k] = 1 when window k
 * (window_samples samples from the start of the audio) is above the pin's level; the pin
 * is high from the end of an active window to the end of the next quiet one. NULL: no
 * pin, the host keeps listening where the board would stop. The array must outlive the
 * runs. */
int kws_host_set_wake_pin(kws_host_t *h, const uint8_t *active, size_t windows, uint32_t window_samples)
{
    if (active && window_samples == 0) {
        strncpy(h->error, "wake pin window must be at least one sample", sizeof h->error - 1);
        return -1;
    }
    h->wake_active = active;
    h->wake_windows = active ? windows : 0;
    h->wake_window_samples = window_samples;
    return 0;
}

/* The power policy's silence before Stop for the next runs (0: KWS_STOP_AFTER_SILENCE_MS),
 * to measure the choice (h7voice stop-sweep). */
void kws_host_set_stop_after(kws_host_t *h, uint32_t ms) { h->stop_after_ms = ms; }

/* The quiet frames a word ending in a stop consonant waits for its early decision in the
 * next runs (0: KWS_EARLY_STOP_QUIET_FRAMES), to measure the choice (h7voice stop-sweep
 * style: kwsapp.detector KwsStream.run(stop_frames=...)). */
void kws_host_set_early_stop(kws_host_t *h, uint32_t frames) { h->config.early_stop_quiet_frames = frames; }

/* The lead run for the next runs (kws_config.h KWS_DENSE_LEAD): 0 the firmware's, 1 off, 2 on. */
void kws_host_set_dense_lead(kws_host_t *h, uint32_t lead) { h->config.dense_lead = lead; }

/* The early decision for the next runs (kws_config.h KWS_EARLY_DECISION): 0 the firmware's,
 * 1 off (every word decided after the VAD's hangover + settle), 2 on: what it costs in false
 * alarms against what it saves in latency (realstream --early-decision). */
void kws_host_set_early_decision(kws_host_t *h, uint32_t mode) { h->config.early_decision = mode; }

/* Streaming for the next runs: 0 the firmware's (kws_stream.h: the model streams if it
 * can), 1 off (full windows, the schedule of a model that cannot stream: console 'f'), 2 on
 * (as 0), 3 the streaming schedule with every run a full window (h7nn_invoke: the check that
 * streaming changes no output). Returns the hop (frames) of the streaming schedule, 0 when
 * the model cannot stream; -1 for a bad mode. The posterior cache is dropped (mode 3 must
 * compute its own). */
int kws_host_set_stream(kws_host_t *h, uint32_t mode)
{
    if (mode > 3u) {
        strncpy(h->error, "stream mode must be 0 (firmware's), 1 (off), 2 (on) or 3 (schedule only)",
                sizeof h->error - 1);
        return -1;
    }
    h->stream_mode = mode;
    h->config.stream_frames = mode == 1u ? 0u : h->stream_frames;
    h->audio_hash = 0;
    h->cache_hops = 0;
    return (int)h->stream_frames;
}

/* Pin level at sample `at`: set by the last window that ended at or before it. */
static bool wake_pin_high(const kws_host_t *h, size_t at)
{
    size_t ended = at / h->wake_window_samples; /* windows complete at `at` */
    return ended > 0 && ended - 1 < h->wake_windows && h->wake_active[ended - 1];
}

/* The sample where the pin next rises after `at` (the pin is low at `at`), or SIZE_MAX. */
static size_t wake_pin_next_rise(const kws_host_t *h, size_t at)
{
    for (size_t k = at / h->wake_window_samples; k < h->wake_windows; k++)
        if (h->wake_active[k] && (k + 1) * h->wake_window_samples > at)
            return (k + 1) * h->wake_window_samples;
    return SIZE_MAX;
}

/* Runs the firmware's pipeline from a fresh start over `count` samples (whole hops; a
 * partial last hop is not processed, as on the board). threshold <= 0: the firmware's.
 * Writes up to max_out detections and returns how many there were, or -1 with
 * kws_host_error() set. */
int kws_host_run(kws_host_t *h, const int16_t *samples, size_t count, float threshold,
                 kws_detection_t *out, int max_out, kws_host_stats_t *stats)
{
    const char *problem = kws_pipeline_init(&h->pipeline, &h->config);
    if (problem) {
        strncpy(h->error, problem, sizeof h->error - 1);
        return -1;
    }
    if (h->stop_after_ms > 0u)
        h->pipeline.power.config.stop_after_silence_ms = h->stop_after_ms;
    if (threshold > 0.0f) {
        if (threshold > 1.0f) {
            strncpy(h->error, "threshold must be in (0, 1]", sizeof h->error - 1);
            return -1;
        }
        h->pipeline.detector.config.threshold = threshold;
    }
    const uint32_t hop = h->pipeline.hop_samples;
    const size_t hops = count / hop;
    uint64_t hash = fnv1a(samples, count);
    if (hash != h->audio_hash || count != h->audio_count || hops != h->cache_hops) {
        free(h->cache);
        free(h->cached);
        h->cache = calloc(hops ? hops : 1, (size_t)h->class_count * sizeof(float));
        h->cached = calloc(hops ? hops : 1, 1);
        free(h->gate_cache);
        free(h->gate_cached);
        h->gate_cache = NULL;
        h->gate_cached = NULL;
        if (h->config.run_gate) {
            h->gate_cache = calloc(hops ? hops : 1, (size_t)h->class_count * sizeof(float));
            h->gate_cached = calloc(hops ? hops : 1, 1);
        }
        if (!h->cache || !h->cached || (h->config.run_gate && (!h->gate_cache || !h->gate_cached))) {
            h->cache_hops = 0;
            strncpy(h->error, "out of memory for the posterior cache", sizeof h->error - 1);
            return -1;
        }
        h->cache_hops = hops;
        h->audio_hash = hash;
        h->audio_count = count;
    }
    h->evaluations = 0;
    h->use_cache = true;
    memset(h->stream_behind, 1, sizeof h->stream_behind); /* a fresh start (full windows anyway) */
    int found = 0;
    uint32_t stops = 0, stopped_ms = 0;
    const uint32_t rate = h->pipeline.config.frontend->sample_rate_hz;
    size_t pos = 0; /* next sample to capture */
    for (size_t i = 0; pos + hop <= count; i++) {
        h->hop_index = (uint32_t)i;
        kws_detection_t d;
        if (kws_pipeline_hop(&h->pipeline, &samples[pos], 0, &d)) {
            if (found < max_out)
                out[found] = d;
            found++;
        }
        pos += hop;
        if (h->pipeline.power.mode != KWS_POWER_STOP)
            continue;
        stops++;
        if (!h->wake_active || wake_pin_high(h, pos)) {
            /* main.c without a wake-on-sound source, or h7_stop() with the pin already
             * high: keep listening, restart the silence timer */
            kws_pipeline_resume(&h->pipeline, kws_pipeline_now_ms(&h->pipeline));
            continue;
        }
        /* Stopped until the pin rises (after the audio: the end of the run) */
        size_t wake = wake_pin_next_rise(h, pos);
        if (wake >= count)
            break;
        stopped_ms += (uint32_t)((wake - pos) * 1000u / rate);
        pos = wake;
        h->use_cache = false; /* the hops are off the cached grid from here */
        kws_pipeline_resume(&h->pipeline, (uint32_t)((uint64_t)wake * 1000u / rate));
    }
    if (stats) {
        const kws_detector_t *d = &h->pipeline.detector;
        memset(stats, 0, sizeof(*stats));
        stats->hops = (uint32_t)hops;
        stats->inferences = h->pipeline.pacer.runs;
        stats->model_evaluations = h->evaluations;
        stats->skipped_inferences = h->pipeline.pacer.skipped;
        stats->model_failures = h->pipeline.model_failures;
        stats->segments = d->segments;
        stats->rejected_short = d->rejected_short;
        stats->rejected_long = d->rejected_long;
        stats->rejected_low_score = d->rejected_low_score;
        stats->detections = d->detections;
        stats->stop_requests = stops;
        stats->stopped_ms = stopped_ms;
        stats->listen_ms = (uint32_t)h->pipeline.power.time_in_mode_ms[KWS_POWER_LISTEN];
        stats->recognize_ms = (uint32_t)h->pipeline.power.time_in_mode_ms[KWS_POWER_RECOGNIZE];
        stats->model_runs = h->pipeline.model_runs;
        stats->streamed_runs = h->pipeline.streamed_runs;
        stats->stream_frames = h->pipeline.config.stream_frames;
    }
    if (h->pipeline.model_failures) {
        strncpy(h->error, h7nn_error(h->config.run_gate && h->pipeline.gate_runs ? &h->gate_nn : &h->nn),
                sizeof h->error - 1);
        return -1;
    }
    return found;
}
