/* DEPTHWISE_CONV_2D, int8, Cortex-M7: 3x3, stride 1, depth multiplier 1 (the shape of
 * every DS-CNN and MobileNet block) in hand-scheduled assembly; any other filter size and
 * stride with dilation 1 and multiplier 1 (1-D streaming models' Kx1 filters, MobileNet's
 * stride-2 blocks) in C on the same plane layout (eval_any); the rest runs the reference.
 *
 * CMSIS-NN spends ~7.8 instructions per MAC here because the channels of one pixel are
 * independent accumulators, so SMLAD's pair of products never lands in one sum. This kernel
 * turns the problem around: one channel at a time, the input plane is widened to int16
 * (with the input offset, and zero padding) in scratch memory; then two horizontally
 * adjacent taps of the same channel sit next to each other in memory, and one LDR + SMLAD
 * does two MACs of one output. Two outputs side by side share their loads; the six weight
 * words of the channel stay in registers for the whole plane. Scratch: the padded plane. */
#include <string.h>

#include "engine/h7nn_quant.h"
#include "engine/kernels/m7/h7nn_m7_common.h"
#include "engine/kernels/m7/h7nn_simd.h"

static int fast_shape(const h7nn_conv_data *op) {
    return op->filter_h == 3 && op->filter_w == 3 && op->stride_h == 1 && op->stride_w == 1 &&
           op->dilation_h == 1 && op->dilation_w == 1 && op->depth_multiplier == 1 && op->pad_h <= 1 &&
           op->pad_w <= 1;
}

/* The padded plane is stored along the output's longer axis ("lines"), so that the inner
 * loop runs long and two neighbouring taps along that axis are adjacent int16 values:
 * lines = short extent + 2, each line_len = long extent + 3 rounded up to even (the last
 * output's word load at pos + 2 reads index long + 2).
 *
 * With 'same' padding across the lines (the border lines hold only the zero point) and two
 * or more channels, the scratch holds two planes, channels c and c + 1, the second starting
 * on the first's bottom border line (shared): one halfword load brings a pixel of both
 * channels, so widening costs half the loads (KWS: 13 lines instead of 2 x 7, no larger
 * than the 1x1 convolutions' scratch). */
typedef struct {
    int transposed;            /* lines are image columns (out_h > out_w) */
    int32_t long_len, short_len, line_len;
    int32_t step_long, step_short;  /* output byte steps along each axis */
    int paired;                /* two planes, the second pair_offset int16 after the first */
    int32_t pair_offset;
} plane_layout;

static plane_layout layout_of(const h7nn_conv_data *op) {
    plane_layout l;
    l.transposed = op->out_h > op->out_w;
    l.long_len = l.transposed ? op->out_h : op->out_w;
    l.short_len = l.transposed ? op->out_w : op->out_h;
    l.line_len = (l.long_len + 4) & ~1;
    l.step_long = l.transposed ? op->out_w * op->out_c : op->out_c;
    l.step_short = l.transposed ? op->out_c : op->out_w * op->out_c;
    const int32_t in_lines = l.transposed ? op->in_w : op->in_h, pad_across = l.transposed ? op->pad_w : op->pad_h;
    l.paired = op->in_c >= 2 && pad_across == 1 && in_lines == l.short_len;
    l.pair_offset = (l.short_len + 1) * l.line_len;
    return l;
}

/* ---- Any other filter size and stride (dilation 1, multiplier 1): the same idea, in C.
 * One channel at a time, the padded input plane (raw int16, border = zero point) is laid
 * with its lines along the filter's longer axis ("a"; e.g. the time axis of a 1-D model's
 * Kx1 filters), so filter taps t, t+1 of a line are adjacent: one word load + SMLAD per
 * pair, the weight word shared by two outputs side by side. */
#define H7NN_DW_ANY_WORDS 32  /* weight words of one channel (lines x pairs) held on the stack */
#define DW_CHUNK 16           /* outputs summed before they are requantized */
typedef struct {
    int transposed;                  /* lines run along the image's columns (axis a = height) */
    int32_t ka, kb, sa, sb, na, nb;  /* filter extent, stride, output extent along a and b */
    int32_t pa, pb, line_len;        /* plane extents (padded input actually read), line stride */
    int32_t pairs;                   /* weight words per filter line: ceil(ka / 2) */
} any_layout;

static any_layout any_layout_of(const h7nn_conv_data *op) {
    any_layout l;
    l.transposed = op->filter_h > op->filter_w || (op->filter_h == op->filter_w && op->out_h > op->out_w);
    l.ka = l.transposed ? op->filter_h : op->filter_w;
    l.kb = l.transposed ? op->filter_w : op->filter_h;
    l.sa = l.transposed ? op->stride_h : op->stride_w;
    l.sb = l.transposed ? op->stride_w : op->stride_h;
    l.na = l.transposed ? op->out_h : op->out_w;
    l.nb = l.transposed ? op->out_w : op->out_h;
    l.pa = (l.na - 1) * l.sa + l.ka;
    l.pb = (l.nb - 1) * l.sb + l.kb;
    l.line_len = ((l.pa + 1) & ~1) + 2;  /* the word load of an odd last tap stays inside */
    l.pairs = (l.ka + 1) / 2;
    return l;
}

static int any_shape(const h7nn_conv_data *op) {
    if (op->dilation_h != 1 || op->dilation_w != 1 || op->depth_multiplier != 1) return 0;
    any_layout l = any_layout_of(op);
    return (int64_t)l.kb * l.pairs <= H7NN_DW_ANY_WORDS && (int64_t)l.pb * l.line_len * 2 <= INT32_MAX / 4;
}

/* 3x3 at stride 2 (MobileNet's downsampling blocks): h7nn_m7_dw3x3s2_plane. Its last
 * quad of a line reads up to two words past the line (8 bytes of slack after the plane). */
static int s2_shape(const any_layout *l) {
    return l->ka == 3 && l->kb == 3 && l->sa == 2 && l->sb == 2;
}

/* One input line (1-D models: a line along time, width 1): the scratch holds two planes,
 * channels c and c + 1, widened together (one halfword load per time step brings both). */
static int any_paired(const h7nn_conv_data *op, const any_layout *l) {
    return l->pb == 1 && (l->transposed ? op->pad_w : op->pad_h) == 0 && op->in_c >= 2;
}

/* 3x3 at stride 2 reads every input value once per output it feeds but widens each once
 * per channel; the widening was half the op, so channels go in pairs there too: two
 * planes, the second pb lines after the first, one halfword load per pixel. */
static int any_paired2d(const h7nn_conv_data *op, const any_layout *l) {
    return s2_shape(l) && op->in_c >= 2;
}

#define DW_FEW_OUTPUTS 2   /* outputs per channel up to which eval_few runs (stream_bench) */
#define DW_FEW_TAPS 32     /* taps listed on the stack (larger filters take the plane) */

/* One-line filters (Kx1 along time, 1xK along frequency) at stride 1 on a 2-D input, four
 * or more channels: each channel's plane is a few short lines, so eval_any's per-channel setup and
 * C line sums cost 17-26 instructions per MAC (a 2-D DS-CNN's 3x1 / 1x3, `h7voice bench`);
 * eval_few's four channels per pass cost 15-16. A 1-D input (one line per channel) keeps
 * the plane: its line assembly is cheaper (kws_stream's 4x1 / 5x1: 6-8 per MAC there, 11 in
 * eval_few). prepare hands these ops lines_kernel, so eval's other shapes test nothing (a
 * test there moved the register allocation of the inlined plane loops: +128 instructions
 * per op on the streaming wake word's depthwise). */
static int line_shape(const h7nn_conv_data *op) {
    return op->in_w > 1 && op->in_h > 1 && (op->filter_h == 1 || op->filter_w == 1) && op->in_c >= 4 &&
           op->stride_h == 1 && op->stride_w == 1 && op->depth_multiplier == 1 && op->batches == 1 && op->filter_h * op->filter_w <= DW_FEW_TAPS;
}
static const h7nn_kernel lines_kernel;
static int few_shape(const h7nn_conv_data *op);
static int time_shape(const h7nn_conv_data *op);

/* Both kernels' prepare (the 3x3-only one links nothing else: no lines_kernel, no eval_few). */
static h7nn_status prepare_modes(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_status s = h7nn_conv_prepare_common(nn, node, 1);
    if (s != H7NN_OK) return s;
    h7nn_conv_data *op = node->op_data;
    /* the mode: from the plan (checked against this op) or here */
    const uint32_t *rec = h7nn_plan_op(nn, node);
    if (!fast_shape(op) && any_shape(op)) {
        any_layout l = any_layout_of(op);
        node->scratch_bytes = (uint32_t)(l.pb * l.line_len) * (any_paired(op, &l) || any_paired2d(op, &l) ? 4u : 2u) +
                              (s2_shape(&l) ? 8u : 0u);
        int doubled = h7nn_m7_requant_mode(op->filter, op->out_c, op->filter_h * op->filter_w, op->out_c, 1,
                                           op->shift);
        if (rec) return h7nn_m7_plan_mode(nn, node, rec, doubled, op->bias, op->out_c, &op->fast_requant);
        op->fast_requant = h7nn_m7_requant_kind(doubled, op->multiplier, op->shift, op->bias, op->out_c);
    } else if (fast_shape(op)) {
        plane_layout l = layout_of(op);
        /* + 4: the tail quad's loads past the last line (h7nn_m7_dw3x3_plane) */
        node->scratch_bytes = (uint32_t)((l.paired ? 2 * l.short_len + 3 : l.short_len + 2) * l.line_len) * 2u + 4u;
        int doubled = h7nn_m7_requant_mode(op->filter, op->out_c, 9, op->out_c, 1, op->shift) &&
                      op->act_min == -128 && op->act_max == 127;
        if (rec) return h7nn_m7_plan_mode(nn, node, rec, doubled, op->bias, op->out_c, &op->fast_requant);
        op->fast_requant = h7nn_m7_requant_kind(doubled, op->multiplier, op->shift, op->bias, op->out_c);
    }
    return H7NN_OK;
}

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_status s = prepare_modes(nn, node);
    const h7nn_conv_data *op = node->op_data;
    if (s == H7NN_OK && line_shape(op) && any_shape(op)) node->kernel = &lines_kernel;  /* never 3x3 */
    /* eval_few and eval_time (where eval sends a shape that is not 3x3 at stride 1) read the
     * int8 input as it is: no plane (here, not in prepare_modes, so that the 3x3-only kernel
     * links neither test) */
    if (s == H7NN_OK && !fast_shape(op) && (few_shape(op) || time_shape(op))) node->scratch_bytes = 0;
    return s;
}

/* Channel c of the input, raw, into the plane's interior (the border keeps the input zero
 * point that eval filled in). The loops run along the plane's lines, four values per pass
 * stored as two words. */
static void widen_channel(const h7nn_conv_data *op, const plane_layout *l, const int8_t *input, int c,
                          int16_t *plane) {
    const int32_t ll = l->line_len;
    /* along a line: input step and count; between lines: input step */
    const int32_t along = l->transposed ? op->in_w * op->in_c : op->in_c;
    const int32_t across = l->transposed ? op->in_c : op->in_w * op->in_c;
    const int32_t n = l->transposed ? op->in_h : op->in_w, lines = l->transposed ? op->in_w : op->in_h;
    const int32_t pad_along = l->transposed ? op->pad_h : op->pad_w, pad_across = l->transposed ? op->pad_w : op->pad_h;
    for (int32_t line = 0; line < lines; line++) {
        const int8_t *in = input + c + line * across;
        int16_t *dst = plane + (line + pad_across) * ll + pad_along;
        int32_t i = 0;
        for (; i + 4 <= n; i += 4, in += 4 * along) {
            uint32_t lo = h7nn_pack16((uint32_t)in[0], (uint32_t)in[along]);
            uint32_t hi = h7nn_pack16((uint32_t)in[2 * along], (uint32_t)in[3 * along]);
            memcpy(dst + i, &lo, 4);
            memcpy(dst + i + 2, &hi, 4);
        }
        for (; i < n; i++, in += along) dst[i] = in[0];
    }
}

