/* DEPTHWISE_CONV_2D, int8, Cortex-M7: 3x3, stride 1, depth multiplier 1 (the shape of
 * every DS-CNN and MobileNet block); other shapes run the reference kernel.
 *
 * CMSIS-NN spends ~7.8 instructions per MAC here because the channels of one pixel are
 * independent accumulators, so SMLAD's pair of products never lands in one sum. This kernel
 * turns the problem around: one channel at a time, the input plane is widened to int16
 * (with the input offset, and zero padding) in scratch memory; then two horizontally
 * adjacent taps of the same channel sit next to each other in memory, and one LDR + SMLAD
 * does two MACs of one output. Two outputs side by side share their loads; the six weight
 * words of the channel stay in registers for the whole plane. Scratch: the padded plane. */
#include <string.h>

#include "engine/h7nn_quant.h"
#include "engine/kernels/m7/h7nn_m7_common.h"
#include "engine/kernels/m7/h7nn_simd.h"

static int fast_shape(const h7nn_conv_data *op) {
    return op->filter_h == 3 && op->filter_w == 3 && op->stride_h == 1 && op->stride_w == 1 &&
           op->dilation_h == 1 && op->dilation_w == 1 && op->depth_multiplier == 1 && op->pad_h <= 1 &&
           op->pad_w <= 1;
}

/* The padded plane is stored along the output's longer axis ("lines"), so that the inner
 * loop runs long and two neighbouring taps along that axis are adjacent int16 values:
 * lines = short extent + 2, each line_len = long extent + 2 rounded up to even, plus 2 (the
 * word loads at pos + 2 of the last pair stay inside). */
typedef struct {
    int transposed;            /* lines are image columns (out_h > out_w) */
    int32_t long_len, short_len, line_len;
    int32_t step_long, step_short;  /* output byte steps along each axis */
} plane_layout;

static plane_layout layout_of(const h7nn_conv_data *op) {
    plane_layout l;
    l.transposed = op->out_h > op->out_w;
    l.long_len = l.transposed ? op->out_h : op->out_w;
    l.short_len = l.transposed ? op->out_w : op->out_h;
    l.line_len = ((l.long_len + 2 + 1) & ~1) + 2;
    l.step_long = l.transposed ? op->out_w * op->out_c : op->out_c;
    l.step_short = l.transposed ? op->out_c : op->out_w * op->out_c;
    return l;
}

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_status s = h7nn_conv_prepare_common(nn, node, 1);
    if (s != H7NN_OK) return s;
    h7nn_conv_data *op = node->op_data;
    if (fast_shape(op)) {
        plane_layout l = layout_of(op);
        node->scratch_bytes = (uint32_t)((l.short_len + 2) * l.line_len) * 2u;
        op->fast_requant = h7nn_m7_requant_mode(op->filter, op->out_c, 9, op->out_c, 1, op->bias, op->shift) &&
                           op->act_min == -128 && op->act_max == 127;
    }
    return H7NN_OK;
}

static void widen_channel(const h7nn_conv_data *op, const plane_layout *l, const int8_t *input, int c,
                          int16_t *plane) {
    const int8_t *in = input + c;
    const int32_t step = op->in_c, offset = op->input_offset, ll = l->line_len;
    if (l->transposed) {
        for (int y = 0; y < op->in_h; y++) {
            int16_t *dst = plane + op->pad_w * ll + y + op->pad_h;
            for (int x = 0; x < op->in_w; x++, in += step, dst += ll) *dst = (int16_t)(*in + offset);
        }
    } else {
        for (int y = 0; y < op->in_h; y++) {
            int16_t *dst = plane + (y + op->pad_h) * ll + op->pad_w;
            for (int x = 0; x < op->in_w; x++, in += step) dst[x] = (int16_t)(*in + offset);
        }
    }
}

/* Weights of one channel in plane order: for line offset j, taps 0 and 1 along the line
 * packed for SMLAD, tap 2 alone. */
