/* The int8 x int16 matrix kernel under the M7 CONV_2D (1x1 and im2col) and
 * FULLY_CONNECTED: two output channels by two columns per pass, four SMLADs per four
 * weights, then TFLite's requantization per output. */
#include "engine/h7nn_quant.h"
#include "engine/kernels/m7/h7nn_m7_common.h"
#include "engine/kernels/m7/h7nn_simd.h"

static const uint8_t interleave[4] = {0, 2, 1, 3};

void h7nn_m7_widen_row(const int8_t *src, int32_t n, int32_t offset, int16_t *dst) {
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) h7nn_widen4_interleaved(src + i, (int16_t)offset, dst + i);
    if (i < n) {
        for (int j = 0; j < 4; j++) dst[i + interleave[j]] = (int16_t)(i + j < n ? src[i + j] + offset : 0);
    }
}

static inline int8_t requantize(int32_t acc, int32_t multiplier, int32_t shift, int32_t offset, int32_t lo,
                                int32_t hi, int fast) {
    acc = (fast ? h7nn_m7_requant(acc, multiplier, shift) : h7nn_mbqm(acc, multiplier, (int)shift)) + offset;
    return (int8_t)h7nn_clamp(acc, lo, hi);
}

void h7nn_m7_matmul_2col(const int8_t *weights, int32_t k, int32_t out_c, const int16_t *col0,
                         const int16_t *col1, int8_t *out0, int8_t *out1, const int32_t *bias,
                         const int32_t *multiplier, const int8_t *shift, int32_t output_offset,
                         int32_t act_min, int32_t act_max, int fast) {
    int32_t k4 = k & ~3;
    for (int32_t oc = 0; oc < out_c; oc += 2) {
        int pair = oc + 1 < out_c;
        const int8_t *w0 = weights + oc * k;
        const int8_t *w1 = pair ? w0 + k : w0;
        int32_t a00 = 0, a01 = 0, a10 = 0, a11 = 0;
        const int16_t *c0 = col0, *c1 = col1;
        for (int32_t i = 0; i < k4; i += 4, c0 += 4, c1 += 4) {
            uint32_t wa = h7nn_read_u32(w0 + i), wb = h7nn_read_u32(w1 + i);
            uint32_t wa_even = h7nn_sxtb16(wa), wa_odd = h7nn_sxtb16_ror8(wa);
            uint32_t wb_even = h7nn_sxtb16(wb), wb_odd = h7nn_sxtb16_ror8(wb);
            uint32_t x_even = h7nn_read_u32(c0), x_odd = h7nn_read_u32(c0 + 2);
            uint32_t y_even = h7nn_read_u32(c1), y_odd = h7nn_read_u32(c1 + 2);
            a00 = h7nn_smlad(wa_even, x_even, a00);
            a00 = h7nn_smlad(wa_odd, x_odd, a00);
            a01 = h7nn_smlad(wa_even, y_even, a01);
            a01 = h7nn_smlad(wa_odd, y_odd, a01);
            a10 = h7nn_smlad(wb_even, x_even, a10);
            a10 = h7nn_smlad(wb_odd, x_odd, a10);
            a11 = h7nn_smlad(wb_even, y_even, a11);
            a11 = h7nn_smlad(wb_odd, y_odd, a11);
        }
        for (int32_t i = k4; i < k; i++) {
            int j = interleave[i - k4];
            a00 += w0[i] * c0[j];
            a01 += w0[i] * c1[j];
            a10 += w1[i] * c0[j];
            a11 += w1[i] * c1[j];
        }
        if (bias) {
            a00 += bias[oc];
            a01 += bias[oc];
            if (pair) a10 += bias[oc + 1], a11 += bias[oc + 1];
        }
        out0[oc] = requantize(a00, multiplier[oc], shift[oc], output_offset, act_min, act_max, fast);
        if (out1) out1[oc] = requantize(a01, multiplier[oc], shift[oc], output_offset, act_min, act_max, fast);
        if (pair) {
            out0[oc + 1] = requantize(a10, multiplier[oc + 1], shift[oc + 1], output_offset, act_min, act_max, fast);
            if (out1) out1[oc + 1] = requantize(a11, multiplier[oc + 1], shift[oc + 1], output_offset, act_min, act_max, fast);
        }
    }
}

int h7nn_m7_requant_is_exact(const int8_t *weights, int32_t channels, int32_t per_channel, int32_t stride,
                             int32_t channel_step, const int32_t *bias, const int8_t *shift) {
    for (int32_t c = 0; c < channels; c++) {
        int64_t bound = 0;
        for (int32_t i = 0; i < per_channel; i++) {
            int32_t w = weights[c * channel_step + i * stride];
            bound += w < 0 ? -w : w;
        }
        bound = bound * 256 + (bias ? (bias[c] < 0 ? -(int64_t)bias[c] : bias[c]) : 0);
        if (shift[c] > 0) bound <<= shift[c];
        if (bound >= (INT64_C(1) << 30)) return 0;
    }
    return 1;
}
