/* libFuzzer target over model bytes and input tensors (host build, ASan + UBSan).
 *
 * Input: [4-byte little-endian model length L][L model bytes][input bytes...]. The model
 * goes through h7nn_init / h7nn_allocate with the M7 or reference kernels or a small arena
 * (bits 24-25 of L), or (bit 26) with a plan: the engine's own plan of the model
 * (h7nn_plan_export) with up to 8 words changed by the first input bytes, which
 * h7nn_allocate must refuse or run safely, or (bit 27) the same over the pre-arranged weights
 * (h7nn_packed_export, run_packed), or (bit 28) with the embed step's checked record
 * (h7nn_checked_make, run_checked) changed in up to 8 words or the model changed in up to 8
 * bytes under it, which must give exactly what the full checks give; when it is accepted, every
 * input tensor is filled from the remaining bytes (cycled) and the model is invoked. Any
 * crash, hang, leak or sanitizer report is a bug; error statuses are the expected outcome
 * for hostile models, and each must come with a message.
 *
 *   build/host/firmware/engine/fuzz_h7nn -max_total_time=20 CORPUS_DIR
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/h7nn_all_ops.h"

#define ARENA_BYTES (256 * 1024)

static uint8_t arena[ARENA_BYTES] __attribute__((aligned(16)));

static void run(const uint8_t *model, size_t model_size, const uint8_t *in, size_t in_size, int optimized,
                size_t arena_size) {
    h7nn_interpreter nn;
    h7nn_status s = h7nn_init(&nn, model, model_size, h7nn_all_ops_resolver(optimized), arena, arena_size);
    if (s == H7NN_OK) s = h7nn_allocate(&nn);
    if (s != H7NN_OK) {
        if (h7nn_error(&nn)[0] == '\0') abort();  /* every error names its problem */
        if (s == H7NN_ERR_ARENA && h7nn_arena_needed(&nn) <= arena_size && nn.model) abort();
        return;
    }
    for (int i = 0; i < h7nn_input_count(&nn); i++) {
        h7nn_tensor t;
        if (h7nn_input(&nn, i, &t) != H7NN_OK || !t.data) continue;
        uint8_t *p = t.data;
        for (size_t k = 0; k < t.bytes; k++) p[k] = in_size ? in[k % in_size] : (uint8_t)k;
    }
    if (h7nn_invoke(&nn) != H7NN_OK && h7nn_error(&nn)[0] == '\0') abort();
}

#define PLAN_WORDS (64 * 1024)
static uint32_t plan[PLAN_WORDS];

static void fill_and_invoke(h7nn_interpreter *nn, const uint8_t *in, size_t in_size) {
    for (int i = 0; i < h7nn_input_count(nn); i++) {
        h7nn_tensor t;
        if (h7nn_input(nn, i, &t) != H7NN_OK || !t.data) continue;
        uint8_t *p = t.data;
        for (size_t k = 0; k < t.bytes; k++) p[k] = in_size ? in[k % in_size] : (uint8_t)k;
    }
    if (h7nn_invoke(nn) != H7NN_OK && h7nn_error(nn)[0] == '\0') abort();
}

static void run_planned(const uint8_t *model, size_t model_size, const uint8_t *in, size_t in_size) {
    h7nn_interpreter nn;
    if (h7nn_init(&nn, model, model_size, h7nn_all_ops_resolver(1), arena, ARENA_BYTES) != H7NN_OK ||
        h7nn_allocate(&nn) != H7NN_OK)
        return;
    size_t words = h7nn_plan_export(&nn, plan, PLAN_WORDS);
    if (words == 0 || words > PLAN_WORDS) return;
    /* 4 input bytes per change: word index (2 bytes), a byte to XOR, its place in the word */
    size_t k = 0;
    for (; k + 4 <= in_size && k < 32; k += 4)
        plan[((size_t)in[k] | (size_t)in[k + 1] << 8) % words] ^= (uint32_t)in[k + 2] << (8 * (in[k + 3] & 3u));
    if (k < in_size && (in[k] & 1u)) words -= (in[k] >> 1) % words;  /* sometimes a truncated plan */
    /* an exact-size heap copy: ASan sees any read past the plan's end */
    uint32_t *copy = malloc(words * sizeof *copy);
    if (!copy) return;
    memcpy(copy, plan, words * sizeof *copy);
    h7nn_status s = h7nn_init(&nn, model, model_size, h7nn_all_ops_resolver(1), arena, ARENA_BYTES);
    if (s == H7NN_OK) s = h7nn_use_plan(&nn, copy, words);
    if (s == H7NN_OK) s = h7nn_allocate(&nn);
    if (s != H7NN_OK) {
        if (h7nn_error(&nn)[0] == '\0') abort();
    } else {
        fill_and_invoke(&nn, in + k, in_size - k);
    }
    free(copy);
}

