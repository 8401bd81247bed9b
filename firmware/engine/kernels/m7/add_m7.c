/* ADD, int8, Cortex-M7: inputs of the same shape (residual connections) in a short exact
 * form; broadcasting takes the reference kernel.
 *
 * TFLite rescales each input, x = RDBPOT(SRDHM((a + off) << 20, m), r), which for
 * |(a + off) << 20| < 2^30 is SMMULR((a + off) << 21, m) (see h7nn_m7_requant_x2), then
 * rounds by 2^r half away from zero as (x + 2^(r-1) - (x < 0)) >> r (r = 0: x). The sum is
 * requantized the same way on its double (|sum| < 2^28), the output offset riding in the
 * rounding constant. About 20 instructions per element instead of ~145. */
#include "engine/h7nn_quant.h"
#include "engine/kernels/m7/h7nn_m7_common.h"

static inline int32_t rescale(int32_t v, int32_t off21, int32_t m, int32_t r, int32_t round) {
    int32_t x = h7nn_smmulr((int32_t)((uint32_t)v << 21) + off21, m);
    return r ? (x + round + (x >> 31)) >> r : x;
}

/* The short form applies: input shifts 0..-31 (scales below twice the larger: always),
 * the output's right shift 1..22 (its rounding constant with the offset fits int32). */
static int fast_form(const h7nn_binary_data *op) {
    return op->left_shift == 20 && op->in1_shift <= 0 && op->in1_shift >= -31 && op->in2_shift <= 0 &&
           op->in2_shift >= -31 && op->out_shift <= -1 && op->out_shift >= -22;
}

/* Both inputs have the output's shape (no broadcasting): element i of each is at i. */
static int same_shape(const h7nn_binary_data *op) {
    int32_t s = 1;
    for (int d = op->rank - 1; d >= 0; d--) {
        if (op->dims[d] != 1 && (op->stride1[d] != s || op->stride2[d] != s)) return 0;
        s *= op->dims[d];
    }
    return op->rank > 0;
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const h7nn_binary_data *op = node->op_data;
    if (!fast_form(op) || !same_shape(op)) return h7nn_add_eval_reference(nn, node);
    const int8_t *a = h7nn_input_data(nn, node, 0), *b = h7nn_input_data(nn, node, 1);
    int8_t *out = h7nn_output_data(nn, node, 0);
    const int32_t m1 = op->in1_mult, r1 = -op->in1_shift, m2 = op->in2_mult, r2 = -op->in2_shift;
    const int32_t off1 = (int32_t)((uint32_t)op->in1_offset << 21), off2 = (int32_t)((uint32_t)op->in2_offset << 21);
    const int32_t c1 = r1 ? 1 << (r1 - 1) : 0, c2 = r2 ? 1 << (r2 - 1) : 0;
    const int32_t mo = op->out_mult, ro = -op->out_shift, co = h7nn_m7_round_offset(ro, op->out_offset);
    const int32_t lo = op->act_min, hi = op->act_max;
    for (int32_t i = 0; i < op->count; i++) {
        int32_t sum = rescale(a[i], off1, m1, r1, c1) + rescale(b[i], off2, m2, r2, c2);
        int32_t v = h7nn_ssat8(h7nn_m7_requant_x2(2 * sum, mo, co, ro));
        out[i] = (int8_t)(v < lo ? lo : v > hi ? hi : v);
    }
    return H7NN_OK;
}

const h7nn_kernel h7nn_m7_add = {H7NN_KERNEL_ID(ADD), h7nn_add_prepare, eval};
