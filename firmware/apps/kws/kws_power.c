/* Power policy of the keyword firmware; see kws_power.h. */
#include "apps/kws/kws_power.h"

#include <string.h>

void kws_power_default_config(kws_power_config_t *config)
{
    config->stop_after_silence_ms = 5000;
}

static void enter(kws_power_t *p, kws_power_mode_t mode, uint32_t now_ms)
{
    p->time_in_mode_ms[p->mode] += now_ms - p->last_update_ms;
    p->last_update_ms = now_ms;
    if (mode != p->mode)
        p->entries[mode]++;
    p->mode = mode;
}

void kws_power_init(kws_power_t *p, const kws_power_config_t *config, uint32_t now_ms)
{
    memset(p, 0, sizeof(*p));
    p->config = *config;
    p->mode = KWS_POWER_LISTEN;
    p->entries[KWS_POWER_LISTEN] = 1;
    p->last_speech_ms = now_ms;
    p->last_update_ms = now_ms;
}

kws_power_mode_t kws_power_update(kws_power_t *p, uint32_t now_ms, bool is_speech,
                                  bool recognition_busy)
{
    if (is_speech)
        p->last_speech_ms = now_ms;
    uint32_t quiet_ms = now_ms - p->last_speech_ms;
    kws_power_mode_t next = p->mode;
    switch (p->mode) {
    case KWS_POWER_LISTEN:
        if (recognition_busy)
            next = KWS_POWER_RECOGNIZE;
        else if (quiet_ms >= p->config.stop_after_silence_ms)
            next = KWS_POWER_STOP;
        break;
    case KWS_POWER_RECOGNIZE:
        /* Continuous noise makes an over-long segment the detector no longer scores: the
         * burst ends there too, so noise cannot hold the high operating point. */
        if (!recognition_busy)
            next = KWS_POWER_LISTEN;
        break;
    case KWS_POWER_STOP:
        /* Only kws_power_woke leaves Stop. */
        break;
    default:
        break;
    }
    enter(p, next, now_ms);
    return next;
}

void kws_power_woke(kws_power_t *p, uint32_t now_ms)
{
    enter(p, KWS_POWER_LISTEN, now_ms);
    p->last_speech_ms = now_ms;
}

const char *kws_power_mode_name(kws_power_mode_t mode)
{
    switch (mode) {
    case KWS_POWER_LISTEN: return "listen";
    case KWS_POWER_RECOGNIZE: return "recognize";
    case KWS_POWER_STOP: return "stop";
    case KWS_POWER_GATE: return "gate";
    default: return "?";
    }
}
