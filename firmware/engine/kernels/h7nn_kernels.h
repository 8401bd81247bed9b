/* Kernel registrations and the constants each op prepares once (in the arena).
 *
 * Every op has a reference kernel in kernels/reference/<op>.c (portable C, the oracle that
 * follows TFLite's reference kernels bit for bit); ops that matter for speed also have a
 * Cortex-M7 kernel in kernels/m7/<op>.c. The build picks one per op: h7nn_kernel_<op> is the
 * M7 kernel unless H7NN_REFERENCE_KERNELS is defined. Both always compile, so host tests can
 * compare them; the linker drops whichever the resolver does not name.
 */
#ifndef H7NN_KERNELS_H
#define H7NN_KERNELS_H

#include "engine/h7nn_internal.h"

/* ---- reference kernels (every op) */
extern const h7nn_kernel h7nn_ref_conv_2d;
extern const h7nn_kernel h7nn_ref_depthwise_conv_2d;
extern const h7nn_kernel h7nn_ref_fully_connected;
extern const h7nn_kernel h7nn_ref_average_pool_2d;
extern const h7nn_kernel h7nn_ref_max_pool_2d;
extern const h7nn_kernel h7nn_ref_softmax;
extern const h7nn_kernel h7nn_ref_reshape;
extern const h7nn_kernel h7nn_ref_add;
extern const h7nn_kernel h7nn_ref_mul;
extern const h7nn_kernel h7nn_ref_relu;
extern const h7nn_kernel h7nn_ref_relu6;
extern const h7nn_kernel h7nn_ref_logistic;
extern const h7nn_kernel h7nn_ref_hard_swish;
extern const h7nn_kernel h7nn_ref_quantize;
extern const h7nn_kernel h7nn_ref_dequantize;
extern const h7nn_kernel h7nn_ref_pad;
extern const h7nn_kernel h7nn_ref_concatenation;
extern const h7nn_kernel h7nn_ref_mean;
extern const h7nn_kernel h7nn_ref_shape;
extern const h7nn_kernel h7nn_ref_strided_slice;
extern const h7nn_kernel h7nn_ref_pack;

/* ---- Cortex-M7 kernels (SIMD through ACLE intrinsics; portable fallbacks on the host) */
extern const h7nn_kernel h7nn_m7_conv_2d;
extern const h7nn_kernel h7nn_m7_depthwise_conv_2d;
extern const h7nn_kernel h7nn_m7_fully_connected;
extern const h7nn_kernel h7nn_m7_average_pool_2d;

#ifdef H7NN_REFERENCE_KERNELS
#define h7nn_kernel_conv_2d h7nn_ref_conv_2d
#define h7nn_kernel_depthwise_conv_2d h7nn_ref_depthwise_conv_2d
#define h7nn_kernel_fully_connected h7nn_ref_fully_connected
#define h7nn_kernel_average_pool_2d h7nn_ref_average_pool_2d
#else
#define h7nn_kernel_conv_2d h7nn_m7_conv_2d
#define h7nn_kernel_depthwise_conv_2d h7nn_m7_depthwise_conv_2d
#define h7nn_kernel_fully_connected h7nn_m7_fully_connected
#define h7nn_kernel_average_pool_2d h7nn_m7_average_pool_2d
#endif
#define h7nn_kernel_max_pool_2d h7nn_ref_max_pool_2d
#define h7nn_kernel_softmax h7nn_ref_softmax
#define h7nn_kernel_reshape h7nn_ref_reshape
#define h7nn_kernel_add h7nn_ref_add
#define h7nn_kernel_mul h7nn_ref_mul
#define h7nn_kernel_relu h7nn_ref_relu
#define h7nn_kernel_relu6 h7nn_ref_relu6
#define h7nn_kernel_logistic h7nn_ref_logistic
#define h7nn_kernel_hard_swish h7nn_ref_hard_swish
#define h7nn_kernel_quantize h7nn_ref_quantize
#define h7nn_kernel_dequantize h7nn_ref_dequantize
#define h7nn_kernel_pad h7nn_ref_pad
#define h7nn_kernel_concatenation h7nn_ref_concatenation
#define h7nn_kernel_mean h7nn_ref_mean
#define h7nn_kernel_shape h7nn_ref_shape
#define h7nn_kernel_strided_slice h7nn_ref_strided_slice
#define h7nn_kernel_pack h7nn_ref_pack

