/* The keyword image's streaming plan; see kws_stream.h. */
#include "apps/kws/kws_stream.h"

#include "apps/kws/kws_config.h"
#include "apps/kws/kws_pipeline.h"
#include "engine/h7nn_stream.h"

#include <string.h>

int kws_stream_plan(h7nn_interpreter *nn, uint32_t max_frames, size_t max_state, size_t *state_bytes,
                    const char **why)
{
    static char refused[160];
    *state_bytes = 0;
    *why = "";
    if (!KWS_STREAM) {
        *why = "KWS_STREAM is 0 (kws_config.h)";
        return 0;
    }
    if (max_frames > KWS_PIPELINE_STREAM_PHASES)
        max_frames = KWS_PIPELINE_STREAM_PHASES;
    for (uint32_t hop = 1; hop <= max_frames; hop++) {
        size_t need = h7nn_stream_state_bytes(nn, (int)hop);
        if (need == 0) {
            if (hop == 1) { /* the first refusal is the one to show (later ones repeat it) */
                strncpy(refused, h7nn_error(nn), sizeof refused - 1);
                *why = refused;
            }
            continue;
        }
        *state_bytes = need;
        if (hop * ((need + 7u) & ~(size_t)7u) > max_state) {
            *why = "the model's stream states (one per phase of the hop) exceed KWS_STREAM_STATE_MAX_BYTES "
                   "(kws_config.h): raise it";
            return -1;
        }
        *why = "";
        return (int)hop;
    }
    return 0;
}

bool kws_stream_cascade_on(uint32_t stream_frames)
{
    return KWS_CASCADE && (stream_frames == 0u || KWS_STREAM_CASCADE);
}
