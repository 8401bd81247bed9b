/* Voice activity detection on frame energy: noise-floor tracking, hysteresis, hangover.
 *
 * Per frame (any length, typically the front end's hop): the energy of the frame with its
 * mean removed (so a DC offset is not "speech"), in dB relative to full scale. A noise floor
 * follows the energy down quickly and up slowly. Speech starts when the energy stays
 * start_margin_db above the floor (and above min_speech_dbfs) for start_frames frames; it
 * ends after hangover_frames frames below floor + end_margin_db. Events carry the time of
 * the first / after the last speech frame, in milliseconds from the start of the stream.
 */
#ifndef H7_FRONTEND_VAD_H
#define H7_FRONTEND_VAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t sample_rate_hz;
    float start_margin_db;       /* energy above the floor that may start speech */
    float end_margin_db;         /* energy above the floor that keeps speech going */
    float min_speech_dbfs;       /* never speech below this absolute level */
    uint32_t floor_window_ms;    /* noise floor = minimum energy over this long */
    uint32_t start_frames;       /* consecutive loud frames before speech starts */
    uint32_t hangover_frames;    /* quiet frames before speech ends */
} h7vad_config_t;

typedef enum { H7VAD_NONE = 0, H7VAD_SPEECH_START = 1, H7VAD_SPEECH_END = 2 } h7vad_event_t;

#define H7VAD_FLOOR_BLOCKS 6

typedef struct {
    h7vad_config_t config;
    uint64_t samples_seen;
    uint64_t candidate_start_sample;  /* first loud frame of a possible start */
    uint64_t last_speech_end_sample;  /* end of the last frame above the end threshold */
    float noise_floor_db;
    float block_min_db[H7VAD_FLOOR_BLOCKS];  /* minima of the last complete blocks */
    float current_block_min_db;
    uint32_t block_samples;                  /* samples per block */
    uint32_t samples_in_block;
    uint32_t blocks_done;                    /* complete blocks so far (saturates) */
    float last_energy_db;
    uint32_t loud_run;
    uint32_t quiet_run;
    uint8_t in_speech;
    uint32_t event_time_ms;           /* time of the last event returned */
} h7vad_t;

/* Defaults tuned on speech / silence / noise / speech-in-noise tests (20 ms frames). */
void h7vad_default_config(h7vad_config_t *config, uint32_t sample_rate_hz);

/* Returns 0, or -1 if the configuration is unusable. */
int h7vad_init(h7vad_t *vad, const h7vad_config_t *config);

/* Feeds one frame; returns the event it caused (the time is in vad->event_time_ms). */
h7vad_event_t h7vad_process(h7vad_t *vad, const int16_t *frame, size_t count);

/* Time of the last event returned, in ms from the start of the stream. */
uint32_t h7vad_event_time_ms(const h7vad_t *vad);
/* Non-zero while inside speech (after a start, before its end). */
int h7vad_in_speech(const h7vad_t *vad);
/* Current noise floor and last frame energy, dBFS. */
float h7vad_noise_floor_db(const h7vad_t *vad);
float h7vad_last_energy_db(const h7vad_t *vad);

/* Frame energy in dBFS with the mean removed (a full-scale square wave is 0 dB);
 * silence gives about -200 dB, never -Inf or NaN. */
float h7vad_frame_energy_db(const int16_t *frame, size_t count);

#endif
