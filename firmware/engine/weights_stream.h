/* Weights in slow external memory (QSPI flash), streamed into SRAM layer by layer.
 *
 * A model whose bytes lie in external memory (the image's .qspi section, read through the
 * QUADSPI window) works as it is: the kernels read their weights in place, each read
 * costing the flash's time. The streamer copies each op's constant inputs (filter, bias)
 * into one of two SRAM buffers with a background copier (the MDMA on the board): while op
 * i computes from one buffer, op i+1's weights arrive in the other, and the last op starts
 * the first op's weights for the next inference. It works through the engine's per-op
 * hook: before op i it waits for its copy, starts the next one and points the op's
 * constants at the SRAM copy; after op i it points them back. No kernel changes.
 *
 * Streamed ops: CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (their constants hold the
 * filter and bias pointers); other ops with external constants read them in place.
 * A failed copy (error or timeout) is retried once at once; a second failure turns the
 * streamer off until the next h7_ws_set_mode (outputs stay right: the kernels read in
 * place). Each failure is counted (errors) and its message kept (h7_ws_error); nothing
 * waits without a bound.
 * Portable C: the copier is the caller's (board: MDMA, host tests: memcpy).
 */
#ifndef H7_ENGINE_WEIGHTS_STREAM_H
#define H7_ENGINE_WEIGHTS_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "engine/h7nn.h"

#define H7_WS_MAX_STEPS 64   /* ops with external weights */
#define H7_WS_MAX_REGIONS 4  /* external constant inputs per op */
#define H7_WS_MAX_OPS 256    /* ops of the model */

typedef enum {
    H7_WS_IN_PLACE = 0,  /* no streaming: kernels read the external memory */
    H7_WS_SYNC = 1,      /* copy op i's weights, wait, compute (no overlap) */
    H7_WS_PREFETCH = 2,  /* op i+1's copy runs while op i computes */
} h7_ws_mode;

/* The copier. copy() queues dst <- src (n bytes) and returns 0, or -1 when it cannot;
 * wait() returns when every queued copy is done (0) or failed/timed out (-1); error()
 * says why (one line); done() (optional) is called with each buffer before the kernels
 * read it (D-cache invalidation); reset() (optional) clears a failure. */
typedef struct {
    int (*copy)(void *user, void *dst, const void *src, size_t n);
    int (*wait)(void *user);
    const char *(*error)(void *user);
    void (*done)(void *user, void *buf, size_t n);
    void (*reset)(void *user); /* optional: clears the copier's error after a failure */
    void *user;
    uintptr_t external_lo, external_hi; /* the external memory's addresses [lo, hi) */
} h7_ws_port;

typedef struct {
    const void *src;
    void *dst_offset;   /* offset in the buffer (as a pointer-sized integer) */
    uint32_t bytes;
} h7_ws_region;

typedef struct {
    int op;
    int regions;
    h7_ws_region region[H7_WS_MAX_REGIONS];
    uint32_t bytes;
} h7_ws_step;

typedef struct {
    h7nn_interpreter *nn;
    h7_ws_port port;
    h7_ws_mode mode;
    uint8_t *buf[2];
    size_t buf_bytes;
    h7_ws_step step[H7_WS_MAX_STEPS];
    int steps;
    int16_t step_of_op[H7_WS_MAX_OPS];
    int held[2];          /* step whose weights buffer b holds or receives, -1 none */
    int in_flight;        /* buffer whose copy may still run, -1 none */
    int patched_step;     /* step whose op points at a buffer now, -1 none */
    int patched_buf;
    h7nn_op_hook user_hook;
    void *user_hook_user;
    uint32_t in_place_ops;   /* ops that read external constants in place */
    uint32_t bytes_copied;
    uint32_t waits;          /* ops that used a prefetched copy (waited for its end, done or not) */
    uint32_t errors;         /* failed copies */
    int off;                 /* 1 after a failed retry: kernels read in place */
    const char *error;       /* the last failure's message (or a set-up error), NULL if none */
} h7_ws;

/* After h7nn_allocate: plans the steps, checks they fit the buffers, installs the hook
 * (calling user_hook around every op as before). buf1 may be NULL for H7_WS_SYNC.
 * H7NN_OK, or H7NN_ERR_ARGUMENT with h7_ws_error() saying why (an op's external weights
 * larger than a buffer names the op and the bytes needed). */
h7nn_status h7_ws_init(h7_ws *ws, h7nn_interpreter *nn, const h7_ws_port *port, h7_ws_mode mode, void *buf0,
                       void *buf1, size_t buf_bytes, h7nn_op_hook user_hook, void *user_hook_user);
/* The buffer size a model needs (the largest step), 0 if nothing is external. */
size_t h7_ws_buffer_bytes(h7nn_interpreter *nn, uintptr_t external_lo, uintptr_t external_hi);
/* Waits for a copy still running (before the buffers are reused or the mode changes). */
void h7_ws_finish(h7_ws *ws);
h7nn_status h7_ws_set_mode(h7_ws *ws, h7_ws_mode mode);
/* The last failure (one line), NULL if none; ws->off says whether streaming stopped. */
const char *h7_ws_error(const h7_ws *ws);

/* For the host tools (ctypes): the struct's size, and bytes_copied, waits, errors, off,
 * steps in out[0..4]. */
size_t h7_ws_size(void);
void h7_ws_counters(const h7_ws *ws, uint32_t out[5]);

#endif
