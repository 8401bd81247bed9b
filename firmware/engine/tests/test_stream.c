/* Host tests of streaming inference (h7nn_stream): every hop's output byte-equal to
 * h7nn_invoke on the same window (every kernel set), and the one-line refusals.
 *
 *   test_stream                      the shipped models' refusals; MLPerf's streaming
 *                                    wake-word model streamed (../shared or H7_SHARED)
 *   test_stream MODEL HOP [HOPS]     stream MODEL at HOP input rows over HOPS hops (each
 *                                    kernel set: reference, M7, M7 on pre-arranged weights)
 *                                    (tools/h7nn/tests/test_stream.py, on the test models
 *                                    tools/h7nn/stream_models.py builds)
 * Run from the repository root (scons host-tests does). */
#include <stdlib.h>
#include <string.h>

#include "engine/h7nn_all_ops.h"
#include "engine/h7nn_stream.h"
#include "testing/h7test.h"

#define ARENA_BYTES (512u * 1024u)

static uint8_t *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    /* 16-byte aligned, as the firmware places models */
    uint8_t *data = aligned_alloc(16, ((size_t)n + 15u) & ~(size_t)15u);
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

typedef struct {
    uint8_t *model;
    size_t size;
    uint8_t *arena;
    uint32_t *packed;
    h7nn_interpreter nn;
} loaded;

/* Kernel sets: the reference kernels, the M7 kernels on the model's int8 weights, and the M7
 * kernels on the weights the embed step pre-arranges (h7nn_packed_export of the model, as the
 * board's images run: CONV_2D's fewer-than-six-pixels loop runs on them). */
enum { REFERENCE = 0, M7 = 1, M7_PACKED = 2 };
static const char *const KERNEL_NAMES[] = {"reference", "M7", "M7 (pre-arranged weights)"};

static int load(loaded *m, const char *path, int kernels) {
    m->packed = NULL;
    m->model = read_file(path, &m->size);
    if (!m->model) {
        printf("  FAIL: cannot read %s (run from the repository root; tools/h7nn/stream_models.py builds the test models)\n", path);
        return 0;
    }
    m->arena = aligned_alloc(16, ARENA_BYTES);
    if (kernels == M7_PACKED) {  /* the words from an allocated interpreter, given to the next */
        if (h7nn_init(&m->nn, m->model, m->size, h7nn_all_ops_resolver(1), m->arena, ARENA_BYTES) != H7NN_OK ||
            h7nn_allocate(&m->nn) != H7NN_OK) {
            printf("  FAIL: %s: %s\n", path, h7nn_error(&m->nn));
            return 0;
        }
        size_t words = h7nn_packed_export(&m->nn, NULL, 0);
        m->packed = malloc(words * sizeof *m->packed);
        if (!m->packed || h7nn_packed_export(&m->nn, m->packed, words) != words) {
            printf("  FAIL: %s: h7nn_packed_export\n", path);
            return 0;
        }
        if (h7nn_init(&m->nn, m->model, m->size, h7nn_all_ops_resolver(1), m->arena, ARENA_BYTES) != H7NN_OK ||
            h7nn_use_packed(&m->nn, m->packed, words) != H7NN_OK || h7nn_allocate(&m->nn) != H7NN_OK) {
            printf("  FAIL: %s: %s\n", path, h7nn_error(&m->nn));
            return 0;
        }
        return 1;
    }
    if (h7nn_init(&m->nn, m->model, m->size, h7nn_all_ops_resolver(kernels), m->arena, ARENA_BYTES) != H7NN_OK ||
        h7nn_allocate(&m->nn) != H7NN_OK) {
        printf("  FAIL: %s: %s\n", path, h7nn_error(&m->nn));
        return 0;
    }
    return 1;
}

static void unload(loaded *m) {
    free(m->model);
    free(m->arena);
    free(m->packed);
}

/* Streams `hops` hops of a random feature sequence through MODEL; returns the hops whose
 * output differs from the full-window run (-1: could not run). */
