/* Helpers shared by the M7 kernels. */
#ifndef H7NN_M7_COMMON_H
#define H7NN_M7_COMMON_H

#include "engine/kernels/h7nn_kernels.h"

/* Out[p][oc] for two columns (int16, interleaved by h7nn_widen4_interleaved, k_pad values)
 * against the int8 weight rows of every output channel: SMLAD on 2 channels x 2 columns. */
void h7nn_m7_matmul_2col(const int8_t *weights, int32_t k, int32_t out_c, const int16_t *col0,
                         const int16_t *col1, int8_t *out0, int8_t *out1, const int32_t *bias,
                         const int32_t *multiplier, const int32_t *shift, int32_t output_offset,
                         int32_t act_min, int32_t act_max);

/* One row of int8 values, widened with an offset, in SMLAD order (n rounded up to 4 with zeros). */
void h7nn_m7_widen_row(const int8_t *src, int32_t n, int32_t offset, int16_t *dst);

#endif
