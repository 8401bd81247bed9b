/* Streaming inference (h7nn_stream.h): the convolutions along a causal time axis compute only
 * the rows a hop adds, with the model's own kernels on row views.
 *
 * Why it is exact: with no padding along time, output row o of a convolution reads input
 * rows [o*s, o*s + K) and nothing else; when the input window moves by n rows (n a multiple
 * of s) the output window moves by n/s rows, so every output row but the last n/s was
 * already computed, from the same input rows, by an earlier hop. A hop therefore slides each
 * streamed tensor and runs the kernel with in_h/out_h cut to the new rows (the op's constants
 * otherwise unchanged): the same arithmetic on the same values as the full-window run. */
#include <string.h>

#include "engine/h7nn_stream.h"
#include "engine/kernels/h7nn_kernels.h"

static int is_head_op(int code) {
    /* ops that only reshape the input (Keras's Reshape computes its shape at run time) */
    return code == H7NN_OP_RESHAPE || code == H7NN_OP_SHAPE || code == H7NN_OP_STRIDED_SLICE || code == H7NN_OP_PACK;
}

static int is_conv_op(int code) { return code == H7NN_OP_CONV_2D || code == H7NN_OP_DEPTHWISE_CONV_2D; }

static int code_of(const h7nn_node *node) { return node->kernel ? (int)node->kernel->builtin_code : -1; }

/* Whether any op from `from` on, or a model output, uses tensor t (an input of op `except` may). */
static int used_elsewhere(const h7nn_interpreter *nn, int32_t t, uint32_t from, int except, int *user) {
    for (uint32_t i = from; i < nn->op_count; i++) {
        const h7nn_node *node = &nn->nodes[i];
        if ((int)i == except) continue;
        for (int k = 0; k < node->input_count; k++)
            if (node->inputs[k] == t) {
                *user = (int)i;
                return 1;
            }
    }
    for (uint32_t k = 0; k < nn->output_count; k++)
        if (nn->outputs[k] == t) {
            *user = -1;
            return 1;
        }
    return 0;
}

/* Rows a streamed tensor's state holds: the kept rows and room to slide them forward, moved
 * back when full. Room for the kept rows again (one move per kept/new hops, as many rows as a
 * hop's writes) and at least SLIDE_HOPS hops' new rows, so that a short window is not moved
 * (a call and its setup) every hop. */
#define SLIDE_HOPS 4
static int32_t capacity_of(int32_t kept, int32_t new_rows) {
    if (new_rows >= kept) return kept;  /* renewed whole every hop: nothing slides */
    return kept + (kept > SLIDE_HOPS * new_rows ? kept : SLIDE_HOPS * new_rows);
}

/* A chain with edge layers: every streamed tensor keeps its whole window (with room to slide
 * SLIDE_HOPS hops), and each op's rows that a hop changes are found from what changed in its
 * input. Output row r reads input rows [r*s - pad, r*s - pad + K). It equals the previous
 * window's row r + new_out when that row exists and r reads no changed input row and no row
 * above the window (padding now, data before). Rows below the window are padding in both.
 * The unchanged rows form one run [c0, c1): `top` = c0 rows above it, `bottom` = the rows
 * after it. Returns the state bytes; fills st's layers (when not NULL). */
