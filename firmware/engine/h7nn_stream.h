/* Streaming inference: a model whose time axis (dimension 1 of [1, T, F, C]) is causal runs
 * one hop at a time, computing only the new rows of each convolution.
 *
 *   static uint8_t state[STATE_BYTES] __attribute__((aligned(8)));
 *   h7nn_stream st;
 *   size_t need = h7nn_stream_state_bytes(&nn, hop_rows);      // 0: refused, h7nn_error(&nn) says why
 *   if (h7nn_stream_init(&st, &nn, hop_rows, state, sizeof state) != H7NN_OK) puts(h7nn_error(&nn));
 *   every hop: write the whole window into the input tensor (as for h7nn_invoke), then
 *   h7nn_stream_invoke(&st);     // first call (or after h7nn_stream_reset): one full-window run
 *
 * The model: optional head ops that only reshape the input (RESHAPE, and Keras's
 * SHAPE/STRIDED_SLICE/PACK shape computation; run in full every hop), then a chain of
 * CONV_2D / DEPTHWISE_CONV_2D ops (the streamed part; each reads the previous one's output)
 * with no padding along time (VALID; 'same' only where it pads nothing) and time strides that
 * divide each op's new input rows, then a tail (MEAN, AVERAGE_POOL_2D, RESHAPE +
 * FULLY_CONNECTED, SOFTMAX, ...) run in full every hop on the last streamed tensor. After a
 * VALID convolution, one that pads along time joins as an edge layer: every streamed tensor
 * then keeps its whole window and a hop recomputes only the first and last rows that changed
 * (h7nn_stream_layer's top and bottom). The chain ends at the first convolution whose stride
 * does not divide its new rows: it and everything after it are the tail (the phone model
 * streams its first block and runs the rest in full). Anything else, or a convolution that
 * pads first in the chain, is refused at h7nn_stream_init with one line naming the op and
 * why. h7nn_stream.count says how many convolutions stream.
 *
 * State: between hops the caller's buffer keeps, of each intermediate streamed tensor, only
 * the rows the next convolution reads for its new rows (its kernel height minus its stride,
 * plus the new rows), and of the last one its whole window (the tail reads it all); each with
 * room to slide forward (the kept rows again, at least 4 hops' new rows), moved back only
 * once every few hops. The full-window call runs on the arena plan and copies the kept rows
 * into the state. A hop slides each tensor by its new-row count and runs the model's own
 * kernels on row views (the same constants with fewer rows, the tensors pointed into the
 * state): the outputs are byte-equal to h7nn_invoke on the same window
 * (firmware/engine/tests/test_stream.c, tools/h7nn/tests/test_stream.py). The caller's
 * contract: each window is the previous one moved by hop_rows (the newest rows at the end);
 * after a gap (Stop, a reset of the features) call h7nn_stream_reset. */
#ifndef H7NN_STREAM_H
#define H7NN_STREAM_H

#include "engine/h7nn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define H7NN_STREAM_MAX_OPS 32   /* streamed convolutions (a DS-CNN of 15 blocks has 31) */

typedef struct {
    int op;                  /* op index in the model */
    int32_t rows;            /* output rows of the full window (T_out) */
    int32_t kept;            /* rows kept between hops: the last ones the next op reads (the window for the last op) */
    int32_t capacity;        /* rows the state holds (kept + slide room) */
    int32_t base;            /* the kept rows' first row in the state */
    int32_t row_bytes;       /* bytes of one output row (W x C) */
    int32_t new_rows;        /* output rows a hop adds (and computes) */
    int32_t in_rows;         /* input rows of that view */
    int32_t read_row;        /* its first input row in the input's window (op 0) or kept rows */
    int32_t stride;          /* time stride */
    int32_t in_row_bytes;    /* bytes of one input row */
    /* edge layers (a chain with a convolution that pads along time): the whole window is kept
     * and slid by new_rows; the rows a hop changes are the first `top` (they read the padding
     * or changed rows above) and the last `bottom` (new, or reading new rows), each computed
     * by one view with the op's padding cut to what it reads */
    int32_t edge, top, bottom, in_total, k_eff;
    uint8_t *state;
    void *arena_data;        /* the output's memory in the arena plan (restored after a hop) */
} h7nn_stream_layer;

typedef struct {
    h7nn_interpreter *nn;
    int hop_rows;
    int first;               /* index of the first streamed op; ops before it are the head */
    int count;               /* streamed ops */
    int primed;              /* the state holds the previous window */
    uint32_t hops;           /* streamed hops since the last full run */
    size_t state_bytes;
    h7nn_stream_layer layer[H7NN_STREAM_MAX_OPS];
} h7nn_stream;

/* State bytes the model needs at this hop (input rows per hop), after h7nn_allocate; 0 when
 * it cannot stream (h7nn_error(nn) names the op and why). */
size_t h7nn_stream_state_bytes(h7nn_interpreter *nn, int hop_rows);
/* Checks the model (as above) and binds the state buffer (8-byte aligned, at least
 * h7nn_stream_state_bytes). H7NN_ERR_UNSUPPORTED with one line in h7nn_error(nn) when the
 * model cannot stream; H7NN_ERR_ARGUMENT for a bad call or a small state. */
h7nn_status h7nn_stream_init(h7nn_stream *st, h7nn_interpreter *nn, int hop_rows, void *state, size_t state_bytes);
/* One hop: the input tensor holds the whole window; runs the full window the first time
 * after init/reset, else the head, the new rows of each streamed op and the tail. */
h7nn_status h7nn_stream_invoke(h7nn_stream *st);
/* The next h7nn_stream_invoke runs the full window (after a gap in the input). */
void h7nn_stream_reset(h7nn_stream *st);
/* sizeof(h7nn_stream) of this build (the host tools allocate it through ctypes). */
size_t h7nn_stream_size(void);

#ifdef __cplusplus
}
#endif
#endif /* H7NN_STREAM_H */
