/* h7nn: a small int8 TFLite-flatbuffer interpreter for the Cortex-M7 (and the host).
 *
 *   static uint8_t arena[H7NN_MODEL_ARENA_BYTES] __attribute__((aligned(16)));
 *   h7nn_interpreter nn;
 *   if (h7nn_init(&nn, model_data, model_size, &model_resolver, arena, sizeof arena) != H7NN_OK ||
 *       h7nn_allocate(&nn) != H7NN_OK) { puts(h7nn_error(&nn)); ... }
 *   h7nn_tensor in; h7nn_input(&nn, 0, &in);  memcpy(in.data, features, in.bytes);
 *   h7nn_invoke(&nn);
 *   h7nn_tensor out; h7nn_output(&nn, 0, &out);
 *
 * The model is verified (bounds, offsets, types, shapes, quantization) before anything
 * reads it; every failure returns a status and leaves a message naming the problem in
 * h7nn_error(). Memory: activations and scratch are planned statically (by tensor
 * lifetime) at the start of the caller's arena, per-op constants at its end; nothing is
 * allocated anywhere else. The op resolver lists the kernels a model needs; the embed tool
 * (python -m h7nn embed) generates it from the model, so a missing op fails the build.
 */
#ifndef H7NN_H
#define H7NN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define H7NN_MAX_DIMS 6
#define H7NN_ERROR_BYTES 120

typedef enum {
    H7NN_OK = 0,
    H7NN_ERR_ARGUMENT,     /* NULL pointer, bad index, wrong call order */
    H7NN_ERR_MODEL,        /* corrupt, truncated or inconsistent model */
    H7NN_ERR_UNSUPPORTED,  /* op, type or option the engine (or this resolver) lacks */
    H7NN_ERR_ARENA,        /* arena too small: h7nn_arena_needed() says how much */
    H7NN_ERR_RUNTIME,      /* a kernel failed while running */
} h7nn_status;

/* TFLite tensor types the engine uses (values of the schema's TensorType). */
typedef enum {
    H7NN_FLOAT32 = 0,
    H7NN_INT32 = 2,
    H7NN_UINT8 = 3,
    H7NN_INT64 = 4,
    H7NN_INT16 = 7,
    H7NN_INT8 = 9,
} h7nn_type;

/* A tensor as the application sees it (inputs, outputs, or any tensor for debugging). */
typedef struct {
    void *data;            /* NULL for tensors the plan does not keep */
    size_t bytes;
    int type;              /* h7nn_type */
    int rank;
    int32_t dims[H7NN_MAX_DIMS];
    float scale;           /* first (or only) quantization scale; 0 if unquantized */
    int32_t zero_point;
    const char *name;      /* points into the model; NOT NUL-terminated: use name_length */
    uint32_t name_length;
} h7nn_tensor;

struct h7nn_interpreter;
struct h7nn_node;

/* One op's kernel: prepare checks the op and computes its constants once (allocate),
 * eval runs it (invoke). Kernels live in kernels/reference and kernels/m7. */
typedef struct h7nn_kernel {
    int32_t builtin_code;  /* TFLite BuiltinOperator value */
    const char *name;
    int32_t options_type;  /* the BuiltinOptions union type the op takes (0: none) */
    h7nn_status (*prepare)(struct h7nn_interpreter *nn, struct h7nn_node *node);
    h7nn_status (*eval)(struct h7nn_interpreter *nn, const struct h7nn_node *node);
} h7nn_kernel;

/* The kernels a model needs and, from the embed step, the model's plan (NULL: the engine
 * plans at h7nn_allocate): the arena offsets of every activation and scratch buffer and the
 * per-op constants (requantization tables, kernel modes) that the host build of this engine
 * computed for the same model (h7nn_plan_export). h7nn_allocate checks the plan (header,
 * bounds, alignment, no two live buffers overlap, constants in range) and refuses a bad one
 * with a one-line "plan: ..." message. */
typedef struct {
    const h7nn_kernel *const *kernels;
    uint32_t count;
    const uint32_t *plan;
    uint32_t plan_words;
    /* (mm16, issue 18) weights pre-arranged at embed time for the M7 kernels (int16 pairs in
     * SMLAD order; h7nn_packed_export), or NULL: those kernels then unpack the model's int8
     * weights as they run. Generated resolvers that predate it leave it NULL. */
    const uint32_t *packed;
    uint32_t packed_words;
    /* (setup, issue 18) the embed step's record of h7nn_init's checks of this model
     * (h7nn_checked_make), or NULL: when its digest matches, h7nn_init takes what the checks
     * found from it instead of walking the flatbuffer, and h7nn_allocate takes the plan it
     * covers without checking it again. Any difference gives the full checks. */
    const uint32_t *checked;
    uint32_t checked_words;
} h7nn_resolver;

/* Called around every op by h7nn_invoke when set (the profiler reads DWT->CYCCNT there). */
typedef void (*h7nn_op_hook)(void *user, int op_index, const char *op_name, int begin);

/* Everything below is private to the engine; it is in the header so that the
 * application can allocate the interpreter statically. */