static size_t edge_layout(const h7nn_interpreter *nn, uint32_t first, int count, int32_t hop_rows, int32_t window,
                          h7nn_stream *st) {
    size_t total = 0;
    int32_t top_in = 0, bottom_in = hop_rows, new_in = hop_rows, rows_in = window;
    for (int k = 0; k < count; k++) {
        const h7nn_conv_data *op = nn->nodes[first + (uint32_t)k].op_data;
        const int32_t s = op->stride_h, kh = (op->filter_h - 1) * op->dilation_h + 1, p = op->pad_h, t_out = op->out_h;
        const int32_t new_out = new_in < rows_in && new_in / s < t_out ? new_in / s : t_out;
        int32_t c0 = (top_in + p + s - 1) / s, c1 = t_out - new_out;
        const int32_t last = rows_in - bottom_in - kh + p;  /* r*s <= last: reads no changed row below */
        const int32_t c1b = last >= 0 ? last / s + 1 : 0;
        if (c1b < c1) c1 = c1b;
        if (c0 > t_out) c0 = t_out;
        if (c1 < c0) c1 = c0;
        const int32_t capacity = new_out >= t_out ? t_out : t_out + SLIDE_HOPS * new_out;
        total += H7NN_ALIGN8((size_t)capacity * (size_t)(op->out_w * op->out_c));
        if (st) {
            h7nn_stream_layer *l = &st->layer[k];
            l->edge = 1;
            l->kept = t_out;
            l->capacity = capacity;
            l->new_rows = new_out;
            l->top = c0;
            l->bottom = t_out - c1;
            l->in_total = rows_in;
            l->k_eff = kh;
        }
        top_in = c0;
        bottom_in = t_out - c1;
        new_in = new_out;
        rows_in = t_out;
    }
    return total;
}

