/* The int8 x int16 matrix kernel under the M7 CONV_2D (1x1 and im2col) and
 * FULLY_CONNECTED: two output channels by two columns per pass, eight SMLADs per four
 * weights of each channel, then TFLite's requantization per output. */
#include "engine/h7nn_quant.h"
#include "engine/kernels/m7/h7nn_m7_common.h"
#include "engine/kernels/m7/h7nn_simd.h"

static const uint8_t interleave[4] = {0, 2, 1, 3};

void h7nn_m7_widen_row(const int8_t *src, int32_t n, int32_t offset, int16_t *dst, int doubled) {
    int32_t i = 0;
    if (doubled)
        for (; i + 4 <= n; i += 4) h7nn_widen4_interleaved_x2(src + i, (int16_t)offset, dst + i);
    else
        for (; i + 4 <= n; i += 4) h7nn_widen4_interleaved(src + i, (int16_t)offset, dst + i);
    if (i < n) {
        for (int j = 0; j < 4; j++)
            dst[i + interleave[j]] = (int16_t)(i + j < n ? (src[i + j] + offset) * (doubled ? 2 : 1) : 0);
    }
}

int h7nn_m7_requant_mode(const int8_t *weights, int32_t channels, int32_t per_channel, int32_t stride,
                         int32_t channel_step, const int8_t *shift) {
    (void)shift;
    /* |w| <= 128: fewer than 2^14 weights per channel cannot reach the bound (every layer
     * of the MLPerf Tiny models); only deeper ones are summed */
    if ((int64_t)per_channel * 128 * 256 < (INT64_C(1) << 29)) return 1;
    for (int32_t c = 0; c < channels; c++) {
        int64_t bound = 0;
        int32_t i = 0;
        if (stride == 1) {
            /* contiguous rows (CONV_2D, FULLY_CONNECTED): |w| of four weights per USADA8,
             * |w| = |(w + 128) - 128| on the bytes with the sign bit flipped; this runs over
             * every weight at start-up */
            const int8_t *row = weights + c * channel_step;
            uint32_t sum = 0;
            for (; i + 4 <= per_channel; i += 4) sum = h7nn_usada8(h7nn_read_u32(row + i) ^ 0x80808080u, 0x80808080u, sum);
            bound = sum;
        }
        for (; i < per_channel; i++) {
            int32_t w = weights[c * channel_step + i * stride];
            bound += w < 0 ? -w : w;
        }
        if (bound * 256 >= (INT64_C(1) << 29)) return 0;
    }
    return 1;
}

h7nn_status h7nn_m7_plan_mode(h7nn_interpreter *nn, const h7nn_node *node, const uint32_t *rec, int doubled,
                              const int32_t *bias, int32_t channels, int32_t *mode) {
    /* allocate checked the record's shifts for mode 1 (check_plan_words); mode 2 checks every
     * channel as it runs; mode 0 is TFLite's arithmetic */
    *mode = (int32_t)rec[0];
    if (*mode && !doubled)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "plan: requantization mode %d without the weights' bound", *mode);
    if (*mode == 1 && bias) {
        /* |bias| < 2^29 (h7nn_m7_short_channel): bias + 2^29 - 1 in [0, 2^30 - 2], in unsigned
         * (wrapping) arithmetic; four channels per pass */
#define H7NN_BIAS_OUTSIDE(b) ((uint32_t)(b) + 0x1FFFFFFFu >= 0x3FFFFFFFu)
        uint32_t outside = 0;
        int32_t c = 0;
        for (; c + 4 <= channels; c += 4)
            outside |= H7NN_BIAS_OUTSIDE(bias[c]) | H7NN_BIAS_OUTSIDE(bias[c + 1]) | H7NN_BIAS_OUTSIDE(bias[c + 2]) |
                       H7NN_BIAS_OUTSIDE(bias[c + 3]);
        for (; c < channels; c++) outside |= H7NN_BIAS_OUTSIDE(bias[c]);
#undef H7NN_BIAS_OUTSIDE
        if (outside) return h7nn_fail(nn, node, H7NN_ERR_MODEL, "plan: requantization mode 1 with a bias of 2^29 or more");
    }
    return H7NN_OK;
}

