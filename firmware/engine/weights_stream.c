/* Weights streamed from external memory into SRAM, op by op (see weights_stream.h). */
#include "engine/weights_stream.h"

#include <string.h>

#include "engine/h7nn_internal.h"
#include "engine/kernels/h7nn_kernels.h"

#define WS_ALIGN 32u /* regions start on cache lines (D-cache invalidation, MDMA beats) */

static int external(uintptr_t lo, uintptr_t hi, const void *p) {
    uintptr_t a = (uintptr_t)p;
    return a >= lo && a < hi;
}

static int streamed_op(int32_t code) {
    return code == H7NN_OP_CONV_2D || code == H7NN_OP_DEPTHWISE_CONV_2D || code == H7NN_OP_FULLY_CONNECTED;
}

/* The filter and bias pointers an op's constants hold (where the kernels read them). */
static const void **op_pointer(h7nn_node *node, int which) {
    int32_t code = node->kernel->builtin_code;
    if (code == H7NN_OP_FULLY_CONNECTED) {
        h7nn_fc_data *op = node->op_data;
        return which ? (const void **)&op->bias : (const void **)&op->filter;
    }
    h7nn_conv_data *op = node->op_data;
    return which ? (const void **)&op->bias : (const void **)&op->filter;
}

/* Walks the ops: the steps (into ws when given), the largest step's bytes. */
static h7nn_status plan(h7nn_interpreter *nn, uintptr_t lo, uintptr_t hi, h7_ws *ws, size_t *largest,
                        const char **why) {
    *largest = 0;
    int steps = 0, ops = h7nn_op_count(nn);
    uint32_t in_place = 0;
    if (ops > H7_WS_MAX_OPS) {
        *why = "weights stream: more ops than H7_WS_MAX_OPS";
        return H7NN_ERR_ARGUMENT;
    }
    for (int i = 0; i < ops; i++) {
        h7nn_node *node = &nn->nodes[i];
        h7_ws_step st;
        memset(&st, 0, sizeof st);
        st.op = i;
        int external_inputs = 0;
        for (int k = 0; k < node->input_count; k++) {
            int32_t t = node->inputs[k];
            h7nn_tinfo info;
            if (t < 0 || h7nn_tensor_info(nn, t, &info) != H7NN_OK || !info.const_data ||
                !external(lo, hi, info.const_data))
                continue;
            external_inputs++;
            if (!streamed_op(node->kernel->builtin_code) || !node->op_data) continue;
            /* only what the kernel reads at eval: a constant it re-arranged into the arena
             * at prepare is not read from external memory any more */
            if (*op_pointer(node, 0) != info.const_data && *op_pointer(node, 1) != info.const_data) continue;
            if (st.regions == H7_WS_MAX_REGIONS) {
                *why = "weights stream: an op has more external constants than H7_WS_MAX_REGIONS";
                return H7NN_ERR_ARGUMENT;
            }
            h7_ws_region *r = &st.region[st.regions++];
            uint32_t off = (st.bytes + WS_ALIGN - 1u) & ~(WS_ALIGN - 1u);
            r->src = info.const_data;
            r->dst_offset = (void *)(uintptr_t)off;
            r->bytes = info.bytes;
            st.bytes = off + ((info.bytes + WS_ALIGN - 1u) & ~(WS_ALIGN - 1u));
        }
        if (external_inputs && !st.regions) in_place++;
        if (!st.regions) {
            if (ws) ws->step_of_op[i] = -1;
            continue;
        }
        if (steps == H7_WS_MAX_STEPS) {
            *why = "weights stream: more ops with external weights than H7_WS_MAX_STEPS";
            return H7NN_ERR_ARGUMENT;
        }
        if (st.bytes > *largest) *largest = st.bytes;
        if (ws) {
            if (ws->buf_bytes < st.bytes) {
                *why = "weights stream: an op's weights do not fit the buffer (h7_ws_buffer_bytes gives the size)";
                return H7NN_ERR_ARGUMENT;
            }
            ws->step[steps] = st;
            ws->step_of_op[i] = (int16_t)steps;
        }
        steps++;
    }
    if (ws) {
        ws->steps = steps;
        ws->in_place_ops = in_place;
    }
    return H7NN_OK;
}

