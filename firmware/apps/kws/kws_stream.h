/* Whether and how the keyword image streams its model (README.md, "Streaming"): decided
 * once, at start-up, from the engine itself (h7nn_stream_state_bytes), by the board
 * (main.c) and the host build (kws_host_api.c) alike.
 */
#ifndef H7_APPS_KWS_STREAM_H
#define H7_APPS_KWS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apps/kws/kws_config.h"
#include "engine/h7nn.h"

/* The hop (feature frames) the model streams at: the smallest from 1 up to max_frames (the
 * model stride, KWS_MODEL_HOP_MS, in frames; at most KWS_PIPELINE_STREAM_PHASES) the engine
 * accepts, with one state's bytes in *state_bytes (the image keeps one state per phase of the
 * hop: hop x state, each rounded up to 8 bytes). 0 when the model streams at none of them (a
 * full window every run; *why: the engine's line for the 1-frame hop) or when KWS_STREAM is
 * 0 (*why says so). -1 when it streams but its states need more than max_state bytes (*why
 * names the setting to raise). */
int kws_stream_plan(h7nn_interpreter *nn, uint32_t max_frames, size_t max_state, size_t *state_bytes,
                    const char **why);

/* The largest hop kws_stream_plan may choose (max_frames): the model stride in feature
 * frames of this front end (hop_length samples at sample_rate_hz); 0 for a bad front end. */
uint32_t kws_stream_max_frames(uint32_t hop_length, uint32_t sample_rate_hz);

/* The bytes of the image's stream states for a plan (hop, one state's state_bytes): one per
 * phase of the hop, each rounded up to 8 bytes; 0 when hop <= 0. */
size_t kws_stream_state_total(int hop, size_t state_bytes);

/* The build's plan for the image (SConscript.firmware calls it on the host build through
 * tools/kwsapp/streamplan.py, and sizes the board's buffer with it): kws_stream_plan for
 * this front end within KWS_STREAM_STATE_MAX_BYTES, *total_bytes its kws_stream_state_total
 * (0 when the model cannot stream). */
int kws_stream_plan_image(h7nn_interpreter *nn, uint32_t hop_length, uint32_t sample_rate_hz, size_t *total_bytes,
                          const char **why);

/* Whether the image runs the cascade (KWS_CASCADE) in front of a model streamed at
 * stream_frames (0: not streamed): KWS_STREAM_CASCADE says for a streamed one. A macro too,
 * so the build leaves the gate model out of an image that never runs it (main.c). */
#define KWS_STREAM_CASCADE_ON(stream_frames) (KWS_CASCADE && ((stream_frames) == 0u || KWS_STREAM_CASCADE))
bool kws_stream_cascade_on(uint32_t stream_frames);

#endif
