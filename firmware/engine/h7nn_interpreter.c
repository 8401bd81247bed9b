/* h7nn interpreter: model verification, allocation (kernel prepare + static memory plan)
 * and invocation. See h7nn.h for the API. */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "engine/h7nn_internal.h"
#include "engine/h7nn_quant.h"

/* Schema field ids (tflite schema.fbs, v3). */
enum { MODEL_VERSION = 0, MODEL_OPERATOR_CODES = 1, MODEL_SUBGRAPHS = 2, MODEL_BUFFERS = 4 };
enum { OPCODE_DEPRECATED_BUILTIN = 0, OPCODE_CUSTOM = 1, OPCODE_BUILTIN = 3 };
enum { SUBGRAPH_TENSORS = 0, SUBGRAPH_INPUTS = 1, SUBGRAPH_OUTPUTS = 2, SUBGRAPH_OPERATORS = 3 };
enum { TENSOR_SHAPE = 0, TENSOR_TYPE = 1, TENSOR_BUFFER = 2, TENSOR_NAME = 3, TENSOR_QUANT = 4,
       TENSOR_IS_VARIABLE = 5, TENSOR_SPARSITY = 6 };
enum { QUANT_SCALE = 2, QUANT_ZERO_POINT = 3, QUANT_DETAILS_TYPE = 4, QUANT_DIMENSION = 6 };
enum { OP_OPCODE_INDEX = 0, OP_INPUTS = 1, OP_OUTPUTS = 2, OP_OPTIONS_TYPE = 3, OP_OPTIONS = 4,
       OP_CUSTOM_OPTIONS = 5 };
enum { BUFFER_DATA = 0, BUFFER_OFFSET = 1 };

#define ARENA_ALIGN 8u
/* h7nn_flatbuffer.h's bounds checks are exact for buffers under 2 GB */
#define H7NN_MODEL_MAX_BYTES 0x7FFFFFF0u

/* Word loops the compiler must not turn into calls: the firmware's C library (newlib nano)
 * copies and clears byte by byte, which took a tenth of the start-up. */
#if defined(__GNUC__) && !defined(__clang__)
#define WORD_LOOP __attribute__((noinline, optimize("no-tree-loop-distribute-patterns")))
#else
#define WORD_LOOP __attribute__((noinline))
#endif
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* The M7: one STM per 4 words. r0 = dst, r1 = passes (>= 1). */
void h7nn_clear_words4(uint32_t *dst, size_t passes);
__asm__(
    "  .pushsection .text.h7nn_clear_words4,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global h7nn_clear_words4\n"
    "  .type h7nn_clear_words4, %function\n"
    "  .thumb_func\n"
    "h7nn_clear_words4:\n"
    "  push {r4}\n"
    "  movs r2, #0\n"
    "  movs r3, #0\n"
    "  movs r4, #0\n"
    "  mov r12, #0\n"
    "1:\n"
    "  stmia r0!, {r2, r3, r4, r12}\n"
    "  subs r1, r1, #1\n"
    "  bne 1b\n"
    "  pop {r4}\n"
    "  bx lr\n"
    "  .size h7nn_clear_words4, .-h7nn_clear_words4\n"
    "  .popsection\n");
#endif
static WORD_LOOP void clear_words(void *dst, size_t bytes) {
    uint32_t *d = dst;
    size_t i = 0, n = bytes / 4u;
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    if (n >= 4u) h7nn_clear_words4(d, n / 4u), i = n & ~(size_t)3u;
#else
    for (; i + 4u <= n; i += 4u) d[i] = d[i + 1] = d[i + 2] = d[i + 3] = 0;
#endif
    for (; i < n; i++) d[i] = 0;
}
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
/* The M7 (setup, issue 18): one LDM + STM per 4 words (copy_words: h7nn_tensor_info's copies
 * from init's cache, ~150 per VWW setup) and one LDM + 8 ORR per 8 (h7nn_or_words: the
 * per-channel zero points, 5,476 words in VWW): 4 and 11 instructions where gcc's loops took
 * 11 per 4 words. r0/r1 = the pointers, r2/r1 = passes (>= 1). */
void h7nn_copy_words4(uint32_t *dst, const uint32_t *src, size_t passes);
uint32_t h7nn_or_words8(const uint32_t *w, size_t passes);
/* One h7nn_tinfo (19 words on the M7): two LDM/STM pairs (h7nn_tensor_info's copies). */
void h7nn_copy_tinfo(h7nn_tinfo *dst, const h7nn_tinfo *src);
_Static_assert(sizeof(h7nn_tinfo) == 76u, "h7nn_copy_tinfo copies 19 words");
__asm__(
    "  .pushsection .text.h7nn_copy_tinfo,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global h7nn_copy_tinfo\n"
    "  .type h7nn_copy_tinfo, %function\n"
    "  .thumb_func\n"
    "h7nn_copy_tinfo:\n"
    "  push {r4-r11}\n"
    "  ldmia r1!, {r2-r12}\n"
    "  stmia r0!, {r2-r12}\n"
    "  ldmia r1, {r2-r9}\n"
    "  stmia r0, {r2-r9}\n"
    "  pop {r4-r11}\n"
    "  bx lr\n"
    "  .size h7nn_copy_tinfo, .-h7nn_copy_tinfo\n"
    "  .popsection\n");
__asm__(
    "  .pushsection .text.h7nn_copy_words4,\"ax\",%progbits\n"
    "  .syntax unified\n"
    "  .thumb\n"
    "  .p2align 2\n"
    "  .global h7nn_copy_words4\n"
    "  .type h7nn_copy_words4, %function\n"
    "  .thumb_func\n"
    "h7nn_copy_words4:\n"
    "  push {r4-r7}\n"
    "1:\n"
    "  ldmia r1!, {r4-r7}\n"
    "  stmia r0!, {r4-r7}\n"
    "  subs r2, r2, #1\n"
    "  bne 1b\n"
    "  pop {r4-r7}\n"
    "  bx lr\n"
    "  .size h7nn_copy_words4, .-h7nn_copy_words4\n"
    "  .popsection\n"
    "  .pushsection .text.h7nn_or_words8,\"ax\",%progbits\n"
    "  .p2align 2\n"
    "  .global h7nn_or_words8\n"
    "  .type h7nn_or_words8, %function\n"
    "  .thumb_func\n"
    "h7nn_or_words8:\n"
    "  push {r4-r11}\n"
    "  movs r12, #0\n"
    "1:\n"
    "  ldmia r0!, {r4-r11}\n"
    "  orr r4, r4, r5\n"
    "  orr r6, r6, r7\n"
    "  orr r8, r8, r9\n"
    "  orr r10, r10, r11\n"
    "  orr r4, r4, r6\n"
    "  orr r8, r8, r10\n"
    "  orr r12, r12, r4\n"
    "  orr r12, r12, r8\n"
    "  subs r1, r1, #1\n"
    "  bne 1b\n"
    "  mov r0, r12\n"
    "  pop {r4-r11}\n"
    "  bx lr\n"
    "  .size h7nn_or_words8, .-h7nn_or_words8\n"
    "  .popsection\n");
#endif

uint32_t h7nn_or_words(const uint32_t *w, size_t n) {
    uint32_t any = 0;
    size_t i = 0;
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    if (n >= 8u) any = h7nn_or_words8(w, n / 8u), i = n & ~(size_t)7u;
#endif
    for (; i < n; i++) any |= w[i];
    return any;
}

static WORD_LOOP void copy_words(void *dst, const void *src, size_t bytes) {
    uint32_t *d = dst;
    const uint32_t *s = src;
    size_t i = 0, n = bytes / 4u;
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
    if (n >= 4u) h7nn_copy_words4(d, s, n / 4u), i = n & ~(size_t)3u;
#else
    for (; i + 4u <= n; i += 4u) {
        uint32_t a = s[i], b = s[i + 1], c = s[i + 2], e = s[i + 3];
        d[i] = a, d[i + 1] = b, d[i + 2] = c, d[i + 3] = e;
    }
#endif
    for (; i < n; i++) d[i] = s[i];
}
_Static_assert(sizeof(h7nn_tinfo) % 4u == 0 && sizeof(h7nn_interpreter) % 4u == 0, "copied and cleared by words");
#define UNPLACED UINT32_MAX

/* ---------------------------------------------------------------- messages */

static void append(char *buf, size_t *len, const char *s) {
    while (*s && *len + 1 < H7NN_ERROR_BYTES) buf[(*len)++] = *s++;
    buf[*len] = '\0';
}

/* 32-bit: every number in a message is an int or unsigned (a long long division would pull
 * the C library's 64-bit divide into the image). */
static void append_int(char *buf, size_t *len, int negative, uint32_t u) {
    char out[12];
    int n = (int)sizeof out - 1;
    out[n] = '\0';
    do {
        out[--n] = (char)('0' + u % 10u);
        u /= 10u;
    } while (u);
    if (negative) out[--n] = '-';
    append(buf, len, out + n);
}

static void vformat(char *buf, size_t *len, const char *fmt, va_list ap) {
    char one[2] = {0, 0};
    for (const char *p = fmt; *p; p++) {
        const char *s = one;
        if (*p == '%' && p[1]) {
            p++;
            if (*p == 'd' || *p == 'u') {
                const uint32_t u = *p == 'd' ? (uint32_t)va_arg(ap, int) : va_arg(ap, unsigned);
                const int negative = *p == 'd' && (int32_t)u < 0;
                append_int(buf, len, negative, negative ? 0u - u : u);
                continue;
            }
            if (*p == 's' && !(s = va_arg(ap, const char *))) s = "(null)";
        }
        if (s == one) one[0] = *p;
        append(buf, len, s);
    }
}

static h7nn_status fail(h7nn_interpreter *nn, h7nn_status status, const char *fmt, ...) {
    size_t len = 0;
    va_list ap;
    nn->error[0] = '\0';
    va_start(ap, fmt);
    vformat(nn->error, &len, fmt, ap);
    va_end(ap);
    return status;
}

int h7nn_node_index(const h7nn_interpreter *nn, const h7nn_node *node) {
    return (int)(node - nn->nodes);
}

h7nn_status h7nn_fail(h7nn_interpreter *nn, const h7nn_node *node, h7nn_status status, const char *fmt, ...) {
    size_t len = 0;
    va_list ap;
    nn->error[0] = '\0';
    if (node) {
        append(nn->error, &len, "op ");
        append_int(nn->error, &len, 0, (uint32_t)h7nn_node_index(nn, node));
        append(nn->error, &len, " ");
        append(nn->error, &len, node->kernel ? node->kernel->name : "?");
        append(nn->error, &len, ": ");
    }
    va_start(ap, fmt);
    vformat(nn->error, &len, fmt, ap);
    va_end(ap);
    return status;
}

const char *h7nn_status_name(h7nn_status status) {
    switch (status) {
    case H7NN_OK: return "ok";
    case H7NN_ERR_ARGUMENT: return "bad argument";
    case H7NN_ERR_MODEL: return "bad model";
    case H7NN_ERR_UNSUPPORTED: return "unsupported";
    case H7NN_ERR_ARENA: return "arena too small";
    case H7NN_ERR_RUNTIME: return "runtime error";
    }
    return "unknown status";
}

/* Names from the op list; the firmware keeps only the names of the ops it has kernels for
 * (the build refuses a model with any other op before it reaches the board). One byte per
 * code and the names back to back (searched in order): smaller than a switch over codes
 * 0..117 or a table of pointers. */
#define H7NN_OP(code, NAME, ident, kernels, options) _Static_assert((code) < 256, "op codes fit a byte");
#define H7NN_SCHEMA_OP(code, NAME) _Static_assert((code) < 256, "op codes fit a byte");
#include "engine/h7nn_ops.def"
const char *h7nn_op_code_name(int32_t code) {
    static const uint8_t codes[] = {
#define H7NN_OP(code, NAME, ident, kernels, options) code,
#ifndef H7_TARGET_FIRMWARE
#define H7NN_SCHEMA_OP(code, NAME) code,
#endif
#include "engine/h7nn_ops.def"
    };
    static const char names[] =
#define H7NN_OP(code, NAME, ident, kernels, options) #NAME "\0"
#ifndef H7_TARGET_FIRMWARE
#define H7NN_SCHEMA_OP(code, NAME) #NAME "\0"
#endif
#include "engine/h7nn_ops.def"
        ;
    const char *name = names;
    for (size_t i = 0; i < sizeof codes; i++) {
        if (codes[i] == code) return name;
        while (*name++) continue;  /* the next name */
    }
    return "BUILTIN";
}

