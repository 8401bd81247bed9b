/* Host tests of one-hop pipeline plumbing with the real front end and VAD: synthetic
 * "words" (harmonic tone bursts in room tone) and a model callback that answers from the
 * known burst schedule, like a perfect 1 s window classifier would. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "apps/kws/kws_config.h"
#include "apps/kws/kws_pipeline.h"
#include "testing/h7test.h"

#define RATE 16000
#define ON 8

static const h7fe_config_t FE = {
    .sample_rate_hz = RATE, .window_length = 480, .hop_length = 320, .fft_length = 512,
    .window = H7FE_WINDOW_HANN, .spectrum = H7FE_SPECTRUM_MAGNITUDE, .mel_bands = 40,
    .mel_low_hz = 20.0f, .mel_high_hz = 4000.0f, .log_offset = 1e-6f,
    .output = H7FE_OUTPUT_MFCC, .mfcc_count = 10, .sample_scale = 1.0f / 32768.0f,
    .clip_normalization = H7FE_CLIP_NORM_NONE, .clip_frames = 49,
};

typedef struct {
    uint32_t start_ms[8], end_ms[8];
    int count;
    int cls;
    kws_pipeline_t *pipeline;
    int calls;
    kws_power_mode_t point;   /* the operating point the pipeline last asked for */
    int runs_off_point;       /* model runs not at the recognition point */
    int order_errors;         /* model inputs that were not the window, oldest row first */
} schedule_t;

static int8_t model_input[KWS_PIPELINE_MAX_FRAMES * KWS_PIPELINE_MAX_FEATURES];

static void fake_point(void *user, kws_power_mode_t mode)
{
    ((schedule_t *)user)->point = mode;
}

static bool fake_model(void *user, float *probs)
{
    schedule_t *s = (schedule_t *)user;
    if (s->point != KWS_POWER_RECOGNIZE)
        s->runs_off_point++;
    const kws_pipeline_t *p = s->pipeline;
    /* the ring keeps ring_frames rows; the window of this run ends window_back rows before
     * the newest (window_next is the next row to write) */
    const uint32_t n = p->ring_frames;
    for (uint32_t i = 0; i < p->frames; i++) {
        uint32_t r = (p->window_next + 2u * n - p->window_back - p->frames + i) % n;
        if (memcmp(&model_input[i * p->features], &p->window[r * p->features], p->features) != 0)
            s->order_errors++;
    }
    uint32_t t = kws_pipeline_now_ms(s->pipeline);
    uint32_t window_start = t > 1000 ? t - 1000 : 0;
    s->calls++;
    for (int c = 0; c < 12; c++)
        probs[c] = 0.0f;
    probs[0] = 1.0f;
    for (int i = 0; i < s->count; i++) {
        uint32_t a = s->start_ms[i] > window_start ? s->start_ms[i] : window_start;
        uint32_t b = s->end_ms[i] < t ? s->end_ms[i] : t;
        if (b > a && (b - a) * 10 >= (s->end_ms[i] - s->start_ms[i]) * 8) {
            probs[0] = 0.05f;
            probs[s->cls] = 0.95f;
        }
    }
    return true;
}

static uint32_t rng_state = 12345;
static float noise(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return ((float)((rng_state >> 8) & 0xFFFF) / 32768.0f) - 1.0f;
}

/* Sample i of the test signal: room tone, plus a 200 Hz harmonic burst inside a word, or
 * loud noise when noisy. */
static int16_t sample_at(const schedule_t *s, uint64_t i, bool noisy)
{
    double t_ms = (double)i * 1000.0 / RATE;
    float x = 10.0f * noise();
    if (noisy && t_ms >= 2000.0) /* after 2 s of quiet: the VAD has learnt a low floor */
        x += 8000.0f * noise();
    for (int w = 0; w < s->count; w++) {
        if (t_ms >= s->start_ms[w] && t_ms < s->end_ms[w]) {
            double ph = 2.0 * 3.14159265358979 * 200.0 * (double)i / RATE;
            x += (float)(4000.0 * (sin(ph) + 0.5 * sin(2 * ph) + 0.3 * sin(3 * ph)));
        }
    }
    return (int16_t)x;
}