/* Checks the model for hop_rows and fills st (when not NULL); the state bytes in *bytes. */
static h7nn_status analyse(h7nn_interpreter *nn, int hop_rows, h7nn_stream *st, size_t *bytes) {
    *bytes = 0;
    if (!nn->allocated) return h7nn_fail(nn, NULL, H7NN_ERR_ARGUMENT, "stream: call h7nn_allocate first");
    if (nn->input_count != 1)
        return h7nn_fail(nn, NULL, H7NN_ERR_UNSUPPORTED, "stream: the model has %u inputs; streaming takes one",
                         (unsigned)nn->input_count);
    h7nn_tinfo in;
    h7nn_status s = h7nn_tensor_info(nn, nn->inputs[0], &in);
    if (s != H7NN_OK) return s;
    if (in.rank < 2 || in.dims[0] != 1)
        return h7nn_fail(nn, NULL, H7NN_ERR_UNSUPPORTED, "stream: the input is not [1, time, ...]");
    const int32_t window = in.dims[1];
    if (hop_rows < 1 || hop_rows > window)
        return h7nn_fail(nn, NULL, H7NN_ERR_ARGUMENT, "stream: hop of %d rows outside 1..%d (the input's time rows)",
                         hop_rows, (int)window);
    uint32_t i = 0;
    while (i < nn->op_count && is_head_op(code_of(&nn->nodes[i]))) i++;
    if (i == nn->op_count || !is_conv_op(code_of(&nn->nodes[i])))
        return h7nn_fail(nn, i < nn->op_count ? &nn->nodes[i] : NULL, H7NN_ERR_UNSUPPORTED,
                         "not streamable: no CONV_2D or DEPTHWISE_CONV_2D before it (nothing to stream)");
    int32_t cur = nn->nodes[i].inputs[0];
    const uint32_t first = i;
    int32_t new_in = hop_rows, rows_in = window;
    size_t total = 0;
    int count = 0;
    int32_t prev_row_bytes = 0;
    int edges = 0;
    for (; i < nn->op_count && is_conv_op(code_of(&nn->nodes[i])); i++) {
        h7nn_node *node = &nn->nodes[i];
        const h7nn_conv_data *op = node->op_data;
        if (node->inputs[0] != cur)
            return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED,
                             "not streamable: reads tensor %d, not the streamed chain's %d (a branch)",
                             (int)node->inputs[0], (int)cur);
        if (count == H7NN_STREAM_MAX_OPS)
            return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "not streamable: more than %d streamed convolutions",
                             H7NN_STREAM_MAX_OPS);
        if (op->batches != 1 || op->in_h != rows_in)
            return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED,
                             "not streamable: input of %d time rows (dimension 1), not the window's %d", (int)op->in_h,
                             (int)rows_in);
        const int32_t k_eff = (op->filter_h - 1) * op->dilation_h + 1, st_h = op->stride_h;
        /* an op whose stride does not divide the hop's new rows cannot stream: after at least
         * one streamed op it begins the tail (run in full every hop on the last streamed
         * tensor's window); one that pads along time joins after a VALID op as an edge layer
         * (edge_layout); either as the first, the model is refused */
        const int padded = op->pad_h != 0 || op->in_h < k_eff || op->out_h != (op->in_h - k_eff) / st_h + 1;
        /* a hop that renews the whole input (the window's last ops, short in time) recomputes
         * every row: no stride condition there */
        const int misaligned = new_in < op->in_h && new_in % st_h != 0;
        if (misaligned && count > 0) break;
        if (padded && count > 0) edges = 1;  /* its chain keeps whole windows (edge_layout) */
        if (padded && count == 0) {
            int32_t after = (op->out_h - 1) * st_h + k_eff - op->in_h - op->pad_h;
            return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED,
                             "not streamable: padding along time (%d rows before, %d after; needs VALID)",
                             (int)op->pad_h, (int)(after > 0 ? after : 0));
        }
        if (misaligned)
            return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED,
                             "not streamable: time stride %d does not divide a %d-row hop's %d new rows here",
                             (int)st_h, hop_rows, (int)new_in);
        const int32_t new_out = new_in < op->in_h && new_in / st_h < op->out_h ? new_in / st_h : op->out_h;
        /* a hop reads input rows [start, rows_in - unread): the previous tensor keeps those
         * (and at least the rows it adds, written in one piece) */
        const int32_t start = (op->out_h - new_out) * st_h;
        int32_t read_row = start;
        if (count > 0) {
            const int32_t keep = rows_in - start > new_in ? rows_in - start : new_in;
            total += H7NN_ALIGN8((size_t)capacity_of(keep, new_in) * (size_t)prev_row_bytes);
            read_row -= rows_in - keep;  /* in the rows the previous tensor keeps */
            if (st) {
                st->layer[count - 1].kept = keep;
                st->layer[count - 1].capacity = capacity_of(keep, new_in);
            }
        }
        const int32_t row_bytes = op->out_w * op->out_c;
        if (st) {
            h7nn_stream_layer *l = &st->layer[count];
            l->op = (int)i;
            l->rows = op->out_h;
            l->kept = op->out_h;  /* the last one keeps its window (the tail reads it all) */
            l->capacity = capacity_of(op->out_h, new_out);
            l->base = 0;
            l->row_bytes = row_bytes;
            l->new_rows = new_out;
            l->in_rows = (new_out - 1) * st_h + k_eff;
            l->read_row = read_row;
            l->stride = st_h;
            l->in_row_bytes = op->in_w * op->in_c;
            l->state = NULL;
            l->arena_data = nn->tensor_data[node->outputs[0]];
        }
        prev_row_bytes = row_bytes;
        count++;
        cur = node->outputs[0];
        new_in = new_out;
        rows_in = op->out_h;
    }
    total += H7NN_ALIGN8((size_t)capacity_of(rows_in, new_in) * (size_t)prev_row_bytes);
    if (edges) total = edge_layout(nn, first, count, hop_rows, window, st);
    /* the tail reads the last streamed tensor only: the others live in the state */
    for (uint32_t j = first; j < first + (uint32_t)count; j++) {
        const h7nn_node *node = &nn->nodes[j];
        int user;
        int32_t t = node->inputs[0];
        if (used_elsewhere(nn, t, first, (int)j, &user))
            return h7nn_fail(nn, user >= 0 ? &nn->nodes[user] : node, H7NN_ERR_UNSUPPORTED,
                             "not streamable: reads streamed tensor %d (only the last one may feed the tail)",
                             (int)t);
    }
    for (uint32_t k = 0; k < nn->output_count; k++)
        if (nn->outputs[k] == cur)
            return h7nn_fail(nn, &nn->nodes[first + count - 1], H7NN_ERR_UNSUPPORTED,
                             "not streamable: its output is a model output (a tail must follow)");
    if (st) {
        st->nn = nn;
        st->hop_rows = hop_rows;
        st->first = (int)first;
        st->count = count;
        st->primed = 0;
        st->hops = 0;
        st->state_bytes = total;
    }
    *bytes = total;
    return H7NN_OK;
}

