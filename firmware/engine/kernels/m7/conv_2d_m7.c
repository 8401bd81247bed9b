/* CONV_2D, int8, Cortex-M7: the input patch of two output pixels is widened to int16 once
 * (im2col; a 1x1 stride-1 convolution widens the pixels directly), then the SMLAD matrix
 * kernel runs every output channel over both; six pixels at once when the filter size allows
 * (h7nn_m7_matmul_6col). Scratch: 6 (1x1) or 7 (im2col) x filter size x 2 bytes, plus
 * a padded plane of the input for single-channel layers (plane_bytes). */
#include "engine/h7nn_quant.h"
#include "engine/kernels/m7/h7nn_m7_common.h"

static int is_pointwise(const h7nn_conv_data *op) {
    return op->filter_h == 1 && op->filter_w == 1 && op->stride_h == 1 && op->stride_w == 1 && op->pad_h == 0 &&
           op->pad_w == 0;
}

/* Single-channel input, filter rows of whole groups of 4, no dilation (spectrogram front
 * layers): the input is widened once per inference into a zero-padded int16 plane that
 * covers every window (doubled, with the offset), and each filter row of a patch is then two
 * word loads and two PKHs into the six-column layout. Bytes of that plane, or 0 when the
 * shape does not fit (or the plane would take over H7NN_CONV_PLANE_MAX bytes of scratch). */
#define H7NN_CONV_PLANE_MAX 4096
static int32_t plane_bytes(const h7nn_conv_data *op) {
    if (op->in_c != 1 || (op->filter_w & 3) != 0 || op->dilation_h != 1 || op->dilation_w != 1) return 0;
    int64_t ph = (int64_t)(op->out_h - 1) * op->stride_h + op->filter_h;
    int64_t pw = (int64_t)(op->out_w - 1) * op->stride_w + op->filter_w;
    return ph * pw * 2 <= H7NN_CONV_PLANE_MAX ? (int32_t)(ph * pw * 2) : 0;
}

static void fill_plane(const h7nn_conv_data *op, const int8_t *input, int16_t *plane) {
    const int32_t ph = (op->out_h - 1) * op->stride_h + op->filter_h, pw = (op->out_w - 1) * op->stride_w + op->filter_w;
    for (int32_t i = 0; i < ph * pw; i++) plane[i] = 0;
    for (int32_t y = 0; y < op->in_h && y + op->pad_h < ph; y++) {
        int16_t *dst = plane + (y + op->pad_h) * pw + op->pad_w;
        const int8_t *src = input + y * op->in_w;
        for (int32_t x = 0; x < op->in_w && x + op->pad_w < pw; x++) dst[x] = (int16_t)(2 * (src[x] + op->input_offset));
    }
}

static void plane_into_hex(const h7nn_conv_data *op, const int16_t *plane, int oy, int ox, int16_t *hex, int j) {
    const int32_t pw = (op->out_w - 1) * op->stride_w + op->filter_w, fw = op->filter_w;
    const int16_t *src = plane + oy * op->stride_h * pw + ox * op->stride_w;
    uint32_t *dst = (uint32_t *)(void *)hex + 2 * j;
    for (int fy = 0; fy < op->filter_h; fy++, src += pw) {
        for (int32_t g = 0; g < fw; g += 4, dst += 12) {
            uint32_t a = h7nn_read_u32(src + g), b = h7nn_read_u32(src + g + 2);  /* [x0|x1], [x2|x3] */
            dst[0] = h7nn_pack16(a, b);
            dst[1] = h7nn_pack16_top(a, b);
        }
    }
}

/* (mm16) A convolution with doubled accumulators whose 1x1 pixels widen in whole groups of 4
 * (im2col pads any depth) takes its weights (and each channel's constants) pre-arranged at
 * embed time when the embed step made them (h7nn_m7_conv_pack): rows of the padded depth
 * k_pad, as the columns hold them. Whatever its pixel count: a streamed hop runs the op on a
 * view of fewer rows (h7nn_stream.c), which must find the same record and the same padded
 * rows as the full window. */
