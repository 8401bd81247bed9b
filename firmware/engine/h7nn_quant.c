/* TFLite's QuantizeMultiplier: the engine computes every requantization constant at
 * allocate time from the model's float scales, in double precision as TFLite does. */
#include <math.h>

#include "engine/h7nn_quant.h"

void h7nn_quantize_multiplier(double real_multiplier, int32_t *quantized, int *shift) {
    if (real_multiplier == 0.0 || !isfinite(real_multiplier)) {
        *quantized = 0;
        *shift = 0;
        return;
    }
    int exponent;
    double q = frexp(real_multiplier, &exponent);
    int64_t q_fixed = (int64_t)round(q * (double)(INT64_C(1) << 31));
    if (q_fixed == (INT64_C(1) << 31)) {
        q_fixed /= 2;
        ++exponent;
    }
    if (exponent < -31) {
        exponent = 0;
        q_fixed = 0;
    }
    if (exponent > 30) {  /* absurd scale ratios (> 2^30): saturate, as TFLite's single-rounding build does */
        exponent = 30;
        q_fixed = INT32_MAX;
    }
    *quantized = (int32_t)q_fixed;
    *shift = exponent;
}