typedef struct {
    kws_detection_t found[16];
    int count;
    uint32_t recognize_hops;
    uint32_t stop_at_ms[16]; /* audio time of each Stop */
    int stops;
} outcome_t;

static kws_pipeline_t pipeline;

static void setup(schedule_t *s)
{
    kws_pipeline_config_t cfg = {
        .frontend = &FE, .input_scale = 0.1f, .input_zero_point = 0, .class_count = 12,
        .keyword_mask = 0xFFCu, .model_hop_ms = 60, .max_backlog_ms = 200,
        .vad_hangover_frames = 8, .model_input = model_input, .run_model = fake_model,
        .set_point = fake_point, .user = s,
    };
    s->pipeline = &pipeline;
    s->calls = 0;
    s->runs_off_point = 0;
    H7_EXPECT(kws_pipeline_init(&pipeline, &cfg) == NULL);
}

static void run(schedule_t *s, uint32_t total_ms, bool noisy, uint32_t backlog_ms, outcome_t *o)
{
    int16_t hop[320];
    memset(o, 0, sizeof(*o));
    uint64_t i = (uint64_t)kws_pipeline_now_ms(&pipeline) * RATE / 1000;
    while (kws_pipeline_now_ms(&pipeline) < total_ms) {
        for (int k = 0; k < 320; k++)
            hop[k] = sample_at(s, i++, noisy);
        kws_detection_t d;
        if (kws_pipeline_hop(&pipeline, hop, backlog_ms, &d) && o->count < 16)
            o->found[o->count++] = d;
        /* DVFS in one place: every hop ends at the listening point, every model run was
         * at the recognition point */
        H7_EXPECT_EQ_INT(s->point, KWS_POWER_LISTEN);
        H7_EXPECT_EQ_INT(s->runs_off_point, 0);
        if (pipeline.power.mode == KWS_POWER_RECOGNIZE)
            o->recognize_hops++;
        if (pipeline.power.mode == KWS_POWER_STOP) {
            /* as the board: stopped until the microphone's wake pin rises at the end of
             * the next word's first 10 ms window (or the end of the run) */
            uint32_t now = kws_pipeline_now_ms(&pipeline);
            if (o->stops < 16)
                o->stop_at_ms[o->stops] = now;
            o->stops++;
            uint32_t wake = total_ms;
            for (int w = 0; w < s->count; w++)
                if (s->start_ms[w] + 10u > now && s->start_ms[w] + 10u < wake)
                    wake = s->start_ms[w] + 10u;
            if (noisy && now < 2000u && wake > 2010u) /* the loud noise starts at 2 s */
                wake = 2010u;
            kws_pipeline_resume(&pipeline, wake);
            i = (uint64_t)wake * RATE / 1000;
        }
    }
}

H7_TEST(three_words_three_detections_on_time)
{
    schedule_t s = {.start_ms = {1500, 3000, 4500}, .end_ms = {1900, 3350, 4950}, .count = 3, .cls = ON};
    setup(&s);
    outcome_t o;
    run(&s, 6500, false, 0, &o);
    H7_EXPECT_EQ_INT(o.count, 3);
    for (int i = 0; i < o.count && i < 3; i++) {
        H7_EXPECT_EQ_INT(o.found[i].class_index, ON);
        H7_EXPECT_NEAR(o.found[i].start_ms, s.start_ms[i], 60);
        H7_EXPECT_NEAR(o.found[i].end_ms, s.end_ms[i], 60);
        if (KWS_EARLY_DECISION) /* the runs of the first quiet frames already agree */
            H7_EXPECT(o.found[i].decided_ms - o.found[i].end_ms <= 100);
        else /* decided at the VAD's end: hangover 160 ms (+ a frame) after the word */
            H7_EXPECT(o.found[i].decided_ms - o.found[i].end_ms <= 200);
    }
    /* the model ran only at the words' ends (kws_config.h: KWS_RUN_AFTER_QUIET_FRAMES,
     * KWS_DENSE_RUNS): the dense runs of the first quiet frames, then one per model hop
     * until the decision; not one every 60 ms through the word */
    H7_EXPECT(s.calls >= 3 * 3);
    H7_EXPECT(s.calls <= 3 * ((int)KWS_DENSE_RUNS + 3));
    H7_EXPECT_EQ_INT(pipeline.early_decisions, KWS_EARLY_DECISION ? 3 : 0);
    H7_EXPECT(o.recognize_hops > 0 && o.recognize_hops < 3 * 40);
}

