/* Host tests of the keyword decision with synthetic voice activity and posteriors.
 *
 * A fake "model" gives class `word` a high posterior while at least `cover` of the word lies
 * inside the 1 s window ending at the inference time, like a real sliding-window model does
 * (it keeps recognising a word for up to a second after it ended). */
#include <string.h>

#include "speech/kws_detector.h"
#include "testing/h7test.h"

#define FRAME_MS 20
#define HANGOVER_FRAMES 8 /* like the front end's VAD configured by the app: 160 ms */
#define HOP_MS 60
#define WINDOW_MS 1000
#define CLASSES 12
#define SILENCE 0
#define UNKNOWN 1
#define YES 2
#define NO 3
#define ON 8

typedef struct {
    uint32_t start_ms, end_ms;
    int cls;
    float score;
} fake_word_t;

typedef struct {
    kws_detection_t found[32];
    int count;
} results_t;

static void fake_posteriors(const fake_word_t *words, int n, uint32_t t, float *probs)
{
    for (int c = 0; c < CLASSES; c++)
        probs[c] = 0.0f;
    probs[SILENCE] = 1.0f;
    uint32_t window_start = t > WINDOW_MS ? t - WINDOW_MS : 0;
    for (int i = 0; i < n; i++) {
        uint32_t a = words[i].start_ms > window_start ? words[i].start_ms : window_start;
        uint32_t b = words[i].end_ms < t ? words[i].end_ms : t;
        float inside = b > a ? (float)(b - a) / (float)(words[i].end_ms - words[i].start_ms) : 0.0f;
        if (inside >= 0.8f) {
            for (int c = 0; c < CLASSES; c++)
                probs[c] = (1.0f - words[i].score) / (CLASSES - 1);
            probs[words[i].cls] = words[i].score;
        }
    }
}

static bool in_any_word(const fake_word_t *words, int n, uint32_t frame_end)
{
    for (int i = 0; i < n; i++) {
        if (frame_end > words[i].start_ms && frame_end - FRAME_MS < words[i].end_ms)
            return true;
    }
    return false;
}

/* A VAD like frontend/vad.h: start at the first speech frame, end after HANGOVER_FRAMES
 * quiet frames, with the end time of the last speech frame. */
typedef struct {
    bool in_speech;
    int quiet;
    uint32_t last_speech_end;
} fake_vad_t;

static void take(kws_detector_t *det, results_t *res)
{
    H7_EXPECT(kws_detector_take(det, &res->found[res->count]));
    if (res->count < 31)
        res->count++;
}

static void vad_frame(fake_vad_t *vad, kws_detector_t *det, uint32_t t, bool speech,
                      results_t *res)
{
    if (speech) {
        vad->quiet = 0;
        vad->last_speech_end = t;
        if (!vad->in_speech) {
            vad->in_speech = true;
            if (kws_detector_speech_start(det, t - FRAME_MS))
                take(det, res);
        }
    } else if (vad->in_speech && ++vad->quiet >= HANGOVER_FRAMES) {
        vad->in_speech = false;
        kws_detector_speech_end(det, vad->last_speech_end);
    }
}

/* Runs the detector over total_ms of audio. */
static void run(const kws_detector_config_t *cfg, const fake_word_t *words, int n,
                uint32_t total_ms, results_t *res)
{
    kws_detector_t det;
    fake_vad_t vad = {0};
    memset(res, 0, sizeof(*res));
    H7_EXPECT(kws_detector_init(&det, cfg));
    float probs[CLASSES];
    for (uint32_t t = FRAME_MS; t <= total_ms; t += FRAME_MS) {
        vad_frame(&vad, &det, t, in_any_word(words, n, t), res);
        if (kws_detector_tick(&det, t))
            take(&det, res);
        if (t % HOP_MS == 0 && kws_detector_wants_inference(&det)) {
            fake_posteriors(words, n, t, probs);
            kws_detector_scores(&det, t, probs);
        }
    }
}