size_t h7nn_stream_state_bytes(h7nn_interpreter *nn, int hop_rows) {
    size_t bytes;
    if (!nn) return 0;
    return analyse(nn, hop_rows, NULL, &bytes) == H7NN_OK ? bytes : 0;
}

h7nn_status h7nn_stream_init(h7nn_stream *st, h7nn_interpreter *nn, int hop_rows, void *state, size_t state_bytes) {
    if (!nn) return H7NN_ERR_ARGUMENT;
    if (!st || !state) return h7nn_fail(nn, NULL, H7NN_ERR_ARGUMENT, "h7nn_stream_init: NULL stream or state");
    if (((uintptr_t)state & 7u) != 0)
        return h7nn_fail(nn, NULL, H7NN_ERR_ARGUMENT, "h7nn_stream_init: the state must be 8-byte aligned");
    size_t need;
    memset(st, 0, sizeof *st);
    h7nn_status s = analyse(nn, hop_rows, st, &need);
    if (s != H7NN_OK) {
        st->nn = NULL;
        return s;
    }
    if (state_bytes < need) {
        st->nn = NULL;
        return h7nn_fail(nn, NULL, H7NN_ERR_ARGUMENT, "stream: state of %u bytes given, %u needed",
                         (unsigned)state_bytes, (unsigned)need);
    }
    uint8_t *p = state;
    for (int k = 0; k < st->count; k++) {
        st->layer[k].state = p;
        p += H7NN_ALIGN8((size_t)st->layer[k].capacity * (size_t)st->layer[k].row_bytes);
    }
    return H7NN_OK;
}

void h7nn_stream_reset(h7nn_stream *st) {
    if (st) st->primed = 0;
}

static h7nn_status run_op(h7nn_interpreter *nn, int index, const h7nn_node *node) {
    if (nn->hook) nn->hook(nn->hook_user, index, node->kernel->name, 1);
    h7nn_status s = node->kernel->eval(nn, node);
    if (nn->hook) nn->hook(nn->hook_user, index, node->kernel->name, 0);
    return s;
}