static int packable(const h7nn_conv_data *op) {
    return op->fast_requant && (!is_pointwise(op) || (op->in_c & 3) == 0);
}

/* A 1x1 convolution of fewer than six pixels in mode 1 (a 1-D model's last layers) is a
 * FULLY_CONNECTED over its pixels: its record is the pairs form (h7nn_m7_pairs_pack; each
 * pixel a row of h7nn_m7_pairs_rows, two channels per pass share the column words) in place
 * of the six-column one. Decided on the whole op at prepare and embed; a streamed view of
 * fewer rows finds the kind in the record. */
static inline __attribute__((always_inline)) int pairs_form(const h7nn_conv_data *op) {
    return packable(op) && is_pointwise(op) && op->fast_requant == 1 && op->out_h * op->out_w < 6;
}

/* The six-column loop runs the op: a packable one of six pixels or more. */
static int six_columns(const h7nn_conv_data *op) { return packable(op) && op->out_h * op->out_w >= 6; }
static uint32_t padded_depth(const h7nn_conv_data *op) {
    return ((uint32_t)(op->filter_h * op->filter_w * op->in_c) + 3u) & ~3u;
}

static h7nn_m7_requant_params requant_params(const h7nn_conv_data *op) {
    const h7nn_m7_requant_params rq = {op->bias, op->multiplier, op->shift, op->output_offset, op->act_min,
                                       op->act_max, op->fast_requant};
    return rq;
}

/* Whether the op's weight rows are copied into the arena padded to whole groups of 4 at
 * prepare (depths like 27, 3x3 over RGB, or 110, kws_stream's 11x1 over 10 MFCCs): the int8
 * paths read them so. An op in mode 1 with a record runs every path on the record (six
 * columns, fewer pixels, a streamed view's rows), so it keeps the model's rows: no copy
 * (kws_stream: 10,752 B of arena and ~52 k setup instructions). */
static inline __attribute__((always_inline)) int rows_padded(const h7nn_interpreter *nn, const h7nn_node *node,
                                                              const h7nn_conv_data *op, uint32_t depth) {
    return (depth & 3u) && packable(op) && !(op->fast_requant == 1 && h7nn_packed_data(nn, node));
}

/* The record's constants of channel oc (its weight row of `depth` int8 values):
 * h7nn_m7_channel_words, or for a channel whose output never changes
 * (h7nn_m7_constant_output) 0, its value, H7NN_PACKED_CONSTANT. */
__attribute__((cold)) static void channel_words(const h7nn_conv_data *op, const h7nn_m7_requant_params *rq,
                                                const int8_t *row, uint32_t depth, uint32_t oc, uint32_t *start,
                                                uint32_t *tail) {
    int32_t value;
    h7nn_m7_channel_words(rq, (int32_t)oc, start, tail);
    if (!tail[2] && h7nn_m7_constant_output(row, (int32_t)depth, op->input_offset, rq, (int32_t)oc, &value))
        tail[1] = (uint32_t)value, tail[2] = H7NN_PACKED_CONSTANT;
}

/* Weight i of a row of `depth` values, 0 past it (the padded depth's last group). */
static inline int32_t tap(const int8_t *row, uint32_t i, uint32_t depth) { return i < depth ? row[i] : 0; }