H7_TEST(stop_in_the_pause_after_a_word_and_resume)
{
    schedule_t s = {.start_ms = {1500, 12000}, .end_ms = {1900, 12400}, .count = 2, .cls = ON};
    setup(&s);
    outcome_t o;
    run(&s, 14000, false, 0, &o);
    /* the silence timer counts from the last speech: the VAD's end (hangover 160 ms) */
    int after_word = -1;
    for (int k = 0; k < o.stops && k < 16; k++)
        if (o.stop_at_ms[k] > 1900 && after_word < 0)
            after_word = k;
    H7_EXPECT(after_word >= 0);
    if (after_word >= 0) {
        uint32_t at = o.stop_at_ms[after_word];
        H7_EXPECT(at >= 1900 + 160 + KWS_STOP_AFTER_SILENCE_MS && at <= 1900 + KWS_STOP_AFTER_SILENCE_MS + 400);
    }
    /* both words heard, the second after a Stop of ~10 s, on the recording's time axis */
    H7_EXPECT_EQ_INT(o.count, 2);
    H7_EXPECT_NEAR(o.found[0].start_ms, 1500, 60);
    H7_EXPECT_NEAR(o.found[1].start_ms, 12000, 60);
    H7_EXPECT_NEAR(o.found[1].end_ms, 12400, 60);
    H7_EXPECT(pipeline.gap_ms > 9000);
}

/* The gap a Stop leaves is quiet in the feature window (the last row before the Stop,
 * repeated), not the frames from before it: else the word that woke the board sat right
 * after the previous word in the model's 1 s window. */
H7_TEST(the_gap_of_a_stop_is_room_tone_in_the_window)
{
    schedule_t s = {.start_ms = {1500}, .end_ms = {1900}, .count = 1, .cls = ON};
    setup(&s);
    outcome_t o;
    run(&s, 1200, false, 0, &o); /* room tone only */
    const uint32_t row = pipeline.features, n = pipeline.ring_frames;
    int8_t last[KWS_PIPELINE_MAX_FEATURES];
    memcpy(last, &pipeline.window[((pipeline.window_next + n - 1u) % n) * row], row);
    uint32_t pushed = pipeline.frames_pushed, now = kws_pipeline_now_ms(&pipeline);
    kws_pipeline_resume(&pipeline, now + 300); /* 300 ms in Stop: 15 frames */
    H7_EXPECT_EQ_INT(pipeline.frames_pushed, pushed + 15);
    H7_EXPECT_EQ_INT(kws_pipeline_now_ms(&pipeline), now + 300);
    for (uint32_t k = 1; k <= 15; k++)
        H7_EXPECT(memcmp(&pipeline.window[((pipeline.window_next + n - k) % n) * row], last, row) == 0);
    /* a long Stop fills the whole ring, no more */
    pushed = pipeline.frames_pushed;
    kws_pipeline_resume(&pipeline, now + 300 + 60000);
    H7_EXPECT_EQ_INT(pipeline.frames_pushed, pushed + n);
}