size_t h7nn_type_size(int type) {
    switch (type) {
    case H7NN_FLOAT32: case H7NN_INT32: return 4;
    case H7NN_INT64: return 8;
    case H7NN_INT16: return 2;
    case H7NN_INT8: case H7NN_UINT8: return 1;
    }
    return 0;
}

const char *h7nn_type_name(int type) {
    switch (type) {
    case H7NN_FLOAT32: return "float32";
    case H7NN_INT32: return "int32";
    case H7NN_INT64: return "int64";
    case H7NN_INT16: return "int16";
    case H7NN_INT8: return "int8";
    case H7NN_UINT8: return "uint8";
    }
    return "unsupported type";
}

/* ---------------------------------------------------------------- verification */

/* "model: WHAT INDEX: PROBLEM" (no index when it is negative): the prefix is written here
 * once rather than in every message's format. */
static h7nn_status bad_as(h7nn_interpreter *nn, h7nn_status status, const char *what, int index, const char *fmt, ...) {
    size_t len = 0;
    va_list ap;
    nn->error[0] = '\0';
    append(nn->error, &len, "model: ");
    append(nn->error, &len, what);
    if (index >= 0) append(nn->error, &len, " "), append_int(nn->error, &len, 0, (uint32_t)index);
    append(nn->error, &len, ": ");
    va_start(ap, fmt);
    vformat(nn->error, &len, fmt, ap);
    va_end(ap);
    return status;
}
#define bad(nn, what, index, problem) bad_as(nn, H7NN_ERR_MODEL, what, index, problem)

static int32_t opcode_builtin(const h7nn_fb *fb, uint32_t opcode) {
    int32_t deprecated = (int8_t)h7nn_fb_get_u8(fb, opcode, OPCODE_DEPRECATED_BUILTIN, 0);
    int32_t code = h7nn_fb_get_i32(fb, opcode, OPCODE_BUILTIN, 0);
    /* Newer files keep small codes in both fields; codes above 127 only in the new one. */
    return code > deprecated ? code : deprecated;
}

static h7nn_status buffer_data(h7nn_interpreter *nn, uint32_t buffer_index, uint32_t *pos, uint32_t *len) {
    h7nn_fb fb = h7nn_model_fb(nn);
    uint32_t buffer;  /* *pos and *len: set by h7nn_fb_get_vector, read only when this succeeds */
    if (h7nn_fb_vector_table(&fb, nn->buffers_vec, buffer_index, &buffer) != H7NN_FB_OK)
        return bad(nn, "buffer", (int)buffer_index, "table outside the file");
    int r = h7nn_fb_get_vector(&fb, buffer, BUFFER_DATA, 1, pos, len);
    if (r == H7NN_FB_BAD) return bad(nn, "buffer", (int)buffer_index, "data outside the file");
    uint32_t offset_pos = h7nn_fb_field(&fb, buffer, BUFFER_OFFSET, 8);
    if (offset_pos && (h7nn_fb_u32(&fb, offset_pos) || h7nn_fb_u32(&fb, offset_pos + 4)))
        return bad_as(nn, H7NN_ERR_UNSUPPORTED, "buffer", (int)buffer_index,
                      "data outside the flatbuffer (offset buffers)");
    return H7NN_OK;
}

static h7nn_status tensor_table(h7nn_interpreter *nn, int index, uint32_t *table) {
    h7nn_fb fb = h7nn_model_fb(nn);
    if (index < 0 || (uint32_t)index >= nn->tensor_count) return bad(nn, "tensor", index, "index out of range");
    if (h7nn_fb_vector_table(&fb, nn->tensors_vec, (uint32_t)index, table) != H7NN_FB_OK)
        return bad(nn, "tensor", index, "table outside the file");
    return H7NN_OK;
}

/* Reads (and fully checks) one tensor's description. */
h7nn_status h7nn_tensor_info(h7nn_interpreter *nn, int index, h7nn_tinfo *t) {
    if (nn->tinfo_cache && index >= 0 && (uint32_t)index < nn->tensor_count && nn->tinfo_cache_bytes <= nn->tail) {
        /* read (and checked) at init */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
        h7nn_copy_tinfo(t, (const h7nn_tinfo *)nn->tinfo_cache + index);
#else
        copy_words(t, (const h7nn_tinfo *)nn->tinfo_cache + index, sizeof *t);
#endif
        return H7NN_OK;
    }
    h7nn_fb fb = h7nn_model_fb(nn);
    uint32_t table, shape, rank, quant = 0, pos, len;
    h7nn_status s = tensor_table(nn, index, &table);
    if (s != H7NN_OK) return s;
    clear_words(t, sizeof *t);
    t->index = index;
    t->type = h7nn_fb_get_u8(&fb, table, TENSOR_TYPE, 0);
    if (h7nn_type_size(t->type) == 0)
        return bad_as(nn, H7NN_ERR_UNSUPPORTED, "tensor", index, "type %d is not supported (int8, uint8, "
                      "int16, int32, int64, float32 are)", t->type);
    if (h7nn_fb_get_vector(&fb, table, TENSOR_SHAPE, 4, &shape, &rank) == H7NN_FB_BAD)
        return bad(nn, "tensor", index, "shape outside the file");
    if (rank > H7NN_MAX_DIMS)
        return bad_as(nn, H7NN_ERR_UNSUPPORTED, "tensor", index, "rank %u > %d", (unsigned)rank, H7NN_MAX_DIMS);
    t->rank = (int)rank;
    uint32_t elements = 1;
    for (uint32_t i = 0; i < rank; i++) {
        int32_t d = (int32_t)h7nn_fb_u32(&fb, shape + 4u * i);
        if (d < 0) return bad(nn, "tensor", index, "negative (dynamic) dimension");
        if (d > 65535) return bad_as(nn, H7NN_ERR_UNSUPPORTED, "tensor", index, "dimension %d > 65535", (int)d);
        t->dims[i] = d;
        /* a product past 32 bits is past 2^28 too */
        if (__builtin_mul_overflow(elements, (uint32_t)d, &elements) || elements > (1u << 28))
            return bad(nn, "tensor", index, "too many elements");
    }
    t->elements = elements;
    t->bytes = elements * (uint32_t)h7nn_type_size(t->type);  /* at most 2^31 */
    if (h7nn_fb_get_u8(&fb, table, TENSOR_IS_VARIABLE, 0))
        return bad_as(nn, H7NN_ERR_UNSUPPORTED, "tensor", index, "variable tensors are not supported");
    if (h7nn_fb_field(&fb, table, TENSOR_SPARSITY, 4))
        return bad_as(nn, H7NN_ERR_UNSUPPORTED, "tensor", index, "sparse tensors are not supported");
    int r = h7nn_fb_get_table(&fb, table, TENSOR_QUANT, &quant);
    if (r == H7NN_FB_BAD) return bad(nn, "tensor", index, "quantization outside the file");
    if (quant) {
        uint32_t scales, nscale, zps, nzp;
        if (h7nn_fb_get_u8(&fb, quant, QUANT_DETAILS_TYPE, 0))
            return bad_as(nn, H7NN_ERR_UNSUPPORTED, "tensor", index, "custom quantization");
        if (h7nn_fb_get_vector(&fb, quant, QUANT_SCALE, 4, &scales, &nscale) == H7NN_FB_BAD ||
            h7nn_fb_get_vector(&fb, quant, QUANT_ZERO_POINT, 8, &zps, &nzp) == H7NN_FB_BAD)
            return bad(nn, "tensor", index, "quantization vectors outside the file");
        if (nzp != nscale && nzp != 0) return bad(nn, "tensor", index, "scale and zero-point counts differ");
        int32_t qdim = h7nn_fb_get_i32(&fb, quant, QUANT_DIMENSION, 0);
        if (nscale > 1) {
            if (qdim < 0 || qdim >= t->rank || (uint32_t)t->dims[qdim] != nscale)
                return bad(nn, "tensor", index, "per-channel scales do not match the quantized dimension");
        }
        t->quantized_dimension = qdim;
        t->scale_count = nscale;
        t->scales = nscale ? (const float *)(const void *)(fb.base + scales) : NULL;
        /* the first of each (see h7nn_tensor_info in h7nn_internal.h); a zero point's high
         * word extends its low word's sign */
        if (nscale) {
            memcpy(&t->scale, fb.base + scales, 4);
            h7nn_fb_trace(fb.base + scales, 4);
            if (!h7nn_scale_ok(t->scale)) return bad(nn, "tensor", index, "scale is negative or not finite");
        }
        t->zero_points = nzp ? (const uint32_t *)(const void *)(fb.base + zps) : NULL;
        t->zero_point_count = nzp;
        if (nzp) {
            h7nn_fb_trace(t->zero_points, 8);
            if (t->zero_points[1] != (uint32_t)((int32_t)t->zero_points[0] >> 31))
                return bad(nn, "tensor", index, "zero point out of range");
            t->zero_point = (int32_t)t->zero_points[0];
        }
    }
    uint32_t buffer_index = (uint32_t)h7nn_fb_get_i32(&fb, table, TENSOR_BUFFER, 0);
    if (buffer_index >= nn->buffer_count) return bad(nn, "tensor", index, "buffer index out of range");
    s = buffer_data(nn, buffer_index, &pos, &len);
    if (s != H7NN_OK) return s;
    if (len) {
        if (len != t->bytes) return bad(nn, "tensor", index, "constant data size does not match its shape");
        size_t align = h7nn_type_size(t->type) < 4 ? h7nn_type_size(t->type) : 4;
        if ((uintptr_t)(fb.base + pos) & (align - 1u)) return bad(nn, "tensor", index, "constant data misaligned");  /* 1, 2 or 4 */
        t->const_data = fb.base + pos;
    }
    return H7NN_OK;
}

int h7nn_node_has_input(const h7nn_node *node, int k) {
    return k < node->input_count && node->inputs[k] >= 0;
}

h7nn_status h7nn_node_input(h7nn_interpreter *nn, const h7nn_node *node, int k, h7nn_tinfo *info) {
    if (!h7nn_node_has_input(node, k)) return h7nn_fail(nn, node, H7NN_ERR_MODEL, "input %d is missing", k);
    return h7nn_tensor_info(nn, node->inputs[k], info);
}

h7nn_status h7nn_node_output(h7nn_interpreter *nn, const h7nn_node *node, int k, h7nn_tinfo *info) {
    if (k >= node->output_count || node->outputs[k] < 0)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "output %d is missing", k);
    return h7nn_tensor_info(nn, node->outputs[k], info);
}

/* A list of tensor indices, each in range; -1 (no tensor) only where absent is NULL (an
 * operator's lists), else refused as "model: ABSENT i: absent tensor" (the subgraph's). */
static h7nn_status index_vector(h7nn_interpreter *nn, uint32_t table, unsigned id, const char *what, int index,
                                const int32_t **out, uint32_t *count, const char *absent) {
    h7nn_fb fb = h7nn_model_fb(nn);
    uint32_t pos;
    if (h7nn_fb_get_vector(&fb, table, id, 4, &pos, count) == H7NN_FB_BAD)
        return bad(nn, what, index, "tensor index list outside the file");
    *out = (const int32_t *)(const void *)(fb.base + pos);
    h7nn_fb_trace(*out, 4u * *count);
    for (uint32_t i = 0; i < *count; i++) {
        int32_t t = (*out)[i];
        if (t < -1 || t >= (int32_t)nn->tensor_count) return bad(nn, what, index, "tensor index out of range");
        if (t < 0 && absent) return bad(nn, absent, (int)i, "absent tensor");
    }
    if (*count > 0xFFFFu) return bad(nn, what, index, "too many tensors");
    return H7NN_OK;
}

static const h7nn_kernel *find_kernel(const h7nn_resolver *resolver, int32_t code) {
    for (uint32_t i = 0; i < resolver->count; i++)
        if (resolver->kernels[i] && resolver->kernels[i]->builtin_code == code) return resolver->kernels[i];
    return NULL;
}

/* Whether tensor t is constant: from verify_model's list when the arena holds one, else read
 * again. */
