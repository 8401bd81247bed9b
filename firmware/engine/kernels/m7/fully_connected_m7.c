/* FULLY_CONNECTED, int8, Cortex-M7: the input row is widened to int16 once (with the input
 * offset, doubled for the SMMULR requantization, in SMLAD order). In mode 1 the weights come
 * widened too, pre-arranged at embed time (h7nn_m7_fc_pack, the resolver's packed words):
 * two neurons per pass share the input words, per 8 inputs 1 LDM of the input, 2 LDM of
 * weight words and 8 SMLAD (h7nn_m7_fc_pairs16, 0.69 instructions per MAC; with int8 weights
 * every weight is unpacked once per inference, 1.25 per MAC before any load, so the int8
 * hand-scheduled loop (h7nn_m7_fc_pairs, 1.43-1.56/MAC) is gone); an odd last neuron comes
 * in the record as one CONV_2D channel (h7nn_m7_dot_1col). The same record and runner serve
 * CONV_2D ops of fewer than six pixels (h7nn_m7_pairs_pack / _run). A model embedded without
 * pre-arranged weights and mode 2 take the same sums in C (dot_2x8).
 * Asymmetric (non-zero zero point) weights take a plain C loop; accumulators too large for
 * the doubled form take the exact matrix path. Scratch: input depth x 2 bytes. */
#include "engine/h7nn_quant.h"
#include "engine/kernels/m7/h7nn_m7_common.h"

/* The pairs of neurons run on weights pre-arranged at embed time (h7nn_m7_fc_pairs16): mode 1,
 * symmetric weights, two neurons or more. Their record (h7nn_m7_pairs_pack, H7NN_PACKED_FC_PAIRS). */
static int packable(const h7nn_fc_data *op) {
    return op->fast_requant == 1 && op->filter_offset == 0 && op->out_depth >= 2;
}
static h7nn_m7_requant_params requant_params(const h7nn_fc_data *op) {
    const h7nn_m7_requant_params rq = {op->bias, op->channel_multiplier, op->channel_shift, op->output_offset,
                                       op->act_min, op->act_max, op->fast_requant};
    return rq;
}

/* The constants words of the pair of neurons n, n + 1 (start: 2 words, tail: 6 words). */
static void pair_words(const h7nn_m7_requant_params *rq, uint32_t n, uint32_t *start, uint32_t *tail) {
    uint32_t t0[3], t1[3];
    h7nn_m7_channel_words(rq, (int32_t)n, &start[0], t0);
    h7nn_m7_channel_words(rq, (int32_t)n + 1, &start[1], t1);
    for (int i = 0; i < 3; i++) tail[2 * i] = t0[i], tail[2 * i + 1] = t1[i];
}

__attribute__((cold)) uint32_t h7nn_m7_pairs_pack(const int8_t *filter, uint32_t k, uint32_t n,
                                                  const h7nn_m7_requant_params *rq, uint32_t *out) {
    const uint32_t k8 = (k + 7u) & ~7u;
    if (out) {
        static const uint8_t order[8] = {0, 2, 1, 3, 4, 6, 5, 7};  /* the widened input's (SXTB16) */
        uint32_t *w = out + H7NN_PACKED_REC_HEADER;
        out[H7NN_PACKED_REC_KIND] = H7NN_PACKED_FC_PAIRS;
        out[H7NN_PACKED_REC_ROWS] = n;
        out[H7NN_PACKED_REC_DEPTH] = k8;
#define H7NN_PAIR_WORD(row, g, i)                                                                        \
    ((((uint32_t)((g) + order[i]) < k ? (uint32_t)(int32_t)filter[(row) * k + (g) + order[i]] : 0u) & 0xFFFFu) | \
     (((uint32_t)((g) + order[(i) + 1]) < k ? (uint32_t)(int32_t)filter[(row) * k + (g) + order[(i) + 1]] : 0u) << 16))
        for (uint32_t r = 0; r + 1 < n; r += 2) {
            uint32_t *tail = w + 2 + k8;
            pair_words(rq, r, w, tail);
            w += 2;
            for (uint32_t g = 0; g < k8; g += 8)
                for (uint32_t row = r; row < r + 2; row++)
                    for (uint32_t i = 0; i < 8; i += 2) *w++ = H7NN_PAIR_WORD(row, g, i);
            w += 6;
        }
        if (n & 1u) {  /* the odd last row: 2 * bias, the weight words in the same order, m, c, r */
            h7nn_m7_channel_words(rq, (int32_t)n - 1, &w[0], &w[1 + k8 / 2u]);
            w++;
            for (uint32_t g = 0; g < k8; g += 8)
                for (uint32_t i = 0; i < 8; i += 2) *w++ = H7NN_PAIR_WORD(n - 1u, g, i);
        }
#undef H7NN_PAIR_WORD
    }
    return H7NN_PACKED_REC_HEADER + H7NN_PACKED_PAIRS_DATA_WORDS(n, k8);
}

