/* MAX_POOL_2D, int8: TFLite's reference MaxPool (window clipped at the borders). */
#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_kernels.h"

static void loop(const h7nn_pool_data *op, const int8_t *input, int8_t *output) {
    for (int b = 0; b < op->batches; b++) {
        for (int oy = 0; oy < op->out_h; oy++) {
            int fy_start, fy_end, y0 = h7nn_window_clip(oy, op->stride_h, op->pad_h, op->in_h, op->filter_h, &fy_start, &fy_end);
            for (int ox = 0; ox < op->out_w; ox++) {
                int fx_start, fx_end, x0 = h7nn_window_clip(ox, op->stride_w, op->pad_w, op->in_w, op->filter_w, &fx_start, &fx_end);
                for (int c = 0; c < op->channels; c++) {
                    int32_t max = -128;
                    for (int fy = fy_start; fy < fy_end; fy++)
                        for (int fx = fx_start; fx < fx_end; fx++) {
                            int32_t v = input[((b * op->in_h + y0 + fy) * op->in_w + x0 + fx) * op->channels + c];
                            if (v > max) max = v;
                        }
                    output[((b * op->out_h + oy) * op->out_w + ox) * op->channels + c] =
                        (int8_t)h7nn_clamp(max, op->act_min, op->act_max);
                }
            }
        }
    }
}

H7NN_EVAL_LOOP(loop)

const h7nn_kernel h7nn_ref_max_pool_2d = {H7NN_KERNEL_ID(MAX_POOL_2D), h7nn_pool_prepare, eval};
