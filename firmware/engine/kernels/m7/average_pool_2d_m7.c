/* AVERAGE_POOL_2D, int8, Cortex-M7: four channels per word, summed in two 16-bit lanes
 * pairs by SXTAB16 (one instruction adds two channels), then TFLite's rounded division per
 * channel. Exact while no lane can overflow: a window of at most 255 values of |x| <= 128
 * sums within int16. Other shapes (depth not a multiple of 4, larger windows) run the
 * reference kernel. */
#include "engine/h7nn_quant.h"
#include "engine/kernels/m7/h7nn_m7_common.h"
#include "engine/kernels/m7/h7nn_simd.h"

static int32_t divide_rounded(int32_t acc, int32_t count) {  /* half away from zero */
    return acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const h7nn_pool_data *op = node->op_data;
    if ((op->channels & 3) != 0 || op->filter_h * op->filter_w > 255) return h7nn_ref_average_pool_2d.eval(nn, node);
    const int8_t *input = h7nn_input_data(nn, node, 0);
    int8_t *output = h7nn_output_data(nn, node, 0);
    const int32_t channels = op->channels, row_bytes = op->in_w * channels;
    for (int b = 0; b < op->batches; b++) {
        const int8_t *in_b = input + b * op->in_h * row_bytes;
        for (int oy = 0; oy < op->out_h; oy++) {
            int fy_start, fy_end, y0 = h7nn_window_clip(oy, op->stride_h, op->pad_h, op->in_h, op->filter_h, &fy_start, &fy_end);
            for (int ox = 0; ox < op->out_w; ox++, output += channels) {
                int fx_start, fx_end, x0 = h7nn_window_clip(ox, op->stride_w, op->pad_w, op->in_w, op->filter_w, &fx_start, &fx_end);
                int32_t width = fx_end - fx_start, count = (fy_end - fy_start) * width;
                if (count <= 0) return h7nn_fail(nn, node, H7NN_ERR_RUNTIME, "empty pooling window");
                const int8_t *first = in_b + (y0 + fy_start) * row_bytes + (x0 + fx_start) * channels;
                /* a window as wide as the input is one run of pixels */
                int32_t runs = fy_end - fy_start, run = width;
                if (width == op->in_w) run *= runs, runs = 1;
                for (int32_t c = 0; c < channels; c += 4) {
                    uint32_t even = 0, odd = 0;  /* channels c, c+2 and c+1, c+3 */
                    const int8_t *row = first + c;
                    for (int32_t r = 0; r < runs; r++, row += row_bytes) {
                        const int8_t *p = row;
                        int32_t i = 0;
                        for (; i + 2 <= run; i += 2, p += 2 * channels) {
                            uint32_t w0 = h7nn_read_u32(p), w1 = h7nn_read_u32(p + channels);
                            even = h7nn_sxtab16(h7nn_sxtab16(even, w0), w1);
                            odd = h7nn_sxtab16_ror8(h7nn_sxtab16_ror8(odd, w0), w1);
                        }
                        if (i < run) {
                            uint32_t w0 = h7nn_read_u32(p);
                            even = h7nn_sxtab16(even, w0);
                            odd = h7nn_sxtab16_ror8(odd, w0);
                        }
                    }
                    int32_t sums[4] = {(int16_t)(even & 0xFFFFu), (int16_t)(odd & 0xFFFFu), (int16_t)(even >> 16),
                                       (int16_t)(odd >> 16)};
                    for (int j = 0; j < 4; j++)
                        output[c + j] = (int8_t)h7nn_clamp(divide_rounded(sums[j], count), op->act_min, op->act_max);
                }
            }
        }
    }
    return H7NN_OK;
}

const h7nn_kernel h7nn_m7_average_pool_2d = {H7NN_KERNEL_ID(AVERAGE_POOL_2D), h7nn_pool_prepare, eval};
