/* RELU, int8 (standalone; fused ReLUs are part of their op): TFLite Micro's ReluQuantized,
 * which rescales from the input to the output quantization and clamps at zero. */
#include <math.h>

#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_kernels.h"

typedef struct {
    int32_t count, input_zero_point, output_zero_point, multiplier, shift, act_min, act_max;
} relu_data;

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo in, out;
    relu_data *op;
    h7nn_status s = h7nn_unary_int8_prepare(nn, node, &in, &out, &op);
    if (s != H7NN_OK) return s;
    op->count = (int32_t)in.elements;
    op->input_zero_point = in.zero_point;
    op->output_zero_point = out.zero_point;
    int shift;
    h7nn_quantize_multiplier((double)in.scale / (double)out.scale, &op->multiplier, &shift);
    op->shift = shift;
    int32_t zero = out.zero_point + h7nn_round_to_int(0.0f / out.scale);
    op->act_min = zero > -128 ? zero : -128;
    op->act_max = 127;
    return H7NN_OK;
}

static void loop(const relu_data *op, const int8_t *in, int8_t *out) {
    for (int32_t i = 0; i < op->count; i++) {
        int32_t x = h7nn_add_wrap(op->output_zero_point, h7nn_mbqm(in[i] - op->input_zero_point, op->multiplier, op->shift));
        out[i] = (int8_t)h7nn_clamp(x, op->act_min, op->act_max);
    }
}

H7NN_EVAL_LOOP(loop)

const h7nn_kernel h7nn_ref_relu = {H7NN_KERNEL_ID(RELU), prepare, eval};
