/* Constants shared by CONV_2D and DEPTHWISE_CONV_2D (reference and M7 kernels): shapes,
 * padding, and one quantized multiplier per output channel, computed as TFLite's
 * PopulateConvolutionQuantizationParams does (input_scale * filter_scale / output_scale in
 * double precision). */
#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_kernels.h"

/* Options field ids of Conv2DOptions [0] and DepthwiseConv2DOptions [1] (the depthwise one
 * has depth_multiplier as field 3, which shifts activation and dilation by one). */
enum { PADDING, STRIDE_W, STRIDE_H, ACTIVATION, DILATION_W, DILATION_H, OPTION_COUNT };
static const uint8_t option_id[2][OPTION_COUNT] = {{0, 1, 2, 3, 4, 5}, {0, 1, 2, 4, 5, 6}};
enum { DW_DEPTH_MULTIPLIER = 3 };

h7nn_status h7nn_conv_prepare_common(h7nn_interpreter *nn, h7nn_node *node, int depthwise) {
    h7nn_tinfo input, filter, output;
    h7nn_status s = h7nn_int8_io_prepare(nn, node, &input, &filter, H7NN_INT8, &output);
    if (s != H7NN_OK) return s;
    if (input.rank != 4 || filter.rank != 4 || output.rank != 4)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "input, filter and output must be 4-D");
    if (!filter.const_data) return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "filter must be constant");
    const uint8_t *id = option_id[depthwise != 0];
    int padding = h7nn_opt_u8(nn, node, id[PADDING], 0);
    int stride_w = h7nn_opt_i32(nn, node, id[STRIDE_W], 0), stride_h = h7nn_opt_i32(nn, node, id[STRIDE_H], 0);
    int activation = h7nn_opt_u8(nn, node, id[ACTIVATION], 0);
    int dil_w = h7nn_opt_i32(nn, node, id[DILATION_W], 1), dil_h = h7nn_opt_i32(nn, node, id[DILATION_H], 1);
    int multiplier = depthwise ? h7nn_opt_i32(nn, node, DW_DEPTH_MULTIPLIER, 0) : 1;
    if (stride_w < 1 || stride_h < 1 || dil_w < 1 || dil_h < 1 || stride_w > 1024 || stride_h > 1024 ||
        dil_w > 1024 || dil_h > 1024 || padding > H7NN_PADDING_VALID)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "bad stride, dilation or padding");
    int32_t out_c = depthwise ? filter.dims[3] : filter.dims[0];
    int32_t in_c = input.dims[3];
    if (depthwise) {
        if (filter.dims[0] != 1 || multiplier < 1 || (int64_t)out_c != (int64_t)in_c * multiplier)
            return h7nn_fail(nn, node, H7NN_ERR_MODEL, "filter channels %d != input channels %d x multiplier %d",
                             (int)out_c, (int)in_c, multiplier);
    } else if (filter.dims[3] != in_c) {
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "grouped convolution (filter depth %d, input depth %d)",
                         (int)filter.dims[3], (int)in_c);
    }
    int fh = depthwise ? filter.dims[1] : filter.dims[1], fw = filter.dims[2];
    int pad_h, pad_w;
    int oh = h7nn_window_output(padding, input.dims[1], fh, stride_h, dil_h, &pad_h);
    int ow = h7nn_window_output(padding, input.dims[2], fw, stride_w, dil_w, &pad_w);
    if (output.dims[0] != input.dims[0] || output.dims[1] != oh || output.dims[2] != ow || output.dims[3] != out_c ||
        oh < 1 || ow < 1 || fh < 1 || fw < 1)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "output shape does not follow from input, filter and options");
    if ((int64_t)fh * fw * (depthwise ? 1 : in_c) > 32768)
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "more than 32768 products per output (int32 accumulator)");
    if (filter.scale_count != 1 && filter.scale_count != (uint32_t)out_c)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "filter has %u scales for %d output channels",
                         (unsigned)filter.scale_count, (int)out_c);
    if (filter.scale_count > 1 && filter.quantized_dimension != (depthwise ? 3 : 0))
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "filter quantized along dimension %d",
                         filter.quantized_dimension);
    if (!h7nn_zero_points_all_zero(&filter))
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "filter zero points must be 0 (symmetric int8 weights)");
    const int32_t *bias_data;
    s = h7nn_const_bias(nn, node, out_c, &bias_data);
    if (s != H7NN_OK) return s;
    /* the embed step's plan carries the per-channel constants (checked at allocate): they
     * stay in flash and are not computed here */
    const uint32_t *rec = h7nn_plan_op(nn, node);
    if (rec && rec[1] != (uint32_t)out_c)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "plan: %u requantization channels for %d output channels",
                         (unsigned)rec[1], (int)out_c);
    h7nn_conv_data *op = h7nn_persistent_struct(nn, H7NN_CONV_DATA_BYTES, H7NN_CONV_DATA_POINTERS,
                                                 rec ? 0u : 5u * (uint32_t)out_c);
    if (!op) return H7NN_ERR_ARENA;
    op->batches = input.dims[0];
    op->in_h = input.dims[1];
    op->in_w = input.dims[2];
    op->in_c = in_c;
    op->out_h = oh;
    op->out_w = ow;
    op->out_c = out_c;
    op->filter_h = fh;
    op->filter_w = fw;
    op->stride_h = stride_h;
    op->stride_w = stride_w;
    op->dilation_h = dil_h;
    op->dilation_w = dil_w;
    op->pad_h = pad_h;
    op->pad_w = pad_w;
    op->depth_multiplier = multiplier;
    op->input_offset = -input.zero_point;
    op->output_offset = output.zero_point;
    op->filter = filter.const_data;
    op->bias = bias_data;
    s = h7nn_activation_range(nn, node, activation, &output, &op->act_min, &op->act_max);
    if (s != H7NN_OK) return s;
    node->op_data = op;
    if (rec) {
        op->multiplier = (const int32_t *)(rec + 2);
        op->shift = (const int8_t *)(const void *)(rec + 2 + out_c);
        return H7NN_OK;
    }
    int32_t *multipliers = (int32_t *)(void *)((uint8_t *)op + H7NN_CONV_DATA_BYTES);
    int8_t *shifts = (int8_t *)(multipliers + out_c);
    op->multiplier = multipliers;
    op->shift = shifts;
    for (int32_t c = 0; c < out_c; c++) {
        float fscale = filter.scales[filter.scale_count > 1 ? c : 0];
        if (!h7nn_scale_ok(fscale))
            return h7nn_fail(nn, node, H7NN_ERR_MODEL, "channel %d: filter scale is negative or not finite", (int)c);
        double effective = (double)input.scale * (double)fscale / (double)output.scale;
        /* TFLite shifts left by more than 31 there (undefined): no defined result to match */
        if (!(effective < H7NN_MAX_REQUANT_SCALE))
            return h7nn_fail(nn, node, H7NN_ERR_MODEL, "channel %d: requantization scale of 2^30 or more", (int)c);
        int shift;
        h7nn_quantize_multiplier(effective, &multipliers[c], &shift);
        shifts[c] = (int8_t)shift;
    }
    return H7NN_OK;
}
