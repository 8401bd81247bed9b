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

/* Padded plane: out_h + 2 rows of plane_w int16, where plane_w = out_w + 2 rounded up to
 * even plus 2 (so the word loads at x + 2 of the last pair stay inside). */
static int32_t plane_width(const h7nn_conv_data *op) { return ((op->out_w + 2 + 1) & ~1) + 2; }

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_status s = h7nn_conv_prepare_common(nn, node, 1);
    if (s != H7NN_OK) return s;
    h7nn_conv_data *op = node->op_data;
    if (fast_shape(op)) {
        node->scratch_bytes = (uint32_t)((op->out_h + 2) * plane_width(op)) * 2u;
        op->fast_requant = h7nn_m7_requant_is_exact(op->filter, op->out_c, 9, op->out_c, 1, op->bias, op->shift);
    }
    return H7NN_OK;
}

static inline int8_t requantize(int32_t acc, int32_t multiplier, int32_t shift, const h7nn_conv_data *op) {
    int32_t x = (op->fast_requant ? h7nn_m7_requant(acc, multiplier, shift) : h7nn_mbqm(acc, multiplier, shift)) +
                op->output_offset;
    return (int8_t)h7nn_clamp(x, op->act_min, op->act_max);
}

static void channel_plane(const h7nn_conv_data *op, const int8_t *input, int c, int16_t *plane, int32_t pw,
                          int8_t *output) {
    /* widen this channel's input into the plane's interior (borders stay 0) */
    const int8_t *in = input + c;
    for (int y = 0; y < op->in_h; y++) {
        int16_t *row = plane + (y + op->pad_h) * pw + op->pad_w;
        for (int x = 0; x < op->in_w; x++, in += op->in_c) row[x] = (int16_t)(*in + op->input_offset);
    }
    /* the channel's 3x3 weights: taps 0,1 of each row packed for SMLAD, tap 2 alone */
    const int8_t *w = op->filter + c;
    int32_t oc = op->out_c;
    uint32_t w01[3], w2[3];
    for (int r = 0; r < 3; r++) {
        w01[r] = (uint16_t)(int16_t)w[(3 * r) * oc] | ((uint32_t)(uint16_t)(int16_t)w[(3 * r + 1) * oc] << 16);
        w2[r] = (uint16_t)(int16_t)w[(3 * r + 2) * oc];
    }
    int32_t bias = op->bias ? op->bias[c] : 0, mult = op->multiplier[c], shift = op->shift[c];
    for (int oy = 0; oy < op->out_h; oy++) {
        const int16_t *r0 = plane + oy * pw;
        int8_t *out = output + (oy * op->out_w) * oc + c;
        int ox = 0;
        for (; ox + 2 <= op->out_w; ox += 2, r0 += 2, out += 2 * oc) {
            int32_t acc0 = bias, acc1 = bias;
            const int16_t *r = r0;
            for (int fy = 0; fy < 3; fy++, r += pw) {
                uint32_t a = h7nn_read_u32(r), b = h7nn_read_u32(r + 2), m = h7nn_read_u32(r + 1);
                acc0 = h7nn_smlad(a, w01[fy], acc0);
                acc0 = h7nn_smlabb(b, w2[fy], acc0);
                acc1 = h7nn_smlad(m, w01[fy], acc1);
                acc1 = h7nn_smlatb(b, w2[fy], acc1);
            }
            out[0] = requantize(acc0, mult, shift, op);
            out[oc] = requantize(acc1, mult, shift, op);
        }
        if (ox < op->out_w) {
            int32_t acc = bias;
            const int16_t *r = r0;
            for (int fy = 0; fy < 3; fy++, r += pw) {
                acc = h7nn_smlad(h7nn_read_u32(r), w01[fy], acc);
                acc = h7nn_smlabb(h7nn_read_u32(r + 2), w2[fy], acc);
            }
            out[0] = requantize(acc, mult, shift, op);
        }
    }
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const h7nn_conv_data *op = node->op_data;
    if (!fast_shape(op)) return h7nn_depthwise_conv_2d_eval_reference(nn, node);
    const int8_t *input = h7nn_input_data(nn, node, 0);
    int8_t *output = h7nn_output_data(nn, node, 0);
    int16_t *plane = node->scratch;
    int32_t pw = plane_width(op);
    memset(plane, 0, node->scratch_bytes);
    for (int b = 0; b < op->batches; b++) {
        const int8_t *in_b = input + b * op->in_h * op->in_w * op->in_c;
        int8_t *out_b = output + b * op->out_h * op->out_w * op->out_c;
        for (int c = 0; c < op->in_c; c++) channel_plane(op, in_b, c, plane, pw, out_b);
    }
    return H7NN_OK;
}

const h7nn_kernel h7nn_m7_depthwise_conv_2d = {H7NN_OP_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", prepare, eval};
