/* One 20 ms hop of the phone recognizer, independent of the board:
 *
 *   samples ─▶ front end frame (phones_mel40: 40 log-mel) ─▶ int8 row of the feature window
 *           ─▶ window copied oldest frame first into the model's input [1, W, F, 1]
 *           ─▶ model (a callback: the engine) ─▶ int8 outputs [41]
 *           ─▶ log-probabilities (float) ─▶ decoder scores (h7dec_scores_f32, integer)
 *
 * The model's outputs at hop n score frame n - lookahead_frames (the model has seen that
 * many frames of the future): the first `lookahead_frames` hops give no scored frame. The
 * edges are padded as the model was trained (h7phones.train._with_context): the first
 * frame fills the whole window when it arrives (the past before the audio repeats it), and
 * at the end of an utterance phones_pipeline_repeat_last() feeds the last frame again, once
 * per look-ahead frame, so the last frames are scored too (the host library does so; on the
 * board the audio simply goes on).
 *
 * The same code runs on the chip (main.c) and on the host (phones_host_api.c, the library
 * tools/h7phones/acoustic.py loads), so every score a tool sees is the firmware's.
 * Portable C11.
 */
#ifndef H7_APPS_PHONES_PIPELINE_H
#define H7_APPS_PHONES_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "apps/phones/phones_config.h"
#include "engine/h7nn.h"
#include "frontend/frontend.h"
#include "speech/decoder/h7dec.h"

/* Runs the model on config.model_input (just written) and returns its int8 outputs, or
 * NULL if the model failed. restart: 0 when the window is the previous run's moved by exactly
 * one frame (a streamed model computes only the new frame's rows: phones_runner_run), 1 when
 * it is not (the first run, after a pipeline reset or frames pushed without a run). */
typedef const int8_t *(*phones_model_fn)(void *user, int restart);

typedef enum { PHONES_OUTPUT_LOG_SOFTMAX = 0, PHONES_OUTPUT_SOFTMAX = 1 } phones_output_kind_t;

typedef struct {
    const h7fe_config_t *frontend;     /* the features the model was trained on */
    uint32_t window_frames;            /* W: frames per model input */
    uint32_t lookahead_frames;         /* the outputs score frame (newest - lookahead) */
    float input_scale;                 /* the model input's quantization */
    int32_t input_zero_point;
    int8_t *model_input;               /* W x features int8, oldest frame first */
    uint32_t input_bytes;              /* the model input's size (checked: W x features) */
    uint32_t outputs;                  /* the model's output count (checked: H7DEC_PHONE_COUNT) */
    float output_scale;
    int32_t output_zero_point;
    uint32_t output_kind;              /* phones_output_kind_t */
    phones_model_fn run_model;
    void *user;
} phones_pipeline_config_t;

typedef struct {
    phones_pipeline_config_t config;
    h7fe_t frontend;
    uint32_t features, hop_samples, frame_ms;
    int8_t window[PHONES_MAX_WINDOW_FRAMES * PHONES_MAX_FEATURES]; /* ring of rows */
    uint32_t window_next;              /* the row the next frame goes to (= the oldest) */
    uint32_t frames;                   /* rows pushed (front-end frames, then repeats) */
    uint32_t run_frames;               /* `frames` at the last model run (0: none since init) */
    int32_t scored_frames;             /* frames scored so far */
    uint64_t samples;                  /* processed */
    uint32_t model_failures;
    uint32_t clamped;                  /* feature values saturated by the input quantization */
    uint32_t unreported;               /* outputs still to drop after phones_pipeline_resume */
    /* the frame scored by the last hop (phones_pipeline_hop returned 1) */
    int32_t frame;
    int8_t raw[H7DEC_PHONE_COUNT];     /* the model's int8 outputs */
    float logp[H7DEC_PHONE_COUNT];     /* log-probabilities (nats) */
    int32_t scores[H7DEC_PHONE_COUNT]; /* the decoder's integer scores */
} phones_pipeline_t;

/* phones_pipeline_init with the configuration every caller builds the same way: the model
 * record's fields, and the quantization, input buffer and sizes of the engine's tensors.
 * Returns NULL on success, or what is wrong (as phones_pipeline_init). */
const char *phones_pipeline_open(phones_pipeline_t *p, const h7fe_config_t *frontend, uint32_t window_frames,
                                 uint32_t lookahead_frames, uint32_t output_kind, const h7nn_tensor *in,
                                 const h7nn_tensor *out, phones_model_fn run_model, void *user);

/* Returns NULL on success, or a message naming what is wrong with the configuration. */
const char *phones_pipeline_init(phones_pipeline_t *p, const phones_pipeline_config_t *config);

/* The stream goes on after a gap in the audio (the align image's Stop between segments;
 * call phones_pipeline_repeat_last lookahead_frames times before the gap, as at the end of
 * an utterance): the front end starts its audio again but keeps its noise floor
 * (h7fe_restart), and the window keeps the frames before the gap as the model's past (the
 * room before the speech that woke the board, instead of the speech's first frame repeated).
 * The first lookahead_frames outputs after it, which score the flush's repeats, are not
 * reported; the frame scored next is the first after the gap. */
void phones_pipeline_resume(phones_pipeline_t *p);

/* One hop (hop_samples samples). Returns 1 when a frame was scored (p->frame, p->raw,
 * p->logp, p->scores), 0 when none yet (look-ahead), -1 when the model failed. */
int phones_pipeline_hop(phones_pipeline_t *p, const int16_t *samples);

/* End of an utterance: one more model run with the newest frame repeated (call it
 * lookahead_frames times). Returns as phones_pipeline_hop; 0 if no frame was computed yet. */
int phones_pipeline_repeat_last(phones_pipeline_t *p);

/* Audio time (ms) at the end of the samples processed so far. */
uint32_t phones_pipeline_now_ms(const phones_pipeline_t *p);

/* One model output row -> log-probabilities, by the output kind (softmax: the natural log
 * of the dequantized probability, h7fe_logf, so host and chip agree bit for bit). */
void phones_outputs_to_logp(const phones_pipeline_config_t *c, const int8_t *q, float *logp);

#endif
