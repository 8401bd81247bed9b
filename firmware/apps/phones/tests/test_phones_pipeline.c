/* Host tests of the phone recognizer's hop (phones_pipeline.c) with the real front end
 * (phones_mel40) and a probe in the model's place that records each input window: the
 * window's edge padding, the frame each output scores, the look-ahead flush, the output
 * conversions and the refusals of a model that does not fit. The real model and the
 * decoder are tested from Python (tools/h7phones/tests) and on the board (robot_tests/phones). */
#include <math.h>
#include <string.h>

#include "apps/phones/phones_pipeline.h"
#include "apps/phones/tests/phones_test_frontend.h"
#include "testing/h7test.h"

#define W 32
#define L 3
#define F 40

static const h7fe_config_t fe_config = H7FE_CONFIG_INIT;
static int8_t input[W * F];
static int8_t seen[64][W * F];   /* the windows the probe saw */
static int restarts[64];         /* and whether each was a restart */
static int runs;
static int8_t outputs[H7DEC_PHONE_COUNT];

static const int8_t *probe(void *user, int restart)
{
    (void)user;
    if (runs < 64) {
        memcpy(seen[runs], input, sizeof input);
        restarts[runs] = restart;
    }
    runs++;
    return outputs;
}

static phones_pipeline_config_t config(void)
{
    phones_pipeline_config_t c = {
        .frontend = &fe_config, .window_frames = W, .lookahead_frames = L, .input_scale = 0.1f,
        .input_zero_point = 60, .model_input = input, .input_bytes = W * F,
        .outputs = H7DEC_PHONE_COUNT, .output_scale = 0.0625f, .output_zero_point = 127,
        .output_kind = PHONES_OUTPUT_LOG_SOFTMAX, .run_model = probe,
    };
    return c;
}

/* a tone whose frequency rises with the hop, so every frame's row differs */
static void hop_audio(int hop, int16_t *x, int n)
{
    for (int i = 0; i < n; i++)
        x[i] = (int16_t)(8000.0 * sin(2.0 * 3.14159265 * (200.0 + 150.0 * hop) * (hop * n + i) / 16000.0));
}

H7_TEST(windows_are_edge_padded_and_score_frame_newest_minus_lookahead)
{
    phones_pipeline_t p;
    phones_pipeline_config_t c = config();
    H7_EXPECT(phones_pipeline_init(&p, &c) == NULL);
    runs = 0;
    int16_t x[320];
    int scored = 0, hops = 12;
    int8_t rows[16][F];
    for (int h = 0; h < hops; h++) {
        hop_audio(h, x, 320);
        int r = phones_pipeline_hop(&p, x);
        if (p.frames > 0 && p.frames <= 16)
            memcpy(rows[p.frames - 1], &p.window[((p.window_next + W - 1) % W) * F], F);
        if (r == 1) {
            H7_EXPECT_EQ_INT(p.frame, scored);
            scored++;
        }
    }
    /* 12 hops -> 11 frames (the first window needs 480 samples) -> 11 - L scored */
    H7_EXPECT_EQ_INT((int)p.frames, 11);
    H7_EXPECT_EQ_INT(scored, 11 - L);
    /* the first window: W - L copies of frame 0, then frames 1..L (training's padding) */
    for (int r = 0; r < W - L; r++)
        H7_EXPECT(memcmp(&seen[0][r * F], rows[0], F) == 0);
    for (int k = 1; k <= L; k++)
        H7_EXPECT(memcmp(&seen[0][(W - L - 1 + k) * F], rows[k], F) == 0);
    H7_EXPECT(memcmp(rows[0], rows[1], F) != 0);
    /* later windows end with the newest frame */
    H7_EXPECT(memcmp(&seen[5][(W - 1) * F], rows[5 + L], F) == 0);
    /* the flush repeats the newest frame and scores the remaining L frames */
    for (int k = 0; k < L; k++) {
        H7_EXPECT_EQ_INT(phones_pipeline_repeat_last(&p), 1);
        H7_EXPECT_EQ_INT(p.frame, scored++);
    }
    H7_EXPECT(memcmp(&seen[runs - 1][(W - 1) * F], &seen[runs - 1][(W - 2) * F], F) == 0);
    /* the first run (after L frames pushed without one) restarts a streamed model; every later
     * window is the one before moved by one frame, the repeats included */
    H7_EXPECT_EQ_INT(restarts[0], 1);
    for (int k = 1; k < runs && k < 64; k++)
        H7_EXPECT_EQ_INT(restarts[k], 0);
    /* a new utterance restarts it again */
    H7_EXPECT(phones_pipeline_init(&p, &c) == NULL);
    int first = runs;
    for (int h = 0; h < 6 && runs == first; h++) {
        hop_audio(h, x, 320);
        phones_pipeline_hop(&p, x);
    }
    H7_EXPECT(runs == first + 1 && restarts[first] == 1);
}

H7_TEST(outputs_become_log_probabilities_and_integer_scores)
{
    phones_pipeline_config_t c = config();
    float logp[H7DEC_PHONE_COUNT];
    for (int k = 0; k < H7DEC_PHONE_COUNT; k++)
        outputs[k] = (int8_t)(127 - 16 * (k % 8));
    phones_outputs_to_logp(&c, outputs, logp);
    H7_EXPECT_NEAR(logp[0], 0.0, 1e-7);
    H7_EXPECT_NEAR(logp[3], -3.0, 1e-6);
    c.output_kind = PHONES_OUTPUT_SOFTMAX;
    c.output_scale = 1.0f / 256.0f;
    c.output_zero_point = -128;
    outputs[0] = 127;    /* p = 255/256 */
    outputs[1] = -128;   /* p = 0: half a step */
    phones_outputs_to_logp(&c, outputs, logp);
    H7_EXPECT_NEAR(logp[0], log(255.0 / 256.0), 1e-5);
    H7_EXPECT_NEAR(logp[1], log(0.5 / 256.0), 1e-5);
}

H7_TEST(a_model_that_does_not_fit_is_refused_with_a_reason)
{
    phones_pipeline_t p;
    phones_pipeline_config_t c = config();
    c.outputs = 40;
    H7_EXPECT(strstr(phones_pipeline_init(&p, &c), "output count") != NULL);
    c = config();
    c.input_bytes = W * F - 1;
    H7_EXPECT(strstr(phones_pipeline_init(&p, &c), "window_frames") != NULL);
    c = config();
    c.lookahead_frames = W;
    H7_EXPECT(strstr(phones_pipeline_init(&p, &c), "lookahead") != NULL);
    c = config();
    c.window_frames = PHONES_MAX_WINDOW_FRAMES + 1;
    c.input_bytes = c.window_frames * F;
    H7_EXPECT(phones_pipeline_init(&p, &c) != NULL);
}

int main(void)
{
    H7_RUN(windows_are_edge_padded_and_score_frame_newest_minus_lookahead);
    H7_RUN(outputs_become_log_probabilities_and_integer_scores);
    H7_RUN(a_model_that_does_not_fit_is_refused_with_a_reason);
    return h7test_summary();
}