static __attribute__((noinline)) int tensor_is_constant(h7nn_interpreter *nn, const uint8_t *constant, int32_t t) {
    h7nn_tinfo info;
    if (constant) return constant[t];
    return h7nn_tensor_info(nn, t, &info) == H7NN_OK && info.const_data != NULL;
}

static int is_graph_input(const h7nn_interpreter *nn, int32_t t) {
    for (uint32_t i = 0; i < nn->input_count; i++)
        if (nn->inputs[i] == t) return 1;
    return 0;
}

/* A node from one operator's fields (read_operator's outputs), all of it. */
static __attribute__((noinline)) void set_node(h7nn_node *node, const h7nn_kernel *kernel, const int32_t *in, uint32_t n_in,
                     const int32_t *out, uint32_t n_out, uint32_t options, int options_type)
{
    node->kernel = kernel;
    node->inputs = in;
    node->outputs = out;
    node->input_count = (uint16_t)n_in;
    node->output_count = (uint16_t)n_out;
    node->options = options;
    node->options_type = (uint8_t)options_type;
    node->op_data = node->scratch = NULL;  /* every field: no clear needed first */
    node->scratch_bytes = 0;
}

/* Operator i: its table, opcode and io lists, all checked. */
static h7nn_status read_operator(h7nn_interpreter *nn, uint32_t i, int32_t *code, const int32_t **inputs,
                                 uint32_t *n_in, const int32_t **outputs, uint32_t *n_out, uint32_t *options,
                                 int *options_type) {
    h7nn_fb fb = h7nn_model_fb(nn);
    uint32_t op, opcode;
    if (h7nn_fb_vector_table(&fb, nn->operators_vec, i, &op) != H7NN_FB_OK)
        return bad(nn, "operator", (int)i, "table outside the file");
    uint32_t opcode_index = (uint32_t)h7nn_fb_get_i32(&fb, op, OP_OPCODE_INDEX, 0);
    if (opcode_index >= nn->opcode_count) return bad(nn, "operator", (int)i, "opcode index out of range");
    if (h7nn_fb_vector_table(&fb, nn->opcodes_vec, opcode_index, &opcode) != H7NN_FB_OK)
        return bad(nn, "operator code", (int)opcode_index, "table outside the file");
    *code = opcode_builtin(&fb, opcode);
    h7nn_status s = index_vector(nn, op, OP_INPUTS, "operator", (int)i, inputs, n_in, NULL);
    if (s == H7NN_OK) s = index_vector(nn, op, OP_OUTPUTS, "operator", (int)i, outputs, n_out, NULL);
    if (s != H7NN_OK) return s;
    *options_type = h7nn_fb_get_u8(&fb, op, OP_OPTIONS_TYPE, 0);
    if (h7nn_fb_get_table(&fb, op, OP_OPTIONS, options) == H7NN_FB_BAD)
        return bad(nn, "operator", (int)i, "options outside the file");
    if (*options_type == 0) *options = 0;  /* union type NONE: no options, whatever the table says */
    if (*code == H7NN_OP_CUSTOM) {
        uint32_t custom_pos, custom_len;
        if (h7nn_fb_get_vector(&fb, opcode, OPCODE_CUSTOM, 1, &custom_pos, &custom_len) == H7NN_FB_OK) {
            char name[40];
            uint32_t n = custom_len < sizeof name - 1 ? custom_len : (uint32_t)sizeof name - 1;
            memcpy(name, fb.base + custom_pos, n);
            name[n] = '\0';
            return bad_as(nn, H7NN_ERR_UNSUPPORTED, "operator", (int)i, "custom op '%s' is not supported", name);
        }
        return bad_as(nn, H7NN_ERR_UNSUPPORTED, "operator", (int)i, "custom ops are not supported");
    }
    return H7NN_OK;
}

static h7nn_status read_operator(h7nn_interpreter *nn, uint32_t i, int32_t *code, const int32_t **inputs,
                                 uint32_t *n_in, const int32_t **outputs, uint32_t *n_out, uint32_t *options,
                                 int *options_type);

/* The first op before `limit` that writes tensor t, or -1: from verify_model's list of
 * writers so far when the arena holds one (limit is then the op being checked), else from
 * the operators. */
static __attribute__((noinline)) int writer_before(h7nn_interpreter *nn, const int16_t *producer, int32_t t,
                                                   uint32_t limit) {
    if (producer) return producer[t];
    for (uint32_t j = 0; j < limit; j++) {
        int32_t code;
        const int32_t *in, *out;
        uint32_t n_in, n_out, options;
        int options_type;
        if (read_operator(nn, j, &code, &in, &n_in, &out, &n_out, &options, &options_type) != H7NN_OK) continue;
        for (uint32_t m = 0; m < n_out; m++)
            if (out[m] == t) return (int)j;
    }
    return -1;
}

static uint32_t align8(uint32_t n) { return (n + ARENA_ALIGN - 1u) & ~(ARENA_ALIGN - 1u); }

/* The tag h7nn_init writes after what it keeps in the arena (the descriptions and nodes),
 * and h7nn_allocate looks for: this interpreter, this model, this arena. The arena belongs
 * to the engine from h7nn_init on (as TFLM's does); the tag catches a second h7nn_init on
 * the same arena or an arena cleared in between, which then reads the model again. */
static uint32_t cache_tag(const h7nn_interpreter *nn) {
    return (uint32_t)(uintptr_t)nn ^ (uint32_t)(uintptr_t)nn->model ^ (uint32_t)nn->model_size ^ 0x48374B50u;
}

/* The bytes h7nn_init keeps at the arena's start for h7nn_allocate (the descriptions, the
 * nodes, the tag) when the arena also has room for verify_model's 3 bytes per tensor after
 * them, else 0 (kept nothing). verify_model and load_checked keep the same. */
static size_t kept_bytes_of(const h7nn_interpreter *nn, uint32_t tensors, uint32_t ops) {
    size_t kept = align8((uint32_t)(sizeof(h7nn_tinfo) * tensors)) + align8((uint32_t)(sizeof(h7nn_node) * ops)) + 8u;
    return nn->arena && nn->arena_size >= kept + 3u * tensors ? kept : 0u;
}

/* What is kept, behind its tag. */
static void keep_tagged(h7nn_interpreter *nn, size_t kept_bytes) {
    nn->tinfo_cache = nn->arena;
    nn->tinfo_cache_bytes = kept_bytes;
    nn->tinfo_tag = cache_tag(nn);
    memcpy(nn->arena + kept_bytes - 8u, &nn->tinfo_tag, 4);
}

static h7nn_status verify_model(h7nn_interpreter *nn) {
    h7nn_fb fb = h7nn_model_fb(nn);
    uint32_t root, subgraphs, n_subgraphs, subgraph;
    if (nn->model_size < 16) return bad(nn, "file", -1, "too short to be a .tflite model");
    if (nn->model_size > H7NN_MODEL_MAX_BYTES) return bad(nn, "file", -1, "larger than 2 GB");
    uint32_t tfl3;
    memcpy(&tfl3, "TFL3", 4);  /* one word compare (the model is 4-byte aligned), not memcmp's bytes */
    if (h7nn_fb_u32(&fb, 4) != tfl3) return bad(nn, "file", -1, "no TFL3 identifier (not a .tflite model)");
    root = h7nn_fb_u32(&fb, 0);
    if (!h7nn_fb_table_ok(&fb, root)) return bad(nn, "root table", -1, "outside the file");
    int32_t version = h7nn_fb_get_i32(&fb, root, MODEL_VERSION, 0);
    if (version != 3) return fail(nn, H7NN_ERR_UNSUPPORTED, "model: schema version %d (3 is supported)", (int)version);
    if (h7nn_fb_get_vector(&fb, root, MODEL_BUFFERS, 4, &nn->buffers_vec, &nn->buffer_count) != H7NN_FB_OK)
        return bad(nn, "buffers", -1, "missing or outside the file");
    if (h7nn_fb_get_vector(&fb, root, MODEL_OPERATOR_CODES, 4, &nn->opcodes_vec, &nn->opcode_count) == H7NN_FB_BAD)
        return bad(nn, "operator codes", -1, "outside the file");
    if (h7nn_fb_get_vector(&fb, root, MODEL_SUBGRAPHS, 4, &subgraphs, &n_subgraphs) != H7NN_FB_OK || n_subgraphs == 0)
        return bad(nn, "subgraphs", -1, "missing or outside the file");
    if (n_subgraphs > 1)
        return fail(nn, H7NN_ERR_UNSUPPORTED, "model: %u subgraphs (control flow); one is supported",
                    (unsigned)n_subgraphs);
    if (h7nn_fb_vector_table(&fb, subgraphs, 0, &subgraph) != H7NN_FB_OK)
        return bad(nn, "subgraph", 0, "table outside the file");
    if (h7nn_fb_get_vector(&fb, subgraph, SUBGRAPH_TENSORS, 4, &nn->tensors_vec, &nn->tensor_count) != H7NN_FB_OK)
        return bad(nn, "subgraph tensors", -1, "missing or outside the file");
    if (h7nn_fb_get_vector(&fb, subgraph, SUBGRAPH_OPERATORS, 4, &nn->operators_vec, &nn->op_count) == H7NN_FB_BAD)
        return bad(nn, "subgraph operators", -1, "outside the file");
    if (nn->tensor_count > 4096u || nn->op_count > 1024u)
        return fail(nn, H7NN_ERR_UNSUPPORTED, "model: %u tensors, %u ops (at most 4096 and 1024)",
                    (unsigned)nn->tensor_count, (unsigned)nn->op_count);
    h7nn_status s = index_vector(nn, subgraph, SUBGRAPH_INPUTS, "subgraph", 0, &nn->inputs, &nn->input_count,
                                 "subgraph input");
    if (s == H7NN_OK)
        s = index_vector(nn, subgraph, SUBGRAPH_OUTPUTS, "subgraph", 0, &nn->outputs, &nn->output_count,
                         "subgraph output");
    if (s != H7NN_OK) return s;

    /* every tensor description; the arena (unused until allocate) keeps, when it is large
     * enough, which tensors are constant and (below) which op writes each tensor;
     * otherwise they are read again */
    int16_t *producer = NULL;
    uint8_t *constant = NULL;
    /* the descriptions themselves, and the ops as nodes, are kept there too for h7nn_allocate
     * (tinfo_cache: the tensors, then the nodes) */
    const size_t kept_bytes = kept_bytes_of(nn, nn->tensor_count, nn->op_count);
    h7nn_tinfo *cache = kept_bytes ? (h7nn_tinfo *)(void *)nn->arena : NULL;
    h7nn_node *node_cache = kept_bytes ? (h7nn_node *)(void *)(nn->arena + align8((uint32_t)(sizeof(h7nn_tinfo) *
                                                                                           nn->tensor_count)))
                                       : NULL;
    if (nn->arena && nn->arena_size >= kept_bytes + 3u * nn->tensor_count) {
        producer = (int16_t *)(void *)(nn->arena + kept_bytes);
        constant = nn->arena + kept_bytes + 2u * nn->tensor_count;
    }
    for (uint32_t i = 0; i < nn->tensor_count; i++) {
        h7nn_tinfo t, *ti = cache ? &cache[i] : &t;
        s = h7nn_tensor_info(nn, (int)i, ti);
        if (s != H7NN_OK) return s;
        if (producer) producer[i] = -1, constant[i] = ti->const_data != NULL;
    }
    /* every operator: opcode known to the resolver, io in range, one writer per tensor,
     * and every activation written before it is read */
    for (uint32_t i = 0; i < nn->op_count; i++) {
        int32_t code;
        const int32_t *in, *out;
        uint32_t n_in, n_out, options;
        int options_type;
        s = read_operator(nn, i, &code, &in, &n_in, &out, &n_out, &options, &options_type);
        if (s != H7NN_OK) return s;
        const h7nn_kernel *kernel = find_kernel(nn->resolver, code);
        if (!kernel)
            return bad_as(nn, H7NN_ERR_UNSUPPORTED, "operator", (int)i, "%s (builtin code %d) is not in the op resolver",
                          h7nn_op_code_name(code), (int)code);
        if (options_type != 0 && options_type != kernel->options_type)
            return bad_as(nn, H7NN_ERR_MODEL, "operator", (int)i, "%s has builtin options of type %d (it takes type %d)",
                          kernel->name, options_type, (int)kernel->options_type);
        if (node_cache) {
            h7nn_node *node = &node_cache[i];
            set_node(node, kernel, in, n_in, out, n_out, options, options_type);
        }
        for (uint32_t k = 0; k < n_in; k++) {
            int32_t t = in[k];
            if (t < 0 || tensor_is_constant(nn, constant, t) || is_graph_input(nn, t)) continue;
            if (writer_before(nn, producer, t, i) < 0)
                return fail(nn, H7NN_ERR_MODEL, "model: operator %d reads tensor %d before any op writes it",
                            (int)i, (int)t);
        }
        for (uint32_t k = 0; k < n_out; k++) {
            int32_t t = out[k];
            if (t < 0) continue;
            if (tensor_is_constant(nn, constant, t))
                return bad(nn, "operator", (int)i, "writes a constant tensor");
            if (is_graph_input(nn, t)) return bad(nn, "operator", (int)i, "writes a model input");
            if (writer_before(nn, producer, t, i) >= 0)
                return bad(nn, "operator", (int)i, "writes a tensor another op wrote");
            if (producer) producer[t] = (int16_t)i;
        }
    }
    for (uint32_t i = 0; i < nn->output_count; i++) {
        int32_t t = nn->outputs[i];
        if (tensor_is_constant(nn, constant, t) || is_graph_input(nn, t)) continue;
        if (writer_before(nn, producer, t, nn->op_count) < 0)
            return bad(nn, "subgraph output", (int)i, "no op writes it");
    }
    if (cache) keep_tagged(nn, kept_bytes);
    return H7NN_OK;
}

