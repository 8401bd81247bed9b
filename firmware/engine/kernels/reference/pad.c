/* PAD, int8, up to 4-D: the input copied into an output filled with the output zero point
 * (TFLite pads with the quantized 0). The paddings tensor must be constant. */
#include <string.h>

#include "engine/kernels/h7nn_kernels.h"

typedef struct {
    int32_t in_dims[4], before[4], out_dims[4];
    int32_t pad_value;
} pad_data;

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo in, paddings, out;
    h7nn_status s = h7nn_int8_io_prepare(nn, node, &in, &paddings, H7NN_INT32, &out);
    if (s != H7NN_OK) return s;
    if (in.rank > 4 || out.rank != in.rank || !paddings.const_data || paddings.elements != 2u * (uint32_t)in.rank)
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "needs constant paddings of a tensor of rank <= 4");
    if (in.scale != out.scale || in.zero_point != out.zero_point)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "input and output quantization differ");
    pad_data *op = h7nn_op_data(nn, node, sizeof *op);
    if (!op) return H7NN_ERR_ARENA;
    const int32_t *p = paddings.const_data;
    int lead = 4 - in.rank;
    for (int d = 0; d < 4; d++) {
        int k = d - lead;
        op->in_dims[d] = k >= 0 ? in.dims[k] : 1;
        op->before[d] = k >= 0 ? p[2 * k] : 0;
        int32_t after = k >= 0 ? p[2 * k + 1] : 0;
        op->out_dims[d] = k >= 0 ? out.dims[k] : 1;
        if (op->before[d] < 0 || after < 0 || (int64_t)op->in_dims[d] + op->before[d] + after != op->out_dims[d])
            return h7nn_fail(nn, node, H7NN_ERR_MODEL, "paddings do not match the output shape");
    }
    op->pad_value = out.zero_point;
    return H7NN_OK;
}

static void loop(const pad_data *op, const int8_t *in, int8_t *out) {
    const int32_t *od = op->out_dims;
    memset(out, op->pad_value, (size_t)od[0] * od[1] * od[2] * od[3]);
    for (int a = 0; a < op->in_dims[0]; a++)
        for (int b = 0; b < op->in_dims[1]; b++)
            for (int c = 0; c < op->in_dims[2]; c++) {
                int8_t *dst = out + (((a + op->before[0]) * od[1] + b + op->before[1]) * od[2] + c + op->before[2]) * od[3] +
                              op->before[3];
                memcpy(dst, in, (size_t)op->in_dims[3]);
                in += op->in_dims[3];
            }
}

H7NN_EVAL_LOOP(loop)

const h7nn_kernel h7nn_ref_pad = {H7NN_KERNEL_ID(PAD), prepare, eval};
