/* align: forced alignment on the board (issue 15; README.md).
 *
 *   console lines: "text WORDS..." (repeatable: the transcript, in plain ASCII),
 *                  "phones on|off" (per-phone lines too), "end N" (the recording is N
 *                  samples long; may come at any time), "opp 480|240|120|64" (operating
 *                  point) or "opp auto [P]" (the governor: after 50 hops measured from
 *                  64 MHz up, the point with the least supply current that keeps up, a hop
 *                  taking at most P % of its 20 ms, default 80), "wait low|same" (wait
 *                  between hops at 16 MHz, the default, or at the computing point),
 *                  "go" (start: capture begins),
 *                  "record" (the meeting recorder: capture and the voice activity detector
 *                  only, no transcript: "vad" lines, then align_done with speech_segments),
 *                  "find PHRASE" (before record, up to 4: the model runs too and every
 *                  occurrence is a {"event":"found","phrase","start_ms","end_ms","score"} line
 *                  while recording, align_find.h), "threshold NATS" (the search's bar)
 *   DMA ─▶ sample ring ─▶ one 20 ms hop at a time: phones_pipeline_hop (the phone
 *     recognizer's own hop: front end ─▶ model ─▶ 41 scores) ─▶ align_frame (h7dec ALIGN
 *     over transcript windows) ─▶ one {"event":"word",...} line per word as it becomes final
 *   after sample N: the model's look-ahead is flushed (newest frame repeated), align_end, and one
 *     align_done line (frames, words, cycles after the last sample, peak stack, windows).
 *   every hop also goes through the voice activity detector: {"event":"vad","type":
 *     "speech_start"|"speech_end","time_ms":...} (h7voice pronounce's rate, record's segments)
 * Errors (bad text, audio shorter than the text, ...) are one {"event":"align_error"} line.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "apps/align/align_core.h"
#include "apps/align/align_find.h"
#include "frontend/vad.h"
#include "apps/align/align_energy_table.h"
#include "apps/phones/phones_model.h"
#include "apps/phones/phones_pipeline.h"
#include "apps/phones/phones_runner.h"
#include "common/fmt.h"
#include "common/json.h"
#include "common/line.h"
#include "engine/h7nn.h"
#include "platform/audio.h"
#include "platform/platform.h"
#include "platform/sections.h"

#define ALIGN_VERSION "0.1.0"
#define MAX_HOP 512u
#define STACK_PAINT 0xA5A5A5A5u

static const phones_model_t *model;
static h7nn_interpreter nn;
static phones_pipeline_t pipeline;
/* the aligner and the recorder's phrase search share their memory: a run is one or the other
 * (text + go, or find + record), so the image's RAM is the bigger of the two */
static union {
    align_t align;
    align_find_t find;
} mem H7_AXI_BSS;
static align_find_t *const finder = &mem.find;
static bool finding;                    /* `find` lines came: record runs the model and searches */
static int32_t find_threshold = -1;     /* `threshold NATS` (1/256 nat); < 0: the decoder's */
static char line_buf[240];
static h7_line_t line;
static bool per_phone, started, finished;
static uint32_t end_samples;            /* 0: not known yet */
static uint64_t consumed;               /* the stream's position: samples behind us (given to the
                                          * pipeline, or not captured while in Stop) */
static uint32_t words_out, hops, all_in_cycles;
static bool all_in;
static bool audio_over;
/* the voice activity detector over the same hops (h7voice pronounce's speaking rate and
 * record's segments): the host runs this C on the same 320-sample frames */
static h7vad_t vad;
/* `record`: the meeting-recorder mode: capture and the detector only, no transcript */
static bool record_only;
static uint32_t speech_segments;
/* `stop on` (record mode): Stop between speech segments, woken by the microphone's
 * wake-on-sound output (or at the end of the recording); the stream position is then taken
 * from the clock, on the 20 ms hop grid, so times stay on the recording's axis */