static int stream_vs_full(const char *path, int hop, int hops, int kernels, int reset_every) {
    loaded s, f;
    if (!load(&s, path, kernels) || !load(&f, path, kernels)) return -1;
    size_t need = h7nn_stream_state_bytes(&s.nn, hop);
    if (need == 0) {
        printf("  FAIL: %s: %s\n", path, h7nn_error(&s.nn));
        return -1;
    }
    uint8_t *state = aligned_alloc(8, (need + 7u) & ~(size_t)7u);
    h7nn_stream st;
    H7_EXPECT_EQ_INT(h7nn_stream_init(&st, &s.nn, hop, state, need - 1), H7NN_ERR_ARGUMENT);  /* too small */
    if (h7nn_stream_init(&st, &s.nn, hop, state, need) != H7NN_OK) {
        printf("  FAIL: %s: %s\n", path, h7nn_error(&s.nn));
        return -1;
    }
    h7nn_tensor sin, fin, sout, fout;
    h7nn_input(&s.nn, 0, &sin);
    h7nn_input(&f.nn, 0, &fin);
    h7nn_output(&s.nn, 0, &sout);
    h7nn_output(&f.nn, 0, &fout);
    const size_t row = sin.bytes / (size_t)sin.dims[1];
    const size_t total_rows = (size_t)sin.dims[1] + (size_t)hop * (size_t)hops;
    int8_t *seq = malloc(total_rows * row);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < total_rows * row; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        seq[i] = (int8_t)(x >> 24);
    }
    int bad = 0;
    for (int h = 0; h <= hops; h++) {
        if (reset_every && h % reset_every == reset_every - 1) h7nn_stream_reset(&st);
        const int8_t *window = seq + (size_t)h * (size_t)hop * row;
        memcpy(sin.data, window, sin.bytes);
        memcpy(fin.data, window, fin.bytes);
        if (h7nn_stream_invoke(&st) != H7NN_OK || h7nn_invoke(&f.nn) != H7NN_OK) {
            printf("  FAIL: %s: %s%s\n", path, h7nn_error(&s.nn), h7nn_error(&f.nn));
            bad = -1;
            break;
        }
        if (memcmp(sout.data, fout.data, fout.bytes) != 0) {
            if (bad < 3) printf("  hop %d: streamed output differs from the full window's\n", h);
            bad++;
        }
    }
    /* the interpreter still runs the whole model after streaming (the arena pointers are back) */
    memcpy(sin.data, seq, sin.bytes);
    memcpy(fin.data, seq, fin.bytes);
    if (bad >= 0 && (h7nn_invoke(&s.nn) != H7NN_OK || h7nn_invoke(&f.nn) != H7NN_OK ||
                     memcmp(sout.data, fout.data, fout.bytes) != 0)) {
        printf("  FAIL: %s: h7nn_invoke after streaming differs\n", path);
        bad++;
    }
    free(seq);
    free(state);
    unload(&s);
    unload(&f);
    return bad;
}

/* The model is refused at this hop with a message containing `expected`. */
static int refused_with(const char *path, int hop, const char *expected) {
    loaded m;
    if (!load(&m, path, 1)) return 0;
    h7nn_stream st;
    static uint8_t state[8];
    int ok = h7nn_stream_state_bytes(&m.nn, hop) == 0 &&
             h7nn_stream_init(&st, &m.nn, hop, state, sizeof state) == H7NN_ERR_UNSUPPORTED &&
             strstr(h7nn_error(&m.nn), expected) != NULL;
    if (!ok) printf("  %s: got \"%s\", expected \"%s\"\n", path, h7nn_error(&m.nn), expected);
    unload(&m);
    return ok;
}

static char ww_path[512];

H7_TEST(shipped_models_refused_with_one_line) {
    /* kws_default: 10x4 stride-2 'same' first convolution */
    H7_EXPECT(refused_with("models/kws_default.tflite", 2, "op 4 CONV_2D: not streamable: padding along time"));
    /* a stride the hop does not divide, at the first convolution */
    H7_EXPECT(refused_with("models/phones.tflite", 1, "op 1 CONV_2D: not streamable: time stride 2 does not divide"));
}

