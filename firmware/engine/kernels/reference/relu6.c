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
    h7nn_status s = h7nn_unary_prepare(nn, node, &in, &out);
    if (s == H7NN_OK) s = h7nn_expect_int8_per_tensor(nn, node, &in);
    if (s == H7NN_OK) s = h7nn_expect_int8_per_tensor(nn, node, &out);
    if (s != H7NN_OK) return s;
    relu6_data *op = h7nn_persistent(nn, sizeof *op);
    if (!op) return H7NN_ERR_ARENA;
    op->count = (int32_t)in.elements;
    op->zero = in.zero_point;
    op->six = h7nn_clamp(h7nn_round_to_int(6.0f / in.scale) + in.zero_point, -128, 127);
    node->op_data = op;
    return H7NN_OK;
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const relu6_data *op = node->op_data;
    const int8_t *in = h7nn_input_data(nn, node, 0);
    int8_t *out = h7nn_output_data(nn, node, 0);
    for (int32_t i = 0; i < op->count; i++) {
        int32_t v = in[i];
        out[i] = (int8_t)(v > op->six ? op->six : (v < op->zero ? op->zero : v));
    }
    return H7NN_OK;
}

const h7nn_kernel h7nn_ref_relu6 = {H7NN_KERNEL_ID(RELU6), prepare, eval};