static bool stop_between, stop_pending;
static uint32_t origin_us, stops, stopped_ms;
/* governor ("opp auto"): cycles per hop measured over the first GOV_HOPS hops, from the
 * slowest computing point up: a hop that takes more than gov_max_busy of its 20 ms there
 * moves the measurement one point faster at once (the 256 ms sample ring absorbs that hop),
 * so a light workload is never measured at 480 MHz (26 mJ of the 10 s figure) and a heavy
 * one never falls behind. Cycles per hop do not depend on the clock in the simulator; on
 * silicon fewer flash wait states at a slow point make them a little optimistic for the
 * fast ones, where busy is small anyway. */
#define GOV_HOPS 50u
#define GOV_MAX_BUSY_PERCENT 80u
static bool gov_auto, gov_done;
static uint32_t gov_hops, gov_step_ups, gov_max_busy_percent = GOV_MAX_BUSY_PERCENT;
static uint64_t gov_cycles;
/* the point hops are computed at ("opp N", the governor's choice) and the one the core
 * waits at between them: the keyword image's 16 MHz waiting point (DS12110: 12 mA in Sleep
 * against 16.5-50.7 at the computing points; I2S and the console run on HSI, so capture
 * and baud rate do not change), or with "wait same" the computing point itself (before) */
static h7_opp_t work_opp = H7_OPP_480;
static bool wait_low = true;
static uint32_t opp_switches;

static void to_point(h7_opp_t o)
{
    if (h7_clock_get_opp() == o) return;
    (void)h7_clock_set_opp(o);   /* on failure the platform keeps a working point */
    opp_switches++;
}

/* Supply current while waiting: the 16 MHz point's Sleep figure, or the computing point's own. */
static float wait_ma(int k)
{
    if (!wait_low) return ALIGN_OPP_CURRENT[k].sleep_ma;
    for (unsigned i = 0; i < sizeof ALIGN_OPP_CURRENT / sizeof ALIGN_OPP_CURRENT[0]; i++)
        if (ALIGN_OPP_CURRENT[i].mhz == 16u) return ALIGN_OPP_CURRENT[i].sleep_ma;
    return ALIGN_OPP_CURRENT[k].sleep_ma;
}
extern uint32_t __stack_limit[];

static void error_event(const char *what, const char *detail)
{
    char buf[400];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "align_error");
    h7_json_str(&j, "what", what);
    h7_json_str(&j, "message", detail);
    h7_json_emit(&j);
    h7_console_flush();
}

static void fatal(const char *what, const char *detail)
{
    error_event(what, detail);
    h7_led_set(H7_LED_RED, true);
    for (;;)
        h7_sleep();
}

/* ms with 3 decimals in integers: the host prints the same digits */
static void put_score(h7_json_t *j, const char *key, int32_t units, int32_t frames)
{
    if (frames < 1) frames = 1;
    int64_t milli = (int64_t)units * 1000;
    int64_t den = (int64_t)frames * H7DEC_SCORE_ONE;
    int64_t q = ((milli < 0 ? -milli : milli) + den / 2) / den;
    h7_json_float(j, key, (double)(milli < 0 ? -q : q) / 1000.0, 3);
}

static void on_word(void *ctx, const align_word_t *w)
{
    (void)ctx;
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "word");
    h7_json_uint(&j, "index", w->index);
    h7_json_str(&j, "word", w->text);
    h7_json_int(&j, "start_ms", w->start_ms);
    h7_json_int(&j, "end_ms", w->end_ms);
    put_score(&j, "score", w->score, w->end - w->start);
    h7_json_emit(&j);
    words_out++;
}

static void on_phone(void *ctx, const align_phone_t *p)
{
    (void)ctx;
    if (!per_phone) return;
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "phone");
    h7_json_str(&j, "phone", h7dec_phone_name(p->phone));
    h7_json_int(&j, "word", p->word);
    h7_json_int(&j, "start_ms", p->start_ms);
    h7_json_int(&j, "end_ms", p->end_ms);
    put_score(&j, "score", p->score, p->end - p->start);
    put_score(&j, "gop", p->gop, p->gop_frames);
    h7_json_emit(&j);
}

