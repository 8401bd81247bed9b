/* Resolvers holding every kernel of the op list (h7nn_ops.def): the host library (Python
 * tools, tests, fuzzing) uses them; firmware uses the resolver generated from its model. */
#include "engine/h7nn_all_ops.h"
#include "engine/kernels/h7nn_kernels.h"

static const h7nn_kernel *const reference_kernels[] = {
#define H7NN_OP(code, NAME, ident, kernels, options) &h7nn_ref_##ident,
#include "engine/h7nn_ops.def"
};

#define OPTIMIZED_REF(ident) &h7nn_ref_##ident
#define OPTIMIZED_M7(ident) &h7nn_m7_##ident
static const h7nn_kernel *const optimized_kernels[] = {
#define H7NN_OP(code, NAME, ident, kernels, options) OPTIMIZED_##kernels(ident),
#include "engine/h7nn_ops.def"
};

static const h7nn_resolver reference_resolver = {reference_kernels,
                                                 sizeof reference_kernels / sizeof reference_kernels[0], NULL, 0, NULL, 0, NULL, 0};
static const h7nn_resolver optimized_resolver = {optimized_kernels,
                                                 sizeof optimized_kernels / sizeof optimized_kernels[0], NULL, 0, NULL, 0, NULL, 0};

const h7nn_resolver *h7nn_all_ops_resolver(int optimized) {
    return optimized ? &optimized_resolver : &reference_resolver;
}

size_t h7nn_interpreter_size(void) { return sizeof(h7nn_interpreter); }
size_t h7nn_tensor_size(void) { return sizeof(h7nn_tensor); }
