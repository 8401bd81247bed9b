/* Host build only (build/host/firmware/apps/phones/libh7phones.so): the phone recognizer's
 * hop loop over a whole recording, for the Python tools (tools/h7phones/acoustic.py) and so
 * for every evaluation figure.
 *
 * Same code as the board: phones_pipeline (front end, feature window, model input, output
 * conversion), the engine (the kernels the firmware links; bit-exact with the reference
 * ones), phones_recognizer (h7dec), the checks of main.c's init. What the host does that the
 * board does not need: at the end of a recording it can repeat the last frame
 * `lookahead_frames` times (phones_pipeline_repeat_last, the edge padding the model was
 * trained with) so the last frames are scored too (on the board the audio just goes on).
 */
#include <stdlib.h>
#include <string.h>

#include "apps/phones/phones_config.h"
#include "apps/phones/phones_pipeline.h"
#include "apps/phones/phones_runner.h"
#include "apps/phones/phones_recognizer.h"
#include "engine/h7nn.h"
#include "engine/h7nn_all_ops.h"

#define HOST_ARENA_BYTES (1024u * 1024u)

typedef struct {
    uint32_t window_frames, features, lookahead_frames, outputs, ctc, output_kind;
    uint32_t hop_samples, frame_ms, arena_used, model_bytes, decoder_workspace_bytes;
    uint32_t graph_nodes;
    float input_scale;
    int32_t input_zero_point;
    float output_scale;
    int32_t output_zero_point;
} phones_host_info_t;

typedef struct {
    h7nn_interpreter nn;
    uint8_t *model, *arena, *graph, *workspace;
    size_t model_bytes, graph_bytes, workspace_bytes;
    h7fe_config_t frontend;
    phones_pipeline_config_t config;
    phones_pipeline_t pipeline;
    phones_recognizer_t rec;
    int ctc;
    char phoneset[64];
    uint32_t phoneset_hash;
    /* where segments go during phones_host_recognize */
    phones_segment_t *out;
    int out_max, out_count;
    /* the model hop by hop as the images run it (phones_runner_run); stream_on 0: every run a
     * full window (phones_host_set_stream: the equality check) */
    phones_runner_t runner;
    uint8_t *stream_state;
    int stream_on;
    char error[320];
} phones_host_t;

size_t phones_host_frontend_config_size(void) { return sizeof(h7fe_config_t); }
size_t phones_host_segment_size(void) { return sizeof(phones_segment_t); }
size_t phones_host_info_size(void) { return sizeof(phones_host_info_t); }
const char *phones_host_error(const phones_host_t *h) { return h->error; }

static const int8_t *run_model(void *user, int restart)
{
    phones_host_t *h = (phones_host_t *)user;
    return phones_runner_run(&h->runner, restart || !h->stream_on);
}

static void collect(void *user, const phones_segment_t *s)
{
    phones_host_t *h = (phones_host_t *)user;
    if (h->out_count < h->out_max)
        h->out[h->out_count] = *s;
    h->out_count++;
}

void phones_host_close(phones_host_t *h)
{
    if (!h)
        return;
    free(h->model);
    free(h->arena);
    free(h->graph);
    free(h->workspace);
    free(h->stream_state);
    free(h);
}

int phones_host_set_stream(phones_host_t *h, int on)
{
    h->stream_on = on ? 1 : 0;
    return h->runner.streams;
}

void phones_host_model_runs(const phones_host_t *h, uint32_t *streamed, uint32_t *full)
{
    *streamed = h->runner.streamed_runs;
    *full = h->runner.full_runs;
}

static void set_error(char *dst, size_t n, const char *a, const char *b)
{
    if (!dst || !n)
        return;
    dst[0] = 0;
    strncat(dst, a, n - 1);
    if (b)
        strncat(dst, b, n - 1 - strlen(dst));
}

/* The checks of main.c's init, in the same order. Returns NULL and writes one line to
 * error[error_len] when the model, its record, the front end or the graph are refused.
 * model_phoneset/model_hash: the phone set the model's outputs are in (the model record's,
 * else phones.def's). */