/* ---------------------------------------------------------------- the checked record (setup, issue 18)
 *
 * h7nn_init's checks walk the flatbuffer with every offset, vtable and vector bounds-checked:
 * ~1,100 instructions per tensor on the board (VWW: 89 tensors, ~100 k). The embed step runs
 * them once on the host (h7nn_checked_make), noting every model byte they read, and stores what
 * they found with a digest (h7nn_digest_words) over the record itself, those bytes and the
 * plan it checked in full. h7nn_init hashes the same words (2 instructions each) and, when the
 * digest matches, takes the tensors' descriptions and the nodes from the record; the checks
 * that depend on the resolver (every op's kernel and options type) still run. h7nn_allocate
 * then takes the covered plan without checking it again, once every op's scratch size equals
 * the one the plan was checked with. A record that is absent, of another version, model or
 * plan, or with any covered byte changed (in it, in the model or in the plan) is ignored: the
 * full checks run, and they refuse or accept exactly as without a record. The digest catches
 * corruption, not forgery: a record is trusted as the plan beside it is (both generated in the
 * same file by the embed step).
 *
 * Words: the header (CK_*), then per range of model bytes its byte offset and length (both
 * multiples of 4), then per tensor CK_TENSOR_WORDS (h7nn_tinfo with positions in the model for
 * its pointers, 0 for none), then per op CK_NODE_WORDS. */
#define CK_MAGIC 0x4B433748u  /* "H7CK" */
#define CK_VERSION 1u
enum { CK_MAGIC_W, CK_VERSION_W, CK_WORDS_W, CK_DIGEST_W, CK_MODEL_BYTES_W, CK_PLAN_WORDS_W, CK_RANGES_W,
       CK_TENSORS_VEC_W, CK_BUFFERS_VEC_W, CK_OPCODES_VEC_W, CK_OPERATORS_VEC_W, CK_INPUTS_W, CK_OUTPUTS_W,
       CK_TENSOR_COUNT_W, CK_BUFFER_COUNT_W, CK_OPCODE_COUNT_W, CK_OP_COUNT_W, CK_INPUT_COUNT_W, CK_OUTPUT_COUNT_W,
       CK_HEADER };
enum { CKT_INDEX, CKT_TYPE, CKT_RANK, CKT_DIMS, CKT_ELEMENTS = CKT_DIMS + H7NN_MAX_DIMS, CKT_BYTES, CKT_SCALE, CKT_ZERO_POINT,
       CKT_SCALES, CKT_SCALE_COUNT, CKT_QDIM, CKT_ZERO_POINTS, CKT_ZERO_POINT_COUNT, CKT_CONST, CK_TENSOR_WORDS };
enum { CKN_CODE, CKN_INPUTS, CKN_INPUT_COUNT, CKN_OUTPUTS, CKN_OUTPUT_COUNT, CKN_OPTIONS, CKN_OPTIONS_TYPE,
       CKN_SCRATCH, CK_NODE_WORDS };
#define CK_SEED 0x811C9DC5u
/* A tensor's words are h7nn_tinfo's fields in order (its pointers as positions): on 32-bit
 * targets (the board) the struct itself, so one word copy and three pointer fix-ups load it. */
#define CK_TINFO_IS_WORDS (sizeof(void *) == 4u && sizeof(h7nn_tinfo) == 4u * CK_TENSOR_WORDS)
_Static_assert(sizeof(void *) != 4u || (sizeof(h7nn_tinfo) == 4u * CK_TENSOR_WORDS &&
                                        offsetof(h7nn_tinfo, scales) == 4u * CKT_SCALES &&
                                        offsetof(h7nn_tinfo, zero_points) == 4u * CKT_ZERO_POINTS &&
                                        offsetof(h7nn_tinfo, const_data) == 4u * CKT_CONST),
               "a checked record's tensor is h7nn_tinfo on 32-bit targets");
_Static_assert(sizeof(void *) != 4u || offsetof(h7nn_interpreter, output_count) - offsetof(h7nn_interpreter, tensors_vec) ==
                                           4u * (CK_OUTPUT_COUNT_W - CK_TENSORS_VEC_W),
               "the record's header holds the interpreter's model fields in their order on 32-bit targets");

#ifndef H7_TARGET_FIRMWARE
/* The record's digest: its words but the digest's own, the model's ranges, the plan (the
 * maker's; load_checked computes the same, checking each range before reading it). */
static uint32_t checked_digest(const uint32_t *ck, uint32_t words, const uint8_t *model, const uint32_t *plan,
                               uint32_t plan_words) {
    uint32_t h = h7nn_digest_words(CK_SEED, ck, CK_DIGEST_W);
    h = h7nn_digest_words(h, ck + CK_DIGEST_W + 1, words - CK_DIGEST_W - 1u);
    const uint32_t *r = ck + CK_HEADER;
    for (uint32_t k = 0; k < ck[CK_RANGES_W]; k++)
        h = h7nn_digest_words(h, (const uint32_t *)(const void *)(model + r[2 * k]), r[2 * k + 1] / 4u);
    return h7nn_digest_words(h, plan, plan_words);
}
#endif

/* What h7nn_init takes from a matching record (ck not NULL): 1, or 0 (then the full checks run). */
static int load_checked(h7nn_interpreter *nn, const uint32_t *ck, uint32_t words) {
    if (words < CK_HEADER || ((uintptr_t)ck & 3u) || ck[CK_MAGIC_W] != CK_MAGIC ||
        ck[CK_VERSION_W] != CK_VERSION || ck[CK_WORDS_W] != words || ck[CK_MODEL_BYTES_W] != nn->model_size ||
        ck[CK_PLAN_WORDS_W] != nn->plan_words || nn->model_size > H7NN_MODEL_MAX_BYTES)
        return 0;  /* (a larger model: the full checks refuse it, the accessors' 32-bit bounds need it) */
    const uint32_t ranges = ck[CK_RANGES_W], tensors = ck[CK_TENSOR_COUNT_W], ops = ck[CK_OP_COUNT_W];
    if (ranges > words / 2u || tensors > 4096u || ops > 1024u ||  /* no overflow below */
        words != CK_HEADER + 2u * ranges + CK_TENSOR_WORDS * tensors + CK_NODE_WORDS * ops)
        return 0;
    const uint32_t *r = ck + CK_HEADER;
    /* checked_digest, each range checked before it is read */
    uint32_t h = h7nn_digest_words(CK_SEED, ck, CK_DIGEST_W);
    h = h7nn_digest_words(h, ck + CK_DIGEST_W + 1, words - CK_DIGEST_W - 1u);
    for (uint32_t k = 0; k < ranges; k++) {
        const uint32_t at = r[2 * k], len = r[2 * k + 1];
        if (((at | len) & 3u) || at > nn->model_size || len > nn->model_size - at) return 0;
        h = h7nn_digest_words(h, (const uint32_t *)(const void *)(nn->model + at), len / 4u);
    }
    if (h7nn_digest_words(h, nn->plan, nn->plan_words) != ck[CK_DIGEST_W]) return 0;
    /* the record of this model, these bytes and this plan: what the checks found */
    const uint8_t *base = nn->model;
    const uint32_t *ct = r + 2u * ranges, *cn = ct + CK_TENSOR_WORDS * tensors;
    if (CK_TINFO_IS_WORDS) {  /* the 32-bit board: the interpreter's fields in the record's order */
        copy_words(&nn->tensors_vec, ck + CK_TENSORS_VEC_W, 4u * (CK_HEADER - CK_TENSORS_VEC_W));
    } else {
        nn->tensors_vec = ck[CK_TENSORS_VEC_W];
        nn->buffers_vec = ck[CK_BUFFERS_VEC_W];
        nn->opcodes_vec = ck[CK_OPCODES_VEC_W];
        nn->operators_vec = ck[CK_OPERATORS_VEC_W];
        nn->tensor_count = tensors;
        nn->buffer_count = ck[CK_BUFFER_COUNT_W];
        nn->opcode_count = ck[CK_OPCODE_COUNT_W];
        nn->op_count = ops;
        nn->input_count = ck[CK_INPUT_COUNT_W];
        nn->output_count = ck[CK_OUTPUT_COUNT_W];
    }
    nn->inputs = (const int32_t *)(const void *)(base + ck[CK_INPUTS_W]);
    nn->outputs = (const int32_t *)(const void *)(base + ck[CK_OUTPUTS_W]);
    /* kept in the arena for h7nn_allocate as verify_model keeps them (when they fit) */
    const size_t kept_bytes = kept_bytes_of(nn, tensors, ops);
    h7nn_node *nodes = kept_bytes ? (h7nn_node *)(void *)(nn->arena + align8((uint32_t)(sizeof(h7nn_tinfo) * tensors)))
                                  : NULL;
    /* the resolver is not covered: every op's kernel and options type as verify_model checks
     * them (a failure takes the full checks, which name it) */
    for (uint32_t i = 0; i < ops; i++, cn += CK_NODE_WORDS) {
        const h7nn_kernel *kernel = find_kernel(nn->resolver, (int32_t)cn[CKN_CODE]);
        if (!kernel || (cn[CKN_OPTIONS_TYPE] != 0 && (int32_t)cn[CKN_OPTIONS_TYPE] != kernel->options_type)) return 0;
        if (!nodes) continue;
        set_node(&nodes[i], kernel, (const int32_t *)(const void *)(base + cn[CKN_INPUTS]), cn[CKN_INPUT_COUNT],
                 (const int32_t *)(const void *)(base + cn[CKN_OUTPUTS]), cn[CKN_OUTPUT_COUNT], cn[CKN_OPTIONS],
                 (int)cn[CKN_OPTIONS_TYPE]);
    }
    if (kept_bytes) {
        h7nn_tinfo *cache = (h7nn_tinfo *)(void *)nn->arena;
        if (CK_TINFO_IS_WORDS) copy_words(cache, ct, sizeof(h7nn_tinfo) * tensors);
        for (uint32_t i = 0; i < tensors && CK_TINFO_IS_WORDS; i++, ct += CK_TENSOR_WORDS) {
            h7nn_tinfo *t = &cache[i];
            if (ct[CKT_SCALES]) t->scales = (const float *)(const void *)(base + ct[CKT_SCALES]);
            if (ct[CKT_ZERO_POINTS]) t->zero_points = (const uint32_t *)(const void *)(base + ct[CKT_ZERO_POINTS]);
            if (ct[CKT_CONST]) t->const_data = base + ct[CKT_CONST];
        }
        for (uint32_t i = 0; i < tensors && !CK_TINFO_IS_WORDS; i++, ct += CK_TENSOR_WORDS) {
            h7nn_tinfo *t = &cache[i];
            t->index = (int)i;
            t->type = (int)ct[CKT_TYPE];
            t->rank = (int)ct[CKT_RANK];
            for (int d = 0; d < H7NN_MAX_DIMS; d++) t->dims[d] = (int32_t)ct[CKT_DIMS + d];
            t->elements = ct[CKT_ELEMENTS];
            t->bytes = ct[CKT_BYTES];
            memcpy(&t->scale, &ct[CKT_SCALE], 4);
            t->zero_point = (int32_t)ct[CKT_ZERO_POINT];
            t->scales = ct[CKT_SCALES] ? (const float *)(const void *)(base + ct[CKT_SCALES]) : NULL;
            t->scale_count = ct[CKT_SCALE_COUNT];
            t->quantized_dimension = (int)ct[CKT_QDIM];
            t->zero_points = ct[CKT_ZERO_POINTS] ? (const uint32_t *)(const void *)(base + ct[CKT_ZERO_POINTS]) : NULL;
            t->zero_point_count = ct[CKT_ZERO_POINT_COUNT];
            t->const_data = ct[CKT_CONST] ? base + ct[CKT_CONST] : NULL;
        }
        keep_tagged(nn, kept_bytes);
    }
    nn->checked = ck;
    nn->checked_plan = nn->plan;
    return 1;
}