/* ---- CONV_2D and DEPTHWISE_CONV_2D share their constants (kernels/conv_common.c) */
typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c;
    int32_t filter_h, filter_w;
    int32_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
    int32_t depth_multiplier;
    int32_t input_offset, output_offset, act_min, act_max;
    const int8_t *filter;     /* OHWI (conv) or 1HW(I*M) (depthwise), in the model */
    const int32_t *bias;      /* per output channel, or NULL */
    int32_t *multiplier;      /* per output channel */
    int8_t *shift;            /* (int8: constants are 5 bytes per channel) */
    int32_t fast_requant;     /* M7: the short requantization is exact for this op */
} h7nn_conv_data;

h7nn_status h7nn_conv_prepare_common(h7nn_interpreter *nn, h7nn_node *node, int depthwise);
h7nn_status h7nn_conv_2d_eval_reference(h7nn_interpreter *nn, const h7nn_node *node);
h7nn_status h7nn_depthwise_conv_2d_eval_reference(h7nn_interpreter *nn, const h7nn_node *node);

/* ---- FULLY_CONNECTED */
typedef struct {
    int32_t batches, accum_depth, out_depth;
    int32_t input_offset, filter_offset, output_offset, act_min, act_max;
    const int8_t *filter;     /* [out_depth][accum_depth] */
    const int32_t *bias;
    int32_t multiplier, shift;          /* per tensor ... */
    int32_t *channel_multiplier;        /* ... or per output channel (NULL when per tensor) */
    int8_t *channel_shift;
    int32_t fast_requant;               /* M7: the short requantization is exact for this op */
} h7nn_fc_data;

h7nn_status h7nn_fully_connected_prepare(h7nn_interpreter *nn, h7nn_node *node);
h7nn_status h7nn_fully_connected_eval_reference(h7nn_interpreter *nn, const h7nn_node *node);

/* ---- AVERAGE_POOL_2D and MAX_POOL_2D (kernels/pool_common.c) */
typedef struct {
    int32_t batches, in_h, in_w, channels, out_h, out_w;
    int32_t filter_h, filter_w, stride_h, stride_w, pad_h, pad_w;
    int32_t act_min, act_max;
} h7nn_pool_data;

h7nn_status h7nn_pool_prepare(h7nn_interpreter *nn, h7nn_node *node);

/* ---- ADD and MUL: broadcasting over up to 6 dimensions (kernels/elementwise_common.c) */
typedef struct {
    int32_t rank, count;
    int32_t dims[H7NN_MAX_DIMS], stride1[H7NN_MAX_DIMS], stride2[H7NN_MAX_DIMS];
    int32_t in1_offset, in2_offset, out_offset, left_shift;
    int32_t in1_mult, in1_shift, in2_mult, in2_shift, out_mult, out_shift;
    int32_t act_min, act_max;
} h7nn_binary_data;

/* Checks two int8 inputs and an int8 output that broadcast, fills the shape part of op. */
h7nn_status h7nn_binary_prepare_shapes(h7nn_interpreter *nn, h7nn_node *node, h7nn_binary_data *op,
                                       h7nn_tinfo *in1, h7nn_tinfo *in2, h7nn_tinfo *out);
/* Calls fn(op, a, b) -> int8 for every output element, in order. */
void h7nn_binary_broadcast(const h7nn_binary_data *op, const int8_t *in1, const int8_t *in2, int8_t *out,
                           int8_t (*fn)(const h7nn_binary_data *op, int32_t a, int32_t b));
/* Same element count and (optionally) type for a one-input, one-output op. */
h7nn_status h7nn_unary_prepare(h7nn_interpreter *nn, h7nn_node *node, h7nn_tinfo *in, h7nn_tinfo *out);

#endif /* H7NN_KERNELS_H */
