/* CONV_2D, int8, Cortex-M7: the input patch of two output pixels is widened to int16 once
 * (im2col; a 1x1 stride-1 convolution widens the pixels directly), then the SMLAD matrix
 * kernel runs every output channel over both; six pixels at once when the filter size allows
 * (h7nn_m7_matmul_6col). Scratch: 6 (1x1) or 7 (im2col) x filter size x 2 bytes. */
#include "engine/h7nn_quant.h"
#include "engine/kernels/m7/h7nn_m7_common.h"

static int is_pointwise(const h7nn_conv_data *op) {
    return op->filter_h == 1 && op->filter_w == 1 && op->stride_h == 1 && op->stride_w == 1 && op->pad_h == 0 &&
           op->pad_w == 0;
}

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_status s = h7nn_conv_prepare_common(nn, node, 0);
    if (s != H7NN_OK) return s;
    h7nn_conv_data *op = node->op_data;
    uint32_t k = (uint32_t)(op->filter_h * op->filter_w * op->in_c);
    /* six interleaved columns; im2col also needs one patch beside them */
    node->scratch_bytes = (is_pointwise(op) ? 6u : 7u) * ((k + 3u) & ~3u) * 2u;
    op->fast_requant = h7nn_m7_requant_mode(op->filter, op->out_c, (int32_t)k, 1, (int32_t)k, op->bias, op->shift);
    return H7NN_OK;
}

static void im2col_any_depth(const h7nn_conv_data *op, const int8_t *input, int y0, int x0, int scale,
                             int16_t *col);

/* The patch under output pixel (oy, ox) as int16 with the input offset; padding is 0 after
 * the offset, as in the reference kernel (which skips those taps). */
static void im2col(const h7nn_conv_data *op, const int8_t *input, int oy, int ox, int16_t *col) {
    int32_t k = op->filter_h * op->filter_w * op->in_c;
    int y0 = oy * op->stride_h - op->pad_h, x0 = ox * op->stride_w - op->pad_w;
    int32_t pos = 0;
    /* depth a multiple of 4: every tap is whole groups of 4, widened with SIMD */
    if ((op->in_c & 3) == 0) {
        for (int fy = 0; fy < op->filter_h; fy++) {
            int iy = y0 + fy * op->dilation_h;
            for (int fx = 0; fx < op->filter_w; fx++, pos += op->in_c) {
                int ix = x0 + fx * op->dilation_w;
                if (iy < 0 || iy >= op->in_h || ix < 0 || ix >= op->in_w) {
                    for (int32_t i = 0; i < op->in_c; i++) col[pos + i] = 0;
                } else {
                    h7nn_m7_widen_row(input + (iy * op->in_w + ix) * op->in_c, op->in_c, op->input_offset, col + pos,
                                      op->fast_requant);
                }
            }
        }
        return;
    }
    const int scale = op->fast_requant ? 2 : 1;  /* doubled columns for the SMMULR requantization */
    if (op->in_c == 1) {
        /* single-channel input (spectrograms, grayscale): gather the patch row by row in
         * natural order, then interleave each group of 4 in place */
        int16_t *dst = col;
        const int32_t fw = op->filter_w, dw = op->dilation_w, offset = op->input_offset;
        const int cols_inside = x0 >= 0 && x0 + (fw - 1) * dw < op->in_w;
        for (int fy = 0; fy < op->filter_h; fy++, dst += fw) {
            int iy = y0 + fy * op->dilation_h;
            if (iy < 0 || iy >= op->in_h) {
                for (int fx = 0; fx < fw; fx++) dst[fx] = 0;
                continue;
            }
            const int8_t *row = input + iy * op->in_w;
            if (cols_inside) {  /* the whole filter row lies inside the image */
                const int8_t *src = row + x0;
                for (int fx = 0; fx < fw; fx++, src += dw) dst[fx] = (int16_t)((*src + offset) * scale);
            } else {
                for (int fx = 0; fx < fw; fx++) {
                    int ix = x0 + fx * dw;
                    dst[fx] = ix >= 0 && ix < op->in_w ? (int16_t)((row[ix] + offset) * scale) : 0;
                }
            }
        }
        for (int32_t i = k; i < ((k + 3) & ~3); i++) col[i] = 0;
        uint32_t *words = (uint32_t *)(void *)col;  /* [a|b][c|d] -> [a|c][b|d] */
        for (int32_t i = 0; i < k; i += 4, words += 2) {
            uint32_t ab = words[0], cd = words[1];
            words[0] = h7nn_pack16(ab, cd);
            words[1] = h7nn_pack16(ab >> 16, cd >> 16);
        }
        return;
    }
    im2col_any_depth(op, input, y0, x0, scale, col);
}

