/* DEQUANTIZE: int8 -> float32, (float)((double)scale * (q - zero point)) as TFLite does. */
#include "engine/kernels/h7nn_kernels.h"

typedef struct {
    int32_t count, zero_point;
    float scale;
} dequantize_data;

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo in, out;
    dequantize_data *op;
    h7nn_status s = h7nn_unary_typed_prepare(nn, node, &in, H7NN_INT8_PER_TENSOR, &out, H7NN_FLOAT32, sizeof *op, (void **)&op);
    if (s != H7NN_OK) return s;
    op->count = (int32_t)in.elements;
    op->zero_point = in.zero_point;
    op->scale = in.scale;
    return H7NN_OK;
}

static void loop(const dequantize_data *op, const int8_t *in, float *out) {
    for (int32_t i = 0; i < op->count; i++) out[i] = (float)((double)op->scale * (double)(in[i] - op->zero_point));
}

H7NN_EVAL_LOOP(loop)

const h7nn_kernel h7nn_ref_dequantize = {H7NN_KERNEL_ID(DEQUANTIZE), prepare, eval};
