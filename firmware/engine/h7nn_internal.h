/* What kernels and the interpreter share: tensor descriptions read from the verified
 * model, arena allocation, error reporting, op codes. Not part of the public API. */
#ifndef H7NN_INTERNAL_H
#define H7NN_INTERNAL_H

#include "engine/h7nn.h"
#include "engine/h7nn_flatbuffer.h"

/* TFLite BuiltinOperator values of the ops the engine runs (h7nn_ops.def). */
enum {
#define H7NN_OP(code, NAME, ident, kernels, options) H7NN_OP_##NAME = code,
#include "engine/h7nn_ops.def"
    H7NN_OP_CUSTOM = 32,
};
/* The BuiltinOptions type each op takes (op list). */
enum {
#define H7NN_OP(code, NAME, ident, kernels, options) H7NN_OPTIONS_##NAME = options,
#include "engine/h7nn_ops.def"
};
/* A kernel's code, name and options type, from the op list:
 * {H7NN_KERNEL_ID(CONV_2D), prepare, eval}. */
#define H7NN_KERNEL_ID(NAME) H7NN_OP_##NAME, #NAME, H7NN_OPTIONS_##NAME

/* Fused activation (ActivationFunctionType). */
enum { H7NN_ACT_NONE = 0, H7NN_ACT_RELU = 1, H7NN_ACT_RELU_N1_TO_1 = 2, H7NN_ACT_RELU6 = 3 };
enum { H7NN_PADDING_SAME = 0, H7NN_PADDING_VALID = 1 };

/* A tensor as the model describes it (read from the verified flatbuffer). */
typedef struct {
    int index;
    int type;
    int rank;
    int32_t dims[H7NN_MAX_DIMS];
    uint32_t elements;
    uint32_t bytes;
    float scale;               /* first scale, 0 if none */
    int32_t zero_point;        /* first zero point */
    const float *scales;       /* all scales (per-channel), in the model; NULL if none */
    uint32_t scale_count;
    int quantized_dimension;
    const uint32_t *zero_points;  /* int64 each (two words), in the model; NULL if none */
    uint32_t zero_point_count;
    const void *const_data;    /* constant data in the model, NULL for activations */
} h7nn_tinfo;

static inline h7nn_fb h7nn_model_fb(const h7nn_interpreter *nn) {
    h7nn_fb fb = {nn->model, (uint32_t)nn->model_size};
    return fb;
}

/* Reads and checks tensor_index's description. Of a per-channel quantization only the first
 * scale and zero point are checked here (init reads every tensor; most per-channel scales are
 * never used on the board: the plan holds their multipliers): the prepare steps that read the
 * others check them (h7nn_scale_ok, h7nn_zero_points_all_zero). */
h7nn_status h7nn_tensor_info(h7nn_interpreter *nn, int tensor_index, h7nn_tinfo *info);
/* A quantization scale the engine takes: >= 0 (or -0) and finite. */
static inline int h7nn_scale_ok(float scale) {
    uint32_t bits;
    memcpy(&bits, &scale, 4);
    return bits < 0x7F800000u || bits == 0x80000000u;
}
/* Every zero point of t is 0 (symmetric weights). */
uint32_t h7nn_or_words(const uint32_t *w, size_t n);  /* the OR of n words (h7nn_interpreter.c) */
static inline int h7nn_zero_points_all_zero(const h7nn_tinfo *t) {
    return h7nn_or_words(t->zero_points, 2u * (size_t)t->zero_point_count) == 0;
}
/* The k-th input/output of a node; an absent (-1) or missing one is an error naming the op. */
h7nn_status h7nn_node_input(h7nn_interpreter *nn, const h7nn_node *node, int k, h7nn_tinfo *info);
h7nn_status h7nn_node_output(h7nn_interpreter *nn, const h7nn_node *node, int k, h7nn_tinfo *info);
/* Whether input k exists (optional inputs such as a bias are -1 or missing). */
int h7nn_node_has_input(const h7nn_node *node, int k);

/* Constant memory for a kernel, from the end of the arena (8-byte aligned). NULL when the
 * arena is too small; the request is still counted so the error can say what is needed. */
void *h7nn_persistent(h7nn_interpreter *nn, size_t bytes);
/* The same for a constants struct of `struct_bytes` (without tail padding) holding an even
 * number of `pointers`, followed by `extra` bytes. Its pointer-free part must be the same on
 * every target (a _Static_assert beside the struct), so that the host's plan gives the
 * firmware's arena: with an even pointer count, the 8-byte rounding is the same on 32- and
 * 64-bit targets (h7nn_arena_layout). */
void *h7nn_persistent_struct(h7nn_interpreter *nn, size_t struct_bytes, unsigned pointers, size_t extra);
/* Errors: writes "op <i> <NAME>: <message>" (node != NULL) and returns status. The format
 * knows %s, %d, %u (int/unsigned arguments) only, to keep printf out of the firmware. */
h7nn_status h7nn_fail(h7nn_interpreter *nn, const h7nn_node *node, h7nn_status status, const char *fmt, ...);
int h7nn_node_index(const h7nn_interpreter *nn, const h7nn_node *node);