/* Channels c and c + 1 into the two planes (l->paired): per pixel one halfword load of
 * both channels; two pixels [a_c a_c1 b_c b_c1] split by SXTB16 into (a_c, b_c) and
 * (a_c1, b_c1), one word store per plane. The loop over lines is h7nn_m7_dw_widen_pair
 * (in C its line overhead was a third of the widening on KWS's 25-pixel lines); its
 * constants: */
enum { WP_ALONG = 0, WP_ACROSS, WP_QUADS, WP_REST, WP_LINE_BYTES, WP_OTHER_BYTES, WP_WORDS };
/* `lines` input lines from in (ctx[WP_ACROSS] bytes apart, pixels ctx[WP_ALONG] apart),
 * into plane lines from dst (ctx[WP_LINE_BYTES] apart; the second plane
 * ctx[WP_OTHER_BYTES] after the first): ctx[WP_QUADS] passes of four pixels, then
 * ctx[WP_REST] pixels one at a time. */
void h7nn_m7_dw_widen_pair(const int8_t *in, int16_t *dst, const int32_t *ctx, int32_t lines);

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* r0/r1 the line's input and plane, r12/lr/r10 the cursors (input, plane 0, plane 1), r9
 * the pixel step, r11 the count, r4-r7 values */
__asm__(
    "  .pushsection .text.h7nn_m7_dw_widen_pair,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global h7nn_m7_dw_widen_pair\n"
    "  .type h7nn_m7_dw_widen_pair, %function\n"
    "  .thumb_func\n"
    "h7nn_m7_dw_widen_pair:\n"
    "  push {r4-r11, lr}\n"
    "  ldr r9, [r2]\n"                  /* WP_ALONG */
    "1:\n"
    "  mov r12, r0\n"
    "  mov lr, r1\n"
    "  ldr r10, [r2, #20]\n"            /* WP_OTHER_BYTES */
    "  add r10, r10, r1\n"
    "  ldr r11, [r2, #8]\n"             /* WP_QUADS */
    "  cmp r11, #0\n"
    "  beq 3f\n"
    "2:\n"
    "  ldrh r4, [r12]\n"
    "  ldrh r5, [r12, r9]\n"
    "  add r12, r12, r9, lsl #1\n"
    "  ldrh r6, [r12]\n"
    "  ldrh r7, [r12, r9]\n"
    "  add r12, r12, r9, lsl #1\n"
    "  orr r4, r4, r5, lsl #16\n"
    "  orr r6, r6, r7, lsl #16\n"
    "  sxtb16 r5, r4\n"
    "  sxtb16 r4, r4, ror #8\n"
    "  sxtb16 r7, r6\n"
    "  sxtb16 r6, r6, ror #8\n"
    "  str r5, [lr], #4\n"
    "  str r7, [lr], #4\n"
    "  str r4, [r10], #4\n"
    "  str r6, [r10], #4\n"
    "  subs r11, r11, #1\n"
    "  bne 2b\n"
    "3:\n"
    "  ldr r11, [r2, #12]\n"            /* WP_REST */
    "  cmp r11, #0\n"
    "  beq 5f\n"
    "4:\n"
    "  ldrsb r4, [r12]\n"
    "  ldrsb r5, [r12, #1]\n"
    "  add r12, r12, r9\n"
    "  strh r4, [lr], #2\n"
    "  strh r5, [r10], #2\n"
    "  subs r11, r11, #1\n"
    "  bne 4b\n"
    "5:\n"
    "  ldr r4, [r2, #4]\n"              /* WP_ACROSS */
    "  ldr r5, [r2, #16]\n"             /* WP_LINE_BYTES */
    "  add r0, r0, r4\n"
    "  add r1, r1, r5\n"
    "  subs r3, r3, #1\n"
    "  bne 1b\n"
    "  pop {r4-r11, pc}\n"
    "  .size h7nn_m7_dw_widen_pair, .-h7nn_m7_dw_widen_pair\n"
    "  .popsection\n");
#else
void h7nn_m7_dw_widen_pair(const int8_t *in, int16_t *dst, const int32_t *ctx, int32_t lines) {
    const int32_t along = ctx[WP_ALONG], other = ctx[WP_OTHER_BYTES] / 2;
    for (; lines > 0; lines--, in += ctx[WP_ACROSS], dst += ctx[WP_LINE_BYTES] / 2) {
        const int8_t *p = in;
        int16_t *d = dst;
        for (int32_t k = ctx[WP_QUADS]; k > 0; k--, p += 4 * along, d += 4) {
            uint16_t a, b, e, f;
            memcpy(&a, p, 2);
            memcpy(&b, p + along, 2);
            memcpy(&e, p + 2 * along, 2);
            memcpy(&f, p + 3 * along, 2);
            const uint32_t ab = (uint32_t)a | ((uint32_t)b << 16), ef = (uint32_t)e | ((uint32_t)f << 16);
            const uint32_t lo = h7nn_sxtb16(ab), hi = h7nn_sxtb16_ror8(ab), lo2 = h7nn_sxtb16(ef), hi2 = h7nn_sxtb16_ror8(ef);
            memcpy(d, &lo, 4);
            memcpy(d + other, &hi, 4);
            memcpy(d + 2, &lo2, 4);
            memcpy(d + other + 2, &hi2, 4);
        }
        for (int32_t k = ctx[WP_REST]; k > 0; k--, p += along, d++) d[0] = p[0], d[other] = p[1];
    }
}
#endif

static void widen_pair(const h7nn_conv_data *op, const plane_layout *l, const int8_t *input, int c, int16_t *plane) {
    const int32_t n = l->transposed ? op->in_h : op->in_w, lines = l->transposed ? op->in_w : op->in_h;
    const int32_t pad_along = l->transposed ? op->pad_h : op->pad_w;
    int32_t ctx[WP_WORDS];
    ctx[WP_ALONG] = l->transposed ? op->in_w * op->in_c : op->in_c;
    ctx[WP_ACROSS] = l->transposed ? op->in_c : op->in_w * op->in_c;
    ctx[WP_QUADS] = n >> 2;
    ctx[WP_REST] = n & 3;
    ctx[WP_LINE_BYTES] = l->line_len * 2;
    ctx[WP_OTHER_BYTES] = l->pair_offset * 2;
    if (lines > 0) h7nn_m7_dw_widen_pair(input + c, plane + l->line_len + pad_along, ctx, lines);
}

/* Weights of one channel in plane order: for line offset j, taps 0 and 1 along the line
 * packed for SMLAD, tap 2 alone. */
static void channel_weights(const h7nn_conv_data *op, const plane_layout *l, int c, int scale, uint32_t w01[3],
                            uint32_t w2[3]) {
    const int8_t *w = op->filter + c;
    int32_t oc = op->out_c;
    for (int j = 0; j < 3; j++) {
        int t0 = l->transposed ? j : 3 * j, t1 = l->transposed ? 3 + j : 3 * j + 1, t2 = l->transposed ? 6 + j : 3 * j + 2;
        w01[j] = (uint16_t)(int16_t)(w[t0 * oc] * scale) | ((uint32_t)(uint16_t)(int16_t)(w[t1 * oc] * scale) << 16);
        w2[j] = (uint16_t)(int16_t)(w[t2 * oc] * scale);
    }
}

/* The fast form: right shifts only, bounded accumulators (h7nn_m7_requant_mode), full int8
 * activation range. The plane holds the raw input (its border the input zero point) and
 * the input offset is folded into the accumulator's start, sum (x + off) w = sum x w +
 * off sum w. Four outputs per pass read three aligned words per filter line, [x0|x1],
 * [x2|x3], [x4|x5]: outputs 0 and 2 pair taps 0,1 with SMLAD and take tap 2 alone
 * (SMLABB), outputs 1 and 3 take tap 0 alone (SMLATT) and pair taps 1,2 - eight multiply
 * instructions and one LDM per filter line.
 *
 * The per-channel constants, in the order h7nn_m7_dw3x3_plane loads them: */
enum { DW_W = 0, DW_MULT = 9, DW_ROUND, DW_RIGHT, DW_STEP, DW_START, DW_LINE_BYTES, DW_QUAD_BYTES, DW_TAIL, DW_STEP_SHORT,
       DW_ODD, DW_WORDS };

/* Every output of one channel: `lines` lines of the plane from q (word aligned), each
 * ctx[DW_LINE_BYTES] apart, written every ctx[DW_STEP] bytes from out, lines
 * ctx[DW_STEP_SHORT] bytes apart. Per line: quads of 4 outputs (ctx[DW_QUAD_BYTES] = quads
 * x 4 x step), then a last quad of which ctx[DW_TAIL] (0..3) outputs are stored; its loads
 * reach 2 int16 past the line (the scratch has 4 bytes of slack after the last line). */
void h7nn_m7_dw3x3_plane(const uint32_t *q, int8_t *out, const uint32_t *ctx, int32_t lines);

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* r0 plane, r1 out, r2 constants, r3 line bytes, r4-r7 accumulators, r8-r10 the three
 * words of a filter line (LDM), r11/r12/lr its weights [w0|w1], [w1|w2], [w2|w0] (LDM);
 * the end of the output run waits on the stack. The first filter line starts every
 * accumulator from the channel's start (in r4 until r4's own first product, which comes
 * last), so no moves. */
#define H7NN_DW_MAC8_FIRST              \
    "  smlatt r5, r8, lr, r4\n"         \
    "  smlad r6, r9, r11, r4\n"         \
    "  smlatt r7, r9, lr, r4\n"         \
    "  smlad r4, r8, r11, r4\n"         \
    "  smlabb r4, r9, lr, r4\n"         \
    "  smlad r5, r9, r12, r5\n"         \
    "  smlabb r6, r10, lr, r6\n"        \
    "  smlad r7, r10, r12, r7\n"
#define H7NN_DW_MAC8                    \
    "  smlad r4, r8, r11, r4\n"         \
    "  smlabb r4, r9, lr, r4\n"         \
    "  smlatt r5, r8, lr, r5\n"         \
    "  smlad r5, r9, r12, r5\n"         \
    "  smlad r6, r9, r11, r6\n"         \
    "  smlabb r6, r10, lr, r6\n"        \
    "  smlatt r7, r9, lr, r7\n"         \
    "  smlad r7, r10, r12, r7\n"
/* SMMLAR adds the rounding constant to SMMULR's result in the same instruction; the sign
 * of that product is the accumulator's (multiplier > 2^30, checked by the caller), so the
 * round-half-away correction reads ACC. Two outputs share one pointer step (register
 * offset for the second). */
#define H7NN_DW_OUT2(A0, A1)            \
    "  smmlar r8, " A0 ", r9, r10\n"    \
    "  add r8, r8, " A0 ", asr #31\n"   \
    "  smmlar lr, " A1 ", r9, r10\n"    \
    "  add lr, lr, " A1 ", asr #31\n"   \
    "  asr r8, r8, r11\n"               \
    "  asr lr, lr, r11\n"               \
    "  ssat r8, #8, r8\n"               \
    "  ssat lr, #8, lr\n"               \
    "  strb r8, [r1]\n"                 \
    "  strb lr, [r1, r12]\n"            \
    "  add r1, r1, r12, lsl #1\n"