phones_host_t *phones_host_open(const uint8_t *model, size_t model_bytes, const h7fe_config_t *frontend,
                                uint32_t window_frames, uint32_t lookahead_frames, int ctc, uint32_t output_kind,
                                const uint8_t *graph, size_t graph_bytes, const char *model_phoneset,
                                uint32_t model_hash, char *error, size_t error_len)
{
    phones_host_t *h = calloc(1, sizeof(*h));
    char problem[320] = "";
    if (!h)
        return NULL;
    h->model = aligned_alloc(16, (model_bytes + 15u) & ~(size_t)15u);
    h->arena = aligned_alloc(16, HOST_ARENA_BYTES);
    h->graph = aligned_alloc(8, (graph_bytes + 7u) & ~(size_t)7u);
    h->stream_state = aligned_alloc(8, PHONES_STREAM_STATE_BYTES);
    h->stream_on = 1;
    if (!h->model || !h->arena || !h->graph || !h->stream_state) {
        set_error(problem, sizeof problem, "out of memory", NULL);
        goto fail;
    }
    memcpy(h->model, model, model_bytes);
    memcpy(h->graph, graph, graph_bytes);
    h->model_bytes = model_bytes;
    h->graph_bytes = graph_bytes;
    if (h7nn_init(&h->nn, h->model, model_bytes, h7nn_all_ops_resolver(1), h->arena, HOST_ARENA_BYTES) != H7NN_OK ||
        h7nn_allocate(&h->nn) != H7NN_OK) {
        set_error(problem, sizeof problem, "model refused by the engine: ", h7nn_error(&h->nn));
        goto fail;
    }
    h7nn_tensor in, out;
    h7nn_input(&h->nn, 0, &in);
    h7nn_output(&h->nn, 0, &out);
    if (in.type != H7NN_INT8 || out.type != H7NN_INT8) {
        set_error(problem, sizeof problem, "model input and output must be int8", NULL);
        goto fail;
    }
    const char *why = phones_runner_init(&h->runner, &h->nn, h->stream_state, PHONES_STREAM_STATE_BYTES);
    if (why) {
        set_error(problem, sizeof problem, "model: ", why);
        goto fail;
    }
    h->frontend = *frontend;
    uint32_t features = frontend->output == H7FE_OUTPUT_MFCC ? frontend->mfcc_count : frontend->mel_bands;
    if (features == 0 || in.bytes != (size_t)window_frames * features) {
        set_error(problem, sizeof problem,
                  "model input is not the record's window_frames x the front end's features", NULL);
        goto fail;
    }
    /* the graph against the model first: the refusal names both phone sets */
    h->ctc = ctc ? 1 : 0;
    strncpy(h->phoneset, model_phoneset ? model_phoneset : "", sizeof h->phoneset - 1);
    h->phoneset_hash = model_hash;
    h->workspace_bytes = phones_recognizer_workspace_size(h->graph, graph_bytes, h->ctc);
    if (h->workspace_bytes) {
        h->workspace = aligned_alloc(8, (h->workspace_bytes + 7u) & ~(size_t)7u);
        if (!h->workspace) {
            set_error(problem, sizeof problem, "out of memory", NULL);
            goto fail;
        }
    }
    char msg[240];
    if (phones_recognizer_init(&h->rec, h->ctc, h->graph, graph_bytes, h->phoneset, h->phoneset_hash,
                               (int)out.bytes, h->workspace, h->workspace_bytes, collect, h, msg,
                               sizeof msg) != H7DEC_OK) {
        set_error(problem, sizeof problem, "graph refused for this model: ", msg);
        goto fail;
    }
    const char *bad = phones_pipeline_open(&h->pipeline, &h->frontend, window_frames, lookahead_frames, output_kind,
                                           &in, &out, run_model, h);
    h->config = h->pipeline.config; /* phones_host_reset re-initialises from it */
    if (bad) {
        set_error(problem, sizeof problem, bad, NULL);
        goto fail;
    }
    return h;
fail:
    set_error(error, error_len, problem, NULL);
    phones_host_close(h);
    return NULL;
}

void phones_host_info(const phones_host_t *h, phones_host_info_t *info)
{
    memset(info, 0, sizeof(*info));
    info->window_frames = h->config.window_frames;
    info->features = h->pipeline.features;
    info->lookahead_frames = h->config.lookahead_frames;
    info->outputs = h->config.outputs;
    info->ctc = (uint32_t)h->ctc;
    info->output_kind = h->config.output_kind;
    info->hop_samples = h->pipeline.hop_samples;
    info->frame_ms = h->pipeline.frame_ms;
    info->arena_used = (uint32_t)h7nn_arena_used(&h->nn);
    info->model_bytes = (uint32_t)h->model_bytes;
    info->decoder_workspace_bytes = (uint32_t)h->workspace_bytes;
    info->graph_nodes = h->rec.graph.node_count;
    info->input_scale = h->config.input_scale;
    info->input_zero_point = h->config.input_zero_point;
    info->output_scale = h->config.output_scale;
    info->output_zero_point = h->config.output_zero_point;
}

/* Feeds `hops` whole hops of samples to the pipeline (and, with decode, the recognizer),
 * then repeats the last frame flush_frames times; per scored frame it writes the model's
 * int8 outputs, the log-probabilities and the decoder scores (each may be NULL) at frame
 * index `scored` on, up to max_frames frames. Returns the new count of scored frames, or -1
 * (phones_host_error). */
