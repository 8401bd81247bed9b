/* AVERAGE_POOL_2D, int8: TFLite's reference AveragePool (the window is clipped at the
 * borders and the sum divided by the clipped count, rounding half away from zero). */
#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_kernels.h"

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const h7nn_pool_data *op = node->op_data;
    const int8_t *input = h7nn_input_data(nn, node, 0);
    int8_t *output = h7nn_output_data(nn, node, 0);
    for (int b = 0; b < op->batches; b++) {
        for (int oy = 0; oy < op->out_h; oy++) {
            int fy_start, fy_end, y0 = h7nn_window_clip(oy, op->stride_h, op->pad_h, op->in_h, op->filter_h, &fy_start, &fy_end);
            for (int ox = 0; ox < op->out_w; ox++) {
                int fx_start, fx_end, x0 = h7nn_window_clip(ox, op->stride_w, op->pad_w, op->in_w, op->filter_w, &fx_start, &fx_end);
                int count = (fy_end - fy_start) * (fx_end - fx_start);
                for (int c = 0; c < op->channels; c++) {
                    int32_t acc = 0;
                    for (int fy = fy_start; fy < fy_end; fy++)
                        for (int fx = fx_start; fx < fx_end; fx++)
                            acc += input[((b * op->in_h + y0 + fy) * op->in_w + x0 + fx) * op->channels + c];
                    if (count <= 0) return h7nn_fail(nn, node, H7NN_ERR_RUNTIME, "empty pooling window");
                    acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
                    output[((b * op->out_h + oy) * op->out_w + ox) * op->channels + c] =
                        (int8_t)h7nn_clamp(acc, op->act_min, op->act_max);
                }
            }
        }
    }
    return H7NN_OK;
}

const h7nn_kernel h7nn_ref_average_pool_2d = {H7NN_KERNEL_ID(AVERAGE_POOL_2D), h7nn_pool_prepare, eval};
