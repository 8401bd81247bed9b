/* The phone model run hop by hop by every image that scores phones (phones, align, commands)
 * and by the host library: the pipeline's phones_model_fn calls phones_runner_run.
 * Portable C11. */
#ifndef H7_APPS_PHONES_RUNNER_H
#define H7_APPS_PHONES_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/h7nn.h"
#include "engine/h7nn_stream.h"

/* The model, run hop by hop (every image's and the host library's phones_model_fn calls
 * phones_runner_run). The window moves one frame per run; a model whose first layer is VALID
 * along time with a stride of 2 (the phone model: 5x1 at stride 2) streams at a 2-frame hop,
 * so it keeps one engine stream per parity of the run. Each run computes the first layer's
 * new row, the changed edge rows of the 'same' depthwise and 1x1 after it, and the rest in
 * full (h7nn_stream: 352 k of the full window's 652 k cycles), byte-equal to h7nn_invoke on
 * the same window. A restart runs both parities' full windows again. A model the engine
 * cannot stream runs h7nn_invoke every hop. */
#define PHONES_STREAM_PHASES 2
typedef struct {
    h7nn_interpreter *nn;
    h7nn_stream stream[PHONES_STREAM_PHASES];
    int streams;                       /* 1: the engine streams the model at a 2-frame hop */
    uint32_t runs;                     /* runs since the last restart (their parity picks the stream) */
    uint32_t streamed_runs, full_runs; /* runs that computed only new rows, and full windows */
} phones_runner_t;

/* Binds the model (allocated) and the state buffer (8-byte aligned): both parities' streams,
 * none when the engine cannot stream the model (it then runs full windows). NULL, or what is
 * wrong (states larger than the buffer name PHONES_STREAM_STATE_BYTES). */
const char *phones_runner_init(phones_runner_t *m, h7nn_interpreter *nn, void *state, size_t state_bytes);
/* One run on the model's input tensor (written): its int8 outputs, or NULL (h7nn_error). */
const int8_t *phones_runner_run(phones_runner_t *m, int restart);

#endif
