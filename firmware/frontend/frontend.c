/* Speech front end on CMSIS-DSP (see frontend.h for the pipeline). */
#include "frontend/frontend.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "arm_math.h"

_Static_assert(sizeof(arm_rfft_fast_instance_f32) <= H7FE_RFFT_STATE_BYTES,
               "H7FE_RFFT_STATE_BYTES too small for arm_rfft_fast_instance_f32");

static arm_rfft_fast_instance_f32 *rfft_of(h7fe_t *fe)
{
    return (arm_rfft_fast_instance_f32 *)(void *)fe->rfft.bytes;
}

/* Table set-up uses these double-precision functions instead of libm's cos/log: plain
 * IEEE arithmetic (no FMA under -std=c11), so the chip's tables are bit-identical to the
 * host's by construction, not by luck of two libm implementations; and no libm in flash. */
static const double TABLE_PI = 3.14159265358979323846264338328;

/* cos(x) for any finite x: reduce to [-pi, pi], then the Taylor series (16 terms, error
 * below 1e-15 there). */
static double table_cos(double x)
{
    double turns = x / (2.0 * TABLE_PI);
    double k = (double)(int64_t)(turns + (turns >= 0.0 ? 0.5 : -0.5));
    double r = x - k * (2.0 * TABLE_PI);
    double r2 = r * r, term = 1.0, sum = 1.0;
    for (int n = 1; n <= 16; n++) {
        term *= -r2 / (double)((2 * n - 1) * (2 * n));
        sum += term;
    }
    return sum;
}