size_t h7_ws_buffer_bytes(h7nn_interpreter *nn, uintptr_t external_lo, uintptr_t external_hi) {
    size_t largest;
    const char *why;
    return plan(nn, external_lo, external_hi, NULL, &largest, &why) == H7NN_OK ? largest : 0;
}

/* Points op s's constants at buffer b (to_buffer) or back at external memory. */
static void patch(h7_ws *ws, int s, int b, int to_buffer) {
    const h7_ws_step *st = &ws->step[s];
    h7nn_node *node = &ws->nn->nodes[st->op];
    for (int r = 0; r < st->regions; r++) {
        const void *ext = st->region[r].src;
        const void *sram = ws->buf[b] + (uintptr_t)st->region[r].dst_offset;
        const void *from = to_buffer ? ext : sram, *to = to_buffer ? sram : ext;
        for (int which = 0; which < 2; which++) {
            const void **p = op_pointer(node, which);
            if (*p == from) *p = to;
        }
    }
}

/* A copy failed: its message is kept (h7_ws_error) and counted; the copier is reset. The
 * caller retries once; a second failure turns the streamer off (kernels read in place). */
static void fail(h7_ws *ws, const char *fallback) {
    const char *why = ws->port.error ? ws->port.error(ws->port.user) : NULL;
    ws->error = why ? why : fallback;
    ws->errors++;
    if (ws->port.reset) ws->port.reset(ws->port.user);
    ws->held[0] = ws->held[1] = -1;
    ws->in_flight = -1;
}

static int start_copy(h7_ws *ws, int s, int b) {
    const h7_ws_step *st = &ws->step[s];
    ws->held[b] = s;
    for (int r = 0; r < st->regions; r++) {
        if (ws->port.copy(ws->port.user, ws->buf[b] + (uintptr_t)st->region[r].dst_offset, st->region[r].src,
                          st->region[r].bytes) != 0) {
            fail(ws, "weights stream: the copier refused a copy");
            return -1;
        }
        ws->bytes_copied += st->region[r].bytes;
    }
    ws->in_flight = b;
    return 0;
}

static int finish_copy(h7_ws *ws) {
    if (ws->in_flight < 0) return 0;
    int b = ws->in_flight;
    ws->in_flight = -1;
    if (ws->port.wait(ws->port.user) != 0) {
        fail(ws, "weights stream: a copy failed");
        return -1;
    }
    if (ws->port.done) ws->port.done(ws->port.user, ws->buf[b], ws->step[ws->held[b]].bytes);
    return 0;
}

/* Op s's weights into buffer b, waited for: one retry after a failed copy. */
static int fetch_now(h7_ws *ws, int s, int b) {
    for (int attempt = 0; attempt < 2; attempt++) {
        if (finish_copy(ws) == 0 && start_copy(ws, s, b) == 0 && finish_copy(ws) == 0) return 0;
    }
    ws->off = 1;
    return -1;
}

static void before_op(h7_ws *ws, int i) {
    if (ws->mode == H7_WS_IN_PLACE || ws->off || i >= H7_WS_MAX_OPS || ws->step_of_op[i] < 0) return;
    int s = ws->step_of_op[i], b;
    if (ws->mode == H7_WS_SYNC) {
        b = 0;
        if (fetch_now(ws, s, b) != 0) return;
    } else {
        b = ws->held[0] == s ? 0 : ws->held[1] == s ? 1 : -1;
        if (b >= 0 && ws->in_flight == b) {
            ws->waits++;
            if (finish_copy(ws) != 0) b = -1; /* the prefetch failed: fetch it again now */
        }
        if (b < 0) { /* first inference, a mode change or a failed prefetch */
            b = 0;
            if (fetch_now(ws, s, b) != 0) return;
        }
        /* the next op's weights (after the last op: the first op's, for the next inference)
         * into the other buffer while this op computes */
        start_copy(ws, (s + 1) % ws->steps, b ^ 1);
    }
    patch(ws, s, b, 1);
    ws->patched_step = s;
    ws->patched_buf = b;
}

