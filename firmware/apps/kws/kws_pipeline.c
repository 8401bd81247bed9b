/* One hop of the keyword pipeline; see kws_pipeline.h. */
#include "apps/kws/kws_pipeline.h"

#include "apps/kws/kws_config.h"

#include <string.h>

const char *kws_pipeline_init(kws_pipeline_t *p, const kws_pipeline_config_t *cfg)
{
    memset(p, 0, sizeof(*p));
    p->config = *cfg;
    if (cfg->frontend == NULL || cfg->run_model == NULL || cfg->model_input == NULL)
        return "front end, model and model input are required";
    if (h7fe_init(&p->frontend, cfg->frontend) != H7FE_OK)
        return "front-end configuration refused";
    p->features = h7fe_feature_count(&p->frontend);
    p->frames = cfg->frontend->clip_frames;
    p->hop_samples = cfg->frontend->hop_length;
    p->frame_ms = p->hop_samples * 1000u / cfg->frontend->sample_rate_hz;
    if (p->frames > KWS_PIPELINE_MAX_FRAMES || p->features > KWS_PIPELINE_MAX_FEATURES)
        return "model input larger than the feature window";
    p->ring_frames = (uint32_t)(sizeof p->window / p->features);
    if (p->ring_frames > p->frames + KWS_PIPELINE_CATCHUP_FRAMES)
        p->ring_frames = p->frames + KWS_PIPELINE_CATCHUP_FRAMES;
    if (p->frame_ms == 0 || cfg->model_hop_ms < p->frame_ms)
        return "model hop shorter than a feature frame";
    if (!(cfg->input_scale > 0.0f))
        return "model input scale must be positive";
    if (cfg->stream_frames && (cfg->reset_stream == NULL || cfg->stream_frames > KWS_PIPELINE_STREAM_PHASES ||
                               cfg->stream_frames > p->ring_frames - p->frames))
        return "streaming needs reset_stream and a hop of at most KWS_PIPELINE_STREAM_PHASES frames";
    if (cfg->run_gate && (cfg->gate_input == NULL || !(cfg->gate_threshold > 0.0f) || cfg->gate_threshold > 1.0f))
        return "the gate model needs its input tensor and a threshold in (0, 1]";

    h7vad_config_t vc;
    h7vad_default_config(&vc, cfg->frontend->sample_rate_hz);
    if (cfg->vad_hangover_frames)
        vc.hangover_frames = cfg->vad_hangover_frames;
    if (h7vad_init(&p->vad, &vc) != 0)
        return "VAD configuration refused";

    kws_detector_config_t dc;
    kws_detector_default_config(&dc);
    dc.num_classes = cfg->class_count;
    dc.keyword_mask = cfg->keyword_mask;
    dc.window_ms = p->frames * p->frame_ms;
    dc.settle_ms = KWS_SETTLE_MS;
    if (!kws_detector_init(&p->detector, &dc))
        return "detector configuration refused (classes or command words)";
    kws_power_config_t pc;
    kws_power_default_config(&pc);
    pc.stop_after_silence_ms = KWS_STOP_AFTER_SILENCE_MS;
    kws_power_init(&p->power, &pc, 0);
    kws_pacer_init(&p->pacer, cfg->model_hop_ms, cfg->max_backlog_ms);
    return NULL;
}

void kws_pipeline_restart_stream(kws_pipeline_t *p)
{
    memset(p->stream_primed, 0, sizeof p->stream_primed);
}

uint32_t kws_pipeline_now_ms(const kws_pipeline_t *p)
{
    uint32_t rate = p->config.frontend->sample_rate_hz;
    return (uint32_t)(p->samples * 1000u / rate) + p->gap_ms;
}