/* a phrase found while recording: {"event":"found","phrase","start_ms","end_ms","score"} */
static void on_hit(void *ctx, const align_hit_t *h)
{
    (void)ctx;
    const align_phrase_t *p = &finder->phrases[h->phrase];
    char words[ALIGN_FIND_TEXT];
    size_t n = 0;
    for (uint32_t k = 0; k < p->nwords; k++) {   /* the normalised words, space-separated */
        const char *w = p->text + p->word_off[k];
        size_t m = strlen(w);
        if (k) words[n++] = ' ';
        memcpy(words + n, w, m);
        n += m;
    }
    words[n] = 0;
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "found");
    h7_json_str(&j, "phrase", words);
    h7_json_int(&j, "start_ms", h->start_ms);
    h7_json_int(&j, "end_ms", h->end_ms);
    put_score(&j, "score", h->score, 1);
    h7_json_emit(&j);
}

/* the model hop by hop: its stride-2 first layer streamed (phones_runner_run) */
static phones_runner_t phone_runner;
static uint8_t stream_state[PHONES_STREAM_STATE_BYTES] __attribute__((aligned(8)));

static const int8_t *run_model(void *user, int restart)
{
    (void)user;
    return phones_runner_run(&phone_runner, restart);
}

static void init_model(void)
{
    const char *stage, *why = h7nn_open_embedded(&nn, model->data, model->size, model->crc32, model->resolver,
                                                 model->arena, model->arena_bytes, &stage);
    if (why)
        fatal(stage, why);
    h7nn_tensor in, out;
    h7nn_input(&nn, 0, &in);
    h7nn_output(&nn, 0, &out);
    if (in.type != H7NN_INT8 || out.type != H7NN_INT8) fatal("model", "input and output must be int8");
    if (strcmp(model->phoneset, h7dec_phoneset_name()) || model->phoneset_hash != h7dec_phoneset_hash() ||
        out.bytes != H7DEC_PHONE_COUNT)
        fatal("model", "the model's phone set is not the decoder's (phones.def)");
    const char *problem = phones_runner_init(&phone_runner, &nn, stream_state, sizeof stream_state);
    if (problem) fatal("model", problem);
    problem = phones_pipeline_open(&pipeline, model->frontend, model->window_frames, model->lookahead_frames,
                                   model->output_kind, &in, &out, run_model, NULL);
    if (problem) fatal("pipeline", problem);
    if (pipeline.hop_samples > MAX_HOP) fatal("frontend", "hop longer than 512 samples");
    if (pipeline.hop_samples != 320 || model->frontend->window_length != 480)
        fatal("frontend", "align_frame_ms assumes a 20 ms hop and a 30 ms window (phones_mel40)");
}

/* the stack below the current frame is painted once; the deepest unpainted word is the peak */
static void paint_stack(void)
{
    volatile uint32_t *p = __stack_limit;
    uint32_t here = (uint32_t)(uintptr_t)&p;
    while ((uint32_t)(uintptr_t)p < here - 256u) *p++ = STACK_PAINT;
}