H7_TEST(continuous_loud_noise_gives_nothing_and_ends_the_burst)
{
    schedule_t s = {.count = 0, .cls = ON};
    setup(&s);
    outcome_t o;
    run(&s, 20000, true, 0, &o);
    H7_EXPECT_EQ_INT(o.count, 0);
    /* loud noise is not quiet: no Stop once it is on (a wake-on-sound microphone would
     * wake at once); the quiet 2 s before it may have had one */
    H7_EXPECT_EQ_INT(pipeline.power.mode, KWS_POWER_LISTEN);
    for (int k = 0; k < o.stops && k < 16; k++)
        H7_EXPECT(o.stop_at_ms[k] < 2000u);
    /* the model ran at most for one over-long segment per VAD segment */
    H7_EXPECT(pipeline.detector.segments >= 1);
    H7_EXPECT(s.calls <= (int)(pipeline.detector.segments + 1) * (1400 / 60 + 2));
}

H7_TEST(behind_schedule_skips_model_runs_not_audio)
{
    schedule_t s = {.start_ms = {1500}, .end_ms = {1900}, .count = 1, .cls = ON};
    setup(&s);
    outcome_t o;
    run(&s, 3000, false, 500, &o);
    H7_EXPECT_EQ_INT(s.calls, 0);
    H7_EXPECT(pipeline.pacer.skipped > 0);
    H7_EXPECT_EQ_INT(o.count, 0);
    H7_EXPECT_EQ_INT(kws_pipeline_now_ms(&pipeline), 3000); /* every hop was processed */
}

H7_TEST(bad_configuration_is_refused_with_a_reason)
{
    kws_pipeline_config_t cfg = {.frontend = &FE, .input_scale = 0.1f, .class_count = 12,
                                 .keyword_mask = 0xFFCu, .model_hop_ms = 10,
                                 .model_input = model_input, .run_model = fake_model};
    const char *why = kws_pipeline_init(&pipeline, &cfg);
    H7_EXPECT(why != NULL && strstr(why, "hop") != NULL);
    cfg.model_hop_ms = 60;
    cfg.keyword_mask = 0;
    H7_EXPECT(kws_pipeline_init(&pipeline, &cfg) != NULL);
    cfg.keyword_mask = 0xFFCu;
    cfg.run_model = NULL;
    H7_EXPECT(kws_pipeline_init(&pipeline, &cfg) != NULL);
    cfg.run_model = fake_model;
    cfg.model_input = NULL;
    H7_EXPECT(kws_pipeline_init(&pipeline, &cfg) != NULL);
}

/* The window reaches the model's input once per run, oldest row first, whatever the
 * ring position; the warm-up run sees the input zero point everywhere. */
H7_TEST(model_input_is_the_window_oldest_row_first)
{
    schedule_t s = {.count = 0, .cls = 2};
    setup(&s);
    memset(model_input, 0x55, sizeof model_input);
    H7_EXPECT(kws_pipeline_warm_up(&pipeline));
    H7_EXPECT_EQ_INT(s.calls, 1);
    H7_EXPECT_EQ_INT(s.point, KWS_POWER_LISTEN);
    H7_EXPECT_EQ_INT(model_input[0], 0);
    H7_EXPECT_EQ_INT(model_input[pipeline.frames * pipeline.features - 1], 0);
    /* through real hops: fake_model compares every input with the window ring */
    outcome_t o;
    schedule_t w = {.start_ms = {1500}, .end_ms = {1900}, .count = 1, .cls = 2};
    setup(&w);
    run(&w, 3000, false, 0, &o);
    H7_EXPECT(w.calls > 0);
    H7_EXPECT_EQ_INT(w.order_errors, 0);
}

/* The cascade: the gate runs first (at the GATE point); the model runs from the run the
 * gate fires on, and first catches up on the windows the gate saw before it fired (the
 * same windows, oldest first); a segment the gate never opens runs the model not once. */
static int8_t gate_input[49 * 10];
static int8_t gate_seen[4][49 * 10];
static int gate_calls, gate_fire_from, gate_off_point;
static int8_t full_seen[8][49 * 10];
static int full_calls;

