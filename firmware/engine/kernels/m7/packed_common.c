/* Weights pre-arranged at embed time for the M7 kernels (mm16, issue 18): the export the
 * embed step runs on the host (h7nn_packed_export), h7nn_use_packed, and the checked lookup
 * the kernels' prepare steps use. Format: h7nn_m7_common.h ("H7PW"). Start-up and host only
 * (optimized for size in the firmware: a *_common.c file). */
#include "engine/kernels/m7/h7nn_m7_common.h"

static const uint32_t *given(const h7nn_interpreter *nn, uint32_t *words) {
    if (nn->packed_given) {
        *words = nn->packed_words;
        return nn->packed;
    }
    *words = nn->resolver && nn->resolver->packed ? nn->resolver->packed_words : 0u;
    return nn->resolver ? nn->resolver->packed : NULL;
}

h7nn_status h7nn_use_packed(h7nn_interpreter *nn, const uint32_t *packed, size_t words) {
    if (!nn || !nn->model || nn->allocated)
        return nn ? h7nn_fail(nn, NULL, H7NN_ERR_ARGUMENT, "h7nn_use_packed: between h7nn_init and h7nn_allocate")
                  : H7NN_ERR_ARGUMENT;
    if ((packed && words > UINT32_MAX) || ((uintptr_t)packed & 3u))
        return h7nn_fail(nn, NULL, H7NN_ERR_ARGUMENT, "h7nn_use_packed: words must be 4-byte aligned");
    nn->packed = packed;
    nn->packed_words = packed ? (uint32_t)words : 0u;
    nn->packed_given = 1;
    return H7NN_OK;
}

/* The op's record: header made for this model, the record inside the words, its kind, rows
 * and depth as given, data_words after its header: H7NN_OK with *data = the record's words
 * (NULL when the op has none or no weights were given), else the one-line refusal. (Only
 * h7nn_m7_record_check calls it: one function in the image, its messages in one place.) */
static h7nn_status find_record(h7nn_interpreter *nn, const h7nn_node *node, uint32_t kind, uint32_t rows,
                               uint32_t depth, uint32_t data_words, const uint32_t **data) {
    uint32_t words;
    const uint32_t *p = given(nn, &words);
    *data = NULL;
    if (!p) return H7NN_OK;
    /* an older or newer format, or words made for another model, are refused, never misread (the
     * model itself still runs without them: embed it again, or give none) */
    const uint32_t index = H7NN_PACKED_HEADER + nn->op_count, op = (uint32_t)h7nn_node_index(nn, node);
    if (words < index || p[H7NN_PACKED_MAGIC_W] != H7NN_PACKED_MAGIC || p[H7NN_PACKED_VERSION_W] != H7NN_PACKED_VERSION ||
        p[H7NN_PACKED_WORDS_W] != words || p[H7NN_PACKED_MODEL_BYTES_W] != nn->model_size ||
        p[H7NN_PACKED_OPS_W] != nn->op_count)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL,
                         "packed: not version %d pre-arranged weights of this model (%u words): embed it again",
                         (int)H7NN_PACKED_VERSION, (unsigned)words);
    const uint32_t at = p[H7NN_PACKED_HEADER + op];
    if (!at) return H7NN_OK;
    const uint64_t need = (uint64_t)data_words + H7NN_PACKED_REC_HEADER;
    if (at < index || at > words || words - at < H7NN_PACKED_REC_HEADER || p[at + H7NN_PACKED_REC_KIND] != kind ||
        p[at + H7NN_PACKED_REC_ROWS] != rows || p[at + H7NN_PACKED_REC_DEPTH] != depth || need > words - at)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "packed: the record (word %u) does not fit this op (%u rows of %u)",
                         (unsigned)at, (unsigned)rows, (unsigned)depth);
    *data = p + at + H7NN_PACKED_REC_HEADER;
    return H7NN_OK;
}

const uint32_t *h7nn_packed_data(const h7nn_interpreter *nn, const h7nn_node *node) {
    uint32_t words;
    const uint32_t *p = given(nn, &words);
    if (!p) return NULL;
    const uint32_t at = p[H7NN_PACKED_HEADER + (uint32_t)h7nn_node_index(nn, node)];
    return at ? p + at + H7NN_PACKED_REC_HEADER : NULL;
}

/* One op's record, or 0 words when it takes none (only the M7 kernels do). */
static uint32_t pack_op(const h7nn_interpreter *nn, const h7nn_node *node, uint32_t *out) {
    if (node->kernel == &h7nn_m7_fully_connected) return h7nn_m7_fc_pack(node, out);
    if (node->kernel == &h7nn_m7_conv_2d) return h7nn_m7_conv_pack(nn, node, out);
    return 0;
}