H7_TEST(phone_model_streams_its_first_block_bit_exact) {
    /* at a 2-row hop: the VALID stride-2 first convolution computes its 1 new row of 14; the
     * 'same' 3x1 depthwise after it (an edge layer) its first row (it reads the padding) and
     * its last two (new, or reading the new row), the 1x1 after that the same three; the
     * stride-2 depthwise, which a 1-row shift does not divide, begins the tail */
    loaded m;
    if (!load(&m, "models/phones.tflite", 1)) {
        H7_EXPECT(0);
        return;
    }
    static uint8_t state[8192] __attribute__((aligned(8)));
    h7nn_stream st;
    H7_EXPECT(h7nn_stream_init(&st, &m.nn, 2, state, sizeof state) == H7NN_OK);
    H7_EXPECT_EQ_INT(st.count, 3);
    static const int op[3] = {1, 2, 3}, top[3] = {0, 1, 1}, bottom[3] = {1, 2, 2};
    for (int k = 0; k < 3; k++) {
        H7_EXPECT_EQ_INT(st.layer[k].op, op[k]);
        H7_EXPECT_EQ_INT(st.layer[k].edge, 1);
        H7_EXPECT_EQ_INT(st.layer[k].kept, 14);    /* whole windows: the edges read the first rows */
        H7_EXPECT_EQ_INT(st.layer[k].new_rows, 1);
        H7_EXPECT_EQ_INT(st.layer[k].top, top[k]);
        H7_EXPECT_EQ_INT(st.layer[k].bottom, bottom[k]);
    }
    H7_EXPECT_EQ_INT((int)h7nn_stream_state_bytes(&m.nn, 2), 18 * 96 + 18 * 96 + 18 * 128);
    unload(&m);
    for (int kernels = REFERENCE; kernels <= M7_PACKED; kernels++) {
        H7_EXPECT_EQ_INT(stream_vs_full("models/phones.tflite", 2, 30, kernels, 0), 0);
        H7_EXPECT_EQ_INT(stream_vs_full("models/phones.tflite", 2, 12, kernels, 5), 0);  /* with resets */
    }
}

H7_TEST(state_keeps_only_the_rows_each_convolution_reads) {
    /* MLPerf's wake word at a 1-row hop: the last streamed tensor's window (and slide room),
     * the intermediate ones a few rows each; every window kept twice was 29,696 B */
    loaded m;
    if (!load(&m, ww_path, 1)) {
        H7_EXPECT(0);
        return;
    }
    size_t one = h7nn_stream_state_bytes(&m.nn, 1), three = h7nn_stream_state_bytes(&m.nn, 3);
    H7_EXPECT_EQ_INT((int)one, 8136);
    H7_EXPECT(one < three && three < 29696u);  /* a longer hop keeps more rows of each */
    unload(&m);
}

H7_TEST(mlperf_streaming_wake_word_streams_bit_exact) {
    for (int kernels = REFERENCE; kernels <= M7_PACKED; kernels++) {
        H7_EXPECT_EQ_INT(stream_vs_full(ww_path, 1, 40, kernels, 0), 0);
        H7_EXPECT_EQ_INT(stream_vs_full(ww_path, 3, 15, kernels, 7), 0);  /* with resets; the last op renewed whole */
    }
}

int main(int argc, char **argv) {
    if (argc >= 3) {
        int hops = argc >= 4 ? atoi(argv[3]) : 50;
        int bad = 0;
        for (int kernels = REFERENCE; kernels <= M7_PACKED; kernels++) {
            int b = stream_vs_full(argv[1], atoi(argv[2]), hops, kernels, 0);
            if (b == 0) b = stream_vs_full(argv[1], atoi(argv[2]), hops / 4, kernels, 5);
            printf("%s hop %s, %s kernels: %s\n", argv[1], argv[2], KERNEL_NAMES[kernels],
                   b == 0 ? "every hop byte-equal to the full window" : "MISMATCH");
            bad |= b != 0;
        }
        return bad;
    }
    const char *shared = getenv("H7_SHARED");
    snprintf(ww_path, sizeof ww_path, "%s/models/mlperf_tiny_str_ww_ref_model.tflite", shared ? shared : "../shared");
    H7_RUN(shipped_models_refused_with_one_line);
    H7_RUN(phone_model_streams_its_first_block_bit_exact);
    H7_RUN(state_keeps_only_the_rows_each_convolution_reads);
    H7_RUN(mlperf_streaming_wake_word_streams_bit_exact);
    return h7test_summary();
}