/* A quad walking the weights up (filter lines 0, 1, 2; r2 from DW_W to DW_MULT), then one
 * walking them down (lines 2, 1, 0; r2 back to DW_W), so the loop never rewinds r2: the
 * down walk ends on the copy of DW_MULT..DW_STEP the caller keeps just below DW_W. */
#define H7NN_DW_QUAD_UP                  \
    "  ldr r4, [r2, #52]\n"             /* DW_START */ \
    "  ldmia r0, {r8, r9, r10}\n"       \
    "  ldmia r2!, {r11, r12, lr}\n"     \
    H7NN_DW_MAC8_FIRST                  \
    "  add r8, r0, r3\n"                \
    "  ldmia r8, {r8, r9, r10}\n"       /* base in the list, no writeback: allowed */ \
    "  ldmia r2!, {r11, r12, lr}\n"     \
    H7NN_DW_MAC8                        \
    "  add r8, r0, r3, lsl #1\n"        \
    "  ldmia r8, {r8, r9, r10}\n"       \
    "  ldmia r2!, {r11, r12, lr}\n"     \
    H7NN_DW_MAC8                        \
    "  add r0, r0, #8\n"                \
    "  ldmia r2, {r9, r10, r11, r12}\n" /* DW_MULT, DW_ROUND, DW_RIGHT, DW_STEP */
#define H7NN_DW_QUAD_DOWN                \
    "  ldr r4, [r2, #16]\n"             /* DW_START (r2 at DW_MULT) */ \
    "  add r8, r0, r3, lsl #1\n"        \
    "  ldmia r8, {r8, r9, r10}\n"       \
    "  ldmdb r2!, {r11, r12, lr}\n"     \
    H7NN_DW_MAC8_FIRST                  \
    "  add r8, r0, r3\n"                \
    "  ldmia r8, {r8, r9, r10}\n"       \
    "  ldmdb r2!, {r11, r12, lr}\n"     \
    H7NN_DW_MAC8                        \
    "  ldmia r0, {r8, r9, r10}\n"       \
    "  ldmdb r2!, {r11, r12, lr}\n"     \
    H7NN_DW_MAC8                        \
    "  add r0, r0, #8\n"                \
    "  ldmdb r2, {r9, r10, r11, r12}\n" /* the copy of DW_MULT, DW_ROUND, DW_RIGHT, DW_STEP */
#define H7NN_DW_QUAD H7NN_DW_QUAD_UP "  sub r2, r2, #36\n"
/* Two outputs (a line's last two): [x0|x1], [x2|x3] per filter line; output 0 pairs taps
 * 0,1 and takes tap 2 alone, output 1 takes tap 0 alone and pairs taps 1,2. */
#define H7NN_DW_PAIR_LINE(BASE)         \
    "  ldmia " BASE ", {r8, r9}\n"      \
    "  ldmia r2!, {r11, r12, lr}\n"     \
    "  smlad r4, r8, r11, r4\n"         \
    "  smlabb r4, r9, lr, r4\n"         \
    "  smlatt r5, r8, lr, r5\n"         \
    "  smlad r5, r9, r12, r5\n"
#define H7NN_DW_OUT1(A, OFS)            \
    "  smmlar r8, " A ", r9, r10\n"     \
    "  add r8, r8, " A ", asr #31\n"    \
    "  asr r8, r8, r11\n"               \
    "  ssat r8, #8, r8\n"               \
    "  strb r8, [r1" OFS "]\n"
#define H7NN_DW_TAP3(MOVE)              \
    MOVE                                \
    "  ldmia r0, {r8, r9}\n"            \
    "  ldmia r2!, {r11, r12, lr}\n"     \
    "  smlad r4, r8, r11, r4\n"         \
    "  smlabb r4, r9, lr, r4\n"
/* Stack: [sp] end of the line's quads, [sp, #4] lines left, [sp, #8] the line's plane
 * start, [sp, #12] its first output. */
__asm__(
    "  .pushsection .text.h7nn_m7_dw3x3_plane,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global h7nn_m7_dw3x3_plane\n"
    "  .type h7nn_m7_dw3x3_plane, %function\n"
    "  .thumb_func\n"
    "h7nn_m7_dw3x3_plane:\n"
    "  push {r4-r11, lr}\n"
    "  sub sp, sp, #16\n"
    "  str r3, [sp, #4]\n"
    "  ldr r3, [r2, #56]\n"             /* DW_LINE_BYTES */
    "2:\n"
    "  ldr r4, [r2, #60]\n"             /* DW_QUAD_BYTES */
    "  strd r0, r1, [sp, #8]\n"
    "  add r4, r4, r1\n"
    "  str r4, [sp]\n"
    "  cmp r1, r4\n"
    "  beq 3f\n"
    "  ldr r8, [r2, #72]\n"             /* DW_ODD: an odd quad count enters at the second copy */
    "  cmp r8, #0\n"
    "  bne 7f\n"
    "1:\n"                              /* two quads per pass */
    H7NN_DW_QUAD_UP
    H7NN_DW_OUT2("r4", "r5")
    H7NN_DW_OUT2("r6", "r7")
    "6:\n"
    H7NN_DW_QUAD_DOWN
    H7NN_DW_OUT2("r4", "r5")
    H7NN_DW_OUT2("r6", "r7")
    "  ldr r8, [sp]\n"
    "  cmp r1, r8\n"
    "  bne 1b\n"
    "3:\n"
    "  ldr r8, [r2, #64]\n"             /* DW_TAIL */
    "  cmp r8, #1\n"
    "  blt 4f\n"
    "  bgt 5f\n"
    /* one output (KWS's 25-long lines): its own two words per filter line */
    "  ldr r4, [r2, #52]\n"             /* DW_START */
    H7NN_DW_TAP3("")
    H7NN_DW_TAP3("  add r0, r0, r3\n")
    H7NN_DW_TAP3("  add r0, r0, r3\n")
    "  ldmia r2, {r9, r10, r11, r12}\n"
    "  sub r2, r2, #36\n"
    H7NN_DW_OUT1("r4", "")
    "  b 4f\n"
    "7:\n"                             /* odd quad count: the down walk first, from DW_MULT */
    "  add r2, r2, #36\n"
    "  b 6b\n"
    "5:\n"
    "  cmp r8, #3\n"
    "  beq 8f\n"
    /* two outputs: four multiplies per filter line instead of a quad's eight */
    "  ldr r4, [r2, #52]\n"             /* DW_START */
    "  mov r5, r4\n"
    H7NN_DW_PAIR_LINE("r0")
    "  add r8, r0, r3\n"
    H7NN_DW_PAIR_LINE("r8")
    "  add r8, r0, r3, lsl #1\n"
    H7NN_DW_PAIR_LINE("r8")
    "  ldmia r2, {r9, r10, r11, r12}\n"
    "  sub r2, r2, #36\n"
    H7NN_DW_OUT2("r4", "r5")
    "  b 4f\n"
    "8:\n"                              /* three: a quad, three kept */
    H7NN_DW_QUAD
    H7NN_DW_OUT1("r4", "")
    H7NN_DW_OUT1("r5", ", r12")
    "  add r1, r1, r12, lsl #1\n"
    H7NN_DW_OUT1("r6", "")
    "4:\n"
    "  ldrd r0, r1, [sp, #8]\n"
    "  ldr r8, [r2, #68]\n"             /* DW_STEP_SHORT */
    "  add r0, r0, r3\n"
    "  add r1, r1, r8\n"
    "  ldr r8, [sp, #4]\n"
    "  subs r8, r8, #1\n"
    "  str r8, [sp, #4]\n"
    "  bne 2b\n"
    "  add sp, sp, #16\n"
    "  pop {r4-r11, pc}\n"
    "  .size h7nn_m7_dw3x3_plane, .-h7nn_m7_dw3x3_plane\n"
    "  .popsection\n");
#else
void h7nn_m7_dw3x3_plane(const uint32_t *q, int8_t *out, const uint32_t *ctx, int32_t lines) {
    const int32_t mult = (int32_t)ctx[DW_MULT], round_offset = (int32_t)ctx[DW_ROUND], right = (int32_t)ctx[DW_RIGHT];
    const int32_t step = (int32_t)ctx[DW_STEP], words = (int32_t)ctx[DW_LINE_BYTES] / 4;
    const int32_t quads = (int32_t)(ctx[DW_QUAD_BYTES] / (4u * ctx[DW_STEP])), tail = (int32_t)ctx[DW_TAIL];
    for (; lines > 0; lines--, q += words, out += ctx[DW_STEP_SHORT]) {
        int8_t *o = out;
        for (int32_t k = 0; k < quads + (tail > 0); k++) {
            /* the same sums as the assembly; the tail's unused ones are not computed here,
             * so the host build (sanitizers) reads only the line */
            const int32_t n = k < quads ? 4 : tail;
            int32_t acc[4];
            for (int32_t i = 0; i < n; i++) {
                const int16_t *p = (const int16_t *)(const void *)(q + 2 * k) + i;
                int32_t a = (int32_t)ctx[DW_START];
                for (int j = 0; j < 3; j++, p += 2 * words) {  /* [w0|w1] on taps 0, 1; [w2|w0]'s bottom on tap 2 */
                    a = h7nn_smlad(h7nn_read_u32(p), ctx[DW_W + 3 * j], a);
                    a = h7nn_smlabb((uint32_t)(uint16_t)p[2], ctx[DW_W + 3 * j + 2], a);
                }
                acc[i] = a;
            }
            for (int32_t i = 0; i < n; i++, o += step)
                o[0] = (int8_t)h7nn_ssat8(h7nn_m7_requant_x2(acc[i], mult, round_offset, right));
        }
    }
}
#endif

/* The op's part of h7nn_m7_dw3x3_plane's constants, set once per op: words[4 + DW_WORDS],
 * the constants from words + 4 and DW_MULT..DW_STEP also in words[0..3] (the down walk). */
static void plane_op_constants(const plane_layout *l, uint32_t *words) {
    uint32_t *ctx = words + 4;
    const uint32_t step = (uint32_t)l->step_long;
    ctx[DW_STEP] = words[3] = step;
    ctx[DW_LINE_BYTES] = (uint32_t)l->line_len * 2u;
    ctx[DW_QUAD_BYTES] = (uint32_t)(l->long_len >> 2) * 4u * step;
    ctx[DW_TAIL] = (uint32_t)(l->long_len & 3);
    ctx[DW_STEP_SHORT] = (uint32_t)l->step_short;
    ctx[DW_ODD] = (uint32_t)((l->long_len >> 2) & 1);
}

/* One filter line's taps 0, 1, 2 along the plane's lines, doubled (accumulators are 2 * acc,
 * the SMMULR form), as [w0|w1], [w1|w2], [w2|w0]; returns their sum. */
static inline int32_t plane_weights(const int8_t *f, int32_t along, uint32_t *w) {
    const int32_t w0 = f[0] * 2, w1 = f[along] * 2, w2 = f[2 * along] * 2;
    w[0] = h7nn_pack16((uint32_t)w0, (uint32_t)w1);
    w[1] = h7nn_pack16((uint32_t)w1, (uint32_t)w2);
    w[2] = h7nn_pack16((uint32_t)w2, (uint32_t)w0);
    return w0 + w1 + w2;
}

