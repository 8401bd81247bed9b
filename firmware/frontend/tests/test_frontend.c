/* Host unit tests of the speech front end (the Python tests compare it with NumPy). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/frontend.h"
#include "testing/h7test.h"

static h7fe_config_t mlperf_config(void)
{
    h7fe_config_t c = {
        .sample_rate_hz = 16000, .window_length = 480, .hop_length = 320, .fft_length = 512,
        .window = H7FE_WINDOW_HANN, .spectrum = H7FE_SPECTRUM_MAGNITUDE, .mel_bands = 40,
        .mel_low_hz = 20.0f, .mel_high_hz = 4000.0f, .log_offset = 1e-6f,
        .output = H7FE_OUTPUT_MFCC, .mfcc_count = 10, .sample_scale = 1.0f / 32768.0f,
        .clip_normalization = H7FE_CLIP_NORM_NONE, .clip_frames = 49,
    };
    return c;
}

static h7fe_t fe;
static int16_t clip[16000];
static float features[64 * 80];
static float features2[64 * 80];

static uint32_t rng_state = 12345;
static int16_t random_sample(int amplitude)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (int16_t)((int32_t)(rng_state >> 16) % (2 * amplitude + 1) - amplitude);
}

static int all_finite(const float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) return 0;
    }
    return 1;
}

H7_TEST(config_rules_accept_mlperf_and_reject_each_broken_field)
{
    h7fe_config_t c = mlperf_config();
    const char *message = NULL;
    H7_EXPECT_EQ_INT(h7fe_config_check(&c, &message), 0);
    H7_EXPECT_EQ_INT(h7fe_config_clip_samples(&c), 15840); /* 1 s (16000) also gives 49 */
    H7_EXPECT_EQ_INT(h7fe_config_feature_count(&c), 10);

    h7fe_config_t bad;
    bad = c; bad.fft_length = 500;
    H7_EXPECT(h7fe_config_check(&bad, &message) != 0 && strstr(message, "fft_length"));
    bad = c; bad.window_length = 600;
    H7_EXPECT(h7fe_config_check(&bad, &message) != 0 && strstr(message, "window_length"));
    bad = c; bad.hop_length = 0;
    H7_EXPECT(h7fe_config_check(&bad, &message) != 0 && strstr(message, "hop_length"));
    bad = c; bad.mel_high_hz = 9000.0f;
    H7_EXPECT(h7fe_config_check(&bad, &message) != 0 && strstr(message, "Nyquist"));
    bad = c; bad.mel_low_hz = NAN;
    H7_EXPECT(h7fe_config_check(&bad, &message) != 0);
    bad = c; bad.mfcc_count = 41;
    H7_EXPECT(h7fe_config_check(&bad, &message) != 0 && strstr(message, "mfcc_count"));
    bad = c; bad.log_offset = 0.0f;
    H7_EXPECT(h7fe_config_check(&bad, &message) != 0 && strstr(message, "log_offset"));
    bad = c; bad.mel_bands = 0;
    H7_EXPECT(h7fe_config_check(&bad, &message) != 0 && strstr(message, "mel_bands"));
    H7_EXPECT_EQ_INT(h7fe_init(&fe, &bad), H7FE_ERR_CONFIG);
}

H7_TEST(logf_matches_libm)
{
    double worst = 0.0;
    for (float x = 1e-30f; x < 1e30f; x *= 1.37f) {
        double err = fabs((double)h7fe_logf(x) - log((double)x));
        double tol = 2e-7 * fabs(log((double)x)) + 2e-7;
        if (err > tol && err > worst) worst = err;
    }
    H7_EXPECT_NEAR(worst, 0.0, 0.0);
    H7_EXPECT(isfinite(h7fe_logf(0.0f)) && isfinite(h7fe_logf(-1.0f)));
    H7_EXPECT(isfinite(h7fe_logf(NAN)) && isfinite(h7fe_logf(INFINITY)));
}

