/* TFLite's integer quantization arithmetic, bit for bit: quantized multipliers
 * (QuantizeMultiplier), the doubling high multiply with rounding and the rounding
 * power-of-two divide (gemmlowp semantics), and MultiplyByQuantizedMultiplier with
 * TFLite's default double rounding. Every kernel, reference and M7, requantizes with these.
 */
#ifndef H7NN_QUANT_H
#define H7NN_QUANT_H

#include <math.h>
#include <stdint.h>

/* Requantization scales from here up make TFLite shift left by 31 or more (undefined
 * behaviour, no result to be bit-exact with): the kernels refuse them. */
#define H7NN_MAX_REQUANT_SCALE 1073741824.0
/* real_multiplier = quantized * 2^(shift - 31), quantized in [2^30, 2^31). */
void h7nn_quantize_multiplier(double real_multiplier, int32_t *quantized, int *shift);

/* round(a * b / 2^31) with ties away from zero; saturates the single overflow case. */
static inline int32_t h7nn_srdhm(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / (INT64_C(1) << 31));
}

/* x / 2^exponent rounded to nearest, ties away from zero (exponent 0..31). */
static inline int32_t h7nn_rdbpot(int32_t x, int exponent) {
    int32_t mask = (int32_t)((UINT32_C(1) << exponent) - 1u);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

static inline int32_t h7nn_mbqm(int32_t x, int32_t multiplier, int shift) {
    int left = shift > 0 ? shift : 0;
    int right = shift > 0 ? 0 : -shift;
    /* wrapping multiply, as TFLite's int32 arithmetic does on every target we run on */
    int32_t shifted = (int32_t)((uint32_t)x << left);
    return h7nn_rdbpot(h7nn_srdhm(shifted, multiplier), right);
}

/* a + b with two's-complement wrap-around: what TFLite's int32 adds do on every CPU we
 * target, without the undefined behaviour hostile scales would otherwise reach. */
static inline int32_t h7nn_add_wrap(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

/* roundf(x) as an int32, saturated (hostile scales make x huge; the converted value is then
 * clamped to the int8 range anyway, as in TFLite, but the conversion must stay defined). */
static inline int32_t h7nn_round_to_int(float x) {
    if (x != x) return 0;
    if (x > 1e9f) return 1000000000;
    if (x < -1e9f) return -1000000000;
    return (int32_t)roundf(x);
}

static inline int32_t h7nn_clamp(int32_t x, int32_t lo, int32_t hi) {
    return x < lo ? lo : (x > hi ? hi : x);
}

/* Saturating x * 2^exponent for exponent >= 0 (gemmlowp SaturatingRoundingMultiplyByPOT). */
static inline int32_t h7nn_saturating_shift_left(int32_t x, int exponent) {
    int32_t threshold = (int32_t)((UINT32_C(1) << (31 - exponent)) - 1u);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return (int32_t)((uint32_t)x << exponent);
}

#endif /* H7NN_QUANT_H */