static void channel_weights(const h7nn_conv_data *op, const plane_layout *l, int c, int scale, uint32_t w01[3],
                            uint32_t w2[3]) {
    const int8_t *w = op->filter + c;
    int32_t oc = op->out_c;
    for (int j = 0; j < 3; j++) {
        int t0 = l->transposed ? j : 3 * j, t1 = l->transposed ? 3 + j : 3 * j + 1, t2 = l->transposed ? 6 + j : 3 * j + 2;
        w01[j] = (uint16_t)(int16_t)(w[t0 * oc] * scale) | ((uint32_t)(uint16_t)(int16_t)(w[t1 * oc] * scale) << 16);
        w2[j] = (uint16_t)(int16_t)(w[t2 * oc] * scale);
    }
}

/* The fast form: right shifts only, bounded accumulators (h7nn_m7_requant_mode), full int8
 * activation range; the channel's constants stay in registers. Two outputs per pass share
 * their loads: words at p, p+1 and p+2 of each line give [x0|x1], [x1|x2], [x2|x3]. */
static void channel_plane_fast(const h7nn_conv_data *op, const plane_layout *l, const int16_t *plane, int c,
                               int8_t *output) {
    uint32_t w01[3], w2[3];
    channel_weights(op, l, c, 2, w01, w2);  /* doubled: accumulators are 2 * acc (SMMULR form) */
    const uint32_t w01_0 = w01[0], w01_1 = w01[1], w01_2 = w01[2], w2_0 = w2[0], w2_1 = w2[1], w2_2 = w2[2];
    const int32_t bias = op->bias ? 2 * op->bias[c] : 0, mult = op->multiplier[c], right = -op->shift[c];
    const int32_t round_offset = h7nn_m7_round_offset(right, op->output_offset);
    const int32_t ll = l->line_len, step = l->step_long;
    const int32_t quads = l->long_len >> 2, pairs = (l->long_len & 3) >> 1;
    for (int line = 0; line < l->short_len; line++) {
        const int16_t *r = plane + line * ll;
        int8_t *out = output + line * l->step_short + c;
        /* four outputs per pass: per line of the filter, words at p..p+4 hold every tap pair
         * ([p|p+1] .. [p+4|p+5]) the four outputs need */
        for (int i = 0; i < quads; i++, r += 4, out += 4 * step) {
            int32_t acc0 = bias, acc1 = bias, acc2 = bias, acc3 = bias;
            const int16_t *q = r;
            uint32_t x0, x1, x2, x3, x4;
#define H7NN_DW_LINE(W01, W2)                                                                       \
            x0 = h7nn_read_u32(q), x1 = h7nn_read_u32(q + 1), x2 = h7nn_read_u32(q + 2);          \
            x3 = h7nn_read_u32(q + 3), x4 = h7nn_read_u32(q + 4);                                 \
            acc0 = h7nn_smlabb(x2, W2, h7nn_smlad(x0, W01, acc0));                                \
            acc1 = h7nn_smlatb(x2, W2, h7nn_smlad(x1, W01, acc1));                                \
            acc2 = h7nn_smlabb(x4, W2, h7nn_smlad(x2, W01, acc2));                                \
            acc3 = h7nn_smlatb(x4, W2, h7nn_smlad(x3, W01, acc3));                                \
            q += ll;
            H7NN_DW_LINE(w01_0, w2_0)
            H7NN_DW_LINE(w01_1, w2_1)
            H7NN_DW_LINE(w01_2, w2_2)
#undef H7NN_DW_LINE
            out[0] = (int8_t)h7nn_ssat8(h7nn_m7_requant_x2(acc0, mult, round_offset, right));
            out[step] = (int8_t)h7nn_ssat8(h7nn_m7_requant_x2(acc1, mult, round_offset, right));
            out[2 * step] = (int8_t)h7nn_ssat8(h7nn_m7_requant_x2(acc2, mult, round_offset, right));
            out[3 * step] = (int8_t)h7nn_ssat8(h7nn_m7_requant_x2(acc3, mult, round_offset, right));
        }
        for (int i = 0; i < pairs; i++, r += 2, out += 2 * step) {
            int32_t acc0 = h7nn_smlad(h7nn_read_u32(r), w01_0, bias);
            int32_t acc1 = h7nn_smlad(h7nn_read_u32(r + 1), w01_0, bias);
            uint32_t b = h7nn_read_u32(r + 2);
            acc0 = h7nn_smlabb(b, w2_0, acc0);
            acc1 = h7nn_smlatb(b, w2_0, acc1);
            acc0 = h7nn_smlad(h7nn_read_u32(r + ll), w01_1, acc0);
            acc1 = h7nn_smlad(h7nn_read_u32(r + ll + 1), w01_1, acc1);
            b = h7nn_read_u32(r + ll + 2);
            acc0 = h7nn_smlabb(b, w2_1, acc0);
            acc1 = h7nn_smlatb(b, w2_1, acc1);
            acc0 = h7nn_smlad(h7nn_read_u32(r + 2 * ll), w01_2, acc0);
            acc1 = h7nn_smlad(h7nn_read_u32(r + 2 * ll + 1), w01_2, acc1);
            b = h7nn_read_u32(r + 2 * ll + 2);
            acc0 = h7nn_smlabb(b, w2_2, acc0);
            acc1 = h7nn_smlatb(b, w2_2, acc1);
            out[0] = (int8_t)h7nn_ssat8(h7nn_m7_requant_x2(acc0, mult, round_offset, right));
            out[step] = (int8_t)h7nn_ssat8(h7nn_m7_requant_x2(acc1, mult, round_offset, right));
        }
        if (l->long_len & 1) {
            int32_t acc = h7nn_smlad(h7nn_read_u32(r), w01_0, bias);
            acc = h7nn_smlabb(h7nn_read_u32(r + 2), w2_0, acc);
            acc = h7nn_smlad(h7nn_read_u32(r + ll), w01_1, acc);
            acc = h7nn_smlabb(h7nn_read_u32(r + ll + 2), w2_1, acc);
            acc = h7nn_smlad(h7nn_read_u32(r + 2 * ll), w01_2, acc);
            acc = h7nn_smlabb(h7nn_read_u32(r + 2 * ll + 2), w2_2, acc);
            out[0] = (int8_t)h7nn_ssat8(h7nn_m7_requant_x2(acc, mult, round_offset, right));
        }
    }
}

