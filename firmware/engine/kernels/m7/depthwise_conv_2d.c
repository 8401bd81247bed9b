/* DEPTHWISE_CONV_2D, int8, Cortex-M7. */
#include "engine/h7nn_quant.h"
#include "engine/kernels/m7/h7nn_m7_common.h"

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    return h7nn_conv_prepare_common(nn, node, 1);
}

const h7nn_kernel h7nn_m7_depthwise_conv_2d = {H7NN_OP_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", prepare,
                                               h7nn_depthwise_conv_2d_eval_reference};
