/* SOFTMAX, int8 in and out: TFLite's reference quantized Softmax, which works in gemmlowp
 * fixed point: exp() of (x - max) on negative values, a sum with 12 integer bits, and a
 * reciprocal by Newton-Raphson. Every step below mirrors that arithmetic exactly. */
#include <math.h>

#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_fixedpoint.h"
#include "engine/kernels/h7nn_kernels.h"

enum { SOFTMAX_BETA = 0 };
#define SCALED_DIFF_INTEGER_BITS 5
#define ACCUMULATION_INTEGER_BITS 12

typedef struct {
    int32_t outer, depth;
    int32_t input_multiplier, input_left_shift, diff_min;
} softmax_data;

static int count_leading_zeros(uint32_t x) {
    int n = 0;
    if (x == 0) return 32;
    while (!(x & 0x80000000u)) x <<= 1, n++;
    return n;
}

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo input, output;
    h7nn_status s = h7nn_int8_io_prepare(nn, node, &input, NULL, 0, &output);
    if (s != H7NN_OK) return s;
    if (output.zero_point != -128 || output.scale != 1.0f / 256)
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "int8 output must have scale 1/256 and zero point -128");
    if (input.rank < 1 || input.elements != output.elements || input.dims[input.rank - 1] < 1)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "input and output shapes differ");
    softmax_data *op = h7nn_op_data(nn, node, sizeof *op);
    if (!op) return H7NN_ERR_ARENA;
    op->depth = input.dims[input.rank - 1];
    op->outer = (int32_t)(input.elements / (uint32_t)op->depth);
    double beta = h7nn_opt_f32(nn, node, SOFTMAX_BETA, 0.0f);
    double real = beta * input.scale * (double)(1 << (31 - SCALED_DIFF_INTEGER_BITS));
    if (real > (double)INT32_MAX) real = (double)INT32_MAX;
    int shift;
    h7nn_quantize_multiplier(real, &op->input_multiplier, &shift);
    if (shift < 0 || shift > 30)
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "beta x input scale too small for int8 softmax");
    op->input_left_shift = shift;
    double radius = (double)((1 << SCALED_DIFF_INTEGER_BITS) - 1) *
                    (double)(INT64_C(1) << (31 - SCALED_DIFF_INTEGER_BITS)) / (double)(INT64_C(1) << shift);
    op->diff_min = -(int32_t)floor(radius);
    return H7NN_OK;
}

static void loop(const softmax_data *op, const int8_t *input, int8_t *output) {
    for (int i = 0; i < op->outer; i++, input += op->depth, output += op->depth) {
        int32_t max = -128;
        for (int c = 0; c < op->depth; c++)
            if (input[c] > max) max = input[c];
        int32_t sum = 0;  /* Q12.19 */
        for (int c = 0; c < op->depth; c++) {
            int32_t diff = input[c] - max;
            if (diff >= op->diff_min) {
                int32_t scaled = h7nn_srdhm(diff * (1 << op->input_left_shift), op->input_multiplier);
                sum += h7nn_rdbpot(h7nn_fp_exp_on_negative_values(scaled, SCALED_DIFF_INTEGER_BITS), ACCUMULATION_INTEGER_BITS);
            }
        }
        int headroom = count_leading_zeros((uint32_t)sum);
        int bits_over_unit = ACCUMULATION_INTEGER_BITS - headroom;
        int32_t shifted_sum_minus_one = (int32_t)(((uint32_t)sum << headroom) - (UINT32_C(1) << 31));
        int32_t reciprocal = h7nn_fp_one_over_one_plus_x(shifted_sum_minus_one);
        int exponent = bits_over_unit + 31 - 8;
        if (exponent > 31) exponent = 31;  /* only for rows of thousands of equal values */
        for (int c = 0; c < op->depth; c++) {
            int32_t diff = input[c] - max;
            if (diff >= op->diff_min) {
                int32_t scaled = h7nn_srdhm(diff * (1 << op->input_left_shift), op->input_multiplier);
                int32_t e = h7nn_fp_exp_on_negative_values(scaled, SCALED_DIFF_INTEGER_BITS);
                int32_t out = h7nn_rdbpot(h7nn_srdhm(reciprocal, e), exponent) - 128;
                output[c] = (int8_t)h7nn_clamp(out, -128, 127);
            } else {
                output[c] = -128;
            }
        }
    }
}

H7NN_EVAL_LOOP(loop)

const h7nn_kernel h7nn_ref_softmax = {H7NN_KERNEL_ID(SOFTMAX), prepare, eval};
