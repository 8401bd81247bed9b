/* Host tests of the power policy, the action mapping and the model pacer. */
#include <string.h>

#include "apps/kws/kws_actions.h"
#include "apps/kws/kws_governor.h"
#include "apps/kws/kws_pacer.h"
#include "apps/kws/kws_power.h"
#include "testing/h7test.h"

static kws_power_t power_at(uint32_t now)
{
    kws_power_config_t cfg;
    kws_power_default_config(&cfg);
    kws_power_t p;
    kws_power_init(&p, &cfg, now);
    return p;
}

H7_TEST(burst_follows_the_detector)
{
    kws_power_t p = power_at(0);
    H7_EXPECT_EQ_INT(kws_power_update(&p, 20, false, false), KWS_POWER_LISTEN);
    H7_EXPECT_EQ_INT(kws_power_update(&p, 40, true, true), KWS_POWER_RECOGNIZE);
    H7_EXPECT_EQ_INT(kws_power_update(&p, 60, false, true), KWS_POWER_RECOGNIZE);
    H7_EXPECT_EQ_INT(kws_power_update(&p, 80, false, false), KWS_POWER_LISTEN);
    H7_EXPECT_EQ_INT(p.entries[KWS_POWER_RECOGNIZE], 1);
    H7_EXPECT_EQ_INT(p.time_in_mode_ms[KWS_POWER_RECOGNIZE], 40);
    H7_EXPECT_EQ_INT(p.time_in_mode_ms[KWS_POWER_LISTEN], 40);
}

H7_TEST(stop_after_five_seconds_of_silence)
{
    kws_power_t p = power_at(1000);
    uint32_t t;
    kws_power_mode_t mode = KWS_POWER_LISTEN;
    for (t = 1020; t < 7000 && mode != KWS_POWER_STOP; t += 20)
        mode = kws_power_update(&p, t, false, false);
    H7_EXPECT_EQ_INT(mode, KWS_POWER_STOP);
    H7_EXPECT_EQ_INT(t - 20, 6000);
    /* stays in Stop until woken */
    H7_EXPECT_EQ_INT(kws_power_update(&p, t, false, false), KWS_POWER_STOP);
    kws_power_woke(&p, 9000);
    H7_EXPECT_EQ_INT(p.mode, KWS_POWER_LISTEN);
    H7_EXPECT_EQ_INT(p.time_in_mode_ms[KWS_POWER_STOP], 3000);
    /* the silence timer restarted at the wake */
    H7_EXPECT_EQ_INT(kws_power_update(&p, 13000, false, false), KWS_POWER_LISTEN);
    H7_EXPECT_EQ_INT(kws_power_update(&p, 14000, false, false), KWS_POWER_STOP);
}

H7_TEST(speech_resets_the_silence_timer)
{
    kws_power_t p = power_at(0);
    H7_EXPECT_EQ_INT(kws_power_update(&p, 4900, true, false), KWS_POWER_LISTEN);
    H7_EXPECT_EQ_INT(kws_power_update(&p, 9800, false, false), KWS_POWER_LISTEN);
    H7_EXPECT_EQ_INT(kws_power_update(&p, 9900, false, false), KWS_POWER_STOP);
}

H7_TEST(noise_never_stops_and_never_holds_the_burst)
{
    kws_power_t p = power_at(0);
    kws_power_mode_t mode = KWS_POWER_LISTEN;
    /* VAD says speech all the time; the detector gave up on the over-long segment */
    for (uint32_t t = 20; t <= 20000; t += 20)
        mode = kws_power_update(&p, t, true, t < 1500);
    H7_EXPECT_EQ_INT(mode, KWS_POWER_LISTEN);
    H7_EXPECT_EQ_INT(p.entries[KWS_POWER_STOP], 0);
    uint64_t total = p.time_in_mode_ms[0] + p.time_in_mode_ms[1] + p.time_in_mode_ms[2];
    H7_EXPECT_EQ_INT(total, 20000);
}

H7_TEST(words_map_to_actions)
{
    kws_outputs_t o;
    kws_outputs_init(&o);
    char buf[32];
    H7_EXPECT_EQ_INT(kws_action_for_word("on"), KWS_ACTION_LIGHT_ON);
    H7_EXPECT_EQ_INT(kws_action_for_word("_unknown_"), KWS_ACTION_NONE);
    H7_EXPECT_EQ_INT(kws_action_for_word(NULL), KWS_ACTION_NONE);
    H7_EXPECT(kws_outputs_apply(&o, kws_action_for_word("on")));
    H7_EXPECT(o.light);
    H7_EXPECT(!kws_outputs_apply(&o, KWS_ACTION_LIGHT_ON));
    H7_EXPECT(strcmp(kws_action_describe(&o, KWS_ACTION_LIGHT_ON, buf, sizeof buf), "light on") == 0);
    kws_outputs_apply(&o, kws_action_for_word("off"));
    H7_EXPECT(!o.light);
    for (int i = 0; i < 10; i++)
        kws_outputs_apply(&o, kws_action_for_word("up"));
    H7_EXPECT_EQ_INT(o.level, KWS_LEVEL_MAX);
    kws_outputs_apply(&o, kws_action_for_word("down"));
    H7_EXPECT(strcmp(kws_action_describe(&o, KWS_ACTION_LEVEL_DOWN, buf, sizeof buf), "level 6") == 0);
    kws_outputs_apply(&o, kws_action_for_word("go"));
    H7_EXPECT(o.running);
    kws_outputs_apply(&o, kws_action_for_word("stop"));
    H7_EXPECT(!o.running);
    kws_outputs_apply(&o, kws_action_for_word("left"));
    H7_EXPECT_EQ_INT(o.selection, 0);
    kws_outputs_apply(&o, kws_action_for_word("right"));
    kws_outputs_apply(&o, kws_action_for_word("right"));
    H7_EXPECT_EQ_INT(o.selection, 2);
    kws_outputs_apply(&o, kws_action_for_word("no"));
    H7_EXPECT_EQ_INT(o.confirm, KWS_CONFIRM_NO);
    kws_outputs_apply(&o, kws_action_for_word("yes"));
    H7_EXPECT_EQ_INT(o.confirm, KWS_CONFIRM_YES);
}

