/* Command words to actions; see kws_actions.h. */
#include "apps/kws/kws_actions.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *word;
    kws_action_t action;
} WORD_ACTIONS[] = {
    {"on", KWS_ACTION_LIGHT_ON},      {"off", KWS_ACTION_LIGHT_OFF},
    {"up", KWS_ACTION_LEVEL_UP},      {"down", KWS_ACTION_LEVEL_DOWN},
    {"go", KWS_ACTION_GO},            {"stop", KWS_ACTION_STOP},
    {"left", KWS_ACTION_SELECT_LEFT}, {"right", KWS_ACTION_SELECT_RIGHT},
    {"yes", KWS_ACTION_CONFIRM_YES},  {"no", KWS_ACTION_CONFIRM_NO},
};

void kws_outputs_init(kws_outputs_t *o)
{
    memset(o, 0, sizeof(*o));
}

kws_action_t kws_action_for_word(const char *word)
{
    if (word == NULL)
        return KWS_ACTION_NONE;
    for (size_t i = 0; i < sizeof(WORD_ACTIONS) / sizeof(WORD_ACTIONS[0]); i++) {
        if (strcmp(word, WORD_ACTIONS[i].word) == 0)
            return WORD_ACTIONS[i].action;
    }
    return KWS_ACTION_NONE;
}

bool kws_outputs_apply(kws_outputs_t *o, kws_action_t action)
{
    kws_outputs_t before = *o;
    switch (action) {
    case KWS_ACTION_LIGHT_ON: o->light = true; break;
    case KWS_ACTION_LIGHT_OFF: o->light = false; break;
    case KWS_ACTION_LEVEL_UP: if (o->level < KWS_LEVEL_MAX) o->level++; break;
    case KWS_ACTION_LEVEL_DOWN: if (o->level > 0) o->level--; break;
    case KWS_ACTION_GO: o->running = true; break;
    case KWS_ACTION_STOP: o->running = false; break;
    case KWS_ACTION_SELECT_LEFT: if (o->selection > 0) o->selection--; break;
    case KWS_ACTION_SELECT_RIGHT: if (o->selection < KWS_SELECTION_MAX) o->selection++; break;
    case KWS_ACTION_CONFIRM_YES: o->confirm = KWS_CONFIRM_YES; break;
    case KWS_ACTION_CONFIRM_NO: o->confirm = KWS_CONFIRM_NO; break;
    case KWS_ACTION_NONE: break;
    }
    return memcmp(&before, o, sizeof(before)) != 0;
}

const char *kws_action_describe(const kws_outputs_t *o, kws_action_t action, char *buf,
                                int buf_size)
{
    switch (action) {
    case KWS_ACTION_LIGHT_ON:
    case KWS_ACTION_LIGHT_OFF:
        snprintf(buf, (size_t)buf_size, "light %s", o->light ? "on" : "off");
        break;
    case KWS_ACTION_LEVEL_UP:
    case KWS_ACTION_LEVEL_DOWN:
        snprintf(buf, (size_t)buf_size, "level %u", (unsigned)o->level);
        break;
    case KWS_ACTION_GO:
    case KWS_ACTION_STOP:
        snprintf(buf, (size_t)buf_size, "%s", o->running ? "running" : "stopped");
        break;
    case KWS_ACTION_SELECT_LEFT:
    case KWS_ACTION_SELECT_RIGHT:
        snprintf(buf, (size_t)buf_size, "selection %u", (unsigned)o->selection);
        break;
    case KWS_ACTION_CONFIRM_YES:
    case KWS_ACTION_CONFIRM_NO:
        snprintf(buf, (size_t)buf_size, "confirmed %s", o->confirm == KWS_CONFIRM_YES ? "yes" : "no");
        break;
    default:
        snprintf(buf, (size_t)buf_size, "none");
        break;
    }
    return buf;
}

bool kws_word_ends_in_stop(const char *word)
{
    static const char *const words[] = {"up", "stop", "left", "right"};
    for (unsigned i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(word, words[i]) == 0)
            return true;
    return false;
}
