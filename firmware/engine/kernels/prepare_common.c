/* The opening checks and the op-data allocation that most kernels' prepare steps share, so
 * each kernel keeps only what is its own, and a model's first error is named the same way
 * by every op (the checks run in one order). */
#include "engine/kernels/h7nn_kernels.h"

void *h7nn_op_data(h7nn_interpreter *nn, h7nn_node *node, size_t bytes) {
    void *op = h7nn_persistent(nn, bytes);
    node->op_data = op;
    return op;
}

static h7nn_status expect(h7nn_interpreter *nn, const h7nn_node *node, const h7nn_tinfo *t, int type) {
    if (type == H7NN_ANY_TYPE) return H7NN_OK;
    if (type == H7NN_INT8_PER_TENSOR) return h7nn_expect_int8_per_tensor(nn, node, t);
    return h7nn_expect_type(nn, node, t, type);
}

h7nn_status h7nn_unary_prepare(h7nn_interpreter *nn, h7nn_node *node, h7nn_tinfo *in, h7nn_tinfo *out) {
    h7nn_status s = h7nn_node_input(nn, node, 0, in);
    if (s == H7NN_OK) s = h7nn_node_output(nn, node, 0, out);
    if (s != H7NN_OK) return s;
    if (in->elements != out->elements)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "input has %u elements, output %u", (unsigned)in->elements,
                         (unsigned)out->elements);
    return H7NN_OK;
}

h7nn_status h7nn_unary_typed_prepare(h7nn_interpreter *nn, h7nn_node *node, h7nn_tinfo *in, int in_type,
                                     h7nn_tinfo *out, int out_type, size_t op_bytes, void **op) {
    h7nn_status s = h7nn_unary_prepare(nn, node, in, out);
    if (s == H7NN_OK) s = expect(nn, node, in, in_type);
    if (s == H7NN_OK) s = expect(nn, node, out, out_type);
    if (s != H7NN_OK) return s;
    *op = h7nn_op_data(nn, node, op_bytes);
    return *op ? H7NN_OK : H7NN_ERR_ARENA;
}

h7nn_status h7nn_int8_io_prepare(h7nn_interpreter *nn, h7nn_node *node, h7nn_tinfo *in, h7nn_tinfo *second,
                                 int second_type, h7nn_tinfo *out) {
    h7nn_status s = h7nn_node_input(nn, node, 0, in);
    if (s == H7NN_OK && second) s = h7nn_node_input(nn, node, 1, second);
    if (s == H7NN_OK) s = h7nn_node_output(nn, node, 0, out);
    if (s == H7NN_OK) s = h7nn_expect_int8_per_tensor(nn, node, in);
    if (s == H7NN_OK) s = h7nn_expect_int8_per_tensor(nn, node, out);
    if (s == H7NN_OK && second) s = expect(nn, node, second, second_type);
    return s;
}

h7nn_status h7nn_const_bias(h7nn_interpreter *nn, h7nn_node *node, int32_t count, const int32_t **bias_data) {
    h7nn_tinfo bias;
    *bias_data = NULL;
    if (!h7nn_node_has_input(node, 2)) return H7NN_OK;
    h7nn_status s = h7nn_node_input(nn, node, 2, &bias);
    if (s == H7NN_OK) s = h7nn_expect_type(nn, node, &bias, H7NN_INT32);
    if (s != H7NN_OK) return s;
    if (!bias.const_data || bias.elements != (uint32_t)count)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "bias must be constant with one value per output channel");
    *bias_data = bias.const_data;
    return H7NN_OK;
}

/* The plan's record of an op (h7nn_plan_export): the requantization constants of CONV_2D,
 * DEPTHWISE_CONV_2D and FULLY_CONNECTED and their M7 kernels' mode (fast_requant). */
int h7nn_op_constants(const h7nn_node *node, int32_t *mode, int32_t *channels, const int32_t **multiplier,
                      const int8_t **shift) {
    *mode = *channels = 0;
    *multiplier = NULL;
    *shift = NULL;
    if (!node->op_data) return 0;
    switch (node->kernel->builtin_code) {
    case H7NN_OP_CONV_2D:
    case H7NN_OP_DEPTHWISE_CONV_2D: {
        const h7nn_conv_data *op = node->op_data;
        *mode = op->fast_requant;
        *channels = op->out_c;
        *multiplier = op->multiplier;
        *shift = op->shift;
        return 1;
    }
    case H7NN_OP_FULLY_CONNECTED: {
        /* the M7 kernel's per-channel constants (repeated for per-tensor weights); the reference
         * kernel keeps its own (no record) */
        const h7nn_fc_data *op = node->op_data;
        if (!op->channel_multiplier) return 0;
        *mode = op->fast_requant;
        *channels = op->out_depth;
        *multiplier = op->channel_multiplier;
        *shift = op->channel_shift;
        return 1;
    }
    }
    return 0;
}