/* words: plane_op_constants' buffer (the channel's part is written here) */
static void channel_plane_fast(const h7nn_conv_data *op, const plane_layout *l, const int16_t *plane, int c,
                               int8_t *output, uint32_t *words) {
    uint32_t *ctx = words + 4;
    const int32_t oc = op->out_c, along = l->transposed ? 3 * oc : oc, across = l->transposed ? oc : 3 * oc;
    const int8_t *f = op->filter + c;
    const int32_t sum = plane_weights(f, along, ctx + DW_W) + plane_weights(f + across, along, ctx + DW_W + 3) +
                        plane_weights(f + 2 * across, along, ctx + DW_W + 6);
    const int32_t start = (int32_t)((op->bias ? (uint32_t)op->bias[c] << 1 : 0u) + (uint32_t)(op->input_offset * sum));
    const int32_t mult = op->multiplier[c], right = -op->shift[c];
    const int32_t round_offset = h7nn_m7_round_offset(right, op->output_offset);
    /* the assembly takes the rounding correction's sign from the accumulator: exact for
     * multipliers above 2^30 (QuantizeMultiplier's range, less its power-of-two and zero
     * cases, which take the C loop below) */
    const int32_t ll = l->line_len, step = l->step_long;
    if (mult > (1 << 30)) {
        ctx[DW_MULT] = words[0] = (uint32_t)mult;
        ctx[DW_ROUND] = words[1] = (uint32_t)round_offset;
        ctx[DW_RIGHT] = words[2] = (uint32_t)right;
        ctx[DW_START] = (uint32_t)start;
        h7nn_m7_dw3x3_plane((const uint32_t *)(const void *)plane, output + c, ctx, l->short_len);
        return;
    }
    /* [w0|w1] and [w2|w0] (SMLABB reads w2) per filter line */
    const uint32_t w01_0 = ctx[0], w01_1 = ctx[3], w01_2 = ctx[6], w2_0 = ctx[2], w2_1 = ctx[5], w2_2 = ctx[8];
    for (int line = 0; line < l->short_len; line++) {
        const int16_t *r = plane + line * ll;
        int8_t *out = output + line * l->step_short + c;
        for (int pos = 0; pos < l->long_len; pos++, out += step) {
            const int16_t *p = r + pos;
            int32_t acc = h7nn_smlad(h7nn_read_u32(p), w01_0, start);
            acc = h7nn_smlabb(h7nn_read_u32(p + 2), w2_0, acc);
            acc = h7nn_smlad(h7nn_read_u32(p + ll), w01_1, acc);
            acc = h7nn_smlabb(h7nn_read_u32(p + ll + 2), w2_1, acc);
            acc = h7nn_smlad(h7nn_read_u32(p + 2 * ll), w01_2, acc);
            acc = h7nn_smlabb(h7nn_read_u32(p + 2 * ll + 2), w2_2, acc);
            out[0] = (int8_t)h7nn_ssat8(h7nn_m7_requant_x2(acc, mult, round_offset, right));
        }
    }
}

/* Any requantization and activation range (exact TFLite arithmetic). */
__attribute__((cold)) static void channel_plane(const h7nn_conv_data *op, const plane_layout *l, const int16_t *plane, int c,
                          int8_t *output) {
    uint32_t w01[3], w2[3];
    channel_weights(op, l, c, 1, w01, w2);
    int32_t sum = 0;
    for (int j = 0; j < 3; j++) sum += (int16_t)(w01[j] & 0xFFFFu) + (int16_t)(w01[j] >> 16) + (int16_t)w2[j];
    /* the input offset folded in (wrapping like the reference's int32 sum) */
    int32_t bias = (int32_t)((uint32_t)(op->bias ? op->bias[c] : 0) + (uint32_t)(op->input_offset * sum));
    int32_t mult = op->multiplier[c], shift = op->shift[c];
    for (int line = 0; line < l->short_len; line++) {
        for (int pos = 0; pos < l->long_len; pos++) {
            int32_t acc = bias;
            const int16_t *r = plane + line * l->line_len + pos;
            for (int j = 0; j < 3; j++, r += l->line_len) {
                acc = h7nn_smlad(h7nn_read_u32(r), w01[j], acc);
                acc = h7nn_smlabb(h7nn_read_u32(r + 2), w2[j], acc);
            }
            int32_t v = h7nn_add_wrap(h7nn_mbqm(acc, mult, shift), op->output_offset);
            output[line * l->step_short + pos * l->step_long + c] = (int8_t)h7nn_clamp(v, op->act_min, op->act_max);
        }
    }
}

/* Channel c of the input into the plane (raw values; pad and cropped parts keep the border). */
__attribute__((noinline)) static void any_widen_channel(const h7nn_conv_data *op, const any_layout *l, const int8_t *input, int c,
                              int16_t *plane) {
    const int32_t in_a = l->transposed ? op->in_h : op->in_w, in_b = l->transposed ? op->in_w : op->in_h;
    const int32_t step_a = (l->transposed ? op->in_w : 1) * op->in_c, step_b = (l->transposed ? 1 : op->in_w) * op->in_c;
    const int32_t pad_a = l->transposed ? op->pad_h : op->pad_w, pad_b = l->transposed ? op->pad_w : op->pad_h;
    const int32_t n = (pad_a + in_a < l->pa ? pad_a + in_a : l->pa) - pad_a;
    for (int32_t j = 0; j < l->pb; j++) {
        int32_t ib = j - pad_b;
        if (ib < 0 || ib >= in_b) continue;
        const int8_t *in = input + c + ib * step_b;
        int16_t *dst = plane + j * l->line_len + pad_a;
        int32_t i = 0;
        for (; i + 2 <= n; i += 2, in += 2 * step_a) {  /* two values, one store */
            uint32_t pair = h7nn_pack16((uint32_t)(int32_t)in[0], (uint32_t)(int32_t)in[step_a]);
            memcpy(dst + i, &pair, 4);
        }
        if (i < n) dst[i] = in[0];
    }
}

/* One filter line at stride 1 (the 1-D streaming models' Kx1 layers): n outputs along a
 * line of the plane from p, written every ctx[L1_STEP] bytes from out; ctx[L1_W...] holds
 * the channel's ctx[L1_PAIRS] doubled weight words. Four outputs per pass share each weight
 * word (their four words at p + 0, 2, 4, 6 bytes: unaligned LDRs), then a single output at a
 * time. Requantization as h7nn_m7_dw3x3_plane's (multiplier > 2^30, full int8 range). */
enum { L1_PAIRS = 0, L1_START, L1_MULT, L1_ROUND, L1_RIGHT, L1_STEP, L1_W };
void h7nn_m7_dw_line1(const int16_t *p, int8_t *out, const uint32_t *ctx, int32_t n);

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define H7NN_DW_L1_OUT(A)               \
    "  smmlar r12, " A ", r8, r9\n"     \
    "  add r12, r12, " A ", asr #31\n"  \
    "  asr r12, r12, r10\n"             \
    "  ssat r12, #8, r12\n"             \
    "  strb r12, [r1]\n"                \
    "  add r1, r1, r11\n"
/* r0 plane, r1 out, r2 constants, r3 outputs left, r4-r7 sums, r8 weight word, r9/r10 plane
 * words, r11 weight pointer, r12 pairs left; then r8-r11 the requantization constants. */
__asm__(
    "  .pushsection .text.h7nn_m7_dw_line1,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global h7nn_m7_dw_line1\n"
    "  .type h7nn_m7_dw_line1, %function\n"
    "  .thumb_func\n"
    "h7nn_m7_dw_line1:\n"
    "  push {r4-r11, lr}\n"
    "  cmp r3, #4\n"
    "  blt 4f\n"
    "1:\n"
    "  ldr r4, [r2, #4]\n"              /* L1_START */
    "  mov r5, r4\n"
    "  mov r6, r4\n"
    "  mov r7, r4\n"
    "  add r11, r2, #24\n"              /* L1_W */
    "  ldr r12, [r2]\n"                 /* L1_PAIRS */
    "2:\n"
    "  ldr r8, [r11], #4\n"
    "  ldr r9, [r0]\n"
    "  ldr r10, [r0, #2]\n"
    "  smlad r4, r9, r8, r4\n"
    "  smlad r5, r10, r8, r5\n"
    "  ldr r9, [r0, #4]\n"
    "  ldr r10, [r0, #6]\n"
    "  smlad r6, r9, r8, r6\n"
    "  smlad r7, r10, r8, r7\n"
    "  add r0, r0, #4\n"
    "  subs r12, r12, #1\n"
    "  bne 2b\n"
    "  ldr r12, [r2]\n"
    "  sub r0, r0, r12, lsl #2\n"
    "  add r0, r0, #8\n"
    "  add r12, r2, #8\n"
    "  ldmia r12, {r8, r9, r10, r11}\n" /* L1_MULT, L1_ROUND, L1_RIGHT, L1_STEP */
    H7NN_DW_L1_OUT("r4")
    H7NN_DW_L1_OUT("r5")
    H7NN_DW_L1_OUT("r6")
    H7NN_DW_L1_OUT("r7")
    "  sub r3, r3, #4\n"
    "  cmp r3, #4\n"
    "  bge 1b\n"
    "4:\n"
    "  cmp r3, #0\n"
    "  beq 9f\n"
    "5:\n"
    "  ldr r4, [r2, #4]\n"
    "  add r11, r2, #24\n"
    "  ldr r12, [r2]\n"
    "  mov lr, r0\n"
    "6:\n"
    "  ldr r8, [r11], #4\n"
    "  ldr r9, [lr], #4\n"
    "  smlad r4, r9, r8, r4\n"
    "  subs r12, r12, #1\n"
    "  bne 6b\n"
    "  add r0, r0, #2\n"
    "  add r12, r2, #8\n"
    "  ldmia r12, {r8, r9, r10, r11}\n"
    H7NN_DW_L1_OUT("r4")
    "  subs r3, r3, #1\n"
    "  bne 5b\n"
    "9:\n"
    "  pop {r4-r11, pc}\n"
    "  .size h7nn_m7_dw_line1, .-h7nn_m7_dw_line1\n"
    "  .popsection\n");
#else
void h7nn_m7_dw_line1(const int16_t *p, int8_t *out, const uint32_t *ctx, int32_t n) {
    for (; n > 0; n--, p++, out += (int32_t)ctx[L1_STEP]) {
        int32_t acc = (int32_t)ctx[L1_START];
        for (uint32_t t = 0; t < ctx[L1_PAIRS]; t++) acc = h7nn_smlad(h7nn_read_u32(p + 2 * t), ctx[L1_W + t], acc);
        out[0] = (int8_t)h7nn_ssat8(h7nn_m7_requant_x2(acc, (int32_t)ctx[L1_MULT], (int32_t)ctx[L1_ROUND],
                                                        (int32_t)ctx[L1_RIGHT]));
    }
}
#endif

/* The sums of n outputs along a line, one filter line of `pairs` weight words (an odd
 * filter's last word has a zero top half: its partner value counts 0), two outputs per
 * pass sharing each weight word. (This, any_channel and any_widen_channel stay out of line:
 * inlined into eval they measured 3% slower, from register pressure.) */
static __attribute__((noinline)) void line_sums(const int16_t *p, int32_t sa, const uint32_t *w,
                                                            const int32_t pairs, int32_t start, int32_t n,
                                                            int32_t *acc) {
    int32_t i = 0;
    for (; i + 2 <= n; i += 2, p += 2 * sa) {
        int32_t a0 = start, a1 = start;
        for (int32_t t = 0; t < pairs; t++) {
            a0 = h7nn_smlad(h7nn_read_u32(p + 2 * t), w[t], a0);
            a1 = h7nn_smlad(h7nn_read_u32(p + sa + 2 * t), w[t], a1);
        }
        acc[i] = a0, acc[i + 1] = a1;
    }
    if (i < n) {
        int32_t a0 = start;
        for (int32_t t = 0; t < pairs; t++) a0 = h7nn_smlad(h7nn_read_u32(p + 2 * t), w[t], a0);
        acc[i] = a0;
    }
}

