/* Speech front-end configuration: the one description of the features a model eats.
 *
 * The values come from a JSON file (firmware/frontend/configs/<name>.json). Python loads it
 * through the host library (tools/h7frontend), firmware gets it as a generated header
 * (site_scons/h7_frontend.py). Both check it with the SAME rules, H7FE_CONFIG_RULES below:
 * at run time on the host (h7fe_config_check) and as _Static_assert in the generated
 * firmware header, so a configuration the code cannot honour fails the build.
 */
#ifndef H7_FRONTEND_CONFIG_H
#define H7_FRONTEND_CONFIG_H

#include <stdint.h>

/* Largest sizes this build supports; the state struct (h7fe_t) is sized by them. The chip
 * build keeps them small (MLPerf KWS needs 512 / 40 / 10); the host build allows more. */
#ifndef H7FE_MAX_FFT_LENGTH
#if defined(H7_TARGET_FIRMWARE)
#define H7FE_MAX_FFT_LENGTH 512
#else
#define H7FE_MAX_FFT_LENGTH 1024
#endif
#endif
/* Smallest FFT this build links tables for (firmware/third_party/cmsis_dsp/SConscript
 * FFT_SIZES): every shipped config uses 512 points, so the chip build leaves out the
 * 256-point tables (2,440-2,472 B of flash in every image); the host build keeps them. */
#ifndef H7FE_MIN_FFT_LENGTH
#if defined(H7_TARGET_FIRMWARE)
#define H7FE_MIN_FFT_LENGTH 512
#else
#define H7FE_MIN_FFT_LENGTH 256
#endif
#endif
#ifndef H7FE_MAX_MEL_BANDS
#if defined(H7_TARGET_FIRMWARE)
#define H7FE_MAX_MEL_BANDS 40
#else
#define H7FE_MAX_MEL_BANDS 80
#endif
#endif
#ifndef H7FE_MAX_MFCC
#if defined(H7_TARGET_FIRMWARE)
#define H7FE_MAX_MFCC 13
#else
#define H7FE_MAX_MFCC 40
#endif
#endif

typedef enum { H7FE_WINDOW_HANN = 0, H7FE_WINDOW_HAMMING = 1 } h7fe_window_t;
typedef enum { H7FE_SPECTRUM_MAGNITUDE = 0, H7FE_SPECTRUM_POWER = 1 } h7fe_spectrum_t;
typedef enum { H7FE_OUTPUT_MFCC = 0, H7FE_OUTPUT_LOG_MEL = 1 } h7fe_output_t;
/* PEAK divides a whole clip by its largest sample value (the MLPerf Tiny KWS training
 * pipeline does this); only the clip API can do it, streaming always uses sample_scale. */
typedef enum { H7FE_CLIP_NORM_NONE = 0, H7FE_CLIP_NORM_PEAK = 1 } h7fe_clip_norm_t;
/* SPECTRAL: a per-band noise-floor tracker and a spectral-subtraction gain on the mel
 * energies before the log (see frontend.h). NONE leaves every output bit-identical to the
 * front end without the stage. */
typedef enum { H7FE_NS_NONE = 0, H7FE_NS_SPECTRAL = 1 } h7fe_noise_suppression_t;

/* All fields are 32-bit so the Python binding mirrors the layout without padding rules. */
typedef struct {
    uint32_t sample_rate_hz;
    uint32_t window_length;      /* samples per analysis window */
    uint32_t hop_length;         /* samples between frames (one frame per hop) */
    uint32_t fft_length;         /* window zero-padded to this many points */
    uint32_t window;             /* h7fe_window_t (periodic form, like tf.signal) */
    uint32_t spectrum;           /* h7fe_spectrum_t fed to the mel filterbank */
    uint32_t mel_bands;
    float mel_low_hz;
    float mel_high_hz;
    float log_offset;            /* log(mel + log_offset): the log floor */
    uint32_t output;             /* h7fe_output_t */
    uint32_t mfcc_count;         /* DCT coefficients kept (output MFCC) */
    float sample_scale;          /* int16 sample -> float multiplier (1/32768: [-1, 1)) */
    uint32_t clip_normalization; /* h7fe_clip_norm_t, clip API only */
    uint32_t clip_frames;        /* frames per model input, e.g. 49 for 1 s */
    uint32_t noise_suppression;  /* h7fe_noise_suppression_t (last: older initializers give 0) */
} h7fe_config_t;