/* The commands whose last sound is a stop consonant (their closure is quiet before the
 * release): the early decision waits longer for them. */
H7_TEST(words_ending_in_a_stop_consonant)
{
    const char *stop_end[] = {"up", "stop", "left", "right"};
    const char *others[] = {"yes", "no", "down", "on", "off", "go", "_silence_", "_unknown_", ""};
    for (unsigned i = 0; i < sizeof stop_end / sizeof stop_end[0]; i++)
        H7_EXPECT(kws_word_ends_in_stop(stop_end[i]));
    for (unsigned i = 0; i < sizeof others / sizeof others[0]; i++)
        H7_EXPECT(!kws_word_ends_in_stop(others[i]));
}

H7_TEST(pacer_runs_every_hop_while_wanted)
{
    kws_pacer_t p;
    kws_pacer_init(&p, 60, 200);
    int runs = 0;
    for (uint32_t t = 20; t <= 600; t += 20)
        runs += kws_pacer_due(&p, t, 0, t >= 100 && t < 400);
    /* wanted from 100 to 380: runs at 100, 160, 220, 280, 340 */
    H7_EXPECT_EQ_INT(runs, 5);
    H7_EXPECT_EQ_INT(p.runs, 5);
    H7_EXPECT_EQ_INT(p.skipped, 0);
}

H7_TEST(pacer_skips_runs_when_behind)
{
    kws_pacer_t p;
    kws_pacer_init(&p, 60, 200);
    int runs = 0;
    for (uint32_t t = 20; t <= 600; t += 20)
        runs += kws_pacer_due(&p, t, t >= 200 ? 300 : 0, true);
    H7_EXPECT_EQ_INT(runs, 3); /* 20, 80, 140; from 200 on every due run is skipped */
    H7_EXPECT(p.skipped >= 6);
}

/* The governor with the datasheet currents of the firmware's points (h7sim/energy.py) and
 * the default model's 6.81 M cycles: 240 MHz is the cheapest point that fits 30 ms. */
H7_TEST(governor_picks_the_cheapest_point_that_fits)
{
    const kws_point_cost_t points[] = {
        {480000000u, 148000u}, {240000000u, 61714u}, {120000000u, 29571u}, {64000000u, 16905u}};
    uint32_t nj[4];
    H7_EXPECT_EQ_INT(kws_governor_pick(points, 4, 6810000u, 30000u, 12000u, 3300u, nj), 1);
    /* 14.19 ms x (148 - 12) mA x 3.3 V = 6.37 mJ at 480; 28.38 ms x 49.7 mA x 3.3 V = 4.65 mJ */
    H7_EXPECT(nj[0] > 6300000u && nj[0] < 6450000u);
    H7_EXPECT(nj[1] > 4600000u && nj[1] < 4700000u);
    H7_EXPECT(nj[2] < nj[1] && nj[3] < nj[2]); /* slower is cheaper, but does not fit */
    H7_EXPECT_EQ_INT(kws_governor_pick(points, 4, 6810000u, 20000u, 12000u, 3300u, NULL), 0);
    H7_EXPECT_EQ_INT(kws_governor_pick(points, 4, 6810000u, 1000u, 12000u, 3300u, NULL), 0); /* none fits: fastest */
    H7_EXPECT_EQ_INT(kws_governor_pick(points, 4, 600000u, 30000u, 12000u, 3300u, NULL), 3);
    H7_EXPECT_EQ_INT(kws_governor_run_us(6810000u, 480000000u), 14188);
}

int main(void)
{
    H7_RUN(burst_follows_the_detector);
    H7_RUN(stop_after_five_seconds_of_silence);
    H7_RUN(speech_resets_the_silence_timer);
    H7_RUN(noise_never_stops_and_never_holds_the_burst);
    H7_RUN(words_map_to_actions);
    H7_RUN(words_ending_in_a_stop_consonant);
    H7_RUN(pacer_runs_every_hop_while_wanted);
    H7_RUN(pacer_skips_runs_when_behind);
    H7_RUN(governor_picks_the_cheapest_point_that_fits);
    return h7test_summary();
}
