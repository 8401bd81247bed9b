/* The keyword pipeline for one hop of audio, independent of the board:
 *
 *   samples ─▶ front end frame ─▶ int8 feature window (the model's input rows)
 *           ─▶ VAD ─▶ detector segments ─▶ power policy (desired mode)
 *           ─▶ pacer ─▶ model (a callback) ─▶ detector scores ─▶ detection
 *
 * The board glue (main.c) feeds it captured audio and applies what it decides (operating
 * point, Stop, actions, events); host tests feed it WAV audio and a model of their choice.
 * Portable C11.
 */
#ifndef H7_APPS_KWS_PIPELINE_H
#define H7_APPS_KWS_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "speech/kws_detector.h"
#include "apps/kws/kws_pacer.h"
#include "apps/kws/kws_power.h"
#include "frontend/frontend.h"
#include "frontend/vad.h"

#define KWS_PIPELINE_MAX_FRAMES 64
#define KWS_PIPELINE_MAX_FEATURES 16

/* Runs the model on `input` (frames x features int8, oldest frame first) and writes the
 * class probabilities (0..1). Returns false if the model failed. */
typedef bool (*kws_model_fn)(void *user, const int8_t *input, float *probs);

typedef struct {
    const h7fe_config_t *frontend;     /* the features the model was trained on */
    float input_scale;                 /* the model input's quantization */
    int32_t input_zero_point;
    int class_count;
    uint32_t keyword_mask;             /* classes that are commands */
    uint32_t model_hop_ms;             /* N */
    uint32_t max_backlog_ms;           /* behind by more: skip the model run */
    uint32_t vad_hangover_frames;
    kws_model_fn run_model;
    void *model_user;
} kws_pipeline_config_t;

typedef struct {
    kws_pipeline_config_t config;
    h7fe_t frontend;
    h7vad_t vad;
    kws_detector_t detector;
    kws_power_t power;
    kws_pacer_t pacer;
    uint32_t frames, features, hop_samples, frame_ms;
    int8_t window[KWS_PIPELINE_MAX_FRAMES * KWS_PIPELINE_MAX_FEATURES];
    int8_t input[KWS_PIPELINE_MAX_FRAMES * KWS_PIPELINE_MAX_FEATURES];
    uint32_t window_next, window_filled;
    uint64_t samples;                  /* processed */
    uint32_t gap_ms;                   /* audio not captured (Stop) */
    uint32_t model_failures;
    bool ran_model;                    /* the last hop ran the model */
} kws_pipeline_t;

/* Returns NULL on success, or a message naming what is wrong with the configuration. */
const char *kws_pipeline_init(kws_pipeline_t *p, const kws_pipeline_config_t *config);

/* One hop (config.frontend->hop_length samples). backlog_ms: audio captured but not yet
 * processed, plus the time a model run would take (the board glue predicts it), compared
 * with config.max_backlog_ms to skip a run. Returns true when a detection is ready
 * (kws_detector_take(&p->detector, ...)).
 * The power mode to apply is p->power.mode afterwards. */
bool kws_pipeline_hop(kws_pipeline_t *p, const int16_t *samples, uint32_t backlog_ms);

/* Audio time (ms) at the end of the samples processed so far. */
uint32_t kws_pipeline_now_ms(const kws_pipeline_t *p);

/* Capture resumed after a gap (Stop mode): audio time jumps to resume_ms. */
void kws_pipeline_resume(kws_pipeline_t *p, uint32_t resume_ms);

#endif