__attribute__((cold)) uint32_t h7nn_m7_conv_pack(const h7nn_interpreter *nn, const h7nn_node *node, uint32_t *out) {
    const h7nn_conv_data *op = node->op_data;
    if (!op || !packable(op)) return 0;
    const uint32_t k = padded_depth(op), step = H7NN_PACKED_CONV_WORDS(k), n = (uint32_t)op->out_c;
    const h7nn_m7_requant_params rq = requant_params(op);
    if (pairs_form(op)) return h7nn_m7_pairs_pack(op->filter, k, n, &rq, out);
    if (out) {
        out[H7NN_PACKED_REC_KIND] = H7NN_PACKED_CONV_SIX;
        out[H7NN_PACKED_REC_ROWS] = n;
        out[H7NN_PACKED_REC_DEPTH] = k;
        uint32_t *w = out + H7NN_PACKED_REC_HEADER;
        /* the rows as prepare left them: padded to k, or the model's (rows_padded) */
        const uint32_t model_depth = (uint32_t)(op->filter_h * op->filter_w * op->in_c);
        const uint32_t depth = rows_padded(nn, node, op, model_depth) ? k : model_depth;
        for (uint32_t oc = 0; oc < n; oc++, w += step) {
            const int8_t *row = op->filter + oc * depth;
            channel_words(op, &rq, row, depth, oc, &w[0], &w[1 + k / 2u]);
            for (uint32_t i = 0; i < k; i += 4) {  /* the columns' order: [x0|x2], [x1|x3] */
                w[1 + i / 2u] = ((uint32_t)tap(row, i, depth) & 0xFFFFu) | ((uint32_t)tap(row, i + 2, depth) << 16);
                w[2 + i / 2u] = ((uint32_t)tap(row, i + 1, depth) & 0xFFFFu) | ((uint32_t)tap(row, i + 3, depth) << 16);
            }
        }
    }
    return H7NN_PACKED_REC_HEADER + n * step;
}

/* start-up only: the op's record, if the embed step made one, fits this op and was made with
 * this plan (h7nn_m7_record_check) */
__attribute__((cold)) static h7nn_status check_packed(h7nn_interpreter *nn, const h7nn_node *node, const h7nn_conv_data *op) {
    if (!packable(op)) return H7NN_OK;
    const h7nn_m7_requant_params rq = requant_params(op);
    const uint32_t k = padded_depth(op);
    const int pairs = pairs_form(op);  /* the pairs record's depth: 8n */
    return h7nn_m7_record_check(nn, node, &rq, pairs ? H7NN_PACKED_FC_PAIRS : H7NN_PACKED_CONV_SIX,
                                (uint32_t)op->out_c, pairs ? (k + 7u) & ~7u : k);
}

/* start-up only: optimized for size */
__attribute__((cold)) static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_status s = h7nn_conv_prepare_common(nn, node, 0);
    if (s != H7NN_OK) return s;
    h7nn_conv_data *op = node->op_data;
    uint32_t k = (uint32_t)(op->filter_h * op->filter_w * op->in_c);
    /* six interleaved columns; im2col also needs one patch beside them */
    node->scratch_bytes = (is_pointwise(op) ? 6u : 7u) * ((k + 3u) & ~3u) * 2u;
    if (!is_pointwise(op)) node->scratch_bytes += ((uint32_t)plane_bytes(op) + 3u) & ~3u;
    /* the mode: from the plan (checked against this op) or here */
    const uint32_t *rec = h7nn_plan_op(nn, node);
    int doubled = h7nn_m7_requant_mode(op->filter, op->out_c, (int32_t)k, 1, (int32_t)k, op->shift);
    if (rec) {
        s = h7nn_m7_plan_mode(nn, node, rec, doubled, op->bias, op->out_c, &op->fast_requant);
        if (s != H7NN_OK) return s;
    } else {
        op->fast_requant = h7nn_m7_requant_kind(doubled, op->multiplier, op->shift, op->bias, op->out_c);
    }
    /* the record checked first: rows_padded looks it up (h7nn_packed_data trusts the words) */
    s = check_packed(nn, node, op);
    if (s != H7NN_OK) return s;
    if (rows_padded(nn, node, op, k)) {
        /* the weight rows padded with zeros to whole groups of 4 (the im2col columns are zero
         * there), so the six-column loop runs them too */
        uint32_t k_pad = (k + 3u) & ~3u;
        int8_t *padded = h7nn_persistent(nn, (uint32_t)op->out_c * k_pad);
        if (!padded) return H7NN_ERR_ARENA;
        const int8_t *src = op->filter;
        for (int32_t oc = 0; oc < op->out_c; oc++, src += k) {
            uint32_t i = 0;
            for (; i < k; i++) *padded++ = src[i];
            for (; i < k_pad; i++) *padded++ = 0;
        }
        padded -= (uint32_t)op->out_c * k_pad;
        op->filter = padded;
    }
    return H7NN_OK;
}

