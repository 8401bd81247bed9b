/* The actions table beside a context (CONTEXT.actions.yml, checked by
 * tools/h7context/actions.py, generated into C by tools/h7intent/embed.py): what an
 * understood intent does on the board. Steps: one pin high/low/toggle; a slot's value
 * shown in binary on pins (LSB first) through a map; an "action" event whose text may name
 * slots ({slot}). A step with conditions runs only if every named slot has that value
 * (value NULL: the slot was not said). Portable: pins go through a callback.
 */
#ifndef H7_APPS_COMMANDS_ACTIONS_H
#define H7_APPS_COMMANDS_ACTIONS_H

#include <stdint.h>

#include "apps/commands/commands_intent.h"

enum { CMD_STEP_PIN = 0, CMD_STEP_PINS = 1, CMD_STEP_EVENT = 2 };
enum { CMD_LEVEL_LOW = 0, CMD_LEVEL_HIGH = 1, CMD_LEVEL_TOGGLE = 2 };
#define CMD_MAX_STEP_PINS 8

typedef struct {
    const char *slot;
    const char *value;       /* NULL: the slot was not said */
} cmd_when_t;

typedef struct {
    const char *value;
    uint32_t number;
} cmd_map_t;

typedef struct {
    uint8_t kind, level, pin_count, when_count;
    uint8_t pins[CMD_MAX_STEP_PINS];   /* h7_pin_t: (port - 'A') << 4 | number */
    const char *slot;                  /* CMD_STEP_PINS */
    const cmd_map_t *map;
    uint16_t map_count;
    const char *event;                 /* CMD_STEP_EVENT: text with {slot} */
    const cmd_when_t *when;
} cmd_step_t;

typedef struct {
    const cmd_step_t *steps;
    uint16_t count;
} cmd_intent_actions_t;

typedef struct {
    void (*pin)(void *user, uint8_t pin, int level);        /* level: CMD_LEVEL_* */
    void (*pins)(void *user, const uint8_t *pins, unsigned count, uint32_t value);
    void (*event)(void *user, const char *text);
    void *user;
} cmd_action_io_t;

/* Runs the steps of m's intent (table: one entry per intent, in context order); returns the
 * number of steps run. */
int cmd_actions_run(const cmd_intent_actions_t *table, uint32_t intents, const cmd_meaning_t *m,
                    const cmd_action_io_t *io);

#endif
