/* Power policy of the keyword firmware: which operating mode the board should be in.
 *
 *   LISTEN     low operating point (lowest OPP): capture + features + voice activity only,
 *              WFI between DMA interrupts
 *   RECOGNIZE  high operating point: the model runs every hop while a word is being heard
 *   STOP       Stop mode after stop_after_silence_ms without speech; the board glue wakes
 *              on sound (see README.md, "Waking from Stop") and reports it here
 *
 *   LISTEN ──detector opens a speech segment──▶ RECOGNIZE ──detector decided──▶ LISTEN
 *   LISTEN ──5 s without speech──▶ STOP ──sound──▶ LISTEN
 *
 * Time spent in each mode is accumulated here (from the times the glue passes in), so the
 * firmware can report it; energy comes from the simulated board's energy table.
 * Portable C11: no board code.
 */
#ifndef H7_APPS_KWS_POWER_H
#define H7_APPS_KWS_POWER_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    KWS_POWER_LISTEN = 0,
    KWS_POWER_RECOGNIZE,
    KWS_POWER_STOP,
    /* not a policy mode (kws_power_update never returns it): the operating point of the
     * cascade's gate model (kws_pipeline.h), passed to the glue's set_point */
    KWS_POWER_GATE,
    KWS_POWER_MODE_COUNT
} kws_power_mode_t;

typedef struct {
    uint32_t stop_after_silence_ms; /* no speech for this long: Stop mode (5000) */
} kws_power_config_t;

typedef struct {
    kws_power_config_t config;
    kws_power_mode_t mode;
    uint32_t last_speech_ms;
    uint32_t last_update_ms;
    uint64_t time_in_mode_ms[KWS_POWER_MODE_COUNT];
    uint32_t entries[KWS_POWER_MODE_COUNT];
} kws_power_t;

void kws_power_default_config(kws_power_config_t *config);
void kws_power_init(kws_power_t *power, const kws_power_config_t *config, uint32_t now_ms);

/* Called once per feature frame. is_speech: speech or any sound above the quiet level (the
 * silence timer restarts). recognition_busy: the detector still needs the model.
 * Returns the mode the board should be in now (STOP means: enter Stop mode now). */
kws_power_mode_t kws_power_update(kws_power_t *power, uint32_t now_ms, bool is_speech,
                                  bool recognition_busy);

/* The board left Stop mode at now_ms (sound returned): back to LISTEN, silence timer
 * restarted. */
void kws_power_woke(kws_power_t *power, uint32_t now_ms);

const char *kws_power_mode_name(kws_power_mode_t mode);

#endif
