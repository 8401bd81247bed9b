/* FULLY_CONNECTED, int8, Cortex-M7: the input row is widened to int16 once (with the input
 * offset, doubled for the SMMULR requantization, in SMLAD order), then two output neurons
 * per pass share the input words (h7nn_m7_dot_2x8, hand-scheduled): per 8 inputs and 2
 * neurons, one LDM of the input, 4 LDR of weights, 8 SXTB16 and 8 SMLAD (the batch-1 case
 * has no second column to share the unpacked weights with). Asymmetric
 * (non-zero zero point) weights take the reference path; accumulators too large for the
 * doubled form take the exact matrix path. Scratch: input depth x 2 bytes. */
#include "engine/h7nn_quant.h"
#include "engine/kernels/m7/h7nn_m7_common.h"

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_status s = h7nn_fully_connected_prepare(nn, node);
    if (s != H7NN_OK) return s;
    h7nn_fc_data *op = node->op_data;
    node->scratch_bytes = 2u * (((uint32_t)op->accum_depth + 7u) & ~7u);
    int doubled = h7nn_m7_requant_mode(op->filter, op->out_depth, op->accum_depth, 1, op->accum_depth,
                                       op->channel_shift);
    /* per-channel constants and mode from the plan (checked against this op), or here */
    const uint32_t *rec = h7nn_plan_op(nn, node);
    if (rec && rec[1] == (uint32_t)op->out_depth) {
        op->channel_multiplier = (const int32_t *)(rec + 2);
        op->channel_shift = (const int8_t *)(const void *)(rec + 2 + op->out_depth);
        return h7nn_m7_plan_mode(nn, node, rec, doubled, op->bias, op->out_depth, &op->fast_requant);
    }
    if (rec) return h7nn_fail(nn, node, H7NN_ERR_MODEL, "plan: %u requantization channels for %d outputs",
                              (unsigned)rec[1], (int)op->out_depth);
    if (!op->channel_multiplier) {
        /* the matrix kernel takes per-channel constants: repeat the per-tensor ones */
        int32_t *m = h7nn_persistent(nn, 5u * (uint32_t)op->out_depth);
        if (!m) return H7NN_ERR_ARENA;
        int8_t *sh = (int8_t *)(m + op->out_depth);
        op->channel_multiplier = m;
        op->channel_shift = sh;
        for (int32_t c = 0; c < op->out_depth; c++) m[c] = op->multiplier, sh[c] = (int8_t)op->shift;
    }
    op->fast_requant = h7nn_m7_requant_kind(doubled, op->channel_multiplier, op->channel_shift, op->bias,
                                            op->out_depth);
    return H7NN_OK;
}

static inline int32_t dot4(uint32_t w, uint32_t x_even, uint32_t x_odd, int32_t acc) {
    return h7nn_smlad(h7nn_sxtb16_ror8(w), x_odd, h7nn_smlad(h7nn_sxtb16(w), x_even, acc));
}

/* acc[0] += row w0 . x, acc[1] += row w1 . x over k8 values (a multiple of 8, at least 8);
 * x: the widened input in SMLAD order, word aligned. */
void h7nn_m7_dot_2x8(const int8_t *w0, const int8_t *w1, const uint32_t *x, int32_t k8, int32_t *acc);

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* r0/r1 the two weight rows (LDR: any alignment), r2 the input words (LDM), r3 their end,
 * r4/r5 the accumulators, r6-r9 four input words, r10-r12 weights and their unpacking.
 * Per 8 inputs x 2 rows: 1 LDM, 4 LDR, 8 SXTB16, 8 SMLAD. */
#define H7NN_FC_HALF(XE, XO)                  \
    "  ldr r10, [r0], #4\n"                    \
    "  ldr r11, [r1], #4\n"                    \
    "  sxtb16 r12, r10\n"                      \
    "  sxtb16 r10, r10, ror #8\n"              \
    "  smlad r4, r12, " XE ", r4\n"            \
    "  smlad r4, r10, " XO ", r4\n"            \
    "  sxtb16 r12, r11\n"                      \
    "  sxtb16 r11, r11, ror #8\n"              \
    "  smlad r5, r12, " XE ", r5\n"            \
    "  smlad r5, r11, " XO ", r5\n"
__asm__(
    "  .pushsection .text.h7nn_m7_dot_2x8,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global h7nn_m7_dot_2x8\n"
    "  .type h7nn_m7_dot_2x8, %function\n"
    "  .thumb_func\n"
    "h7nn_m7_dot_2x8:\n"
    "  push {r4-r11, lr}\n"
    "  ldr lr, [sp, #36]\n"              /* acc (fifth argument) */
    "  add r3, r2, r3, lsl #1\n"         /* end: k8 int16 values */
    "  ldmia lr, {r4, r5}\n"
    "1:\n"
    "  ldmia r2!, {r6, r7, r8, r9}\n"
    H7NN_FC_HALF("r6", "r7")
    H7NN_FC_HALF("r8", "r9")
    "  cmp r2, r3\n"
    "  bne 1b\n"
    "  stmia lr, {r4, r5}\n"
    "  pop {r4-r11, pc}\n"
    "  .size h7nn_m7_dot_2x8, .-h7nn_m7_dot_2x8\n"
    "  .popsection\n");