/* (mm16, issue 18) bit 27: the engine's own plan and pre-arranged weights (h7nn_packed_export)
 * with up to 8 words of the weights changed as above, which h7nn_allocate must refuse or the
 * kernels run safely (changed weights only change outputs). */
static uint32_t packed[256 * 1024];

static void run_packed(const uint8_t *model, size_t model_size, const uint8_t *in, size_t in_size) {
    h7nn_interpreter nn;
    if (h7nn_init(&nn, model, model_size, h7nn_all_ops_resolver(1), arena, ARENA_BYTES) != H7NN_OK ||
        h7nn_allocate(&nn) != H7NN_OK)
        return;
    size_t words = h7nn_plan_export(&nn, plan, PLAN_WORDS), pwords = h7nn_packed_export(&nn, packed, 256 * 1024);
    if (words == 0 || words > PLAN_WORDS || pwords == 0 || pwords > 256 * 1024) return;
    size_t k = 0;
    for (; k + 4 <= in_size && k < 32; k += 4)
        packed[((size_t)in[k] | (size_t)in[k + 1] << 8 | (size_t)(in[k + 3] >> 2) << 16) % pwords] ^=
            (uint32_t)in[k + 2] << (8 * (in[k + 3] & 3u));
    if (k < in_size && (in[k] & 1u)) pwords -= (in[k] >> 1) % pwords;  /* sometimes truncated */
    uint32_t *copy = malloc(pwords * sizeof *copy);  /* exact size: ASan sees a read past the end */
    if (!copy) return;
    memcpy(copy, packed, pwords * sizeof *copy);
    h7nn_status s = h7nn_init(&nn, model, model_size, h7nn_all_ops_resolver(1), arena, ARENA_BYTES);
    if (s == H7NN_OK) s = h7nn_use_plan(&nn, plan, words);
    if (s == H7NN_OK) s = h7nn_use_packed(&nn, copy, pwords);
    if (s == H7NN_OK) s = h7nn_allocate(&nn);
    if (s != H7NN_OK) {
        if (h7nn_error(&nn)[0] == '\0') abort();
    } else {
        fill_and_invoke(&nn, in + k, in_size - k);
    }
    free(copy);
}

/* (setup, issue 18) bit 28: the checked record of the model (h7nn_checked_make with the
 * engine's own plan), then either up to 8 of its words or up to 8 model bytes changed (the
 * first input byte picks which): h7nn_init / h7nn_allocate with that record must refuse or
 * accept exactly as they do without it (a stale or changed record falls back to the full
 * checks; a model byte outside the digest's ranges must be one the checks do not read), and an
 * accepted model gives the same arena and outputs both ways. */
static uint8_t arena2[ARENA_BYTES] __attribute__((aligned(16)));
static uint32_t checked[64 * 1024];

static h7nn_status open_with(h7nn_interpreter *nn, const uint8_t *model, size_t size, h7nn_resolver *r,
                             uint8_t *a) {
    h7nn_status s = h7nn_init(nn, model, size, r, a, ARENA_BYTES);
    if (s == H7NN_OK) s = h7nn_allocate(nn);
    if (s != H7NN_OK && h7nn_error(nn)[0] == '\0') abort();
    return s;
}

