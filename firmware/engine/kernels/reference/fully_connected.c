/* FULLY_CONNECTED, int8: TFLite's reference FullyConnected (per-tensor weights) and its
 * per-channel variant. The prepare step is shared with the M7 kernel. */
#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_kernels.h"

enum { FC_ACTIVATION = 0, FC_WEIGHTS_FORMAT = 1 };

h7nn_status h7nn_fully_connected_prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo input, filter, output;
    h7nn_status s = h7nn_int8_io_prepare(nn, node, &input, &filter, H7NN_INT8, &output);
    if (s != H7NN_OK) return s;
    if (h7nn_opt_u8(nn, node, FC_WEIGHTS_FORMAT, 0) != 0)
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "shuffled weights format");
    if (!filter.const_data || filter.rank != 2)
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "weights must be a constant 2-D tensor");
    int32_t out_depth = filter.dims[0], accum = filter.dims[1];
    if (accum < 1 || input.elements % (uint32_t)accum != 0)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "input size %u is not a multiple of %d",
                         (unsigned)input.elements, (int)accum);
    if (accum > 16384)  /* 16384 x 255 x 255 < 2^31: the int32 accumulator cannot overflow */
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "more than 16384 products per output (int32 accumulator)");
    int32_t batches = (int32_t)(input.elements / (uint32_t)accum);
    if (output.elements != (uint32_t)(batches * out_depth) || output.rank < 1 ||
        output.dims[output.rank - 1] != out_depth)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "output shape does not match %d x %d", (int)batches,
                         (int)out_depth);
    if (filter.scale_count != 1 && filter.scale_count != (uint32_t)out_depth)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "weights have %u scales for %d outputs",
                         (unsigned)filter.scale_count, (int)out_depth);
    if (filter.scale_count > 1 && !h7nn_zero_points_all_zero(&filter))
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "per-channel weights need zero points of 0");
    if (filter.zero_point < -128 || filter.zero_point > 127)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "weights zero point out of range");
    const int32_t *bias_data;
    s = h7nn_const_bias(nn, node, out_depth, &bias_data);
    if (s != H7NN_OK) return s;
    int per_channel = filter.scale_count > 1;
    h7nn_fc_data *op = h7nn_persistent_struct(nn, H7NN_FC_DATA_BYTES, H7NN_FC_DATA_POINTERS,
                                               per_channel ? 5u * (uint32_t)out_depth : 0u);
    if (!op) return H7NN_ERR_ARENA;
    op->batches = batches;
    op->accum_depth = accum;
    op->out_depth = out_depth;
    op->input_offset = -input.zero_point;
    op->filter_offset = -filter.zero_point;
    op->output_offset = output.zero_point;
    op->filter = filter.const_data;
    op->bias = bias_data;
    s = h7nn_activation_range(nn, node, h7nn_opt_u8(nn, node, FC_ACTIVATION, 0), &output, &op->act_min,
                              &op->act_max);
    if (s != H7NN_OK) return s;
    int shift;
    for (uint32_t c = 0; c < filter.scale_count; c++) {  /* see conv_common.c */
        if (!h7nn_scale_ok(filter.scales[c]))
            return h7nn_fail(nn, node, H7NN_ERR_MODEL, "channel %d: weight scale is negative or not finite", (int)c);
        if (!((double)input.scale * (double)filter.scales[c] / (double)output.scale < H7NN_MAX_REQUANT_SCALE))
            return h7nn_fail(nn, node, H7NN_ERR_MODEL, "requantization scale of 2^30 or more");
    }
    h7nn_quantize_multiplier((double)input.scale * (double)filter.scale / (double)output.scale, &op->multiplier,
                             &shift);
    op->shift = shift;
    if (per_channel) {
        int32_t *multipliers = (int32_t *)(void *)((uint8_t *)op + H7NN_FC_DATA_BYTES);
        int8_t *shifts = (int8_t *)(multipliers + out_depth);
        op->channel_multiplier = multipliers;
        op->channel_shift = shifts;
        for (int32_t c = 0; c < out_depth; c++) {
            h7nn_quantize_multiplier((double)input.scale * (double)filter.scales[c] / (double)output.scale,
                                     &multipliers[c], &shift);
            shifts[c] = (int8_t)shift;
        }
    }
    node->op_data = op;
    return H7NN_OK;
}

h7nn_status h7nn_fully_connected_eval_reference(h7nn_interpreter *nn, const h7nn_node *node) {
    const h7nn_fc_data *op = node->op_data;
    const int8_t *input = h7nn_input_data(nn, node, 0);
    int8_t *output = h7nn_output_data(nn, node, 0);
    for (int b = 0; b < op->batches; b++) {
        const int8_t *in = input + b * op->accum_depth;
        for (int o = 0; o < op->out_depth; o++) {
            const int8_t *w = op->filter + o * op->accum_depth;
            int32_t acc = 0;
            for (int d = 0; d < op->accum_depth; d++) acc += (w[d] + op->filter_offset) * (in[d] + op->input_offset);
            if (op->bias) acc = (int32_t)((uint32_t)acc + (uint32_t)op->bias[o]);
            if (op->channel_multiplier)
                acc = h7nn_mbqm(acc, op->channel_multiplier[o], op->channel_shift[o]);
            else
                acc = h7nn_mbqm(acc, op->multiplier, op->shift);
            acc = h7nn_add_wrap(acc, op->output_offset);
            output[b * op->out_depth + o] = (int8_t)h7nn_clamp(acc, op->act_min, op->act_max);
        }
    }
    return H7NN_OK;
}

const h7nn_kernel h7nn_ref_fully_connected = {H7NN_KERNEL_ID(FULLY_CONNECTED),
                                              h7nn_fully_connected_prepare, h7nn_fully_connected_eval_reference};