static uint32_t stack_peak(void)
{
    extern uint32_t __stack_top[];
    const uint32_t *p = __stack_limit;
    while (p < __stack_top && *p == STACK_PAINT) p++;
    return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

/* The cheapest operating point that keeps up: per point, the share of each 20 ms hop the
 * measured work takes at that clock (busy) and the mean supply current busy x run + (1 -
 * busy) x wait (the 16 MHz point's Sleep, or the point's own with "wait same"; DS12110
 * figures of the simulator's energy model, align_energy_table.h); a point where the work
 * would take more than gov_max_busy_percent of the hop is not a candidate. Race-to-idle (a fast
 * point, long waits) against slow-and-steady (a slow point, short waits): whichever costs less. */
static void governor_decide(void)
{
    float mean = (float)gov_cycles / (float)gov_hops;
    int best = -1;
    float best_ma = 0.0f;
    char buf[2 * H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "governor");
    h7_json_uint(&j, "cycles_per_hop", (uint32_t)mean);
    h7_json_uint(&j, "measured_mhz", h7_clock_sysclk_hz() / 1000000u);
    h7_json_uint(&j, "step_ups", gov_step_ups);
    h7_json_array(&j, "points");
    for (int k = 0; k < (int)(sizeof ALIGN_OPP_CURRENT / sizeof ALIGN_OPP_CURRENT[0]); k++) {
        float busy = mean / ((float)ALIGN_OPP_CURRENT[k].mhz * 1e6f * 0.020f);
        float ma = busy * ALIGN_OPP_CURRENT[k].run_ma + (1.0f - busy) * wait_ma(k);
        bool ok = busy * 100.0f <= (float)gov_max_busy_percent;
        h7_json_object(&j, NULL);
        h7_json_uint(&j, "mhz", ALIGN_OPP_CURRENT[k].mhz);
        h7_json_float(&j, "busy", busy, 3);
        h7_json_float(&j, "mA", ok ? ma : -1.0f, 2);
        h7_json_close(&j);
        if (ok && (best < 0 || ma < best_ma)) { best = k; best_ma = ma; }
    }
    h7_json_close(&j);
    unsigned mhz = best >= 0 ? ALIGN_OPP_CURRENT[best].mhz : 480u;
    h7_opp_t o = mhz == 480 ? H7_OPP_480 : mhz == 240 ? H7_OPP_240 : mhz == 120 ? H7_OPP_120 : H7_OPP_64;
    work_opp = o;
    to_point(o);
    if (h7_clock_get_opp() != o) mhz = h7_clock_sysclk_hz() / 1000000u;
    h7_json_uint(&j, "chosen_mhz", mhz);
    h7_json_uint(&j, "wait_mhz", wait_low ? 16u : mhz);
    h7_json_emit(&j);
    gov_done = true;
}

static void finish(void)
{
    uint32_t c0 = all_in ? all_in_cycles : h7_cycles();
    int st = ALIGN_OK;
    /* the look-ahead is flushed as the model was trained and as the host library does it:
     * the newest frame repeated (phones_pipeline_repeat_last), not silence */
    for (uint32_t k = 0; k < model->lookahead_frames && !st && (!record_only || finding); k++) {
        int r = phones_pipeline_repeat_last(&pipeline);
        if (r < 0) fatal("model", h7nn_error(&nn));
        if (r == 1) st = record_only ? align_find_frame(finder, pipeline.scores) : align_frame(&mem.align, pipeline.scores);
    }
    if (!st && record_only && finding) st = align_find_end(finder);
    if (!st && !record_only) st = align_end(&mem.align);
    if (h7vad_in_speech(&vad)) speech_segments++;   /* speech still going ends with the audio */
    uint32_t cycles = h7_cycles() - c0;
    h7audio_stop();
    finished = true;
    if (st) {
        if (record_only) error_event("find", finder->msg);
        else error_event(st == ALIGN_ERR_AUDIO ? "audio" : "align", mem.align.msg);
        return;
    }
    /* record mode: the aligner's counters are not in use (its memory is the search's) */
    const bool al = !record_only;
    h7audio_stats_t as;
    h7audio_get_stats(&as);
    char buf[2 * H7_JSON_LINE_MAX];
    h7_json_t j;
    if (record_only && finding) {   /* the phrase search's own counters, before align_done */
        h7_json_begin(&j, buf, sizeof buf, "find_done");
        const h7_json_uint_field_t g[] = {
            {"found", finder->hits},
            {"segments_searched", finder->segments},
            {"frames_searched", finder->frames_searched},
            {"frames_lost", finder->frames_lost},
            {"segments_lost", finder->segments_lost},
            {"search_bytes", (uint32_t)sizeof *finder},
        };
        h7_json_uints(&j, g, sizeof g / sizeof g[0]);
        h7_json_emit(&j);
    }
    h7_json_begin(&j, buf, sizeof buf, "align_done");
    const h7_json_uint_field_t f[] = {
        {"words", words_out},
        {"frames", (uint32_t)(al ? mem.align.frames : finding ? finder->frames : 0)},
        {"audio_ms", (uint32_t)(consumed / 16u)},
        {"cycles_after_audio", cycles},
        {"mhz", h7_clock_sysclk_hz() / 1000000u},
        {"stack_peak_bytes", stack_peak()},
        {"windows", al ? mem.align.windows : 0u},
        {"decoder_workspace_max", al ? mem.align.workspace_max : 0u},
        {"graph_nodes_max", al ? mem.align.nodes_max : 0u},
        {"forced_commits", al ? mem.align.forced_commits : 0u},
        {"pause_cuts", al ? mem.align.pause_cuts : 0u},
        {"arena_bytes", (uint32_t)h7nn_arena_used(&nn)},
        {"aligner_bytes", (uint32_t)sizeof mem.align},
        {"lost_samples", as.dropped_samples},
        {"speech_segments", speech_segments},
        {"stops", stops},
        {"stopped_ms", stopped_ms},
        {"opp_switches", opp_switches},
        {"wait_mhz", wait_low ? 16u : h7_clock_sysclk_hz() / 1000000u},
    };
    h7_json_uints(&j, f, sizeof f / sizeof f[0]);
    h7_json_emit(&j);
    h7_console_flush();
}

static void start_capture(const char *mode)
{
    h7vad_config_t vc;
    h7vad_default_config(&vc, 16000u);
    if (h7vad_init(&vad, &vc)) fatal("vad", "the voice activity detector's defaults are unusable");
    if (vc.hangover_frames > ALIGN_FIND_HOLD)   /* the search would read past segment ends */
        fatal("find", "the detector's hangover is longer than ALIGN_FIND_HOLD (align_find.h)");
    origin_us = h7_time_us();
    if (h7audio_start(16000u) != H7AUDIO_OK) fatal("audio", "capture did not start");
    started = true;
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "align_started");
    h7_json_str(&j, "mode", mode);
    h7_json_uint(&j, "words", record_only ? 0u : mem.align.nwords);
    if (record_only) h7_json_uint(&j, "phrases", finding ? finder->nphrases : 0u);
    h7_json_emit(&j);
}

