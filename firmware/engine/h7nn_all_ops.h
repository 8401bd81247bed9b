/* Every kernel of the engine in one resolver (host library, tests, fuzzing). */
#ifndef H7NN_ALL_OPS_H
#define H7NN_ALL_OPS_H

#include "engine/h7nn.h"

/* optimized = 1: the M7 kernels (portable SIMD fallbacks on the host); 0: reference. */
const h7nn_resolver *h7nn_all_ops_resolver(int optimized);
/* For foreign-function callers that allocate these structs themselves. */
size_t h7nn_interpreter_size(void);
size_t h7nn_tensor_size(void);

#endif
