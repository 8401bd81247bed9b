/* MEAN, int8, Cortex-M7: the mean over the middle axes of [1, H, W, C] (Keras's
 * GlobalAveragePooling2D; the keyword models' mean over time) with C a multiple of 4: four
 * channels per word summed in two 16-bit lane pairs by SXTAB16 (one instruction adds two
 * channels), moved to int32 every 255 pixels (|x| <= 128: a lane holds 255 values), then the
 * reference kernel's arithmetic on the same integer sum per channel (C division, or TFLite's
 * QuantizedMeanOrSum rescaling). Other axes and depths run the reference kernel. Streaming
 * inference runs this op every hop on the whole window (engine/h7nn_stream.h): the
 * reference's generic four-deep index loop cost ~63 instructions per value. */
#include "engine/h7nn_quant.h"
#include "engine/kernels/m7/h7nn_m7_common.h"
#include "engine/kernels/m7/h7nn_simd.h"

static int fast_shape(const h7nn_mean_data *op) {
    return op->dims[0] == 1 && !op->reduce[0] && op->reduce[1] && op->reduce[2] && !op->reduce[3] &&
           (op->dims[3] & 3) == 0;
}

static int8_t finish(const h7nn_mean_data *op, int32_t sum) {
    int32_t v = op->same_quantization
                    ? sum / op->count
                    : h7nn_add_wrap(h7nn_mbqm(sum - op->input_zero_point * op->count, op->multiplier, op->shift),
                                    op->output_zero_point);
    return (int8_t)h7nn_clamp(v, -128, 127);
}

static inline int32_t lo16(uint32_t x) { return (int32_t)(int16_t)(x & 0xFFFFu); }
static inline int32_t hi16(uint32_t x) { return (int32_t)x >> 16; }

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const h7nn_mean_data *op = node->op_data;
    if (!fast_shape(op)) return h7nn_ref_mean.eval(nn, node);
    const int8_t *input = h7nn_input_data(nn, node, 0);
    int8_t *output = h7nn_output_data(nn, node, 0);
    const int32_t channels = op->dims[3], pixels = op->dims[1] * op->dims[2];
    for (int32_t c = 0; c < channels; c += 4) {
        int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        const int8_t *p = input + c;
        for (int32_t done = 0; done < pixels;) {
            int32_t n = pixels - done < 255 ? pixels - done : 255;
            uint32_t even = 0, odd = 0;  /* channels c, c+2 and c+1, c+3 */
            int32_t i = 0;
            for (; i + 2 <= n; i += 2, p += 2 * channels) {
                uint32_t w0 = h7nn_read_u32(p), w1 = h7nn_read_u32(p + channels);
                even = h7nn_sxtab16(h7nn_sxtab16(even, w0), w1);
                odd = h7nn_sxtab16_ror8(h7nn_sxtab16_ror8(odd, w0), w1);
            }
            if (i < n) {
                uint32_t w0 = h7nn_read_u32(p);
                even = h7nn_sxtab16(even, w0);
                odd = h7nn_sxtab16_ror8(odd, w0);
                p += channels;
            }
            s0 += lo16(even), s2 += hi16(even), s1 += lo16(odd), s3 += hi16(odd);
            done += n;
        }
        output[c] = finish(op, s0);
        output[c + 1] = finish(op, s1);
        output[c + 2] = finish(op, s2);
        output[c + 3] = finish(op, s3);
    }
    return H7NN_OK;
}

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) { return h7nn_ref_mean.prepare(nn, node); }

const h7nn_kernel h7nn_m7_mean = {H7NN_KERNEL_ID(MEAN), prepare, eval};
