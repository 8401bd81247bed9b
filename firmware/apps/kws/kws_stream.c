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
        if (kws_stream_state_total((int)hop, need) > max_state) {
            *why = "the model's stream states (one per phase of the hop) exceed the bytes given for them (the "
                   "build sizes them within KWS_STREAM_STATE_MAX_BYTES, kws_config.h): raise it";
            return -1;
        }
        *why = "";
        return (int)hop;
    }
    return 0;
}

uint32_t kws_stream_max_frames(uint32_t hop_length, uint32_t sample_rate_hz)
{
    uint32_t frame_ms = sample_rate_hz ? hop_length * 1000u / sample_rate_hz : 0u;
    return frame_ms ? KWS_MODEL_HOP_MS / frame_ms : 0u;
}

size_t kws_stream_state_total(int hop, size_t state_bytes)
{
    return hop > 0 ? (size_t)hop * ((state_bytes + 7u) & ~(size_t)7u) : 0u;
}

int kws_stream_plan_image(h7nn_interpreter *nn, uint32_t hop_length, uint32_t sample_rate_hz, size_t *total_bytes,
                          const char **why)
{
    size_t state;
    int hop = kws_stream_plan(nn, kws_stream_max_frames(hop_length, sample_rate_hz), KWS_STREAM_STATE_MAX_BYTES,
                              &state, why);
    *total_bytes = kws_stream_state_total(hop, state);
    return hop;
}

bool kws_stream_cascade_on(uint32_t stream_frames)
{
    return KWS_STREAM_CASCADE_ON(stream_frames);
}
