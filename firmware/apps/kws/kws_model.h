/* The model the keyword firmware runs, as one record: the model array, its op resolver,
 * its labels and the front-end configuration it was trained on. The build generates the
 * function that returns it (SConscript.firmware), so main.c does not depend on generated
 * names.
 */
#ifndef H7_APPS_KWS_MODEL_H
#define H7_APPS_KWS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/h7nn.h"
#include "frontend/frontend_config.h"

typedef struct {
    const char *name;
    const char *file;        /* the .tflite's file name (kws_ready: which model a figure is of) */
    const uint8_t *data;
    size_t size;
    uint32_t crc32;          /* of data[0..size): h7nn_model_verify_crc at boot */
    const h7nn_resolver *resolver;
    const char *const *labels;
    int label_count;
    const h7fe_config_t *frontend;
    uint8_t *arena;          /* sized by the build-time plan of the engine */
    size_t arena_bytes;
} kws_model_t;

const kws_model_t *kws_model_get(void);
/* The cascade's gate (README.md, "Cascade"): the small keyword model, same features and
 * classes; its front end is the main model's. */
const kws_model_t *kws_gate_get(void);

#endif