static void im2col_any_depth(const h7nn_conv_data *op, const int8_t *input, int y0, int x0, int scale,
                             int16_t *col);

/* The patch under output pixel (oy, ox) as int16 with the input offset; padding is 0 after
 * the offset, as in the reference kernel (which skips those taps). */
static void im2col(const h7nn_conv_data *op, const int8_t *input, int oy, int ox, int16_t *col) {
    int y0 = oy * op->stride_h - op->pad_h, x0 = ox * op->stride_w - op->pad_w;
    int32_t pos = 0;
    /* depth a multiple of 4: every tap is whole groups of 4, widened with SIMD */
    if ((op->in_c & 3) == 0) {
        for (int fy = 0; fy < op->filter_h; fy++) {
            int iy = y0 + fy * op->dilation_h;
            for (int fx = 0; fx < op->filter_w; fx++, pos += op->in_c) {
                int ix = x0 + fx * op->dilation_w;
                if (iy < 0 || iy >= op->in_h || ix < 0 || ix >= op->in_w) {
                    for (int32_t i = 0; i < op->in_c; i++) col[pos + i] = 0;
                } else {
                    h7nn_m7_widen_row(input + (iy * op->in_w + ix) * op->in_c, op->in_c, op->input_offset, col + pos,
                                      op->fast_requant);
                }
            }
        }
        return;
    }
    const int scale = op->fast_requant ? 2 : 1;  /* doubled columns for the SMMULR requantization */
    im2col_any_depth(op, input, y0, x0, scale, col);
}

/* Any other depth (3 for RGB front layers): the patch tap by tap into a linear int16 row,
 * zero-padded to whole groups of 4, then each group put in SMLAD order in place
 * ([x0|x1][x2|x3] -> [x0|x2][x1|x3], two PKHs). */
static void im2col_any_depth(const h7nn_conv_data *op, const int8_t *input, int y0, int x0, int scale,
                             int16_t *col) {
    const int32_t k = op->filter_h * op->filter_w * op->in_c, k_pad = (k + 3) & ~3, c = op->in_c;
    const int32_t off = op->input_offset;
    int16_t *dst = col;
    for (int fy = 0; fy < op->filter_h; fy++) {
        int iy = y0 + fy * op->dilation_h;
        for (int fx = 0; fx < op->filter_w; fx++, dst += c) {
            int ix = x0 + fx * op->dilation_w;
            if (iy < 0 || iy >= op->in_h || ix < 0 || ix >= op->in_w) {
                for (int32_t i = 0; i < c; i++) dst[i] = 0;
            } else {
                const int8_t *src = input + (iy * op->in_w + ix) * c;
                for (int32_t i = 0; i < c; i++) dst[i] = (int16_t)((src[i] + off) * scale);
            }
        }
    }
    for (int32_t i = k; i < k_pad; i++) col[i] = 0;
    uint32_t *w = (uint32_t *)(void *)col;
    for (int32_t g = 0; g < k_pad / 2; g += 2) {
        uint32_t lo = w[g], hi = w[g + 1];
        w[g] = h7nn_pack16(lo, hi);
        w[g + 1] = h7nn_pack16_top(lo, hi);
    }
}

/* The patch of output pixel (oy, ox) straight into column j of the six-column layout (depth
 * a multiple of 4: each tap is whole groups, widened and doubled by SXTAB16; padding taps
 * are zero groups). */