typedef struct h7nn_node {
    const h7nn_kernel *kernel;
    const int32_t *inputs;     /* tensor indices, into the verified model (-1 = absent) */
    const int32_t *outputs;
    uint16_t input_count;
    uint16_t output_count;
    uint8_t options_type;      /* builtin_options union type */
    uint32_t options;          /* builtin_options table's position in the model, or 0 */
    void *op_data;             /* the kernel's constants, in the arena */
    void *scratch;             /* planned scratch memory for this op, or NULL */
    uint32_t scratch_bytes;
} h7nn_node;

typedef struct h7nn_interpreter {
    const uint8_t *model;
    size_t model_size;
    const h7nn_resolver *resolver;
    uint8_t *arena;
    size_t arena_size;
    /* the verified model's first subgraph: positions of its vectors in the model */
    uint32_t tensors_vec, buffers_vec, opcodes_vec, operators_vec;
    const int32_t *inputs;
    const int32_t *outputs;
    uint32_t tensor_count, buffer_count, opcode_count, op_count, input_count, output_count;
    /* allocation state */
    void **tensor_data;          /* per tensor: its memory, or NULL */
    h7nn_node *nodes;
    size_t tail;                 /* persistent allocations grow down from arena_size */
    size_t planned_bytes;        /* activations + scratch at the start of the arena */
    size_t persistent_requested; /* bytes asked for, including failed requests */
    uint32_t persistent_pointers; /* pointers inside the op constants (see h7nn_arena_layout) */
    size_t arena_needed;
    const uint32_t *plan;        /* the plan to check and use (from the resolver or h7nn_use_plan) */
    uint32_t plan_words;
    /* while allocating only: tensor descriptions and buffer lifetimes cached at the arena's
     * start (activations are not placed yet); NULL when they do not fit */
    const void *tinfo_cache;     /* (written by h7nn_init, behind a tag h7nn_allocate checks) */
    size_t tinfo_cache_bytes;
    uint32_t tinfo_tag;
    void *lives;
    int allocated;
    h7nn_op_hook hook;
    void *hook_user;
    char error[H7NN_ERROR_BYTES];
    /* (mm16) the pre-arranged weights given by h7nn_use_packed (packed_given), else the resolver's */
    const uint32_t *packed;
    uint32_t packed_words;
    int packed_given;
    /* (setup) the checked record h7nn_init matched (its digest covers the plan words it was
     * given then, checked_plan), or NULL */
    const uint32_t *checked;
    const uint32_t *checked_plan;
} h7nn_interpreter;

/* Verifies the model and binds it to the resolver and arena. The model must stay valid
 * (in flash, typically) and be 4-byte aligned (16 recommended). The arena belongs to the
 * engine from here on: init keeps what it read there for h7nn_allocate. */
h7nn_status h7nn_init(h7nn_interpreter *nn, const void *model, size_t model_size,
                      const h7nn_resolver *resolver, void *arena, size_t arena_size);
/* Prepares every op and plans the arena; H7NN_ERR_ARENA leaves h7nn_arena_needed() set. */
h7nn_status h7nn_allocate(h7nn_interpreter *nn);
h7nn_status h7nn_invoke(h7nn_interpreter *nn);

int h7nn_input_count(const h7nn_interpreter *nn);
int h7nn_output_count(const h7nn_interpreter *nn);
h7nn_status h7nn_input(h7nn_interpreter *nn, int index, h7nn_tensor *out);
h7nn_status h7nn_output(h7nn_interpreter *nn, int index, h7nn_tensor *out);
/* Any tensor by its model index (after h7nn_allocate; intermediates may share memory). */
h7nn_status h7nn_tensor_at(h7nn_interpreter *nn, int tensor_index, h7nn_tensor *out);

int h7nn_op_count(const h7nn_interpreter *nn);
const char *h7nn_op_name(const h7nn_interpreter *nn, int op_index);
void h7nn_set_op_hook(h7nn_interpreter *nn, h7nn_op_hook hook, void *user);

size_t h7nn_arena_used(const h7nn_interpreter *nn);    /* after a successful allocate */
size_t h7nn_arena_needed(const h7nn_interpreter *nn);  /* after H7NN_ERR_ARENA, or used */
size_t h7nn_scratch_bytes(const h7nn_interpreter *nn, int op_index);

/* The arena a plan needs, split into what does not depend on the target and what does
 * (pointer sizes), so that the plan the host library makes gives the firmware's arena:
 * the build's embed step runs this engine on the host and writes
 * H7NN_ARENA_BYTES(layout...), which the firmware compiler evaluates with its own sizes
 * (and h7nn_arena_used() on the board equals it). */
typedef struct {
    uint32_t activations;   /* activations + scratch (the lifetime plan) */
    uint32_t constants;     /* op constants, without the pointers inside them */
    uint32_t pointers;      /* pointers inside the op constants */
    uint32_t tensors;       /* entries of the tensor pointer table */
    uint32_t ops;           /* entries of the node table */
} h7nn_arena_layout;
#define H7NN_ALIGN8(n) (((size_t)(n) + 7u) & ~(size_t)7u)
#define H7NN_ARENA_BYTES(activations, constants, pointers, tensors, ops)                                  \
    ((size_t)(activations) + (size_t)(constants) + (size_t)(pointers) * sizeof(void *) +                \
     H7NN_ALIGN8((size_t)(tensors) * sizeof(void *)) + H7NN_ALIGN8((size_t)(ops) * sizeof(h7nn_node)))