__attribute__((cold)) uint32_t h7nn_m7_fc_pack(const h7nn_node *node, uint32_t *out) {
    const h7nn_fc_data *op = node->op_data;
    if (!op || !packable(op)) return 0;
    const h7nn_m7_requant_params rq = requant_params(op);
    return h7nn_m7_pairs_pack(op->filter, (uint32_t)op->accum_depth, (uint32_t)op->out_depth, &rq, out);
}

__attribute__((cold)) static h7nn_status check_packed(h7nn_interpreter *nn, const h7nn_node *node,
                                                      const h7nn_fc_data *op) {
    if (!packable(op)) return H7NN_OK;
    const h7nn_m7_requant_params rq = requant_params(op);
    return h7nn_m7_record_check(nn, node, &rq, H7NN_PACKED_FC_PAIRS, (uint32_t)op->out_depth,
                                ((uint32_t)op->accum_depth + 7u) & ~7u);
}

__attribute__((cold)) static h7nn_status no_plan(h7nn_interpreter *nn, h7nn_fc_data *op, int doubled);

/* start-up only: optimized for size */
__attribute__((cold)) static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
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
        s = h7nn_m7_plan_mode(nn, node, rec, doubled, op->bias, op->out_depth, &op->fast_requant);
        if (s != H7NN_OK) return s;
    } else if (rec) {
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "plan: %u requantization channels for %d outputs",
                         (unsigned)rec[1], (int)op->out_depth);
    } else {
        s = no_plan(nn, op, doubled);
        if (s != H7NN_OK) return s;
    }
    return check_packed(nn, node, op);  /* (one call: inlined) */
}

