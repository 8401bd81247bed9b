/* Helpers shared by the M7 kernels. */
#ifndef H7NN_M7_COMMON_H
#define H7NN_M7_COMMON_H

#include "engine/kernels/h7nn_kernels.h"
#include "engine/kernels/m7/h7nn_simd.h"

/* How an op turns int32 accumulators into int8 outputs. */
typedef struct {
    const int32_t *bias;        /* per output channel, or NULL */
    const int32_t *multiplier;  /* per output channel */
    const int8_t *shift;
    int32_t offset, act_min, act_max;
    int32_t fast;               /* h7nn_m7_requant_kind(): 0 plain, 1 doubled and all short, 2 doubled */
} h7nn_m7_requant_params;

/* Out[p][oc] for two columns (int16, interleaved by h7nn_widen4_interleaved, k_pad values)
 * against the int8 weight rows of every output channel: SMLAD on 2 channels x 2 columns.
 * out1 may be NULL (one column). When rq->fast, the columns must hold doubled values
 * (h7nn_m7_widen_row(..., doubled = 1)). */
void h7nn_m7_matmul_2col(const int8_t *weights, int32_t k, int32_t out_c, const int16_t *col0,
                         const int16_t *col1, int8_t *out0, int8_t *out1, const h7nn_m7_requant_params *rq);

/* Six columns at once (rq->fast only, k a multiple of 4, any out_c): `hex` holds six doubled
 * columns interleaved by groups of 4 values (h7nn_m7_widen_into_hex for 1x1 convolutions,
 * h7nn_m7_copy_into_hex for im2col patches), 48 bytes per group. One output channel per pass: its 4 weights
 * are unpacked once and meet the six columns in 12 SMLADs, the columns arrive by LDM four
 * words at a time (on the M7, one hand-scheduled loop, h7nn_m7_dot_1x6). out0 is the first
 * pixel's output row, the others follow every out_stride bytes. */
void h7nn_m7_matmul_6col(const int8_t *weights, int32_t k, int32_t out_c, const int16_t *hex, int8_t *out0,
                         int32_t out_stride, const h7nn_m7_requant_params *rq);
/* Pixel j (0..5) of the six-column layout: n int8 values (a multiple of 4), doubled, with
 * the input offset. */
void h7nn_m7_widen_into_hex(const int8_t *src, int32_t n, int32_t offset, int16_t *hex, int j);
/* An interleaved column of k values (k a multiple of 4) into column j of the layout. */
void h7nn_m7_copy_into_hex(const int16_t *col, int32_t k, int16_t *hex, int j);

/* One row of int8 values, widened with an offset, in SMLAD order (n rounded up to 4 with
 * zeros); doubled = 1 stores 2 * (x + offset) for the SMMULR requantization. */
void h7nn_m7_widen_row(const int8_t *src, int32_t n, int32_t offset, int16_t *dst, int doubled);

/* A fused activation's range on n outputs already in int8 (the loops that requantize into
 * the full int8 range first; one copy for CONV_2D and FULLY_CONNECTED). */
void h7nn_m7_clamp_bytes(int8_t *out, int32_t n, int32_t lo, int32_t hi);

/* TFLite's MultiplyByQuantizedMultiplier (h7nn_mbqm, same results for every acc, multiplier
 * >= 0 and shift in -31..30, QuantizeMultiplier's range) in the M7's form: the doubling high
 * multiply is floor((acc * m + 2^30) / 2^31) (TFLite's nudge and truncation give exactly
 * that unless acc = m = INT32_MIN, and m >= 0), one SMULL; then TFLite's rounding shift. One
 * out-of-line copy for the M7 kernels' exact paths (mm, issue 18). */
int32_t h7nn_m7_mbqm(int32_t acc, int32_t m, int shift);

/* TFLite's requantization (h7nn_mbqm) in fewer instructions, exact for |acc| < 2^30 and a
 * right shift r of 1..22:
 *  - the rounding doubling high multiply is floor((acc * m + 2^30) / 2^31);
 *  - rounding x / 2^r half away from zero is (x + 2^(r-1) - (x < 0)) >> r, which cannot
 *    overflow for |x| < 2^30.
 */
/* The shortest form, on a doubled accumulator acc2 = 2 * acc (the kernels double their
 * inputs or weights, exactly): floor((acc * m + 2^30) / 2^31) is SMMULR(acc2, m), and the
 * output offset rides in the rounding constant: round_offset = 2^(r-1) + offset * 2^r. */
static inline int32_t h7nn_m7_requant_x2(int32_t acc2, int32_t multiplier, int32_t round_offset, int32_t right) {
    int32_t x = h7nn_smmulr(acc2, multiplier);
    return (x + round_offset + (x >> 31)) >> right;
}

static inline int32_t h7nn_m7_round_offset(int32_t right, int32_t offset) {
    return (int32_t)((1u << right) >> 1) + (int32_t)((uint32_t)offset << right);
}

