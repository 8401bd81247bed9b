/* DEPTHWISE_CONV_2D, int8 with per-channel weights: TFLite's reference DepthwiseConvPerChannel. */
#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_kernels.h"

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    return h7nn_conv_prepare_common(nn, node, 1);
}

h7nn_status h7nn_depthwise_conv_2d_eval_reference(h7nn_interpreter *nn, const h7nn_node *node) {
    const h7nn_conv_data *op = node->op_data;
    const int8_t *input = h7nn_input_data(nn, node, 0);
    int8_t *output = h7nn_output_data(nn, node, 0);
    for (int b = 0; b < op->batches; b++) {
        for (int oy = 0; oy < op->out_h; oy++) {
            int in_y0 = oy * op->stride_h - op->pad_h;
            for (int ox = 0; ox < op->out_w; ox++) {
                int in_x0 = ox * op->stride_w - op->pad_w;
                for (int ic = 0; ic < op->in_c; ic++) {
                    for (int m = 0; m < op->depth_multiplier; m++) {
                        int oc = ic * op->depth_multiplier + m;
                        int32_t acc = 0;
                        for (int fy = 0; fy < op->filter_h; fy++) {
                            int iy = in_y0 + op->dilation_h * fy;
                            if (iy < 0 || iy >= op->in_h) continue;
                            for (int fx = 0; fx < op->filter_w; fx++) {
                                int ix = in_x0 + op->dilation_w * fx;
                                if (ix < 0 || ix >= op->in_w) continue;
                                int32_t v = input[((b * op->in_h + iy) * op->in_w + ix) * op->in_c + ic];
                                int32_t w = op->filter[(fy * op->filter_w + fx) * op->out_c + oc];
                                acc += w * (v + op->input_offset);
                            }
                        }
                        if (op->bias) acc = (int32_t)((uint32_t)acc + (uint32_t)op->bias[oc]);  /* wraps like TFLite on any CPU */
                        acc = h7nn_add_wrap(h7nn_mbqm(acc, op->multiplier[oc], op->shift[oc]), op->output_offset);
                        output[((b * op->out_h + oy) * op->out_w + ox) * op->out_c + oc] =
                            (int8_t)h7nn_clamp(acc, op->act_min, op->act_max);
                    }
                }
            }
        }
    }
    return H7NN_OK;
}

const h7nn_kernel h7nn_ref_depthwise_conv_2d = {H7NN_KERNEL_ID(DEPTHWISE_CONV_2D), prepare,
                                                h7nn_depthwise_conv_2d_eval_reference};
