/* The Cortex-M7 DSP instructions the optimized kernels use, through ACLE intrinsics on the
 * chip and as portable C on the host (same results bit for bit), so the M7 kernels are
 * tested against the reference kernels on the host too. */
#ifndef H7NN_SIMD_H
#define H7NN_SIMD_H

#include <stdint.h>
#include <string.h>

static inline uint32_t h7nn_read_u32(const void *p) {  /* unaligned-safe 4-byte load */
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
static inline int32_t h7nn_smlad(uint32_t a, uint32_t b, int32_t acc) { return __smlad(a, b, acc); }
static inline uint32_t h7nn_usada8(uint32_t a, uint32_t b, uint32_t acc) { return __usada8(a, b, acc); }
static inline uint32_t h7nn_sxtb16(uint32_t x) { return __sxtb16(x); }
/* ACLE has no rotated SXTB16; one instruction does it (GCC 12's arm_acle.h lacks __ror). */
static inline uint32_t h7nn_sxtb16_ror8(uint32_t x) {
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
static inline uint32_t h7nn_sadd16(uint32_t a, uint32_t b) { return __sadd16(a, b); }
/* a + SXTB16(x) per 16-bit lane, and the same with x rotated by 8 (one instruction each) */
static inline uint32_t h7nn_sxtab16(uint32_t a, uint32_t x) { return __sxtab16(a, x); }
static inline uint32_t h7nn_sxtab16_ror8(uint32_t a, uint32_t x) {
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}
static inline int32_t h7nn_smlabb(uint32_t a, uint32_t b, int32_t acc) { return __smlabb((int32_t)a, (int32_t)b, acc); }
static inline int32_t h7nn_ssat8(int32_t x) { return __ssat(x, 8); }
/* (a * b + 2^31) >> 32: the rounded high word (ACLE has no SMMULR intrinsic). */
static inline int32_t h7nn_smmulr(int32_t a, int32_t b) {
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
static inline int32_t h7nn_smlatb(uint32_t a, uint32_t b, int32_t acc) { return __smlatb((int32_t)a, (int32_t)b, acc); }
static inline int32_t h7nn_smlatt(uint32_t a, uint32_t b, int32_t acc) { return __smlatt((int32_t)a, (int32_t)b, acc); }
/* [a (top half) | b (top half)] -> [a >> 16 | b's top]: one PKHTB */
static inline uint32_t h7nn_pack16_top(uint32_t a, uint32_t b) {
    uint32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(b), "r"(a));
    return r;
}
/* [lo (bottom half) | hi (bottom half, shifted up)]: one PKHBT */
static inline uint32_t h7nn_pack16(uint32_t lo, uint32_t hi) {
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(lo), "r"(hi));
    return r;
}
#else
static inline uint32_t h7nn_usada8(uint32_t a, uint32_t b, uint32_t acc) {
    for (int i = 0; i < 32; i += 8) {
        int32_t d = (int32_t)((a >> i) & 0xFFu) - (int32_t)((b >> i) & 0xFFu);
        acc += (uint32_t)(d < 0 ? -d : d);
    }
    return acc;
}
static inline int32_t h7nn_smlad(uint32_t a, uint32_t b, int32_t acc) {
    int32_t lo = (int16_t)(a & 0xFFFFu) * (int16_t)(b & 0xFFFFu);
    int32_t hi = (int16_t)(a >> 16) * (int16_t)(b >> 16);
    return (int32_t)((uint32_t)acc + (uint32_t)lo + (uint32_t)hi);
}
static inline uint32_t h7nn_sxtb16(uint32_t x) {
    uint32_t lo = (uint32_t)(int32_t)(int8_t)(x & 0xFFu) & 0xFFFFu;
    uint32_t hi = (uint32_t)(int32_t)(int8_t)((x >> 16) & 0xFFu) & 0xFFFFu;
    return lo | (hi << 16);
}
static inline uint32_t h7nn_sxtb16_ror8(uint32_t x) { return h7nn_sxtb16((x >> 8) | (x << 24)); }
static inline uint32_t h7nn_sadd16(uint32_t a, uint32_t b) {
    uint32_t lo = (a + b) & 0xFFFFu;
    uint32_t hi = ((a >> 16) + (b >> 16)) & 0xFFFFu;
    return lo | (hi << 16);
}
static inline int32_t h7nn_ssat8(int32_t x) { return x < -128 ? -128 : (x > 127 ? 127 : x); }
static inline uint32_t h7nn_sxtab16(uint32_t a, uint32_t x) { return h7nn_sadd16(a, h7nn_sxtb16(x)); }
static inline uint32_t h7nn_sxtab16_ror8(uint32_t a, uint32_t x) { return h7nn_sadd16(a, h7nn_sxtb16_ror8(x)); }
static inline int32_t h7nn_smmulr(int32_t a, int32_t b) {
    return (int32_t)(((int64_t)a * b + (INT64_C(1) << 31)) >> 32);
}
static inline int32_t h7nn_smlabb(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)((int16_t)(a & 0xFFFFu) * (int16_t)(b & 0xFFFFu)));
}
static inline int32_t h7nn_smlatb(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)((int16_t)(a >> 16) * (int16_t)(b & 0xFFFFu)));
}
static inline int32_t h7nn_smlatt(uint32_t a, uint32_t b, int32_t acc) {
    return (int32_t)((uint32_t)acc + (uint32_t)((int16_t)(a >> 16) * (int16_t)(b >> 16)));
}
static inline uint32_t h7nn_pack16(uint32_t lo, uint32_t hi) { return (lo & 0xFFFFu) | (hi << 16); }
static inline uint32_t h7nn_pack16_top(uint32_t a, uint32_t b) { return (a >> 16) | (b & 0xFFFF0000u); }
#endif

/* Widens 4 int8 values (+ offset) to int16 in the order x0, x2, x1, x3, the order in which
 * SXTB16 and SXTB16-ROR8 unpack a word of 4 weights, so that SMLAD pairs them directly. */
static inline void h7nn_widen4_interleaved(const int8_t *src, int16_t offset, int16_t *dst) {
    uint32_t word = h7nn_read_u32(src);
    uint32_t off2 = ((uint32_t)(uint16_t)offset << 16) | (uint16_t)offset;
    uint32_t even = h7nn_sadd16(h7nn_sxtb16(word), off2);
    uint32_t odd = h7nn_sadd16(h7nn_sxtb16_ror8(word), off2);
    memcpy(dst, &even, 4);
    memcpy(dst + 2, &odd, 4);
}

/* The same, doubled: 2 * (x + offset), for kernels that requantize with SMMULR. */
static inline void h7nn_widen4_interleaved_x2(const int8_t *src, int16_t offset, int16_t *dst) {
    uint32_t word = h7nn_read_u32(src);
    uint32_t off2 = ((uint32_t)(uint16_t)offset << 16) | (uint16_t)offset;
    uint32_t even = h7nn_sadd16(h7nn_sxtb16(word), off2);
    uint32_t odd = h7nn_sadd16(h7nn_sxtb16_ror8(word), off2);
    even = h7nn_sadd16(even, even);
    odd = h7nn_sadd16(odd, odd);
    memcpy(dst, &even, 4);
    memcpy(dst + 2, &odd, 4);
}

#endif /* H7NN_SIMD_H */