/* After a successful h7nn_allocate; H7NN_ARENA_BYTES(*layout) == h7nn_arena_used(). */
h7nn_status h7nn_arena_layout_of(const h7nn_interpreter *nn, h7nn_arena_layout *layout);
/* H7NN_ARENA_BYTES of a layout with this build's sizes (tools check the invariant above). */
size_t h7nn_arena_layout_bytes(const h7nn_arena_layout *layout);
const char *h7nn_error(const h7nn_interpreter *nn);

/* The plan of an allocated interpreter as words (the embed step stores them with the model
 * and hands them back through the generated resolver): returns the number of words, written
 * to out when capacity allows; 0 before h7nn_allocate. */
size_t h7nn_plan_export(const h7nn_interpreter *nn, uint32_t *out, size_t capacity);
/* Uses this plan at h7nn_allocate instead of the resolver's (NULL: plan at allocate).
 * Between h7nn_init and h7nn_allocate; the words must stay valid while the model is used. */
h7nn_status h7nn_use_plan(h7nn_interpreter *nn, const uint32_t *plan, size_t words);
/* (mm16, issue 18) The weights the M7 kernels of an allocated interpreter take pre-arranged
 * (FULLY_CONNECTED in mode 1: int16 pairs in SMLAD order, two neurons interleaved by groups
 * of 8 inputs; format in kernels/m7/packed_common.c): returns the number of words, written to
 * out when capacity allows; 0 before h7nn_allocate. The embed step stores them beside the
 * plan (h7nn_resolver.packed). */
size_t h7nn_packed_export(const h7nn_interpreter *nn, uint32_t *out, size_t capacity);
/* The same with records only for the ops i where take[i] != 0 (take: one byte per op; NULL:
 * all), for images that spend less flash on the copy (the embed step's budget). */
size_t h7nn_packed_export_ops(const h7nn_interpreter *nn, const uint8_t *take, uint32_t *out, size_t capacity);
/* Uses these pre-arranged weights instead of the resolver's (NULL: none, the kernels unpack
 * the model's). Between h7nn_init and h7nn_allocate; the words must stay valid while the
 * model is used. A record that does not fit its op is refused at allocate ("packed: ..."). */
h7nn_status h7nn_use_packed(h7nn_interpreter *nn, const uint32_t *packed, size_t words);
/* (setup, issue 18) The record of h7nn_init's checks that the embed step stores with the model
 * (h7nn_resolver.checked; format in h7nn_interpreter.c): host build only. Runs h7nn_init with
 * every check (noting which model bytes they read) and h7nn_allocate with `plan` checked in
 * full, then writes what they found (the tensors' descriptions, the nodes, the scratch sizes)
 * and the positions of the bytes they read, under a digest over the record, those bytes and the
 * plan; then checks that h7nn_init takes it. Returns the words (written when capacity allows),
 * or 0 when the model or plan is refused (error_out, when given, gets the message) or the
 * model's size is not a multiple of 4. */
size_t h7nn_checked_make(const void *model, size_t model_size, const h7nn_resolver *resolver, const uint32_t *plan,
                         size_t plan_words, void *arena, size_t arena_size, uint32_t *out, size_t capacity,
                         char *error_out);
/* 1 when h7nn_init took the resolver's checked record (its digest matched), else 0. */
int h7nn_checked_used(const h7nn_interpreter *nn);

/* Integrity of the model in flash: CRC-32 (as zlib.crc32) of the model bytes against the
 * value the embed step stored (H7NN_<NAME>_MODEL_CRC32). H7NN_ERR_MODEL on a mismatch: the
 * application reports it and stays in a safe state instead of running a corrupt model. */
uint32_t h7nn_crc32(const void *data, size_t size);
/* The same continued over a model read in chunks: crc = h7nn_crc32_update(crc, chunk, n), from 0
 * (as zlib.crc32(chunk, crc)). */
uint32_t h7nn_crc32_update(uint32_t crc, const void *data, size_t size);
h7nn_status h7nn_model_verify_crc(const void *model, size_t size, uint32_t expected);
/* An embedded model opened as every application boots it: its CRC-32 against the build's,
 * h7nn_init, h7nn_allocate (with the embedded plan). NULL when it is ready to run; else one
 * line naming the fix, and *stage says which step refused it ("model" or "arena"). */
const char *h7nn_open_embedded(h7nn_interpreter *nn, const void *model, size_t size, uint32_t crc32,
                               const h7nn_resolver *resolver, void *arena, size_t arena_size,
                               const char **stage);
const char *h7nn_status_name(h7nn_status status);
const char *h7nn_op_code_name(int32_t builtin_code);

#ifdef __cplusplus
}
#endif
#endif /* H7NN_H */