int h7nn_checked_used(const h7nn_interpreter *nn) { return nn && nn->checked ? 1 : 0; }

h7nn_status h7nn_init(h7nn_interpreter *nn, const void *model, size_t model_size, const h7nn_resolver *resolver,
                      void *arena, size_t arena_size) {
    if (!nn) return H7NN_ERR_ARGUMENT;
    clear_words(nn, sizeof *nn);
    if (!model || !resolver || (!arena && arena_size))
        return fail(nn, H7NN_ERR_ARGUMENT, "h7nn_init: model, resolver and arena must not be NULL");
    if ((uintptr_t)model & 3u) return fail(nn, H7NN_ERR_ARGUMENT, "h7nn_init: model data must be 4-byte aligned");
    nn->model = (const uint8_t *)model;
    nn->model_size = model_size;
    nn->resolver = resolver;
    /* align the arena's start; the bytes skipped count as used */
    uintptr_t start = ((uintptr_t)arena + ARENA_ALIGN - 1u) & ~(uintptr_t)(ARENA_ALIGN - 1u);
    size_t skip = arena ? (size_t)(start - (uintptr_t)arena) : 0;
    nn->arena = arena ? (uint8_t *)start : NULL;
    nn->arena_size = arena_size > skip ? ((arena_size - skip) & ~(size_t)(ARENA_ALIGN - 1u)) : 0;
    nn->plan = resolver->plan;  /* checked at allocate */
    nn->plan_words = resolver->plan ? resolver->plan_words : 0u;
    if (resolver->checked && load_checked(nn, resolver->checked, resolver->checked_words)) return H7NN_OK;
    h7nn_status s = verify_model(nn);
    if (s != H7NN_OK) nn->model = NULL;  /* an unverified model is never used */
    return s;
}

/* ---------------------------------------------------------------- allocation */

void *h7nn_persistent(h7nn_interpreter *nn, size_t bytes) {
    size_t rounded = (bytes + ARENA_ALIGN - 1u) & ~(size_t)(ARENA_ALIGN - 1u);
    nn->persistent_requested += rounded;
    if (rounded > nn->tail) return NULL;
    nn->tail -= rounded;
    /* whole words (the arena and every size are 8-byte aligned): the C library's memset goes
     * byte by byte */
    clear_words(nn->arena + nn->tail, rounded);
    return nn->arena + nn->tail;
}

void *h7nn_persistent_struct(h7nn_interpreter *nn, size_t struct_bytes, unsigned pointers, size_t extra) {
    nn->persistent_pointers += pointers;
    return h7nn_persistent(nn, struct_bytes + extra);
}

/* Buffers to plan: tensors 0..tensor_count-1 (activations only) then one scratch per op.
 * Each has a size (0: no memory) and the ops during which it is alive. */
typedef struct {
    uint32_t size;
    int16_t first, last;
} plan_entry;
_Static_assert(sizeof(plan_entry) == H7NN_PLAN_ENTRY_BYTES, "H7NN_INIT_KEEP_BYTES counts 8 bytes per entry");

/* Tensor b's description from the allocate-time cache, or NULL (then read it). */
static const h7nn_tinfo *cached_info(const h7nn_interpreter *nn, uint32_t b) {
    if (!nn->tinfo_cache || nn->tinfo_cache_bytes > nn->tail) return NULL;
    return (const h7nn_tinfo *)nn->tinfo_cache + b;
}

/* Tensor b's description: the cached one, else read into *t; NULL when it cannot be read. */
static const h7nn_tinfo *info_of(h7nn_interpreter *nn, uint32_t b, h7nn_tinfo *t) {
    const h7nn_tinfo *c = cached_info(nn, b);
    return c ? c : h7nn_tensor_info(nn, (int)b, t) == H7NN_OK ? t : NULL;
}

/* Buffer lifetimes from one pass over the ops: every buffer's into e[0..n) (only =
 * UINT32_MAX; the table lives in the free part of the arena while allocating), or, without
 * the table (an arena too small to hold it), buffer `only`'s alone into e[0]. One function
 * for both so that the two cannot disagree. */
static __attribute__((noinline)) void fill_entries(h7nn_interpreter *nn, plan_entry *e, uint32_t only) {
    const uint32_t n = nn->tensor_count + nn->op_count;
    const uint32_t lo = only == UINT32_MAX ? 0u : only, span = only == UINT32_MAX ? n : 1u;
    /* buffer b is in e[b - lo] when b - lo < span (unsigned: an absent tensor, -1, is not) */
    for (uint32_t b = lo; b < nn->tensor_count && b - lo < span; b++) {
        h7nn_tinfo t;
        const h7nn_tinfo *c = info_of(nn, b, &t);
        plan_entry *x = &e[b - lo];
        x->size = c && !c->const_data ? (c->bytes ? c->bytes : 1u) : 0u;
        x->first = x->last = -1;
    }
    for (uint32_t i = 0; i < nn->input_count; i++) {
        const uint32_t b = (uint32_t)nn->inputs[i] - lo;
        if (b < span) e[b].first = e[b].last = 0;
    }
    for (uint32_t i = 0; i < nn->op_count; i++) {
        const h7nn_node *node = &nn->nodes[i];
        for (uint32_t k = 0; k < node->output_count; k++) {
            const uint32_t b = (uint32_t)node->outputs[k] - lo;
            if (b >= span) continue;
            if (e[b].first < 0) e[b].first = (int16_t)i;
            if (e[b].last < (int)i) e[b].last = (int16_t)i;
        }
        for (uint32_t k = 0; k < node->input_count; k++) {
            const uint32_t b = (uint32_t)node->inputs[k] - lo;
            if (b < span && e[b].last < (int)i) e[b].last = (int16_t)i;
        }
    }
    for (uint32_t i = 0; i < nn->output_count; i++) {
        const uint32_t b = (uint32_t)nn->outputs[i] - lo;
        if (b < span) e[b].last = (int16_t)nn->op_count;
    }
    for (uint32_t b = lo; b < nn->tensor_count && b - lo < span; b++)
        if (e[b - lo].first < 0) e[b - lo].size = 0, e[b - lo].first = e[b - lo].last = 0;  /* never written: no memory */
    for (uint32_t b = lo > nn->tensor_count ? lo : nn->tensor_count; b < n && b - lo < span; b++) {
        const uint32_t op = b - nn->tensor_count;
        e[b - lo].size = nn->nodes[op].scratch_bytes;
        e[b - lo].first = e[b - lo].last = (int16_t)op;
    }
}

static plan_entry entry_uncached(h7nn_interpreter *nn, uint32_t b) {
    plan_entry e;
    fill_entries(nn, &e, b);
    return e;
}

#ifndef H7_TARGET_FIRMWARE /* only the planner reads it, and the board image has no planner */
static plan_entry entry_of(h7nn_interpreter *nn, uint32_t b) {
    return nn->lives ? ((const plan_entry *)nn->lives)[b] : entry_uncached(nn, b);
}
#endif

static uint32_t planned_offset(const h7nn_interpreter *nn, uint32_t b) {
    if (b < nn->tensor_count) return (uint32_t)(uintptr_t)nn->tensor_data[b];
    return (uint32_t)(uintptr_t)nn->nodes[b - nn->tensor_count].scratch;
}

static void set_planned_offset(h7nn_interpreter *nn, uint32_t b, uint32_t offset) {
    if (b < nn->tensor_count) nn->tensor_data[b] = (void *)(uintptr_t)offset;
    else nn->nodes[b - nn->tensor_count].scratch = (void *)(uintptr_t)offset;
}

/* The planner (the one the embed step runs on the host to make the firmware's plan).
 * Greedy by size, largest first: each buffer goes to the lowest offset where it overlaps
 * no placed buffer alive at the same time (the plan TFLM's greedy planner makes). Offsets
 * are kept in tensor_data / scratch until the plan is turned into pointers. */
#ifndef H7_TARGET_FIRMWARE
static __attribute__((noinline)) size_t plan_memory(h7nn_interpreter *nn) {
    uint32_t n = nn->tensor_count + nn->op_count;
    size_t high = 0;
    for (uint32_t b = 0; b < n; b++) set_planned_offset(nn, b, UNPLACED);
    for (;;) {
        uint32_t best = UINT32_MAX, best_size = 0;
        int bf = 0, bl = 0;
        for (uint32_t b = 0; b < n; b++) {
            if (planned_offset(nn, b) != UNPLACED) continue;
            plan_entry e = entry_of(nn, b);
            if (e.size > best_size) best = b, best_size = e.size, bf = e.first, bl = e.last;
        }
        if (best == UINT32_MAX) break;
        uint32_t size = align8(best_size);
        uint32_t candidate = 0;
        for (int moved = 1; moved;) {
            moved = 0;
            for (uint32_t b = 0; b < n; b++) {
                uint32_t off = planned_offset(nn, b);
                if (off == UNPLACED || off == UNPLACED - 1u) continue;
                plan_entry e = entry_of(nn, b);
                if (!e.size || e.last < bf || e.first > bl) continue;  /* not alive together */
                uint32_t s2 = align8(e.size);
                if (candidate < off + s2 && off < candidate + size) {
                    candidate = off + s2;
                    moved = 1;
                }
            }
        }
        set_planned_offset(nn, best, candidate);
        if (candidate + size > high) high = candidate + size;
    }
    /* buffers that need nothing are marked "no memory" */
    for (uint32_t b = 0; b < n; b++)
        if (planned_offset(nn, b) == UNPLACED) set_planned_offset(nn, b, UNPLACED - 1u);
    return high;
}
#endif

static h7nn_status plan_fail(h7nn_interpreter *nn, const char *fmt, int a, int b, int c) {
    return fail(nn, H7NN_ERR_MODEL, fmt, a, b, c);
}

/* The words of a given plan that do not depend on the kernels' prepare steps: header (made
 * for this model), record bounds and the constants' ranges (so that every shift the kernels
 * take is defined). Runs before the kernels read their records (h7nn_plan_op). */
/* The common case of a plan record, four channels per pass without branches (setup time:
 * VWW has 2,738 channels): every multiplier in [2^30, 2^31) ((m >> 30) ^ 1 is 0) and every
 * shift s with s + k (k = -lowest shift) in [0, span], four shifts per word: the bytes
 * (s + k) mod 256 added without carries between them, then SWAR "any byte above span"
 * (a byte of 128 or more is caught by its own top bit; a carry out of one byte can only
 * flag its neighbour, never clear it). 1 when every channel passes; 0 leaves the verdict to
 * the exact per-channel rule (zero multipliers, mode 1's wider range for them, or a bad
 * record). One function for both modes (the loop tests zero_ok per pass: the full checks
 * only, a record-covered plan skips it).
 * zero_ok (modes 0 and 2, whose zero multipliers take the same shift range): a multiplier
 * may also be 0 (MobileNet's dead channels, which used to send VWW's whole records to the
 * per-channel rule): m is 0 or in [2^30, 2^31) exactly when x = m ^ 2^30 <= 2^30, that is
 * when neither x nor 2^30 - x has its top bit set. */
