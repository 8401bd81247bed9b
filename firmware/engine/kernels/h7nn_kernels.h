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

#include <stddef.h>

#include "engine/h7nn_internal.h"

/* ---- the kernels of the op list (h7nn_ops.def): h7nn_ref_<op> for every op (portable C,
 * the oracle), h7nn_m7_<op> for the ops marked M7 (SIMD through ACLE intrinsics; portable
 * fallbacks on the host). */
#define H7NN_DECLARE_REF(ident)
#define H7NN_DECLARE_M7(ident) extern const h7nn_kernel h7nn_m7_##ident;
#define H7NN_OP(code, NAME, ident, kernels, options) extern const h7nn_kernel h7nn_ref_##ident; H7NN_DECLARE_##kernels(ident)
#include "engine/h7nn_ops.def"
#undef H7NN_DECLARE_REF
#undef H7NN_DECLARE_M7

/* The build's kernel for an op marked M7 (the generated resolvers name it): the M7 kernel,
 * or the reference kernel with kernels=reference (H7NN_REFERENCE_KERNELS). */
#ifdef H7NN_REFERENCE_KERNELS
#define H7NN_KERNEL_M7(ident) h7nn_ref_##ident
#else
#define H7NN_KERNEL_M7(ident) h7nn_m7_##ident
#endif

/* The eval of a kernel whose work is one pass over its op data, first input and first output:
 * the kernel writes `static void loop(const T *op, const in_t *in, out_t *out)`, this macro
 * the kernel entry point around it. */
#define H7NN_EVAL_LOOP(loop)                                                               \
    static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {                  \
        loop(node->op_data, h7nn_input_data(nn, node, 0), h7nn_output_data(nn, node, 0));   \
        return H7NN_OK;                                                                    \
    }

/* ---- CONV_2D and DEPTHWISE_CONV_2D share their constants (kernels/conv_common.c) */
typedef struct {
    int32_t batches, in_h, in_w, in_c, out_h, out_w, out_c;
    int32_t filter_h, filter_w;
    int32_t stride_h, stride_w, dilation_h, dilation_w, pad_h, pad_w;
    int32_t depth_multiplier;
    int32_t input_offset, output_offset, act_min, act_max;
    const int8_t *filter;     /* OHWI (conv) or 1HW(I*M) (depthwise), in the model */
    const int32_t *bias;      /* per output channel, or NULL */
    const int32_t *multiplier;  /* per output channel: after the struct, or in the plan */
    const int8_t *shift;        /* (int8: constants are 5 bytes per channel) */
    int32_t fast_requant;     /* M7: the short requantization is exact for this op */
} h7nn_conv_data;
/* Its bytes without tail padding (the per-channel constants follow there) and its pointers:
 * 84 bytes + 4 pointers on every target, so the host's plan gives the firmware's arena
 * (h7nn_persistent_struct). */
#define H7NN_CONV_DATA_BYTES (offsetof(h7nn_conv_data, fast_requant) + sizeof(int32_t))
#define H7NN_CONV_DATA_POINTERS 4u
_Static_assert(H7NN_CONV_DATA_BYTES - H7NN_CONV_DATA_POINTERS * sizeof(void *) == 84u,
               "h7nn_conv_data: 84 bytes of int32 fields + 4 pointers");

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
    const int32_t *channel_multiplier;  /* ... or per output channel (NULL when per tensor; in the plan) */
    const int8_t *channel_shift;
    int32_t fast_requant;               /* M7: the short requantization is exact for this op */
} h7nn_fc_data;
#define H7NN_FC_DATA_BYTES (offsetof(h7nn_fc_data, fast_requant) + sizeof(int32_t))
#define H7NN_FC_DATA_POINTERS 4u
_Static_assert(H7NN_FC_DATA_BYTES - H7NN_FC_DATA_POINTERS * sizeof(void *) == 44u,
               "h7nn_fc_data: 44 bytes of int32 fields + 4 pointers");

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

/* Allocates op (node->op_data), checks two int8 inputs and an int8 output that broadcast,
 * fills the shape, zero-point offsets and fused activation range of op. */
