/* Energy VAD with an adaptive noise floor (see vad.h). */
#include "frontend/vad.h"

#include <string.h>

#include "frontend/frontend.h"

void h7vad_default_config(h7vad_config_t *config, uint32_t sample_rate_hz)
{
    config->sample_rate_hz = sample_rate_hz;
    config->start_margin_db = 12.0f;
    config->end_margin_db = 6.0f;
    config->min_speech_dbfs = -55.0f;
    config->floor_window_ms = 1500;
    config->start_frames = 3;
    config->hangover_frames = 15;
}

int h7vad_init(h7vad_t *vad, const h7vad_config_t *config)
{
    if (config->sample_rate_hz == 0 || config->start_frames == 0 ||
        !(config->end_margin_db >= 0.0f) || !(config->start_margin_db >= config->end_margin_db) ||
        config->floor_window_ms < 100u || config->floor_window_ms > 60000u) {
        return -1;
    }
    memset(vad, 0, sizeof(*vad));
    vad->config = *config;
    vad->block_samples =
        (uint32_t)((uint64_t)config->floor_window_ms * config->sample_rate_hz / 1000u / H7VAD_FLOOR_BLOCKS);
    vad->current_block_min_db = 1000.0f;
    return 0;
}

float h7vad_frame_energy_db(const int16_t *frame, size_t count)
{
    if (count == 0) return -200.0f;
    int64_t sum = 0;
    for (size_t i = 0; i < count; i++) sum += frame[i];
    float mean = (float)sum / (float)count;
    float energy = 0.0f;
    for (size_t i = 0; i < count; i++) {
        float x = (float)frame[i] - mean;
        energy += x * x;
    }
    energy /= (float)count * 32768.0f * 32768.0f;
    /* 10 log10(e) = 10 / ln(10) * ln(e); the 1e-20 floor keeps silence finite. */
    return 4.34294482f * h7fe_logf(energy + 1.0e-20f);
}

static uint32_t samples_to_ms(const h7vad_t *vad, uint64_t samples)
{
    return (uint32_t)(samples * 1000u / vad->config.sample_rate_hz);
}

h7vad_event_t h7vad_process(h7vad_t *vad, const int16_t *frame, size_t count)
{
    const h7vad_config_t *c = &vad->config;
    float energy_db = h7vad_frame_energy_db(frame, count);
    uint64_t frame_start = vad->samples_seen;
    vad->samples_seen += count;
    vad->last_energy_db = energy_db;

    /* Noise floor: minimum over the current block and the last H7VAD_FLOOR_BLOCKS blocks. */
    if (energy_db < vad->current_block_min_db) vad->current_block_min_db = energy_db;
    float floor_db = vad->current_block_min_db;
    uint32_t blocks = vad->blocks_done < H7VAD_FLOOR_BLOCKS ? vad->blocks_done : H7VAD_FLOOR_BLOCKS;
    for (uint32_t i = 0; i < blocks; i++) {
        if (vad->block_min_db[i] < floor_db) floor_db = vad->block_min_db[i];
    }
    vad->noise_floor_db = floor_db;
    vad->samples_in_block += (uint32_t)count;
    if (vad->samples_in_block >= vad->block_samples) {
        vad->block_min_db[vad->blocks_done % H7VAD_FLOOR_BLOCKS] = vad->current_block_min_db;
        if (vad->blocks_done < 0x7FFFFFFFu) vad->blocks_done++;
        vad->current_block_min_db = 1000.0f;
        vad->samples_in_block = 0;
    }

    h7vad_event_t event = H7VAD_NONE;
    int loud = energy_db > vad->noise_floor_db + c->start_margin_db &&
               energy_db > c->min_speech_dbfs;
    int active = energy_db > vad->noise_floor_db + c->end_margin_db &&
                 energy_db > c->min_speech_dbfs;
    if (!vad->in_speech) {
        if (loud) {
            if (vad->loud_run == 0) vad->candidate_start_sample = frame_start;
            vad->loud_run++;
            if (vad->loud_run >= c->start_frames) {
                vad->in_speech = 1;
                vad->quiet_run = 0;
                vad->last_speech_end_sample = vad->samples_seen;
                vad->event_time_ms = samples_to_ms(vad, vad->candidate_start_sample);
                event = H7VAD_SPEECH_START;
            }
        } else {
            vad->loud_run = 0;
        }
    } else {
        if (active) {
            vad->quiet_run = 0;
            vad->last_speech_end_sample = vad->samples_seen;
        } else if (++vad->quiet_run >= c->hangover_frames) {
            vad->in_speech = 0;
            vad->loud_run = 0;
            vad->event_time_ms = samples_to_ms(vad, vad->last_speech_end_sample);
            event = H7VAD_SPEECH_END;
        }
    }
    return event;
}

uint32_t h7vad_event_time_ms(const h7vad_t *vad) { return vad->event_time_ms; }
int h7vad_in_speech(const h7vad_t *vad) { return vad->in_speech; }
float h7vad_noise_floor_db(const h7vad_t *vad) { return vad->noise_floor_db; }
float h7vad_last_energy_db(const h7vad_t *vad) { return vad->last_energy_db; }
