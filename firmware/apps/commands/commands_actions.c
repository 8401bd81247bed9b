#include "apps/commands/commands_actions.h"

#include <string.h>

static const char *slot_value(const cmd_meaning_t *m, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < m->slot_count; i++)
        if (m->slot[i].name_length == n && memcmp(m->slot[i].name, name, n) == 0)
            return m->slot[i].value;
    return NULL;
}

static int holds(const cmd_step_t *s, const cmd_meaning_t *m)
{
    for (unsigned i = 0; i < s->when_count; i++) {
        const char *v = slot_value(m, s->when[i].slot);
        if (s->when[i].value == NULL ? v != NULL : (v == NULL || strcmp(v, s->when[i].value) != 0))
            return 0;
    }
    return 1;
}

/* "{slot}" replaced by the slot's value (an unsaid slot: empty) */
static void expand(const char *text, const cmd_meaning_t *m, char *out, size_t cap)
{
    size_t o = 0;
    while (*text && o + 1 < cap) {
        const char *close = *text == '{' ? strchr(text, '}') : NULL;
        if (close) {
            char name[48];
            size_t n = (size_t)(close - text - 1);
            if (n >= sizeof name) n = sizeof name - 1;
            memcpy(name, text + 1, n);
            name[n] = '\0';
            const char *v = slot_value(m, name);
            for (; v && *v && o + 1 < cap; v++)
                out[o++] = *v;
            text = close + 1;
        } else {
            out[o++] = *text++;
        }
    }
    out[o] = '\0';
}

int cmd_actions_run(const cmd_intent_actions_t *table, uint32_t intents, const cmd_meaning_t *m,
                    const cmd_action_io_t *io)
{
    if (m->intent < 0 || (uint32_t)m->intent >= intents)
        return 0;
    const cmd_intent_actions_t *a = &table[m->intent];
    int ran = 0;
    for (unsigned k = 0; k < a->count; k++) {
        const cmd_step_t *s = &a->steps[k];
        if (!holds(s, m))
            continue;
        if (s->kind == CMD_STEP_PIN) {
            io->pin(io->user, s->pins[0], s->level);
        } else if (s->kind == CMD_STEP_PINS) {
            const char *v = slot_value(m, s->slot);
            if (!v)
                continue;
            unsigned i = 0;
            while (i < s->map_count && strcmp(s->map[i].value, v) != 0)
                i++;
            if (i == s->map_count)
                continue;
            io->pins(io->user, s->pins, s->pin_count, s->map[i].number);
        } else {
            char text[128];
            expand(s->event, m, text, sizeof text);
            io->event(io->user, text);
        }
        ran++;
    }
    return ran;
}
