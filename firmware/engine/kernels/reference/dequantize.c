/* DEQUANTIZE: int8 -> float32, (float)((double)scale * (q - zero point)) as TFLite does. */
#include "engine/kernels/h7nn_kernels.h"

typedef struct {
    int32_t count, zero_point;
    float scale;
} dequantize_data;

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo in, out;
    h7nn_status s = h7nn_unary_prepare(nn, node, &in, &out);
    if (s == H7NN_OK) s = h7nn_expect_int8_per_tensor(nn, node, &in);
    if (s == H7NN_OK) s = h7nn_expect_type(nn, node, &out, H7NN_FLOAT32);
    if (s != H7NN_OK) return s;
    dequantize_data *op = h7nn_persistent(nn, sizeof *op);
    if (!op) return H7NN_ERR_ARENA;
    op->count = (int32_t)in.elements;
    op->zero_point = in.zero_point;
    op->scale = in.scale;
    node->op_data = op;
    return H7NN_OK;
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const dequantize_data *op = node->op_data;
    const int8_t *in = h7nn_input_data(nn, node, 0);
    float *out = h7nn_output_data(nn, node, 0);
    for (int32_t i = 0; i < op->count; i++) out[i] = (float)((double)op->scale * (double)(in[i] - op->zero_point));
    return H7NN_OK;
}

const h7nn_kernel h7nn_ref_dequantize = {H7NN_KERNEL_ID(DEQUANTIZE), prepare, eval};
