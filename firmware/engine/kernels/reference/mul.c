/* MUL, int8 with broadcasting: TFLite's reference quantized Mul. */
#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_kernels.h"

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo in1, in2, out;
    h7nn_binary_data *op;
    h7nn_status s = h7nn_binary_prepare(nn, node, &op, &in1, &in2, &out);
    if (s != H7NN_OK) return s;
    int shift;
    h7nn_quantize_multiplier((double)in1.scale * (double)in2.scale / (double)out.scale, &op->out_mult, &shift);
    op->out_shift = shift;
    return H7NN_OK;
}

static int8_t mul_one(const h7nn_binary_data *op, int32_t a, int32_t b) {
    int32_t product = (a + op->in1_offset) * (b + op->in2_offset);
    int32_t x = h7nn_add_wrap(h7nn_mbqm(product, op->out_mult, op->out_shift), op->out_offset);
    return (int8_t)h7nn_clamp(x, op->act_min, op->act_max);
}

H7NN_BINARY_EVAL(mul_one)

const h7nn_kernel h7nn_ref_mul = {H7NN_KERNEL_ID(MUL), prepare, eval};