static int plan_channels_common(const uint32_t *m, const int8_t *sh, uint32_t channels, uint32_t k, uint32_t span,
                                int zero_ok) {
    const uint32_t add = k * 0x01010101u, over = (127u - span) * 0x01010101u, q = 0x40000000u;
    uint32_t bad = 0, c = 0;
    for (; c + 4u <= channels; c += 4u) {
        uint32_t w;
        memcpy(&w, sh + c, 4);
        const uint32_t x = ((w & 0x7F7F7F7Fu) + add) ^ (w & 0x80808080u);
        if (zero_ok) {
            const uint32_t x0 = m[c] ^ q, x1 = m[c + 1] ^ q, x2 = m[c + 2] ^ q, x3 = m[c + 3] ^ q;
            bad |= ((q - x0) | x0 | (q - x1) | x1 | (q - x2) | x2 | (q - x3) | x3) & 0x80000000u;
        } else {
            bad |= ((m[c] >> 30) ^ 1u) | ((m[c + 1] >> 30) ^ 1u) | ((m[c + 2] >> 30) ^ 1u) | ((m[c + 3] >> 30) ^ 1u);
        }
        bad |= ((x + over) | x) & 0x80808080u;
    }
    for (; c < channels; c++) {
        const uint32_t x = m[c] ^ q;
        bad |= (zero_ok ? ((q - x) | x) & 0x80000000u : (m[c] >> 30) ^ 1u) | ((uint32_t)(sh[c] + (int32_t)k) > span);
    }
    return bad == 0;
}

static __attribute__((noinline)) h7nn_status check_plan_words(h7nn_interpreter *nn) {
    const uint32_t *p = nn->plan;
    uint32_t words = nn->plan_words, n = nn->tensor_count + nn->op_count;
    if (words < H7NN_PLAN_HEADER || p[H7NN_PLAN_MAGIC_W] != H7NN_PLAN_MAGIC ||
        p[H7NN_PLAN_VERSION_W] != H7NN_PLAN_VERSION || p[H7NN_PLAN_WORDS_W] != words)
        return fail(nn, H7NN_ERR_MODEL, "plan: not an h7nn plan of version %d (%u words)", (int)H7NN_PLAN_VERSION,
                    (unsigned)words);
    if (p[H7NN_PLAN_MODEL_BYTES_W] != nn->model_size || p[H7NN_PLAN_TENSORS_W] != nn->tensor_count ||
        p[H7NN_PLAN_OPS_W] != nn->op_count)
        return fail(nn, H7NN_ERR_MODEL, "plan: made for another model (%u bytes, %u ops; this one: %u bytes, %u ops)",
                    (unsigned)p[H7NN_PLAN_MODEL_BYTES_W], (unsigned)p[H7NN_PLAN_OPS_W], (unsigned)nn->model_size,
                    (unsigned)nn->op_count);
    uint32_t records = H7NN_PLAN_HEADER + n;
    if (words < records + nn->op_count) return fail(nn, H7NN_ERR_MODEL, "plan: truncated (%u words)", (unsigned)words);
    for (uint32_t i = 0; i < nn->op_count; i++) {
        uint32_t at = p[records + i];
        if (!at) continue;
        if (at < records + nn->op_count || at > words - 2u || p[at + 1] > 65535u ||
            p[at + 1] + (p[at + 1] + 3u) / 4u > words - 2u - at)
            return plan_fail(nn, "plan: op %d: record out of bounds", (int)i, 0, 0);
        if (p[at] > 2u) return plan_fail(nn, "plan: op %d: mode %d out of range", (int)i, (int)p[at], 0);
        const uint32_t *m = p + at + 2;
        const int8_t *sh = (const int8_t *)(const void *)(m + p[at + 1]);
        /* multipliers 0 or [2^30, 2^31), shifts -31..30 (QuantizeMultiplier's); in mode 1 (every
         * channel in the M7 kernels' short requantization, h7nn_m7_short_channel) right shifts
         * of 1..22 (0..22 for a zero multiplier) */
        const int32_t lo = p[at] == 1u ? -22 : -31;
        const uint32_t span = p[at] == 1u ? 21u : 61u, span0 = p[at] == 1u ? 22u : 61u;  /* hi - lo (m != 0, m == 0) */
        uint32_t out_of_range = 0, channels = p[at + 1];
        if (plan_channels_common(m, sh, channels, (uint32_t)-lo, span, p[at] != 1u))
            continue;
        for (uint32_t c = 0; c < channels; c++) {
            uint32_t v = m[c];
            out_of_range |= (uint32_t)(v != 0u && (v >> 30) != 1u) |
                            (uint32_t)((uint32_t)(sh[c] - lo) > (v ? span : span0));
        }
        if (out_of_range) return plan_fail(nn, "plan: op %d: a multiplier or shift out of range", (int)i, 0, 0);
    }
    return H7NN_OK;
}

/* No two buffers with memory alive during the same op overlapping, by a sweep over the ops
 * (the buffers sorted by their first op with a counting sort; each compared only with the
 * few still alive when it starts): O(buffers x alive) instead of O(buffers^2) (VWW's
 * allocate: 34 k -> a few k instructions). mem: 4n + 2(ops + 2) free bytes, 2-aligned. */
static h7nn_status check_plan_overlaps(h7nn_interpreter *nn, const uint32_t *off, const plan_entry *lives, uint32_t n,
                                       uint16_t *mem) {
    uint16_t *order = mem, *active = order + n, *count = active + n;
    const uint32_t buckets = nn->op_count + 2u;
    for (uint32_t i = 0; i < buckets; i++) count[i] = 0;
    for (uint32_t b = 0; b < n; b++)
        if (lives[b].size) count[lives[b].first + 1]++;
    for (uint32_t i = 1; i < buckets; i++) count[i] = (uint16_t)(count[i] + count[i - 1]);
    uint32_t m = 0, alive = 0;
    for (uint32_t b = 0; b < n; b++)
        if (lives[b].size) order[count[lives[b].first]++] = (uint16_t)b, m++;
    for (uint32_t k = 0; k < m; k++) {
        const uint32_t b = order[k];
        const plan_entry e = lives[b];
        const uint32_t lo = off[b], hi = off[b] + align8(e.size);
        uint32_t kept = 0;
        for (uint32_t j = 0; j < alive; j++) {
            const uint32_t b2 = active[j];
            if (lives[b2].last < e.first) continue;  /* dead before b starts: dropped */
            active[kept++] = (uint16_t)b2;
            if (off[b2] < hi && lo < off[b2] + align8(lives[b2].size))
                return plan_fail(nn, "plan: buffers %d and %d overlap while both are alive (op %d)",
                                 (int)(b2 < b ? b2 : b), (int)(b2 < b ? b : b2), e.first);
        }
        active[kept] = (uint16_t)b;
        alive = kept + 1u;
    }
    return H7NN_OK;
}

/* The given plan's offsets against this model's buffers (after prepare: scratch sizes are
 * known): every buffer with memory inside the plan's activations, 8-byte aligned, and no
 * two buffers alive during the same op overlapping. */
static __attribute__((noinline)) h7nn_status check_plan_offsets(h7nn_interpreter *nn, size_t *planned) {
    const uint32_t *off = nn->plan + H7NN_PLAN_HEADER;
    uint32_t n = nn->tensor_count + nn->op_count, high = nn->plan[H7NN_PLAN_ACTIVATIONS_W];
    const plan_entry *lives = nn->lives;
    /* overlaps: by the sweep, when the arena has room for its lists after the lifetime table;
     * else with the lifetime table, each buffer against the ones checked so far that have
     * memory, listed after it (when the arena has room), else against every earlier buffer */
    const size_t after = lives ? (size_t)((const uint8_t *)(lives + n) - nn->arena) : 0u;
    const int sweep = lives && after + 4u * n + 2u * (nn->op_count + 2u) <= nn->tail;
    uint16_t *placed = !sweep && lives && after + 2u * n <= nn->tail ? (uint16_t *)(void *)(lives + n) : NULL;
    uint32_t n_placed = 0;
    for (uint32_t b = 0; b < n; b++) {
        plan_entry e = lives ? lives[b] : entry_uncached(nn, b);
        if (!e.size) {
            if (off[b] != H7NN_PLAN_NONE) return plan_fail(nn, "plan: buffer %d needs no memory but has offset %d",
                                                           (int)b, (int)off[b], 0);
            set_planned_offset(nn, b, UNPLACED - 1u);
            continue;
        }
        if ((off[b] & (ARENA_ALIGN - 1u)) || off[b] > high || align8(e.size) > high - off[b])
            return plan_fail(nn, "plan: buffer %d: offset %d outside the plan's %d activation bytes", (int)b,
                             (int)off[b], (int)high);
        for (uint32_t k = 0; k < (sweep ? 0u : placed ? n_placed : b); k++) {
            uint32_t b2 = placed ? placed[k] : k;
            plan_entry e2 = lives ? lives[b2] : entry_uncached(nn, b2);
            if (!e2.size || e2.last < e.first || e2.first > e.last) continue;
            if (off[b2] < off[b] + align8(e.size) && off[b] < off[b2] + align8(e2.size))
                return plan_fail(nn, "plan: buffers %d and %d overlap while both are alive (op %d)", (int)b2, (int)b,
                                 e.first > e2.first ? e.first : e2.first);
        }
        if (placed) placed[n_placed++] = (uint16_t)b;
        set_planned_offset(nn, b, off[b]);
    }
    if (sweep) {
        h7nn_status s = check_plan_overlaps(nn, off, lives, n, (uint16_t *)(void *)(lives + n));
        if (s != H7NN_OK) return s;
    }
    *planned = high;
    return H7NN_OK;
}

const uint32_t *h7nn_plan_op(const h7nn_interpreter *nn, const h7nn_node *node) {
    if (!nn->plan) return NULL;
    uint32_t at = nn->plan[H7NN_PLAN_HEADER + nn->tensor_count + nn->op_count + (uint32_t)h7nn_node_index(nn, node)];
    return at ? nn->plan + at : NULL;
}

h7nn_status h7nn_use_plan(h7nn_interpreter *nn, const uint32_t *plan, size_t words) {
    if (!nn || !nn->model || nn->allocated)
        return nn ? fail(nn, H7NN_ERR_ARGUMENT, "h7nn_use_plan: between h7nn_init and h7nn_allocate")
                  : H7NN_ERR_ARGUMENT;
    if ((plan && words > UINT32_MAX) || ((uintptr_t)plan & 3u))
        return fail(nn, H7NN_ERR_ARGUMENT, "h7nn_use_plan: plan words must be 4-byte aligned");
    nn->plan = plan;
    nn->plan_words = plan ? (uint32_t)words : 0u;
    return H7NN_OK;
}

size_t h7nn_plan_export(const h7nn_interpreter *nn, uint32_t *out, size_t capacity) {
    if (!nn || !nn->allocated) return 0;
    uint32_t n = nn->tensor_count + nn->op_count, at = H7NN_PLAN_HEADER + n + nn->op_count;
    /* sizes first: the records follow the header, offsets and record index */
    for (uint32_t i = 0; i < nn->op_count; i++) {
        int32_t mode, channels;
        const int32_t *m;
        const int8_t *sh;
        if (h7nn_op_constants(&nn->nodes[i], &mode, &channels, &m, &sh)) at += 2u + (uint32_t)channels + ((uint32_t)channels + 3u) / 4u;
    }
    if (!out || capacity < at) return at;
    memset(out, 0, at * sizeof *out);
    out[H7NN_PLAN_MAGIC_W] = H7NN_PLAN_MAGIC;
    out[H7NN_PLAN_VERSION_W] = H7NN_PLAN_VERSION;
    out[H7NN_PLAN_WORDS_W] = at;
    out[H7NN_PLAN_MODEL_BYTES_W] = (uint32_t)nn->model_size;
    out[H7NN_PLAN_TENSORS_W] = nn->tensor_count;
    out[H7NN_PLAN_OPS_W] = nn->op_count;
    out[H7NN_PLAN_ACTIVATIONS_W] = (uint32_t)nn->planned_bytes;
    for (uint32_t b = 0; b < n; b++) {
        const void *p = b < nn->tensor_count ? nn->tensor_data[b] : nn->nodes[b - nn->tensor_count].scratch;
        const uint8_t *q = (const uint8_t *)p;
        out[H7NN_PLAN_HEADER + b] = q >= nn->arena && q < nn->arena + nn->planned_bytes ? (uint32_t)(q - nn->arena)
                                                                                        : H7NN_PLAN_NONE;
    }
    uint32_t w = H7NN_PLAN_HEADER + n + nn->op_count;
    for (uint32_t i = 0; i < nn->op_count; i++) {
        int32_t mode, channels;
        const int32_t *m;
        const int8_t *sh;
        if (!h7nn_op_constants(&nn->nodes[i], &mode, &channels, &m, &sh)) continue;
        out[H7NN_PLAN_HEADER + n + i] = w;
        out[w++] = (uint32_t)mode;
        out[w++] = (uint32_t)channels;
        if (channels) {
            memcpy(out + w, m, (size_t)channels * 4u);
            memcpy(out + w + channels, sh, (size_t)channels);
        }
        w += (uint32_t)channels + ((uint32_t)channels + 3u) / 4u;
    }
    return at;
}

