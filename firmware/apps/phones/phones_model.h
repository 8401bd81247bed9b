/* The model and graph the phone recognizer runs, as one record: the model array, its op
 * resolver, the front-end configuration and the fields of the model record
 * (models/phones.json: window_frames, lookahead_frames, ctc, output kind, phone set), and
 * the embedded phone-loop graph. The build generates the function that returns it
 * (SConscript.firmware), so main.c does not depend on generated names.
 */
#ifndef H7_APPS_PHONES_MODEL_H
#define H7_APPS_PHONES_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/h7nn.h"
#include "frontend/frontend_config.h"

typedef struct {
    const char *name;
    const uint8_t *data;
    size_t size;
    uint32_t crc32;          /* of data[0..size): h7nn_model_verify_crc at boot */
    const h7nn_resolver *resolver;
    const h7fe_config_t *frontend;
    uint8_t *arena;          /* sized by the build-time plan of the engine */
    size_t arena_bytes;
    uint32_t window_frames;
    uint32_t lookahead_frames;
    uint32_t ctc;            /* 1: CTC greedy decoding; 0: the phone loop */
    uint32_t output_kind;    /* phones_output_kind_t */
    const char *phoneset;    /* the phone set of the model's outputs, and its hash */
    uint32_t phoneset_hash;
    const uint8_t *graph;    /* the phone-loop graph (h7dec format), 8-byte aligned */
    size_t graph_bytes;
    const char *graph_name;
} phones_model_t;

const phones_model_t *phones_model_get(void);

#endif
