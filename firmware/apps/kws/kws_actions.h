/* What each command word does: a small state (light, level, run state, selection,
 * confirmation) that the board glue shows on the NUCLEO LEDs and GPIO pins.
 *
 *   on / off     light on / off            up / down    level +1 / -1 (0..KWS_LEVEL_MAX)
 *   go / stop    run state on / off        left / right selection -1 / +1 (0..KWS_SELECTION_MAX)
 *   yes / no     confirmation yes / no
 *
 * Portable C11: no board code; the pin assignment is in the board glue (main.c, README.md
 * "Actions").
 */
#ifndef H7_APPS_KWS_ACTIONS_H
#define H7_APPS_KWS_ACTIONS_H

#include <stdbool.h>
#include <stdint.h>

#define KWS_LEVEL_MAX 7       /* three GPIO pins */
#define KWS_SELECTION_MAX 3   /* two GPIO pins */

typedef enum {
    KWS_ACTION_NONE = 0,
    KWS_ACTION_LIGHT_ON,
    KWS_ACTION_LIGHT_OFF,
    KWS_ACTION_LEVEL_UP,
    KWS_ACTION_LEVEL_DOWN,
    KWS_ACTION_GO,
    KWS_ACTION_STOP,
    KWS_ACTION_SELECT_LEFT,
    KWS_ACTION_SELECT_RIGHT,
    KWS_ACTION_CONFIRM_YES,
    KWS_ACTION_CONFIRM_NO,
} kws_action_t;

typedef enum { KWS_CONFIRM_NONE = 0, KWS_CONFIRM_YES, KWS_CONFIRM_NO } kws_confirm_t;

typedef struct {
    bool light;
    uint8_t level;
    bool running;
    uint8_t selection;
    kws_confirm_t confirm;
} kws_outputs_t;

void kws_outputs_init(kws_outputs_t *outputs);

/* The action of a model label ("on", "off", ...); KWS_ACTION_NONE for any other label. */
kws_action_t kws_action_for_word(const char *word);

/* True for a command word whose last sound is a stop consonant (up, stop: /p/; left,
 * right: /t/): its closure is a short silence before the release, so the end of the word
 * is only known once the release has had time to come (kws_pipeline.c, early decision). */
bool kws_word_ends_in_stop(const char *word);

/* Applies the action; returns true when the outputs changed. */
bool kws_outputs_apply(kws_outputs_t *outputs, kws_action_t action);

/* Short description for the event line, e.g. "light on", "level 3". Writes into buf. */
const char *kws_action_describe(const kws_outputs_t *outputs, kws_action_t action, char *buf,
                                int buf_size);

#endif
