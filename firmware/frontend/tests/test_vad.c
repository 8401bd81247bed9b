/* Host unit tests of the VAD on synthetic signals (speech tests with espeak-ng are in
 * tools/h7frontend/tests/test_vad_speech.py). */
#include <math.h>
#include <string.h>

#include "frontend/vad.h"
#include "testing/h7test.h"

#define RATE 16000
#define HOP 320
static int16_t signal[RATE * 6];
static uint32_t rng_state = 777;

static float gaussian(void)
{
    float sum = 0.0f;
    for (int i = 0; i < 12; i++) {
        rng_state = rng_state * 1664525u + 1013904223u;
        sum += (float)(rng_state >> 8) / 16777216.0f;
    }
    return sum - 6.0f;
}

/* Runs the VAD over n samples; records up to 8 events (type, time). */
static int run(const h7vad_config_t *config, size_t n, int *types, uint32_t *times)
{
    h7vad_t vad;
    H7_EXPECT_EQ_INT(h7vad_init(&vad, config), 0);
    int events = 0;
    for (size_t pos = 0; pos + HOP <= n; pos += HOP) {
        h7vad_event_t e = h7vad_process(&vad, signal + pos, HOP);
        if (e != H7VAD_NONE && events < 8) {
            types[events] = e;
            times[events] = vad.event_time_ms;
            events++;
        }
    }
    return events;
}

static void make(float noise_rms, float dc, float tone_amplitude, int tone_from_ms, int tone_to_ms)
{
    for (int i = 0; i < RATE * 6; i++) {
        float x = dc + noise_rms * gaussian();
        int ms = i / 16;
        if (ms >= tone_from_ms && ms < tone_to_ms) {
            /* a vowel-like tone with a 200 Hz pitch and harmonics */
            x += tone_amplitude * (sinf(2.0f * 3.14159265f * 200.0f * i / RATE) +
                                   0.5f * sinf(2.0f * 3.14159265f * 600.0f * i / RATE));
        }
        if (x > 32767.0f) x = 32767.0f;
        if (x < -32768.0f) x = -32768.0f;
        signal[i] = (int16_t)x;
    }
}

H7_TEST(silence_noise_and_dc_give_no_events)
{
    h7vad_config_t c;
    h7vad_default_config(&c, RATE);
    int types[8];
    uint32_t times[8];
    memset(signal, 0, sizeof(signal));
    H7_EXPECT_EQ_INT(run(&c, RATE * 6, types, times), 0);
    make(300.0f, 0.0f, 0.0f, 0, 0);
    H7_EXPECT_EQ_INT(run(&c, RATE * 6, types, times), 0);
    make(30.0f, 12000.0f, 0.0f, 0, 0);
    H7_EXPECT_EQ_INT(run(&c, RATE * 6, types, times), 0);
}

H7_TEST(a_burst_in_noise_gives_start_and_end_near_its_edges)
{
    h7vad_config_t c;
    h7vad_default_config(&c, RATE);
    int types[8];
    uint32_t times[8];
    make(200.0f, 500.0f, 2000.0f, 2000, 3200);
    int n = run(&c, RATE * 6, types, times);
    H7_EXPECT_EQ_INT(n, 2);
    H7_EXPECT_EQ_INT(types[0], H7VAD_SPEECH_START);
    H7_EXPECT_EQ_INT(types[1], H7VAD_SPEECH_END);
    H7_EXPECT_NEAR(times[0], 2000, 40);
    H7_EXPECT_NEAR(times[1], 3200, 40);
}

H7_TEST(a_click_shorter_than_start_frames_is_ignored)
{
    h7vad_config_t c;
    h7vad_default_config(&c, RATE);
    int types[8];
    uint32_t times[8];
    make(100.0f, 0.0f, 8000.0f, 3000, 3030);
    H7_EXPECT_EQ_INT(run(&c, RATE * 6, types, times), 0);
}

H7_TEST(bad_configuration_is_refused)
{
    h7vad_config_t c;
    h7vad_t vad;
    h7vad_default_config(&c, RATE);
    c.start_margin_db = 1.0f; /* below end_margin_db: no hysteresis */
    H7_EXPECT_EQ_INT(h7vad_init(&vad, &c), -1);
    h7vad_default_config(&c, 0);
    H7_EXPECT_EQ_INT(h7vad_init(&vad, &c), -1);
}

int main(void)
{
    H7_RUN(silence_noise_and_dc_give_no_events);
    H7_RUN(a_burst_in_noise_gives_start_and_end_near_its_edges);
    H7_RUN(a_click_shorter_than_start_frames_is_ignored);
    H7_RUN(bad_configuration_is_refused);
    return h7test_summary();
}