/* The rules every configuration must satisfy. RULE(condition, message); F(field) reads a
 * field (a struct member at run time, a generated constant at build time). */
#define H7FE_CONFIG_RULES(RULE, F)                                                          \
    RULE(F(sample_rate_hz) >= 4000u && F(sample_rate_hz) <= 48000u,                         \
         "sample_rate_hz must be in 4000..48000")                                           \
    RULE(F(fft_length) == 256u || F(fft_length) == 512u || F(fft_length) == 1024u,          \
         "fft_length must be 256, 512 or 1024 (the FFT tables built into CMSIS-DSP)")       \
    RULE(F(fft_length) <= H7FE_MAX_FFT_LENGTH,                                              \
         "fft_length is larger than H7FE_MAX_FFT_LENGTH of this build")                     \
    RULE(F(fft_length) >= H7FE_MIN_FFT_LENGTH,                                              \
         "fft_length is smaller than H7FE_MIN_FFT_LENGTH of this build (no tables)")        \
    RULE(F(window_length) >= 16u && F(window_length) <= F(fft_length),                      \
         "window_length must be in 16..fft_length")                                         \
    RULE(F(hop_length) >= 1u && F(hop_length) <= F(window_length),                          \
         "hop_length must be in 1..window_length")                                          \
    RULE(F(window) <= 1u, "window must be hann or hamming")                                 \
    RULE(F(spectrum) <= 1u, "spectrum must be magnitude or power")                          \
    RULE(F(mel_bands) >= 1u && F(mel_bands) <= H7FE_MAX_MEL_BANDS,                          \
         "mel_bands must be in 1..H7FE_MAX_MEL_BANDS")                                      \
    RULE(F(mel_low_hz) >= 0.0f && F(mel_low_hz) < F(mel_high_hz),                           \
         "need 0 <= mel_low_hz < mel_high_hz")                                              \
    RULE(F(mel_high_hz) <= (float)F(sample_rate_hz) * 0.5f,                                 \
         "mel_high_hz must not exceed the Nyquist frequency")                               \
    RULE(F(log_offset) > 0.0f && F(log_offset) <= 1.0f,                                     \
         "log_offset must be in (0, 1] (it keeps log() finite on silence)")                 \
    RULE(F(output) <= 1u, "output must be mfcc or log_mel")                                 \
    RULE(F(output) != 0u ||                                                                 \
             (F(mfcc_count) >= 1u && F(mfcc_count) <= F(mel_bands) &&                       \
              F(mfcc_count) <= H7FE_MAX_MFCC),                                              \
         "mfcc_count must be in 1..mel_bands and at most H7FE_MAX_MFCC")                    \
    RULE(F(sample_scale) > 0.0f && F(sample_scale) <= 1.0f,                                 \
         "sample_scale must be in (0, 1]")                                                  \
    RULE(F(clip_normalization) <= 1u, "clip_normalization must be none or peak")            \
    RULE(F(clip_frames) >= 1u && F(clip_frames) <= 1000u, "clip_frames must be in 1..1000")   \
    RULE(F(noise_suppression) <= 1u, "noise_suppression must be none or spectral")

/* Returns 0 if config is usable, else the 1-based number of the first broken rule, with
 * its text in *message (message may be NULL). */
int h7fe_config_check(const h7fe_config_t *config, const char **message);

/* Features per frame: mfcc_count or mel_bands. */
uint32_t h7fe_config_feature_count(const h7fe_config_t *config);

/* Samples needed for clip_frames frames: window + (frames - 1) * hop. */
uint32_t h7fe_config_clip_samples(const h7fe_config_t *config);

#endif