static void im2col_hex(const h7nn_conv_data *op, const int8_t *input, int oy, int ox, int16_t *hex, int j) {
    const int y0 = oy * op->stride_h - op->pad_h, x0 = ox * op->stride_w - op->pad_w, groups = op->in_c >> 2;
    int16_t *dst = hex;  /* group g of the patch starts 24 int16 (12 words) after group g - 1 */
    for (int fy = 0; fy < op->filter_h; fy++) {
        int iy = y0 + fy * op->dilation_h;
        for (int fx = 0; fx < op->filter_w; fx++, dst += 24 * groups) {
            int ix = x0 + fx * op->dilation_w;
            if (iy < 0 || iy >= op->in_h || ix < 0 || ix >= op->in_w) {
                uint32_t *z = (uint32_t *)(void *)dst + 2 * j;
                for (int g = 0; g < groups; g++, z += 12) z[0] = z[1] = 0;
            } else {
                h7nn_m7_widen_into_hex(input + (iy * op->in_w + ix) * op->in_c, op->in_c, op->input_offset, dst, j);
            }
        }
    }
}

/* Depths that are not 4n (RGB front layers): an output pixel whose taps all lie inside the
 * input (no dilation) has a patch of filter_h runs of filter_w x in_c contiguous bytes; they
 * are gathered into `bytes` (k_pad of them; the last k_pad - k multiply the zero-padded
 * weights), which then widen straight into column j like a 1x1 convolution's pixel. Border
 * pixels take im2col. Returns 0 for a border pixel. */
static int interior_patch(const h7nn_conv_data *op, const int8_t *input, int oy, int ox, int8_t *bytes) {
    const int y0 = oy * op->stride_h - op->pad_h, x0 = ox * op->stride_w - op->pad_w;
    if (op->dilation_h != 1 || op->dilation_w != 1 || y0 < 0 || x0 < 0 || y0 + op->filter_h > op->in_h ||
        x0 + op->filter_w > op->in_w)
        return 0;
    const int32_t run = op->filter_w * op->in_c, line = op->in_w * op->in_c;
    const int8_t *src = input + (y0 * op->in_w + x0) * op->in_c;
    for (int fy = 0; fy < op->filter_h; fy++, src += line, bytes += run) {
        int32_t i = 0;
        for (; i + 4 <= run; i += 4) {  /* unaligned word copies (the M7 allows them) */
            uint32_t v = h7nn_read_u32(src + i);
            memcpy(bytes + i, &v, 4);
        }
        for (; i < run; i++) bytes[i] = src[i];
    }
    return 1;
}

/* Fewer than six pixels on the op's record, mode 1 (a streamed hop's new rows; the last
 * layers of a 1-D model): the six-column loop would run six columns for one, and the
 * two-column int8 path runs a lone pixel twice and unpacks every weight (4.2 instructions per
 * MAC measured on a 1-row hop). Here each pixel's column is widened once into the record's
 * order ([x0|x2], [x1|x3] per group of 4, doubled, with the offset) and meets every channel's
 * record (h7nn_m7_dot_1col, 1.0 instruction per MAC, plus ~18 per channel); a 1x1 op of
 * fewer than six pixels in all has the pairs record instead (pairs_form: h7nn_m7_pairs_rows,
 * 0.69 per MAC in its loop, each column word serving two channels). Mode 2 (channels outside
 * the short form) stays on the two-column path. */