/* After a speech segment in record mode: capture off, Stop until sound (or the end of the
 * recording), capture on; the samples the microphone heard meanwhile are skipped on the
 * stream's axis (from the microsecond clock, which counts Stop time), rounded up to the
 * hop grid so the detector's frames stay where the host's are. */
static void enter_stop(uint32_t hs)
{
    stop_pending = false;
    uint32_t left_ms = end_samples && end_samples > consumed ? (uint32_t)((end_samples - consumed) / 16u) : 0u;
    if (end_samples && left_ms < 40u) return;   /* the recording is over: nothing to wait for */
    if (finding) {   /* the search's frames up to the gap: the look-ahead flushed as at the end */
        for (uint32_t k = 0; k < model->lookahead_frames; k++) {
            int r = phones_pipeline_repeat_last(&pipeline);
            if (r < 0) fatal("model", h7nn_error(&nn));
            if (r == 1 && align_find_frame(finder, pipeline.scores)) fatal("find", finder->msg);
        }
    }
    h7audio_stop();
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "stop");
    h7_json_uint(&j, "audio_ms", (uint32_t)(consumed / 16u));
    h7_json_emit(&j);   /* sent after the wake-up (h7_console_hold): the Stop comes at once */
    uint32_t t0 = h7_time_ms();
    h7_stop_result_t r;
    if (left_ms) h7_stop_within(&r, left_ms > 65535u ? 65535u : left_ms);
    else h7_stop(&r);
    uint32_t now_us = h7_time_us();
    if (h7audio_start(16000u) != H7AUDIO_OK) fatal("audio", "capture did not restart after Stop");
    now_us += h7_stop_settle_time();   /* the Stop's last partial millisecond, measured now */
    stops++;
    stopped_ms += h7_time_ms() - t0;
    uint64_t pos = (uint64_t)(now_us - origin_us) * 16u / 1000u;   /* the first sample captured now */
    /* the Stop is measured in 1 ms ticks of LPTIM1, the last one from its end (to the time
     * the capture restart took, h7_stop_settle_time): a first sample less than 1 ms past a
     * hop boundary is taken as on it, instead of pushing the stream a whole hop later */
    uint64_t grid = ((pos > 16u ? pos - 16u : 0u) + hs - 1u) / hs * hs;
    if (grid < consumed) grid = consumed;
    /* samples before the grid point are not analysed (the first, partial hop) */
    static int16_t skip[320];
    for (uint64_t k = pos; k < grid;) {
        size_t n = h7audio_read(skip, (size_t)(grid - k < 320u ? grid - k : 320u));
        if (!n) { h7_sleep(); continue; }
        k += n;
    }
    vad.samples_seen = grid;   /* the detector's clock follows the stream */
    consumed = grid;
    if (finding) {   /* the model's stream goes on after the gap (phones_pipeline_resume); the search skips it */
        phones_pipeline_resume(&pipeline);
        if (align_find_resume(finder, (int32_t)(consumed / hs))) fatal("find", finder->msg);
    }
    h7_json_begin(&j, buf, sizeof buf, "wake");
    h7_json_uint(&j, "audio_ms", (uint32_t)(consumed / 16u));
    h7_json_uint(&j, "first_sample", (uint32_t)pos);   /* where the clock puts the first sample heard */
    h7_json_uint(&j, "stopped_ms", h7_time_ms() - t0);
    h7_json_str(&j, "source", h7_wake_source_name(r.wake_source));
    h7_json_emit(&j);
}

