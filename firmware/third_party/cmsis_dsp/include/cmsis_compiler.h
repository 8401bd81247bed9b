/* Minimal stand-in for CMSIS-Core's cmsis_compiler.h (CMSIS-Core is not obtainable here).
 *
 * CMSIS-DSP's arm_math_types.h includes this header on Arm GCC builds. It only needs the
 * function-attribute macros and the few intrinsics the sources we compile reference; GCC's
 * <arm_acle.h> provides the SIMD/saturating intrinsics with the same semantics.
 * Host builds define __GNUC_PYTHON__ instead (CMSIS-DSP's own portable-C path) and never
 * include this file.
 */
#ifndef H7_CMSIS_COMPILER_H
#define H7_CMSIS_COMPILER_H

#include <stdint.h>

#if !defined(__GNUC__) || !defined(__ARM_ARCH)
#error "cmsis_compiler.h (h7voice) is for arm-none-eabi-gcc; host builds define __GNUC_PYTHON__"
#endif

#include <arm_acle.h>

#ifndef __ASM
#define __ASM __asm
#endif
#ifndef __INLINE
#define __INLINE inline
#endif
#ifndef __STATIC_INLINE
#define __STATIC_INLINE static inline
#endif
#ifndef __STATIC_FORCEINLINE
#define __STATIC_FORCEINLINE __attribute__((always_inline)) static inline
#endif
#ifndef __ALIGNED
#define __ALIGNED(x) __attribute__((aligned(x)))
#endif
#ifndef __PACKED
#define __PACKED __attribute__((packed, aligned(1)))
#endif
#ifndef __RESTRICT
#define __RESTRICT __restrict
#endif
#ifndef __WEAK
#define __WEAK __attribute__((weak))
#endif
#ifndef __NO_RETURN
#define __NO_RETURN __attribute__((__noreturn__))
#endif
#ifndef __USED
#define __USED __attribute__((used))
#endif

/* Bit and saturation helpers (CMSIS-Core names, ACLE implementations). */
__STATIC_FORCEINLINE uint8_t __CLZ(uint32_t value)
{
    return value == 0U ? 32U : (uint8_t)__builtin_clz(value);
}

__STATIC_FORCEINLINE uint32_t __ROR(uint32_t value, uint32_t shift)
{
    shift &= 31U;
    return shift == 0U ? value : (value >> shift) | (value << (32U - shift));
}

#define __SSAT(x, n) __ssat((x), (n))
#define __USAT(x, n) __usat((x), (n))

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define __QADD(a, b) __qadd((a), (b))
#define __QSUB(a, b) __qsub((a), (b))
#define __QADD8(a, b) ((uint32_t)__qadd8((int8x4_t)(a), (int8x4_t)(b)))
#define __QADD16(a, b) ((uint32_t)__qadd16((int16x2_t)(a), (int16x2_t)(b)))
#define __QSUB16(a, b) ((uint32_t)__qsub16((int16x2_t)(a), (int16x2_t)(b)))
#define __QASX(a, b) ((uint32_t)__qasx((int16x2_t)(a), (int16x2_t)(b)))
#define __QSAX(a, b) ((uint32_t)__qsax((int16x2_t)(a), (int16x2_t)(b)))
#define __SHADD16(a, b) ((uint32_t)__shadd16((int16x2_t)(a), (int16x2_t)(b)))
#define __SHSUB16(a, b) ((uint32_t)__shsub16((int16x2_t)(a), (int16x2_t)(b)))
#define __SHASX(a, b) ((uint32_t)__shasx((int16x2_t)(a), (int16x2_t)(b)))
#define __SHSAX(a, b) ((uint32_t)__shsax((int16x2_t)(a), (int16x2_t)(b)))
#define __SMUAD(a, b) ((uint32_t)__smuad((int16x2_t)(a), (int16x2_t)(b)))
#define __SMUADX(a, b) ((uint32_t)__smuadx((int16x2_t)(a), (int16x2_t)(b)))
#define __SMUSD(a, b) ((uint32_t)__smusd((int16x2_t)(a), (int16x2_t)(b)))
#define __SMUSDX(a, b) ((uint32_t)__smusdx((int16x2_t)(a), (int16x2_t)(b)))
#define __SMLAD(a, b, c) ((uint32_t)__smlad((int16x2_t)(a), (int16x2_t)(b), (int32_t)(c)))
#define __SMLADX(a, b, c) ((uint32_t)__smladx((int16x2_t)(a), (int16x2_t)(b), (int32_t)(c)))
#define __SMLALD(a, b, c) ((uint64_t)__smlald((int16x2_t)(a), (int16x2_t)(b), (int64_t)(c)))
#define __SMLALDX(a, b, c) ((uint64_t)__smlaldx((int16x2_t)(a), (int16x2_t)(b), (int64_t)(c)))
#define __SMLSDX(a, b, c) ((uint32_t)__smlsdx((int16x2_t)(a), (int16x2_t)(b), (int32_t)(c)))
#define __SXTB16(x) ((uint32_t)__sxtb16((int8x4_t)(x)))
#define __PKHBT(a, b, shift) \
    ((uint32_t)(((uint32_t)(a) & 0x0000FFFFUL) | (((uint32_t)(b) << (shift)) & 0xFFFF0000UL)))
#define __PKHTB(a, b, shift) \
    ((uint32_t)(((uint32_t)(a) & 0xFFFF0000UL) | (((uint32_t)(b) >> (shift)) & 0x0000FFFFUL)))
#endif

#endif