/* Any requantization and activation range (exact TFLite arithmetic). */
static void channel_plane(const h7nn_conv_data *op, const plane_layout *l, const int16_t *plane, int c,
                          int8_t *output) {
    uint32_t w01[3], w2[3];
    channel_weights(op, l, c, 1, w01, w2);
    int32_t bias = op->bias ? op->bias[c] : 0, mult = op->multiplier[c], shift = op->shift[c];
    for (int line = 0; line < l->short_len; line++) {
        for (int pos = 0; pos < l->long_len; pos++) {
            int32_t acc = bias;
            const int16_t *r = plane + line * l->line_len + pos;
            for (int j = 0; j < 3; j++, r += l->line_len) {
                acc = h7nn_smlad(h7nn_read_u32(r), w01[j], acc);
                acc = h7nn_smlabb(h7nn_read_u32(r + 2), w2[j], acc);
            }
            int32_t v = h7nn_add_wrap(h7nn_mbqm(acc, mult, shift), op->output_offset);
            output[line * l->step_short + pos * l->step_long + c] = (int8_t)h7nn_clamp(v, op->act_min, op->act_max);
        }
    }
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const h7nn_conv_data *op = node->op_data;
    if (!fast_shape(op)) return h7nn_depthwise_conv_2d_eval_reference(nn, node);
    const int8_t *input = h7nn_input_data(nn, node, 0);
    int8_t *output = h7nn_output_data(nn, node, 0);
    int16_t *plane = node->scratch;
    plane_layout l = layout_of(op);
    memset(plane, 0, node->scratch_bytes);
    for (int b = 0; b < op->batches; b++) {
        const int8_t *in_b = input + b * op->in_h * op->in_w * op->in_c;
        int8_t *out_b = output + b * op->out_h * op->out_w * op->out_c;
        for (int c = 0; c < op->in_c; c++) {
            widen_channel(op, &l, in_b, c, plane);
            if (op->fast_requant) channel_plane_fast(op, &l, plane, c, out_b);
            else channel_plane(op, &l, plane, c, out_b);
        }
    }
    return H7NN_OK;
}

const h7nn_kernel h7nn_m7_depthwise_conv_2d = {H7NN_OP_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", prepare, eval};
