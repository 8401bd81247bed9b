/* SHAPE: the input's dimensions as int32 (known when the model is loaded: shapes are static). */
#include <string.h>

#include "engine/kernels/h7nn_kernels.h"

typedef struct {
    int32_t rank, dims[H7NN_MAX_DIMS];
} shape_data;

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo in, out;
    h7nn_status s = h7nn_node_input(nn, node, 0, &in);
    if (s == H7NN_OK) s = h7nn_node_output(nn, node, 0, &out);
    if (s == H7NN_OK) s = h7nn_expect_type(nn, node, &out, H7NN_INT32);
    if (s != H7NN_OK) return s;
    if (out.elements != (uint32_t)in.rank) return h7nn_fail(nn, node, H7NN_ERR_MODEL, "output size is not the input rank");
    shape_data *op = h7nn_persistent(nn, sizeof *op);
    if (!op) return H7NN_ERR_ARENA;
    op->rank = in.rank;
    memcpy(op->dims, in.dims, sizeof op->dims);
    node->op_data = op;
    return H7NN_OK;
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const shape_data *op = node->op_data;
    memcpy(h7nn_output_data(nn, node, 0), op->dims, 4u * (uint32_t)op->rank);
    return H7NN_OK;
}

const h7nn_kernel h7nn_ref_shape = {H7NN_KERNEL_ID(SHAPE), prepare, eval};
