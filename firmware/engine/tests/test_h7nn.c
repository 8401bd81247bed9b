/* Host unit tests of the engine's arithmetic and its handling of bad models. */
#include <string.h>

#include "engine/h7nn_all_ops.h"
#include "engine/h7nn_quant.h"
#include "engine/kernels/m7/h7nn_m7_common.h"
#include "engine/kernels/m7/h7nn_simd.h"
#include "testing/h7test.h"

H7_TEST(quantize_multiplier_matches_tflite) {
    int32_t q;
    int shift;
    h7nn_quantize_multiplier(0.5, &q, &shift);
    H7_EXPECT_EQ_INT(q, 1 << 30);
    H7_EXPECT_EQ_INT(shift, 0);
    h7nn_quantize_multiplier(0.75, &q, &shift);
    H7_EXPECT_EQ_INT(q, 1610612736);
    h7nn_quantize_multiplier(1e-12, &q, &shift);  /* below 2^-31: zero */
    H7_EXPECT_EQ_INT(q, 0);
    H7_EXPECT_EQ_INT(shift, 0);
}

H7_TEST(fixed_point_rounding) {
    H7_EXPECT_EQ_INT(h7nn_rdbpot(5, 1), 3);    /* 2.5 -> 3 */
    H7_EXPECT_EQ_INT(h7nn_rdbpot(-5, 1), -3);  /* -2.5 -> -3 (away from zero) */
    H7_EXPECT_EQ_INT(h7nn_srdhm(INT32_MIN, INT32_MIN), INT32_MAX);
    H7_EXPECT_EQ_INT(h7nn_mbqm(1000, 1 << 30, 0), 500);
    H7_EXPECT_EQ_INT(h7nn_mbqm(3, 1 << 30, -1), 1);  /* 0.75 -> 1 */
}

/* The M7 kernels' exact requantization (one SMULL; VWW's dead channels and every exact
 * path) against TFLite's MultiplyByQuantizedMultiplier: edge accumulators and multipliers,
 * pseudo-random ones, every shift QuantizeMultiplier makes. */
H7_TEST(m7_mbqm_equals_tflite) {
    static const int32_t edge[] = {0, 1, -1, 2, -2, 3, 1 << 29, -(1 << 29), 1 << 30, -(1 << 30), INT32_MAX, INT32_MIN,
                                   INT32_MIN + 1, 0x40000001, -0x40000001, 12345678, -12345678};
    uint32_t x = 2463534242u;
    int mismatches = 0;
    for (int i = 0; i < 400; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        int32_t acc = i < (int)(sizeof edge / sizeof edge[0]) ? edge[i] : (int32_t)x >> (i & 15);
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        int32_t m = i % 7 == 0 ? 0 : i % 7 == 1 ? 1 << 30 : i % 7 == 2 ? INT32_MAX : (int32_t)(0x40000000u | (x >> 2));
        for (int shift = -31; shift <= 30; shift++) mismatches += h7nn_m7_mbqm(acc, m, shift) != h7nn_mbqm(acc, m, shift);
    }
    H7_EXPECT_EQ_INT(mismatches, 0);
}

/* The six-column loop (h7nn_m7_matmul_6col; on the host the C form of the M7 loop, which
 * keeps its arithmetic: the accumulator's sign in the rounding, r = 0 taken as 1) against
 * TFLite's sum and requantization, channel by channel: random depths, weights, doubled
 * columns, biases under 2^29, short shifts, zero multipliers (r = 0 included), no bias. */