#else
void h7nn_m7_dot_2x8(const int8_t *w0, const int8_t *w1, const uint32_t *x, int32_t k8, int32_t *acc) {
    int32_t a0 = acc[0], a1 = acc[1];
    for (int32_t i = 0; i < k8; i += 4, x += 2) {
        a0 = dot4(h7nn_read_u32(w0 + i), x[0], x[1], a0);
        a1 = dot4(h7nn_read_u32(w1 + i), x[0], x[1], a1);
    }
    acc[0] = a0, acc[1] = a1;
}
#endif

/* One output from its doubled accumulator (started at 2 * bias). */
static inline int8_t requant_one(const h7nn_fc_data *op, int32_t oc, int32_t acc2) {
    const int32_t m = op->channel_multiplier[oc], shift = op->channel_shift[oc], bias = op->bias ? op->bias[oc] : 0;
    int32_t v;
    if (op->fast_requant == 1 || h7nn_m7_short_channel(m, shift, bias))
        v = h7nn_ssat8(h7nn_m7_requant_x2(acc2, m, h7nn_m7_round_offset(-shift, op->output_offset), -shift));
    else
        v = h7nn_add_wrap(h7nn_mbqm(h7nn_m7_exact_acc(acc2, bias), m, shift), op->output_offset);
    return (int8_t)h7nn_clamp(v, op->act_min, op->act_max);
}

/* Outputs of one input row: `col` the widened row (k8 = depth rounded down to 8 values in
 * SMLAD order; the rest in the order h7nn_m7_widen_row leaves it). */
#define FC_CHUNK 16  /* accumulators summed before they are requantized (on the stack) */

/* Accumulators of neurons oc .. oc + n - 1 (started at 2 * bias). */
static void sums(const h7nn_fc_data *op, const int16_t *col, int32_t oc, int32_t n, int32_t *acc) {
    static const uint8_t il[4] = {0, 2, 1, 3};  /* the widened tail is interleaved by groups of 4 */
    const int32_t k = op->accum_depth, k8 = k & ~7;
    const uint32_t *x = (const uint32_t *)(const void *)col;
    for (int32_t i = 0; i < n; i += 2) {
        const int two = i + 1 < n;
        const int8_t *w0 = op->filter + (oc + i) * k, *w1 = two ? w0 + k : w0;
        acc[i] = op->bias ? (int32_t)((uint32_t)op->bias[oc + i] << 1) : 0;
        acc[i + 1] = op->bias && two ? (int32_t)((uint32_t)op->bias[oc + i + 1] << 1) : 0;
        if (k8) h7nn_m7_dot_2x8(w0, w1, x, k8, acc + i);
        for (int32_t j = k8; j < k; j++) {
            int32_t xv = col[(j & ~3) + il[j & 3]];
            acc[i] += w0[j] * xv;
            acc[i + 1] += w1[j] * xv;
        }
    }
}

static void rows(const h7nn_fc_data *op, const int16_t *col, int8_t *out) {
    int32_t acc[FC_CHUNK + 1];  /* + 1: an odd last neuron's unused partner */
    const int32_t offset = op->output_offset, lo = op->act_min, hi = op->act_max;
    for (int32_t oc = 0; oc < op->out_depth; oc += FC_CHUNK) {
        const int32_t n = op->out_depth - oc < FC_CHUNK ? op->out_depth - oc : FC_CHUNK;
        sums(op, col, oc, n, acc);
        const int32_t *m = op->channel_multiplier + oc;
        const int8_t *sh = op->channel_shift + oc;
        if (op->fast_requant == 1) {  /* every neuron in the short form */
            for (int32_t i = 0; i < n; i++) {
                int32_t r = -sh[i];
                int32_t v = h7nn_ssat8(h7nn_m7_requant_x2(acc[i], m[i], h7nn_m7_round_offset(r, offset), r));
                out[oc + i] = (int8_t)(v < lo ? lo : v > hi ? hi : v);
            }
        } else {
            for (int32_t i = 0; i < n; i++) out[oc + i] = requant_one(op, oc + i, acc[i]);
        }
    }
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const h7nn_fc_data *op = node->op_data;
    if (op->filter_offset != 0) return h7nn_fully_connected_eval_reference(nn, node);
    const int8_t *input = h7nn_input_data(nn, node, 0);
    int8_t *output = h7nn_output_data(nn, node, 0);
    int16_t *col = node->scratch;
    const h7nn_m7_requant_params rq = {op->bias, op->channel_multiplier, op->channel_shift, op->output_offset,
                                       op->act_min, op->act_max, op->fast_requant};
    for (int b = 0; b < op->batches; b++) {
        h7nn_m7_widen_row(input + b * op->accum_depth, op->accum_depth, op->input_offset, col, op->fast_requant);
        if (op->fast_requant) rows(op, col, output + b * op->out_depth);
        else h7nn_m7_matmul_2col(op->filter, op->accum_depth, op->out_depth, col, col, output + b * op->out_depth,
                                 NULL, &rq);
    }
    return H7NN_OK;
}

const h7nn_kernel h7nn_m7_fully_connected = {H7NN_KERNEL_ID(FULLY_CONNECTED), prepare, eval};
