/* libFuzzer target of streaming inference (engine/h7nn_stream.h; host build, ASan + UBSan).
 *
 * Input: [4-byte little-endian model length L][L model bytes][hop byte][feature bytes...].
 * Bit 24 of L picks the reference kernels. The model goes through h7nn_init / h7nn_allocate;
 * an accepted model is asked to stream at hop (hop byte % window) + 1: a refusal must come
 * with a message; a model that streams runs five hops of a feature sequence (the remaining
 * bytes, cycled) through h7nn_stream_invoke, and each output must be byte-equal to a second
 * interpreter's h7nn_invoke of the same window (abort otherwise), with a reset before the
 * fourth hop. Any crash, hang, leak, sanitizer report or mismatch is a bug.
 *
 *   build/host/firmware/engine/fuzz_stream -max_total_time=20 CORPUS_DIR   (python -m h7nn.stream_fuzz)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/h7nn_all_ops.h"
#include "engine/h7nn_stream.h"

#define ARENA_BYTES (256 * 1024)
#define STATE_BYTES (256 * 1024)
#define HOPS 5

static uint8_t arena_s[ARENA_BYTES] __attribute__((aligned(16)));
static uint8_t arena_f[ARENA_BYTES] __attribute__((aligned(16)));
static uint8_t state[STATE_BYTES] __attribute__((aligned(8)));

static void fill(h7nn_tensor *t, const uint8_t *seq, size_t seq_size, size_t offset) {
    uint8_t *p = t->data;
    for (size_t k = 0; k < t->bytes; k++) p[k] = seq_size ? seq[(offset + k) % seq_size] : (uint8_t)(offset + k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 5) return 0;
    uint32_t word;
    memcpy(&word, data, 4);
    const uint32_t model_size = word & 0xFFFFFFu;
    const int optimized = !(word & (1u << 24));
    if (model_size > size - 4) return 0;
    /* the model copied to an aligned buffer of its own size (ASan sees reads past it) */
    uint8_t *model = malloc(model_size ? model_size : 1);
    memcpy(model, data + 4, model_size);
    const uint8_t *rest = data + 4 + model_size;
    const size_t rest_size = size - 4 - model_size;
    h7nn_interpreter s, f;
    const h7nn_resolver *resolver = h7nn_all_ops_resolver(optimized);
    if (h7nn_init(&s, model, model_size, resolver, arena_s, ARENA_BYTES) != H7NN_OK || h7nn_allocate(&s) != H7NN_OK ||
        h7nn_input_count(&s) < 1 || h7nn_output_count(&s) < 1)
        goto done;
    h7nn_tensor in_s, out_s;
    if (h7nn_input(&s, 0, &in_s) != H7NN_OK || h7nn_output(&s, 0, &out_s) != H7NN_OK || in_s.rank < 2 ||
        in_s.dims[1] < 1 || !in_s.data || !out_s.data)
        goto done;
    const int window = in_s.dims[1];
    const int hop = rest_size ? rest[0] % window + 1 : 1;
    size_t need = h7nn_stream_state_bytes(&s, hop);
    h7nn_stream st;
    if (need == 0 || need > STATE_BYTES) {
        if (need == 0 && h7nn_error(&s)[0] == '\0') abort();  /* a refusal names its reason */
        goto done;
    }
    if (h7nn_stream_init(&st, &s, hop, state, need) != H7NN_OK) abort();  /* state_bytes said yes */
    if (h7nn_init(&f, model, model_size, resolver, arena_f, ARENA_BYTES) != H7NN_OK || h7nn_allocate(&f) != H7NN_OK)
        abort();  /* the same model, accepted once */
    h7nn_tensor in_f, out_f;
    h7nn_input(&f, 0, &in_f);
    h7nn_output(&f, 0, &out_f);
    const uint8_t *seq = rest_size > 1 ? rest + 1 : NULL;
    const size_t seq_size = rest_size > 1 ? rest_size - 1 : 0, row = in_s.bytes / (size_t)window;
    for (int h = 0; h < HOPS; h++) {
        if (h == 3) h7nn_stream_reset(&st);
        fill(&in_s, seq, seq_size, (size_t)h * (size_t)hop * row);
        fill(&in_f, seq, seq_size, (size_t)h * (size_t)hop * row);
        h7nn_status a = h7nn_stream_invoke(&st), b = h7nn_invoke(&f);
        if (a != b) abort();  /* the same kernels on the same values */
        if (a != H7NN_OK) {
            if (h7nn_error(&s)[0] == '\0') abort();
            break;
        }
        if (memcmp(out_s.data, out_f.data, out_f.bytes) != 0) abort();  /* streaming must equal the full window */
    }
done:
    free(model);
    return 0;
}
