/* MEAN, int8, over any axes of a tensor of rank <= 4. As TFLite Micro: with the input's own
 * quantization on the output the integer sum is divided by the count (C division); otherwise
 * the sum, less the zero points, is rescaled by input_scale / output_scale / count folded
 * into one quantized multiplier (QuantizedMeanOrSum). */
#include "engine/h7nn_quant.h"
#include "engine/kernels/h7nn_kernels.h"

typedef h7nn_mean_data mean_data;  /* shared with the M7 kernel (h7nn_kernels.h) */

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo in, axes, out;
    h7nn_status s = h7nn_int8_io_prepare(nn, node, &in, &axes, H7NN_INT32, &out);
    if (s != H7NN_OK) return s;
    if (in.rank > 4 || !axes.const_data) return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "needs rank <= 4 and constant axes");
    mean_data *op = h7nn_op_data(nn, node, sizeof *op);
    if (!op) return H7NN_ERR_ARENA;
    int lead = 4 - in.rank;
    for (int d = 0; d < 4; d++) op->dims[d] = d >= lead ? in.dims[d - lead] : 1;
    const int32_t *a = axes.const_data;
    for (uint32_t i = 0; i < axes.elements; i++) {
        int32_t ax = a[i] < 0 ? a[i] + in.rank : a[i];
        if (ax < 0 || ax >= in.rank) return h7nn_fail(nn, node, H7NN_ERR_MODEL, "axis %d out of range", (int)a[i]);
        op->reduce[ax + lead] = 1;
    }
    op->count = 1;
    uint32_t outputs = 1;
    for (int d = 0; d < 4; d++) {
        if (op->reduce[d]) op->count *= op->dims[d];
        else outputs *= (uint32_t)op->dims[d];
    }
    if (outputs != out.elements) return h7nn_fail(nn, node, H7NN_ERR_MODEL, "output size does not match the axes");
    if (op->count <= 0) return h7nn_fail(nn, node, H7NN_ERR_MODEL, "empty reduction");
    if (op->count > (1 << 23)) return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "more than 2^23 values per mean");
    op->same_quantization = in.scale == out.scale && in.zero_point == out.zero_point;
    op->input_zero_point = in.zero_point;
    op->output_zero_point = out.zero_point;
    int shift;
    int32_t multiplier;
    h7nn_quantize_multiplier((double)in.scale / (double)out.scale, &multiplier, &shift);
    /* fold 1/count into the multiplier, as QuantizedMeanOrSum does */
    int bits = 0;
    while (bits < 63 && ((uint64_t)op->count >> (bits + 1))) bits++;
    if (bits > 32) bits = 32;
    if (bits > 31 + shift) bits = 31 + shift;
    op->multiplier = (int32_t)(((int64_t)multiplier << bits) / op->count);
    op->shift = shift - bits;
    return H7NN_OK;
}

static void loop(const mean_data *op, const int8_t *in, int8_t *out) {
    const int32_t *d = op->dims;
    int32_t n[4];  /* loop extent per dim: outputs iterate kept dims, the inner loop reduced ones */
    for (int i = 0; i < 4; i++) n[i] = op->reduce[i] ? 1 : d[i];
    for (int32_t a = 0; a < n[0]; a++)
        for (int32_t b = 0; b < n[1]; b++)
            for (int32_t c = 0; c < n[2]; c++)
                for (int32_t e = 0; e < n[3]; e++) {
                    int32_t sum = 0;
                    for (int32_t ra = 0; ra < (op->reduce[0] ? d[0] : 1); ra++)
                        for (int32_t rb = 0; rb < (op->reduce[1] ? d[1] : 1); rb++)
                            for (int32_t rc = 0; rc < (op->reduce[2] ? d[2] : 1); rc++)
                                for (int32_t re = 0; re < (op->reduce[3] ? d[3] : 1); re++)
                                    sum += in[(((a + ra) * d[1] + b + rb) * d[2] + c + rc) * d[3] + e + re];
                    int32_t v;
                    if (op->same_quantization) {
                        v = sum / op->count;
                    } else {
                        v = h7nn_add_wrap(h7nn_mbqm(sum - op->input_zero_point * op->count, op->multiplier, op->shift), op->output_zero_point);
                    }
                    *out++ = (int8_t)h7nn_clamp(v, -128, 127);
                }
}

H7NN_EVAL_LOOP(loop)

const h7nn_kernel h7nn_ref_mean = {H7NN_KERNEL_ID(MEAN), prepare, eval};