/* per pixel, not per MAC: optimized for size (the KWS image's code stays under 32 KB) */
#if defined(__GNUC__) && !defined(__clang__)
#define FEW_PIXELS_ATTR __attribute__((noinline, optimize("Os")))
#else
#define FEW_PIXELS_ATTR __attribute__((noinline))
#endif
static FEW_PIXELS_ATTR void few_pixels(const h7nn_conv_data *op, const int8_t *in, int8_t *out, int16_t *col,
                                       const uint32_t *record, int32_t first, int32_t pixels) {
    const int32_t k = op->filter_h * op->filter_w * op->in_c, k_pad = (k + 3) & ~3;
    out += first * op->out_c;
    for (int32_t j = first; j < pixels; j++, out += op->out_c) {
        if (is_pointwise(op))
            h7nn_m7_widen_row(in + j * k, k, op->input_offset, col, 1);
        else
            im2col(op, in, j / op->out_w, j % op->out_w, col);
        h7nn_m7_dot_1col(record, (const uint32_t *)(const void *)col, 2 * k_pad, op->out_c, out);
        if (op->act_min != -128 || op->act_max != 127) h7nn_m7_clamp_bytes(out, op->out_c, op->act_min, op->act_max);
    }
}

/* (pairs_form) the pixels as FULLY_CONNECTED rows; a call of its own, so the six-column ops'
 * eval keeps its registers */
static FEW_PIXELS_ATTR void pairs_pixels(const h7nn_conv_data *op, const int8_t *in, int8_t *out, int16_t *col,
                                         const uint32_t *record, int32_t pixels) {
    h7nn_m7_pairs_rows(record, in, pixels, op->in_c, op->out_c, op->input_offset, col, out);
    if (op->act_min != -128 || op->act_max != 127) h7nn_m7_clamp_bytes(out, pixels * op->out_c, op->act_min, op->act_max);
}

/* int8_six: the six-column loop may run on the model's int8 weights (an op without a record);
 * 0 in h7nn_m7_conv_2d_packed, whose ops without one take the two-column path. */