static bool fake_gate(void *user, float *probs)
{
    schedule_t *s = (schedule_t *)user;
    if (s->point != KWS_POWER_GATE)
        gate_off_point++;
    if (gate_calls < 4)
        memcpy(gate_seen[gate_calls], gate_input, sizeof gate_input);
    for (int c = 0; c < 12; c++)
        probs[c] = 0.0f;
    probs[0] = 1.0f;
    if (gate_fire_from >= 0 && gate_calls >= gate_fire_from) {
        probs[0] = 0.1f;
        probs[ON] = 0.9f;
    }
    gate_calls++;
    return true;
}

static bool recording_model(void *user, float *probs)
{
    if (full_calls < 8)
        memcpy(full_seen[full_calls], model_input, sizeof gate_input);
    full_calls++;
    return fake_model(user, probs);
}

static void setup_cascade(schedule_t *s, int fire_from)
{
    kws_pipeline_config_t cfg = {
        .frontend = &FE, .input_scale = 0.1f, .input_zero_point = 0, .class_count = 12,
        .keyword_mask = 0xFFCu, .model_hop_ms = 60, .max_backlog_ms = 200,
        .vad_hangover_frames = 8, .model_input = model_input, .run_model = recording_model,
        .set_point = fake_point, .user = s, .run_gate = fake_gate, .gate_input = gate_input,
        .gate_threshold = 0.5f,
    };
    s->pipeline = &pipeline;
    s->calls = 0;
    s->runs_off_point = 0;
    gate_calls = full_calls = gate_off_point = 0;
    gate_fire_from = fire_from;
    H7_EXPECT(kws_pipeline_init(&pipeline, &cfg) == NULL);
}

H7_TEST(cascade_catches_up_on_the_windows_the_gate_saw_first)
{
    schedule_t s = {.start_ms = {1500}, .end_ms = {1900}, .count = 1, .cls = ON};
    setup_cascade(&s, 2); /* the gate fires on its third run */
    outcome_t o;
    run(&s, 3000, false, 0, &o);
    H7_EXPECT_EQ_INT(o.count, 1);
    H7_EXPECT_EQ_INT(o.found[0].class_index, ON);
    H7_EXPECT_EQ_INT(gate_calls, 3);
    H7_EXPECT_EQ_INT(gate_off_point, 0);
    H7_EXPECT_EQ_INT(pipeline.gate_opened, 1);
    /* KWS_DENSE_LEAD: the window of the last speech frame waits with the gate's first two */
    const int lead = KWS_DENSE_LEAD != 0u;
    H7_EXPECT_EQ_INT(pipeline.catchup_runs, 2 + lead);
    H7_EXPECT(full_calls >= 3 + lead);
    H7_EXPECT_EQ_INT(pipeline.model_runs, (uint32_t)full_calls);
    /* the model's first inputs are the lead window, then the gate's three windows, in order */
    for (int i = 0; i < 3; i++)
        H7_EXPECT(memcmp(full_seen[i + lead], gate_seen[i], sizeof gate_input) == 0);
    /* and they are different windows (one feature frame apart) */
    H7_EXPECT(memcmp(gate_seen[0], gate_seen[1], sizeof gate_input) != 0);
    if (lead)
        H7_EXPECT(memcmp(full_seen[0], gate_seen[0], sizeof gate_input) != 0);
    H7_EXPECT_EQ_INT(s.order_errors, 0);
}

H7_TEST(cascade_segment_the_gate_never_opens_gives_nothing)
{
    schedule_t s = {.start_ms = {1500}, .end_ms = {1900}, .count = 1, .cls = ON};
    setup_cascade(&s, -1);
    outcome_t o;
    run(&s, 3000, false, 0, &o);
    H7_EXPECT_EQ_INT(o.count, 0);
    H7_EXPECT(gate_calls >= 3);
    H7_EXPECT_EQ_INT(full_calls, 0);
    H7_EXPECT_EQ_INT(pipeline.gate_runs, (uint32_t)gate_calls);
}

/* Early decision: a word confidently recognized after the dense runs is decided then, not
 * at the end of the VAD's hangover; a word ending in a stop consonant waits for its
 * release (KWS_EARLY_STOP_QUIET_FRAMES quiet frames). */
