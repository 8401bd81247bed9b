/* Model scheduling; see kws_pacer.h. */
#include "apps/kws/kws_pacer.h"

void kws_pacer_init(kws_pacer_t *p, uint32_t hop_ms, uint32_t max_backlog_ms)
{
    p->hop_ms = hop_ms ? hop_ms : 1;
    p->max_backlog_ms = max_backlog_ms;
    p->next_due_ms = 0;
    p->active = false;
    p->runs = 0;
    p->skipped = 0;
}

bool kws_pacer_due(kws_pacer_t *p, uint32_t now_ms, uint32_t backlog_ms, bool wanted)
{
    if (!wanted) {
        p->active = false;
        return false;
    }
    if (!p->active) {
        /* A burst starts: the first run is now, the window already holds the context. */
        p->active = true;
        p->next_due_ms = now_ms;
    }
    if ((int32_t)(now_ms - p->next_due_ms) < 0)
        return false;
    p->next_due_ms += p->hop_ms;
    if ((int32_t)(now_ms - p->next_due_ms) >= 0)
        p->next_due_ms = now_ms + p->hop_ms; /* resynchronize after a long stall */
    if (backlog_ms > p->max_backlog_ms) {
        p->skipped++;
        return false;
    }
    p->runs++;
    return true;
}
