/* Speech front end: int16 audio -> per-frame MFCC or log-mel features, on CMSIS-DSP.
 *
 * Streaming: h7fe_push() takes audio in any chunk size and emits one frame per hop; past
 * frames are never recomputed (the last window - hop samples are kept). The clip API runs
 * the same code over a whole clip. The same C runs on the chip and, as a shared library,
 * under the Python tools (tools/h7frontend), so a model is trained on the features the
 * chip computes.
 *
 * Per frame: window (Hann) -> zero-pad -> real FFT (arm_rfft_fast_f32) -> |X| or |X|^2 ->
 * triangular mel filterbank (HTK mel scale, DC bin excluded) -> log(mel + log_offset) ->
 * DCT-II scaled by 2/sqrt(2 * bands) (tf.signal.mfccs_from_log_mel_spectrograms) -> first
 * mfcc_count coefficients. Output is always finite for any int16 input.
 *
 * Optional noise suppression (config.noise_suppression = spectral), on the mel energies
 * before the log: per band, a noise floor that falls toward the energy quickly (a quarter of
 * the gap per frame) and rises at most H7FE_NS_RISE_DB_PER_S (so a word does not lift it),
 * started from the stream's first frame; then the gain max(H7FE_NS_GAIN_MIN, 1 -
 * H7FE_NS_OVER * floor / energy) (spectral subtraction; the over-subtraction makes up for a
 * floor that follows the noise's lower envelope). Stationary noise goes to -20 dB,
 * speech well above it keeps its level. Same C on the chip and the host; the state restarts
 * with h7fe_reset (so a 1 s training clip sees what a fresh stream sees).
 */
#ifndef H7_FRONTEND_FRONTEND_H
#define H7_FRONTEND_FRONTEND_H

#include <stddef.h>
#include <stdint.h>

#include "frontend/frontend_config.h"

#define H7FE_OK 0
#define H7FE_ERR_CONFIG (-1)   /* see h7fe_config_check() for the reason */
#define H7FE_ERR_FFT (-2)      /* CMSIS-DSP has no tables for this FFT length */
#define H7FE_ERR_ARGUMENT (-3)

/* Room for CMSIS-DSP's arm_rfft_fast_instance_f32 without including arm_math.h here, so
 * users of the front end need no CMSIS-DSP include paths (checked in frontend.c). */
#define H7FE_RFFT_STATE_BYTES 64

#define H7FE_MAX_SPECTRUM_BINS (H7FE_MAX_FFT_LENGTH / 2 + 1)

typedef struct {
    h7fe_config_t config;
    uint32_t feature_count;
    float gain;                         /* int16 -> float multiplier in use */
    uint32_t history_fill;              /* samples in history[] */
    uint32_t frames_emitted;            /* since the last reset */
    union {
        uint8_t bytes[H7FE_RFFT_STATE_BYTES];
        void *align_pointer;
        double align_double;
    } rfft;
    int16_t history[H7FE_MAX_FFT_LENGTH];        /* the current window's samples */
    float window[H7FE_MAX_FFT_LENGTH];
    float fft_in[H7FE_MAX_FFT_LENGTH];
    float fft_out[H7FE_MAX_FFT_LENGTH];
    float spectrum[H7FE_MAX_SPECTRUM_BINS];
    /* Sparse mel filterbank: band b uses bins [first_bin, first_bin + bin_count). */
    uint16_t band_first_bin[H7FE_MAX_MEL_BANDS];
    uint16_t band_bin_count[H7FE_MAX_MEL_BANDS];
    uint16_t band_weight_offset[H7FE_MAX_MEL_BANDS];
    float mel_weights[H7FE_MAX_FFT_LENGTH + 2];  /* each bin is in at most two bands */
    float mel[H7FE_MAX_MEL_BANDS];      /* linear mel energies of the last frame */
    float log_mel[H7FE_MAX_MEL_BANDS];
    float dct[H7FE_MAX_MFCC * H7FE_MAX_MEL_BANDS];
    float ns_floor[H7FE_MAX_MEL_BANDS]; /* noise suppression: noise floor per band */
    uint32_t ns_frames;                 /* frames seen by the tracker since the reset */
    float ns_rise;                      /* the floor's largest rise per frame (factor) */
} h7fe_t;