/* start-up, without a plan: the per-channel constants and the mode from the op */
__attribute__((cold)) static h7nn_status no_plan(h7nn_interpreter *nn, h7nn_fc_data *op, int doubled) {
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

/* acc[0] += row w0 . x, acc[1] += row w1 . x over k8 values (a multiple of 8); x: the
 * widened input in SMLAD order. */
static void dot_2x8(const int8_t *w0, const int8_t *w1, const uint32_t *x, int32_t k8, int32_t *acc) {
    int32_t a0 = acc[0], a1 = acc[1];
    for (int32_t i = 0; i < k8; i += 4, x += 2) {
        uint32_t u = h7nn_read_u32(w0 + i), v = h7nn_read_u32(w1 + i);
        a0 = h7nn_smlad(h7nn_sxtb16_ror8(u), x[1], h7nn_smlad(h7nn_sxtb16(u), x[0], a0));
        a1 = h7nn_smlad(h7nn_sxtb16_ror8(v), x[1], h7nn_smlad(h7nn_sxtb16(v), x[0], a1));
    }
    acc[0] = a0, acc[1] = a1;
}

/* The state of h7nn_m7_fc_pairs16 between pairs of neurons (on the stack in the M7 form). */
typedef struct {
    int8_t *out;            /* the pair's two outputs (advances by 2) */
    const uint32_t *wend;   /* end of the pairs' records run */
} h7nn_m7_fc_frame;

/* Mode 1 on weights pre-arranged at embed time (h7nn_m7_fc_pack): the pairs of neurons from
 * w to f->wend against the widened input x (k8 values, a multiple of 8). Per 8 inputs x 2
 * neurons: 1 LDM of the input, 2 LDM of 4 weight words, 8 SMLAD (0.69 instructions per MAC;
 * 1.31 with int8 weights); per pair, the two starts (2 * bias) by one LDRD and the two
 * requantizations from the record's constants (one LDM of multipliers, c and r; SMMLAR + the
 * accumulator's sign + ASR + SSAT + STRB, as h7nn_m7_dot_1x6). */
void h7nn_m7_fc_pairs16(const uint32_t *w, const uint32_t *x, int32_t k8, h7nn_m7_fc_frame *f);

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
_Static_assert(sizeof(h7nn_m7_fc_frame) == 8, "the asm below reads the frame at these offsets");
/* r0 the record's words, r2 the input words (LDM), r3 their end, r4/r5 the accumulators,
 * r6-r9 eight inputs, r1/r10-r12 four weight words. 32 inputs per pass (44 bytes per 8),
 * entered where (k8 / 8) % 4 says. The input, its end, the entry, out and the records' end
 * wait at sp + 0..16. */
#define H7NN_FC16_EIGHT                        \
    "  ldmia r2!, {r6, r7, r8, r9}\n"          \
    "  ldmia r0!, {r1, r10, r11, r12}\n"       \
    "  smlad r4, r1, r6, r4\n"                 \
    "  smlad r4, r10, r7, r4\n"                \
    "  smlad r4, r11, r8, r4\n"                \
    "  smlad r4, r12, r9, r4\n"                \
    "  ldmia r0!, {r1, r10, r11, r12}\n"       \
    "  smlad r5, r1, r6, r5\n"                 \
    "  smlad r5, r10, r7, r5\n"                \
    "  smlad r5, r11, r8, r5\n"                \
    "  smlad r5, r12, r9, r5\n"
__asm__(
    "  .pushsection .text.h7nn_m7_fc_pairs16,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global h7nn_m7_fc_pairs16\n"
    "  .type h7nn_m7_fc_pairs16, %function\n"
    "  .thumb_func\n"
    "h7nn_m7_fc_pairs16:\n"
    "  push {r4-r11, lr}\n"
    "  rsb r4, r2, #0\n"                  /* skip (-(k8 / 8)) % 4 steps of 44 bytes */
    "  ubfx r4, r4, #3, #2\n"
    "  mov r5, #44\n"
    "  mul r4, r4, r5\n"
    "  adr r5, .Lh7nn_fc16_e1\n"
    "  add r4, r5, r4\n"
    "  add r4, r4, #1\n"                  /* Thumb state for LDR PC */
    "  add r2, r1, r2, lsl #1\n"          /* end of the input: 2 k8 bytes */
    "  ldrd r5, r6, [r3]\n"               /* out, the records' end */
    "  push {r1, r2, r4, r5, r6}\n"
    ".Lh7nn_fc16_pair:\n"
    "  ldrd r4, r5, [r0], #8\n"           /* 2 * bias of both */
    "  ldrd r2, r3, [sp]\n"
    "  ldr pc, [sp, #8]\n"
    "  .p2align 2\n"
    ".Lh7nn_fc16_e1:\n"
    H7NN_FC16_EIGHT
    ".Lh7nn_fc16_e2:\n"
    H7NN_FC16_EIGHT
    H7NN_FC16_EIGHT
    H7NN_FC16_EIGHT
    "  .if .Lh7nn_fc16_e2 - .Lh7nn_fc16_e1 != 44\n"
    "  .error \"h7nn_m7_fc_pairs16: a step is not 44 bytes (the entry computation)\"\n"
    "  .endif\n"
    "  cmp r2, r3\n"
    "  bne .Lh7nn_fc16_e1\n"
    "  ldmia r0!, {r6, r7, r8, r9, r10, r11}\n" /* m0 m1 c0 c1 r0 r1 */
    "  smmlar r6, r4, r6, r8\n"
    "  smmlar r7, r5, r7, r9\n"
    "  add r6, r6, r4, asr #31\n"
    "  add r7, r7, r5, asr #31\n"
    "  asr r6, r6, r10\n"
    "  asr r7, r7, r11\n"
    "  ssat r6, #8, r6\n"
    "  ssat r7, #8, r7\n"
    "  ldr r2, [sp, #12]\n"
    "  strb r6, [r2], #1\n"
    "  strb r7, [r2], #1\n"
    "  str r2, [sp, #12]\n"
    "  ldr r8, [sp, #16]\n"
    "  cmp r0, r8\n"
    "  bne .Lh7nn_fc16_pair\n"
    "  add sp, #20\n"
    "  pop {r4-r11, pc}\n"
    "  .size h7nn_m7_fc_pairs16, .-h7nn_m7_fc_pairs16\n"
    "  .popsection\n");
#else
void h7nn_m7_fc_pairs16(const uint32_t *w, const uint32_t *x, int32_t k8, h7nn_m7_fc_frame *f) {
    while (w != f->wend) {
        int32_t acc[2] = {(int32_t)w[0], (int32_t)w[1]};
        w += 2;
        for (int32_t i = 0; i < k8 / 2; i += 4, w += 8)
            for (int j = 0; j < 4; j++) {
                acc[0] = h7nn_smlad(w[j], x[i + j], acc[0]);
                acc[1] = h7nn_smlad(w[4 + j], x[i + j], acc[1]);
            }
        for (int i = 0; i < 2; i++) {
            const int32_t m = (int32_t)w[i], c = (int32_t)w[2 + i];
            const uint32_t r = w[4 + i] & 31u;  /* the M7's ASR takes the low byte; prepare checked the constants */
            *f->out++ = (int8_t)h7nn_ssat8(
                (int32_t)((uint32_t)c + (uint32_t)h7nn_smmulr(acc[i], m) + (uint32_t)(acc[i] >> 31)) >> r);
        }
        w += 6;
    }
}
#endif

void h7nn_m7_pairs_rows(const uint32_t *record, const int8_t *in, int32_t rows, int32_t k, int32_t n,
                        int32_t input_offset, int16_t *col, int8_t *out) {
    const int32_t k8 = (k + 7) & ~7;
    const uint32_t *odd = record + (uint32_t)n / 2u * H7NN_PACKED_FC_WORDS(k8);
    for (int32_t r = 0; r < rows; r++, in += k, out += n) {
        h7nn_m7_widen_row(in, k, input_offset, col, 1);
        for (int32_t i = (k + 3) & ~3; i < k8; i++) col[i] = 0;  /* the depth padded to 8 meets zero weights */
        if (n >= 2) {  /* the loop runs a pair before it tests the end */
            h7nn_m7_fc_frame f = {out, odd};
            h7nn_m7_fc_pairs16(record, (const uint32_t *)(const void *)col, k8, &f);
        }
        /* an odd last row: one channel of the one-column loop (1.0 instruction per MAC, against
         * ~3.5 for the C rows on int8 weights) */
        if (n & 1) h7nn_m7_dot_1col(odd, (const uint32_t *)(const void *)col, 2 * k8, 1, out + n - 1);
    }
}

/* One output from its doubled accumulator (started at 2 * bias). */
static inline int8_t requant_one(const h7nn_fc_data *op, int32_t oc, int32_t acc2) {
    const int32_t m = op->channel_multiplier[oc], shift = op->channel_shift[oc], bias = op->bias ? op->bias[oc] : 0;
    int32_t v;
    if (h7nn_m7_short_channel(m, shift, bias))
        v = h7nn_ssat8(h7nn_m7_requant_x2(acc2, m, h7nn_m7_round_offset(-shift, op->output_offset), -shift));
    else
        v = h7nn_add_wrap(h7nn_m7_mbqm(h7nn_m7_exact_acc(acc2, bias), m, shift), op->output_offset);
    return (int8_t)h7nn_clamp(v, op->act_min, op->act_max);
}

/* Neurons from..out_depth of one widened input row (`col`; k8 = depth rounded down to 8 in
 * SMLAD order, the rest in the order h7nn_m7_widen_row leaves it), in C: mode 2, depths
 * that are not 8n, a last odd neuron. */
__attribute__((cold, noinline)) static void rows(const h7nn_fc_data *op, const int16_t *col, int32_t from, int8_t *out) {
    static const uint8_t il[4] = {0, 2, 1, 3};  /* the widened tail is interleaved by groups of 4 */
    const int32_t k = op->accum_depth, k8 = k & ~7;
    int32_t acc[2];
    for (int32_t oc = from; oc < op->out_depth; oc += 2) {
        const int two = oc + 1 < op->out_depth;
        const int8_t *w0 = op->filter + oc * k, *w1 = two ? w0 + k : w0;
        acc[0] = op->bias ? (int32_t)((uint32_t)op->bias[oc] << 1) : 0;
        acc[1] = op->bias && two ? (int32_t)((uint32_t)op->bias[oc + 1] << 1) : 0;
        dot_2x8(w0, w1, (const uint32_t *)(const void *)col, k8, acc);
        for (int32_t j = k8; j < k; j++) {
            int32_t xv = col[(j & ~3) + il[j & 3]];
            acc[0] = (int32_t)((uint32_t)acc[0] + (uint32_t)(w0[j] * xv));  /* 2 * bias may have wrapped */
            acc[1] = (int32_t)((uint32_t)acc[1] + (uint32_t)(w1[j] * xv));
        }
        out[oc] = requant_one(op, oc, acc[0]);
        if (two) out[oc + 1] = requant_one(op, oc + 1, acc[1]);
    }
}

/* Asymmetric weights (a non-zero zero point; TFLite's converter does not make them): TFLite's
 * sum of (w + filter offset)(x + input offset) and its requantization, plainly. */
__attribute__((cold, noinline)) static void rows_asymmetric(const h7nn_fc_data *op, const int8_t *in, int8_t *out) {
    for (int32_t o = 0; o < op->out_depth; o++) {
        const int8_t *w = op->filter + o * op->accum_depth;
        int32_t acc = 0;  /* under 2^31 (prepare: at most 16384 products of 255 x 255); the bias wraps */
        for (int32_t d = 0; d < op->accum_depth; d++) acc += (w[d] + op->filter_offset) * (in[d] + op->input_offset);
        if (op->bias) acc = h7nn_add_wrap(acc, op->bias[o]);
        acc = h7nn_add_wrap(h7nn_m7_mbqm(acc, op->channel_multiplier[o], op->channel_shift[o]), op->output_offset);
        out[o] = (int8_t)h7nn_clamp(acc, op->act_min, op->act_max);
    }
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const h7nn_fc_data *op = node->op_data;
    const int8_t *input = h7nn_input_data(nn, node, 0);
    int8_t *output = h7nn_output_data(nn, node, 0);
    int16_t *col = node->scratch;
    const int32_t k = op->accum_depth, n = op->out_depth;
    const h7nn_m7_requant_params rq = {op->bias, op->channel_multiplier, op->channel_shift, op->output_offset,
                                       op->act_min, op->act_max, op->fast_requant};
    const uint32_t *packed = packable(op) ? h7nn_packed_data(nn, node) : NULL;
    if (packed) {  /* weights widened at embed time (checked at prepare) */
        h7nn_m7_pairs_rows(packed, input, op->batches, k, n, op->input_offset, col, output);
        if (op->act_min != -128 || op->act_max != 127) h7nn_m7_clamp_bytes(output, op->batches * n, op->act_min, op->act_max);
        return H7NN_OK;
    }
    for (int b = 0; b < op->batches; b++) {
        const int8_t *in = input + b * k;
        int8_t *out = output + b * n;
        if (op->filter_offset != 0) {
            rows_asymmetric(op, in, out);
            continue;
        }
        h7nn_m7_widen_row(in, k, op->input_offset, col, op->fast_requant);
        if (op->fast_requant)
            rows(op, col, 0, out);
        else
            h7nn_m7_matmul_2col(op->filter, k, n, col, col, out, NULL, &rq);
    }
    return H7NN_OK;
}

const h7nn_kernel h7nn_m7_fully_connected = {H7NN_KERNEL_ID(FULLY_CONNECTED), prepare, eval};