/* Any other depth, value by value (cold: trained models have depths of 1 or 4n). */
__attribute__((cold)) static void im2col_any_depth(const h7nn_conv_data *op, const int8_t *input, int y0, int x0,
                                                   int scale, int16_t *col) {
    static const uint8_t interleave[4] = {0, 2, 1, 3};
    int32_t k = op->filter_h * op->filter_w * op->in_c, pos = 0;
    for (int fy = 0; fy < op->filter_h; fy++) {
        int iy = y0 + fy * op->dilation_h;
        for (int fx = 0; fx < op->filter_w; fx++) {
            int ix = x0 + fx * op->dilation_w;
            int inside = iy >= 0 && iy < op->in_h && ix >= 0 && ix < op->in_w;
            const int8_t *src = input + (iy * op->in_w + ix) * op->in_c;
            for (int32_t i = 0; i < op->in_c; i++, pos++) {
                int16_t v = inside ? (int16_t)((src[i] + op->input_offset) * scale) : 0;
                col[(pos & ~3) + interleave[pos & 3]] = v;
            }
        }
    }
    for (; pos < ((k + 3) & ~3); pos++) col[(pos & ~3) + interleave[pos & 3]] = 0;
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const h7nn_conv_data *op = node->op_data;
    const int8_t *input = h7nn_input_data(nn, node, 0);
    int8_t *output = h7nn_output_data(nn, node, 0);
    int32_t k = op->filter_h * op->filter_w * op->in_c;
    int32_t k_pad = (k + 3) & ~3;
    int16_t *col0 = node->scratch, *col1 = col0 + k_pad;
    int pointwise = is_pointwise(op);
    int32_t pixels = op->out_h * op->out_w;
    const h7nn_m7_requant_params rq = {op->bias, op->multiplier, op->shift, op->output_offset, op->act_min,
                                       op->act_max, op->fast_requant};
    int six = op->fast_requant && (k & 3) == 0;
    for (int b = 0; b < op->batches; b++) {
        const int8_t *in_b = input + b * op->in_h * op->in_w * op->in_c;
        int8_t *out_b = output + b * pixels * op->out_c;
        int32_t p = 0;
        /* the last group overlaps the one before (same outputs written twice, the input
         * tensor is not the output), so no pixel is left to a slower path */
        if (six && pixels >= 6) {
            for (; p < pixels; p += 6) {
                if (p + 6 > pixels) p = pixels - 6;
                for (int j = 0; j < 6; j++) {
                    if (pointwise) {
                        h7nn_m7_widen_into_hex(in_b + (p + j) * k, k, op->input_offset, col0, j);
                    } else {
                        im2col(op, in_b, (p + j) / op->out_w, (p + j) % op->out_w, col0 + 6 * k_pad);
                        h7nn_m7_copy_into_hex(col0 + 6 * k_pad, k, col0, j);
                    }
                }
                h7nn_m7_matmul_6col(op->filter, k, op->out_c, col0, out_b + p * op->out_c, op->out_c, &rq);
            }
        }
        for (; p < pixels; p += 2) {
            int two = p + 1 < pixels;
            if (pointwise) {
                h7nn_m7_widen_row(in_b + p * op->in_c, op->in_c, op->input_offset, col0, op->fast_requant);
                if (two) h7nn_m7_widen_row(in_b + (p + 1) * op->in_c, op->in_c, op->input_offset, col1,
                                                  op->fast_requant);
            } else {
                im2col(op, in_b, p / op->out_w, p % op->out_w, col0);
                if (two) im2col(op, in_b, (p + 1) / op->out_w, (p + 1) % op->out_w, col1);
            }
            h7nn_m7_matmul_2col(op->filter, k, op->out_c, col0, two ? col1 : col0, out_b + p * op->out_c,
                                two ? out_b + (p + 1) * op->out_c : NULL, &rq);
        }
    }
    return H7NN_OK;
}

const h7nn_kernel h7nn_m7_conv_2d = {H7NN_OP_CONV_2D, "CONV_2D", prepare, eval};