#define H7FE_NS_RISE_DB_PER_S 3.0f
#define H7FE_NS_FALL 0.25f
#define H7FE_NS_OVER 2.0f
#define H7FE_NS_GAIN_MIN 0.1f

/* Builds the tables for config and resets the stream. Returns H7FE_OK or an error. */
int h7fe_init(h7fe_t *fe, const h7fe_config_t *config);

/* Forgets buffered audio; gain goes back to config.sample_scale. */
void h7fe_reset(h7fe_t *fe);

/* A new stream after a gap in the audio (the board in Stop between speech segments): forgets
 * buffered audio as h7fe_reset does, but keeps the noise-suppression floor, which the same
 * room still has (a floor started from the first frame after a wake on sound would start
 * from speech). */
void h7fe_restart(h7fe_t *fe);

/* Overrides the int16 -> float multiplier (the clip API uses it for peak normalization). */
void h7fe_set_gain(h7fe_t *fe, float gain);

uint32_t h7fe_feature_count(const h7fe_t *fe);

/* Frames h7fe_push() would emit for count more samples. */
size_t h7fe_frames_for(const h7fe_t *fe, size_t count);

/* Streams count samples in. Writes each completed frame's features (feature_count floats)
 * to features, at most max_frames frames, and returns how many it wrote. Samples after the
 * last frame that fits stay unconsumed: *consumed (may be NULL) says how many were taken. */
size_t h7fe_push(h7fe_t *fe, const int16_t *samples, size_t count, float *features,
                 size_t max_frames, size_t *consumed);

/* Features of a whole clip from a fresh stream (reset, optional peak normalization, push).
 * Returns the number of frames written (at most max_frames). */
size_t h7fe_clip_features(h7fe_t *fe, const int16_t *samples, size_t count, float *features,
                          size_t max_frames);

/* The log-mel energies of the last frame computed (mel_bands values). */
const float *h7fe_last_log_mel(const h7fe_t *fe);

/* The linear mel energies (before the log) of the last frame computed (mel_bands values). */
const float *h7fe_last_mel(const h7fe_t *fe);

/* Features of one frame from its linear mel energies (as h7fe_last_mel gave them), as if
 * the frame's audio had been scaled by gain_ratio more (mel scales by gain_ratio for a
 * magnitude spectrum, gain_ratio^2 for power). This applies a clip's peak normalization
 * (MLPerf Tiny KWS divides each 1 s clip by its largest sample) to frames computed while
 * streaming, without recomputing any FFT: keep each frame's mel energies and the audio's
 * peak, then per inference call this with gain_ratio = (1 / peak) / sample_scale. Equal to
 * h7fe_clip_features() with clip_normalization = peak up to float rounding (measured 6e-6
 * on speech; up to 0.01 in bands ~100 dB below the frame's peak). */
void h7fe_features_from_mel(h7fe_t *fe, const float *mel, float gain_ratio, float *out);

/* Quantizes to a model's int8 input: q = clamp(round(x / scale) + zero_point, -128, 127),
 * rounding half away from zero like TFLite's Quantize. Non-finite inputs map to the zero
 * point. Returns how many values were clamped (saturated), or -1 for a bad scale. */
int32_t h7fe_quantize_int8(const float *features, size_t count, float scale,
                           int32_t zero_point, int8_t *out);

/* Natural log in float arithmetic only (no libm), so host and chip agree bit for bit.
 * Inputs <= 0 or below FLT_MIN are treated as FLT_MIN; +Inf/NaN as FLT_MAX. */
float h7fe_logf(float x);

#endif