static void run_checked(const uint8_t *model, size_t model_size, const uint8_t *in, size_t in_size) {
    h7nn_interpreter nn, full;
    if (h7nn_init(&nn, model, model_size, h7nn_all_ops_resolver(1), arena, ARENA_BYTES) != H7NN_OK ||
        h7nn_allocate(&nn) != H7NN_OK)
        return;
    size_t words = h7nn_plan_export(&nn, plan, PLAN_WORDS);
    if (words == 0 || words > PLAN_WORDS) return;
    size_t cwords = h7nn_checked_make(model, model_size, h7nn_all_ops_resolver(1), plan, words, arena, ARENA_BYTES,
                                      checked, 64 * 1024, NULL);
    if (cwords == 0 || cwords > 64 * 1024) return;
    uint8_t *m = malloc(model_size);  /* the model as changed (exact size: ASan sees reads past it) */
    uint32_t *copy = malloc(cwords * sizeof *copy);
    if (!m || !copy) {
        free(m);
        free(copy);
        return;
    }
    memcpy(m, model, model_size);
    memcpy(copy, checked, cwords * sizeof *copy);
    size_t k = in_size ? 1u : 0u;  /* the first byte picks what changes */
    const int change_model = in_size > 0 && (in[0] & 1u);
    for (; k + 4 <= in_size && k < 33; k += 4) {
        size_t at = (size_t)in[k] | (size_t)in[k + 1] << 8 | (size_t)(in[k + 3] >> 2) << 16;
        if (change_model) m[at % model_size] ^= in[k + 2];
        else copy[at % cwords] ^= (uint32_t)in[k + 2] << (8 * (in[k + 3] & 3u));
    }
    h7nn_resolver with = *h7nn_all_ops_resolver(1), without = with;
    with.plan = without.plan = plan;
    with.plan_words = without.plan_words = (uint32_t)words;
    with.checked = copy;
    with.checked_words = (uint32_t)cwords;
    h7nn_status a = open_with(&nn, m, model_size, &with, arena), b = open_with(&full, m, model_size, &without, arena2);
    if (a != b) abort();  /* the record changed what the checks decide */
    if (a == H7NN_OK) {
        if (h7nn_arena_used(&nn) != h7nn_arena_used(&full)) abort();
        fill_and_invoke(&nn, in + k, in_size - k);
        fill_and_invoke(&full, in + k, in_size - k);
        for (int i = 0; i < h7nn_output_count(&nn); i++) {
            h7nn_tensor x, y;
            if (h7nn_output(&nn, i, &x) != H7NN_OK || h7nn_output(&full, i, &y) != H7NN_OK || x.bytes != y.bytes ||
                (x.bytes && memcmp(x.data, y.data, x.bytes) != 0))
                abort();
        }
    }
    free(m);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 4) return 0;
    uint32_t len = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16;
    size_t model_size = size - 4 < len ? size - 4 : len;
    /* an exact-size heap copy (malloc aligns to at least 8): ASan sees any read past its end */
    uint8_t *model = malloc(model_size ? model_size : 1);
    if (!model) return 0;
    memcpy(model, data + 4, model_size);
    const uint8_t *in = data + 4 + model_size;
    size_t in_size = size - 4 - model_size;
    /* the length's top byte picks the variant: M7 kernels (most often), reference kernels,
     * or a small arena for the "arena too small" paths */
    if (data[3] & 16u) {
        run_checked(model, model_size, in, in_size);
        free(model);
        return 0;
    }
    if (data[3] & 8u) {
        run_packed(model, model_size, in, in_size);
        free(model);
        return 0;
    }
    if (data[3] & 4u) {
        run_planned(model, model_size, in, in_size);
        free(model);
        return 0;
    }
    switch (data[3] & 3u) {
    case 2: run(model, model_size, in, in_size, 0, ARENA_BYTES); break;
    case 3: run(model, model_size, in, in_size, 1, 2048 + (size & 4095u)); break;
    default: run(model, model_size, in, in_size, 1, ARENA_BYTES); break;
    }
    free(model);
    return 0;
}
