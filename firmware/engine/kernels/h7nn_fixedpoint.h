/* gemmlowp's fixed-point transcendental functions, as TFLite's int8 SOFTMAX and LOGISTIC
 * use them (raw int32 values; "Qm" = m integer bits). Bit-exact by construction: every
 * step is the same integer operation in the same order. */
#ifndef H7NN_FIXEDPOINT_H
#define H7NN_FIXEDPOINT_H

#include "engine/h7nn_quant.h"

/* exp(a) for a in [-1/4, 0), Q0 in and out. */
static inline int32_t h7nn_fp_exp_on_interval(int32_t a) {
    const int32_t exp_minus_one_eighth = 1895147668;
    const int32_t one_third = 715827883;
    int32_t x = a + (1 << 28);  /* a + 1/8 */
    int32_t x2 = h7nn_srdhm(x, x);
    int32_t x3 = h7nn_srdhm(x2, x);
    int32_t x4 = h7nn_srdhm(x2, x2);
    int32_t x4_over_4 = h7nn_rdbpot(x4, 2);
    int32_t poly = h7nn_rdbpot(h7nn_srdhm(x4_over_4 + x3, one_third) + x2, 1);
    return exp_minus_one_eighth + h7nn_srdhm(exp_minus_one_eighth, x + poly);
}

/* exp(a) for a <= 0 given with `integer_bits` integer bits (1..5); result Q0. */
static inline int32_t h7nn_fp_exp_on_negative_values(int32_t a, int integer_bits) {
    const int fractional_bits = 31 - integer_bits;
    const int32_t one_quarter = 1 << (fractional_bits - 2);
    int32_t mask = one_quarter - 1;
    int32_t a_mod_quarter_minus_quarter = (a & mask) - one_quarter;
    int32_t result = h7nn_fp_exp_on_interval(h7nn_saturating_shift_left(a_mod_quarter_minus_quarter, integer_bits));
    int32_t remainder = a_mod_quarter_minus_quarter - a;
    static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
    for (int e = -2; e <= 4; e++)
        if (integer_bits > e && (remainder & (1 << (fractional_bits + e)))) result = h7nn_srdhm(result, multipliers[e + 2]);
    return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + a) for a in [0, 1), Q0 in and out (Newton-Raphson, three steps). */
static inline int32_t h7nn_fp_one_over_one_plus_x(int32_t a) {
    int64_t sum = (int64_t)a + INT32_MAX;
    int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t c48_over_17 = 1515870810, cneg32_over_17 = -1010580540;  /* Q2 */
    int32_t x = c48_over_17 + h7nn_srdhm(half_denominator, cneg32_over_17);
    for (int i = 0; i < 3; i++) {
        int32_t half_denominator_times_x = h7nn_srdhm(half_denominator, x);
        int32_t one_minus = (1 << 29) - half_denominator_times_x;
        x = x + h7nn_saturating_shift_left(h7nn_srdhm(x, one_minus), 2);
    }
    return h7nn_saturating_shift_left(x, 1);
}

#endif /* H7NN_FIXEDPOINT_H */