H7_TEST(six_column_loop_matches_tflite) {
    static int8_t w[24 * 64];
    static int16_t hex[6 * 64];
    static int8_t out[6 * 24];
    int32_t bias[24], mult[24];
    int8_t shift[24];
    uint32_t x = 88172645u;
#define NEXT() (x ^= x << 13, x ^= x >> 17, x ^= x << 5, x)
    int mismatches = 0;
    for (int trial = 0; trial < 60; trial++) {
        const int32_t k = 4 * (1 + (int32_t)(NEXT() % 16)), oc = 1 + (int32_t)(NEXT() % 24);
        const int32_t offset = (int32_t)(NEXT() % 256) - 128, in_off = (int32_t)(NEXT() % 256) - 128;
        for (int32_t i = 0; i < oc * k; i++) w[i] = (int8_t)NEXT();
        int8_t in[6][64];
        for (int j = 0; j < 6; j++)
            for (int32_t i = 0; i < k; i++) in[j][i] = (int8_t)NEXT();
        for (int j = 0; j < 6; j++) h7nn_m7_widen_into_hex(in[j], k, in_off, hex, j);
        for (int32_t c = 0; c < oc; c++) {
            bias[c] = (int32_t)(NEXT() % (1u << 24)) - (1 << 23);
            const uint32_t kind = NEXT() % 5;
            mult[c] = kind == 0 ? 0 : (int32_t)(0x40000000u | (NEXT() >> 2));
            shift[c] = (int8_t)(kind == 0 ? -(int32_t)(NEXT() % 23) : -1 - (int32_t)(NEXT() % 22));
        }
        const int with_bias = trial % 4 != 3;
        const h7nn_m7_requant_params rq = {with_bias ? bias : NULL, mult, shift, offset, -128, 127, 1};
        h7nn_m7_matmul_6col(w, k, oc, hex, out, oc, &rq);
        for (int j = 0; j < 6; j++)
            for (int32_t c = 0; c < oc; c++) {
                int32_t acc = with_bias ? bias[c] : 0;
                for (int32_t i = 0; i < k; i++) acc += w[c * k + i] * (in[j][i] + in_off);
                int32_t v = h7nn_clamp(h7nn_mbqm(acc, mult[c], shift[c]) + offset, -128, 127);
                mismatches += out[j * oc + c] != v;
            }
    }
#undef NEXT
    H7_EXPECT_EQ_INT(mismatches, 0);
}

H7_TEST(simd_fallbacks) {
    H7_EXPECT_EQ_INT(h7nn_sxtb16(0x80FF7F01u), 0xFFFF0001u);
    H7_EXPECT_EQ_INT(h7nn_smlad(0x0002FFFFu, 0x00030004u, 10), 10 + (-1 * 4) + 2 * 3);
    int8_t src[4] = {1, -2, 3, -4};
    int16_t dst[4];
    h7nn_widen4_interleaved(src, 10, dst);
    H7_EXPECT_EQ_INT(dst[0], 11);
    H7_EXPECT_EQ_INT(dst[1], 13);
    H7_EXPECT_EQ_INT(dst[2], 8);
    H7_EXPECT_EQ_INT(dst[3], 6);
}

H7_TEST(rejects_garbage) {
    static uint32_t words[64];
    uint8_t arena[256];
    h7nn_interpreter nn;
    memset(words, 0xA5, sizeof words);
    H7_EXPECT_EQ_INT(h7nn_init(&nn, words, sizeof words, h7nn_all_ops_resolver(0), arena, sizeof arena),
                     H7NN_ERR_MODEL);
    H7_EXPECT(strstr(h7nn_error(&nn), "TFL3") != NULL);
    memcpy((uint8_t *)words + 4, "TFL3", 4);
    H7_EXPECT_EQ_INT(h7nn_init(&nn, words, sizeof words, h7nn_all_ops_resolver(0), arena, sizeof arena),
                     H7NN_ERR_MODEL);
    H7_EXPECT(strstr(h7nn_error(&nn), "root table") != NULL);
    H7_EXPECT_EQ_INT(h7nn_allocate(&nn), H7NN_ERR_ARGUMENT);
    H7_EXPECT_EQ_INT(h7nn_init(&nn, words, 7, h7nn_all_ops_resolver(0), arena, sizeof arena), H7NN_ERR_MODEL);
}

H7_TEST(model_crc) {
    /* the CRC-32 check value (zlib.crc32(b"123456789")); one flipped bit is a mismatch */
    uint8_t text[] = "123456789";
    H7_EXPECT_EQ_INT((long long)h7nn_crc32(text, 9), 0xCBF43926LL);
    H7_EXPECT_EQ_INT(h7nn_model_verify_crc(text, 9, 0xCBF43926u), H7NN_OK);
    text[4] ^= 0x10;
    H7_EXPECT_EQ_INT(h7nn_model_verify_crc(text, 9, 0xCBF43926u), H7NN_ERR_MODEL);
    H7_EXPECT_EQ_INT(h7nn_model_verify_crc(NULL, 9, 0), H7NN_ERR_ARGUMENT);
}

int main(void) {
    H7_RUN(quantize_multiplier_matches_tflite);
    H7_RUN(fixed_point_rounding);
    H7_RUN(m7_mbqm_equals_tflite);
    H7_RUN(six_column_loop_matches_tflite);
    H7_RUN(simd_fallbacks);
    H7_RUN(rejects_garbage);
    H7_RUN(model_crc);
    return h7test_summary();
}