/* Any number of filter lines (ll apart in the plane). */
static void lines_sums(const int16_t *p, int32_t sa, int32_t ll, const uint32_t *w, int32_t pairs, int32_t kb,
                       int32_t start, int32_t n, int32_t *acc) {
    int32_t i = 0;
    for (; i + 2 <= n; i += 2, p += 2 * sa) {
        const int16_t *p0 = p, *p1 = p + sa;
        int32_t a0 = start, a1 = start;
        const uint32_t *wj = w;
        for (int32_t jb = 0; jb < kb; jb++, p0 += ll, p1 += ll, wj += pairs) {
            for (int32_t t = 0; t < pairs; t++) {
                a0 = h7nn_smlad(h7nn_read_u32(p0 + 2 * t), wj[t], a0);
                a1 = h7nn_smlad(h7nn_read_u32(p1 + 2 * t), wj[t], a1);
            }
        }
        acc[i] = a0, acc[i + 1] = a1;
    }
    if (i < n) {
        int32_t a0 = start;
        const uint32_t *wj = w;
        for (int32_t jb = 0; jb < kb; jb++, p += ll, wj += pairs)
            for (int32_t t = 0; t < pairs; t++) a0 = h7nn_smlad(h7nn_read_u32(p + 2 * t), wj[t], a0);
        acc[i] = a0;
    }
}

__attribute__((noinline)) static void any_channel(const h7nn_conv_data *op, const any_layout *l, const int16_t *plane, int c, int8_t *output) {
    const int doubled = op->fast_requant != 0, scale = doubled ? 2 : 1;
    uint32_t w[H7NN_DW_ANY_WORDS];
    int32_t sum = 0;
    /* tap (jb, ta) of the channel sits at filter[c + jb * line_step + ta * tap_step] */
    const int32_t tap_step = (l->transposed ? op->filter_w : 1) * op->out_c;
    const int32_t line_step = (l->transposed ? 1 : op->filter_w) * op->out_c;
    uint32_t *wp = w;
    for (int32_t jb = 0; jb < l->kb; jb++) {
        const int8_t *f = op->filter + c + jb * line_step;
        for (int32_t ta = 0; ta < l->ka; ta += 2, f += 2 * tap_step) {
            int32_t lo = f[0] * scale, hi = ta + 1 < l->ka ? f[tap_step] * scale : 0;
            sum += lo + hi;
            *wp++ = (uint16_t)(int16_t)lo | ((uint32_t)(uint16_t)(int16_t)hi << 16);
        }
    }
    /* the input offset folded into the start (wrapping like the reference's int32 sums) */
    const int32_t bias = op->bias ? op->bias[c] : 0;
    const int32_t start = (int32_t)((uint32_t)bias * (uint32_t)scale + (uint32_t)(op->input_offset * sum));
    const int32_t mult = op->multiplier[c], shift = op->shift[c];
    const int short_form = op->fast_requant == 1 || (op->fast_requant == 2 && h7nn_m7_short_channel(mult, shift, bias));
    const int32_t right = -shift, round_offset = short_form ? h7nn_m7_round_offset(right, op->output_offset) : 0;
    const int32_t step_a = (l->transposed ? op->out_w : 1) * op->out_c, step_b = (l->transposed ? 1 : op->out_w) * op->out_c;
    const int32_t ll = l->line_len, pairs = l->pairs, sa = l->sa;
    const int32_t lo = op->act_min, hi = op->act_max, out_offset = op->output_offset;
    int32_t acc[DW_CHUNK];
    for (int32_t ob = 0; ob < l->nb; ob++) {
        const int16_t *line0 = plane + ob * l->sb * ll;
        int8_t *out = output + ob * step_b + c;
        for (int32_t oa0 = 0; oa0 < l->na; oa0 += DW_CHUNK) {
            const int32_t n = l->na - oa0 < DW_CHUNK ? l->na - oa0 : DW_CHUNK;
            const int16_t *p = line0 + oa0 * sa;
            /* the sums of the chunk first, then its requantization, each loop with its own
             * constants in registers */
            if (l->ka == 3 && l->kb == 3) {  /* MobileNet's 3x3 at stride 2: unrolled */
                const uint32_t w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5];
                for (int32_t i = 0; i < n; i++, p += sa) {
                    int32_t a0 = h7nn_smlad(h7nn_read_u32(p), w0, start);
                    a0 = h7nn_smlabb(h7nn_read_u32(p + 2), w1, a0);
                    a0 = h7nn_smlad(h7nn_read_u32(p + ll), w2, a0);
                    a0 = h7nn_smlabb(h7nn_read_u32(p + ll + 2), w3, a0);
                    a0 = h7nn_smlad(h7nn_read_u32(p + 2 * ll), w4, a0);
                    acc[i] = h7nn_smlabb(h7nn_read_u32(p + 2 * ll + 2), w5, a0);
                }
            } else if (l->kb == 1) {  /* one filter line (1-D models) */
                line_sums(p, sa, w, pairs, start, n, acc);
            } else {
                lines_sums(p, sa, ll, w, pairs, l->kb, start, n, acc);
            }
            int8_t *o = out + oa0 * step_a;
            if (short_form) {
                for (int32_t i = 0; i < n; i++, o += step_a) {
                    int32_t v = h7nn_ssat8(h7nn_m7_requant_x2(acc[i], mult, round_offset, right));
                    o[0] = (int8_t)(v < lo ? lo : v > hi ? hi : v);
                }
            } else {
                for (int32_t i = 0; i < n; i++, o += step_a) {
                    int32_t v = h7nn_add_wrap(h7nn_mbqm(doubled ? h7nn_m7_exact_acc(acc[i], bias) : acc[i], mult, shift),
                                              out_offset);
                    o[0] = (int8_t)h7nn_clamp(v, lo, hi);
                }
            }
        }
    }
}

/* Channels c and c + 1 of a one-line plane (any_paired) into the two planes: two time
 * steps [a_c a_c1 b_c b_c1] split by SXTB16 into (a_c, b_c) and (a_c1, b_c1). */
static void any_widen_pair(const h7nn_conv_data *op, const any_layout *l, const int8_t *input, int c,
                           int16_t *plane) {
    const int32_t in_a = l->transposed ? op->in_h : op->in_w;
    const int32_t step_a = (l->transposed ? op->in_w : 1) * op->in_c, pad_a = l->transposed ? op->pad_h : op->pad_w;
    const int32_t n = (pad_a + in_a < l->pa ? pad_a + in_a : l->pa) - pad_a;
    const int8_t *in = input + c;
    int16_t *dst = plane + pad_a, *dst1 = dst + l->line_len;
    int32_t i = 0;
    for (; i + 2 <= n; i += 2, in += 2 * step_a) {
        uint16_t a, b;
        memcpy(&a, in, 2);
        memcpy(&b, in + step_a, 2);
        const uint32_t ab = (uint32_t)a | ((uint32_t)b << 16), lo = h7nn_sxtb16(ab), hi = h7nn_sxtb16_ror8(ab);
        memcpy(dst + i, &lo, 4);
        memcpy(dst1 + i, &hi, 4);
    }
    if (i < n) dst[i] = in[0], dst1[i] = in[1];
}

/* Channels c and c + 1 of a 2-D plane (any_paired2d) into the two planes, the second
 * pb * line_len int16 after the first (h7nn_m7_dw_widen_pair, as widen_pair). */
static __attribute__((noinline)) void any_widen_pair2d(const h7nn_conv_data *op, const any_layout *l,
                                                       const int8_t *input, int c, int16_t *plane) {
    const int32_t in_a = l->transposed ? op->in_h : op->in_w, in_b = l->transposed ? op->in_w : op->in_h;
    const int32_t pad_a = l->transposed ? op->pad_h : op->pad_w, pad_b = l->transposed ? op->pad_w : op->pad_h;
    const int32_t n = (pad_a + in_a < l->pa ? pad_a + in_a : l->pa) - pad_a;
    const int32_t first = pad_b, last = pad_b + in_b < l->pb ? pad_b + in_b : l->pb;  /* plane lines with input */
    int32_t ctx[WP_WORDS];
    ctx[WP_ALONG] = (l->transposed ? op->in_w : 1) * op->in_c;
    ctx[WP_ACROSS] = (l->transposed ? 1 : op->in_w) * op->in_c;
    ctx[WP_QUADS] = n >> 2;
    ctx[WP_REST] = n & 3;
    ctx[WP_LINE_BYTES] = l->line_len * 2;
    ctx[WP_OTHER_BYTES] = l->pb * l->line_len * 2;
    if (last > first) h7nn_m7_dw_widen_pair(input + c, plane + first * l->line_len + pad_a, ctx, last - first);
}

/* Channel c of a one-line, stride-1 op in h7nn_m7_dw_line1 (doubled weights, the short
 * requantization with a multiplier above 2^30); 0 if the channel needs any_channel. */
static int line1_channel(const h7nn_conv_data *op, const any_layout *l, const int16_t *plane, int c, int8_t *out) {
    const int32_t bias = op->bias ? op->bias[c] : 0, mult = op->multiplier[c], right = -op->shift[c];
    if (mult <= (1 << 30) || (op->fast_requant == 2 && !h7nn_m7_short_channel(mult, -right, bias))) return 0;
    uint32_t ctx[L1_W + H7NN_DW_ANY_WORDS];
    const int32_t ts = (l->transposed ? op->filter_w : 1) * op->out_c, ka = l->ka;
    const int8_t *f = op->filter + c;
    int32_t sum = 0, t = 0;
    for (; 2 * t + 2 <= ka; t++, f += 2 * ts) {
        const int32_t lo = f[0] * 2, hi = f[ts] * 2;
        sum += lo + hi;
        ctx[L1_W + t] = h7nn_pack16((uint32_t)lo, (uint32_t)hi);
    }
    if (2 * t < ka) sum += f[0] * 2, ctx[L1_W + t++] = (uint16_t)(f[0] * 2);
    ctx[L1_PAIRS] = (uint32_t)t;
    ctx[L1_START] = ((uint32_t)bias << 1) + (uint32_t)(op->input_offset * sum);
    ctx[L1_MULT] = (uint32_t)mult;
    ctx[L1_ROUND] = (uint32_t)h7nn_m7_round_offset(right, op->output_offset);
    ctx[L1_RIGHT] = (uint32_t)right;
    ctx[L1_STEP] = (uint32_t)((l->transposed ? op->out_w : 1) * op->out_c);
    h7nn_m7_dw_line1(plane, out + c, ctx, l->na);
    return 1;
}

/* 3x3 at stride 2, the fast form (doubled weights, short requantization, multiplier > 2^30,
 * full int8 range). Output j of a line starts at plane position 2j, so its taps 0, 1 are
 * the aligned word j ([x2j|x2j+1], SMLAD with [w0|w1]) and tap 2 the bottom of word j + 1
 * (SMLABB): four outputs take five words per filter line (LDM of three, LDRD of two) and
 * eight multiplies, as the stride-1 quads do. The channel's constants, in the order
 * h7nn_m7_dw3x3s2_plane loads them: */
enum { S2_W = 0, S2_MULT = 6, S2_ROUND, S2_RIGHT, S2_STEP, S2_START, S2_START2, S2_LINE_BYTES, S2_QUAD_BYTES,
       S2_TAIL, S2_STEP_SHORT, S2_ROW_BYTES, S2_WORDS };