/* builtin_options fields of a node (defaults when absent). */
static inline int32_t h7nn_opt_i32(const h7nn_interpreter *nn, const h7nn_node *node, unsigned id, int32_t dflt) {
    h7nn_fb fb = h7nn_model_fb(nn);
    return node->options ? h7nn_fb_get_i32(&fb, node->options, id, dflt) : dflt;
}
static inline int h7nn_opt_u8(const h7nn_interpreter *nn, const h7nn_node *node, unsigned id, int dflt) {
    h7nn_fb fb = h7nn_model_fb(nn);
    return node->options ? h7nn_fb_get_u8(&fb, node->options, id, dflt) : dflt;
}
static inline float h7nn_opt_f32(const h7nn_interpreter *nn, const h7nn_node *node, unsigned id, float dflt) {
    h7nn_fb fb = h7nn_model_fb(nn);
    return node->options ? h7nn_fb_get_f32(&fb, node->options, id, dflt) : dflt;
}

/* Memory of a node's tensors while invoking. */
static inline void *h7nn_input_data(const h7nn_interpreter *nn, const h7nn_node *node, int k) {
    return nn->tensor_data[node->inputs[k]];
}
static inline void *h7nn_output_data(const h7nn_interpreter *nn, const h7nn_node *node, int k) {
    return nn->tensor_data[node->outputs[k]];
}

size_t h7nn_type_size(int type);
const char *h7nn_type_name(int type);

/* Checks that a tensor has the given type; the message names the op, tensor and types. */
h7nn_status h7nn_expect_type(h7nn_interpreter *nn, const h7nn_node *node, const h7nn_tinfo *t, int type);
/* int8 activation tensor with a single, valid scale and zero point. */
h7nn_status h7nn_expect_int8_per_tensor(h7nn_interpreter *nn, const h7nn_node *node, const h7nn_tinfo *t);
/* The fused activation's clamp range on an int8 output (TFLite's CalculateActivationRangeQuantized). */
h7nn_status h7nn_activation_range(h7nn_interpreter *nn, const h7nn_node *node, int activation,
                                  const h7nn_tinfo *output, int32_t *act_min, int32_t *act_max);
/* Output size of a convolution or pool window and its leading padding (TFLite's rules). */
int h7nn_window_output(int padding, int in, int filter, int stride, int dilation, int *pad);

/* ---- the plan (h7nn_plan_export / h7nn_use_plan): uint32 words */
#define H7NN_PLAN_MAGIC 0x4C503748u  /* "H7PL" */
#define H7NN_PLAN_VERSION 1u
#define H7NN_PLAN_NONE 0xFFFFFFFFu   /* a buffer without memory */
enum { H7NN_PLAN_MAGIC_W, H7NN_PLAN_VERSION_W, H7NN_PLAN_WORDS_W, H7NN_PLAN_MODEL_BYTES_W, H7NN_PLAN_TENSORS_W,
       H7NN_PLAN_OPS_W, H7NN_PLAN_ACTIVATIONS_W, H7NN_PLAN_HEADER };
/* After the header: the arena offset of every buffer (tensors, then one scratch per op),
 * then per op the word index of its record (0: none). A record: the kernel's mode (0..2,
 * the M7 kernels' requantization form), a channel count, then that many multipliers and
 * the shifts as bytes (padded to whole words). h7nn_allocate checks all of it. */
/* The op's record in the plan being used, or NULL (no plan, or none for this op). */
const uint32_t *h7nn_plan_op(const h7nn_interpreter *nn, const h7nn_node *node);
/* What an allocated op puts in the plan (kernels/prepare_common.c): 1 with its mode and
 * per-channel constants (channels may be 0), or 0 when it has no record. */
int h7nn_op_constants(const h7nn_node *node, int32_t *mode, int32_t *channels, const int32_t **multiplier,
                      const int8_t **shift);

/* Arena bytes, beyond the persistent part (H7NN_ARENA_BYTES with no activations), that let
 * h7nn_allocate reuse what h7nn_init read and verified: the tensor descriptions and nodes, a
 * tag, then the buffer lifetimes (one 8-byte entry per tensor and per op; h7nn_interpreter.c
 * checks the size). A smaller arena still works: allocate then reads the model's tensors
 * again (setup: anomaly detection 84 k -> 183 k instructions). */
#define H7NN_PLAN_ENTRY_BYTES 8u
#define H7NN_INIT_KEEP_BYTES(tensors, ops)                                                              \
    (H7NN_ALIGN8((size_t)(tensors) * sizeof(h7nn_tinfo)) + H7NN_ALIGN8((size_t)(ops) * sizeof(h7nn_node)) + \
     8u + H7NN_ALIGN8((size_t)H7NN_PLAN_ENTRY_BYTES * ((size_t)(tensors) + (size_t)(ops))))

/* (setup, issue 18) The checked record's digest: n words into h (h7nn_crc.c). */
uint32_t h7nn_digest_words(uint32_t h, const uint32_t *w, size_t n);

#endif /* H7NN_INTERNAL_H */
