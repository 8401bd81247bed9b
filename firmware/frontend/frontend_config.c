/* Configuration checks: the rules in frontend_config.h, evaluated at run time. */
#include "frontend/frontend_config.h"

#include <stddef.h>

int h7fe_config_check(const h7fe_config_t *config, const char **message)
{
    if (config == NULL) {
        if (message != NULL) *message = "no configuration";
        return 1;
    }
    int rule = 0;
#define H7FE_FIELD(name) (config->name)
#define H7FE_CHECK(condition, text)                                                   \
    rule++;                                                                           \
    if (!(condition)) {                                                               \
        if (message != NULL) *message = text;                                         \
        return rule;                                                                  \
    }
    H7FE_CONFIG_RULES(H7FE_CHECK, H7FE_FIELD)
#undef H7FE_CHECK
#undef H7FE_FIELD
    if (message != NULL) *message = "ok";
    return 0;
}

uint32_t h7fe_config_feature_count(const h7fe_config_t *config)
{
    return config->output == H7FE_OUTPUT_MFCC ? config->mfcc_count : config->mel_bands;
}

uint32_t h7fe_config_clip_samples(const h7fe_config_t *config)
{
    return config->window_length + (config->clip_frames - 1u) * config->hop_length;
}