/* Every output of one channel: `lines` output lines, each from q (word aligned; plane lines
 * ctx[S2_LINE_BYTES] apart, output lines ctx[S2_ROW_BYTES] apart in the plane), written
 * every ctx[S2_STEP] bytes from out, lines ctx[S2_STEP_SHORT] apart: quads of 4 outputs
 * (ctx[S2_QUAD_BYTES] = quads x 4 x step), then a last quad of which ctx[S2_TAIL] (0..3)
 * are stored. */
void h7nn_m7_dw3x3s2_plane(const uint32_t *q, int8_t *out, const uint32_t *ctx, int32_t lines);

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* r0 plane, r1 out, r2 constants, r3 line bytes, r4-r7 sums, r8-r10 plane words (LDM, then
 * words 3, 4 by LDRD into r8, r9), r11/r12 a filter line's [w0|w1], [w2|-], lr the line's
 * address. The first line starts r5, r6 from r4 (the start) before r4's own products and
 * r7 from its copy (LDRD of START, START2). */
#define H7NN_S2_LINE_FIRST              \
    "  ldmia r0, {r8, r9, r10}\n"       \
    "  ldmia r2!, {r11, r12}\n"         \
    "  smlad r5, r9, r11, r4\n"         \
    "  smlabb r5, r10, r12, r5\n"       \
    "  smlad r6, r10, r11, r4\n"        \
    "  smlad r4, r8, r11, r4\n"         \
    "  smlabb r4, r9, r12, r4\n"        \
    "  ldrd r8, r9, [r0, #12]\n"        \
    "  smlabb r6, r8, r12, r6\n"        \
    "  smlad r7, r8, r11, r7\n"         \
    "  smlabb r7, r9, r12, r7\n"
#define H7NN_S2_LINE                    \
    "  ldmia lr, {r8, r9, r10}\n"       \
    "  ldmia r2!, {r11, r12}\n"         \
    "  smlad r4, r8, r11, r4\n"         \
    "  smlabb r4, r9, r12, r4\n"        \
    "  smlad r5, r9, r11, r5\n"         \
    "  smlabb r5, r10, r12, r5\n"       \
    "  smlad r6, r10, r11, r6\n"        \
    "  ldrd r8, r9, [lr, #12]\n"        \
    "  smlabb r6, r8, r12, r6\n"        \
    "  smlad r7, r8, r11, r7\n"         \
    "  smlabb r7, r9, r12, r7\n"
#define H7NN_S2_QUAD                    \
    "  ldrd r4, r7, [r2, #40]\n"        /* S2_START, S2_START2 */ \
    H7NN_S2_LINE_FIRST                  \
    "  add lr, r0, r3\n"                \
    H7NN_S2_LINE                        \
    "  add lr, lr, r3\n"                \
    H7NN_S2_LINE                        \
    "  add r0, r0, #16\n"               \
    "  ldmia r2, {r9, r10, r11, r12}\n" /* S2_MULT, S2_ROUND, S2_RIGHT, S2_STEP */ \
    "  sub r2, r2, #24\n"
/* Stack: [sp] end of the line's quads, [sp, #4] lines left, [sp, #8] the line's plane
 * start, [sp, #12] its first output. */
__asm__(
    "  .pushsection .text.h7nn_m7_dw3x3s2_plane,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global h7nn_m7_dw3x3s2_plane\n"
    "  .type h7nn_m7_dw3x3s2_plane, %function\n"
    "  .thumb_func\n"
    "h7nn_m7_dw3x3s2_plane:\n"
    "  push {r4-r11, lr}\n"
    "  sub sp, sp, #16\n"
    "  str r3, [sp, #4]\n"
    "  ldr r3, [r2, #48]\n"             /* S2_LINE_BYTES */
    "2:\n"
    "  ldr r4, [r2, #52]\n"             /* S2_QUAD_BYTES */
    "  strd r0, r1, [sp, #8]\n"
    "  add r4, r4, r1\n"
    "  str r4, [sp]\n"
    "  cmp r1, r4\n"
    "  beq 3f\n"
    "1:\n"
    H7NN_S2_QUAD
    H7NN_DW_OUT2("r4", "r5")
    H7NN_DW_OUT2("r6", "r7")
    "  ldr r8, [sp]\n"
    "  cmp r1, r8\n"
    "  bne 1b\n"
    "3:\n"
    "  ldr r8, [r2, #56]\n"             /* S2_TAIL */
    "  cmp r8, #0\n"
    "  beq 4f\n"
    H7NN_S2_QUAD
    H7NN_DW_OUT1("r4", "")
    "  ldr lr, [r2, #56]\n"
    "  cmp lr, #2\n"
    "  blt 4f\n"
    H7NN_DW_OUT1("r5", ", r12")
    "  ldr lr, [r2, #56]\n"
    "  cmp lr, #2\n"
    "  beq 4f\n"
    "  add r1, r1, r12, lsl #1\n"
    H7NN_DW_OUT1("r6", "")
    "4:\n"
    "  ldrd r0, r1, [sp, #8]\n"
    "  ldr r8, [r2, #60]\n"             /* S2_STEP_SHORT */
    "  ldr lr, [r2, #64]\n"             /* S2_ROW_BYTES */
    "  add r0, r0, lr\n"
    "  add r1, r1, r8\n"
    "  ldr r8, [sp, #4]\n"
    "  subs r8, r8, #1\n"
    "  str r8, [sp, #4]\n"
    "  bne 2b\n"
    "  add sp, sp, #16\n"
    "  pop {r4-r11, pc}\n"
    "  .size h7nn_m7_dw3x3s2_plane, .-h7nn_m7_dw3x3s2_plane\n"
    "  .popsection\n");
#else
void h7nn_m7_dw3x3s2_plane(const uint32_t *q, int8_t *out, const uint32_t *ctx, int32_t lines) {
    const int32_t mult = (int32_t)ctx[S2_MULT], round_offset = (int32_t)ctx[S2_ROUND], right = (int32_t)ctx[S2_RIGHT];
    const int32_t step = (int32_t)ctx[S2_STEP], line_words = (int32_t)ctx[S2_LINE_BYTES] / 4;
    const int32_t n = (int32_t)(ctx[S2_QUAD_BYTES] / ctx[S2_STEP]) + (int32_t)ctx[S2_TAIL];
    for (; lines > 0; lines--, q += ctx[S2_ROW_BYTES] / 4, out += ctx[S2_STEP_SHORT]) {
        int8_t *o = out;
        /* the same sums as the assembly, only those stored (the host build reads only the
         * plane's lines) */
        for (int32_t j = 0; j < n; j++, o += step) {
            int32_t a = (int32_t)ctx[S2_START];
            for (int k = 0; k < 3; k++) {
                const uint32_t *w = q + k * line_words + j;
                a = h7nn_smlad(w[0], ctx[S2_W + 2 * k], a);
                a = h7nn_smlabb(w[1], ctx[S2_W + 2 * k + 1], a);
            }
            o[0] = (int8_t)h7nn_ssat8(h7nn_m7_requant_x2(a, mult, round_offset, right));
        }
    }
}
#endif

/* Channel c of a 3x3 stride-2 op in h7nn_m7_dw3x3s2_plane (doubled weights, the short
 * requantization with a multiplier above 2^30, full int8 range); 0 if the channel needs
 * any_channel. */
static int s2_channel(const h7nn_conv_data *op, const any_layout *l, const int16_t *plane, int c, int8_t *out) {
    const int32_t bias = op->bias ? op->bias[c] : 0, mult = op->multiplier[c], right = -op->shift[c];
    if (mult <= (1 << 30) || (op->fast_requant == 2 && !h7nn_m7_short_channel(mult, -right, bias))) return 0;
    uint32_t ctx[S2_WORDS];
    const int32_t tap_step = (l->transposed ? op->filter_w : 1) * op->out_c;
    const int32_t line_step = (l->transposed ? 1 : op->filter_w) * op->out_c;
    int32_t sum = 0;
    for (int j = 0; j < 3; j++) {
        const int8_t *f = op->filter + c + j * line_step;
        const int32_t w0 = f[0] * 2, w1 = f[tap_step] * 2, w2 = f[2 * tap_step] * 2;
        ctx[S2_W + 2 * j] = h7nn_pack16((uint32_t)w0, (uint32_t)w1);
        ctx[S2_W + 2 * j + 1] = (uint32_t)(uint16_t)w2;
        sum += w0 + w1 + w2;
    }
    const int32_t step = (l->transposed ? op->out_w : 1) * op->out_c;
    ctx[S2_MULT] = (uint32_t)mult;
    ctx[S2_ROUND] = (uint32_t)h7nn_m7_round_offset(right, op->output_offset);
    ctx[S2_RIGHT] = (uint32_t)right;
    ctx[S2_STEP] = (uint32_t)step;
    ctx[S2_START] = ctx[S2_START2] = ((uint32_t)bias << 1) + (uint32_t)(op->input_offset * sum);
    ctx[S2_LINE_BYTES] = (uint32_t)l->line_len * 2u;
    ctx[S2_QUAD_BYTES] = (uint32_t)(l->na >> 2) * 4u * (uint32_t)step;
    ctx[S2_TAIL] = (uint32_t)(l->na & 3);
    ctx[S2_STEP_SHORT] = (uint32_t)((l->transposed ? 1 : op->out_w) * op->out_c);
    ctx[S2_ROW_BYTES] = (uint32_t)l->line_len * 4u;
    h7nn_m7_dw3x3s2_plane((const uint32_t *)(const void *)plane, out + c, ctx, l->nb);
    return 1;
}

static void eval_any(const h7nn_conv_data *op, const int8_t *input, int8_t *output, int16_t *plane,
                     uint32_t plane_bytes) {
    any_layout l = any_layout_of(op);
    const int16_t border = (int16_t)-op->input_offset;
    {  /* two values per store (line_len is even: the scratch is a whole number of words) */
        const uint32_t both = h7nn_pack16((uint32_t)(uint16_t)border, (uint32_t)(uint16_t)border);
        uint32_t *w = (uint32_t *)(void *)plane;
        for (uint32_t i = plane_bytes / 4; i > 0; i--) *w++ = both;
    }
    const int paired = any_paired(op, &l), paired2d = any_paired2d(op, &l);
    const int full_range = op->fast_requant != 0 && op->act_min == -128 && op->act_max == 127;
    const int line1 = paired && l.kb == 1 && l.sa == 1 && full_range, s2 = s2_shape(&l) && full_range;
    for (int b = 0; b < op->batches; b++) {
        const int8_t *in_b = input + b * op->in_h * op->in_w * op->in_c;
        int8_t *out_b = output + b * op->out_h * op->out_w * op->out_c;
        for (int c = 0; c < op->in_c; c++) {
            /* the same cells every channel: the border stays */
            const int16_t *p = plane;
            if (!(paired || paired2d) || ((c & 1) == 0 && c == op->in_c - 1)) any_widen_channel(op, &l, in_b, c, plane);
            else if ((c & 1) == 1) p = plane + l.pb * l.line_len;  /* pb == 1 when paired */
            else if (paired) any_widen_pair(op, &l, in_b, c, plane);
            else any_widen_pair2d(op, &l, in_b, c, plane);
            if (s2 ? !s2_channel(op, &l, p, c, out_b) : (!line1 || !line1_channel(op, &l, p, c, out_b)))
                any_channel(op, &l, p, c, out_b);
        }
    }
}