/* 1 when the kernels may keep doubled accumulators for the op: the data part of every
 * channel's accumulator, sum w (x + offset), stays under 2^29 (sum |w| * 256), so its double
 * fits int32 whatever the bias; else 0. The doubled start 2 * bias may wrap (TFLite's dead
 * channels carry biases of 2^30): h7nn_m7_short_channel says which channels take the short
 * form, the others recover the exact sum (h7nn_m7_exact_acc). */
int h7nn_m7_requant_mode(const int8_t *weights, int32_t channels, int32_t per_channel, int32_t stride,
                         int32_t channel_step, const int8_t *shift);

/* h7nn_m7_requant_x2 with right = -shift is exact for this channel: a zero multiplier
 * (TFLite's QuantizeMultiplier for scale ratios under 2^-31: every output is the offset,
 * which right = 0 gives, whatever the accumulator), or a right shift of 1..22 (the rounding
 * constant fits int32) with |bias| < 2^29 (so |2 acc| < 2^31). Trained models have channels
 * outside (MobileNet's dead channels: shifts down to -31, biases of 2^30); those take the
 * exact TFLite arithmetic on h7nn_m7_exact_acc. */
static inline int h7nn_m7_short_channel(int32_t multiplier, int shift, int32_t bias) {
    if (multiplier == 0) return shift >= -22 && shift <= 0;
    return shift >= -22 && shift <= -1 && bias > -(1 << 29) && bias < (1 << 29);
}

/* The op's mode from the plan's record rec (h7nn_plan_op): checked against what this op
 * allows (doubled: h7nn_m7_requant_mode; mode 1: every bias under 2^29, the shifts were
 * checked at allocate), so a wrong plan is refused, never run. */
h7nn_status h7nn_m7_plan_mode(h7nn_interpreter *nn, const h7nn_node *node, const uint32_t *rec, int doubled,
                              const int32_t *bias, int32_t channels, int32_t *mode);

/* The op's requantization mode: 0 (plain accumulators, h7nn_mbqm), 1 (doubled, every
 * channel short), 2 (doubled, some channels exact): the kernels check channels only in mode 2. */
int h7nn_m7_requant_kind(int doubled, const int32_t *multiplier, const int8_t *shift, const int32_t *bias,
                         int32_t channels);

/* The exact accumulator (TFLite's wrapping int32 sum) from a doubled one that started at
 * 2 * bias (wrapping): the data part 2 * sum is exact (h7nn_m7_requant_mode), halve it. */
static inline int32_t h7nn_m7_exact_acc(int32_t acc2, int32_t bias) {
    int32_t data2 = (int32_t)((uint32_t)acc2 - ((uint32_t)bias << 1));
    return (int32_t)((uint32_t)bias + (uint32_t)(data2 >> 1));
}

/* ---- (mm16, issue 18) weights pre-arranged at embed time (h7nn_packed_export, packed_common.c).
 * uint32 words: a header (magic "H7PW", version, word count, the model's size and op count,
 * then one word per op: the word index of its record, 0 for none); a record: its kind, rows,
 * depth (padded), then the data. With int8 weights and batch 1 every weight is unpacked
 * (SXTB16) once per inference: 1.25 instructions per MAC before any load; widened once on
 * the host, one LDM brings 8 weights ready for SMLAD (twice the weight bytes in flash). */
#define H7NN_PACKED_MAGIC 0x57503748u /* "H7PW" */
#define H7NN_PACKED_VERSION 1u
enum { H7NN_PACKED_MAGIC_W, H7NN_PACKED_VERSION_W, H7NN_PACKED_WORDS_W, H7NN_PACKED_MODEL_BYTES_W, H7NN_PACKED_OPS_W,
       H7NN_PACKED_HEADER };
enum { H7NN_PACKED_REC_KIND, H7NN_PACKED_REC_ROWS, H7NN_PACKED_REC_DEPTH, H7NN_PACKED_REC_HEADER };
/* FULLY_CONNECTED in mode 1, and CONV_2D in mode 1 with fewer than six pixels (each pixel a
 * row of the matrix): rows = the neurons (output channels), depth = k rounded up to 8; per
 * pair of rows H7NN_PACKED_FC_WORDS(depth) words: their two 2 * bias, then per group of 8
 * inputs 4 words of the first then 4 of the second, each word two int16 weights in the
 * widened input's order ([w0|w2], [w1|w3], [w4|w6], [w5|w7]), then multipliers, c and r of
 * both; an odd last row follows as one H7NN_PACKED_CONV_SIX channel (h7nn_m7_dot_1col). */
#define H7NN_PACKED_FC_PAIRS 1u
#define H7NN_PACKED_FC_WORDS(k8) ((uint32_t)(k8) + 8u)
#define H7NN_PACKED_PAIRS_DATA_WORDS(n, k8) \
    ((uint32_t)(n) / 2u * H7NN_PACKED_FC_WORDS(k8) + ((uint32_t)(n) & 1u) * H7NN_PACKED_CONV_WORDS(k8))
