/* One hop of the phone recognizer; see phones_pipeline.h. */
#include "apps/phones/phones_pipeline.h"

#include <string.h>

const char *phones_pipeline_open(phones_pipeline_t *p, const h7fe_config_t *frontend, uint32_t window_frames,
                                 uint32_t lookahead_frames, uint32_t output_kind, const h7nn_tensor *in,
                                 const h7nn_tensor *out, phones_model_fn run_model, void *user)
{
    phones_pipeline_config_t c = {
        .frontend = frontend,
        .window_frames = window_frames,
        .lookahead_frames = lookahead_frames,
        .input_scale = in->scale,
        .input_zero_point = in->zero_point,
        .model_input = (int8_t *)in->data,
        .input_bytes = (uint32_t)in->bytes,
        .outputs = (uint32_t)out->bytes,
        .output_scale = out->scale,
        .output_zero_point = out->zero_point,
        .output_kind = output_kind,
        .run_model = run_model,
        .user = user,
    };
    return phones_pipeline_init(p, &c);
}

const char *phones_pipeline_init(phones_pipeline_t *p, const phones_pipeline_config_t *cfg)
{
    memset(p, 0, sizeof(*p));
    p->config = *cfg;
    p->frame = -1;
    if (cfg->frontend == NULL || cfg->run_model == NULL || cfg->model_input == NULL)
        return "front end, model and model input are required";
    if (cfg->frontend->sample_rate_hz != PHONES_SAMPLE_RATE_HZ)
        return "the front end must run at 16 kHz";
    if (h7fe_init(&p->frontend, cfg->frontend) != H7FE_OK)
        return "front-end configuration refused";
    p->features = h7fe_feature_count(&p->frontend);
    p->hop_samples = cfg->frontend->hop_length;
    p->frame_ms = p->hop_samples * 1000u / cfg->frontend->sample_rate_hz;
    if (cfg->window_frames == 0 || cfg->window_frames > PHONES_MAX_WINDOW_FRAMES ||
        p->features > PHONES_MAX_FEATURES)
        return "model window larger than the pipeline's (PHONES_MAX_WINDOW_FRAMES x PHONES_MAX_FEATURES)";
    if (cfg->input_bytes != cfg->window_frames * p->features)
        return "model input is not window_frames x the front end's features";
    if (cfg->outputs != H7DEC_PHONE_COUNT)
        return "model output count is not the decoder's phone count (phones.def)";
    if (cfg->lookahead_frames >= cfg->window_frames)
        return "lookahead_frames must be smaller than window_frames";
    if (!(cfg->input_scale > 0.0f) || !(cfg->output_scale > 0.0f))
        return "model input and output scales must be positive";
    if (cfg->output_kind > PHONES_OUTPUT_SOFTMAX)
        return "unknown model output kind";
    return NULL;
}

void phones_pipeline_resume(phones_pipeline_t *p)
{
    h7fe_restart(&p->frontend);
    if (p->frames > p->config.lookahead_frames) p->unreported = p->config.lookahead_frames;
}

uint32_t phones_pipeline_now_ms(const phones_pipeline_t *p)
{
    return (uint32_t)(p->samples * 1000u / p->config.frontend->sample_rate_hz);
}

void phones_outputs_to_logp(const phones_pipeline_config_t *c, const int8_t *q, float *logp)
{
    for (int k = 0; k < H7DEC_PHONE_COUNT; k++) {
        float v = c->output_scale * (float)((int32_t)q[k] - c->output_zero_point);
        if (c->output_kind == PHONES_OUTPUT_SOFTMAX) {
            /* a probability quantized to 0 is below half a step: scored as half a step */
            float half = 0.5f * c->output_scale;
            logp[k] = h7fe_logf(v > half ? v : half);
        } else {
            logp[k] = v;
        }
    }
}

/* Appends one quantized row to the window ring. The first row of a stream fills every row
 * (edge padding, as in training). */
static void push_row(phones_pipeline_t *p, const int8_t *row)
{
    const phones_pipeline_config_t *c = &p->config;
    size_t n = p->features;
    if (p->frames == 0) {
        for (uint32_t r = 0; r < c->window_frames; r++)
            memcpy(&p->window[r * n], row, n);
        p->window_next = 0; /* every row is the same: the ring may start anywhere */
    } else {
        memcpy(&p->window[p->window_next * n], row, n);
        p->window_next = (p->window_next + 1u) % c->window_frames;
    }
    p->frames++;
}

static int run_window(phones_pipeline_t *p)
{
    const phones_pipeline_config_t *c = &p->config;
    /* oldest row first: the ring from window_next on, then its start */
    size_t row = p->features;
    size_t tail = (size_t)(c->window_frames - p->window_next) * row;
    memcpy(c->model_input, &p->window[p->window_next * row], tail);
    memcpy(c->model_input + tail, p->window, (size_t)p->window_next * row);
    /* the previous run's window moved by one frame, or anything else (a restart) */
    const int restart = p->run_frames == 0 || p->frames != p->run_frames + 1u;
    p->run_frames = p->frames;
    const int8_t *q = c->run_model(c->user, restart);
    if (q == NULL) {
        p->model_failures++;
        return -1;
    }
    if (p->unreported) {   /* after a gap: this output scores a repeat of the flush */
        p->unreported--;
        return 0;
    }
    memcpy(p->raw, q, H7DEC_PHONE_COUNT);
    phones_outputs_to_logp(c, p->raw, p->logp);
    h7dec_scores_f32(p->logp, H7DEC_PHONE_COUNT, p->scores);
    p->frame = p->scored_frames++;
    return 1;
}

int phones_pipeline_hop(phones_pipeline_t *p, const int16_t *samples)
{
    const phones_pipeline_config_t *c = &p->config;
    float feat[PHONES_MAX_FEATURES];
    int8_t row[PHONES_MAX_FEATURES];
    size_t n = h7fe_push(&p->frontend, samples, p->hop_samples, feat, 1, NULL);
    p->samples += p->hop_samples;
    if (n == 0)
        return 0; /* the first window is not full yet */
    int32_t clamped = h7fe_quantize_int8(feat, p->features, c->input_scale, c->input_zero_point, row);
    if (clamped > 0)
        p->clamped += (uint32_t)clamped;
    push_row(p, row);
    if (p->frames <= c->lookahead_frames)
        return 0;
    return run_window(p);
}

int phones_pipeline_repeat_last(phones_pipeline_t *p)
{
    if (p->frames == 0)
        return 0;
    const phones_pipeline_config_t *c = &p->config;
    uint32_t newest = (p->window_next + c->window_frames - 1u) % c->window_frames;
    int8_t row[PHONES_MAX_FEATURES];
    memcpy(row, &p->window[newest * p->features], p->features);
    push_row(p, row);
    if (p->frames <= c->lookahead_frames)
        return 0;
    return run_window(p);
}