static kws_detector_config_t config(void)
{
    kws_detector_config_t cfg;
    kws_detector_default_config(&cfg);
    /* The synthetic posteriors below (renormalised after a rule-out, two words sharing a
     * window) were written for this threshold; the product default is tuned per model. */
    cfg.threshold = 0.55f;
    return cfg;
}

/* The default detector (config()) on these words for total_ms. */
static results_t detect(const fake_word_t *words, int n, uint32_t total_ms)
{
    kws_detector_config_t cfg = config();
    results_t r;
    run(&cfg, words, n, total_ms, &r);
    return r;
}

H7_TEST(one_word_gives_exactly_one_detection)
{
    fake_word_t w[] = {{1000, 1400, ON, 0.9f}};
    results_t r = detect(w, 1, 4000);
    H7_EXPECT_EQ_INT(r.count, 1);
    H7_EXPECT_EQ_INT(r.found[0].class_index, ON);
    H7_EXPECT_NEAR(r.found[0].score, 0.9, 1e-4);
}

H7_TEST(detection_times_follow_the_word)
{
    kws_detector_config_t cfg = config();
    fake_word_t w[] = {{1010, 1450, YES, 0.8f}};
    results_t r;
    run(&cfg, w, 1, 3000, &r);
    H7_EXPECT_EQ_INT(r.count, 1);
    /* frame resolution: 20 ms */
    H7_EXPECT_NEAR(r.found[0].start_ms, 1010, FRAME_MS);
    H7_EXPECT_NEAR(r.found[0].end_ms, 1450, FRAME_MS);
    /* decided after the hangover and the settle time, within one frame */
    uint32_t latency = r.found[0].decided_ms - r.found[0].end_ms;
    H7_EXPECT(latency >= cfg.settle_ms);
    H7_EXPECT(latency <= HANGOVER_FRAMES * FRAME_MS + cfg.settle_ms + FRAME_MS);
}

H7_TEST(two_quick_words_give_two_detections)
{
    /* 250 ms apart: the second word is inside the same model window as the first */
    fake_word_t w[] = {{1000, 1350, YES, 0.9f}, {1600, 1950, NO, 0.85f}};
    results_t r = detect(w, 2, 4000);
    H7_EXPECT_EQ_INT(r.count, 2);
    H7_EXPECT_EQ_INT(r.found[0].class_index, YES);
    H7_EXPECT_EQ_INT(r.found[1].class_index, NO);
    H7_EXPECT(r.found[1].start_ms >= r.found[0].end_ms);
}

H7_TEST(same_word_twice_gives_two_detections)
{
    fake_word_t w[] = {{1000, 1300, ON, 0.9f}, {1700, 2000, ON, 0.9f}};
    results_t r = detect(w, 2, 4000);
    H7_EXPECT_EQ_INT(r.count, 2);
}

H7_TEST(score_below_threshold_gives_nothing)
{
    kws_detector_config_t cfg = config();
    fake_word_t low[] = {{1000, 1400, ON, cfg.threshold - 0.05f}};
    fake_word_t high[] = {{1000, 1400, ON, cfg.threshold + 0.05f}};
    results_t r;
    run(&cfg, low, 1, 3000, &r);
    H7_EXPECT_EQ_INT(r.count, 0);
    run(&cfg, high, 1, 3000, &r);
    H7_EXPECT_EQ_INT(r.count, 1);
}

/* No command in: unknown speech and silence; 10 s of "speech" from the VAD with a
 * keyword-like posterior (too long for a command); clicks (too short). */
