/* A decoded path -> {intent, slots}: the context table (tools/h7context/table.py: a token
 * automaton over the context's expressions, each slot type's values, the intent names)
 * read against the path's words and tags. The one reader of meaning: the board image and,
 * through its host build (libh7commands.so), h7voice intent.
 *
 * Tokens: each word outside a slot (its graph label), and per slot its start tag
 * "slot:<name>:<type>"; the words up to the "/slot" tag are the slot's value, reported as the
 * canonical value of its type's table. The path is understood iff the automaton accepts the
 * tokens (every value known); the intent is the one the accepting state names.
 * Portable C11, no allocation.
 */
#ifndef H7_APPS_COMMANDS_INTENT_H
#define H7_APPS_COMMANDS_INTENT_H

#include <stddef.h>
#include <stdint.h>

#include "speech/decoder/h7dec.h"

#define CMD_MAX_SLOTS 8
#define CMD_MAX_VALUE 64

typedef struct {
    const uint8_t *data;
    uint32_t size, states, intents, types, values, transitions, string_bytes;
    const uint8_t *state, *trans, *intent, *type, *value;
    const char *strings;
} cmd_table_t;

typedef struct {
    int intent;                        /* index, -1: not understood */
    const char *intent_name;
    int slot_count;
    struct {
        const char *name;              /* points into the graph's label (not NUL-terminated) */
        uint32_t name_length;
        const char *value;             /* canonical value (NUL-terminated, in the table) */
    } slot[CMD_MAX_SLOTS];
    int32_t score;                     /* best path over the filler per frame of its speech (score units) */
    int32_t frames;
} cmd_meaning_t;

/* FNV-1a of bytes (the table names the graph it goes with this way). */
uint32_t cmd_fnv1a(const void *data, size_t size);

/* Validates the table (bounds, sizes, the graph's hash and that every token is a label of
 * it); NULL on success, else one line naming the problem. */
const char *cmd_table_load(cmd_table_t *t, const void *data, size_t size, const h7dec_graph *g,
                           const void *graph_data, size_t graph_size);

/* Reads the path's segments (h7dec_best, earliest first); fills out (intent -1 when no
 * expression says it). Returns out->intent. */
int cmd_interpret(const cmd_table_t *t, const h7dec_graph *g, const h7dec_segment *segs, int n, cmd_meaning_t *out);

/* Frames of the path's segments that are speech (words: not silence, not tags). */
int32_t cmd_speech_frames(const h7dec_segment *segs, int n);

/* The decision after an utterance: the best path (h7dec_best) must reach a final node with
 * a score over the filler, per frame of the speech it claims (cmd_speech_frames; every frame
 * if it claims none), >= reject (score units; the filler decides rejection), then be
 * understood by cmd_interpret. Returns out->intent. */
int cmd_decide(h7dec *d, const cmd_table_t *t, const h7dec_graph *g, int32_t reject, h7dec_segment *scratch,
               int scratch_count, cmd_meaning_t *out);

/* The decision's fields into an open JSON event (common/json.h, the one writer):
 * "intent": name or null, "slots": {name: value}, "score": nats over the filler per frame of speech. */
struct h7_json_t_;
void cmd_meaning_json(void *json, const cmd_meaning_t *m);

#endif
