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

__attribute__((cold)) int h7nn_m7_requant_mode(const int8_t *weights, int32_t channels, int32_t per_channel, int32_t stride,
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

__attribute__((cold)) int h7nn_m7_requant_kind(int doubled, const int32_t *multiplier, const int8_t *shift, const int32_t *bias,
                         int32_t channels) {
    if (!doubled) return 0;
    for (int32_t c = 0; c < channels; c++)
        if (!h7nn_m7_short_channel(multiplier[c], shift[c], bias ? bias[c] : 0)) return 2;
    return 1;
}

int32_t h7nn_m7_mbqm(int32_t acc, int32_t m, int shift) {
    const int left = shift > 0 ? shift : 0, r = shift > 0 ? 0 : -shift;
    const int32_t a = (int32_t)((uint32_t)acc << left);
    const int32_t x = (int32_t)(((int64_t)a * m + (INT64_C(1) << 30)) >> 31);
    const int32_t mask = (int32_t)((UINT32_C(1) << r) - 1u);
    return (x >> r) + ((x & mask) > (mask >> 1) + (x < 0));
}

/* The six doubled accumulators of a channel outside the short form (h7nn_m7_short_channel):
 * TFLite's arithmetic on the exact sums (MobileNet's dead channels: biases of 2^30, shifts
 * of -25..-31, most channels of VWW's last layers). */
__attribute__((noinline)) static void requant6_exact(const int32_t *acc, int32_t m, int shift, int32_t bias, const h7nn_m7_requant_params *rq,
                           int8_t *o, int32_t out_stride) {
    if (shift > 0) {
        for (int j = 0; j < 6; j++, o += out_stride) {
            int32_t v = h7nn_add_wrap(h7nn_m7_mbqm(h7nn_m7_exact_acc(acc[j], bias), m, shift), rq->offset);
            o[0] = (int8_t)h7nn_clamp(v, rq->act_min, rq->act_max);
        }
        return;
    }
    /* right shifts (hot in VWW): h7nn_m7_mbqm with the channel's constants out of the loop */
    const int r = -shift;
    const int32_t mask = (int32_t)((UINT32_C(1) << r) - 1u), half = mask >> 1;
    for (int j = 0; j < 6; j++, o += out_stride) {
        const int32_t a = h7nn_m7_exact_acc(acc[j], bias);
        const int32_t x = (int32_t)(((int64_t)a * m + (INT64_C(1) << 30)) >> 31);
        const int32_t v = (x >> r) + ((x & mask) > half + (x < 0));
        o[0] = (int8_t)h7nn_clamp(h7nn_add_wrap(v, rq->offset), rq->act_min, rq->act_max);
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
        v = h7nn_add_wrap(h7nn_m7_mbqm(add_wrapping(a.a00, b0), rq->multiplier[oc], rq->shift[oc]), rq->offset);
        out0[oc] = (int8_t)h7nn_clamp(v, rq->act_min, rq->act_max);
        if (out1) {
            v = h7nn_add_wrap(h7nn_m7_mbqm(add_wrapping(a.a01, b0), rq->multiplier[oc], rq->shift[oc]), rq->offset);
            out1[oc] = (int8_t)h7nn_clamp(v, rq->act_min, rq->act_max);
        }
        if (pair) {
            v = h7nn_add_wrap(h7nn_m7_mbqm(add_wrapping(a.a10, b1), rq->multiplier[oc + 1], rq->shift[oc + 1]), rq->offset);
            out0[oc + 1] = (int8_t)h7nn_clamp(v, rq->act_min, rq->act_max);
            if (out1) {
                v = h7nn_add_wrap(h7nn_m7_mbqm(add_wrapping(a.a11, b1), rq->multiplier[oc + 1], rq->shift[oc + 1]), rq->offset);
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

__attribute__((cold)) void h7nn_m7_clamp_bytes(int8_t *out, int32_t n, int32_t lo, int32_t hi) {
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
    const int8_t *end = src + n;
    /* single groups until a multiple of 16 values is left (all of them if src is not word
     * aligned), then 16 values a pass by word loads (activations and the patch buffer are
     * word aligned): the loop's own cost per value quarters */
    const int aligned = ((uintptr_t)src & 3) == 0;
    for (; src < end && (!aligned || ((end - src) & 15)); src += 4, dst += 12) {
        uint32_t a = h7nn_read_u32(src);
        dst[0] = h7nn_sxtab16(h7nn_sxtab16(off2, a), a);
        dst[1] = h7nn_sxtab16_ror8(h7nn_sxtab16_ror8(off2, a), a);
    }
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    if (src < end) {  /* 2 LDRD, 16 SXTAB16, 4 STRD and 3 for the loop per 16 values */
        uint32_t a, b, c, d, t0, t1;
        __asm__ volatile(
            "1:\n"
            "  ldrd %[a], %[b], [%[s]], #16\n"
            "  ldrd %[c], %[d], [%[s], #-8]\n"
            "  sxtab16 %[t1], %[o], %[a], ror #8\n"
            "  sxtab16 %[t0], %[o], %[a]\n"
            "  sxtab16 %[t1], %[t1], %[a], ror #8\n"
            "  sxtab16 %[t0], %[t0], %[a]\n"
            "  strd %[t0], %[t1], [%[x]]\n"
            "  sxtab16 %[t1], %[o], %[b], ror #8\n"
            "  sxtab16 %[t0], %[o], %[b]\n"
            "  sxtab16 %[t1], %[t1], %[b], ror #8\n"
            "  sxtab16 %[t0], %[t0], %[b]\n"
            "  strd %[t0], %[t1], [%[x], #48]\n"
            "  sxtab16 %[t1], %[o], %[c], ror #8\n"
            "  sxtab16 %[t0], %[o], %[c]\n"
            "  sxtab16 %[t1], %[t1], %[c], ror #8\n"
            "  sxtab16 %[t0], %[t0], %[c]\n"
            "  strd %[t0], %[t1], [%[x], #96]\n"
            "  sxtab16 %[t1], %[o], %[d], ror #8\n"
            "  sxtab16 %[t0], %[o], %[d]\n"
            "  sxtab16 %[t1], %[t1], %[d], ror #8\n"
            "  sxtab16 %[t0], %[t0], %[d]\n"
            "  strd %[t0], %[t1], [%[x], #144]\n"
            "  add %[x], %[x], #192\n"
            "  cmp %[s], %[e]\n"
            "  bne 1b\n"
            : [s] "+r"(src), [x] "+r"(dst), [a] "=&r"(a), [b] "=&r"(b), [c] "=&r"(c), [d] "=&r"(d),
              [t0] "=&r"(t0), [t1] "=&r"(t1)
            : [e] "r"(end), [o] "r"(off2)
            : "cc", "memory");
    }
#else
    for (const uint32_t *s = (const uint32_t *)(const void *)src; s < (const uint32_t *)(const void *)end;
         s += 4, dst += 48) {
        const uint32_t a = s[0], b = s[1], c = s[2], d = s[3];
        dst[0] = h7nn_sxtab16(h7nn_sxtab16(off2, a), a);
        dst[1] = h7nn_sxtab16_ror8(h7nn_sxtab16_ror8(off2, a), a);
        dst[12] = h7nn_sxtab16(h7nn_sxtab16(off2, b), b);
        dst[13] = h7nn_sxtab16_ror8(h7nn_sxtab16_ror8(off2, b), b);
        dst[24] = h7nn_sxtab16(h7nn_sxtab16(off2, c), c);
        dst[25] = h7nn_sxtab16_ror8(h7nn_sxtab16_ror8(off2, c), c);
        dst[36] = h7nn_sxtab16(h7nn_sxtab16(off2, d), d);
        dst[37] = h7nn_sxtab16_ror8(h7nn_sxtab16_ror8(off2, d), d);
    }
#endif
}

/* The six-column loop over every output channel (h7nn_m7_dot_1x6): per channel, its
 * accumulators start at 2 * bias, meet the six columns, and are requantized to six outputs
 * (mode 1: every channel in the short form), or stored raw (one channel, for mode 2). The
 * loop's state between channels lives in this frame (on the stack in the M7 form). */
typedef struct {
    int8_t *out;            /* output of channel 0 at pixel 0 (advances by one per channel) */
    const int32_t *mult;    /* per channel (advances) */
    const int8_t *shift;    /* per channel (advances) */
    int32_t off2p1;         /* 2 * output offset + 1: c = (off2p1 << r) >> 1 = 2^(r-1) + offset * 2^r */
    int32_t stride;         /* bytes between two pixels' outputs */
    const int32_t *bias;    /* per channel (advances); any readable word per channel when bias_mask is 0 */
    int32_t bias_mask;      /* -1, or 0 for an op without bias */
    const int8_t *wend;     /* end of the weight rows run */
    int32_t *raw;           /* NULL: requantize; else each channel's six accumulators go here (advances) */
} h7nn_m7_six;

/* Runs the weight rows from `weights` to f->wend (k int8 each, k a multiple of 4, at least
 * 4) against the six columns of `hex`. */
void h7nn_m7_dot_1x6(const int8_t *weights, const uint32_t *hex, int32_t k, h7nn_m7_six *f);

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
_Static_assert(sizeof(h7nn_m7_six) == 36 && __builtin_offsetof(h7nn_m7_six, bias) == 20 &&
                   __builtin_offsetof(h7nn_m7_six, raw) == 32,
               "the asm below reads the frame at these offsets");
/* Hand-scheduled because every register counts: six accumulators (r2-r7), the unpacked
 * weights (r8, r9), four column words loaded by one LDM (r10-r12, lr), the two pointers
 * (r0, r1). Per 4 weights: LDR, 2 SXTB16, 3 LDM, 12 SMLAD (0.75 instructions per MAC).
 * Everything else waits on the stack: the frame (sp + 0..32), then the columns, their end,
 * the loop's entry for k % 16 and the continuation (requantize or raw; sp + 36..48). Per
 * channel: a first step that starts the sums from 2 * bias (SMLAD's accumulator operand, no
 * copies), 6 instructions to start it and enter the loop by LDR PC, 3 per 16 weights, and
 * the requantization in registers:
 * SMMLAR (c + the rounded high word) + the sign of the accumulator (the round half away
 * from zero of TFLite's shift: equal to the high word's sign once r >= 1, and mode 1's only
 * r = 0 is a zero multiplier, which takes r = 1: the offset either way) + ASR + SSAT + STRB.
 * A top-level asm block (not a naked function) so the compiler assumes the standard
 * calling convention at every call. */
/* Two weight pairs (r8, r9) times the six columns' pairs at r1 into the accumulators
 * r2..r7, each column's first SMLAD adding to S2..S7: the accumulator itself in every step
 * but a channel's first, which starts all six from the bias register r7 (SMLAD's Ra, no
 * copies; r7 is the last one written). One block for both six-column loops. */
#define H7NN_DOT_SIX_FROM(S2, S3, S4, S5, S6, S7) \
    "  ldmia r1!, {r10, r11, r12, lr}\n"        \
    "  smlad r2, r8, r10, " S2 "\n"             \
    "  smlad r2, r9, r11, r2\n"                 \
    "  smlad r3, r8, r12, " S3 "\n"             \
    "  smlad r3, r9, lr, r3\n"                  \
    "  ldmia r1!, {r10, r11, r12, lr}\n"        \
    "  smlad r4, r8, r10, " S4 "\n"             \
    "  smlad r4, r9, r11, r4\n"                 \
    "  smlad r5, r8, r12, " S5 "\n"             \
    "  smlad r5, r9, lr, r5\n"                  \
    "  ldmia r1!, {r10, r11, r12, lr}\n"        \
    "  smlad r6, r8, r10, " S6 "\n"             \
    "  smlad r6, r9, r11, r6\n"                 \
    "  smlad r7, r8, r12, " S7 "\n"             \
    "  smlad r7, r9, lr, r7\n"
#define H7NN_DOT_SIX_COLUMNS H7NN_DOT_SIX_FROM("r2", "r3", "r4", "r5", "r6", "r7")
#define H7NN_DOT_SIX_FIRST H7NN_DOT_SIX_FROM("r7", "r7", "r7", "r7", "r7", "r7")
#define H7NN_DOT_STEP                           \
    "  ldr r9, [r0], #4\n"                      \
    "  sxtb16 r8, r9\n"                         \
    "  sxtb16 r9, r9, ror #8\n"                 \
    H7NN_DOT_SIX_COLUMNS
/* two outputs (accumulators A, B) at r1 and r1 + stride */
#define H7NN_OUT2(A, B)                         \
    "  smmlar r8, " A ", r10, r11\n"            \
    "  smmlar r9, " B ", r10, r11\n"            \
    "  add r8, r8, " A ", asr #31\n"            \
    "  add r9, r9, " B ", asr #31\n"            \
    "  asr r8, r8, lr\n"                        \
    "  asr r9, r9, lr\n"                        \
    "  ssat r8, #8, r8\n"                       \
    "  ssat r9, #8, r9\n"                       \
    "  strb r8, [r1]\n"                         \
    "  strb r9, [r1, r12]\n"
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
    /* the entry after each channel's first step (which starts the six sums from 2 * bias):
     * 4 steps (16 weights) per pass, skip (16 - (k - 4) % 16) / 4 of them (72 bytes each);
     * k = 4 goes straight to the end test */
    "  subs r4, r2, #4\n"
    "  adr r5, .Lh7nn_dot_end\n"
    "  beq 1f\n"
    "  rsb r4, r4, #0\n"
    "  ubfx r4, r4, #2, #2\n"
    "  add r4, r4, r4, lsl #3\n"
    "  adr r5, .Lh7nn_dot_s1\n"
    "  add r5, r5, r4, lsl #3\n"
    "1:\n"
    "  add r4, r5, #1\n"                  /* Thumb state for LDR PC */
    /* where a channel's sums go: requantized, or raw (frame->raw) */
    "  ldr r5, [r3, #32]\n"
    "  adr r6, .Lh7nn_dot_rq\n"
    "  adr r7, .Lh7nn_dot_raw\n"
    "  cmp r5, #0\n"
    "  it ne\n"
    "  movne r6, r7\n"
    "  add r5, r6, #1\n"
    "  add r2, r2, r2, lsl #1\n"
    "  add r2, r1, r2, lsl #2\n"          /* end of the columns: 12k bytes */
    "  push {r1, r2, r4, r5}\n"           /* sp + 36: columns, end, entry, continuation */
    "  ldmia r3, {r4-r12}\n"
    "  push {r4-r12}\n"                   /* the frame at sp + 0..32 */
    ".Lh7nn_dot_chan:\n"
    "  ldrd r8, r9, [sp, #20]\n"          /* bias pointer, mask */
    "  ldr r7, [r8], #4\n"
    "  str r8, [sp, #20]\n"
    "  and r7, r9, r7, lsl #1\n"          /* 2 * bias: the first step adds to it (SMLAD's Ra) */
    "  ldr r1, [sp, #36]\n"
    "  ldr r9, [r0], #4\n"
    "  sxtb16 r8, r9\n"
    "  sxtb16 r9, r9, ror #8\n"
    H7NN_DOT_SIX_FIRST
    "  ldr pc, [sp, #44]\n"
    "  .p2align 2\n"
    ".Lh7nn_dot_s1:\n"
    H7NN_DOT_STEP
    ".Lh7nn_dot_s2:\n"
    H7NN_DOT_STEP
    H7NN_DOT_STEP
    H7NN_DOT_STEP
    "  .if .Lh7nn_dot_s2 - .Lh7nn_dot_s1 != 72\n"
    "  .error \"h7nn_m7_dot_1x6: a step is not 72 bytes (the entry computation)\"\n"
    "  .endif\n"
    ".Lh7nn_dot_end:\n"
    "  ldr r8, [sp, #40]\n"
    "  cmp r1, r8\n"
    "  bne .Lh7nn_dot_s1\n"
    "  ldr pc, [sp, #48]\n"
    ".Lh7nn_dot_raw:\n"                  /* six words per channel, the pointer advances */
    "  ldr r1, [sp, #32]\n"
    "  stmia r1!, {r2-r7}\n"
    "  str r1, [sp, #32]\n"
    "  b .Lh7nn_dot_next\n"
    ".Lh7nn_dot_rq:\n"
    "  ldmia sp, {r1, r8, r9, r11, r12}\n" /* out, multipliers, shifts, 2 offset + 1, stride */
    "  ldr r10, [r8], #4\n"
    "  ldrsb lr, [r9], #1\n"
    "  add r1, r1, #1\n"
    "  stmia sp, {r1, r8, r9, r11, r12}\n"
    "  sub r1, r1, #1\n"
    "  rsbs lr, lr, #0\n"                 /* r = -shift; 0 only for a zero multiplier: 1 */
    "  it eq\n"
    "  moveq lr, #1\n"
    "  lsl r11, r11, lr\n"
    "  asr r11, r11, #1\n"                /* c = 2^(r-1) + offset * 2^r */
    H7NN_OUT2("r2", "r3")
    "  add r1, r1, r12, lsl #1\n"
    H7NN_OUT2("r4", "r5")
    "  add r1, r1, r12, lsl #1\n"
    H7NN_OUT2("r6", "r7")
    ".Lh7nn_dot_next:\n"
    "  ldr r8, [sp, #28]\n"
    "  cmp r0, r8\n"
    "  bne .Lh7nn_dot_chan\n"
    "  add sp, #52\n"
    "  pop {r4-r11, pc}\n"
    "  .size h7nn_m7_dot_1x6, .-h7nn_m7_dot_1x6\n"
    "  .popsection\n");
#else
void h7nn_m7_dot_1x6(const int8_t *weights, const uint32_t *hex, int32_t k, h7nn_m7_six *f) {
    while (weights != f->wend) {
        int32_t a[6];
        const int32_t start = (int32_t)(((uint32_t)*f->bias++ << 1) & (uint32_t)f->bias_mask);
        for (int j = 0; j < 6; j++) a[j] = start;
        const uint32_t *x = hex;
        for (int32_t i = 0; i < k; i += 4, x += 12) {
            uint32_t w = h7nn_read_u32(weights + i), we = h7nn_sxtb16(w), wo = h7nn_sxtb16_ror8(w);
            for (int j = 0; j < 6; j++) a[j] = h7nn_smlad(wo, x[2 * j + 1], h7nn_smlad(we, x[2 * j], a[j]));
        }
        weights += k;
        if (f->raw) {
            for (int j = 0; j < 6; j++) *f->raw++ = a[j];
            continue;
        }
        const int32_t m = *f->mult++;
        int32_t r = -*f->shift++;
        if (r == 0) r = 1;
        const int32_t c = (int32_t)((uint32_t)f->off2p1 << r) >> 1;
        int8_t *o = f->out++;
        for (int j = 0; j < 6; j++, o += f->stride)
            o[0] = (int8_t)h7nn_ssat8((int32_t)((uint32_t)c + (uint32_t)h7nn_smmulr(a[j], m) + (uint32_t)(a[j] >> 31)) >> r);
    }
}
#endif

/* Mode 2 runners of both forms (below; one body, two copies, so an image whose convolutions
 * all have pre-arranged weights links no int8 loop). */
static void matmul_6col_mixed_int8(const int8_t *w, int32_t k, int32_t out_c, const uint32_t *cols, int8_t *out0,
                                   int32_t out_stride, const h7nn_m7_requant_params *rq);

void h7nn_m7_matmul_6col(const int8_t *weights, int32_t k, int32_t out_c, const int16_t *hex, int8_t *out0,
                         int32_t out_stride, const h7nn_m7_requant_params *rq) {
    const uint32_t *cols = (const uint32_t *)(const void *)hex;
    if (rq->fast == 2) {
        matmul_6col_mixed_int8(weights, k, out_c, cols, out0, out_stride, rq);
    } else if (out_c > 0) {  /* the loop runs a channel before it tests the end */
        /* without a bias the loop reads the multipliers in its place, masked to 0 */
        h7nn_m7_six f = {out0, rq->multiplier, rq->shift, 2 * rq->offset + 1, out_stride,
                         rq->bias ? rq->bias : rq->multiplier, rq->bias ? -1 : 0, weights + out_c * k, NULL};
        h7nn_m7_dot_1x6(weights, cols, k, &f);
    }
    if (rq->act_min != -128 || rq->act_max != 127)  /* a narrower activation range: clamp what was written */
        for (int j = 0; j < 6; j++) h7nn_m7_clamp_bytes(out0 + j * out_stride, out_c, rq->act_min, rq->act_max);
}

/* ---- (mm16, issue 18) the six-column loop on weights widened at embed time
 * (H7NN_PACKED_CONV_SIX: per channel 2 * bias, k / 2 weight words, multiplier, c, r). */
__attribute__((cold)) int h7nn_m7_constant_output(const int8_t *row, int32_t k, int32_t input_offset,
                                                 const h7nn_m7_requant_params *rq, int32_t oc, int32_t *value) {
    const int32_t bias = rq->bias ? rq->bias[oc] : 0, m = rq->multiplier[oc], shift = rq->shift[oc];
    if (shift >= 0 || m < 0) return 0;  /* a right shift: nothing wraps, the arithmetic is monotonic */
    int64_t sum = 0;
    for (int32_t i = 0; i < k; i++) sum += row[i] < 0 ? -row[i] : row[i];
    const int64_t lo_x = -128 + (int64_t)input_offset, hi_x = 127 + (int64_t)input_offset;
    const int64_t span = sum * (lo_x < 0 ? (-lo_x > hi_x ? -lo_x : hi_x) : hi_x);
    const int64_t lo = (int64_t)bias - span, hi = (int64_t)bias + span;
    if (lo < INT32_MIN || hi > INT32_MAX) return 0;  /* TFLite's int32 sum could wrap */
    int32_t out[2];
    for (int i = 0; i < 2; i++)
        out[i] = h7nn_clamp(h7nn_add_wrap(h7nn_m7_mbqm((int32_t)(i ? hi : lo), m, shift), rq->offset), rq->act_min,
                            rq->act_max);
    *value = out[0];
    return out[0] == out[1];
}

/* The loop's state between channels (on the stack in the M7 form). */
typedef struct {
    int8_t *out;            /* output of the channel at pixel 0 (advances by one per channel) */
    int32_t stride;         /* bytes between two pixels' outputs */
    const uint32_t *wend;   /* end of the channels run (in the record) */
    int32_t *raw;           /* NULL: requantize; else each channel's six sums go here (advances) */
} h7nn_m7_six_packed;

/* Runs the channels of the record from w to f->wend (k a multiple of 4, at least 4) against
 * the six columns of `hex`. */
void h7nn_m7_dot_1x6p(const uint32_t *w, const uint32_t *hex, int32_t k, h7nn_m7_six_packed *f);

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
_Static_assert(sizeof(h7nn_m7_six_packed) == 16, "the asm below reads the frame at these offsets");
/* As h7nn_m7_dot_1x6 with the weights ready: per 4 weights one LDRD, 3 LDM, 12 SMLAD (0.67
 * instructions per MAC); the channel's start (2 * bias) and its multiplier, c and r come
 * from the record, so a channel costs 2 instructions to start and 35 to requantize its six
 * outputs and move on; passes of 8 steps (32 weights), entered by k % 32. The frame (sp +
 * 0..28): out, stride, wend, the columns, raw, their end, the entry, the continuation. */
#define H7NN_DOTP_STEP                          \
    "  ldrd r8, r9, [r0], #8\n"                 \
    H7NN_DOT_SIX_COLUMNS
__asm__(
    "  .pushsection .text.h7nn_m7_dot_1x6p,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global h7nn_m7_dot_1x6p\n"
    "  .type h7nn_m7_dot_1x6p, %function\n"
    "  .thumb_func\n"
    "h7nn_m7_dot_1x6p:\n"
    "  push {r4-r11, lr}\n"
    /* after the channel's first step: skip (32 - (k - 4) % 32) / 4 steps of 64 bytes (8 steps
     * a pass: KWS's k = 64 tests its end twice per channel, not four times) */
    "  subs r4, r2, #4\n"
    "  adr r5, .Lh7nn_dotp_end\n"
    "  beq 1f\n"
    "  rsb r4, r4, #0\n"
    "  ubfx r4, r4, #2, #3\n"
    "  adr r5, .Lh7nn_dotp_s1\n"
    "  add r5, r5, r4, lsl #6\n"
    "1:\n"
    "  add r4, r5, #1\n"                  /* Thumb state for LDR PC */
    "  ldmia r3, {r6, r7, r8, r9}\n"      /* out, stride, wend, raw */
    "  adr r10, .Lh7nn_dotp_rq\n"
    "  adr r11, .Lh7nn_dotp_raw\n"
    "  cmp r9, #0\n"
    "  it ne\n"
    "  movne r10, r11\n"
    "  add r5, r10, #1\n"
    "  add r2, r2, r2, lsl #1\n"
    "  add r2, r1, r2, lsl #2\n"          /* end of the columns: 12k bytes */
    /* the frame: out, stride, wend, columns (one LDRD reloads wend and the columns between
     * channels), raw, end of the columns, entry, continuation */
    "  sub sp, #32\n"
    "  strd r6, r7, [sp]\n"
    "  strd r8, r1, [sp, #8]\n"
    "  strd r9, r2, [sp, #16]\n"
    "  strd r4, r5, [sp, #24]\n"
    ".Lh7nn_dotp_chan:\n"                 /* r1: the columns */
    "  ldr r7, [r0], #4\n"                /* 2 * bias */
    "  ldrd r8, r9, [r0], #8\n"
    H7NN_DOT_SIX_FIRST
    "  ldr pc, [sp, #24]\n"
    "  .p2align 2\n"
    ".Lh7nn_dotp_s1:\n"
    H7NN_DOTP_STEP
    ".Lh7nn_dotp_s2:\n"
    H7NN_DOTP_STEP
    H7NN_DOTP_STEP
    H7NN_DOTP_STEP
    H7NN_DOTP_STEP
    H7NN_DOTP_STEP
    H7NN_DOTP_STEP
    H7NN_DOTP_STEP
    "  .if .Lh7nn_dotp_s2 - .Lh7nn_dotp_s1 != 64\n"
    "  .error \"h7nn_m7_dot_1x6p: a step is not 64 bytes (the entry computation)\"\n"
    "  .endif\n"
    ".Lh7nn_dotp_end:\n"
    "  ldr r8, [sp, #20]\n"
    "  cmp r1, r8\n"
    "  bne .Lh7nn_dotp_s1\n"
    "  ldr pc, [sp, #28]\n"
    ".Lh7nn_dotp_raw:\n"                 /* six words per channel, the pointer advances */
    "  ldr r1, [sp, #16]\n"
    "  stmia r1!, {r2-r7}\n"
    "  str r1, [sp, #16]\n"
    "  add r0, r0, #12\n"                 /* past the channel's constants */
    "  b .Lh7nn_dotp_next\n"
    ".Lh7nn_dotp_rq:\n"
    "  ldmia r0!, {r10, r11, lr}\n"       /* multiplier, c, r */
    "  ldrd r1, r12, [sp]\n"              /* out, stride */
    "  add r8, r1, #1\n"
    "  str r8, [sp]\n"
    H7NN_OUT2("r2", "r3")
    "  add r1, r1, r12, lsl #1\n"
    H7NN_OUT2("r4", "r5")
    "  add r1, r1, r12, lsl #1\n"
    H7NN_OUT2("r6", "r7")
    ".Lh7nn_dotp_next:\n"
    "  ldrd r8, r1, [sp, #8]\n"          /* wend, the columns */
    "  cmp r0, r8\n"
    "  bne .Lh7nn_dotp_chan\n"
    "  add sp, #32\n"
    "  pop {r4-r11, pc}\n"
    "  .size h7nn_m7_dot_1x6p, .-h7nn_m7_dot_1x6p\n"
    "  .popsection\n");
#else
void h7nn_m7_dot_1x6p(const uint32_t *w, const uint32_t *hex, int32_t k, h7nn_m7_six_packed *f) {
    while (w != f->wend) {
        int32_t a[6];
        const int32_t start = (int32_t)*w++;
        for (int j = 0; j < 6; j++) a[j] = start;
        const uint32_t *x = hex;
        for (int32_t i = 0; i < k; i += 4, x += 12, w += 2)
            for (int j = 0; j < 6; j++) a[j] = h7nn_smlad(w[1], x[2 * j + 1], h7nn_smlad(w[0], x[2 * j], a[j]));
        if (f->raw) {
            for (int j = 0; j < 6; j++) *f->raw++ = a[j];
            w += 3;
            continue;
        }
        const int32_t m = (int32_t)w[0], c = (int32_t)w[1];
        const uint32_t r = w[2] & 31u;  /* the M7's ASR takes the low byte; prepare checked r = 1..22 */
        w += 3;
        int8_t *o = f->out++;
        for (int j = 0; j < 6; j++, o += f->stride)
            o[0] = (int8_t)h7nn_ssat8((int32_t)((uint32_t)c + (uint32_t)h7nn_smmulr(a[j], m) + (uint32_t)(a[j] >> 31)) >> r);
    }
}
#endif

/* Mode 2 (some channels outside the short form: MobileNet's dead channels), either form
 * (int8 rows of k bytes, or packed records of channel_bytes): the runs of short channels go
 * through the six-column loop as in mode 1 (the short form is exact per channel); the others
 * (up to 8 at once) come back raw and take TFLite's arithmetic on the exact sums. */
static inline __attribute__((always_inline)) void matmul_6col_mixed(const void *w, uint32_t channel_bytes, int packed,
                                                                   int32_t k, int32_t out_c, const uint32_t *cols,
                                                                   int8_t *out0, int32_t out_stride,
                                                                   const h7nn_m7_requant_params *rq) {
    const int32_t *bias = rq->bias;
    const uint8_t *base = w;
    int32_t acc[6 * 8];
    for (int32_t oc = 0; oc < out_c;) {
        int32_t end = oc;
        int32_t *raw = NULL;
        while (end < out_c && h7nn_m7_short_channel(rq->multiplier[end], rq->shift[end], bias ? bias[end] : 0)) end++;
        if (end == oc) {  /* exact channels, their sums back raw */
#define H7NN_CONSTANT_AT(c) (packed && ((const uint32_t *)(const void *)(base + (uint32_t)((c) + 1) * channel_bytes))[-1] == \
                                           H7NN_PACKED_CONSTANT)
            if (H7NN_CONSTANT_AT(oc)) {
                /* (packed) the same output whatever the input (h7nn_m7_constant_output): no sums */
                const int8_t v = (int8_t)((const uint32_t *)(const void *)(base + (uint32_t)(oc + 1) * channel_bytes))[-2];
                for (int j = 0; j < 6; j++) out0[oc + j * out_stride] = v;
                oc++;
                continue;
            }
            while (end < out_c && end < oc + 8 &&
                   !h7nn_m7_short_channel(rq->multiplier[end], rq->shift[end], bias ? bias[end] : 0) &&
                   !H7NN_CONSTANT_AT(end))
                end++;
#undef H7NN_CONSTANT_AT
            raw = acc;
        }
        const uint8_t *from = base + (uint32_t)oc * channel_bytes, *to = base + (uint32_t)end * channel_bytes;
        if (packed) {
            h7nn_m7_six_packed f = {out0 + oc, out_stride, (const uint32_t *)(const void *)to, raw};
            h7nn_m7_dot_1x6p((const uint32_t *)(const void *)from, cols, k, &f);
        } else {
            h7nn_m7_six f = {out0 + oc, rq->multiplier + oc, rq->shift + oc, 2 * rq->offset + 1, out_stride,
                             bias ? bias + oc : rq->multiplier + oc, bias ? -1 : 0, (const int8_t *)to, raw};
            h7nn_m7_dot_1x6((const int8_t *)from, cols, k, &f);
        }
        if (!raw) {
            oc = end;
            continue;
        }
        for (int32_t i = 0; oc < end; oc++, i += 6)
            requant6_exact(acc + i, rq->multiplier[oc], rq->shift[oc], bias ? bias[oc] : 0, rq, out0 + oc, out_stride);
    }
}

__attribute__((cold, noinline)) static void matmul_6col_mixed_int8(const int8_t *w, int32_t k, int32_t out_c,
                                                                  const uint32_t *cols, int8_t *out0,
                                                                  int32_t out_stride,
                                                                  const h7nn_m7_requant_params *rq) {
    matmul_6col_mixed(w, (uint32_t)k, 0, k, out_c, cols, out0, out_stride, rq);
}

__attribute__((cold, noinline)) static void matmul_6col_mixed_packed(const uint32_t *w, int32_t k, int32_t out_c,
                                                                    const uint32_t *cols, int8_t *out0,
                                                                    int32_t out_stride,
                                                                    const h7nn_m7_requant_params *rq) {
    matmul_6col_mixed(w, 4u * H7NN_PACKED_CONV_WORDS(k), 1, k, out_c, cols, out0, out_stride, rq);
}

void h7nn_m7_matmul_6col_packed(const uint32_t *record, int32_t k, int32_t out_c, const int16_t *hex, int8_t *out0,
                                int32_t out_stride, const h7nn_m7_requant_params *rq) {
    const uint32_t *cols = (const uint32_t *)(const void *)hex, step = H7NN_PACKED_CONV_WORDS(k);
    if (rq->fast == 2) {
        matmul_6col_mixed_packed(record, k, out_c, cols, out0, out_stride, rq);
    } else if (out_c > 0) {  /* the loop runs a channel before it tests the end */
        h7nn_m7_six_packed f = {out0, out_stride, record + (uint32_t)out_c * step, NULL};
        h7nn_m7_dot_1x6p(record, cols, k, &f);
    }
    if (rq->act_min != -128 || rq->act_max != 127)
        for (int j = 0; j < 6; j++) h7nn_m7_clamp_bytes(out0 + j * out_stride, out_c, rq->act_min, rq->act_max);
}

/* ---- One column against every channel of a CONV_2D record in mode 1 (fewer than six
 * pixels: conv_2d_m7.c's few_pixels). Per 8 weights one LDM of the record, one of the column
 * and 4 SMLADs (1.0 instruction per MAC with the loop's test); a channel costs ~17
 * instructions besides: its 2 * bias starts the sum, SMMLAR + the sign + ASR + SSAT + STRB
 * requantize it from the record's multiplier, c and r (as h7nn_m7_dot_1x6p). k_bytes = 2 * k
 * (a multiple of 8), at least 8; channels at least 1. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* r0 record, r1 column, r2 its bytes, r3 / [sp] channels left, [sp, #4] out; per channel r4
 * the sum, r12 the column's end, r3 its cursor, r5-r8 weight words, r9-r11 and lr column
 * words. */
__asm__(
    "  .pushsection .text.h7nn_m7_dot_1col,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global h7nn_m7_dot_1col\n"
    "  .type h7nn_m7_dot_1col, %function\n"
    "  .thumb_func\n"
    "h7nn_m7_dot_1col:\n"
    "  push {r4-r11, lr}\n"
    "  ldr r4, [sp, #36]\n"
    "  push {r3, r4}\n"
    "1:\n"
    "  ldr r4, [r0], #4\n"
    "  add r12, r1, r2\n"
    "  mov r3, r1\n"
    "  tst r2, #8\n"                 /* k % 8 == 4: one step of 4 weights first */
    "  beq 2f\n"
    "  ldrd r5, r6, [r0], #8\n"
    "  ldrd r9, r10, [r3], #8\n"
    "  smlad r4, r5, r9, r4\n"
    "  smlad r4, r6, r10, r4\n"
    "  cmp r3, r12\n"
    "  beq 3f\n"
    "2:\n"
    "  ldmia r0!, {r5, r6, r7, r8}\n"
    "  ldmia r3!, {r9, r10, r11, lr}\n"
    "  smlad r4, r5, r9, r4\n"
    "  smlad r4, r6, r10, r4\n"
    "  smlad r4, r7, r11, r4\n"
    "  smlad r4, r8, lr, r4\n"
    "  cmp r3, r12\n"
    "  bne 2b\n"
    "3:\n"
    "  ldmia r0!, {r7, r8, r9}\n"    /* multiplier, c, r */
    "  smmlar r10, r4, r7, r8\n"
    "  add r10, r10, r4, asr #31\n"
    "  asr r10, r10, r9\n"
    "  ssat r10, #8, r10\n"
    "  ldrd r5, r6, [sp]\n"
    "  strb r10, [r6], #1\n"
    "  subs r5, r5, #1\n"
    "  strd r5, r6, [sp]\n"
    "  bne 1b\n"
    "  add sp, #8\n"
    "  pop {r4-r11, pc}\n"
    "  .size h7nn_m7_dot_1col, .-h7nn_m7_dot_1col\n"
    "  .popsection\n");
#else
void h7nn_m7_dot_1col(const uint32_t *w, const uint32_t *col, int32_t k_bytes, int32_t channels, int8_t *out) {
    const int32_t words = k_bytes / 4;
    for (; channels > 0; channels--, w += words + 4) {
        int32_t a = (int32_t)w[0];
        for (int32_t i = 0; i < words; i++) a = h7nn_smlad(w[1 + i], col[i], a);
        const uint32_t *t = w + 1 + words;  /* multiplier, c, r (the M7's ASR takes r's low byte; prepare checked 1..22) */
        *out++ = (int8_t)h7nn_ssat8((int32_t)(t[1] + (uint32_t)h7nn_smmulr(a, (int32_t)t[0]) + (uint32_t)(a >> 31)) >>
                                    (t[2] & 31u));
    }
}
#endif