H7_TEST(one_second_gives_49_frames_and_a_tone_lands_in_its_band)
{
    h7fe_config_t c = mlperf_config();
    c.output = H7FE_OUTPUT_LOG_MEL;
    H7_EXPECT_EQ_INT(h7fe_init(&fe, &c), H7FE_OK);
    for (int i = 0; i < 16000; i++) clip[i] = (int16_t)(8000.0 * sin(2 * 3.14159265358979 * 1000.0 * i / 16000.0));
    size_t frames = h7fe_clip_features(&fe, clip, 16000, features, 64);
    H7_EXPECT_EQ_INT(frames, 49);
    /* 1 kHz is 1000 mel (HTK); band b centres at mel(20) + (b + 1) * step. */
    double mel_low = 1127.0 * log(1.0 + 20.0 / 700.0), mel_high = 1127.0 * log(1.0 + 4000.0 / 700.0);
    double step = (mel_high - mel_low) / 41.0;
    int expected = (int)floor((1127.0 * log(1.0 + 1000.0 / 700.0) - mel_low) / step - 1.0 + 0.5);
    int best = 0;
    for (int b = 1; b < 40; b++) {
        if (features[20 * 40 + b] > features[20 * 40 + best]) best = b;
    }
    H7_EXPECT_EQ_INT(best, expected);
}

H7_TEST(streaming_in_odd_chunks_equals_the_clip_bit_for_bit)
{
    h7fe_config_t c = mlperf_config();
    H7_EXPECT_EQ_INT(h7fe_init(&fe, &c), H7FE_OK);
    for (int i = 0; i < 16000; i++) clip[i] = random_sample(3000);
    size_t frames = h7fe_clip_features(&fe, clip, 16000, features, 64);
    H7_EXPECT_EQ_INT(frames, 49);

    h7fe_reset(&fe);
    size_t total = 0, position = 0, chunk = 1;
    while (position < 16000) {
        size_t n = 16000 - position < chunk ? 16000 - position : chunk;
        size_t consumed = 0;
        total += h7fe_push(&fe, clip + position, n, features2 + total * 10, 64 - total, &consumed);
        H7_EXPECT_EQ_INT(consumed, n);
        position += n;
        chunk = chunk * 3 % 997 + 1;
    }
    H7_EXPECT_EQ_INT(total, 49);
    H7_EXPECT(memcmp(features, features2, 49 * 10 * sizeof(float)) == 0);
}

H7_TEST(push_stops_when_the_output_is_full_and_resumes)
{
    h7fe_config_t c = mlperf_config();
    H7_EXPECT_EQ_INT(h7fe_init(&fe, &c), H7FE_OK);
    for (int i = 0; i < 16000; i++) clip[i] = random_sample(1000);
    H7_EXPECT_EQ_INT(h7fe_frames_for(&fe, 16000), 49);
    size_t consumed = 0;
    size_t frames = h7fe_push(&fe, clip, 16000, features2, 5, &consumed);
    H7_EXPECT_EQ_INT(frames, 5);
    H7_EXPECT(consumed < 16000);
    frames += h7fe_push(&fe, clip + consumed, 16000 - consumed, features2 + 50, 64, NULL);
    H7_EXPECT_EQ_INT(frames, 49);
    h7fe_clip_features(&fe, clip, 16000, features, 64);
    H7_EXPECT(memcmp(features, features2, 50 * sizeof(float)) == 0);
    H7_EXPECT(memcmp(features + 50, features2 + 50, 44 * 10 * sizeof(float)) == 0);
}

H7_TEST(silence_gives_the_log_floor_exactly)
{
    h7fe_config_t c = mlperf_config();
    H7_EXPECT_EQ_INT(h7fe_init(&fe, &c), H7FE_OK);
    memset(clip, 0, sizeof(clip));
    H7_EXPECT_EQ_INT(h7fe_clip_features(&fe, clip, 16000, features, 64), 49);
    /* c0 = 2 / sqrt(80) * 40 * ln(1e-6); the others are 0 up to rounding. */
    H7_EXPECT_NEAR(features[0], 2.0 / sqrt(80.0) * 40.0 * log(1e-6), 1e-3);
    for (int k = 1; k < 10; k++) H7_EXPECT_NEAR(features[k], 0.0, 1e-3);
}