static inline __attribute__((always_inline)) h7nn_status eval_common(h7nn_interpreter *nn, const h7nn_node *node,
                                                                     int int8_six) {
    const h7nn_conv_data *op = node->op_data;
    const int8_t *input = h7nn_input_data(nn, node, 0);
    int8_t *output = h7nn_output_data(nn, node, 0);
    int32_t k = op->filter_h * op->filter_w * op->in_c;
    int32_t k_pad = (k + 3) & ~3;
    int16_t *col0 = node->scratch, *col1 = col0 + k_pad;
    int pointwise = is_pointwise(op);
    int32_t pixels = op->out_h * op->out_w;
    const h7nn_m7_requant_params rq = requant_params(op);
    /* (mm16) weights widened at embed time, checked at prepare */
    const uint32_t *packed = packable(op) ? h7nn_packed_data(nn, node) : NULL;
    const int32_t k_w = packable(op) ? k_pad : k;  /* rows padded to k_pad at prepare when k % 4 != 0 */
    const int six = six_columns(op) && (packed || int8_six);
    for (int b = 0; b < op->batches; b++) {
        const int8_t *in_b = input + b * op->in_h * op->in_w * op->in_c;
        int8_t *out_b = output + b * pixels * op->out_c;
        int32_t p = 0;
        /* the last group overlaps the one before (same outputs written twice, the input
         * tensor is not the output), so no pixel is left to a slower path */
        int16_t *plane = !pointwise && plane_bytes(op) ? col0 + 7 * k_pad : NULL;
        if (six && pixels >= 6) {
            if (plane) fill_plane(op, in_b, plane);
            /* 1-3 pixels past the last whole group: one column each on the record (mode 1)
             * rather than a group that overlaps the one before, which computes six (a 7-row
             * 1x1 layer of the phone model ran 12 columns for 7 outputs) */
            const int32_t tail = packed && op->fast_requant == 1 && pixels % 6 <= 3 ? pixels % 6 : 0;
            for (; p < pixels - tail; p += 6) {
                if (p + 6 > pixels) p = pixels - 6;
                /* the 1x1 test once per group, not per pixel */
                if (pointwise) {
                    for (int j = 0; j < 6; j++) h7nn_m7_widen_into_hex(in_b + (p + j) * k, k, op->input_offset, col0, j);
                } else for (int j = 0; j < 6; j++) {
                    if (plane) {
                        plane_into_hex(op, plane, (p + j) / op->out_w, (p + j) % op->out_w, col0, j);
                    } else if ((op->in_c & 3) == 0) {
                        im2col_hex(op, in_b, (p + j) / op->out_w, (p + j) % op->out_w, col0, j);
                    } else if (interior_patch(op, in_b, (p + j) / op->out_w, (p + j) % op->out_w,
                                              (int8_t *)(col0 + 6 * k_pad))) {
                        h7nn_m7_widen_into_hex((const int8_t *)(col0 + 6 * k_pad), k_pad, op->input_offset, col0, j);
                    } else {
                        im2col(op, in_b, (p + j) / op->out_w, (p + j) % op->out_w, col0 + 6 * k_pad);
                        h7nn_m7_copy_into_hex(col0 + 6 * k_pad, k, col0, j);
                    }
                }
                if (packed)
                    h7nn_m7_matmul_6col_packed(packed, k_w, op->out_c, col0, out_b + p * op->out_c, op->out_c, &rq);
                else if (int8_six)  /* (never without a record in h7nn_m7_conv_2d_packed: six is 0 there) */
                    h7nn_m7_matmul_6col(op->filter, k_w, op->out_c, col0, out_b + p * op->out_c, op->out_c, &rq);
            }
            if (tail) few_pixels(op, in_b, out_b, col0, packed, pixels - tail, pixels);
            p = pixels;
        } else if (packed && op->fast_requant == 1) {
            /* fewer than six pixels on the record: tested only off the six-column loop, so
             * the ops that take it pay nothing for this path */
            /* the record's kind (its header, before the data): a streamed view of fewer rows
             * has the whole op's (the six-column one when the op has six pixels or more) */
            if (packed[(int32_t)H7NN_PACKED_REC_KIND - (int32_t)H7NN_PACKED_REC_HEADER] == H7NN_PACKED_FC_PAIRS)
                pairs_pixels(op, in_b, out_b, col0, packed, pixels);
            else
                few_pixels(op, in_b, out_b, col0, packed, 0, pixels);
            continue;
        }
        for (; p < pixels; p += 2) {
            int two = p + 1 < pixels;
            if (pointwise) {
                h7nn_m7_widen_row(in_b + p * op->in_c, op->in_c, op->input_offset, col0, op->fast_requant);
                if (two) h7nn_m7_widen_row(in_b + (p + 1) * op->in_c, op->in_c, op->input_offset, col1,
                                                  op->fast_requant);
            } else {
                im2col(op, in_b, p / op->out_w, p % op->out_w, col0);
                if (two) im2col(op, in_b, (p + 1) / op->out_w, (p + 1) % op->out_w, col1);
            }
            h7nn_m7_matmul_2col(op->filter, k_w, op->out_c, col0, two ? col1 : col0, out_b + p * op->out_c,
                                two ? out_b + (p + 1) * op->out_c : NULL, &rq);
        }
    }
    return H7NN_OK;
}

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) { return eval_common(nn, node, 1); }
static h7nn_status eval_packed(h7nn_interpreter *nn, const h7nn_node *node) { return eval_common(nn, node, 0); }

const h7nn_kernel h7nn_m7_conv_2d = {H7NN_KERNEL_ID(CONV_2D), prepare, eval};
/* (mm16) For models whose every six-column convolution has pre-arranged weights (the embed
 * step names it then): the same kernel without the int8 six-column loop (h7nn_m7_dot_1x6 and
 * its mode-2 runner stay out of the image: KWS code 32,602 -> 31,654 B). A model run with it
 * but without the records is still right, on the two-column path. */
const h7nn_kernel h7nn_m7_conv_2d_packed = {H7NN_KERNEL_ID(CONV_2D), prepare, eval_packed};
