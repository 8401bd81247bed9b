/* CONV_2D, int8 with per-channel weights: TFLite's reference ConvPerChannel. */
#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_kernels.h"

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    return h7nn_conv_prepare_common(nn, node, 0);
}

h7nn_status h7nn_conv_2d_eval_reference(h7nn_interpreter *nn, const h7nn_node *node) {
    const h7nn_conv_data *op = node->op_data;
    const int8_t *input = h7nn_input_data(nn, node, 0);
    int8_t *output = h7nn_output_data(nn, node, 0);
    for (int b = 0; b < op->batches; b++) {
        for (int oy = 0; oy < op->out_h; oy++) {
            int in_y0 = oy * op->stride_h - op->pad_h;
            for (int ox = 0; ox < op->out_w; ox++) {
                int in_x0 = ox * op->stride_w - op->pad_w;
                for (int oc = 0; oc < op->out_c; oc++) {
                    int32_t acc = 0;
                    for (int fy = 0; fy < op->filter_h; fy++) {
                        int iy = in_y0 + op->dilation_h * fy;
                        if (iy < 0 || iy >= op->in_h) continue;
                        for (int fx = 0; fx < op->filter_w; fx++) {
                            int ix = in_x0 + op->dilation_w * fx;
                            if (ix < 0 || ix >= op->in_w) continue;
                            const int8_t *in = input + ((b * op->in_h + iy) * op->in_w + ix) * op->in_c;
                            const int8_t *w = op->filter + ((oc * op->filter_h + fy) * op->filter_w + fx) * op->in_c;
                            for (int ic = 0; ic < op->in_c; ic++) acc += w[ic] * (in[ic] + op->input_offset);
                        }
                    }
                    if (op->bias) acc = (int32_t)((uint32_t)acc + (uint32_t)op->bias[oc]);  /* wraps like TFLite on any CPU */
                    acc = h7nn_add_wrap(h7nn_mbqm(acc, op->multiplier[oc], op->shift[oc]), op->output_offset);
                    *output++ = (int8_t)h7nn_clamp(acc, op->act_min, op->act_max);
                }
            }
        }
    }
    return H7NN_OK;
}

const h7nn_kernel h7nn_ref_conv_2d = {H7NN_KERNEL_ID(CONV_2D), prepare, h7nn_conv_2d_eval_reference};