H7_TEST(bad_audio_stays_finite_and_bounded)
{
    h7fe_config_t c = mlperf_config();
    H7_EXPECT_EQ_INT(h7fe_init(&fe, &c), H7FE_OK);
    /* full-scale square wave (hard clipping), DC offset, full-scale noise, min/max steps */
    for (int kind = 0; kind < 4; kind++) {
        for (int i = 0; i < 16000; i++) {
            switch (kind) {
            case 0: clip[i] = (i / 8) % 2 ? 32767 : -32768; break;
            case 1: clip[i] = 20000; break;
            case 2: clip[i] = random_sample(32767); break;
            default: clip[i] = i % 2 ? -32768 : 32767; break;
            }
        }
        H7_EXPECT_EQ_INT(h7fe_clip_features(&fe, clip, 16000, features, 64), 49);
        H7_EXPECT(all_finite(features, 49 * 10));
        for (int i = 0; i < 49 * 10; i++) H7_EXPECT(fabsf(features[i]) < 500.0f);
    }
    c.clip_normalization = H7FE_CLIP_NORM_PEAK;
    H7_EXPECT_EQ_INT(h7fe_init(&fe, &c), H7FE_OK);
    for (int i = 0; i < 16000; i++) clip[i] = (int16_t)(-1000 - (i % 7)); /* no positive peak */
    H7_EXPECT_EQ_INT(h7fe_clip_features(&fe, clip, 16000, features, 64), 49);
    H7_EXPECT(all_finite(features, 49 * 10));
}

H7_TEST(quantize_rounds_half_away_and_counts_saturation)
{
    const float in[] = {0.0f, 0.25f, 0.75f, -0.25f, -0.75f, 1000.0f, -1000.0f, NAN, INFINITY, 1.5f};
    int8_t out[10];
    int32_t saturated = h7fe_quantize_int8(in, 10, 0.5f, 3, out);
    H7_EXPECT_EQ_INT(out[0], 3);
    H7_EXPECT_EQ_INT(out[1], 4);   /* 0.5 -> 1 */
    H7_EXPECT_EQ_INT(out[2], 5);   /* 1.5 -> 2 */
    H7_EXPECT_EQ_INT(out[3], 2);   /* -0.5 -> -1 */
    H7_EXPECT_EQ_INT(out[4], 1);   /* -1.5 -> -2 */
    H7_EXPECT_EQ_INT(out[5], 127);
    H7_EXPECT_EQ_INT(out[6], -128);
    H7_EXPECT_EQ_INT(out[7], 3);   /* NaN -> zero point */
    H7_EXPECT_EQ_INT(out[8], 3);   /* Inf -> zero point */
    H7_EXPECT_EQ_INT(out[9], 6);
    H7_EXPECT_EQ_INT(saturated, 2);
    H7_EXPECT_EQ_INT(h7fe_quantize_int8(in, 10, 0.0f, 0, out), -1);
    H7_EXPECT_EQ_INT(h7fe_quantize_int8(in, 10, NAN, 0, out), -1);
}

/* Noise suppression: stationary noise is pushed down to about H7FE_NS_GAIN_MIN (-20 dB)
 * once the floor has settled, a tone 30 dB above it keeps its level; the stage off gives
 * exactly the features without it (the existing configurations do not change). */
