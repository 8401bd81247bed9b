/* CONCATENATION, int8: inputs copied side by side along the axis. TFLite's converter gives
 * every input the output's quantization; a model that does not is rejected. */
#include <string.h>

#include "engine/kernels/h7nn_kernels.h"

enum { CONCAT_AXIS = 0, CONCAT_ACTIVATION = 1 };

typedef struct {
    int32_t outer, inputs, out_chunk;
    int32_t chunk[];  /* bytes each input contributes per outer step */
} concat_data;

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo out, in;
    h7nn_status s = h7nn_node_output(nn, node, 0, &out);
    if (s == H7NN_OK) s = h7nn_expect_int8_per_tensor(nn, node, &out);
    if (s != H7NN_OK) return s;
    int axis = h7nn_opt_i32(nn, node, CONCAT_AXIS, 0);
    if (axis < 0) axis += out.rank;
    if (axis < 0 || axis >= out.rank) return h7nn_fail(nn, node, H7NN_ERR_MODEL, "axis out of range");
    if (h7nn_opt_u8(nn, node, CONCAT_ACTIVATION, 0) != H7NN_ACT_NONE)
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "fused activation");
    if (node->input_count < 1) return h7nn_fail(nn, node, H7NN_ERR_MODEL, "no inputs");
    concat_data *op = h7nn_persistent(nn, sizeof *op + 4u * node->input_count);
    if (!op) return H7NN_ERR_ARENA;
    op->inputs = node->input_count;
    op->outer = 1;
    for (int d = 0; d < axis; d++) op->outer *= out.dims[d];
    int32_t inner = 1, along = 0;
    for (int d = axis + 1; d < out.rank; d++) inner *= out.dims[d];
    for (int k = 0; k < node->input_count; k++) {
        s = h7nn_node_input(nn, node, k, &in);
        if (s == H7NN_OK) s = h7nn_expect_int8_per_tensor(nn, node, &in);
        if (s != H7NN_OK) return s;
        if (in.rank != out.rank) return h7nn_fail(nn, node, H7NN_ERR_MODEL, "input %d has another rank", k);
        for (int d = 0; d < out.rank; d++)
            if (d != axis && in.dims[d] != out.dims[d])
                return h7nn_fail(nn, node, H7NN_ERR_MODEL, "input %d does not match the output shape", k);
        if (in.scale != out.scale || in.zero_point != out.zero_point)
            return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "input %d has another quantization than the output", k);
        op->chunk[k] = in.dims[axis] * inner;
        along += in.dims[axis];
    }
    if (along != out.dims[axis]) return h7nn_fail(nn, node, H7NN_ERR_MODEL, "inputs do not add up to the output");
    op->out_chunk = along * inner;
    node->op_data = op;
    return H7NN_OK;
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const concat_data *op = node->op_data;
    int8_t *out = h7nn_output_data(nn, node, 0);
    int32_t offset = 0;
    for (int k = 0; k < op->inputs; k++) {
        const int8_t *in = h7nn_input_data(nn, node, k);
        for (int32_t o = 0; o < op->outer; o++)
            memcpy(out + o * op->out_chunk + offset, in + o * op->chunk[k], (size_t)op->chunk[k]);
        offset += op->chunk[k];
    }
    return H7NN_OK;
}

const h7nn_kernel h7nn_ref_concatenation = {H7NN_KERNEL_ID(CONCATENATION), prepare, eval};