void kws_pipeline_resume(kws_pipeline_t *p, uint32_t resume_ms)
{
    uint32_t now = kws_pipeline_now_ms(p);
    if ((int32_t)(resume_ms - now) > 0) {
        p->gap_ms += resume_ms - now;
        /* The feature window must hold the gap as what it was, quiet: without this the word
         * that woke the board sat right after the frames from before the Stop (the previous
         * word, less than a second back once the gap is cut out), and with Stop between
         * words 6 of 30 demo commands were missed or taken for another word. The gap gets
         * the last frame before the Stop (the room's tone: the policy stops only after
         * quiet), up to a whole ring. */
        uint32_t gap_frames = (resume_ms - now) / p->frame_ms;
        if (gap_frames > p->ring_frames)
            gap_frames = p->ring_frames;
        if (p->frames_pushed > 0) {
            const uint32_t row = p->features;
            const uint32_t last = (p->window_next + p->ring_frames - 1u) % p->ring_frames;
            int8_t tone[KWS_PIPELINE_MAX_FEATURES];
            memcpy(tone, &p->window[last * row], row);
            for (uint32_t i = 0; i < gap_frames; i++) {
                memcpy(&p->window[p->window_next * row], tone, row);
                p->window_next = (p->window_next + 1u) % p->ring_frames;
                p->frames_pushed++;
                if (p->window_filled < p->frames)
                    p->window_filled++;
            }
            p->gap_frames += gap_frames;
        }
        kws_pipeline_restart_stream(p); /* a gap: the next runs are full windows */
    }
    kws_power_woke(&p->power, kws_pipeline_now_ms(p));
}

static void set_point(kws_pipeline_t *p, kws_power_mode_t mode)
{
    if (p->config.set_point)
        p->config.set_point(p->config.user, mode);
}

/* The model always runs at the recognition point (the burst may have begun in this very
 * hop); the engine may reuse its input buffer, so the window is copied in before each
 * run: the one copy, ring row order to oldest-first. */
/* The window that ended `back` frames ago (0: the newest), oldest row first. */
static void copy_window(kws_pipeline_t *p, int8_t *input, uint32_t back)
{
    const uint32_t row = p->features;
    const uint32_t n = p->ring_frames;
    uint32_t first = (p->window_next + 2u * n - back - p->frames) % n;
    for (uint32_t i = 0; i < p->frames; i++) {
        uint32_t r = (first + i) % n;
        memcpy(&input[i * row], &p->window[r * row], row);
    }
    p->window_back = back;
}

static bool invoke(kws_pipeline_t *p, float *probs, uint32_t back)
{
    copy_window(p, p->config.model_input, back);
    /* streaming: only a window that follows its phase's last one by exactly the hop may be
     * computed from that phase's state (the engine's contract); any other run starts it afresh */
    const uint32_t end = p->frames_pushed - back;
    const uint32_t slot = p->config.stream_frames ? end % p->config.stream_frames : 0u;
    const bool follows = p->config.stream_frames && p->stream_primed[slot] &&
                         end - p->stream_end[slot] == p->config.stream_frames;
    p->stream_slot = slot;
    if (p->config.stream_frames && !follows)
        p->config.reset_stream(p->config.user);
    p->stream_primed[slot] = false; /* until this run is done */
    set_point(p, KWS_POWER_RECOGNIZE);
    if (!p->config.run_model(p->config.user, probs))
        return false;
    if (p->config.stream_frames) {
        p->stream_primed[slot] = true;
        p->stream_end[slot] = end;
        p->streamed_runs += follows;
    }
    return true;
}

/* The cascade's gate: the small model at its own (low) point; true when its best command
 * word reaches the gate threshold. */
static bool gate_fires(kws_pipeline_t *p, bool *failed)
{
    float probs[KWS_DETECTOR_MAX_CLASSES];
    copy_window(p, p->config.gate_input, 0);
    set_point(p, KWS_POWER_GATE);
    p->gate_runs++;
    if (!p->config.run_gate(p->config.user, probs)) {
        *failed = true;
        return false;
    }
    const kws_detector_config_t *dc = &p->detector.config;
    for (int c = 0; c < dc->num_classes; c++)
        if (((dc->keyword_mask >> c) & 1u) && probs[c] >= p->config.gate_threshold)
            return true;
    return false;
}

/* A window the closed gate saw (its newest frame, its time), kept for the catch-up; the
 * oldest is dropped when KWS_PIPELINE_CATCHUP_RUNS are kept. */
