/* The model the keyword firmware runs, as one record: the generated model array, its op
 * resolver and arena size, its labels and the front-end configuration it was trained on.
 * kws_model.c fills it from the files the model builder generates (site_scons/h7_model.py),
 * so main.c does not depend on the generated names.
 */
#ifndef H7_APPS_KWS_MODEL_H
#define H7_APPS_KWS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/h7nn.h"
#include "frontend/frontend_config.h"

typedef struct {
    const char *name;
    const uint8_t *data;
    size_t size;
    const h7nn_resolver *resolver;
    size_t arena_bytes;
    const char *const *labels;
    int label_count;
    const h7fe_config_t *frontend;
} kws_model_t;

extern const kws_model_t kws_model;

#endif