int h7nn_m7_requant_kind(int doubled, const int32_t *multiplier, const int8_t *shift, const int32_t *bias,
                         int32_t channels) {
    if (!doubled) return 0;
    for (int32_t c = 0; c < channels; c++)
        if (!h7nn_m7_short_channel(multiplier[c], shift[c], bias ? bias[c] : 0)) return 2;
    return 1;
}

/* The six doubled accumulators of a channel outside the short form (h7nn_m7_short_channel):
 * TFLite's arithmetic on the exact sums. */
__attribute__((cold)) static void requant6_exact(const int32_t *acc, int32_t m, int shift, int32_t bias,
                                                 const h7nn_m7_requant_params *rq, int8_t *o, int32_t out_stride) {
    for (int j = 0; j < 6; j++, o += out_stride) {
        int32_t v = h7nn_add_wrap(h7nn_mbqm(h7nn_m7_exact_acc(acc[j], bias), m, shift), rq->offset);
        o[0] = (int8_t)h7nn_clamp(v, rq->act_min, rq->act_max);
    }
}

/* Accumulators of channels oc, oc+1 over columns 0 and 1. */
typedef struct {
    int32_t a00, a01, a10, a11;
} acc4;

static inline acc4 dot_2x2(const int8_t *w0, const int8_t *w1, const int16_t *c0, const int16_t *c1, int32_t k) {
    acc4 a = {0, 0, 0, 0};
    int32_t k4 = k & ~3;
    for (int32_t i = 0; i < k4; i += 4) {
        uint32_t wa = h7nn_read_u32(w0 + i), wb = h7nn_read_u32(w1 + i);
        uint32_t x_even = h7nn_read_u32(c0 + i), x_odd = h7nn_read_u32(c0 + i + 2);
        uint32_t y_even = h7nn_read_u32(c1 + i), y_odd = h7nn_read_u32(c1 + i + 2);
        uint32_t wa_even = h7nn_sxtb16(wa), wa_odd = h7nn_sxtb16_ror8(wa);
        a.a00 = h7nn_smlad(wa_even, x_even, a.a00);
        a.a00 = h7nn_smlad(wa_odd, x_odd, a.a00);
        a.a01 = h7nn_smlad(wa_even, y_even, a.a01);
        a.a01 = h7nn_smlad(wa_odd, y_odd, a.a01);
        uint32_t wb_even = h7nn_sxtb16(wb), wb_odd = h7nn_sxtb16_ror8(wb);
        a.a10 = h7nn_smlad(wb_even, x_even, a.a10);
        a.a10 = h7nn_smlad(wb_odd, x_odd, a.a10);
        a.a11 = h7nn_smlad(wb_even, y_even, a.a11);
        a.a11 = h7nn_smlad(wb_odd, y_odd, a.a11);
    }
    for (int32_t i = k4; i < k; i++) {
        int j = k4 + interleave[i - k4];
        a.a00 += w0[i] * c0[j];
        a.a01 += w0[i] * c1[j];
        a.a10 += w1[i] * c0[j];
        a.a11 += w1[i] * c1[j];
    }
    return a;
}

