/* The keyword pipeline owns the whole hop, independent of the board:
 *
 *   samples ─▶ front end frame ─▶ int8 feature window (ring of the model's input rows)
 *           ─▶ VAD ─▶ detector segments ─▶ power policy (desired mode)
 *           ─▶ pacer ─▶ window copied once, oldest row first, into the model's input
 *           ─▶ model (a callback) ─▶ detector scores ─▶ decision (the detection it returns)
 *
 * The operating point is decided here, in one place: the model runs at the RECOGNIZE
 * point, everything else at the LISTEN point (race to idle); the board glue only maps a
 * mode to its operating point (config.set_point). Stop is the power policy's mode
 * (p->power.mode == KWS_POWER_STOP after a hop): the glue enters it. The board glue
 * (main.c) feeds captured audio and shows what comes out (actions, events); host tests
 * feed WAV audio and a model of their choice. Portable C11.
 */
#ifndef H7_APPS_KWS_PIPELINE_H
#define H7_APPS_KWS_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "speech/kws_detector.h"
#include "apps/kws/kws_pacer.h"
#include "apps/kws/kws_power.h"
#include "frontend/frontend.h"
#include "frontend/vad.h"

#define KWS_PIPELINE_MAX_FRAMES 64
#define KWS_PIPELINE_MAX_FEATURES 16
/* The cascade's catch-up (README.md, "Cascade"): when the gate opens, the model also scores
 * the windows of the gate's earlier runs of the segment, up to this many frames back, so
 * the detector gets the posteriors the model alone would have given. */
#define KWS_PIPELINE_CATCHUP_FRAMES 16u
#define KWS_PIPELINE_CATCHUP_RUNS 4
/* Streaming: one model state per phase of the hop (a window ending at frame e continues the
 * state of phase e mod stream_frames), so runs one frame apart (the dense runs) are hops of
 * two interleaved streams. At most this many (the 60 ms model stride in 20 ms frames). */
#define KWS_PIPELINE_STREAM_PHASES 3u

/* Runs the model on config.model_input (frames x features int8, oldest frame first, just
 * written by the pipeline) and writes the class probabilities (0..1). Returns false if
 * the model failed. */
typedef bool (*kws_model_fn)(void *user, float *probs);
/* Puts the board at the operating point of `mode` (LISTEN or RECOGNIZE); may be NULL. */
typedef void (*kws_point_fn)(void *user, kws_power_mode_t mode);

typedef struct {
    const h7fe_config_t *frontend;     /* the features the model was trained on */
    float input_scale;                 /* the model input's quantization */
    int32_t input_zero_point;
    int class_count;
    uint32_t keyword_mask;             /* classes that are commands */
    uint32_t stop_end_mask;            /* commands ending in a stop consonant (kws_word_ends_in_stop) */
    uint32_t early_stop_quiet_frames;  /* their early decision's quiet frames; 0: KWS_EARLY_STOP_QUIET_FRAMES */
    uint32_t dense_lead;               /* the lead run (KWS_DENSE_LEAD): 0 kws_config.h's, 1 off, 2 on */
    uint32_t early_decision;           /* KWS_EARLY_DECISION: 0 kws_config.h's, 1 off, 2 on */
    uint32_t model_hop_ms;             /* N */
    uint32_t max_backlog_ms;           /* behind by more: skip the model run */
    uint32_t vad_hangover_frames;
    int8_t *model_input;               /* the model's input tensor (frames x features) */
    kws_model_fn run_model;
    kws_point_fn set_point;
    void *user;                        /* passed to run_model, run_gate and set_point */
    /* The cascade (README.md, "Cascade"): a small gate model on the same features runs
     * first, at the GATE point; the model above runs only once the gate's best command
     * word reaches gate_threshold in the current segment (from that run on, every run of
     * the segment). NULL: no cascade, the model runs alone. */
    kws_model_fn run_gate;
    int8_t *gate_input;                /* the gate's input tensor (same shape and quantization) */
    float gate_threshold;              /* 0..1 */
    /* Streaming (README.md, "Streaming"; kws_stream.h decides): the model keeps one state
     * per phase (stream_slot: the window's newest frame mod stream_frames), and run_model
     * computes only the new frames when its window follows that phase's previous window by
     * exactly stream_frames. Before any other run the pipeline calls reset_stream (that
     * phase's next run is a full window). After the dense runs the pacer runs the model
     * every stream_frames frames. 0: no streaming, every run a full window (reset_stream
     * unused). */
    uint32_t stream_frames;
    void (*reset_stream)(void *user);
} kws_pipeline_config_t;

