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

/* TFLite's input rescaling in the short form; r (a constant in each loop below) 0 is the
 * larger input's case: m = 2^30 and the product is exact. */
static inline __attribute__((always_inline)) int32_t rescale(int32_t v, int32_t off21, int32_t m, int32_t r,
                                                             int32_t round, const int r_zero) {
    int32_t x = h7nn_smmulr((int32_t)((uint32_t)v << 21) + off21, m);
    return r_zero ? x : (x + round + (x >> 31)) >> r;
}

typedef struct {
    int32_t m1, r1, c1, off1, m2, r2, c2, off2, mo, ro, co, lo, hi;
} add_consts;

/* One loop per combination of zero right shifts (constants: no test per element). */
static inline __attribute__((always_inline)) void add_loop(const add_consts *k, const int8_t *a, const int8_t *b,
                                                           int8_t *out, int32_t n, const int z1, const int z2) {
    const int32_t m1 = k->m1, r1 = k->r1, c1 = k->c1, off1 = k->off1, m2 = k->m2, r2 = k->r2, c2 = k->c2;
    const int32_t off2 = k->off2, mo = k->mo, ro = k->ro, co = k->co, lo = k->lo, hi = k->hi;
    for (int32_t i = 0; i < n; i++) {
        int32_t sum = rescale(a[i], off1, m1, r1, c1, z1) + rescale(b[i], off2, m2, r2, c2, z2);
        int32_t v = h7nn_ssat8(h7nn_m7_requant_x2(sum * 2, mo, co, ro));
        out[i] = (int8_t)(v < lo ? lo : v > hi ? hi : v);
    }
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
    add_consts k = {op->in1_mult, -op->in1_shift, 0, (int32_t)((uint32_t)op->in1_offset << 21),
                    op->in2_mult, -op->in2_shift, 0, (int32_t)((uint32_t)op->in2_offset << 21),
                    op->out_mult, -op->out_shift, h7nn_m7_round_offset(-op->out_shift, op->out_offset),
                    op->act_min, op->act_max};
    k.c1 = k.r1 ? 1 << (k.r1 - 1) : 0;
    k.c2 = k.r2 ? 1 << (k.r2 - 1) : 0;
    if (k.r1 && !k.r2) {  /* the sum is symmetric: the input without rounding first */
        add_consts t = k;
        k.m1 = t.m2, k.r1 = t.r2, k.c1 = t.c2, k.off1 = t.off2;
        k.m2 = t.m1, k.r2 = t.r1, k.c2 = t.c1, k.off2 = t.off1;
        const int8_t *tmp = a;
        a = b, b = tmp;
    }
    if (!k.r1 && !k.r2) add_loop(&k, a, b, out, op->count, 1, 1);
    else if (!k.r1) add_loop(&k, a, b, out, op->count, 1, 0);
    else add_loop(&k, a, b, out, op->count, 0, 0);
    return H7NN_OK;
}

const h7nn_kernel h7nn_m7_add = {H7NN_KERNEL_ID(ADD), h7nn_add_prepare, eval};
