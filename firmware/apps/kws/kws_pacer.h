/* When to run the model: every hop_ms of audio while the detector wants it, and never when
 * the main loop is behind. Running the model is the only thing the firmware may drop (the
 * features of every frame are always computed), so falling behind costs recognition
 * quality for a moment, never samples: a skipped run is counted and reported.
 * Portable C11: no board code.
 */
#ifndef H7_APPS_KWS_PACER_H
#define H7_APPS_KWS_PACER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    uint32_t hop_ms;          /* model stride (a multiple of the feature hop) */
    uint32_t max_backlog_ms;  /* audio waiting beyond this: skip the run */
    uint32_t next_due_ms;
    bool active;
    uint32_t runs;
    uint32_t skipped;
} kws_pacer_t;

void kws_pacer_init(kws_pacer_t *pacer, uint32_t hop_ms, uint32_t max_backlog_ms);

/* Called once per feature frame ending at now_ms, with backlog_ms of captured audio not yet
 * processed. wanted: the detector needs inferences. True: run the model now. */
bool kws_pacer_due(kws_pacer_t *pacer, uint32_t now_ms, uint32_t backlog_ms, bool wanted);

#endif