/* The nodes from the (verified) operators, when h7nn_init could not keep them. */
static void read_nodes(h7nn_interpreter *nn) {
    for (uint32_t i = 0; i < nn->op_count; i++) {
        h7nn_node *node = &nn->nodes[i];
        int32_t code;
        const int32_t *in, *out;
        uint32_t n_in, n_out, options;
        int options_type;
        read_operator(nn, i, &code, &in, &n_in, &out, &n_out, &options, &options_type);
        set_node(node, find_kernel(nn->resolver, code), in, n_in, out, n_out, options, options_type);
    }
}

/* The persistent allocations did not fit (what they asked for so far is the least needed). */
static h7nn_status arena_short(h7nn_interpreter *nn, const char *what) {
    nn->arena_needed = nn->persistent_requested;
    return fail(nn, H7NN_ERR_ARENA, "arena too small: %u bytes given, more than %u needed%s",
                (unsigned)nn->arena_size, (unsigned)nn->arena_needed, what);
}

static h7nn_status allocate(h7nn_interpreter *nn) {
    nn->tail = nn->arena_size;
    nn->persistent_requested = 0;
    nn->persistent_pointers = 0;
    /* a plan the matched checked record covers was checked in full by the embed step */
    const uint32_t *covered = nn->checked && nn->plan && nn->plan == nn->checked_plan &&
                                      nn->plan_words == nn->checked[CK_PLAN_WORDS_W] ? nn->checked : NULL;
    if (nn->plan && !covered) {
        h7nn_status s = check_plan_words(nn);
        if (s != H7NN_OK) return s;
    }
    /* every tensor's description, as h7nn_init read (and checked) them into the free start of
     * the arena, unless the arena changed since (or they did not fit): then read again */
    const void *kept = nn->tinfo_cache;
    nn->tinfo_cache = NULL;
    nn->tensor_data = h7nn_persistent(nn, sizeof(void *) * nn->tensor_count);
    nn->nodes = h7nn_persistent(nn, sizeof(h7nn_node) * nn->op_count);
    if ((nn->tensor_count && !nn->tensor_data) || (nn->op_count && !nn->nodes)) {
        return arena_short(nn, "");
    }
    uint32_t tag = 0;
    if (kept && nn->tinfo_cache_bytes <= nn->tail) memcpy(&tag, nn->arena + nn->tinfo_cache_bytes - 8u, 4);
    const int taken = kept && nn->tinfo_cache_bytes <= nn->tail && tag == cache_tag(nn) && tag == nn->tinfo_tag;
    const size_t cache_bytes = align8((uint32_t)(sizeof(h7nn_tinfo) * nn->tensor_count));
    h7nn_tinfo *cache = taken || cache_bytes <= nn->tail ? (h7nn_tinfo *)(void *)nn->arena : NULL;  /* kept: there */
    for (uint32_t i = 0; i < nn->tensor_count; i++) {
        h7nn_tinfo t, *ti = cache ? &cache[i] : &t;
        if (!taken) h7nn_tensor_info(nn, (int)i, ti);
        nn->tensor_data[i] = (void *)ti->const_data;
    }
    if (cache) {
        nn->tinfo_cache = cache;
        if (!taken) nn->tinfo_cache_bytes = cache_bytes;
    }
    if (taken) copy_words(nn->nodes, nn->arena + cache_bytes, sizeof(h7nn_node) * nn->op_count);
    else read_nodes(nn);
    for (uint32_t i = 0; i < nn->op_count; i++) {
        h7nn_node *node = &nn->nodes[i];
        h7nn_status s = node->kernel->prepare(nn, node);
        if (s == H7NN_ERR_ARENA) {
            return arena_short(nn, " (op constants)");
        }
        if (s != H7NN_OK) return s;
    }
    uint32_t n = nn->tensor_count + nn->op_count;
    /* with a covered plan and every scratch size the one it was checked with, its offsets are
     * those the embed step checked: taken as they are */
    if (covered) {
        const uint32_t *cn = covered + CK_HEADER + 2u * covered[CK_RANGES_W] + CK_TENSOR_WORDS * nn->tensor_count;
        for (uint32_t i = 0; i < nn->op_count; i++)
            if (nn->nodes[i].scratch_bytes != cn[CK_NODE_WORDS * i + CKN_SCRATCH]) {
                covered = NULL;
                break;
            }
    }
    /* the covered plan's offsets, taken as they are */
    const uint32_t *given = covered ? nn->plan + H7NN_PLAN_HEADER : NULL;
    size_t planned = covered ? nn->plan[H7NN_PLAN_ACTIVATIONS_W] : 0u;
    if (!given) {
        /* buffer lifetimes: after the descriptions when both fit, else alone, else recomputed */
        size_t entries = align8((uint32_t)(sizeof(plan_entry) * n));
        if (nn->tinfo_cache && nn->tinfo_cache_bytes + entries <= nn->tail) {
            nn->lives = nn->arena + nn->tinfo_cache_bytes;
        } else if (entries <= nn->tail) {
            nn->tinfo_cache = NULL;
            nn->lives = nn->arena;
        }
        if (nn->lives) fill_entries(nn, (plan_entry *)nn->lives, UINT32_MAX);
        /* constant tensors keep their model pointers; activations and scratch are planned (or
         * the given plan is checked) */
        if (nn->plan) {
            h7nn_status s = check_plan_offsets(nn, &planned);
            if (s != H7NN_OK) return s;
        } else {
#ifdef H7_TARGET_FIRMWARE
            /* the board runs the plan the host made with the planner below (every model the
             * firmware embeds comes with one): the planner stays out of the image */
            return fail(nn, H7NN_ERR_ARGUMENT, "no plan: embed the model with env.H7Model or `h7voice nn embed`");
#else
            planned = plan_memory(nn);
#endif
        }
    }
    nn->planned_bytes = planned;
    nn->arena_needed = planned + (nn->arena_size - nn->tail);
    if (planned > nn->tail) {
        return fail(nn, H7NN_ERR_ARENA, "arena too small: %u bytes given, %u needed (%u activations + %u constants)",
                    (unsigned)nn->arena_size, (unsigned)nn->arena_needed, (unsigned)planned,
                    (unsigned)(nn->arena_size - nn->tail));
    }
    for (uint32_t b = 0; b < n; b++) {
        uint32_t off = given ? (given[b] == H7NN_PLAN_NONE ? UNPLACED - 1u : given[b]) : planned_offset(nn, b);
        void *p = off != UNPLACED - 1u ? nn->arena + off : NULL;
        if (b < nn->tensor_count) {
            if (!p) {  /* constants (and unused tensors) keep what the description says */
                h7nn_tinfo t;
                const h7nn_tinfo *c = cached_info(nn, b);
                if (!c) h7nn_tensor_info(nn, (int)b, &t);
                p = (void *)(c ? c->const_data : t.const_data);
            }
            nn->tensor_data[b] = p;
        } else {
            nn->nodes[b - nn->tensor_count].scratch = p;
        }
    }
    return H7NN_OK;
}

h7nn_status h7nn_allocate(h7nn_interpreter *nn) {
    if (!nn || !nn->model) return nn ? fail(nn, H7NN_ERR_ARGUMENT, "h7nn_allocate: h7nn_init did not succeed")
                                     : H7NN_ERR_ARGUMENT;
    if (nn->allocated) return fail(nn, H7NN_ERR_ARGUMENT, "h7nn_allocate: already allocated");
    h7nn_status s = allocate(nn);
    /* the caches lived in what are now activations */
    nn->tinfo_cache = NULL;
    nn->lives = NULL;
    if (s != H7NN_OK) return s;
    nn->allocated = 1;
    nn->error[0] = '\0';
    return H7NN_OK;
}

h7nn_status h7nn_invoke(h7nn_interpreter *nn) {
    if (!nn || !nn->allocated) return nn ? fail(nn, H7NN_ERR_ARGUMENT, "h7nn_invoke: call h7nn_allocate first")
                                         : H7NN_ERR_ARGUMENT;
    for (uint32_t i = 0; i < nn->op_count; i++) {
        const h7nn_node *node = &nn->nodes[i];
        if (nn->hook) nn->hook(nn->hook_user, (int)i, node->kernel->name, 1);
        h7nn_status s = node->kernel->eval(nn, node);
        if (nn->hook) nn->hook(nn->hook_user, (int)i, node->kernel->name, 0);
        if (s != H7NN_OK) return s;
    }
    return H7NN_OK;
}

/* ---------------------------------------------------------------- queries */

h7nn_status h7nn_tensor_at(h7nn_interpreter *nn, int index, h7nn_tensor *out) {
    if (!nn || !out || !nn->model) return H7NN_ERR_ARGUMENT;
    h7nn_tinfo t;
    h7nn_status s = h7nn_tensor_info(nn, index, &t);
    if (s != H7NN_OK) return s;
    h7nn_fb fb = h7nn_model_fb(nn);
    uint32_t table, name, name_len;
    memset(out, 0, sizeof *out);
    out->data = nn->allocated ? nn->tensor_data[index] : NULL;
    out->bytes = t.bytes;
    out->type = t.type;
    out->rank = t.rank;
    memcpy(out->dims, t.dims, sizeof out->dims);
    out->scale = t.scale;
    out->zero_point = t.zero_point;
    tensor_table(nn, index, &table);
    if (h7nn_fb_get_vector(&fb, table, TENSOR_NAME, 1, &name, &name_len) == H7NN_FB_OK) {
        out->name = (const char *)fb.base + name;
        out->name_length = name_len;
    }
    return H7NN_OK;
}

int h7nn_input_count(const h7nn_interpreter *nn) { return nn && nn->model ? (int)nn->input_count : 0; }
int h7nn_output_count(const h7nn_interpreter *nn) { return nn && nn->model ? (int)nn->output_count : 0; }

h7nn_status h7nn_input(h7nn_interpreter *nn, int index, h7nn_tensor *out) {
    if (!nn || index < 0 || index >= h7nn_input_count(nn)) return H7NN_ERR_ARGUMENT;
    return h7nn_tensor_at(nn, nn->inputs[index], out);
}

h7nn_status h7nn_output(h7nn_interpreter *nn, int index, h7nn_tensor *out) {
    if (!nn || index < 0 || index >= h7nn_output_count(nn)) return H7NN_ERR_ARGUMENT;
    return h7nn_tensor_at(nn, nn->outputs[index], out);
}

int h7nn_op_count(const h7nn_interpreter *nn) { return nn && nn->model ? (int)nn->op_count : 0; }

const char *h7nn_op_name(const h7nn_interpreter *nn, int op_index) {
    if (!nn || !nn->allocated || op_index < 0 || (uint32_t)op_index >= nn->op_count) return "";
    return nn->nodes[op_index].kernel->name;
}

void h7nn_set_op_hook(h7nn_interpreter *nn, h7nn_op_hook hook, void *user) {
    nn->hook = hook;
    nn->hook_user = user;
}

size_t h7nn_arena_used(const h7nn_interpreter *nn) {
    return nn && nn->allocated ? nn->planned_bytes + (nn->arena_size - nn->tail) : 0;
}

h7nn_status h7nn_arena_layout_of(const h7nn_interpreter *nn, h7nn_arena_layout *layout) {
    if (!nn || !layout || !nn->allocated) return H7NN_ERR_ARGUMENT;
    size_t tables = H7NN_ARENA_BYTES(0, 0, 0, nn->tensor_count, nn->op_count);
    size_t pointers = (size_t)nn->persistent_pointers * sizeof(void *);
    layout->activations = (uint32_t)nn->planned_bytes;
    layout->constants = (uint32_t)(nn->arena_size - nn->tail - tables - pointers);
    layout->pointers = nn->persistent_pointers;
    layout->tensors = nn->tensor_count;
    layout->ops = nn->op_count;
    return H7NN_OK;
}