static void command(const char *cmd)
{
    if (!strncmp(cmd, "text ", 5) || !strcmp(cmd, "text")) {
        if (started) { error_event("text", "the alignment has started: send the text before go"); return; }
        if (finding) { error_event("text", "phrases to find were given: this run is a recording (record), not an alignment"); return; }
        if (align_add_text(&mem.align, cmd + 4, strlen(cmd + 4))) {
            error_event("text", mem.align.msg);
            align_reset(&mem.align, on_word, on_phone, NULL);
        }
    } else if (!strcmp(cmd, "phones on")) {
        per_phone = true;
    } else if (!strcmp(cmd, "phones off")) {
        per_phone = false;
    } else if (!strncmp(cmd, "end ", 4)) {
        uint32_t n = 0;
        if (!h7_line_uint(cmd + 4, &n) || !n || n > 999999999u) {
            error_event("end", "end wants the recording's length in samples (end N, N > 0)");
            return;
        }
        end_samples = n;
    } else if (!strncmp(cmd, "opp auto", 8) && (!cmd[8] || cmd[8] == ' ')) {
        /* the governor picks after the first second; "opp auto P": a hop may take at most P %
         * of its 20 ms at the chosen point (default GOV_MAX_BUSY_PERCENT) */
        uint32_t pc = 0;
        if (cmd[8] && (!h7_line_uint(cmd + 9, &pc) || pc < 1u || pc > 100u)) {
            error_event("opp", "opp auto P wants a percentage 1..100");
            return;
        }
        gov_auto = true;
        gov_max_busy_percent = pc ? pc : GOV_MAX_BUSY_PERCENT;
        work_opp = H7_OPP_64;   /* measured from the slowest computing point up */
    } else if (!strncmp(cmd, "opp ", 4)) {   /* the operating point for the energy table */
        const char *m = cmd + 4;
        h7_opp_t o = !strcmp(m, "480") ? H7_OPP_480 : !strcmp(m, "240") ? H7_OPP_240
                   : !strcmp(m, "120") ? H7_OPP_120 : !strcmp(m, "64") ? H7_OPP_64 : H7_OPP_COUNT;
        if (o == H7_OPP_COUNT || h7_clock_set_opp(o) != 0) error_event("opp", "opp wants 480, 240, 120 or 64");
        else work_opp = o;
    } else if (!strcmp(cmd, "wait low")) {   /* wait between hops at 16 MHz (the default) */
        wait_low = true;
    } else if (!strcmp(cmd, "wait same")) {  /* wait at the computing point (the energy table's before) */
        wait_low = false;
    } else if (!strncmp(cmd, "find ", 5)) {   /* record mode: a phrase to find while recording */
        if (started) { error_event("find", "give the phrases before record"); return; }
        if (!finding && mem.align.nwords) { error_event("find", "a transcript was given: this run is an alignment (go), not a recording"); return; }
        if (!finding) align_find_reset(finder, -1, on_hit, NULL);
        finding = true;
        if (align_find_add(finder, cmd + 5, strlen(cmd + 5))) {
            error_event("find", finder->msg);
            if (!finder->nphrases) {   /* nothing to find after all: the memory is the aligner's again */
                finding = false;
                align_reset(&mem.align, on_word, on_phone, NULL);
            }
        }
    } else if (!strncmp(cmd, "threshold ", 10)) {   /* the phrase search's bar, nats with 2 decimals */
        uint32_t whole = 0, cents = 0;
        const char *v = cmd + 10, *dot = strchr(v, '.');
        char head[12];
        size_t hl = dot ? (size_t)(dot - v) : strlen(v);
        bool ok = hl > 0 && hl < sizeof head;
        if (ok) {
            memcpy(head, v, hl);
            head[hl] = 0;
            ok = h7_line_uint(head, &whole) && whole <= 100u;
        }
        if (ok && dot) ok = strlen(dot + 1) >= 1 && strlen(dot + 1) <= 2 && h7_line_uint(dot + 1, &cents);
        if (ok && dot && strlen(dot + 1) == 1) cents *= 10u;
        if (!ok || started) { error_event("threshold", "threshold wants nats, 0 to 100 with at most 2 decimals, before record"); return; }
        /* nats x 256, rounded as the host tools round (never a tie at 2 decimals) */
        find_threshold = (int32_t)(((whole * 100u + cents) * (uint32_t)H7DEC_SCORE_ONE + 50u) / 100u);
    } else if (!strcmp(cmd, "go")) {
        if (started) { error_event("go", "already aligning"); return; }
        if (finding) { error_event("go", "phrases to find were given: start the recording with record"); return; }
        if (align_start(&mem.align)) {
            error_event("text", mem.align.msg);
            align_reset(&mem.align, on_word, on_phone, NULL);
            return;
        }
        start_capture("align");
    } else if (!strcmp(cmd, "stop on")) {   /* record mode: Stop between speech segments */
        stop_between = true;
    } else if (!strcmp(cmd, "record")) {
        if (started) { error_event("record", "already running"); return; }
        if (finding && find_threshold >= 0) finder->cfg.spot_threshold = find_threshold;
        record_only = true;
        start_capture("record");
    } else {
        error_event("command", "unknown command (text WORDS | phones on|off | end N | opp MHZ|auto | wait low|same | go | record | stop on | find PHRASE | threshold NATS)");
    }
}

