/* Resolvers holding every kernel the engine has: the host library (Python tools, tests,
 * fuzzing) uses them; firmware uses the resolver generated from its model instead. */
#include "engine/h7nn_all_ops.h"
#include "engine/kernels/h7nn_kernels.h"

#define ALL_OPS(conv, dw, fc, avg_pool)                                                              \
    &conv, &dw, &fc, &avg_pool, &h7nn_ref_max_pool_2d, &h7nn_ref_softmax, &h7nn_ref_reshape, \
    H7NN_MORE_OPS

#define H7NN_MORE_OPS                                                                                 \
    &h7nn_ref_add, &h7nn_ref_mul, &h7nn_ref_relu, &h7nn_ref_relu6, &h7nn_ref_logistic, &h7nn_ref_hard_swish, \
        &h7nn_ref_quantize, &h7nn_ref_dequantize, &h7nn_ref_pad, &h7nn_ref_concatenation, &h7nn_ref_mean, \
        &h7nn_ref_shape, &h7nn_ref_strided_slice, &h7nn_ref_pack

static const h7nn_kernel *const reference_kernels[] = {
    ALL_OPS(h7nn_ref_conv_2d, h7nn_ref_depthwise_conv_2d, h7nn_ref_fully_connected, h7nn_ref_average_pool_2d)};
static const h7nn_kernel *const optimized_kernels[] = {
    ALL_OPS(h7nn_m7_conv_2d, h7nn_m7_depthwise_conv_2d, h7nn_m7_fully_connected, h7nn_m7_average_pool_2d)};

static const h7nn_resolver reference_resolver = {reference_kernels,
                                                 sizeof reference_kernels / sizeof reference_kernels[0]};
static const h7nn_resolver optimized_resolver = {optimized_kernels,
                                                 sizeof optimized_kernels / sizeof optimized_kernels[0]};

const h7nn_resolver *h7nn_all_ops_resolver(int optimized) {
    return optimized ? &optimized_resolver : &reference_resolver;
}

size_t h7nn_interpreter_size(void) { return sizeof(h7nn_interpreter); }
size_t h7nn_tensor_size(void) { return sizeof(h7nn_tensor); }
