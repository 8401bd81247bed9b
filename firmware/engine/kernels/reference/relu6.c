/* RELU6, int8 (standalone): TFLite Micro's Relu6Quantized clamps in the input's own
 * quantization between its zero and 6.0 (input and output share scale and zero point). */
#include <math.h>

#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_kernels.h"

typedef struct {
    int32_t count, zero, six;
} relu6_data;

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo in, out;
    relu6_data *op;
    h7nn_status s = h7nn_unary_int8_prepare(nn, node, &in, &out, &op);
    if (s != H7NN_OK) return s;
    op->count = (int32_t)in.elements;
    op->zero = in.zero_point;
    op->six = h7nn_clamp(h7nn_round_to_int(6.0f / in.scale) + in.zero_point, -128, 127);
    return H7NN_OK;
}

static void loop(const relu6_data *op, const int8_t *in, int8_t *out) {
    for (int32_t i = 0; i < op->count; i++) {
        int32_t v = in[i];
        out[i] = (int8_t)(v > op->six ? op->six : (v < op->zero ? op->zero : v));
    }
}

H7NN_EVAL_LOOP(loop)

const h7nn_kernel h7nn_ref_relu6 = {H7NN_KERNEL_ID(RELU6), prepare, eval};
