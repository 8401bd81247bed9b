/* Keyword decision over speech segments; see kws_detector.h for the design. */
#include "speech/kws_detector.h"

#include <string.h>

void kws_detector_default_config(kws_detector_config_t *config)
{
    memset(config, 0, sizeof(*config));
    config->num_classes = 12;
    config->keyword_mask = 0xFFCu;    /* classes 2..11; 0 = silence, 1 = unknown */
    config->threshold = 0.80f;  /* the default model: true words scored >= 0.86, the worst
                                    false alarm in 60 s of noise and speech 0.77 */
    config->smooth_count = 3;
    config->settle_ms = 120;
    config->min_speech_ms = 100;
    config->max_segment_ms = 1400;
    config->window_ms = 1000;
}

bool kws_detector_init(kws_detector_t *detector, const kws_detector_config_t *config)
{
    memset(detector, 0, sizeof(*detector));
    if (config->num_classes < 1 || config->num_classes > KWS_DETECTOR_MAX_CLASSES)
        return false;
    if (config->smooth_count < 1 || config->smooth_count > KWS_DETECTOR_MAX_SMOOTH)
        return false;
    if ((config->keyword_mask >> config->num_classes) != 0 || config->keyword_mask == 0)
        return false;
    if (!(config->threshold > 0.0f && config->threshold <= 1.0f))
        return false;
    if (config->max_segment_ms <= config->min_speech_ms)
        return false;
    detector->config = *config;
    detector->previous_class = -1;
    return true;
}

static void open_segment(kws_detector_t *d, uint32_t start_ms, uint32_t end_ms)
{
    d->state = KWS_SEGMENT_ACTIVE;
    d->overlong = false;
    d->segment_start_ms = start_ms;
    d->last_speech_end_ms = end_ms;
    d->history_count = 0;
    d->history_next = 0;
    d->inferences_in_segment = 0;
    for (int c = 0; c < KWS_DETECTOR_MAX_CLASSES; c++)
        d->peak[c] = 0.0f;
}

/* Until when the previous detected word dominates the model's window: while at least half
 * of it is still inside the window ending at t. */
static uint32_t previous_word_clear_ms(const kws_detector_t *d)
{
    return d->previous_start_ms + d->config.window_ms +
           (d->previous_end_ms - d->previous_start_ms) / 2u;
}

static bool previous_word_in_window(const kws_detector_t *d, uint32_t t)
{
    return d->previous_class >= 0 && (int32_t)(t - previous_word_clear_ms(d)) < 0;
}

/* Ends the current segment at now_ms; returns true when it gave a detection. */
static bool decide(kws_detector_t *d, uint32_t now_ms)
{
    const kws_detector_config_t *cfg = &d->config;
    uint32_t duration = d->last_speech_end_ms - d->segment_start_ms;
    d->state = KWS_SEGMENT_NONE;
    d->segments++;
    if (d->overlong || duration > cfg->max_segment_ms) {
        d->rejected_long++;
        return false;
    }
    if (duration < cfg->min_speech_ms) {
        d->rejected_short++;
        return false;
    }
    int best = -1;
    for (int c = 0; c < cfg->num_classes; c++) {
        if ((cfg->keyword_mask >> c) & 1u) {
            if (best < 0 || d->peak[c] > d->peak[best])
                best = c;
        }
    }
    if (best < 0 || d->inferences_in_segment == 0 || d->peak[best] < cfg->threshold) {
        d->rejected_low_score++;
        if (best >= 0 && d->peak[best] >= 0.5f * cfg->threshold) {
            /* probably that word, said unclearly: the next segment must not inherit it from
             * the model window either */
            d->previous_class = best;
            d->previous_start_ms = d->segment_start_ms;
            d->previous_end_ms = d->last_speech_end_ms;
        }
        return false;
    }
    d->detection.class_index = best;
    d->detection.score = d->peak[best];
    d->detection.start_ms = d->segment_start_ms;
    d->detection.end_ms = d->last_speech_end_ms;
    d->detection.decided_ms = now_ms;
    d->previous_class = best;
    d->previous_start_ms = d->segment_start_ms;
    d->previous_end_ms = d->last_speech_end_ms;
    d->has_detection = true;
    d->detections++;
    return true;
}