/* ln(x) for x > 0: x = m 2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh((m-1)/(m+1)). */
static double table_log(double x)
{
    union { double d; uint64_t u; } bits = { .d = x };
    int64_t e = (int64_t)((bits.u >> 52) & 0x7FFu) - 1023;
    bits.u = (bits.u & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
    double m = bits.d;
    if (m > 1.4142135623730951) {
        m *= 0.5;
        e++;
    }
    double s = (m - 1.0) / (m + 1.0), s2 = s * s, term = s, sum = 0.0;
    for (int n = 1; n <= 41; n += 2) {
        sum += term / (double)n;
        term *= s2;
    }
    return (double)e * 0.69314718055994530942 + 2.0 * sum;
}

/* exp(x) for small |x| (< 1) by its Taylor series (IEEE arithmetic only). */
static double table_exp(double x)
{
    double term = 1.0, sum = 1.0;
    for (int n = 1; n <= 20; n++) {
        term *= x / (double)n;
        sum += term;
    }
    return sum;
}

/* sqrt(x) for x >= 1 by Newton's method (IEEE arithmetic only). */
static double table_sqrt(double x)
{
    double r = x;
    for (int i = 0; i < 60; i++) r = 0.5 * (r + x / r);
    return r;
}

/* HTK mel scale, as tf.signal.linear_to_mel_weight_matrix uses. */
static double hz_to_mel(double hz)
{
    return 1127.0 * table_log(1.0 + hz / 700.0);
}

static void build_window(h7fe_t *fe)
{
    const h7fe_config_t *c = &fe->config;
    double a0 = c->window == H7FE_WINDOW_HAMMING ? 0.54 : 0.5;
    for (uint32_t n = 0; n < c->window_length; n++) {
        /* Periodic window (denominator = length), like tf.signal.hann_window's default. */
        fe->window[n] = (float)(a0 - (1.0 - a0) * table_cos(2.0 * TABLE_PI * (double)n / (double)c->window_length));
    }
}

/* Triangular filters evenly spaced on the mel scale between mel_low_hz and mel_high_hz.
 * Band b rises from edge b to edge b+1 and falls to edge b+2; the DC bin is excluded. */
static void build_mel_filterbank(h7fe_t *fe)
{
    const h7fe_config_t *c = &fe->config;
    uint32_t bins = c->fft_length / 2u + 1u;
    double mel_low = hz_to_mel(c->mel_low_hz);
    double mel_high = hz_to_mel(c->mel_high_hz);
    double mel_step = (mel_high - mel_low) / (double)(c->mel_bands + 1u);
    double bin_hz = (double)c->sample_rate_hz / (double)c->fft_length;
    uint32_t offset = 0;
    for (uint32_t b = 0; b < c->mel_bands; b++) {
        double left = mel_low + mel_step * b;
        double center = left + mel_step;
        double right = center + mel_step;
        uint32_t first = 0, count = 0;
        for (uint32_t k = 1; k < bins; k++) {
            double mel = hz_to_mel(bin_hz * k);
            double rising = (mel - left) / (center - left);
            double falling = (right - mel) / (right - center);
            double weight = rising < falling ? rising : falling;
            if (weight <= 0.0) {
                if (count > 0) break; /* past the triangle */
                continue;
            }
            if (count == 0) first = k;
            fe->mel_weights[offset + count] = (float)weight;
            count++;
        }
        fe->band_first_bin[b] = (uint16_t)first;
        fe->band_bin_count[b] = (uint16_t)count;
        fe->band_weight_offset[b] = (uint16_t)offset;
        offset += count;
    }
}

/* DCT-II rows scaled like tf.signal.mfccs_from_log_mel_spectrograms:
 * c[k] = sum_n x[n] * 2 cos(pi k (2n + 1) / (2N)) / sqrt(2N). */
static void build_dct(h7fe_t *fe)
{
    const h7fe_config_t *c = &fe->config;
    if (c->output != H7FE_OUTPUT_MFCC) return;
    uint32_t n_bands = c->mel_bands;
    double scale = 2.0 / table_sqrt(2.0 * n_bands);
    for (uint32_t k = 0; k < c->mfcc_count; k++) {
        for (uint32_t n = 0; n < n_bands; n++) {
            fe->dct[k * n_bands + n] =
                (float)(scale * table_cos(TABLE_PI * k * (2.0 * n + 1.0) / (2.0 * n_bands)));
        }
    }
}

int h7fe_init(h7fe_t *fe, const h7fe_config_t *config)
{
    if (fe == NULL || config == NULL) return H7FE_ERR_ARGUMENT;
    if (h7fe_config_check(config, NULL) != 0) return H7FE_ERR_CONFIG;
    memset(fe, 0, sizeof(*fe));
    fe->config = *config;
    fe->feature_count = h7fe_config_feature_count(config);
    if (arm_rfft_fast_init_f32(rfft_of(fe), (uint16_t)config->fft_length) != ARM_MATH_SUCCESS) {
        return H7FE_ERR_FFT;
    }
    build_window(fe);
    build_mel_filterbank(fe);
    build_dct(fe);
    /* Noise floor rise per frame: H7FE_NS_RISE_DB_PER_S over one hop, as an energy factor
     * (magnitude: dB/20, power: dB/10), computed with the table functions (chip = host). */
    double hop_s = (double)config->hop_length / (double)config->sample_rate_hz;
    double db = (double)H7FE_NS_RISE_DB_PER_S * hop_s;
    double per_db = config->spectrum == H7FE_SPECTRUM_POWER ? 10.0 : 20.0;
    fe->ns_rise = (float)table_exp(db / per_db * 2.302585092994046);
    h7fe_reset(fe);
    return H7FE_OK;
}

void h7fe_reset(h7fe_t *fe)
{
    fe->history_fill = 0;
    fe->frames_emitted = 0;
    fe->gain = fe->config.sample_scale;
    fe->ns_frames = 0;
}

void h7fe_restart(h7fe_t *fe)
{
    uint32_t ns_frames = fe->ns_frames;
    h7fe_reset(fe);
    fe->ns_frames = ns_frames;   /* the floor goes on from where it was */
}

void h7fe_set_gain(h7fe_t *fe, float gain)
{
    /* A gain that would overflow float math is refused (keeps the output finite). */
    if (gain > 0.0f && gain <= 1.0f) fe->gain = gain;
}

uint32_t h7fe_feature_count(const h7fe_t *fe)
{
    return fe->feature_count;
}

const float *h7fe_last_log_mel(const h7fe_t *fe)
{
    return fe->log_mel;
}

float h7fe_logf(float x)
{
    /* log(x) = e ln2 + log(m), m in [sqrt(1/2), sqrt(2)); log(m) = 2 atanh(s) with
     * s = (m - 1) / (m + 1), |s| < 0.172, by its series to s^9 (error < 4e-10). */
    if (!(x >= FLT_MIN)) x = FLT_MIN;   /* also catches NaN */
    if (x > FLT_MAX) x = FLT_MAX;
    union { float f; uint32_t u; } bits = { .f = x };
    int32_t exponent = (int32_t)((bits.u >> 23) & 0xFFu) - 127;
    bits.u = (bits.u & 0x007FFFFFu) | 0x3F800000u; /* mantissa in [1, 2) */
    float m = bits.f;
    if (m > 1.41421356f) {
        m *= 0.5f;
        exponent++;
    }
    float s = (m - 1.0f) / (m + 1.0f);
    float s2 = s * s;
    float series = 2.0f + s2 * (0.666666667f + s2 * (0.4f + s2 * (0.285714286f + s2 * 0.222222222f)));
    return (float)exponent * 0.693147181f + s * series;
}

/* log(mel * scale + offset), then the DCT (MFCC) or a copy (log-mel). */
static void features_from_mel(h7fe_t *fe, const float *mel, float scale, float *out)
{
    const h7fe_config_t *c = &fe->config;
    for (uint32_t b = 0; b < c->mel_bands; b++) {
        fe->log_mel[b] = h7fe_logf(mel[b] * scale + c->log_offset);
    }
    if (c->output == H7FE_OUTPUT_MFCC) {
        for (uint32_t k = 0; k < c->mfcc_count; k++) {
            arm_dot_prod_f32(fe->dct + k * c->mel_bands, fe->log_mel, c->mel_bands, &out[k]);
        }
    } else {
        memcpy(out, fe->log_mel, c->mel_bands * sizeof(float));
    }
}

void h7fe_features_from_mel(h7fe_t *fe, const float *mel, float gain_ratio, float *out)
{
    if (!(gain_ratio > 0.0f) || gain_ratio > 1.0e9f) gain_ratio = 1.0f; /* keeps it finite */
    float scale = fe->config.spectrum == H7FE_SPECTRUM_POWER ? gain_ratio * gain_ratio : gain_ratio;
    features_from_mel(fe, mel, scale, out);
}

const float *h7fe_last_mel(const h7fe_t *fe)
{
    return fe->mel;
}

/* The noise-suppression stage (frontend.h): track each band's floor, apply the gain to
 * fe->mel in place (so h7fe_last_mel and the features agree). */
static void suppress_noise(h7fe_t *fe)
{
    uint32_t bands = fe->config.mel_bands;
    for (uint32_t b = 0; b < bands; b++) {
        float e = fe->mel[b];
        float f = fe->ns_floor[b];
        if (fe->ns_frames == 0u || !(f > 0.0f)) {
            f = e;                       /* first frame, or a floor stuck at digital zero */
        } else if (e < f) {
            f += H7FE_NS_FALL * (e - f);
        } else {
            float up = f * fe->ns_rise;
            f = up < e ? up : e;
        }
        fe->ns_floor[b] = f;
        float g = 1.0f;
        if (e > 0.0f) {
            g = 1.0f - H7FE_NS_OVER * (f / e);
            if (g < H7FE_NS_GAIN_MIN) g = H7FE_NS_GAIN_MIN;
        }
        fe->mel[b] = e * g;
    }
    fe->ns_frames++;
}

/* One frame from the window_length samples in history[]. */
static void compute_frame(h7fe_t *fe, float *out)
{
    const h7fe_config_t *c = &fe->config;
    uint32_t n_fft = c->fft_length;
    for (uint32_t i = 0; i < c->window_length; i++) {
        fe->fft_in[i] = ((float)fe->history[i] * fe->gain) * fe->window[i];
    }
    for (uint32_t i = c->window_length; i < n_fft; i++) fe->fft_in[i] = 0.0f;

    /* Packed output: [Re0, Re(N/2), Re1, Im1, Re2, Im2, ...]. */
    arm_rfft_fast_f32(rfft_of(fe), fe->fft_in, fe->fft_out, 0);
    uint32_t half = n_fft / 2u;
    if (c->spectrum == H7FE_SPECTRUM_POWER) {
        fe->spectrum[0] = fe->fft_out[0] * fe->fft_out[0];
        fe->spectrum[half] = fe->fft_out[1] * fe->fft_out[1];
        arm_cmplx_mag_squared_f32(fe->fft_out + 2, fe->spectrum + 1, half - 1u);
    } else {
        fe->spectrum[0] = fabsf(fe->fft_out[0]);
        fe->spectrum[half] = fabsf(fe->fft_out[1]);
        arm_cmplx_mag_f32(fe->fft_out + 2, fe->spectrum + 1, half - 1u);
    }

    for (uint32_t b = 0; b < c->mel_bands; b++) {
        float energy = 0.0f;
        if (fe->band_bin_count[b] > 0) {
            arm_dot_prod_f32(fe->spectrum + fe->band_first_bin[b],
                             fe->mel_weights + fe->band_weight_offset[b], fe->band_bin_count[b],
                             &energy);
        }
        fe->mel[b] = energy;
    }
    if (c->noise_suppression == H7FE_NS_SPECTRAL) suppress_noise(fe);
    features_from_mel(fe, fe->mel, 1.0f, out);
}

size_t h7fe_frames_for(const h7fe_t *fe, size_t count)
{
    const h7fe_config_t *c = &fe->config;
    size_t total = fe->history_fill + count;
    if (total < c->window_length) return 0;
    return 1u + (total - c->window_length) / c->hop_length;
}

size_t h7fe_push(h7fe_t *fe, const int16_t *samples, size_t count, float *features,
                 size_t max_frames, size_t *consumed)
{
    const h7fe_config_t *c = &fe->config;
    size_t taken = 0, frames = 0;
    while (taken < count) {
        if (fe->history_fill == c->window_length) {
            if (frames == max_frames) break; /* output full: leave the rest for later */
            compute_frame(fe, features + frames * fe->feature_count);
            frames++;
            fe->frames_emitted++;
            /* Keep the overlap; the next frame needs only hop_length new samples. */
            uint32_t keep = c->window_length - c->hop_length;
            memmove(fe->history, fe->history + c->hop_length, keep * sizeof(int16_t));
            fe->history_fill = keep;
        }
        size_t room = c->window_length - fe->history_fill;
        size_t n = count - taken < room ? count - taken : room;
        memcpy(fe->history + fe->history_fill, samples + taken, n * sizeof(int16_t));
        fe->history_fill += (uint32_t)n;
        taken += n;
    }
    /* A window completed by the last samples is computed now, not on the next call. */
    if (fe->history_fill == c->window_length && frames < max_frames) {
        compute_frame(fe, features + frames * fe->feature_count);
        frames++;
        fe->frames_emitted++;
        uint32_t keep = c->window_length - c->hop_length;
        memmove(fe->history, fe->history + c->hop_length, keep * sizeof(int16_t));
        fe->history_fill = keep;
    }
    if (consumed != NULL) *consumed = taken;
    return frames;
}

size_t h7fe_clip_features(h7fe_t *fe, const int16_t *samples, size_t count, float *features,
                          size_t max_frames)
{
    h7fe_reset(fe);
    if (fe->config.clip_normalization == H7FE_CLIP_NORM_PEAK) {
        /* MLPerf Tiny KWS divides by the largest (signed) sample value; a clip with no
         * positive sample keeps sample_scale instead of dividing by zero. */
        int32_t peak = 0;
        for (size_t i = 0; i < count; i++) {
            if (samples[i] > peak) peak = samples[i];
        }
        if (peak > 0) h7fe_set_gain(fe, 1.0f / (float)peak);
    }
    return h7fe_push(fe, samples, count, features, max_frames, NULL);
}

int32_t h7fe_quantize_int8(const float *features, size_t count, float scale,
                           int32_t zero_point, int8_t *out)
{
    if (!(scale > 0.0f) || scale > FLT_MAX) return -1;
    int32_t saturated = 0;
    for (size_t i = 0; i < count; i++) {
        float x = features[i];
        int32_t q = zero_point;
        if (x >= -FLT_MAX && x <= FLT_MAX) {
            float scaled = x / scale;
            if (scaled > 1.0e6f) scaled = 1.0e6f;     /* keeps the int conversion defined */
            if (scaled < -1.0e6f) scaled = -1.0e6f;
            q = (int32_t)roundf(scaled) + zero_point;
        }
        if (q > 127) { q = 127; saturated++; }
        if (q < -128) { q = -128; saturated++; }
        out[i] = (int8_t)q;
    }
    return saturated;
}