size_t h7nn_packed_export_ops(const h7nn_interpreter *nn, const uint8_t *take, uint32_t *out, size_t capacity) {
    if (!nn || !nn->allocated) return 0;
    uint32_t at = H7NN_PACKED_HEADER + nn->op_count;
    for (uint32_t i = 0; i < nn->op_count; i++)
        if (!take || take[i]) at += pack_op(nn, &nn->nodes[i], NULL);
    if (!out || capacity < at) return at;
    memset(out, 0, (size_t)at * sizeof *out);
    out[H7NN_PACKED_MAGIC_W] = H7NN_PACKED_MAGIC;
    out[H7NN_PACKED_VERSION_W] = H7NN_PACKED_VERSION;
    out[H7NN_PACKED_WORDS_W] = at;
    out[H7NN_PACKED_MODEL_BYTES_W] = (uint32_t)nn->model_size;
    out[H7NN_PACKED_OPS_W] = nn->op_count;
    uint32_t w = H7NN_PACKED_HEADER + nn->op_count;
    for (uint32_t i = 0; i < nn->op_count; i++) {
        uint32_t n = !take || take[i] ? pack_op(nn, &nn->nodes[i], out + w) : 0u;
        if (n) out[H7NN_PACKED_HEADER + i] = w;
        w += n;
    }
    return at;
}

size_t h7nn_packed_export(const h7nn_interpreter *nn, uint32_t *out, size_t capacity) {
    return h7nn_packed_export_ops(nn, NULL, out, capacity);
}

/* one copy for CONV_2D and FULLY_CONNECTED (start-up and embed only) */
__attribute__((cold)) void h7nn_m7_channel_words(const h7nn_m7_requant_params *rq, int32_t oc, uint32_t *start, uint32_t *tail) {
    const int32_t bias = rq->bias ? rq->bias[oc] : 0, m = rq->multiplier[oc], shift = rq->shift[oc];
    *start = (uint32_t)bias << 1;  /* wraps as the loop's start does (h7nn_m7_exact_acc undoes it) */
    tail[0] = tail[1] = tail[2] = 0;
    if (!h7nn_m7_short_channel(m, shift, bias)) return;
    const int32_t r = shift == 0 ? 1 : -shift;
    tail[0] = (uint32_t)m;
    tail[1] = (uint32_t)((int32_t)((uint32_t)(2 * rq->offset + 1) << r) >> 1);
    tail[2] = (uint32_t)r;
}

h7nn_status h7nn_m7_record_check(h7nn_interpreter *nn, const h7nn_node *node, const h7nn_m7_requant_params *rq,
                                 uint32_t kind, uint32_t n, uint32_t d) {
    const int six = kind == H7NN_PACKED_CONV_SIX;
    const uint32_t *data;
    h7nn_status s = find_record(nn, node, kind, n, d,
                                       six ? n * H7NN_PACKED_CONV_WORDS(d) : H7NN_PACKED_PAIRS_DATA_WORDS(n, d), &data);
    if (s != H7NN_OK || !data) return s;
    /* the first, middle and last row: a record made with another plan (or for another model
     * of the same shape) differs there; every row would cost ~40 instructions each at setup
     * (VWW: 2,738 channels) */
    const uint32_t rows[3] = {0, n / 2u, n - 1u};
    uint32_t differ = 0;
    for (int i = 0; i < 3; i++) {
        const uint32_t r = rows[i];
        uint32_t want[4], stride = 1u;  /* 2 * bias, multiplier, c, r */
        /* c: the row's 2 * bias; t: its multiplier, c and r, stride words apart */
        const uint32_t *c = data + (six ? r * H7NN_PACKED_CONV_WORDS(d) : r / 2u * H7NN_PACKED_FC_WORDS(d)), *t;
        if (six || ((n & 1u) && r == n - 1u)) {  /* a CONV_2D channel (a pairs record's odd last row) */
            t = c + d / 2u + 1u;
        } else {  /* a pair's row: its words alternate with the other row's */
            c += r & 1u;
            t = c + 2u + d;
            stride = 2u;
        }
        h7nn_m7_channel_words(rq, (int32_t)r, &want[0], &want[1]);
        /* a channel marked constant must be one outside the short form (its value is trusted
         * as the rest of the record; the check stays out of the image's code) */
        if (!want[3] && t[2u * stride] == H7NN_PACKED_CONSTANT) want[2] = t[stride], want[3] = H7NN_PACKED_CONSTANT;
        differ |= (want[0] ^ c[0]) | (want[1] ^ t[0]) | (want[2] ^ t[stride]) | (want[3] ^ t[2u * stride]);
    }
    return differ ? h7nn_fail(nn, node, H7NN_ERR_MODEL,
                              "packed: the record's channel constants are not this op's: embed the model again")
                  : H7NN_OK;
}
