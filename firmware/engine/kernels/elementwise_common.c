/* ADD and MUL: TFLite's broadcasting rules (dimensions aligned at the right, a dimension of
 * 1 repeats), the zero-point offsets and the fused activation they share. */
#include "engine/kernels/h7nn_kernels.h"

enum { BINARY_ACTIVATION = 0 };  /* AddOptions / MulOptions: the fused activation is field 0 of both */

h7nn_status h7nn_binary_prepare(h7nn_interpreter *nn, h7nn_node *node, h7nn_binary_data **op_out,
                                h7nn_tinfo *in1, h7nn_tinfo *in2, h7nn_tinfo *out) {
    h7nn_binary_data *op = *op_out = h7nn_op_data(nn, node, sizeof *op);
    if (!op) return H7NN_ERR_ARENA;
    h7nn_status s = h7nn_node_input(nn, node, 0, in1);
    if (s == H7NN_OK) s = h7nn_node_input(nn, node, 1, in2);
    if (s == H7NN_OK) s = h7nn_node_output(nn, node, 0, out);
    if (s == H7NN_OK) s = h7nn_expect_int8_per_tensor(nn, node, in1);
    if (s == H7NN_OK) s = h7nn_expect_int8_per_tensor(nn, node, in2);
    if (s == H7NN_OK) s = h7nn_expect_int8_per_tensor(nn, node, out);
    if (s != H7NN_OK) return s;
    int rank = out->rank;
    if (in1->rank > rank || in2->rank > rank)
        return h7nn_fail(nn, node, H7NN_ERR_MODEL, "inputs have more dimensions than the output");
    op->rank = rank;
    int32_t s1 = 1, s2 = 1, count = 1;
    for (int d = rank - 1; d >= 0; d--) {
        int k1 = d - (rank - in1->rank), k2 = d - (rank - in2->rank);
        int32_t d1 = k1 >= 0 ? in1->dims[k1] : 1, d2 = k2 >= 0 ? in2->dims[k2] : 1, o = out->dims[d];
        if ((d1 != o && d1 != 1) || (d2 != o && d2 != 1))
            return h7nn_fail(nn, node, H7NN_ERR_MODEL, "input shapes do not broadcast to the output shape");
        op->dims[d] = o;
        op->stride1[d] = d1 == 1 ? 0 : s1;
        op->stride2[d] = d2 == 1 ? 0 : s2;
        s1 *= d1;
        s2 *= d2;
        count *= o;
    }
    op->count = count;
    op->in1_offset = -in1->zero_point;
    op->in2_offset = -in2->zero_point;
    op->out_offset = out->zero_point;
    return h7nn_activation_range(nn, node, h7nn_opt_u8(nn, node, BINARY_ACTIVATION, 0), out, &op->act_min,
                                 &op->act_max);
}

void h7nn_binary_broadcast(const h7nn_binary_data *op, const int8_t *in1, const int8_t *in2, int8_t *out,
                           int8_t (*fn)(const h7nn_binary_data *op, int32_t a, int32_t b)) {
    int32_t index[H7NN_MAX_DIMS] = {0};
    int32_t p1 = 0, p2 = 0;
    int last = op->rank - 1;
    if (op->rank == 0) {
        out[0] = fn(op, in1[0], in2[0]);
        return;
    }
    for (int32_t i = 0; i < op->count; i++) {
        out[i] = fn(op, in1[p1], in2[p2]);
        /* odometer step over the output index, moving both input positions with it */
        for (int d = last; d >= 0; d--) {
            index[d]++;
            p1 += op->stride1[d];
            p2 += op->stride2[d];
            if (index[d] < op->dims[d]) break;
            p1 -= op->stride1[d] * op->dims[d];
            p2 -= op->stride2[d] * op->dims[d];
            index[d] = 0;
        }
    }
}
