/* Helpers shared by the M7 kernels. */
#ifndef H7NN_M7_COMMON_H
#define H7NN_M7_COMMON_H

#include "engine/kernels/h7nn_kernels.h"
#include "engine/kernels/m7/h7nn_simd.h"

/* How an op turns int32 accumulators into int8 outputs. */
typedef struct {
    const int32_t *bias;        /* per output channel, or NULL */
    const int32_t *multiplier;  /* per output channel */
    const int8_t *shift;
    int32_t offset, act_min, act_max;
    int32_t fast;               /* h7nn_m7_requant_mode(): 1 = short exact form, 0 = h7nn_mbqm */
} h7nn_m7_requant_params;

/* Out[p][oc] for two columns (int16, interleaved by h7nn_widen4_interleaved, k_pad values)
 * against the int8 weight rows of every output channel: SMLAD on 2 channels x 2 columns.
 * out1 may be NULL (one column). When rq->fast, the columns must hold doubled values
 * (h7nn_m7_widen_row(..., doubled = 1)). */
void h7nn_m7_matmul_2col(const int8_t *weights, int32_t k, int32_t out_c, const int16_t *col0,
                         const int16_t *col1, int8_t *out0, int8_t *out1, const h7nn_m7_requant_params *rq);

/* Six columns at once (rq->fast only, k a multiple of 4, any out_c): `hex` holds six doubled
 * columns interleaved by groups of 4 values (h7nn_m7_widen_into_hex for 1x1 convolutions,
 * h7nn_m7_copy_into_hex for im2col patches), 48 bytes per group. One output channel per pass: its 4 weights
 * are unpacked once and meet the six columns in 12 SMLADs, the columns arrive by LDM four
 * words at a time (on the M7, one hand-scheduled loop, h7nn_m7_dot_1x6). out0 is the first
 * pixel's output row, the others follow every out_stride bytes. */
void h7nn_m7_matmul_6col(const int8_t *weights, int32_t k, int32_t out_c, const int16_t *hex, int8_t *out0,
                         int32_t out_stride, const h7nn_m7_requant_params *rq);
/* Pixel j (0..5) of the six-column layout: n int8 values (a multiple of 4), doubled, with
 * the input offset. */
void h7nn_m7_widen_into_hex(const int8_t *src, int32_t n, int32_t offset, int16_t *hex, int j);
/* An interleaved column of k values (k a multiple of 4) into column j of the layout. */
void h7nn_m7_copy_into_hex(const int16_t *col, int32_t k, int16_t *hex, int j);

/* One row of int8 values, widened with an offset, in SMLAD order (n rounded up to 4 with
 * zeros); doubled = 1 stores 2 * (x + offset) for the SMMULR requantization. */
void h7nn_m7_widen_row(const int8_t *src, int32_t n, int32_t offset, int16_t *dst, int doubled);

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

/* The short form when every channel only shifts right (shift <= -1), as trained models do:
 * x = floor((acc * m + 2^30) / 2^31); (x + 2^(r-1) - (x < 0)) >> r. */
static inline int32_t h7nn_m7_requant_right(int32_t acc, int32_t multiplier, int32_t right) {
    int32_t x = (int32_t)(((int64_t)acc * multiplier + (INT64_C(1) << 30)) >> 31);
    return (x + ((1 << right) >> 1) + (x >> 31)) >> right;
}

/* The shortest form, on a doubled accumulator acc2 = 2 * acc (the kernels double their
 * inputs or weights, exactly): floor((acc * m + 2^30) / 2^31) is SMMULR(acc2, m), and the
 * output offset rides in the rounding constant: round_offset = 2^(r-1) + offset * 2^r. */
static inline int32_t h7nn_m7_requant_x2(int32_t acc2, int32_t multiplier, int32_t round_offset, int32_t right) {
    int32_t x = h7nn_smmulr(acc2, multiplier);
    return (x + round_offset + (x >> 31)) >> right;
}

static inline int32_t h7nn_m7_round_offset(int32_t right, int32_t offset) {
    return (int32_t)((1u << right) >> 1) + (int32_t)((uint32_t)offset << right);
}

/* 1 when h7nn_m7_requant_right / _x2 are exact for the op (every shift in -22..-1 and the
 * accumulator bound of h7nn_m7_requant_is_exact holds), else 0. */
int h7nn_m7_requant_mode(const int8_t *weights, int32_t channels, int32_t per_channel, int32_t stride,
                         int32_t channel_step, const int32_t *bias, const int8_t *shift);

/* Whether h7nn_m7_requant equals h7nn_mbqm for every accumulator an op can produce:
 * |acc| <= sum|w| * 256 + |bias| per output channel (weights of `per_channel` values each). */
int h7nn_m7_requant_is_exact(const int8_t *weights, int32_t channels, int32_t per_channel, int32_t stride,
                             int32_t channel_step, const int32_t *bias, const int8_t *shift);

#endif