H7_TEST(noise_suppression_lowers_steady_noise_keeps_a_tone_and_is_off_by_default)
{
    h7fe_config_t c = mlperf_config();
    c.output = H7FE_OUTPUT_LOG_MEL;
    H7_EXPECT_EQ_INT(h7fe_init(&fe, &c), H7FE_OK);
    rng_state = 777u;
    for (int i = 0; i < 16000; i++) {
        clip[i] = random_sample(300);
        if (i >= 10000 && i < 14000) clip[i] = (int16_t)(clip[i] + 9000.0 * sin(2 * 3.14159265358979 * 1000.0 * i / 16000.0));
    }
    H7_EXPECT_EQ_INT(h7fe_clip_features(&fe, clip, 16000, features, 64), 49);
    c.noise_suppression = H7FE_NS_SPECTRAL;
    H7_EXPECT_EQ_INT(h7fe_init(&fe, &c), H7FE_OK);
    H7_EXPECT_EQ_INT(h7fe_clip_features(&fe, clip, 16000, features2, 64), 49);
    /* frame 20 (0.4 s, noise only): every band about ln(0.1) = -2.3 lower (log-mel) */
    double drop = 0.0;
    for (int b = 0; b < 40; b++) drop += features[20 * 40 + b] - features2[20 * 40 + b];
    drop /= 40.0;
    H7_EXPECT(drop > 1.6 && drop < 2.4);
    /* frame 38 (the tone): its band loses less than 1 dB of energy */
    int best = 0;
    for (int b = 1; b < 40; b++) {
        if (features[38 * 40 + b] > features[38 * 40 + best]) best = b;
    }
    H7_EXPECT(features[38 * 40 + best] - features2[38 * 40 + best] < 0.12);
    /* the flag off again: bit-identical to the first run */
    c.noise_suppression = H7FE_NS_NONE;
    H7_EXPECT_EQ_INT(h7fe_init(&fe, &c), H7FE_OK);
    H7_EXPECT_EQ_INT(h7fe_clip_features(&fe, clip, 16000, features2, 64), 49);
    H7_EXPECT(memcmp(features, features2, 49 * 40 * sizeof(float)) == 0);
    c.noise_suppression = 2u;
    const char *message = NULL;
    H7_EXPECT(h7fe_config_check(&c, &message) != 0 && strstr(message, "noise_suppression"));
}

H7_TEST(restart_after_a_gap_keeps_the_noise_floor_and_forgets_the_audio)
{
    /* 0.5 s of room noise, then a gap, then a loud tone at once (the board woken by sound):
     * after h7fe_restart the floor is still the room's, so the tone keeps its level; after
     * h7fe_reset the floor starts from the tone itself and takes it down to the gain floor */
    h7fe_config_t c = mlperf_config();
    c.output = H7FE_OUTPUT_LOG_MEL;
    c.noise_suppression = H7FE_NS_SPECTRAL;
    H7_EXPECT_EQ_INT(h7fe_init(&fe, &c), H7FE_OK);
    rng_state = 4242u;
    for (int i = 0; i < 16000; i++) {
        clip[i] = random_sample(300);
        if (i >= 8000) clip[i] = (int16_t)(clip[i] + 9000.0 * sin(2 * 3.14159265358979 * 1000.0 * i / 16000.0));
    }
    H7_EXPECT(h7fe_push(&fe, clip, 8000, features, 64, NULL) > 0);
    h7fe_restart(&fe);
    H7_EXPECT_EQ_INT(h7fe_push(&fe, clip + 8000, 320, features, 64, NULL), 0);   /* the window fills again */
    H7_EXPECT_EQ_INT(h7fe_push(&fe, clip + 8320, 160, features, 64, NULL), 1);
    h7fe_reset(&fe);
    H7_EXPECT_EQ_INT(h7fe_push(&fe, clip + 8000, 480, features2, 64, NULL), 1);
    int best = 0;
    for (int b = 1; b < 40; b++) {
        if (features[b] > features[best]) best = b;
    }
    H7_EXPECT(features[best] - features2[best] > 1.5);   /* reset: about ln(0.1) lower */
}

int main(void)
{
    H7_RUN(config_rules_accept_mlperf_and_reject_each_broken_field);
    H7_RUN(logf_matches_libm);
    H7_RUN(restart_after_a_gap_keeps_the_noise_floor_and_forgets_the_audio);
    H7_RUN(one_second_gives_49_frames_and_a_tone_lands_in_its_band);
    H7_RUN(streaming_in_odd_chunks_equals_the_clip_bit_for_bit);
    H7_RUN(push_stops_when_the_output_is_full_and_resumes);
    H7_RUN(silence_gives_the_log_floor_exactly);
    H7_RUN(bad_audio_stays_finite_and_bounded);
    H7_RUN(quantize_rounds_half_away_and_counts_saturation);
    H7_RUN(noise_suppression_lowers_steady_noise_keeps_a_tone_and_is_off_by_default);
    return h7test_summary();
}