H7_TEST(stop_consonant_words_wait_for_their_release)
{
    schedule_t s = {.start_ms = {1500}, .end_ms = {1900}, .count = 1, .cls = ON};
    setup(&s);
    pipeline.config.stop_end_mask = 1u << ON; /* as if "on" ended in /p/ */
    outcome_t o;
    run(&s, 3000, false, 0, &o);
    H7_EXPECT_EQ_INT(o.count, 1);
    uint32_t waited = o.found[0].decided_ms - o.found[0].end_ms;
    if (KWS_EARLY_DECISION) {
        H7_EXPECT(waited >= KWS_EARLY_STOP_QUIET_FRAMES * 20u);
        H7_EXPECT(waited < KWS_VAD_HANGOVER_FRAMES * 20u);
    }
    /* a closure (80 ms) and a short release (40 ms): the word ends at the release, and once
     * the release is heard the dense runs after it decide */
    schedule_t r = {.start_ms = {1500, 1980}, .end_ms = {1900, 2020}, .count = 2, .cls = ON};
    setup(&r);
    pipeline.config.stop_end_mask = 1u << ON;
    run(&r, 3000, false, 0, &o);
    H7_EXPECT_EQ_INT(o.count, 1);
    H7_EXPECT_NEAR(o.found[0].end_ms, 2020, 30);
    if (KWS_EARLY_DECISION)
        H7_EXPECT(o.found[0].decided_ms - o.found[0].end_ms < KWS_EARLY_STOP_QUIET_FRAMES * 20u);
    /* the same word without the mark: decided right after the dense runs */
    setup(&s);
    run(&s, 3000, false, 0, &o);
    H7_EXPECT_EQ_INT(o.count, 1);
    if (KWS_EARLY_DECISION)
        H7_EXPECT(o.found[0].decided_ms - o.found[0].end_ms < KWS_EARLY_STOP_QUIET_FRAMES * 20u);
}

/* Streaming (kws_pipeline.h stream_frames): every run the model is not told to start afresh
 * (reset_stream) gets the window of the previous run of its phase (stream_slot) moved by
 * exactly the hop (the engine's contract, h7nn_stream.h, per state); runs at other distances
 * (a segment's first, after a skipped run, after a Stop, the cascade's catch-up of older
 * windows) come after a reset. */
static int8_t stream_prev[KWS_PIPELINE_STREAM_PHASES][KWS_PIPELINE_MAX_FRAMES * KWS_PIPELINE_MAX_FEATURES];
static bool stream_fresh[KWS_PIPELINE_STREAM_PHASES];
static int stream_resets, stream_runs, stream_hops_seen, stream_breaks;

static void fake_reset(void *user)
{
    stream_fresh[((schedule_t *)user)->pipeline->stream_slot] = true;
    stream_resets++;
}

static bool streaming_model(void *user, float *probs)
{
    schedule_t *s = (schedule_t *)user;
    const kws_pipeline_t *p = s->pipeline;
    const uint32_t row = p->features, hop = p->config.stream_frames, slot = p->stream_slot;
    if (!stream_fresh[slot]) {
        stream_hops_seen++;
        if (memcmp(model_input, &stream_prev[slot][hop * row], (p->frames - hop) * row) != 0)
            stream_breaks++;
    }
    stream_fresh[slot] = false;
    memcpy(stream_prev[slot], model_input, p->frames * row);
    stream_runs++;
    return fake_model(user, probs);
}

static void setup_stream(schedule_t *s, bool cascade)
{
    kws_pipeline_config_t cfg = {
        .frontend = &FE, .input_scale = 0.1f, .input_zero_point = 0, .class_count = 12,
        .keyword_mask = 0xFFCu, .model_hop_ms = 60, .max_backlog_ms = 200,
        .vad_hangover_frames = 8, .model_input = model_input, .run_model = streaming_model,
        .set_point = fake_point, .user = s, .stream_frames = 2, .reset_stream = fake_reset,
    };
    if (cascade) {
        cfg.run_gate = fake_gate;
        cfg.gate_input = gate_input;
        cfg.gate_threshold = 0.5f;
    }
    s->pipeline = &pipeline;
    s->calls = 0;
    s->runs_off_point = 0;
    gate_calls = full_calls = gate_off_point = 0;
    gate_fire_from = 2;
    memset(stream_fresh, 1, sizeof stream_fresh);
    stream_resets = stream_runs = stream_hops_seen = stream_breaks = 0;
    H7_EXPECT(kws_pipeline_init(&pipeline, &cfg) == NULL);
}

