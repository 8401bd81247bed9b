/* STRIDED_SLICE, any element type, rank <= 4, constant begin/end/strides: TFLite's rules for
 * negative indices, clamping, begin/end masks and shrink_axis_mask (ellipsis and new axes are
 * rejected). Converters emit it for shape arithmetic around RESHAPE. */
#include <string.h>

#include "engine/kernels/h7nn_kernels.h"

enum { SS_BEGIN_MASK = 0, SS_END_MASK = 1, SS_ELLIPSIS_MASK = 2, SS_NEW_AXIS_MASK = 3, SS_SHRINK_MASK = 4,
       SS_OFFSET = 5 };

typedef struct {
    int32_t dims[4], start[4], stop[4], stride[4];
    int32_t elem;
} slice_data;

static int32_t clamp_index(int32_t v, int32_t dim, int32_t stride) {
    if (v < 0) v += dim;
    if (stride > 0) return v < 0 ? 0 : (v > dim ? dim : v);
    return v < -1 ? -1 : (v > dim - 1 ? dim - 1 : v);
}

static h7nn_status prepare(h7nn_interpreter *nn, h7nn_node *node) {
    h7nn_tinfo in, begin, end, strides, out;
    h7nn_status s = h7nn_node_input(nn, node, 0, &in);
    if (s == H7NN_OK) s = h7nn_node_input(nn, node, 1, &begin);
    if (s == H7NN_OK) s = h7nn_node_input(nn, node, 2, &end);
    if (s == H7NN_OK) s = h7nn_node_input(nn, node, 3, &strides);
    if (s == H7NN_OK) s = h7nn_node_output(nn, node, 0, &out);
    if (s != H7NN_OK) return s;
    if (in.rank > 4 || in.type != out.type || !begin.const_data || !end.const_data || !strides.const_data ||
        begin.type != H7NN_INT32 || end.type != H7NN_INT32 || strides.type != H7NN_INT32 ||
        begin.elements != (uint32_t)in.rank || end.elements != (uint32_t)in.rank ||
        strides.elements != (uint32_t)in.rank)
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "needs rank <= 4 and constant int32 begin/end/strides");
    if (h7nn_opt_i32(nn, node, SS_ELLIPSIS_MASK, 0) || h7nn_opt_i32(nn, node, SS_NEW_AXIS_MASK, 0) ||
        h7nn_opt_u8(nn, node, SS_OFFSET, 0))
        return h7nn_fail(nn, node, H7NN_ERR_UNSUPPORTED, "ellipsis, new-axis and offset slices");
    int32_t begin_mask = h7nn_opt_i32(nn, node, SS_BEGIN_MASK, 0), end_mask = h7nn_opt_i32(nn, node, SS_END_MASK, 0);
    int32_t shrink = h7nn_opt_i32(nn, node, SS_SHRINK_MASK, 0);
    slice_data *op = h7nn_persistent(nn, sizeof *op);
    if (!op) return H7NN_ERR_ARENA;
    op->elem = (int32_t)h7nn_type_size(in.type);
    const int32_t *b = begin.const_data, *e = end.const_data, *st = strides.const_data;
    int lead = 4 - in.rank;
    uint64_t count = 1;
    for (int d = 0; d < 4; d++) {
        int k = d - lead;
        if (k < 0) {
            op->dims[d] = 1, op->start[d] = 0, op->stop[d] = 1, op->stride[d] = 1;
            continue;
        }
        int32_t dim = in.dims[k], stride = st[k];
        if (stride == 0 || stride < -65536 || stride > 65536)
            return h7nn_fail(nn, node, H7NN_ERR_MODEL, "stride %d", (int)stride);
        int32_t start = (begin_mask >> k) & 1 ? (stride > 0 ? 0 : dim - 1) : clamp_index(b[k], dim, stride);
        int32_t stop;
        if ((shrink >> k) & 1) stop = start + 1;
        else if ((end_mask >> k) & 1) stop = stride > 0 ? dim : -1;
        else stop = clamp_index(e[k], dim, stride);
        if ((shrink >> k) & 1 && (start < 0 || start >= dim))
            return h7nn_fail(nn, node, H7NN_ERR_MODEL, "shrunk index outside dimension %d", k);
        op->dims[d] = dim, op->start[d] = start, op->stop[d] = stop, op->stride[d] = stride;
        int32_t n = stride > 0 ? (stop - start + stride - 1) / stride : (start - stop - stride - 1) / -stride;
        count *= (uint64_t)(n > 0 ? n : 0);
    }
    if (count != out.elements) return h7nn_fail(nn, node, H7NN_ERR_MODEL, "output size does not match the slice");
    node->op_data = op;
    return H7NN_OK;
}

static int in_range(int32_t i, int32_t stop, int32_t stride) { return stride > 0 ? i < stop : i > stop; }

static h7nn_status eval(h7nn_interpreter *nn, const h7nn_node *node) {
    const slice_data *op = node->op_data;
    const uint8_t *in = h7nn_input_data(nn, node, 0);
    uint8_t *out = h7nn_output_data(nn, node, 0);
    const int32_t *d = op->dims, *s = op->start, *e = op->stop, *st = op->stride;
    for (int32_t a = s[0]; in_range(a, e[0], st[0]); a += st[0])
        for (int32_t b = s[1]; in_range(b, e[1], st[1]); b += st[1])
            for (int32_t c = s[2]; in_range(c, e[2], st[2]); c += st[2])
                for (int32_t x = s[3]; in_range(x, e[3], st[3]); x += st[3]) {
                    memcpy(out, in + (size_t)(((a * d[1] + b) * d[2] + c) * d[3] + x) * op->elem, (size_t)op->elem);
                    out += op->elem;
                }
    return H7NN_OK;
}

const h7nn_kernel h7nn_ref_strided_slice = {H7NN_KERNEL_ID(STRIDED_SLICE), prepare, eval};