static long feed(phones_host_t *h, const int16_t *samples, size_t hops, uint32_t flush_frames, int decode,
                 int8_t *raw, float *logp, int32_t *scores, size_t max_frames, long scored)
{
    const uint32_t hop = h->pipeline.hop_samples;
    for (size_t i = 0; i < hops + flush_frames; i++) {
        int r = i < hops ? phones_pipeline_hop(&h->pipeline, &samples[i * hop])
                         : phones_pipeline_repeat_last(&h->pipeline);
        if (r < 0) {
            set_error(h->error, sizeof h->error, "model failed: ", h7nn_error(&h->nn));
            return -1;
        }
        if (r == 0)
            continue;
        size_t t = (size_t)scored;
        if (t < max_frames) {
            if (raw)
                memcpy(&raw[t * H7DEC_PHONE_COUNT], h->pipeline.raw, H7DEC_PHONE_COUNT);
            if (logp)
                memcpy(&logp[t * H7DEC_PHONE_COUNT], h->pipeline.logp, sizeof h->pipeline.logp);
            if (scores)
                memcpy(&scores[t * H7DEC_PHONE_COUNT], h->pipeline.scores, sizeof h->pipeline.scores);
        }
        scored++;
        if (decode && phones_recognizer_step(&h->rec, h->pipeline.scores) != H7DEC_OK) {
            set_error(h->error, sizeof h->error, "decoder step failed", NULL);
            return -1;
        }
    }
    return scored;
}

/* Runs the pipeline (and, with decode, the recognizer) from a fresh start over the whole
 * hops of `count` samples, then repeats the last frame `flush_frames` times (feed). Returns
 * the number of frames scored, or -1 (phones_host_error). */
static long run(phones_host_t *h, const int16_t *samples, size_t count, uint32_t flush_frames, int decode,
                int8_t *raw, float *logp, int32_t *scores, size_t max_frames)
{
    const char *bad = phones_pipeline_init(&h->pipeline, &h->config);
    if (bad) {
        set_error(h->error, sizeof h->error, bad, NULL);
        return -1;
    }
    phones_recognizer_reset(&h->rec);
    return feed(h, samples, count / h->pipeline.hop_samples, flush_frames, decode, raw, logp, scores, max_frames, 0);
}

long phones_host_scores(phones_host_t *h, const int16_t *samples, size_t count, uint32_t flush_frames,
                        int8_t *raw, float *logp, int32_t *scores, size_t max_frames)
{
    return run(h, samples, count, flush_frames, 0, raw, logp, scores, max_frames);
}

/* The align image's record mode with Stop: stretches of one recording, each heard after a
 * gap. bounds: nstretches (start, end) sample pairs; each stretch's whole hops, then
 * flush_frames repeats of its last frame, and before each stretch but the first the
 * pipeline resumes as the image's does after a wake (phones_pipeline_resume).
 * Log-probabilities (may be NULL) and decoder scores of all stretches one after the other
 * (up to max_frames); frames[k]: how many stretch k scored. Returns the total, or -1
 * (phones_host_error). */
long phones_host_scores_stretches(phones_host_t *h, const int16_t *samples, const uint32_t *bounds, int nstretches,
                                  uint32_t flush_frames, float *logp, int32_t *scores, size_t max_frames,
                                  uint32_t *frames)
{
    const char *bad = phones_pipeline_init(&h->pipeline, &h->config);
    if (bad) {
        set_error(h->error, sizeof h->error, bad, NULL);
        return -1;
    }
    const uint32_t hop = h->pipeline.hop_samples;
    long scored = 0;
    for (int k = 0; k < nstretches; k++) {
        if (k) phones_pipeline_resume(&h->pipeline);
        uint32_t a = bounds[2 * k], b = bounds[2 * k + 1];
        long before = scored;
        scored = feed(h, samples + a, b > a ? (b - a) / hop : 0, flush_frames, 0, NULL, logp, scores, max_frames,
                      scored);
        if (scored < 0) return -1;
        frames[k] = (uint32_t)(scored - before);
    }
    return scored;
}

/* The recognizer as the board runs it: segments of the whole run (the board's "phone"
 * events, then the rest at the end of the utterance: its 'f' command). Returns the number
 * of segments (written up to max_out), or -1. frames/digest: the utterance's frame count
 * and the FNV-1a of its scores (the board's phones_utterance event). */
int phones_host_recognize(phones_host_t *h, const int16_t *samples, size_t count, uint32_t flush_frames,
                          phones_segment_t *out, int max_out, int32_t *frames, uint32_t *digest)
{
    h->out = out;
    h->out_max = max_out;
    h->out_count = 0;
    long n = run(h, samples, count, flush_frames, 1, NULL, NULL, NULL, 0);
    if (n < 0)
        return -1;
    if (phones_recognizer_finish(&h->rec) != H7DEC_OK) {
        set_error(h->error, sizeof h->error, "decoder could not finish the utterance", NULL);
        return -1;
    }
    if (frames)
        *frames = h->rec.frames;
    if (digest)
        *digest = h->rec.digest;
    return h->out_count;
}
