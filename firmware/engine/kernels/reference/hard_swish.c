/* HARD_SWISH, int8: TFLite's reference HardSwish in 16-bit fixed point (the input on a
 * 7-bit finer "hires" scale, a "reluish" factor in [0, 1] in Q0.15, one multiply). */
#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_kernels.h"

typedef struct {
    int32_t count, input_zero_point, output_zero_point;
    int32_t output_multiplier, output_exponent, reluish_multiplier, reluish_exponent;  /* int16 multipliers */
} hard_swish_data;

static int16_t downscale_multiplier(int32_t m) {
    if (m >= INT32_MAX - (1 << 15)) return INT16_MAX;
    return (int16_t)((m + (1 << 15)) >> 16);
}

static int16_t srdhm16(int16_t a, int16_t b) {
    if (a == b && a == INT16_MIN) return INT16_MAX;
    int32_t ab = (int32_t)a * b;
    int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
    return (int16_t)((ab + nudge) / (1 << 15));
}

static int16_t sdhm16(int16_t a, int16_t b) {  /* no rounding */
    if (a == b && a == INT16_MIN) return INT16_MAX;
    return (int16_t)(((int32_t)a * b) / (1 << 15));
}

static int16_t saturating_left_shift16(int16_t v, int amount) {
    int32_t r = (int32_t)v * (1 << amount);
    return (int16_t)h7nn_clamp(r, INT16_MIN, INT16_MAX);
}

static int16_t rdbpot16(int16_t x, int exponent) {
    int16_t mask = (int16_t)((1 << exponent) - 1);
    int16_t remainder = (int16_t)(x & mask);
    int16_t threshold = (int16_t)((mask >> 1) + (x < 0 ? 1 : 0));
    return (int16_t)((x >> exponent) + (remainder > threshold ? 1 : 0));
}

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo in, out;
    hard_swish_data *op;
    h7nn_status s = h7nn_unary_int8_prepare(nn, node, &in, &out, &op);
    if (s != H7NN_OK) return s;
    op->count = (int32_t)in.elements;
    op->input_zero_point = in.zero_point;
    op->output_zero_point = out.zero_point;
    float hires_input_scale = (1.0f / 128.0f) * in.scale;
    float reluish_scale = 3.0f / 32768.0f;
    int32_t m;
    int e;
    h7nn_quantize_multiplier((double)(hires_input_scale / out.scale), &m, &e);
    op->output_multiplier = downscale_multiplier(m);
    op->output_exponent = e;
    if (e > 0) return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "output scale too small for the input scale");
    h7nn_quantize_multiplier((double)(hires_input_scale / reluish_scale), &m, &e);
    op->reluish_multiplier = downscale_multiplier(m);
    op->reluish_exponent = e;
    if (e > 15 || e < -15) return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "input scale out of range");
    return H7NN_OK;
}

static void loop(const hard_swish_data *op, const int8_t *in, int8_t *out) {
    for (int32_t i = 0; i < op->count; i++) {
        int16_t value = (int16_t)(in[i] - op->input_zero_point);
        int16_t hires = (int16_t)(value * (1 << 7));
        int16_t preshift_output = srdhm16(hires, (int16_t)op->output_multiplier);
        int16_t reluish = hires;
        if (op->reluish_exponent > 0) reluish = saturating_left_shift16(reluish, op->reluish_exponent - 1);
        reluish = srdhm16(reluish, (int16_t)op->reluish_multiplier);
        if (op->reluish_exponent > 0) reluish = saturating_left_shift16(reluish, 1);
        if (op->reluish_exponent < 0) reluish = rdbpot16(reluish, -op->reluish_exponent);
        reluish = (int16_t)((reluish + (1 << 15)) >> 1);
        int16_t preshift = sdhm16(reluish, preshift_output);
        int32_t y = rdbpot16(preshift, -op->output_exponent) + op->output_zero_point;
        out[i] = (int8_t)h7nn_clamp(y, -128, 127);
    }
}

H7NN_EVAL_LOOP(loop)

const h7nn_kernel h7nn_ref_hard_swish = {H7NN_KERNEL_ID(HARD_SWISH), prepare, eval};