/* The 3x3 assembly path alone (fast_shape only: eval sends other shapes elsewhere). */
static __attribute__((noinline)) h7nn_status eval_plane3x3(h7nn_interpreter *nn, const h7nn_node *node) {
    const h7nn_conv_data *op = node->op_data;
    const int8_t *input = h7nn_input_data(nn, node, 0);
    int8_t *output = h7nn_output_data(nn, node, 0);
    int16_t *plane = node->scratch;
    plane_layout l = layout_of(op);
    uint32_t words[4 + DW_WORDS];
    plane_op_constants(&l, words);
    /* the plane holds raw values and the offset is folded into each channel's start, so the
     * border (zero padding, 0 after the offset) is the input zero point */
    const int16_t border = (int16_t)-op->input_offset;
    {  /* two values per store (the scratch is word aligned, its size a multiple of 4) */
        const uint32_t both = h7nn_pack16((uint32_t)(uint16_t)border, (uint32_t)(uint16_t)border);
        uint32_t *w = node->scratch;
        for (uint32_t i = node->scratch_bytes / 4; i > 0; i--) *w++ = both;
    }
    for (int b = 0; b < op->batches; b++) {
        const int8_t *in_b = input + b * op->in_h * op->in_w * op->in_c;
        int8_t *out_b = output + b * op->out_h * op->out_w * op->out_c;
        for (int c = 0; c < op->in_c; c++) {
            const int16_t *p = plane;
            if (!l.paired || ((c & 1) == 0 && c == op->in_c - 1)) widen_channel(op, &l, in_b, c, plane);  /* an odd last one alone */
            else if ((c & 1) == 0) widen_pair(op, &l, in_b, c, plane);
            else p = plane + l.pair_offset;
            if (op->fast_requant == 1 ||
                (op->fast_requant == 2 && h7nn_m7_short_channel(op->multiplier[c], op->shift[c], op->bias ? op->bias[c] : 0)))
                channel_plane_fast(op, &l, p, c, out_b, words);
            else channel_plane(op, &l, p, c, out_b);
        }
    }
    return H7NN_OK;
}

/* ---- Few outputs per channel (a streamed hop's new rows of a 1-D model: one or two
 * outputs per channel): widening a plane per channel costs ~120 instructions of setup per
 * channel (the border, the channel's weight words, the call) for a handful of MACs, ~24
 * instructions per MAC measured. Here the channels stay last, four per pass, straight from
 * the int8 input and weights: per output the taps inside the input are listed once (input
 * and weight row pointers), then per tap one word of 4 inputs (SXTAB16 adds the offset) and
 * one of 4 weights (SXTB16), four SMLABB/SMLATT into the four channels' sums, then the
 * short requantization (SMMULR) where the op's mode allows it, else TFLite's (h7nn_m7_mbqm).
 * Taps in the padding are skipped, as the reference does. */

/* the output count first: the one test the other shapes' calls pay */
static int few_shape(const h7nn_conv_data *op) {
    return op->out_h * op->out_w <= DW_FEW_OUTPUTS && op->depth_multiplier == 1 && op->batches == 1 &&
           op->filter_h * op->filter_w <= DW_FEW_TAPS;
}

/* The requantization constants of eval_few in locals (the int8 stores would otherwise make
 * the compiler reload them from the op after every output). */
typedef struct {
    const int32_t *bias, *mult;
    const int8_t *shift;
    int32_t mode, offset, lo, hi;
} few_requant;

/* The exact sum acc of channel c requantized: the short form on 2 * acc where prepare's mode
 * allows it for the channel (|acc| < 2^30 then, h7nn_m7_requant_mode), else TFLite's
 * arithmetic. */
static inline uint32_t dw_requant(const few_requant *q, int32_t acc, int32_t c) {
    const int32_t m = q->mult[c], shift = q->shift[c];
    int32_t v;
    if (q->mode == 1 || (q->mode == 2 && h7nn_m7_short_channel(m, shift, q->bias ? q->bias[c] : 0)))
        v = h7nn_ssat8(h7nn_m7_requant_x2((int32_t)((uint32_t)acc << 1), m, h7nn_m7_round_offset(-shift, q->offset),
                                          -shift));
    else
        v = h7nn_add_wrap(h7nn_m7_mbqm(acc, m, shift), q->offset);
    return (uint32_t)h7nn_clamp(v, q->lo, q->hi) & 0xFFu;
}

/* ---- A 1-D input along time ([T, 1, C], a 3x1, 4x1 or 5x1 filter at any stride; the phone
 * model's blocks, the streaming models' temporal layers): eval_any's per-channel plane cost
 * 13.7 (7 outputs) and 30 (stride 2, which its line loop does not take) instructions per MAC
 * on the phone model: the widening, the call and the border per channel weigh more than the
 * taps. Here four channels per pass as eval_few, the rows inside the pass: the pass's
 * constants (doubled weight words, SXTB16's even and odd lanes; its four channels'
 * requantization) are set up once for all its rows in a block that h7nn_m7_dw_time_rows<K>
 * walks with one pointer, and a row costs per tap one word of 4 inputs (SXTAB16 adds the
 * offset) and four SMLABB/SMLATT, then the short requantization of four outputs (SMMLAR, the
 * sign, the shift, SSAT), three BFI and one word store: 55 instructions for 12 MACs at K = 3.
 * In C the row took 96 (the compiler spilled the twelve requantization constants). A row that
 * reads padding goes through the same loop on a window of its taps where a padded tap holds
 * the input zero point ((x + offset) = 0: nothing added, as the reference's skipped tap). */
#define DW_TIME_MIN_TAPS 3
#define DW_TIME_MAX_TAPS 5

static int time_shape(const h7nn_conv_data *op) {
    return op->in_w == 1 && op->out_w == 1 && op->filter_w == 1 && op->filter_h >= DW_TIME_MIN_TAPS &&
           op->filter_h <= DW_TIME_MAX_TAPS && op->dilation_h == 1 && op->depth_multiplier == 1 &&
           op->batches == 1 && (op->in_c & 3) == 0 && op->out_h > DW_FEW_OUTPUTS;
}

/* The block the row loop walks once per row (words), for K taps: the four channels' doubled
 * starts (2 * bias), per tap the doubled weights of the even and odd channels, per channel
 * multiplier, rounding constant and right shift, then the input step between rows (stride x
 * channels, bytes) and the input offset in both halves. */
#define TR_W 4
#define TR_RQ(K) (TR_W + 2 * (K))
#define TR_STEP(K) (TR_RQ(K) + 12)
#define TR_OFF2(K) (TR_STEP(K) + 1)
#define TR_WORDS (TR_OFF2(DW_TIME_MAX_TAPS) + 1)

/* `rows` rows whose K taps all fall inside the input: four channels from xt (word aligned),
 * taps `channels` bytes apart, rows ctx[TR_STEP(K)] bytes apart; one word of four outputs per
 * row from o, `channels` bytes apart. */
typedef void h7nn_m7_dw_time_rows_fn(const int8_t *xt, int8_t *o, int32_t rows, const uint32_t *ctx, int32_t channels);
h7nn_m7_dw_time_rows_fn h7nn_m7_dw_time_rows3, h7nn_m7_dw_time_rows4, h7nn_m7_dw_time_rows5;

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* r0 input row, r1 output, r2 rows left, r3 the block's cursor, r4-r7 the four sums, r8 the
 * offset pair, lr the channel count; r9-r12 loads and requantization. Tap t's word: [r0 + t C]. */
#define H7NN_DW_TAP_AT0 "  ldr r9, [r0]\n"
#define H7NN_DW_TAP_AT1 "  ldr r9, [r0, lr]\n"
#define H7NN_DW_TAP_AT2 "  ldr r9, [r0, lr, lsl #1]\n"
#define H7NN_DW_TAP_AT3 "  add r9, r0, lr, lsl #1\n  ldr r9, [r9, lr]\n"
#define H7NN_DW_TAP_AT4 "  ldr r9, [r0, lr, lsl #2]\n"
#define H7NN_DW_TIME_TAP(LOAD)         \
    LOAD                               \
    "  ldmia r3!, {r11, r12}\n"        \
    "  sxtab16 r10, r8, r9, ror #8\n"  \
    "  sxtab16 r9, r8, r9\n"           \
    "  smlabb r4, r9, r11, r4\n"       \
    "  smlatt r6, r9, r11, r6\n"       \
    "  smlabb r5, r10, r12, r5\n"      \
    "  smlatt r7, r10, r12, r7\n"
/* SMMLAR adds the rounding constant; the sign correction reads the sum (the product's sign
 * for the positive multipliers the caller allows; where a zero product makes them differ, a
 * right shift of 1 or more rounds both alike) */
#define H7NN_DW_TIME_OUT(A)             \
    "  ldmia r3!, {r9, r10, r11}\n"     \
    "  smmlar r12, " A ", r9, r10\n"    \
    "  add r12, r12, " A ", asr #31\n"  \
    "  asr r12, r12, r11\n"             \
    "  ssat " A ", #8, r12\n"
#define H7NN_DW_STR(X) #X
#define H7NN_DW_XSTR(X) H7NN_DW_STR(X)
#define H7NN_DW_TIME_ROWS(NAME, K, TAPS)                                   \
    __asm__("  .pushsection .text." #NAME ",\"ax\",%progbits\n"            \
            "  .syntax unified\n"                                          \
            "  .thumb\n"                                                   \
            "  .p2align 2\n"                                               \
            "  .global " #NAME "\n"                                        \
            "  .type " #NAME ", %function\n"                               \
            "  .thumb_func\n" #NAME ":\n"                                  \
            "  push {r4-r11, lr}\n"                                        \
            "  ldr lr, [sp, #36]\n" /* channels (the fifth argument) */    \
            "  ldr r8, [r3, #" H7NN_DW_XSTR(K) " * 8 + 68]\n" /* TR_OFF2(K) */ \
            "1:\n"                                                         \
            "  ldmia r3!, {r4, r5, r6, r7}\n" /* the starts */             \
            TAPS                                                           \
            H7NN_DW_TIME_OUT("r4")                                         \
            H7NN_DW_TIME_OUT("r5")                                         \
            H7NN_DW_TIME_OUT("r6")                                         \
            H7NN_DW_TIME_OUT("r7")                                         \
            "  bfi r4, r5, #8, #8\n"                                       \
            "  bfi r4, r6, #16, #8\n"                                      \
            "  bfi r4, r7, #24, #8\n"                                      \
            "  str r4, [r1]\n"                                             \
            "  add r1, r1, lr\n"                                           \
            "  ldr r9, [r3]\n" /* TR_STEP(K) */                            \
            "  add r0, r0, r9\n"                                           \
            "  sub r3, r3, #" H7NN_DW_XSTR(K) " * 8 + 64\n" /* back to the starts */ \
            "  subs r2, r2, #1\n"                                          \
            "  bne 1b\n"                                                   \
            "  pop {r4-r11, pc}\n"                                         \
            "  .size " #NAME ", .-" #NAME "\n"                             \
            "  .popsection\n")
_Static_assert(TR_STEP(3) * 4 == 3 * 8 + 64 && TR_OFF2(3) * 4 == 3 * 8 + 68, "the assembly's block offsets");
#define H7NN_DW_TAPS3                       \
    H7NN_DW_TIME_TAP(H7NN_DW_TAP_AT0)       \
    H7NN_DW_TIME_TAP(H7NN_DW_TAP_AT1)       \
    H7NN_DW_TIME_TAP(H7NN_DW_TAP_AT2)
H7NN_DW_TIME_ROWS(h7nn_m7_dw_time_rows3, 3, H7NN_DW_TAPS3);
H7NN_DW_TIME_ROWS(h7nn_m7_dw_time_rows4, 4, H7NN_DW_TAPS3 H7NN_DW_TIME_TAP(H7NN_DW_TAP_AT3));
H7NN_DW_TIME_ROWS(h7nn_m7_dw_time_rows5, 5,
                  H7NN_DW_TAPS3 H7NN_DW_TIME_TAP(H7NN_DW_TAP_AT3) H7NN_DW_TIME_TAP(H7NN_DW_TAP_AT4));
