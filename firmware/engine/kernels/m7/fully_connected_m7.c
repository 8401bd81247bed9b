/* FULLY_CONNECTED, int8, Cortex-M7: the input row is widened to int16 once, then the SMLAD
 * matrix kernel runs two output neurons per pass. Asymmetric (non-zero zero point) weights
 * take the reference path. Scratch: input depth x 2 bytes. */
#include "engine/h7nn_quant.h"
#include "engine/kernels/m7/h7nn_m7_common.h"

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_status s = h7nn_fully_connected_prepare(nn, node);
    if (s != H7NN_OK) return s;
    h7nn_fc_data *op = node->op_data;
    node->scratch_bytes = 2u * (((uint32_t)op->accum_depth + 3u) & ~3u);
    if (!op->channel_multiplier) {
        /* the matrix kernel takes per-channel constants: repeat the per-tensor ones */
        int32_t *m = h7nn_persistent(nn, 5u * (uint32_t)op->out_depth);
        if (!m) return H7NN_ERR_ARENA;
        op->channel_multiplier = m;
        op->channel_shift = (int8_t *)(m + op->out_depth);
        for (int32_t c = 0; c < op->out_depth; c++) m[c] = op->multiplier, op->channel_shift[c] = (int8_t)op->shift;
    }
    op->fast_requant = h7nn_m7_requant_mode(op->filter, op->out_depth, op->accum_depth, 1, op->accum_depth,
                                            op->channel_shift);
    return H7NN_OK;
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const h7nn_fc_data *op = node->op_data;
    if (op->filter_offset != 0) return h7nn_fully_connected_eval_reference(nn, node);
    const int8_t *input = h7nn_input_data(nn, node, 0);
    int8_t *output = h7nn_output_data(nn, node, 0);
    int16_t *col = node->scratch;
    const h7nn_m7_requant_params rq = {op->bias, op->channel_multiplier, op->channel_shift, op->output_offset,
                                       op->act_min, op->act_max, op->fast_requant};
    for (int b = 0; b < op->batches; b++) {
        h7nn_m7_widen_row(input + b * op->accum_depth, op->accum_depth, op->input_offset, col, op->fast_requant);
        h7nn_m7_matmul_2col(op->filter, op->accum_depth, op->out_depth, col, col, output + b * op->out_depth, NULL,
                            &rq);
    }
    return H7NN_OK;
}

const h7nn_kernel h7nn_m7_fully_connected = {H7NN_KERNEL_ID(FULLY_CONNECTED), prepare, eval};
