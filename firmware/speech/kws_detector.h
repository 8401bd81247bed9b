/* Keyword decision: turns voice-activity segments and per-inference class posteriors into
 * at most ONE detection per spoken word.
 *
 * Why segments: the model sees a 1 s sliding window, so one word keeps its class high for
 * several consecutive inferences (and a plain thresholding detector fires several times, or
 * fires on the tail of the previous word). The detector therefore follows the speech
 * segments the front end's VAD reports (frontend/vad.h: start and end events with times):
 *
 *   idle ──speech start──▶ ACTIVE ──speech end──▶ CLOSING ──settle_ms after the end──▶ decide
 *
 * Inferences run while a segment is ACTIVE or CLOSING; their posteriors are smoothed
 * (moving average of the last `smooth_count`) and the peak smoothed score of every keyword
 * class is kept. At the decision the best keyword wins if its peak reaches the threshold:
 * one detection, with the segment's start and end as the word's times. Segments shorter
 * than min_speech_ms (clicks) or longer than max_segment_ms (continuous noise, sentences)
 * give nothing, so no input can make the detector emit more than one event per segment —
 * the console cannot be flooded.
 *
 * Quick successions: while at least half of the previous detected word is still inside the
 * model window, the model keeps voting for it; for the next segment that class is ruled out
 * (its probability dropped, the others renormalized) until then, and the decision waits
 * for it to clear, so "on ... on" 0.5 s apart gives two detections and "yes no" does not
 * give "yes" twice.
 *
 * All times are milliseconds of audio (sample index / 16 at 16 kHz) from the start of the
 * capture; the board glue converts them to latencies with the platform clock.
 * Portable C11: no board code, no allocation; built for the chip and for host tests.
 */
#ifndef H7_SPEECH_KWS_DETECTOR_H
#define H7_SPEECH_KWS_DETECTOR_H

#include <stdbool.h>
#include <stdint.h>

#define KWS_DETECTOR_MAX_CLASSES 16
#define KWS_DETECTOR_MAX_SMOOTH 8

typedef struct {
    int num_classes;            /* model output classes (<= KWS_DETECTOR_MAX_CLASSES) */
    uint32_t keyword_mask;      /* bit c set: class c is a command word (not silence/unknown) */
    float threshold;            /* smoothed posterior a keyword must reach, 0..1 */
    int smooth_count;           /* posteriors averaged (1..KWS_DETECTOR_MAX_SMOOTH) */
    uint32_t settle_ms;         /* inferences still scored after the word's end */
    uint32_t min_speech_ms;     /* shorter segments are clicks: ignored */
    uint32_t max_segment_ms;    /* longer segments are not one command: ignored */
    uint32_t window_ms;         /* the model's input window (1000 ms) */
} kws_detector_config_t;

/* Defaults for a 1 s window model run every 60 ms on 20 ms feature frames, after a VAD
 * with a 160 ms hangover. */
void kws_detector_default_config(kws_detector_config_t *config);

typedef struct {
    int class_index;
    float score;                /* peak smoothed posterior of the class, 0..1 */
    uint32_t start_ms;          /* audio time the word started (segment start) */
    uint32_t end_ms;            /* audio time the word ended (last speech frame's end) */
    uint32_t decided_ms;        /* audio time of the decision (>= end_ms) */
} kws_detection_t;

typedef enum {
    KWS_SEGMENT_NONE = 0,       /* silence */
    KWS_SEGMENT_ACTIVE,         /* speech going on */
    KWS_SEGMENT_CLOSING,        /* speech ended; waiting settle_ms for the last inferences */
} kws_segment_state_t;

typedef struct {
    kws_detector_config_t config;
    kws_segment_state_t state;
    bool overlong;              /* the current segment passed max_segment_ms */
    uint32_t segment_start_ms;
    uint32_t last_speech_end_ms;
    uint32_t decide_at_ms;
    /* posterior smoothing: ring of the last smooth_count posteriors of this segment */
    float history[KWS_DETECTOR_MAX_SMOOTH][KWS_DETECTOR_MAX_CLASSES];
    int history_count;
    int history_next;
    float peak[KWS_DETECTOR_MAX_CLASSES];
    int inferences_in_segment;
    int previous_class;         /* class of the last detection, -1 before any */
    uint32_t previous_start_ms;
    uint32_t previous_end_ms;
    /* the latest decision, until taken */
    bool has_detection;
    kws_detection_t detection;
    /* statistics */
    uint32_t segments;
    uint32_t rejected_short;
    uint32_t rejected_long;
    uint32_t rejected_low_score;
    uint32_t detections;
} kws_detector_t;

/* Returns false (and leaves the detector unusable) when the configuration is invalid. */
bool kws_detector_init(kws_detector_t *detector, const kws_detector_config_t *config);

/* The VAD's speech start: the word began at start_ms. If the previous segment was still
 * waiting for its decision it is decided now (returns true: read it with kws_detector_take),
 * since the new word's audio must not be scored as the old one. */
bool kws_detector_speech_start(kws_detector_t *detector, uint32_t start_ms);

/* The VAD's speech end: the word ended at end_ms (before the VAD's hangover). */
void kws_detector_speech_end(kws_detector_t *detector, uint32_t end_ms);

/* Called once per feature frame with the audio time now_ms (end of the frame). Returns true
 * when a detection was decided (read it with kws_detector_take). */
bool kws_detector_tick(kws_detector_t *detector, uint32_t now_ms);

/* One inference whose window ends at end_ms; probs[c] in 0..1 for every class. */
void kws_detector_scores(kws_detector_t *detector, uint32_t end_ms, const float *probs);

/* True while a segment is open or waiting for its decision: the model should run. */
bool kws_detector_wants_inference(const kws_detector_t *detector);

/* Copies the pending detection to *out and clears it; false when there is none. */
bool kws_detector_take(kws_detector_t *detector, kws_detection_t *out);

#endif
