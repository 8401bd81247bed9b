/* LOGISTIC, int8: TFLite's reference integer Logistic (input in Q4.27, gemmlowp's
 * fixed-point logistic, output with scale 1/256 and zero point -128). */
#include <math.h>

#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_fixedpoint.h"
#include "engine/kernels/h7nn_kernels.h"

#define INPUT_INTEGER_BITS 4

typedef struct {
    int32_t count, input_zero_point, input_range_radius, input_multiplier, input_left_shift;
} logistic_data;

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo in, out;
    logistic_data *op;
    h7nn_status s = h7nn_unary_int8_prepare(nn, node, &in, &out, &op);
    if (s != H7NN_OK) return s;
    if (out.zero_point != -128 || out.scale != 1.0f / 256)
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "int8 output must have scale 1/256 and zero point -128");
    op->count = (int32_t)in.elements;
    op->input_zero_point = in.zero_point;
    double real = (double)in.scale * (double)(1 << (31 - INPUT_INTEGER_BITS));
    int exponent;
    double q = frexp(real, &exponent);
    int64_t q_fixed = (int64_t)round(q * (double)(INT64_C(1) << 31));
    if (q_fixed > INT32_MAX || exponent > 30 || exponent < -31)
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "input scale out of the int8 logistic's range");
    op->input_multiplier = (int32_t)q_fixed;
    op->input_left_shift = exponent;
    double radius = (double)((1 << INPUT_INTEGER_BITS) - 1) * (double)(INT64_C(1) << (31 - INPUT_INTEGER_BITS)) /
                    ldexp(1.0, exponent);
    op->input_range_radius = radius > INT32_MAX ? INT32_MAX : (int32_t)floor(radius);
    return H7NN_OK;
}

static void loop(const logistic_data *op, const int8_t *in, int8_t *out) {
    for (int32_t i = 0; i < op->count; i++) {
        int32_t x = in[i] - op->input_zero_point;
        if (x <= -op->input_range_radius) {
            out[i] = -128;
        } else if (x >= op->input_range_radius) {
            out[i] = 127;
        } else {
            int32_t a = h7nn_mbqm(x, op->input_multiplier, op->input_left_shift);  /* Q4.27 */
            int32_t abs_a = a > 0 ? a : -a;
            int32_t positive = h7nn_fp_one_over_one_plus_x(h7nn_fp_exp_on_negative_values(-abs_a, INPUT_INTEGER_BITS));
            int32_t result = a == 0 ? (1 << 30) : (a > 0 ? positive : INT32_MAX - positive);
            int32_t y = h7nn_rdbpot(result, 31 - 8) - 128;
            out[i] = (int8_t)h7nn_clamp(y, -128, 127);
        }
    }
}

H7NN_EVAL_LOOP(loop)

const h7nn_kernel h7nn_ref_logistic = {H7NN_KERNEL_ID(LOGISTIC), prepare, eval};