static void remember_closed(kws_pipeline_t *p, uint32_t frame, uint32_t ms)
{
    if (p->closed_count == KWS_PIPELINE_CATCHUP_RUNS) {
        memmove(&p->closed_runs[0], &p->closed_runs[1], sizeof p->closed_runs[0] * (KWS_PIPELINE_CATCHUP_RUNS - 1));
        p->closed_count--;
    }
    p->closed_runs[p->closed_count].frame = frame;
    p->closed_runs[p->closed_count].ms = ms;
    p->closed_count++;
}

/* The lead window (one frame back) run and scored at at_ms, unless the backlog would pass
 * its limit (a skip, counted). Returns false when the model failed (counted). */
static bool run_lead(kws_pipeline_t *p, uint32_t *backlog_ms, uint32_t at_ms, float *probs)
{
    *backlog_ms += p->run_ms;
    if (*backlog_ms > p->config.max_backlog_ms) {
        p->pacer.skipped++;
        return true;
    }
    if (!invoke(p, probs, 1)) {
        p->model_failures++;
        return false;
    }
    p->model_runs++;
    kws_detector_scores(&p->detector, at_ms, probs);
    return true;
}

static void run_model(kws_pipeline_t *p, uint32_t now_ms, uint32_t backlog_ms, bool lead)
{
    float probs[KWS_DETECTOR_MAX_CLASSES];
    /* lead: this is the segment's first quiet frame, and the window that ended with the
     * last speech frame (one frame back, still in the ring) is scored too, first. */
    if (p->config.run_gate && p->detector.segments != p->gate_segment) {
        /* a new segment closes the gate again */
        p->gate_segment = p->detector.segments;
        p->gate_open = false;
        p->closed_count = 0;
    }
    if (lead && p->frames_pushed > p->frames && p->ring_frames > p->frames) {
        if (!p->config.run_gate || p->gate_open) {
            if (!run_lead(p, &backlog_ms, now_ms - p->frame_ms, probs))
                return;
        } else {
            /* the gate decides from the newest window; the lead window waits as a catch-up
             * run, scored first if the gate opens */
            remember_closed(p, p->frames_pushed - 1u, now_ms - p->frame_ms);
        }
    }
    if (p->config.run_gate) {
        if (!p->gate_open) {
            bool failed = false;
            p->gate_open = gate_fires(p, &failed);
            if (failed) {
                p->model_failures++;
                return;
            }
            if (!p->gate_open) {
                /* remembered for the catch-up; a segment the gate never opens gives nothing
                 * (the detector gets no scores) */
                remember_closed(p, p->frames_pushed, now_ms);
                return;
            }
            p->gate_opened++;
            /* catch-up: the model scores the windows the gate saw first, oldest first, so the
             * detector's smoothing and peak see what the model alone would have given */
            for (uint32_t i = 0; i < p->closed_count; i++) {
                uint32_t back = p->frames_pushed - p->closed_runs[i].frame;
                if (back > p->ring_frames - p->frames || p->frames_pushed < p->frames + back)
                    continue; /* no longer in the ring */
                /* as the pacer does for every run: never fall so far behind that samples are
                 * lost (backlog_ms already holds this hop's own run) */
                backlog_ms += p->run_ms;
                if (backlog_ms > p->config.max_backlog_ms) {
                    p->pacer.skipped++;
                    continue;
                }
                if (!invoke(p, probs, back)) {
                    p->model_failures++;
                    return;
                }
                p->model_runs++;
                p->catchup_runs++;
                kws_detector_scores(&p->detector, p->closed_runs[i].ms, probs);
            }
            p->closed_count = 0;
        }
    }
    if (!invoke(p, probs, 0)) {
        p->model_failures++;
        return;
    }
    p->model_runs++;
    kws_detector_scores(&p->detector, now_ms, probs);
    p->ran_model = true;
}

/* The best command word of a full smoothing history when it reaches the threshold, else -1. */
static int confident(const kws_pipeline_t *p)
{
    const kws_detector_t *d = &p->detector;
    if (d->history_count < d->config.smooth_count)
        return -1;
    int best = -1;
    for (int c = 0; c < d->config.num_classes; c++)
        if (((d->config.keyword_mask >> c) & 1u) && d->peak[c] >= d->config.threshold &&
            (best < 0 || d->peak[c] > d->peak[best]))
            best = c;
    return best;
}

