/* RESHAPE: the data are unchanged; only the shape (from the model) differs. */
#include <string.h>

#include "engine/kernels/h7nn_kernels.h"

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo input, output;
    h7nn_status s = h7nn_node_input(nn, node, 0, &input);
    if (s == H7NN_OK) s = h7nn_node_output(nn, node, 0, &output);
    if (s != H7NN_OK) return s;
    if (input.type != output.type || input.bytes != output.bytes)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "input (%u bytes, %s) and output (%u bytes, %s) differ",
                         (unsigned)input.bytes, h7nn_type_name(input.type), (unsigned)output.bytes,
                         h7nn_type_name(output.type));
    uint32_t *bytes = h7nn_persistent(nn, sizeof *bytes);
    if (!bytes) return H7NN_ERR_ARENA;
    *bytes = output.bytes;
    node->op_data = bytes;
    return H7NN_OK;
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const void *in = h7nn_input_data(nn, node, 0);
    void *out = h7nn_output_data(nn, node, 0);
    if (in != out) memmove(out, in, *(const uint32_t *)node->op_data);
    return H7NN_OK;
}

const h7nn_kernel h7nn_ref_reshape = {H7NN_KERNEL_ID(RESHAPE), prepare, eval};