static void after_op(h7_ws *ws, int i) {
    if (ws->patched_step >= 0 && ws->step[ws->patched_step].op == i) {
        patch(ws, ws->patched_step, ws->patched_buf, 0);
        ws->patched_step = -1;
    }
}

static void ws_hook(void *user, int op_index, const char *op_name, int begin) {
    h7_ws *ws = user;
    if (begin) {
        if (ws->user_hook) ws->user_hook(ws->user_hook_user, op_index, op_name, 1);
        before_op(ws, op_index);
    } else {
        after_op(ws, op_index);
        if (ws->user_hook) ws->user_hook(ws->user_hook_user, op_index, op_name, 0);
    }
}

h7nn_status h7_ws_init(h7_ws *ws, h7nn_interpreter *nn, const h7_ws_port *port, h7_ws_mode mode, void *buf0,
                       void *buf1, size_t buf_bytes, h7nn_op_hook user_hook, void *user_hook_user) {
    memset(ws, 0, sizeof *ws);
    ws->nn = nn;
    ws->port = *port;
    ws->buf[0] = buf0;
    ws->buf[1] = buf1;
    ws->buf_bytes = buf_bytes;
    ws->held[0] = ws->held[1] = ws->in_flight = ws->patched_step = -1;
    ws->user_hook = user_hook;
    ws->user_hook_user = user_hook_user;
    size_t largest;
    const char *why = NULL;
    if (!nn->allocated || !port->copy || !port->wait || !buf0) {
        ws->error = "weights stream: needs an allocated interpreter, a copier and a buffer";
        return H7NN_ERR_ARGUMENT;
    }
    if (plan(nn, port->external_lo, port->external_hi, ws, &largest, &why) != H7NN_OK) {
        ws->error = why;
        return H7NN_ERR_ARGUMENT;
    }
    if (h7_ws_set_mode(ws, mode) != H7NN_OK) return H7NN_ERR_ARGUMENT;
    h7nn_set_op_hook(nn, ws_hook, ws);
    return H7NN_OK;
}

void h7_ws_finish(h7_ws *ws) {
    if (ws->in_flight >= 0) finish_copy(ws);
}

h7nn_status h7_ws_set_mode(h7_ws *ws, h7_ws_mode mode) {
    h7_ws_finish(ws);
    ws->held[0] = ws->held[1] = -1;
    if (mode == H7_WS_PREFETCH && !ws->buf[1]) {
        ws->error = "weights stream: prefetch needs two buffers";
        return H7NN_ERR_ARGUMENT;
    }
    if (mode != H7_WS_IN_PLACE && mode != H7_WS_SYNC && mode != H7_WS_PREFETCH) {
        ws->error = "weights stream: unknown mode";
        return H7NN_ERR_ARGUMENT;
    }
    ws->off = 0; /* a mode set by hand tries the copier again */
    ws->mode = mode;
    return H7NN_OK;
}

const char *h7_ws_error(const h7_ws *ws) { return ws->error; }

size_t h7_ws_size(void) { return sizeof(h7_ws); }

void h7_ws_counters(const h7_ws *ws, uint32_t out[5]) {
    out[0] = ws->bytes_copied;
    out[1] = ws->waits;
    out[2] = ws->errors;
    out[3] = (uint32_t)ws->off;
    out[4] = (uint32_t)ws->steps;
}