bool kws_detector_speech_start(kws_detector_t *d, uint32_t start_ms)
{
    bool decided = false;
    if (d->state == KWS_SEGMENT_CLOSING)
        decided = decide(d, start_ms);
    open_segment(d, start_ms, start_ms);
    return decided;
}

void kws_detector_speech_end(kws_detector_t *d, uint32_t end_ms)
{
    const kws_detector_config_t *cfg = &d->config;
    if (d->state != KWS_SEGMENT_ACTIVE)
        return;
    d->last_speech_end_ms = end_ms;
    if (end_ms - d->segment_start_ms > cfg->max_segment_ms)
        d->overlong = true;
    if (d->overlong) {
        decide(d, end_ms); /* rejects it */
        return;
    }
    d->state = KWS_SEGMENT_CLOSING;
    d->decide_at_ms = end_ms + cfg->settle_ms;
    if (previous_word_in_window(d, end_ms)) {
        /* its class is masked until it leaves the window: wait for that, plus a full
         * smoothing history */
        uint32_t clear_ms = previous_word_clear_ms(d) + cfg->settle_ms;
        if ((int32_t)(clear_ms - d->decide_at_ms) > 0)
            d->decide_at_ms = clear_ms;
    }
}

bool kws_detector_tick(kws_detector_t *d, uint32_t now_ms)
{
    if (d->state == KWS_SEGMENT_ACTIVE) {
        if (now_ms - d->segment_start_ms > d->config.max_segment_ms)
            d->overlong = true;  /* not one command: stop scoring, decide nothing */
        return false;
    }
    if (d->state == KWS_SEGMENT_CLOSING && (int32_t)(now_ms - d->decide_at_ms) >= 0)
        return decide(d, now_ms);
    return false;
}

void kws_detector_scores(kws_detector_t *d, uint32_t end_ms, const float *probs)
{
    if (d->state == KWS_SEGMENT_NONE || d->overlong)
        return;
    const int n = d->config.num_classes;
    float *row = d->history[d->history_next];
    memcpy(row, probs, (size_t)n * sizeof(float));
    if (previous_word_in_window(d, end_ms)) {
        /* The window holds two words; a model trained on one word per window votes mostly
         * for the one it heard longest. Score the others as if the previous word were ruled
         * out: drop its probability and renormalize the rest (gain at most 4, so the
         * leftovers of a near-certain vote are not blown up into a detection). */
        float rest = 1.0f - row[d->previous_class];
        float gain = 1.0f / (rest > 0.25f ? rest : 0.25f);
        row[d->previous_class] = 0.0f;
        for (int c = 0; c < n; c++)
            row[c] *= gain;
    }
    d->history_next = (d->history_next + 1) % d->config.smooth_count;
    if (d->history_count < d->config.smooth_count)
        d->history_count++;
    d->inferences_in_segment++;
    if (d->history_count < d->config.smooth_count)
        return; /* one odd posterior alone is not evidence */
    for (int c = 0; c < n; c++) {
        float sum = 0.0f;
        for (int h = 0; h < d->history_count; h++)
            sum += d->history[h][c];
        float mean = sum / (float)d->history_count;
        if (mean > d->peak[c])
            d->peak[c] = mean;
    }
}

bool kws_detector_wants_inference(const kws_detector_t *d)
{
    return (d->state == KWS_SEGMENT_ACTIVE || d->state == KWS_SEGMENT_CLOSING) && !d->overlong;
}

bool kws_detector_take(kws_detector_t *d, kws_detection_t *out)
{
    if (!d->has_detection)
        return false;
    *out = d->detection;
    d->has_detection = false;
    return true;
}