size_t h7nn_arena_layout_bytes(const h7nn_arena_layout *l) {
    return l ? H7NN_ARENA_BYTES(l->activations, l->constants, l->pointers, l->tensors, l->ops) : 0;
}

size_t h7nn_arena_needed(const h7nn_interpreter *nn) { return nn ? nn->arena_needed : 0; }

size_t h7nn_scratch_bytes(const h7nn_interpreter *nn, int op_index) {
    if (!nn || !nn->allocated || op_index < 0 || (uint32_t)op_index >= nn->op_count) return 0;
    return nn->nodes[op_index].scratch_bytes;
}

const char *h7nn_error(const h7nn_interpreter *nn) { return nn ? nn->error : "no interpreter"; }

/* ---------------------------------------------------------------- shared kernel checks */

h7nn_status h7nn_expect_type(h7nn_interpreter *nn, const h7nn_node *node, const h7nn_tinfo *t, int type) {
    if (t->type == type) return H7NN_OK;
    return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "tensor %d is %s; this kernel needs %s", t->index,
                     h7nn_type_name(t->type), h7nn_type_name(type));
}

h7nn_status h7nn_expect_int8_per_tensor(h7nn_interpreter *nn, const h7nn_node *node, const h7nn_tinfo *t) {
    h7nn_status s = h7nn_expect_type(nn, node, t, H7NN_INT8);
    if (s != H7NN_OK) return s;
    if (t->scale_count != 1 || !(t->scale > 0.0f))
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "tensor %d needs one positive quantization scale", t->index);
    if (t->zero_point < -128 || t->zero_point > 127)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "tensor %d: int8 zero point %d out of range", t->index,
                         (int)t->zero_point);
    return H7NN_OK;
}

static int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

static int32_t quantize_value(const h7nn_tinfo *t, float f) {
    return t->zero_point + h7nn_round_to_int(f / t->scale);
}

h7nn_status h7nn_activation_range(h7nn_interpreter *nn, const h7nn_node *node, int activation,
                                  const h7nn_tinfo *output, int32_t *act_min, int32_t *act_max) {
    /* per fused activation (NONE, RELU, RELU_N1_TO_1, RELU6) its real bounds; NO: unbounded */
    enum { NO = 99 };
    static const int8_t lo[] = {NO, 0, -1, 0}, hi[] = {NO, NO, 1, 6};
    _Static_assert(H7NN_ACT_RELU == 1 && H7NN_ACT_RELU_N1_TO_1 == 2 && H7NN_ACT_RELU6 == 3, "the tables' order");
    if (activation < 0 || activation > H7NN_ACT_RELU6)
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "fused activation %d is not supported on int8", activation);
    *act_min = lo[activation] == NO ? -128 : max_i32(-128, quantize_value(output, (float)lo[activation]));
    *act_max = hi[activation] == NO ? 127 : min_i32(127, quantize_value(output, (float)hi[activation]));
    return H7NN_OK;
}

int h7nn_window_output(int padding, int in, int filter, int stride, int dilation, int *pad) {
    int effective = (filter - 1) * dilation + 1;
    int out = padding == H7NN_PADDING_SAME ? (in + stride - 1) / stride : (in - effective + stride) / stride;
    int total = (out - 1) * stride + effective - in;
    *pad = total > 0 ? total / 2 : 0;
    return out;
}

const char *h7nn_open_embedded(h7nn_interpreter *nn, const void *model, size_t size, uint32_t crc32,
                               const h7nn_resolver *resolver, void *arena, size_t arena_size,
                               const char **stage) {
    *stage = "model";
    if (h7nn_model_verify_crc(model, size, crc32) != H7NN_OK)
        return "CRC-32 of the model in flash does not match the build's: reflash the image";
    if (h7nn_init(nn, model, size, resolver, arena, arena_size) != H7NN_OK)
        return h7nn_error(nn);
    *stage = "arena";
    if (h7nn_allocate(nn) != H7NN_OK)
        return h7nn_error(nn);
    return NULL;
}

/* ---------------------------------------------------------------- the checked record's maker (host) */
#ifndef H7_TARGET_FIRMWARE
#include <stdlib.h>

uint8_t *h7nn_fb_trace_map;
const uint8_t *h7nn_fb_trace_base;
uint32_t h7nn_fb_trace_size;

/* Runs of read words, joined across gaps of up to CK_GAP_WORDS unread words (hashing those
 * costs less than a range's own loop). Writes them to r (2 words each) when given; returns
 * their count. */
#define CK_GAP_WORDS 6u
static uint32_t read_ranges(const uint8_t *map, uint32_t model_words, uint32_t *r) {
    uint32_t count = 0, w = 0;
    while (w < model_words) {
        while (w < model_words && !(map[4 * w] | map[4 * w + 1] | map[4 * w + 2] | map[4 * w + 3])) w++;
        if (w == model_words) break;
        uint32_t start = w, end = w;
        for (uint32_t gap = 0; w < model_words && gap <= CK_GAP_WORDS; w++) {
            if (map[4 * w] | map[4 * w + 1] | map[4 * w + 2] | map[4 * w + 3]) end = w + 1, gap = 0;
            else gap++;
        }
        /* whole passes of the digest's 8-word loop (more bytes covered, no tail loop) */
        end = start + ((end - start + 7u) & ~7u) < model_words ? start + ((end - start + 7u) & ~7u) : model_words;
        w = end;
        if (r) r[2 * count] = 4u * start, r[2 * count + 1] = 4u * (end - start);
        count++;
    }
    return count;
}

static size_t checked_fail(char *error_out, const char *message) {
    if (error_out) {
        size_t n = strlen(message) < H7NN_ERROR_BYTES - 1u ? strlen(message) : H7NN_ERROR_BYTES - 1u;
        memcpy(error_out, message, n);
        error_out[n] = '\0';
    }
    return 0;
}

size_t h7nn_checked_make(const void *model, size_t model_size, const h7nn_resolver *resolver, const uint32_t *plan,
                         size_t plan_words, void *arena, size_t arena_size, uint32_t *out, size_t capacity,
                         char *error_out) {
    if (!model || !resolver || (model_size & 3u) || model_size > 0x7FFFFFF0u || plan_words > UINT32_MAX)
        return checked_fail(error_out, "checked record: needs a model of 4n bytes and a resolver");
    h7nn_resolver r = *resolver;
    r.plan = plan;
    r.plan_words = plan ? (uint32_t)plan_words : 0u;
    r.checked = NULL;
    r.checked_words = 0;
    uint8_t *map = calloc(model_size ? model_size : 1u, 1);
    if (!map) return checked_fail(error_out, "checked record: out of memory");
    h7nn_interpreter nn;
    /* every check, noting the bytes they read (h7nn_init only: allocate's reads run on the
     * board whatever the record says) */
    h7nn_fb_trace_base = model;
    h7nn_fb_trace_size = (uint32_t)model_size;
    h7nn_fb_trace_map = map;
    h7nn_status s = h7nn_init(&nn, model, model_size, &r, arena, arena_size);
    h7nn_fb_trace_map = NULL;
    if (s == H7NN_OK) s = h7nn_allocate(&nn);
    if (s != H7NN_OK) {
        free(map);
        return checked_fail(error_out, h7nn_error(&nn));
    }
    const uint32_t ranges = read_ranges(map, (uint32_t)(model_size / 4u), NULL);
    const size_t words = CK_HEADER + 2u * (size_t)ranges + (size_t)CK_TENSOR_WORDS * nn.tensor_count +
                         (size_t)CK_NODE_WORDS * nn.op_count;
    if (!out || capacity < words) {
        free(map);
        return words;
    }
    const uint8_t *base = model;
    memset(out, 0, words * sizeof *out);
    out[CK_MAGIC_W] = CK_MAGIC;
    out[CK_VERSION_W] = CK_VERSION;
    out[CK_WORDS_W] = (uint32_t)words;
    out[CK_MODEL_BYTES_W] = (uint32_t)model_size;
    out[CK_PLAN_WORDS_W] = r.plan_words;
    out[CK_RANGES_W] = ranges;
    out[CK_TENSORS_VEC_W] = nn.tensors_vec;
    out[CK_BUFFERS_VEC_W] = nn.buffers_vec;
    out[CK_OPCODES_VEC_W] = nn.opcodes_vec;
    out[CK_OPERATORS_VEC_W] = nn.operators_vec;
    out[CK_INPUTS_W] = (uint32_t)((const uint8_t *)nn.inputs - base);
    out[CK_OUTPUTS_W] = (uint32_t)((const uint8_t *)nn.outputs - base);
    out[CK_TENSOR_COUNT_W] = nn.tensor_count;
    out[CK_BUFFER_COUNT_W] = nn.buffer_count;
    out[CK_OPCODE_COUNT_W] = nn.opcode_count;
    out[CK_OP_COUNT_W] = nn.op_count;
    out[CK_INPUT_COUNT_W] = nn.input_count;
    out[CK_OUTPUT_COUNT_W] = nn.output_count;
    read_ranges(map, (uint32_t)(model_size / 4u), out + CK_HEADER);
    free(map);
    uint32_t *ct = out + CK_HEADER + 2u * ranges;
    for (uint32_t i = 0; i < nn.tensor_count; i++, ct += CK_TENSOR_WORDS) {
        h7nn_tinfo t;
        h7nn_tensor_info(&nn, (int)i, &t);
        ct[CKT_INDEX] = i;
        ct[CKT_TYPE] = (uint32_t)t.type;
        ct[CKT_RANK] = (uint32_t)t.rank;
        for (int d = 0; d < H7NN_MAX_DIMS; d++) ct[CKT_DIMS + d] = (uint32_t)t.dims[d];
        ct[CKT_ELEMENTS] = t.elements;
        ct[CKT_BYTES] = t.bytes;
        memcpy(&ct[CKT_SCALE], &t.scale, 4);
        ct[CKT_ZERO_POINT] = (uint32_t)t.zero_point;
        ct[CKT_SCALES] = t.scales ? (uint32_t)((const uint8_t *)t.scales - base) : 0u;
        ct[CKT_SCALE_COUNT] = t.scale_count;
        ct[CKT_QDIM] = (uint32_t)t.quantized_dimension;
        ct[CKT_ZERO_POINTS] = t.zero_points ? (uint32_t)((const uint8_t *)t.zero_points - base) : 0u;
        ct[CKT_ZERO_POINT_COUNT] = t.zero_point_count;
        ct[CKT_CONST] = t.const_data ? (uint32_t)((const uint8_t *)t.const_data - base) : 0u;
    }
    uint32_t *cn = ct;
    for (uint32_t i = 0; i < nn.op_count; i++, cn += CK_NODE_WORDS) {
        const h7nn_node *node = &nn.nodes[i];
        cn[CKN_CODE] = (uint32_t)node->kernel->builtin_code;
        cn[CKN_INPUTS] = (uint32_t)((const uint8_t *)node->inputs - base);
        cn[CKN_INPUT_COUNT] = node->input_count;
        cn[CKN_OUTPUTS] = (uint32_t)((const uint8_t *)node->outputs - base);
        cn[CKN_OUTPUT_COUNT] = node->output_count;
        cn[CKN_OPTIONS] = node->options;
        cn[CKN_OPTIONS_TYPE] = node->options_type;
        cn[CKN_SCRATCH] = node->scratch_bytes;
    }
    const size_t used = h7nn_arena_used(&nn);
    out[CK_DIGEST_W] = checked_digest(out, (uint32_t)words, base, r.plan, r.plan_words);
    /* the record must be taken, and give the same arena */
    r.checked = out;
    r.checked_words = (uint32_t)words;
    s = h7nn_init(&nn, model, model_size, &r, arena, arena_size);
    if (s != H7NN_OK || !h7nn_checked_used(&nn) || h7nn_allocate(&nn) != H7NN_OK || h7nn_arena_used(&nn) != used)
        return checked_fail(error_out, "checked record: not taken back by h7nn_init/h7nn_allocate (engine bug)");
    return words;
}
#endif