/* CONV_2D in the six-column loop (modes 1 and 2; 1x1, plane or im2col columns): rows = output
 * channels, depth = the padded patch size k (4n);
 * per channel H7NN_PACKED_CONV_WORDS(k) words: 2 * bias (0 without a bias), the k weights as
 * int16 pairs ([w0|w2], [w1|w3] per group of 4), then its multiplier, rounding constant
 * c = 2^(r-1) + output offset * 2^r and right shift r (h7nn_m7_dot_1x6's, r = 1 for a zero
 * multiplier; channels outside the short form: 0, 0, 0, their sums go back raw). */
#define H7NN_PACKED_CONV_SIX 2u
#define H7NN_PACKED_CONV_WORDS(k) ((uint32_t)(k) / 2u + 4u)

/* The six-column loop on a CONV_2D record (H7NN_PACKED_CONV_SIX): as h7nn_m7_matmul_6col,
 * with the weights and each channel's constants read from the record (no unpacking). */
void h7nn_m7_matmul_6col_packed(const uint32_t *record, int32_t k, int32_t out_c, const int16_t *hex, int8_t *out0,
                                int32_t out_stride, const h7nn_m7_requant_params *rq);
/* Fewer than six pixels, mode 1: the int8 outputs (before any activation clamp) of
 * `channels` channels of a CONV_2D record from w against one column of k_bytes / 2 int16
 * values in the record's order (h7nn_m7_widen_row, doubled), into out[0..channels).
 * k_bytes = 2 * k_pad, a multiple of 8. */
void h7nn_m7_dot_1col(const uint32_t *w, const uint32_t *col, int32_t k_bytes, int32_t channels, int8_t *out);
/* The record's constants of one channel (what h7nn_m7_conv_pack writes and prepare checks):
 * words[0] = 2 * bias (masked), words[1..3] = multiplier, c, r or 0, 0, 0. */
void h7nn_m7_channel_words(const h7nn_m7_requant_params *rq, int32_t oc, uint32_t *start, uint32_t *tail);
uint32_t h7nn_m7_conv_pack(const h7nn_interpreter *nn, const h7nn_node *node, uint32_t *out);
/* A channel outside the short form whose output is the same for every input (MobileNet's
 * dead channels: a bias of 2^30 and a scale ratio under 2^-22 saturate or round every
 * accumulator the model can reach, bias +- sum |w| * max |x + input offset|, to one value;
 * TFLite's requantization is monotonic for right shifts, so the two ends decide): 1 with
 * *value, else 0. Its record says so (tail 0, value, H7NN_PACKED_CONSTANT) and the six-column
 * runner writes the value without any sums (VWW: 3.1 M of its 6.7 M CONV_2D MACs). */
#define H7NN_PACKED_CONSTANT 0xFFFFFFFFu
int h7nn_m7_constant_output(const int8_t *row, int32_t k, int32_t input_offset, const h7nn_m7_requant_params *rq,
                            int32_t oc, int32_t *value);

/* At eval, after prepare checked it: the op's data words or NULL (no checks). */
const uint32_t *h7nn_packed_data(const h7nn_interpreter *nn, const h7nn_node *node);
/* The FULLY_CONNECTED kernel's record (fully_connected_m7.c): words written to out (when not
 * NULL), 0 when the op takes none. */
uint32_t h7nn_m7_fc_pack(const h7nn_node *node, uint32_t *out);
/* A pairs record (H7NN_PACKED_FC_PAIRS) of n rows of k int8 weights (filter: n x k) with the
 * constants of rq: its words written to out (when not NULL, header included). */
uint32_t h7nn_m7_pairs_pack(const int8_t *filter, uint32_t k, uint32_t n, const h7nn_m7_requant_params *rq,
                            uint32_t *out);
/* start-up: the op's record, if the embed step made one and weights were given, checked
 * (header made for this model, the record inside the words, of this kind, n rows of depth d,
 * its rows' constants, spot-checked, rq's): H7NN_OK, else the one-line refusal (either kind;
 * packed_common.c). */
h7nn_status h7nn_m7_record_check(h7nn_interpreter *nn, const h7nn_node *node, const h7nn_m7_requant_params *rq,
                                 uint32_t kind, uint32_t n, uint32_t d);
/* Mode 1: `rows` input rows of k int8 values (in, one after another) against a pairs record
 * of n rows: each widened into col (doubled, with the input offset, zero past k up to the
 * depth, 8n), then the pairs loop (h7nn_m7_fc_pairs16) and an odd last row by
 * h7nn_m7_dot_1col; the int8 outputs (before any activation clamp) into out, n per row.
 * FULLY_CONNECTED's batches, or a 1x1 CONV_2D's pixels (fewer than six). */
void h7nn_m7_pairs_rows(const uint32_t *record, const int8_t *in, int32_t rows, int32_t k, int32_t n,
                        int32_t input_offset, int16_t *col, int8_t *out);

#endif
