/* PACK: N same-shaped inputs stacked along a new axis (any element type; the converter
 * emits it for shape arithmetic, and for stacking int8 tensors of one quantization). */
#include <string.h>

#include "engine/kernels/h7nn_kernels.h"

enum { PACK_VALUES_COUNT = 0, PACK_AXIS = 1 };

typedef struct {
    int32_t inputs, outer, chunk;  /* chunk: bytes per input per outer step */
} pack_data;

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo first, in, out;
    h7nn_status s = h7nn_node_input(nn, node, 0, &first);
    if (s == H7NN_OK) s = h7nn_node_output(nn, node, 0, &out);
    if (s != H7NN_OK) return s;
    int axis = h7nn_opt_i32(nn, node, PACK_AXIS, 0);
    if (axis < 0) axis += first.rank + 1;
    if (axis < 0 || axis > first.rank) return h7nn_fail(nn, node, H7NN_ERR_MODEL, "axis out of range");
    for (int k = 0; k < node->input_count; k++) {
        s = h7nn_node_input(nn, node, k, &in);
        if (s != H7NN_OK) return s;
        if (in.type != out.type || in.elements != first.elements || in.rank != first.rank)
            return h7nn_fail(nn, node, H7NN_ERR_MODEL, "input %d differs in type or shape", k);
        if (in.type == H7NN_INT8 && (in.scale != out.scale || in.zero_point != out.zero_point))
            return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "input %d has another quantization", k);
    }
    if (out.elements != first.elements * node->input_count)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "output size is not inputs x input size");
    pack_data *op = h7nn_persistent(nn, sizeof *op);
    if (!op) return H7NN_ERR_ARENA;
    op->inputs = node->input_count;
    op->outer = 1;
    for (int d = 0; d < axis; d++) op->outer *= first.dims[d];
    op->chunk = op->outer ? (int32_t)(first.bytes / (uint32_t)op->outer) : 0;
    node->op_data = op;
    return H7NN_OK;
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const pack_data *op = node->op_data;
    uint8_t *out = h7nn_output_data(nn, node, 0);
    for (int32_t o = 0; o < op->outer; o++)
        for (int k = 0; k < op->inputs; k++) {
            const uint8_t *in = h7nn_input_data(nn, node, k);
            memcpy(out, in + (size_t)o * op->chunk, (size_t)op->chunk);
            out += op->chunk;
        }
    return H7NN_OK;
}

const h7nn_kernel h7nn_ref_pack = {H7NN_KERNEL_ID(PACK), prepare, eval};