H7_TEST(streaming_runs_follow_by_the_hop_or_start_afresh)
{
    /* three words, Stop in the pauses (run() wakes at each word) */
    schedule_t s = {.start_ms = {1500, 3000, 4500}, .end_ms = {1900, 3350, 4950}, .count = 3, .cls = ON};
    setup_stream(&s, false);
    outcome_t o;
    run(&s, 6000, false, 0, &o);
    H7_EXPECT_EQ_INT(o.count, 3);
    H7_EXPECT(o.stops >= 2);
    H7_EXPECT_EQ_INT(stream_breaks, 0);
    H7_EXPECT_EQ_INT((uint32_t)stream_runs, pipeline.model_runs);
    H7_EXPECT_EQ_INT((uint32_t)stream_hops_seen, pipeline.streamed_runs);
    H7_EXPECT_EQ_INT(stream_resets + stream_hops_seen, stream_runs);
    /* each word: two full windows (the lead and the first quiet frame's: one per phase),
     * then hops (this perfect model's word is decided early, at the second quiet frame's) */
    H7_EXPECT_EQ_INT(stream_resets, 2 * 3);
    H7_EXPECT(pipeline.streamed_runs >= 3u);
    H7_EXPECT_EQ_INT(s.order_errors, 0);

    /* behind schedule: the runs skipped leave the next one afresh, never a broken hop */
    setup_stream(&s, false);
    pipeline.run_ms = 20; /* 190 ms behind: the lead run's 20 ms tip it over the limit */
    run(&s, 2500, false, 190, &o);
    H7_EXPECT(pipeline.pacer.skipped > 0);
    H7_EXPECT(pipeline.streamed_runs > 0);
    H7_EXPECT_EQ_INT(stream_breaks, 0);
    H7_EXPECT_EQ_INT(stream_resets + stream_hops_seen, stream_runs);

    /* the cascade: the catch-up's older windows start afresh, then hops again */
    schedule_t c = {.start_ms = {1500}, .end_ms = {1900}, .count = 1, .cls = ON};
    setup_stream(&c, true);
    run(&c, 3000, false, 0, &o);
    H7_EXPECT_EQ_INT(o.count, 1);
    H7_EXPECT_EQ_INT(pipeline.gate_opened, 1);
    H7_EXPECT(pipeline.catchup_runs >= 2);
    H7_EXPECT_EQ_INT(stream_breaks, 0);
    H7_EXPECT_EQ_INT(stream_resets + stream_hops_seen, stream_runs);
    H7_EXPECT(stream_hops_seen > 0);
}

int main(void)
{
    H7_RUN(three_words_three_detections_on_time);
    H7_RUN(stop_in_the_pause_after_a_word_and_resume);
    H7_RUN(the_gap_of_a_stop_is_room_tone_in_the_window);
    H7_RUN(continuous_loud_noise_gives_nothing_and_ends_the_burst);
    H7_RUN(behind_schedule_skips_model_runs_not_audio);
    H7_RUN(bad_configuration_is_refused_with_a_reason);
    H7_RUN(model_input_is_the_window_oldest_row_first);
    H7_RUN(cascade_catches_up_on_the_windows_the_gate_saw_first);
    H7_RUN(cascade_segment_the_gate_never_opens_gives_nothing);
    H7_RUN(stop_consonant_words_wait_for_their_release);
    H7_RUN(streaming_runs_follow_by_the_hop_or_start_afresh);
    return h7test_summary();
}