h7nn_status h7nn_binary_prepare(h7nn_interpreter *nn, h7nn_node *node, h7nn_binary_data **op,
                                h7nn_tinfo *in1, h7nn_tinfo *in2, h7nn_tinfo *out);
/* Calls fn(op, a, b) -> int8 for every output element, in order. */
void h7nn_binary_broadcast(const h7nn_binary_data *op, const int8_t *in1, const int8_t *in2, int8_t *out,
                           int8_t (*fn)(const h7nn_binary_data *op, int32_t a, int32_t b));
/* ADD's prepare (its rescaling constants) and reference eval, which the M7 kernel reuses. */
h7nn_status h7nn_add_prepare(h7nn_interpreter *nn, h7nn_node *node);
h7nn_status h7nn_add_eval_reference(h7nn_interpreter *nn, const h7nn_node *node);
/* The eval of ADD and MUL: h7nn_binary_broadcast of the node's tensors with the op's fn. */
#define H7NN_BINARY_EVAL(fn)                                                                              \
    static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {                                 \
        h7nn_binary_broadcast(node->op_data, h7nn_input_data(nn, node, 0), h7nn_input_data(nn, node, 1), \
                              h7nn_output_data(nn, node, 0), fn);                                        \
        return H7NN_OK;                                                                                   \
    }

/* ---- MEAN (kernels/reference/mean.c prepares it; the M7 kernel reads the same constants) */
typedef struct {
    int32_t dims[4], reduce[4];
    int32_t count;  /* elements per output */
    int32_t same_quantization, input_zero_point, output_zero_point, multiplier, shift;
} h7nn_mean_data;

/* ---- the prepare steps most kernels share (kernels/prepare_common.c) */
/* Op data of `bytes` from the arena (h7nn_persistent), set as node->op_data; NULL when the
 * arena is too small (return H7NN_ERR_ARENA). */
void *h7nn_op_data(h7nn_interpreter *nn, h7nn_node *node, size_t bytes);
/* Same element count for a one-input, one-output op. */
h7nn_status h7nn_unary_prepare(h7nn_interpreter *nn, h7nn_node *node, h7nn_tinfo *in, h7nn_tinfo *out);
/* Types to check in the helpers below besides h7nn_type (h7nn_expect_type): int8 with one
 * scale and zero point (h7nn_expect_int8_per_tensor), or none (the kernel checks the tensor). */
#define H7NN_INT8_PER_TENSOR (-2)
#define H7NN_ANY_TYPE (-1)
/* h7nn_unary_prepare, the input's and the output's types, then op_bytes of op data
 * (h7nn_op_data) in *op. */
h7nn_status h7nn_unary_typed_prepare(h7nn_interpreter *nn, h7nn_node *node, h7nn_tinfo *in, int in_type,
                                     h7nn_tinfo *out, int out_type, size_t op_bytes, void **op);
#define h7nn_unary_int8_prepare(nn, node, in, out, op) \
    h7nn_unary_typed_prepare(nn, node, in, H7NN_INT8_PER_TENSOR, out, H7NN_INT8_PER_TENSOR, sizeof **(op), (void **)(op))
/* Input 0 and output 0, int8 with one scale each, and (when second is not NULL) input 1 of
 * second_type: the opening of the int8 ops with a constant second input (weights, axes,
 * paddings) or none. */
h7nn_status h7nn_int8_io_prepare(h7nn_interpreter *nn, h7nn_node *node, h7nn_tinfo *in, h7nn_tinfo *second,
                                 int second_type, h7nn_tinfo *out);
/* The optional bias (input 2) of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: constant
 * int32, `count` values (one per output channel); *bias_data is NULL when absent. */
h7nn_status h7nn_const_bias(h7nn_interpreter *nn, h7nn_node *node, int32_t count, const int32_t **bias_data);

/* The part [*start, *end) of a pooling window that lies inside the input along one axis
 * (TFLite's pools clip the window at the borders), for output position o; returns the
 * window's first input position (negative in the leading padding). */
static inline int h7nn_window_clip(int o, int stride, int pad, int in, int filter, int *start, int *end) {
    int first = o * stride - pad;
    *start = first < 0 ? -first : 0;
    *end = in - first < filter ? in - first : filter;
    return first;
}

#endif /* H7NN_KERNELS_H */
