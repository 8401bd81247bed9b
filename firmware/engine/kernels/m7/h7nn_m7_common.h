/* Helpers shared by the M7 kernels. */
#ifndef H7NN_M7_COMMON_H
#define H7NN_M7_COMMON_H

#include "engine/kernels/h7nn_kernels.h"

/* Out[p][oc] for two columns (int16, interleaved by h7nn_widen4_interleaved, k_pad values)
 * against the int8 weight rows of every output channel: SMLAD on 2 channels x 2 columns. */
void h7nn_m7_matmul_2col(const int8_t *weights, int32_t k, int32_t out_c, const int16_t *col0,
                         const int16_t *col1, int8_t *out0, int8_t *out1, const int32_t *bias,
                         const int32_t *multiplier, const int8_t *shift, int32_t output_offset,
                         int32_t act_min, int32_t act_max, int fast);

/* One row of int8 values, widened with an offset, in SMLAD order (n rounded up to 4 with zeros). */
void h7nn_m7_widen_row(const int8_t *src, int32_t n, int32_t offset, int16_t *dst);

/* TFLite's requantization (h7nn_mbqm) in fewer instructions, exact whenever
 * |acc << left_shift| < 2^30, which h7nn_m7_requant_is_exact() checks for a whole op at
 * prepare time from its weights and biases:
 *  - the rounding doubling high multiply is floor((acc * m + 2^30) / 2^31) (one SMLAL);
 *  - rounding x / 2^r half away from zero is (x + 2^(r-1) - (x < 0)) >> r, which cannot
 *    overflow for |x| < 2^30. */
static inline int32_t h7nn_m7_requant(int32_t acc, int32_t multiplier, int32_t shift) {
    int32_t left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    int64_t p = (int64_t)(int32_t)((uint32_t)acc << left) * multiplier + (INT64_C(1) << 30);
    int32_t x = (int32_t)(p >> 31);
    if (right > 0) x = (x + (1 << (right - 1)) + (x >> 31)) >> right;
    return x;
}

/* Whether h7nn_m7_requant equals h7nn_mbqm for every accumulator an op can produce:
 * |acc| <= sum|w| * 256 + |bias| per output channel (weights of `per_channel` values each). */
int h7nn_m7_requant_is_exact(const int8_t *weights, int32_t channels, int32_t per_channel, int32_t stride,
                             int32_t channel_step, const int32_t *bias, const int8_t *shift);

#endif