bool kws_pipeline_warm_up(kws_pipeline_t *p)
{
    memset(p->window, (int8_t)p->config.input_zero_point, sizeof p->window);
    float probs[KWS_DETECTOR_MAX_CLASSES];
    bool ok = invoke(p, probs, 0);
    kws_pipeline_restart_stream(p); /* the warm-up's window is not the audio's */
    p->streamed_runs = 0;
    set_point(p, KWS_POWER_LISTEN);
    return ok;
}

bool kws_pipeline_early_decision(const kws_pipeline_t *p)
{
    return p->config.early_decision ? p->config.early_decision == 2u : KWS_EARLY_DECISION != 0u;
}

static bool lead_run_on(const kws_pipeline_t *p)
{
    return p->config.dense_lead ? p->config.dense_lead == 2u : KWS_DENSE_LEAD != 0u;
}

bool kws_pipeline_hop(kws_pipeline_t *p, const int16_t *samples, uint32_t backlog_ms,
                      kws_detection_t *detection)
{
    float features[KWS_PIPELINE_MAX_FEATURES];
    bool detected = false;
    p->ran_model = false;
    /* A dense run is due in this hop: its front end runs at the recognition point too (at
     * the 16 MHz listening point it takes ~4.5 ms, a backlog every event carried; the
     * switch costs tens of us). */
    if (p->fast_next)
        set_point(p, KWS_POWER_RECOGNIZE);
    if (h7fe_push(&p->frontend, samples, p->hop_samples, features, 1, NULL) == 1) {
        h7fe_quantize_int8(features, p->features, p->config.input_scale,
                           p->config.input_zero_point, &p->window[p->window_next * p->features]);
        p->window_next = (p->window_next + 1) % p->ring_frames;
        p->frames_pushed++;
        if (p->window_filled < p->frames)
            p->window_filled++;
    }
    p->samples += p->hop_samples;
    uint32_t now = kws_pipeline_now_ms(p);

    switch (h7vad_process(&p->vad, samples, p->hop_samples)) {
    case H7VAD_SPEECH_START:
        detected = kws_detector_speech_start(&p->detector, h7vad_event_time_ms(&p->vad) + p->gap_ms);
        break;
    case H7VAD_SPEECH_END:
        kws_detector_speech_end(&p->detector, h7vad_event_time_ms(&p->vad) + p->gap_ms);
        break;
    default:
        break;
    }
    if (!detected)
        detected = kws_detector_tick(&p->detector, now);
    /* (a detection decided at a speech start is taken before the tick could decide another:
     * the tick only decides CLOSING segments, and the start just opened a new one) */

    bool wants = kws_detector_wants_inference(&p->detector) && p->window_filled == p->frames;
    /* Fewer runs: while the word is still being spoken its windows hold only part of it;
     * the windows that decide are those after its end (the VAD's hangover), so the model
     * waits for the first quiet frame (a pause inside a word costs a run or two). */
    const bool active = p->detector.state == KWS_SEGMENT_ACTIVE;
    const uint32_t quiet = p->vad.quiet_run;
    /* the loudest frame of the current quiet run, above the noise floor */
    float above_floor = h7vad_last_energy_db(&p->vad) - h7vad_noise_floor_db(&p->vad);
    if (quiet <= 1u || above_floor > p->quiet_peak_db)
        p->quiet_peak_db = above_floor;
    if (wants && KWS_RUN_AFTER_QUIET_FRAMES > 0u && active && quiet < KWS_RUN_AFTER_QUIET_FRAMES)
        wants = false;
    const uint32_t first = KWS_RUN_AFTER_QUIET_FRAMES > 0u ? KWS_RUN_AFTER_QUIET_FRAMES : 1u;
    const uint32_t last = first + KWS_DENSE_RUNS - 1u; /* the dense runs: quiet frames first..last */
    /* (the run one frame after the last dense run stays: without it 84.3 % instead of 85.0 %) */
    /* (streaming: after the dense runs one run per stream hop, so that each window follows
     * the last of its phase; the dense runs are hops of interleaved phases) */
    p->pacer.hop_ms = active && quiet >= first && quiet <= last ? p->frame_ms
                      : p->config.stream_frames                     ? p->config.stream_frames * p->frame_ms
                                                                  : p->config.model_hop_ms;
    /* Stop needs quiet, not just "no speech": stationary loud noise is not speech to the VAD
     * but would wake a wake-on-sound microphone at once. */
    bool sound = h7vad_in_speech(&p->vad) || h7vad_last_energy_db(&p->vad) > p->vad.config.min_speech_dbfs;
    kws_power_update(&p->power, now, sound, wants);
    /* With the lead run the history is full at the second quiet frame; a word already
     * confidently one that ends in a stop consonant waits for its release anyway, and the
     * last dense run would only add a run (the next one comes a frame later). */
    if (wants && lead_run_on(p) && active && quiet == last && !p->released) {
        int c = confident(p);
        if (c >= 0 && ((p->config.stop_end_mask >> c) & 1u))
            wants = false;
    }
    const bool lead_run = lead_run_on(p) && KWS_RUN_AFTER_QUIET_FRAMES > 0u && active && quiet == first;
    if (kws_pacer_due(&p->pacer, now, backlog_ms, wants))
        run_model(p, now, backlog_ms, lead_run);
    /* A release: after a quiet gap inside the segment, at most KWS_RELEASE_MAX_FRAMES speech
     * frames, then quiet again. A vowel after a closure inside the word ("stop") is longer. */
    if (!active) {
        p->prev_quiet = p->loud_frames = p->gap_before_run = 0;
        p->released = false;
    } else if (quiet == 0) {
        if (p->prev_quiet > 0) {
            p->gap_before_run = p->prev_quiet;
            p->loud_frames = 0;
        }
        p->loud_frames++;
    } else if (quiet == 1) {
        p->released = p->gap_before_run > 0 && p->loud_frames <= KWS_RELEASE_MAX_FRAMES;
    }
    p->prev_quiet = active ? quiet : 0;
    /* Early decision: the word is confidently one command after the dense runs; a word that
     * ends in a stop consonant waits KWS_EARLY_STOP_QUIET_FRAMES quiet frames (its closure
     * is quiet, the release comes after it). */
    /* (with the lead run the smoothing history is full one quiet frame sooner) */
    const uint32_t decide_at = lead_run_on(p) && last > first ? last - 1u : last;
    int early_class = kws_pipeline_early_decision(p) && !detected && active && quiet >= decide_at &&
                              p->quiet_peak_db <= KWS_EARLY_QUIET_DB ? confident(p) : -1;
    if (early_class >= 0) {
        bool stop_end = (p->config.stop_end_mask >> early_class) & 1u;
        /* (once its release has been heard, its end is known: the dense runs decide) */
        uint32_t stop_quiet = p->config.early_stop_quiet_frames ? p->config.early_stop_quiet_frames
                                                                : KWS_EARLY_STOP_QUIET_FRAMES;
        if (stop_end && !p->released ? quiet < stop_quiet : !p->ran_model)
            early_class = -1;
    }
    if (early_class >= 0) {
        /* The word is over as far as the model can tell: decide now, with the last speech
         * frame as its end, instead of after the rest of the hangover. A masked previous
         * word still holds the decision back (the detector's own rule). */
        uint32_t rate = p->config.frontend->sample_rate_hz;
        uint32_t end_ms = (uint32_t)(p->vad.last_speech_end_sample * 1000u / rate) + p->gap_ms;
        uint32_t settle = p->detector.config.settle_ms;
        p->detector.config.settle_ms = 0;
        kws_detector_speech_end(&p->detector, end_ms);
        p->detector.config.settle_ms = settle;
        detected = kws_detector_tick(&p->detector, now);
        p->early_decisions += detected;
    }
    p->fast_next = lead_run_on(p) && !detected && active && quiet >= first && quiet < last;
    /* Between model runs the core waits at the listening point even inside a burst:
     * sleeping at 480 MHz (VOS0) would cost far more than the two switches per run. */
    set_point(p, KWS_POWER_LISTEN);
    return detected && kws_detector_take(&p->detector, detection);
}