static inline int32_t add_wrapping(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

/* Exact TFLite requantization (any shift, any accumulator). */
__attribute__((cold)) static void matmul_exact(const int8_t *weights, int32_t k, int32_t out_c, const int16_t *col0, const int16_t *col1,
                         int8_t *out0, int8_t *out1, const h7nn_m7_requant_params *rq) {
    for (int32_t oc = 0; oc < out_c; oc += 2) {
        int pair = oc + 1 < out_c;
        const int8_t *w0 = weights + oc * k;
        acc4 a = dot_2x2(w0, pair ? w0 + k : w0, col0, col1, k);
        if (rq->fast) {  /* doubled columns: the accumulators are even, halve them exactly */
            a.a00 >>= 1;
            a.a01 >>= 1;
            a.a10 >>= 1;
            a.a11 >>= 1;
        }
        int32_t b0 = rq->bias ? rq->bias[oc] : 0, b1 = rq->bias && pair ? rq->bias[oc + 1] : 0;
        int32_t v;
        v = h7nn_add_wrap(h7nn_mbqm(add_wrapping(a.a00, b0), rq->multiplier[oc], rq->shift[oc]), rq->offset);
        out0[oc] = (int8_t)h7nn_clamp(v, rq->act_min, rq->act_max);
        if (out1) {
            v = h7nn_add_wrap(h7nn_mbqm(add_wrapping(a.a01, b0), rq->multiplier[oc], rq->shift[oc]), rq->offset);
            out1[oc] = (int8_t)h7nn_clamp(v, rq->act_min, rq->act_max);
        }
        if (pair) {
            v = h7nn_add_wrap(h7nn_mbqm(add_wrapping(a.a10, b1), rq->multiplier[oc + 1], rq->shift[oc + 1]), rq->offset);
            out0[oc + 1] = (int8_t)h7nn_clamp(v, rq->act_min, rq->act_max);
            if (out1) {
                v = h7nn_add_wrap(h7nn_mbqm(add_wrapping(a.a11, b1), rq->multiplier[oc + 1], rq->shift[oc + 1]), rq->offset);
                out1[oc + 1] = (int8_t)h7nn_clamp(v, rq->act_min, rq->act_max);
            }
        }
    }
}

void h7nn_m7_matmul_2col(const int8_t *weights, int32_t k, int32_t out_c, const int16_t *col0,
                         const int16_t *col1, int8_t *out0, int8_t *out1, const h7nn_m7_requant_params *rq) {
    /* the hot shapes run through the 3- and 6-column kernels; this one covers the rest
     * (fully connected rows, a last pixel or two, odd depths, any requantization) */
    matmul_exact(weights, k, out_c, col0, col1, out0, out1, rq);
}

__attribute__((cold)) static void clamp_bytes(int8_t *out, int32_t n, int32_t lo, int32_t hi) {
    for (int32_t i = 0; i < n; i++) out[i] = (int8_t)h7nn_clamp(out[i], lo, hi);
}

void h7nn_m7_copy_into_hex(const int16_t *col, int32_t k, int16_t *hex, int j) {
    uint32_t *dst = (uint32_t *)(void *)hex + 2 * j;
    const uint32_t *src = (const uint32_t *)(const void *)col;
    for (int32_t i = 0; i < k; i += 4, dst += 12, src += 2) {
        dst[0] = src[0];
        dst[1] = src[1];
    }
}

void h7nn_m7_widen_into_hex(const int8_t *src, int32_t n, int32_t offset, int16_t *hex, int j) {
    /* 2 * (x + offset) = SXTAB16(SXTAB16(2 * offset, x), x): two instructions per pair */
    uint32_t off2 = (uint16_t)(2 * offset) * 0x00010001u;
    uint32_t *dst = (uint32_t *)(void *)hex + 2 * j;
    for (int32_t i = 0; i < n; i += 4, dst += 12) {
        uint32_t word = h7nn_read_u32(src + i);
        dst[0] = h7nn_sxtab16(h7nn_sxtab16(off2, word), word);
        dst[1] = h7nn_sxtab16_ror8(h7nn_sxtab16_ror8(off2, word), word);
    }
}

/* acc[0..5] = acc[0] + the dot products of k int8 weights with the six columns of `hex`
 * (k a multiple of 4, at least 4). */
void h7nn_m7_dot_1x6(const int8_t *weights, const uint32_t *hex, int32_t k, int32_t *acc);

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* Hand-scheduled because every register counts: six accumulators (r2-r7), the unpacked
 * weights (r8, r9), four column words loaded by one LDM (r10-r12, lr), the two pointers
 * (r0, r1); the loop end waits on the stack. Per 4 weights: LDR, 2 SXTB16, 3 LDM, 12 SMLAD.
 * A top-level asm block (not a naked function) so the compiler assumes the standard
 * calling convention at every call. */
/* one step: 4 weights of the channel against the six columns */
#define H7NN_DOT_STEP                           \
    "  ldr r9, [r0], #4\n"                      \
    "  sxtb16 r8, r9\n"                         \
    "  sxtb16 r9, r9, ror #8\n"                 \
    "  ldmia r1!, {r10, r11, r12, lr}\n"        \
    "  smlad r2, r8, r10, r2\n"                 \
    "  smlad r2, r9, r11, r2\n"                 \
    "  smlad r3, r8, r12, r3\n"                 \
    "  smlad r3, r9, lr, r3\n"                  \
    "  ldmia r1!, {r10, r11, r12, lr}\n"        \
    "  smlad r4, r8, r10, r4\n"                 \
    "  smlad r4, r9, r11, r4\n"                 \
    "  smlad r5, r8, r12, r5\n"                 \
    "  smlad r5, r9, lr, r5\n"                  \
    "  ldmia r1!, {r10, r11, r12, lr}\n"        \
    "  smlad r6, r8, r10, r6\n"                 \
    "  smlad r6, r9, r11, r6\n"                 \
    "  smlad r7, r8, r12, r7\n"                 \
    "  smlad r7, r9, lr, r7\n"
__asm__(
    "  .pushsection .text.h7nn_m7_dot_1x6,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global h7nn_m7_dot_1x6\n"
    "  .type h7nn_m7_dot_1x6, %function\n"
    "  .thumb_func\n"
    "h7nn_m7_dot_1x6:\n"
    "  push {r4-r11, lr}\n"
    /* the loop runs 4 steps (16 weights) per pass; k % 16 picks the step to enter at:
     * C = bit 3, N = bit 2 of k (no flag-setting instruction until the branches) */
    "  lsls r8, r2, #29\n"
    "  add r2, r2, r2, lsl #1\n"          /* 3k */
    "  add r2, r1, r2, lsl #2\n"          /* end of the columns: 12k bytes */
    "  push {r2, r3}\n"
    "  ldr r2, [r3]\n"
    "  mov r3, r2\n"
    "  mov r4, r2\n"
    "  mov r5, r2\n"
    "  mov r6, r2\n"
    "  mov r7, r2\n"
    "  bcs 5f\n"                          /* k % 16 == 8 or 12 */
    "  bmi 4f\n"                          /* k % 16 == 4; 0 falls through */
    "1:\n"
    H7NN_DOT_STEP
    "2:\n"
    H7NN_DOT_STEP
    "3:\n"
    H7NN_DOT_STEP
    "4:\n"
    H7NN_DOT_STEP
    "  ldr r8, [sp]\n"
    "  cmp r1, r8\n"
    "  bne 1b\n"
    "  ldr r8, [sp, #4]\n"
    "  stmia r8, {r2-r7}\n"
    "  add sp, #8\n"
    "  pop {r4-r11, pc}\n"
    "5:\n"
    "  bmi 2b\n"                          /* k % 16 == 12 */
    "  b 3b\n"                            /* k % 16 == 8 */
    "  .size h7nn_m7_dot_1x6, .-h7nn_m7_dot_1x6\n"
    "  .popsection\n");
#else
void h7nn_m7_dot_1x6(const int8_t *weights, const uint32_t *hex, int32_t k, int32_t *acc) {
    int32_t a[6];
    for (int j = 0; j < 6; j++) a[j] = acc[0];
    for (int32_t i = 0; i < k; i += 4, hex += 12) {
        uint32_t w = h7nn_read_u32(weights + i), we = h7nn_sxtb16(w), wo = h7nn_sxtb16_ror8(w);
        for (int j = 0; j < 6; j++) a[j] = h7nn_smlad(wo, hex[2 * j + 1], h7nn_smlad(we, hex[2 * j], a[j]));
    }
    for (int j = 0; j < 6; j++) acc[j] = a[j];
}
#endif

/* The loop over output channels; `mixed` (mode 2) tests each channel for the exact path, a
 * constant so that mode 1's loop carries no test (both are instantiated below). */
static inline __attribute__((always_inline)) void matmul_6col(const int8_t *weights, int32_t k, int32_t out_c,
                                                              const uint32_t *cols, int8_t *out0, int32_t out_stride,
                                                              const h7nn_m7_requant_params *rq, const int mixed) {
    const int32_t *bias = rq->bias, *mult = rq->multiplier;
    const int8_t *shift = rq->shift;
    const int32_t offset = rq->offset;
    int32_t acc[6];
    for (int32_t oc = 0; oc < out_c; oc++, weights += k) {
        acc[0] = bias ? (int32_t)((uint32_t)bias[oc] << 1) : 0;  /* may wrap: see h7nn_m7_exact_acc */
        h7nn_m7_dot_1x6(weights, cols, k, acc);
        int32_t r = -shift[oc], m = mult[oc];
        int8_t *o = out0 + oc;
        if (mixed && !h7nn_m7_short_channel(m, shift[oc], bias ? bias[oc] : 0)) {
            requant6_exact(acc, m, shift[oc], bias ? bias[oc] : 0, rq, o, out_stride);
            continue;
        }
        int32_t c = h7nn_m7_round_offset(r, offset);
        /* unrolled: the six results come straight from the registers */
        int32_t v0 = h7nn_ssat8(h7nn_m7_requant_x2(acc[0], m, c, r));
        int32_t v1 = h7nn_ssat8(h7nn_m7_requant_x2(acc[1], m, c, r));
        int32_t v2 = h7nn_ssat8(h7nn_m7_requant_x2(acc[2], m, c, r));
        o[0] = (int8_t)v0;
        o += out_stride;
        o[0] = (int8_t)v1;
        o += out_stride;
        o[0] = (int8_t)v2;
        o += out_stride;
        v0 = h7nn_ssat8(h7nn_m7_requant_x2(acc[3], m, c, r));
        v1 = h7nn_ssat8(h7nn_m7_requant_x2(acc[4], m, c, r));
        v2 = h7nn_ssat8(h7nn_m7_requant_x2(acc[5], m, c, r));
        o[0] = (int8_t)v0;
        o += out_stride;
        o[0] = (int8_t)v1;
        o += out_stride;
        o[0] = (int8_t)v2;
    }
}

__attribute__((cold, noinline)) static void matmul_6col_mixed(const int8_t *weights, int32_t k, int32_t out_c,
                                                             const uint32_t *cols, int8_t *out0, int32_t out_stride,
                                                             const h7nn_m7_requant_params *rq) {
    matmul_6col(weights, k, out_c, cols, out0, out_stride, rq, 1);
}

void h7nn_m7_matmul_6col(const int8_t *weights, int32_t k, int32_t out_c, const int16_t *hex, int8_t *out0,
                         int32_t out_stride, const h7nn_m7_requant_params *rq) {
    const uint32_t *cols = (const uint32_t *)(const void *)hex;
    if (rq->fast == 2) matmul_6col_mixed(weights, k, out_c, cols, out0, out_stride, rq);
    else matmul_6col(weights, k, out_c, cols, out0, out_stride, rq, 0);
    if (rq->act_min != -128 || rq->act_max != 127)  /* a narrower activation range: clamp what was written */
        for (int j = 0; j < 6; j++) clamp_bytes(out0 + j * out_stride, out_c, rq->act_min, rq->act_max);
}
