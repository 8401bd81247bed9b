/* ADD, int8 with broadcasting: TFLite's reference quantized Add (both inputs rescaled to
 * twice the larger input scale with 20 bits of headroom, summed, rescaled to the output). */
#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_kernels.h"

h7nn_status h7nn_add_prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo in1, in2, out;
    h7nn_binary_data *op;
    h7nn_status s = h7nn_binary_prepare(nn, node, &op, &in1, &in2, &out);
    if (s != H7NN_OK) return s;
    op->left_shift = 20;
    double twice_max = 2.0 * (double)(in1.scale > in2.scale ? in1.scale : in2.scale);
    int shift;
    h7nn_quantize_multiplier((double)in1.scale / twice_max, &op->in1_mult, &shift);
    op->in1_shift = shift;
    h7nn_quantize_multiplier((double)in2.scale / twice_max, &op->in2_mult, &shift);
    op->in2_shift = shift;
    h7nn_quantize_multiplier(twice_max / ((double)(1 << op->left_shift) * (double)out.scale), &op->out_mult, &shift);
    op->out_shift = shift;
    return H7NN_OK;
}

static int8_t add_one(const h7nn_binary_data *op, int32_t a, int32_t b) {
    int32_t x = (a + op->in1_offset) * (1 << op->left_shift);
    int32_t y = (b + op->in2_offset) * (1 << op->left_shift);
    x = h7nn_mbqm(x, op->in1_mult, op->in1_shift);
    y = h7nn_mbqm(y, op->in2_mult, op->in2_shift);
    int32_t sum = h7nn_add_wrap(h7nn_mbqm(x + y, op->out_mult, op->out_shift), op->out_offset);
    return (int8_t)h7nn_clamp(sum, op->act_min, op->act_max);
}

h7nn_status h7nn_add_eval_reference(h7nn_interpreter *nn, const h7nn_node *node) {
    h7nn_binary_broadcast(node->op_data, h7nn_input_data(nn, node, 0), h7nn_input_data(nn, node, 1),
                          h7nn_output_data(nn, node, 0), add_one);
    return H7NN_OK;
}

const h7nn_kernel h7nn_ref_add = {H7NN_KERNEL_ID(ADD), h7nn_add_prepare, h7nn_add_eval_reference};