int main(void)
{
    model = phones_model_get();
    h7_platform_init(H7_OPP_480);
    paint_stack();
    char buf[H7_JSON_LINE_MAX];
    h7_json_t j;
    h7_json_begin(&j, buf, sizeof buf, "boot");
    h7_json_str(&j, "app", "align");
    h7_json_str(&j, "version", ALIGN_VERSION);
    h7_json_str(&j, "model", model->name);
    h7_json_uint(&j, "lsi_hz", h7_lsi_measured_hz()); /* the Stop clock's (record with Stop), measured at boot */
    h7_json_emit(&j);
    init_model();
    align_reset(&mem.align, on_word, on_phone, NULL);
    h7_line_init(&line, line_buf, sizeof line_buf);
    h7_json_begin(&j, buf, sizeof buf, "align_ready");
    h7_json_uint(&j, "lexicon_bytes", align_lex_bytes());
    h7_json_uint(&j, "max_words", ALIGN_MAX_WORDS);
    h7_json_uint(&j, "line_max", sizeof line_buf - 1);
    h7_json_uint(&j, "lookahead_frames", model->lookahead_frames);
    h7_json_emit(&j);

    static int16_t hop[MAX_HOP];
    for (;;) {
        int c;
        while ((c = h7_console_getc()) >= 0) {
            int r = h7_line_feed(&line, c);
            if (r == H7_LINE_READY) command(line_buf);
            else if (r == H7_LINE_TOO_LONG) error_event("command", "line too long: send the text in lines of at most 239 characters");
        }
        if (started && !finished) {
            const uint32_t hs = pipeline.hop_samples;
            if (h7audio_failed()) fatal("audio", "DMA errors kept coming after each capture restart");
            if (end_samples && !all_in && consumed + h7audio_available() >= end_samples) {
                all_in = true;   /* the recording's last sample is in RAM: the clock of "after audio" starts */
                all_in_cycles = h7_cycles();
            }
            bool worked = false;
            while (!audio_over && h7audio_available() >= hs) {
                to_point(work_opp);
                h7audio_read(hop, hs);
                if (end_samples && consumed + hs > end_samples) {   /* a partial last hop: dropped, as on the host */
                    audio_over = true;
                    break;
                }
                consumed += hs;
                hops++;
                h7vad_event_t ve = h7vad_process(&vad, hop, hs);
                if (ve == H7VAD_SPEECH_END) {
                    speech_segments++;
                    if (record_only && stop_between) stop_pending = true;
                } else if (ve == H7VAD_SPEECH_START) {
                    stop_pending = false;   /* speech again while the console drained: no Stop */
                }
                if (record_only && finding && ve != H7VAD_NONE) {
                    int fs = ve == H7VAD_SPEECH_START ? align_find_speech_start(finder, (int32_t)h7vad_event_time_ms(&vad))
                                                      : align_find_speech_end(finder, (int32_t)h7vad_event_time_ms(&vad));
                    if (fs) fatal("find", finder->msg);
                }
                if (ve != H7VAD_NONE) {
                    char vb[H7_JSON_LINE_MAX];
                    h7_json_t vj;
                    h7_json_begin(&vj, vb, sizeof vb, "vad");
                    h7_json_str(&vj, "type", ve == H7VAD_SPEECH_START ? "speech_start" : "speech_end");
                    h7_json_uint(&vj, "time_ms", h7vad_event_time_ms(&vad));
                    h7_json_emit(&vj);
                }
                uint32_t c0 = h7_cycles();
                int r = record_only && !finding ? 0 : phones_pipeline_hop(&pipeline, hop);
                if (r < 0) fatal("model", h7nn_error(&nn));
                int ar = r != 1 ? ALIGN_OK : record_only ? align_find_frame(finder, pipeline.scores)
                                                         : align_frame(&mem.align, pipeline.scores);
                if (gov_auto && !gov_done && r == 1) {
                    uint32_t c = h7_cycles() - c0;
                    gov_cycles += c;
                    uint64_t budget = (uint64_t)h7_clock_sysclk_hz() / 50u * gov_max_busy_percent / 100u;
                    if (c > budget && work_opp < H7_OPP_480) {   /* falling behind: one point faster */
                        work_opp = (h7_opp_t)(work_opp + 1);
                        gov_step_ups++;
                    }
                    if (++gov_hops == GOV_HOPS) governor_decide();
                }
                if (ar) {
                    error_event(record_only ? "find" : "align", record_only ? finder->msg : mem.align.msg);
                    finished = true;
                    h7audio_stop();
                    break;
                }
                worked = true;
                if (end_samples && consumed + hs > end_samples) audio_over = true;
                /* the console first, still capturing (speech starting meanwhile cancels it) */
                if (stop_pending && !audio_over && h7_console_idle()) enter_stop(hs);
            }
            if (audio_over && !finished) {
                to_point(work_opp);
                finish();
            }
            if (worked) continue;   /* more may have come in meanwhile; else sleep until the next DMA half */
            if (!finished && wait_low) to_point(H7_OPP_16);
        }
        h7_sleep();
    }
}
