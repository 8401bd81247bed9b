#include "apps/commands/commands_intent.h"

#include <math.h>
#include <string.h>

#include "common/json.h"

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }

uint32_t cmd_fnv1a(const void *data, size_t size)
{
    const uint8_t *p = data;
    uint32_t h = 0x811C9DC5u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ p[i]) * 0x01000193u;
    return h;
}

static const char *str_at(const cmd_table_t *t, uint32_t off)
{
    return off < t->string_bytes ? t->strings + off : NULL;
}

const char *cmd_table_load(cmd_table_t *t, const void *data, size_t size, const h7dec_graph *g,
                           const void *graph_data, size_t graph_size)
{
    const uint8_t *p = data;
    memset(t, 0, sizeof *t);
    if (!p || size < 32 || memcmp(p, "H7CT", 4) != 0)
        return "not a context table (magic H7CT)";
    if (rd16(p + 4) != 1 || rd16(p + 6) != 32)
        return "context table version or header size is not 1/32: rebuild it with this tree's h7context";
    if (rd32(p + 8) != size)
        return "context table size does not match its header";
    if (rd32(p + 12) != cmd_fnv1a(graph_data, graph_size))
        return "context table was built for another graph: rebuild both from the same context";
    t->data = p;
    t->size = (uint32_t)size;
    t->states = rd16(p + 16);
    t->intents = rd16(p + 18);
    t->types = rd16(p + 20);
    t->values = rd16(p + 22);
    t->transitions = rd32(p + 24);
    t->string_bytes = rd32(p + 28);
    uint64_t off = 32;
    t->state = p + off;  off += 8ull * t->states;
    t->trans = p + off;  off += 4ull * t->transitions;
    t->intent = p + off; off += 4ull * t->intents;
    t->type = p + off;   off += 8ull * t->types;
    t->value = p + off;  off += 8ull * t->values;
    t->strings = (const char *)(p + off);
    off += t->string_bytes;
    if (off > size || t->states == 0 || t->string_bytes == 0 || t->strings[t->string_bytes - 1] != '\0')
        return "context table sections run past its end";
    for (uint32_t s = 0; s < t->states; s++) {
        const uint8_t *r = t->state + 8 * s;
        uint32_t first = rd32(r), count = rd16(r + 4), intent = rd16(r + 6);
        if ((uint64_t)first + count > t->transitions || (intent != 0xFFFFu && intent >= t->intents))
            return "context table: a state's transitions or intent out of range";
    }
    for (uint32_t k = 0; k < t->transitions; k++) {
        const uint8_t *r = t->trans + 4 * k;
        if (rd16(r) >= g->word_count || rd16(r + 2) >= t->states)
            return "context table: a token is not a label of the graph, or a state out of range";
    }
    for (uint32_t i = 0; i < t->intents; i++)
        if (!str_at(t, rd32(t->intent + 4 * i)))
            return "context table: an intent name out of range";
    for (uint32_t i = 0; i < t->types; i++) {
        const uint8_t *r = t->type + 8 * i;
        if (!str_at(t, rd32(r)) || (uint32_t)rd16(r + 4) + rd16(r + 6) > t->values)
            return "context table: a slot type out of range";
    }
    for (uint32_t i = 0; i < t->values; i++)
        if (!str_at(t, rd32(t->value + 8 * i)) || !str_at(t, rd32(t->value + 8 * i + 4)))
            return "context table: a slot value out of range";
    return NULL;
}

/* next state on token, or -1 (transitions sorted by token: binary search) */
static int step(const cmd_table_t *t, int state, uint32_t token)
{
    const uint8_t *r = t->state + 8 * (uint32_t)state;
    int lo = (int)rd32(r), hi = lo + rd16(r + 4) - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        uint32_t tok = rd16(t->trans + 4 * (uint32_t)mid);
        if (tok == token)
            return rd16(t->trans + 4 * (uint32_t)mid + 2);
        if (tok < token) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
}

