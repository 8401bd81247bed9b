/* QUANTIZE: float32 -> int8 (TFLite's AffineQuantize: round(x / scale) + zero point, in
 * float), or int8 -> int8 requantization (MultiplyByQuantizedMultiplier). */
#include <math.h>

#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_kernels.h"

typedef struct {
    int32_t count, from_float;
    float scale;
    int32_t zero_point, input_zero_point, multiplier, shift;
} quantize_data;

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo in, out;
    quantize_data *op;  /* from float32 or int8: the input's type is checked below */
    h7nn_status s = h7nn_unary_typed_prepare(nn, node, &in, H7NN_ANY_TYPE, &out, H7NN_INT8_PER_TENSOR, sizeof *op, (void **)&op);
    if (s != H7NN_OK) return s;
    op->count = (int32_t)in.elements;
    op->scale = out.scale;
    op->zero_point = out.zero_point;
    if (in.type == H7NN_FLOAT32) {
        op->from_float = 1;
    } else {
        s = h7nn_expect_int8_per_tensor(nn, node, &in);
        if (s != H7NN_OK) return s;
        op->input_zero_point = in.zero_point;
        int shift;
        h7nn_quantize_multiplier((double)in.scale / (double)out.scale, &op->multiplier, &shift);
        op->shift = shift;
    }
    return H7NN_OK;
}

static void loop(const quantize_data *op, const void *input, int8_t *out) {
    if (op->from_float) {
        const float *in = input;
        for (int32_t i = 0; i < op->count; i++) {
            float q = roundf(in[i] / op->scale);
            /* NaN and huge values: clamp before converting (the conversion itself would be undefined) */
            int32_t v = q != q ? 0 : (q > 1e6f ? 1000000 : (q < -1e6f ? -1000000 : (int32_t)q));
            out[i] = (int8_t)h7nn_clamp(v + op->zero_point, -128, 127);
        }
    } else {
        const int8_t *in = input;
        for (int32_t i = 0; i < op->count; i++) {
            int32_t v = h7nn_add_wrap(h7nn_mbqm(in[i] - op->input_zero_point, op->multiplier, op->shift), op->zero_point);
            out[i] = (int8_t)h7nn_clamp(v, -128, 127);
        }
    }
}

H7NN_EVAL_LOOP(loop)

const h7nn_kernel h7nn_ref_quantize = {H7NN_KERNEL_ID(QUANTIZE), prepare, eval};