#else
static void time_rows(const int8_t *xt, int8_t *o, int32_t rows, const uint32_t *ctx, int32_t C, int32_t K) {
    const uint32_t off2 = ctx[TR_OFF2(K)];
    for (; rows > 0; rows--, xt += (int32_t)ctx[TR_STEP(K)], o += C) {
        int32_t a[4];
        for (int i = 0; i < 4; i++) a[i] = (int32_t)ctx[i];
        for (int32_t t = 0; t < K; t++) {
            const uint32_t v = h7nn_read_u32(xt + t * C), xe = h7nn_sxtab16(off2, v), xo = h7nn_sxtab16_ror8(off2, v);
            const uint32_t we = ctx[TR_W + 2 * t], wo = ctx[TR_W + 2 * t + 1];
            a[0] = h7nn_smlabb(xe, we, a[0]), a[2] = h7nn_smlatt(xe, we, a[2]);
            a[1] = h7nn_smlabb(xo, wo, a[1]), a[3] = h7nn_smlatt(xo, wo, a[3]);
        }
        uint32_t four = 0;
        for (int i = 0; i < 4; i++) {
            const uint32_t *q = ctx + TR_RQ(K) + 3 * i;
            four |= ((uint32_t)h7nn_ssat8(h7nn_m7_requant_x2(a[i], (int32_t)q[0], (int32_t)q[1], (int32_t)q[2])) & 0xFFu)
                    << (8 * i);
        }
        memcpy(o, &four, 4);
    }
}
void h7nn_m7_dw_time_rows3(const int8_t *xt, int8_t *o, int32_t rows, const uint32_t *ctx, int32_t C) {
    time_rows(xt, o, rows, ctx, C, 3);
}
void h7nn_m7_dw_time_rows4(const int8_t *xt, int8_t *o, int32_t rows, const uint32_t *ctx, int32_t C) {
    time_rows(xt, o, rows, ctx, C, 4);
}
void h7nn_m7_dw_time_rows5(const int8_t *xt, int8_t *o, int32_t rows, const uint32_t *ctx, int32_t C) {
    time_rows(xt, o, rows, ctx, C, 5);
}
#endif

/* One pass (channels c..c+3) in TFLite's arithmetic: channels outside the short form, or a
 * narrower activation range. */
__attribute__((cold, noinline)) static void time_pass_exact(const h7nn_conv_data *op, const int8_t *input, int8_t *output,
                                                             int32_t c) {
    const int32_t C = op->in_c, S = op->stride_h, P = op->pad_h, T = op->in_h, K = op->filter_h;
    const few_requant q = {op->bias, op->multiplier, op->shift, op->fast_requant, op->output_offset, op->act_min,
                           op->act_max};
    for (int32_t n = 0; n < op->out_h; n++) {
        for (int i = 0; i < 4; i++) {
            int32_t a = q.bias ? q.bias[c + i] : 0;
            for (int32_t t = 0; t < K; t++) {
                const int32_t y = n * S - P + t;
                if (y >= 0 && y < T)
                    a = h7nn_add_wrap(a, (input[y * C + c + i] + op->input_offset) * op->filter[t * C + c + i]);
            }
            output[n * C + c + i] = (int8_t)dw_requant(&q, a, c + i);
        }
    }
}

static __attribute__((noinline)) void eval_time(const h7nn_conv_data *op, const int8_t *input, int8_t *output) {
    const int32_t C = op->in_c, K = op->filter_h, S = op->stride_h, P = op->pad_h, T = op->in_h, N = op->out_h;
    h7nn_m7_dw_time_rows_fn *const rows = K == 3 ? h7nn_m7_dw_time_rows3 : K == 4 ? h7nn_m7_dw_time_rows4
                                                                                   : h7nn_m7_dw_time_rows5;
    const int full_range = op->act_min == -128 && op->act_max == 127;
    /* the rows n0 <= n < n1 read no padding: n * S - P >= 0 and n * S - P + K <= T */
    const int32_t n0 = (P + S - 1) / S;
    int32_t n1 = T - K + P >= 0 ? (T - K + P) / S + 1 : 0;
    if (n1 > N) n1 = N;
    if (n1 < n0) n1 = n0;
    const uint32_t zero4 = (uint32_t)(uint8_t)(-op->input_offset) * 0x01010101u;  /* the input zero point */
    uint32_t ctx[TR_WORDS];
    ctx[TR_STEP(K)] = (uint32_t)(S * C);
    ctx[TR_OFF2(K)] = (uint16_t)op->input_offset * 0x00010001u;
    for (int32_t c = 0; c < C; c += 4) {
        int short4 = full_range;
        for (int32_t t = 0; t < K; t++) {
            const uint32_t v = h7nn_read_u32(op->filter + t * C + c), e = h7nn_sxtb16(v), o = h7nn_sxtb16_ror8(v);
            ctx[TR_W + 2 * t] = h7nn_sadd16(e, e);  /* doubled: the sums come out as 2 * acc */
            ctx[TR_W + 2 * t + 1] = h7nn_sadd16(o, o);
        }
        for (int i = 0; i < 4; i++) {
            const int32_t bias = op->bias ? op->bias[c + i] : 0, m = op->multiplier[c + i], r = -op->shift[c + i];
            /* the assembly's sign correction reads the sum: exact unless a zero multiplier
             * meets a zero shift (h7nn_m7_short_channel allows both) */
            short4 &= (op->fast_requant == 1 || (op->fast_requant == 2 && h7nn_m7_short_channel(m, -r, bias))) &&
                      (m > 0 || r > 0);
            ctx[i] = (uint32_t)bias << 1;
            ctx[TR_RQ(K) + 3 * i] = (uint32_t)m;
            ctx[TR_RQ(K) + 3 * i + 1] = short4 ? (uint32_t)h7nn_m7_round_offset(r, op->output_offset) : 0u;
            ctx[TR_RQ(K) + 3 * i + 2] = (uint32_t)r;
        }
        if (!short4) {
            time_pass_exact(op, input, output, c);
            continue;
        }
        /* the rows next to the padding: one row each through a window of its taps */
        for (int32_t n = 0; n < N; n++) {
            if (n == n0) n = n1;
            if (n >= N) break;
            uint32_t window[DW_TIME_MAX_TAPS];
            for (int32_t t = 0; t < K; t++) {
                const int32_t y = n * S - P + t;
                window[t] = y >= 0 && y < T ? h7nn_read_u32(input + y * C + c) : zero4;
            }
            rows((const int8_t *)window, output + n * C + c, 1, ctx, 4);
        }
        if (n1 > n0) rows(input + c + (n0 * S - P) * C, output + n0 * C + c, n1 - n0, ctx, C);
    }
}

static __attribute__((noinline)) void eval_few(const h7nn_conv_data *op, const int8_t *input, int8_t *output) {
    const int32_t C = op->in_c, off = op->input_offset;
    const uint32_t off2 = (uint16_t)off * 0x00010001u;
    const few_requant q = {op->bias, op->multiplier, op->shift, op->fast_requant, op->output_offset, op->act_min,
                           op->act_max};
    const int8_t *tin[DW_FEW_TAPS], *tw[DW_FEW_TAPS];
    for (int32_t p = 0; p < op->out_h * op->out_w; p++, output += C) {
        const int32_t y0 = p / op->out_w * op->stride_h - op->pad_h, x0 = p % op->out_w * op->stride_w - op->pad_w;
        int32_t taps = 0;
        for (int32_t fy = 0; fy < op->filter_h; fy++) {
            const int32_t iy = y0 + fy * op->dilation_h;
            for (int32_t fx = 0; fx < op->filter_w; fx++) {
                const int32_t ix = x0 + fx * op->dilation_w;
                if (iy < 0 || iy >= op->in_h || ix < 0 || ix >= op->in_w) continue;
                tin[taps] = input + (iy * op->in_w + ix) * C;
                tw[taps++] = op->filter + (fy * op->filter_w + fx) * C;
            }
        }
        int32_t c = 0;
        for (; c + 4 <= C; c += 4) {
            int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            if (q.bias) a0 = q.bias[c], a1 = q.bias[c + 1], a2 = q.bias[c + 2], a3 = q.bias[c + 3];
            for (int32_t t = 0; t < taps; t++) {
                const uint32_t x = h7nn_read_u32(tin[t] + c), w = h7nn_read_u32(tw[t] + c);
                const uint32_t xe = h7nn_sxtab16(off2, x), xo = h7nn_sxtab16_ror8(off2, x);
                const uint32_t we = h7nn_sxtb16(w), wo = h7nn_sxtb16_ror8(w);
                a0 = h7nn_smlabb(xe, we, a0);
                a2 = h7nn_smlatt(xe, we, a2);
                a1 = h7nn_smlabb(xo, wo, a1);
                a3 = h7nn_smlatt(xo, wo, a3);
            }
            /* the four outputs in one word store (little-endian) */
            const uint32_t four = dw_requant(&q, a0, c) | dw_requant(&q, a1, c + 1) << 8 |
                                  dw_requant(&q, a2, c + 2) << 16 | dw_requant(&q, a3, c + 3) << 24;
            memcpy(output + c, &four, 4);
        }
        for (; c < C; c++) {  /* the last channels of a depth 4n + 1..3 */
            int32_t a = q.bias ? q.bias[c] : 0;
            for (int32_t t = 0; t < taps; t++) a = h7nn_add_wrap(a, (tin[t][c] + off) * tw[t][c]);
            output[c] = (int8_t)dw_requant(&q, a, c);
        }
    }
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const h7nn_conv_data *op = node->op_data;
    if (fast_shape(op)) return eval_plane3x3(nn, node);
    if (few_shape(op)) {
        eval_few(op, h7nn_input_data(nn, node, 0), h7nn_output_data(nn, node, 0));
        return H7NN_OK;
    }
    if (time_shape(op)) {
        eval_time(op, h7nn_input_data(nn, node, 0), h7nn_output_data(nn, node, 0));
        return H7NN_OK;
    }
    if (!any_shape(op)) return h7nn_depthwise_conv_2d_eval_reference(nn, node);
    eval_any(op, h7nn_input_data(nn, node, 0), h7nn_output_data(nn, node, 0), node->scratch, node->scratch_bytes);
    return H7NN_OK;
}

const h7nn_kernel h7nn_m7_depthwise_conv_2d = {H7NN_KERNEL_ID(DEPTHWISE_CONV_2D), prepare, eval};

static h7nn_status eval_lines(h7nn_interpreter *nn, const h7nn_node *node) {
    eval_few(node->op_data, h7nn_input_data(nn, node, 0), h7nn_output_data(nn, node, 0));
    return H7NN_OK;
}
static const h7nn_kernel lines_kernel = {H7NN_KERNEL_ID(DEPTHWISE_CONV_2D), prepare, eval_lines};
/* The same kernel without eval_any, for the resolvers of models whose every depthwise op has
 * the 3x3 stride-1 shape (tools/h7nn/embed.py picks it): the image keeps none of the
 * other shapes' code (KWS: ~2.5 KB of flash, and the reference kernel's 668 B). Any other
 * shape is refused at prepare (a resolver made by hand; the embed step never picks it there). */
static h7nn_status prepare_3x3(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_status s = prepare_modes(nn, node);
    if (s == H7NN_OK && !fast_shape(node->op_data))
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "not 3x3 at stride 1: resolver needs h7nn_m7_depthwise_conv_2d");
    return s;
}
const h7nn_kernel h7nn_m7_depthwise_conv_2d_3x3 = {H7NN_KERNEL_ID(DEPTHWISE_CONV_2D), prepare_3x3, eval_plane3x3};