H7_TEST(non_commands_give_nothing)
{
    static const struct {
        fake_word_t words[2];
        int n;
        uint32_t total_ms;
    } cases[] = {
        {{{1000, 1500, UNKNOWN, 0.95f}, {2500, 2900, SILENCE, 0.95f}}, 2, 5000},
        {{{500, 10500, ON, 0.99f}}, 1, 12000},
        {{{1000, 1040, ON, 0.99f}, {2000, 2020, ON, 0.99f}}, 2, 4000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        H7_EXPECT_EQ_INT(detect(cases[i].words, cases[i].n, cases[i].total_ms).count, 0);
}

H7_TEST(gap_inside_a_word_does_not_split_it)
{
    /* "st..op": a 100 ms closure, shorter than the hangover */
    fake_word_t w[] = {{1000, 1150, ON, 0.9f}, {1250, 1450, ON, 0.9f}};
    results_t r = detect(w, 2, 4000);
    H7_EXPECT_EQ_INT(r.count, 1);
    H7_EXPECT_NEAR(r.found[0].start_ms, 1000, FRAME_MS);
    H7_EXPECT_NEAR(r.found[0].end_ms, 1450, FRAME_MS);
}

H7_TEST(rapid_speech_is_bounded_by_segments)
{
    /* 40 words of 120 ms with 180 ms gaps: faster than anyone speaks, faster than the hop
     * resolves; never more detections than segments, and all of them are keywords */
    fake_word_t w[40];
    for (int i = 0; i < 40; i++) {
        w[i].start_ms = 1000 + (uint32_t)i * 300;
        w[i].end_ms = w[i].start_ms + 120;
        w[i].cls = YES + (i % 10);
        w[i].score = 0.9f;
    }
    results_t r = detect(w, 40, 15000);
    H7_EXPECT(r.count <= 40);
    for (int i = 1; i < r.count; i++)
        H7_EXPECT(r.found[i].start_ms >= r.found[i - 1].end_ms);
}

H7_TEST(a_single_spike_is_smoothed_away)
{
    kws_detector_config_t cfg = config();
    kws_detector_t det;
    H7_EXPECT(kws_detector_init(&det, &cfg));
    float probs[CLASSES] = {0};
    float spike[CLASSES] = {0};
    probs[UNKNOWN] = 1.0f;
    spike[ON] = 1.0f;
    fake_vad_t vad = {0};
    results_t res = {0};
    for (uint32_t t = 20; t <= 3000; t += 20) {
        vad_frame(&vad, &det, t, t > 1000 && t <= 1400, &res);
        if (kws_detector_tick(&det, t))
            take(&det, &res);
        if (t % 60 == 0 && kws_detector_wants_inference(&det))
            kws_detector_scores(&det, t, t == 1200 ? spike : probs);
    }
    H7_EXPECT_EQ_INT(res.count, 0);
    H7_EXPECT_EQ_INT(det.rejected_low_score, 1);
}

H7_TEST(inference_wanted_only_around_speech)
{
    kws_detector_config_t cfg = config();
    kws_detector_t det;
    H7_EXPECT(kws_detector_init(&det, &cfg));
    H7_EXPECT(!kws_detector_wants_inference(&det));
    kws_detector_speech_start(&det, 0);
    H7_EXPECT(kws_detector_wants_inference(&det));
    /* after an over-long segment, no more inference, also not after its end */
    for (uint32_t t = 20; t <= cfg.max_segment_ms + 100; t += 20)
        H7_EXPECT(!kws_detector_tick(&det, t));
    H7_EXPECT(!kws_detector_wants_inference(&det));
    kws_detector_speech_end(&det, cfg.max_segment_ms + 200);
    H7_EXPECT(!kws_detector_wants_inference(&det));
    H7_EXPECT_EQ_INT(det.rejected_long, 1);
    /* a normal word afterwards is scored again */
    kws_detector_speech_start(&det, 3000);
    H7_EXPECT(kws_detector_wants_inference(&det));
}

/* Two words (1.0-1.4 s and 1.8-2.2 s) through the default detector for 4 s; the model's
 * posteriors at each 60 ms hop it wants are script(t, probs), from all zeros. */
static results_t run_two_words(kws_detector_t *det, void (*script)(uint32_t t, float *probs))
{
    kws_detector_config_t cfg = config();
    H7_EXPECT(kws_detector_init(det, &cfg));
    fake_vad_t vad = {0};
    results_t res = {0};
    float probs[CLASSES];
    for (uint32_t t = 20; t <= 4000; t += 20) {
        bool speech = (t > 1000 && t <= 1400) || (t > 1800 && t <= 2200);
        vad_frame(&vad, det, t, speech, &res);
        if (kws_detector_tick(det, t))
            take(det, &res);
        if (t % 60 == 0 && kws_detector_wants_inference(det)) {
            for (int c = 0; c < CLASSES; c++)
                probs[c] = 0.0f;
            script(t, probs);
            kws_detector_scores(det, t, probs);
        }
    }
    return res;
}

static void first_word_then_both_then_second(uint32_t t, float *probs)
{
    if (t >= 1300 && t < 2000 + 200) {
        probs[YES] = 0.9f; /* only the first word, or the first one dominating */
        probs[SILENCE] = 0.1f;
    }
    if (t >= 2100 && t < 2400) {
        probs[YES] = 0.6f; /* both in the window */
        probs[NO] = 0.35f;
        probs[SILENCE] = 0.05f;
    }
    if (t >= 2400) {
        probs[NO] = 0.9f;
        probs[SILENCE] = 0.1f;
    }
}

/* A model that hears two words in one window votes mostly for the earlier one. */
H7_TEST(quick_second_word_wins_once_the_first_is_ruled_out)
{
    kws_detector_t det;
    results_t res = run_two_words(&det, first_word_then_both_then_second);
    H7_EXPECT_EQ_INT(res.count, 2);
    H7_EXPECT_EQ_INT(res.found[0].class_index, YES);
    H7_EXPECT_EQ_INT(res.found[1].class_index, NO);
}

static void unclear_first_word_then_a_clear_second(uint32_t t, float *probs)
{
    probs[SILENCE] = 0.6f;
    probs[ON] = 0.4f;              /* first word: unclear */
    if (t >= 1900 && t < 2150) {
        probs[SILENCE] = 0.02f;    /* the window now holds all of the first word */
        probs[ON] = 0.95f;
        probs[YES] = 0.03f;
    }
    if (t >= 2150) {               /* half of it has left the window */
        probs[ON] = 0.1f;
        probs[YES] = 0.9f;
        probs[SILENCE] = 0.0f;
    }
}

/* An unclear first word (below the threshold) must not be detected in the next word's
 * segment just because it is still in the model window. */
H7_TEST(unclear_word_is_not_inherited_by_the_next)
{
    kws_detector_t det;
    results_t res = run_two_words(&det, unclear_first_word_then_a_clear_second);
    H7_EXPECT_EQ_INT(det.rejected_low_score, 1);
    H7_EXPECT_EQ_INT(res.count, 1);
    H7_EXPECT_EQ_INT(res.found[0].class_index, YES);
}

H7_TEST(invalid_configs_are_refused)
{
    kws_detector_t det;
    kws_detector_config_t cfg = config();
    cfg.num_classes = 0;
    H7_EXPECT(!kws_detector_init(&det, &cfg));
    cfg = config();
    cfg.smooth_count = KWS_DETECTOR_MAX_SMOOTH + 1;
    H7_EXPECT(!kws_detector_init(&det, &cfg));
    cfg = config();
    cfg.keyword_mask = 1u << 12;
    H7_EXPECT(!kws_detector_init(&det, &cfg));
    cfg = config();
    cfg.threshold = 0.0f;
    H7_EXPECT(!kws_detector_init(&det, &cfg));
    cfg = config();
    H7_EXPECT(kws_detector_init(&det, &cfg));
}

int main(void)
{
    H7_RUN(one_word_gives_exactly_one_detection);
    H7_RUN(detection_times_follow_the_word);
    H7_RUN(two_quick_words_give_two_detections);
    H7_RUN(same_word_twice_gives_two_detections);
    H7_RUN(score_below_threshold_gives_nothing);
    H7_RUN(non_commands_give_nothing);
    H7_RUN(gap_inside_a_word_does_not_split_it);
    H7_RUN(rapid_speech_is_bounded_by_segments);
    H7_RUN(a_single_spike_is_smoothed_away);
    H7_RUN(inference_wanted_only_around_speech);
    H7_RUN(quick_second_word_wins_once_the_first_is_ruled_out);
    H7_RUN(unclear_word_is_not_inherited_by_the_next);
    H7_RUN(invalid_configs_are_refused);
    return h7test_summary();
}