typedef struct {
    kws_pipeline_config_t config;
    h7fe_t frontend;
    h7vad_t vad;
    kws_detector_t detector;
    kws_power_t power;
    kws_pacer_t pacer;
    uint32_t frames, features, hop_samples, frame_ms;
    /* ring of feature rows: the model's window plus KWS_PIPELINE_CATCHUP_FRAMES older ones
     * (the windows of the gate's earlier runs, for the cascade's catch-up) */
    int8_t window[KWS_PIPELINE_MAX_FRAMES * KWS_PIPELINE_MAX_FEATURES];
    uint32_t ring_frames;
    uint32_t window_next, window_filled;
    uint32_t frames_pushed;            /* feature frames so far */
    uint32_t window_back;              /* the run in progress: its window ends this many frames ago */
    uint32_t run_ms;                   /* the glue's estimate of one model run (0 on the host) */
    uint64_t samples;                  /* processed */
    uint32_t gap_ms;                   /* audio not captured (Stop) */
    uint32_t gap_frames;               /* feature rows that stood in for it (the room tone) */
    uint32_t model_failures;
    uint32_t early_decisions;          /* decided before the end of the VAD's hangover */
    float quiet_peak_db;               /* loudest frame of the VAD's quiet run, above its floor */
    /* a stop consonant's release: a short run of speech frames after a quiet gap */
    uint32_t prev_quiet, loud_frames, gap_before_run;
    bool released;                     /* the current quiet run follows a release */
    bool ran_model;                    /* the last hop ran the model */
    bool fast_next;                    /* the next hop is a dense run: its front end at the recognition point */
    /* the cascade */
    bool gate_open;                    /* the gate fired in the current segment */
    uint32_t gate_segment;             /* detector.segments when gate_open was last reset */
    uint32_t gate_runs;                /* gate model runs */
    uint32_t gate_opened;              /* segments the gate let through */
    uint32_t model_runs;               /* runs of the (full) model */
    uint32_t catchup_runs;             /* of those, on the windows of earlier gate runs */
    struct {
        uint32_t frame;                /* frames_pushed at the gate's run */
        uint32_t ms;                   /* its audio time */
    } closed_runs[KWS_PIPELINE_CATCHUP_RUNS]; /* the gate's runs of this segment, newest last */
    uint32_t closed_count;
    /* streaming, per phase: the newest frame (frames_pushed) of the last window the model
     * ran on, and whether that phase's state holds it */
    uint32_t stream_end[KWS_PIPELINE_STREAM_PHASES];
    bool stream_primed[KWS_PIPELINE_STREAM_PHASES];
    uint32_t stream_slot;              /* the phase of the run in progress (for run_model) */
    uint32_t streamed_runs;            /* model runs that followed their phase's last by the hop */
} kws_pipeline_t;

/* Returns NULL on success, or a message naming what is wrong with the configuration. */
const char *kws_pipeline_init(kws_pipeline_t *p, const kws_pipeline_config_t *config);

/* One hop (config.frontend->hop_length samples). backlog_ms: audio captured but not yet
 * processed, plus the time a model run would take (the board glue predicts it), compared
 * with config.max_backlog_ms to skip a run. Returns true when a word was decided (written
 * to *detection). Afterwards the board is at the LISTEN point; p->power.mode says whether
 * the policy wants Stop. */
bool kws_pipeline_hop(kws_pipeline_t *p, const int16_t *samples, uint32_t backlog_ms,
                      kws_detection_t *detection);

/* One model run on silent features (the input zero point), at the RECOGNIZE point, then
 * back to LISTEN: proves the model runs and lets the glue measure its cost before the
 * first word. Not counted as an inference of the pacer. Returns false if the model failed. */
bool kws_pipeline_warm_up(kws_pipeline_t *p);

/* Whether a confident word is decided after its dense runs (config.early_decision, else
 * KWS_EARLY_DECISION) or only after the VAD's hangover. */
bool kws_pipeline_early_decision(const kws_pipeline_t *p);

/* Audio time (ms) at the end of the samples processed so far. */
uint32_t kws_pipeline_now_ms(const kws_pipeline_t *p);

/* Capture resumed after a gap (Stop mode): audio time jumps to resume_ms. */
void kws_pipeline_resume(kws_pipeline_t *p, uint32_t resume_ms);

/* Every phase's next run is a full window (a change of the streaming setting). */
void kws_pipeline_restart_stream(kws_pipeline_t *p);

#endif
