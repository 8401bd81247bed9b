/* Constants shared by AVERAGE_POOL_2D and MAX_POOL_2D. */
#include "engine/kernels/h7nn_kernels.h"

enum { POOL_PADDING = 0, POOL_STRIDE_W = 1, POOL_STRIDE_H = 2, POOL_FILTER_W = 3, POOL_FILTER_H = 4,
       POOL_ACTIVATION = 5 };

h7nn_status h7nn_pool_prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo input, output;
    h7nn_status s = h7nn_int8_io_prepare(nn, node, &input, NULL, 0, &output);
    if (s != H7NN_OK) return s;
    if (input.rank != 4 || output.rank != 4) return h7nn_fail(nn, node, H7NN_ERR_MODEL, "input and output must be 4-D");
    /* TFLite's pooling keeps the quantization (its prepare refuses a difference too) */
    float scale_diff = input.scale - output.scale;
    if (scale_diff > 1.0e-6f || scale_diff < -1.0e-6f || input.zero_point != output.zero_point)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "input and output quantization differ");
    int padding = h7nn_opt_u8(nn, node, POOL_PADDING, 0);
    int sw = h7nn_opt_i32(nn, node, POOL_STRIDE_W, 0), sh = h7nn_opt_i32(nn, node, POOL_STRIDE_H, 0);
    int fw = h7nn_opt_i32(nn, node, POOL_FILTER_W, 0), fh = h7nn_opt_i32(nn, node, POOL_FILTER_H, 0);
    if (sw < 1 || sh < 1 || fw < 1 || fh < 1 || sw > 4096 || sh > 4096 || fw > 4096 || fh > 4096 ||
        padding > H7NN_PADDING_VALID)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "bad filter, stride or padding");
    if ((int64_t)fw * fh > 65536) return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "pooling window over 65536");
    int pad_h, pad_w;
    int oh = h7nn_window_output(padding, input.dims[1], fh, sh, 1, &pad_h);
    int ow = h7nn_window_output(padding, input.dims[2], fw, sw, 1, &pad_w);
    if (oh < 1 || ow < 1 || output.dims[0] != input.dims[0] || output.dims[1] != oh || output.dims[2] != ow ||
        output.dims[3] != input.dims[3])
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "output shape does not follow from input and options");
    h7nn_pool_data *op = h7nn_op_data(nn, node, sizeof *op);
    if (!op) return H7NN_ERR_ARENA;
    op->batches = input.dims[0];
    op->in_h = input.dims[1];
    op->in_w = input.dims[2];
    op->channels = input.dims[3];
    op->out_h = oh;
    op->out_w = ow;
    op->filter_h = fh;
    op->filter_w = fw;
    op->stride_h = sh;
    op->stride_w = sw;
    op->pad_h = pad_h;
    op->pad_w = pad_w;
    s = h7nn_activation_range(nn, node, h7nn_opt_u8(nn, node, POOL_ACTIVATION, 0), &output, &op->act_min,
                              &op->act_max);
    return s;
}
