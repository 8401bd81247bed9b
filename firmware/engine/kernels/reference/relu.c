/* RELU and RELU6, int8 (standalone; fused ReLUs are part of their op), as TFLite Micro's
 * activations: ReluQuantized rescales from the input to the output quantization and clamps
 * at zero; Relu6Quantized clamps in the input's own quantization between its zero and 6.0.
 * Both run the same loop: RELU6 is the rescale by exactly 1 (multiplier 2^30, shift 1:
 * (2x * 2^30) / 2^31 = x, exact for every int8) into the input's zero point, clamped to
 * [zero, six]. */
#include <math.h>

#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_kernels.h"

typedef struct {
    int32_t count, input_zero_point, output_zero_point, multiplier, shift, act_min, act_max;
} relu_data;

static h7nn_status prepare_relu(h7nn_interpreter *nn, h7nn_node *node, int relu6) {
    h7nn_tinfo in, out;
    relu_data *op;
    h7nn_status s = h7nn_unary_int8_prepare(nn, node, &in, &out, &op);
    if (s != H7NN_OK) return s;
    op->count = (int32_t)in.elements;
    op->input_zero_point = in.zero_point;
    int shift;
    if (relu6) {  /* the input's own quantization, rescaled by exactly 1 */
        op->output_zero_point = op->act_min = in.zero_point;
        op->act_max = h7nn_clamp(h7nn_round_to_int(6.0f / in.scale) + in.zero_point, -128, 127);
        op->multiplier = 1 << 30;
        shift = 1;
    } else {
        op->output_zero_point = out.zero_point;
        int32_t zero = out.zero_point + h7nn_round_to_int(0.0f / out.scale);
        op->act_min = zero > -128 ? zero : -128;
        op->act_max = 127;
        h7nn_quantize_multiplier((double)in.scale / (double)out.scale, &op->multiplier, &shift);
    }
    op->shift = shift;
    return H7NN_OK;
}

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) { return prepare_relu(nn, node, 0); }
static h7nn_status prepare6(h7nn_interpreter *nn, h7nn_node *node) { return prepare_relu(nn, node, 1); }

static void loop(const relu_data *op, const int8_t *in, int8_t *out) {
    for (int32_t i = 0; i < op->count; i++) {
        int32_t x = h7nn_add_wrap(op->output_zero_point, h7nn_mbqm(in[i] - op->input_zero_point, op->multiplier, op->shift));
        out[i] = (int8_t)h7nn_clamp(x, op->act_min, op->act_max);
    }
}

H7NN_EVAL_LOOP(loop)

const h7nn_kernel h7nn_ref_relu = {H7NN_KERNEL_ID(RELU), prepare, eval};

const h7nn_kernel h7nn_ref_relu6 = {H7NN_KERNEL_ID(RELU6), prepare6, eval};