static int starts(const char *s, uint32_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

/* the canonical value of `said` (len bytes) among the values of the type named [tn, tn+tl) */
static const char *lookup(const cmd_table_t *t, const char *tn, uint32_t tl, const char *said, uint32_t len)
{
    for (uint32_t i = 0; i < t->types; i++) {
        const uint8_t *r = t->type + 8 * i;
        const char *name = str_at(t, rd32(r));
        if (strlen(name) != tl || memcmp(name, tn, tl) != 0)
            continue;
        for (uint32_t v = rd16(r + 4); v < (uint32_t)rd16(r + 4) + rd16(r + 6); v++) {
            const char *words = str_at(t, rd32(t->value + 8 * v));
            if (strlen(words) == len && memcmp(words, said, len) == 0)
                return str_at(t, rd32(t->value + 8 * v + 4));
        }
        return NULL;
    }
    return NULL;
}

/* the label index of `text` (n bytes) in the graph, or 0xFFFF */
static uint32_t label_index(const h7dec_graph *g, const char *text, uint32_t n)
{
    for (uint32_t w = 0; w < g->word_count; w++) {
        uint32_t len;
        const char *s = h7dec_graph_word(g, w, &len);
        if (s && len == n && memcmp(s, text, n) == 0 && g->words[w].kind == 1)
            return w;
    }
    return 0xFFFFu;
}

/* Slots come in two forms: a named start tag "slot:<name>:<type>" ... "/slot" (or Tag's
 * "/slot:<name>:<type>"), or, where graphopt shares a slot type's values, the open tag
 * "slot" ... a named close "/slot:<name>:<type>" (the name is known where the paths part).
 * The automaton's token for a slot is its "slot:<name>:<type>" label where the graph has
 * one, else the named close's (tools/h7context/table.py, the same rule). */
#define OPEN_UNNAMED 0xFFFEu

int cmd_interpret(const cmd_table_t *t, const h7dec_graph *g, const h7dec_segment *segs, int n, cmd_meaning_t *out)
{
    char said[CMD_MAX_VALUE];
    uint32_t said_len = 0, open_label = 0xFFFFu, len;
    int state = 0, ok = 1;
    out->intent = -1;
    out->intent_name = NULL;
    out->slot_count = 0;
    for (int i = 0; i < n && ok; i++) {
        if (segs[i].word == H7DEC_NONE)
            continue;
        const char *label = h7dec_graph_word(g, segs[i].word, &len);
        if (!label)
            return -1;
        if (segs[i].phone != H7DEC_NULL_PHONE) {         /* a word */
            if (open_label != 0xFFFFu) {
                if (said_len + (said_len ? 1 : 0) + len >= sizeof said) { ok = 0; break; }
                if (said_len) said[said_len++] = ' ';
                memcpy(said + said_len, label, len);
                said_len += len;
            } else {
                state = step(t, state, segs[i].word);
                ok = state >= 0;
            }
        } else if (starts(label, len, "slot:") || (len == 4 && memcmp(label, "slot", 4) == 0)) {
            if (open_label != 0xFFFFu) { ok = 0; break; }
            open_label = len == 4 ? OPEN_UNNAMED : segs[i].word;
            said_len = 0;
        } else if (starts(label, len, "/slot") && (len == 5 || label[5] == ':')) {  /* graphopt's, or Tag's */
            if (open_label == 0xFFFFu) { ok = 0; break; }
            uint32_t ol, token = open_label;
            const char *ref;
            if (open_label == OPEN_UNNAMED) {            /* the close names it */
                if (len == 5) { ok = 0; break; }
                ref = label + 1;
                ol = len - 1;
                token = label_index(g, ref, ol);
                if (token == 0xFFFFu)
                    token = segs[i].word;
            } else {
                ref = h7dec_graph_word(g, open_label, &ol);   /* slot:<name>:<type> */
            }
            const char *name = ref + 5, *colon = NULL;
            for (const char *c = ref + ol - 1; c > name; c--)
                if (*c == ':') { colon = c; break; }
            const char *value = colon ? lookup(t, colon + 1, (uint32_t)(ref + ol - colon - 1), said, said_len) : NULL;
            if (!value || out->slot_count >= CMD_MAX_SLOTS) { ok = 0; break; }
            out->slot[out->slot_count].name = name;
            out->slot[out->slot_count].name_length = (uint32_t)(colon - name);
            out->slot[out->slot_count].value = value;
            out->slot_count++;
            state = step(t, state, token);
            ok = state >= 0;
            open_label = 0xFFFFu;
        }
        /* intent tags: the automaton decides the intent (graphopt may share a tag's path) */
    }
    if (ok && open_label == 0xFFFFu) {
        uint32_t intent = rd16(t->state + 8 * (uint32_t)state + 6);
        if (intent != 0xFFFFu) {
            out->intent = (int)intent;
            out->intent_name = str_at(t, rd32(t->intent + 4 * intent));
            return out->intent;
        }
    }
    out->slot_count = 0;
    return -1;
}

int32_t cmd_speech_frames(const h7dec_segment *segs, int n)
{
    int32_t frames = 0;
    for (int i = 0; i < n; i++)
        if (segs[i].phone != H7DEC_NULL_PHONE && segs[i].phone != H7DEC_PHONE_SIL && segs[i].end > segs[i].start)
            frames += segs[i].end - segs[i].start;
    return frames;
}

int cmd_decide(h7dec *d, const cmd_table_t *t, const h7dec_graph *g, int32_t reject, h7dec_segment *scratch,
               int scratch_count, cmd_meaning_t *out)
{
    h7dec_result r;
    int n = h7dec_best(d, &r, scratch, scratch_count);
    out->intent = -1;
    out->intent_name = NULL;
    out->slot_count = 0;
    out->frames = r.frames;
    out->score = r.confidence;
    if (n < 0 || n > scratch_count || !r.reached_final)
        return -1;
    /* per frame of the speech the path claims (its words, not its silences): the silence
     * before and after a command explains as well by the path as by the filler, so dividing
     * by every frame made the same command score lower with more silence around it */
    int32_t speech = cmd_speech_frames(scratch, n);
    out->score = r.score / (speech > 0 ? speech : (r.frames > 0 ? r.frames : 1));
    if (out->score < reject)
        return -1;
    int intent = cmd_interpret(t, g, scratch, n, out);
    out->frames = r.frames;
    return intent;
}

void cmd_meaning_json(void *json, const cmd_meaning_t *m)
{
    h7_json_t *j = json;
    if (m->intent >= 0)
        h7_json_str(j, "intent", m->intent_name);
    else
        h7_json_float(j, "intent", (double)NAN, 0);   /* the writer's one way to say null */
    h7_json_object(j, "slots");
    for (int i = 0; i < m->slot_count; i++) {
        char name[48];
        uint32_t n = m->slot[i].name_length < sizeof name - 1 ? m->slot[i].name_length : (uint32_t)sizeof name - 1;
        memcpy(name, m->slot[i].name, n);
        name[n] = '\0';
        h7_json_str(j, name, m->slot[i].value);
    }
    h7_json_close(j);
    h7_json_float(j, "score", m->score / (double)H7DEC_SCORE_ONE, 3);
}