h7nn_status h7nn_stream_invoke(h7nn_stream *st) {
    if (!st || !st->nn) return H7NN_ERR_ARGUMENT;
    h7nn_interpreter *nn = st->nn;
    if (!nn->allocated) return h7nn_fail(nn, NULL, H7NN_ERR_ARGUMENT, "h7nn_stream_invoke: call h7nn_allocate first");
    h7nn_status s = H7NN_OK;
    for (int i = 0; i < st->first && s == H7NN_OK; i++) s = run_op(nn, i, &nn->nodes[i]);
    if (s != H7NN_OK) return s;
    const int32_t in0 = nn->nodes[st->first].inputs[0];
    void *const in0_arena = nn->tensor_data[in0];
    if (!st->primed) {
        /* the full window: every op on the arena plan (the last streamed one writes its
         * window into the state, the tail reads it there), then each intermediate tensor's
         * kept rows (its last ones) copied into the state */
        for (int k = 0; k < st->count && s == H7NN_OK; k++) {
            h7nn_stream_layer *l = &st->layer[k];
            const h7nn_node *node = &nn->nodes[l->op];
            l->base = 0;
            if (k == st->count - 1) nn->tensor_data[node->outputs[0]] = l->state;
            s = run_op(nn, l->op, node);
            if (s == H7NN_OK && k < st->count - 1)
                memcpy(l->state, (const uint8_t *)l->arena_data + (size_t)(l->rows - l->kept) * (size_t)l->row_bytes,
                       (size_t)l->kept * (size_t)l->row_bytes);
        }
    } else {
        const uint8_t *in_base = in0_arena;  /* the current op's input: the window, or the kept rows */
        for (int k = 0; k < st->count && s == H7NN_OK; k++) {
            h7nn_stream_layer *l = &st->layer[k];
            const h7nn_node *node = &nn->nodes[l->op];
            /* the view is the op's own constants with fewer rows, set in place for the call
             * (the kernels look their pre-arranged weights up by node index; a copy of the
             * constants cost ~50 instructions per op and hop) and restored after */
            h7nn_conv_data *const op = node->op_data;
            const int32_t in_h = op->in_h, out_h = op->out_h;
            if (l->kept == l->new_rows) {
                /* renewed whole (the next op reads only the new rows): nothing stays */
            } else if (l->base + l->kept + l->new_rows > l->capacity) {
                /* out of room: the rows that stay go back to the start */
                memmove(l->state, l->state + (size_t)(l->base + l->new_rows) * (size_t)l->row_bytes,
                        (size_t)(l->kept - l->new_rows) * (size_t)l->row_bytes);
                l->base = 0;
            } else {
                l->base += l->new_rows;
            }
            uint8_t *out_base = l->state + (size_t)l->base * (size_t)l->row_bytes;
            if (l->edge) {
                /* the window slid; its first `top` and last `bottom` rows computed again */
                const int32_t pad_h = op->pad_h, rows = l->rows;
                int32_t a[2] = {0, rows - l->bottom}, n[2] = {l->top, l->bottom};
                if (l->top + l->bottom >= rows) a[0] = 0, n[0] = rows, n[1] = 0;
                for (int v = 0; v < 2 && s == H7NN_OK; v++) {
                    if (n[v] == 0) continue;
                    const int32_t from = a[v] * l->stride - pad_h, lo = from > 0 ? from : 0;
                    int32_t hi = (a[v] + n[v] - 1) * l->stride - pad_h + l->k_eff;
                    if (hi > l->in_total) hi = l->in_total;
                    op->in_h = hi - lo;
                    op->out_h = n[v];
                    op->pad_h = lo - from;
                    nn->tensor_data[node->inputs[0]] = (void *)(in_base + (size_t)lo * (size_t)l->in_row_bytes);
                    nn->tensor_data[node->outputs[0]] = out_base + (size_t)a[v] * (size_t)l->row_bytes;
                    s = run_op(nn, l->op, node);
                }
                op->in_h = in_h;
                op->out_h = out_h;
                op->pad_h = pad_h;
                in_base = out_base;
                continue;
            }
            op->in_h = l->in_rows;
            op->out_h = l->new_rows;
            nn->tensor_data[node->inputs[0]] = (void *)(in_base + (size_t)l->read_row * (size_t)l->in_row_bytes);
            nn->tensor_data[node->outputs[0]] = out_base + (size_t)(l->kept - l->new_rows) * (size_t)l->row_bytes;
            s = run_op(nn, l->op, node);
            op->in_h = in_h;
            op->out_h = out_h;
            in_base = out_base;
        }
    }
    if (s == H7NN_OK) {
        /* the tail reads the last streamed tensor's whole window from the state */
        const h7nn_stream_layer *last = &st->layer[st->count - 1];
        nn->tensor_data[nn->nodes[last->op].outputs[0]] =
            last->state + (size_t)last->base * (size_t)last->row_bytes;
        for (uint32_t i = (uint32_t)(st->first + st->count); i < nn->op_count && s == H7NN_OK; i++)
            s = run_op(nn, (int)i, &nn->nodes[i]);
    }
    /* the arena plan's pointers back, so h7nn_invoke and h7nn_tensor_at work as before */
    nn->tensor_data[in0] = in0_arena;
    for (int k = 0; k < st->count; k++) nn->tensor_data[nn->nodes[st->layer[k].op].outputs[0]] = st->layer[k].arena_data;
    if (s != H7NN_OK) {
        st->primed = 0;
        return s;
    }
    if (st->primed) st->hops++;
    else st->hops = 0;
    st->primed = 1;
    return H7NN_OK;
}

size_t h7nn_stream_size(void) { return sizeof(h7nn_stream); }
