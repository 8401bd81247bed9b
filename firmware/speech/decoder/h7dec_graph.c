/* Phone set, score conversion and the search-graph loader (format: README.md).
 * The loader trusts nothing in the file: every count, offset and index is checked before
 * the decoder may follow it, so a corrupt graph is an error code, never a bad access. */
#include "speech/decoder/h7dec.h"

#include <string.h>

static const char *const phone_names[] = {
#define H7_PHONESET(name)
#define H7_PHONE(sym, name) name,
#include "speech/decoder/phones.def"
#undef H7_PHONE
#undef H7_PHONESET
};

static const char phoneset[] =
#define H7_PHONESET(name) name
#define H7_PHONE(sym, name)
#include "speech/decoder/phones.def"
#undef H7_PHONE
#undef H7_PHONESET
    ;

const char *h7dec_phone_name(int phone)
{
    return phone >= 0 && phone < H7DEC_PHONE_COUNT ? phone_names[phone] : NULL;
}

const char *h7dec_phoneset_name(void) { return phoneset; }

static uint32_t fnv1a(uint32_t h, const char *s)
{
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 16777619u;
    return (h ^ '\n') * 16777619u;
}

uint32_t h7dec_phoneset_hash(void)
{
    uint32_t h = fnv1a(2166136261u, phoneset);
    for (int i = 0; i < H7DEC_PHONE_COUNT; i++) h = fnv1a(h, phone_names[i]);
    return h;
}

static int32_t to_score(float nats)
{
    float x = nats * (float)H7DEC_SCORE_ONE;
    if (!(x > (float)H7DEC_SCORE_MIN)) return H7DEC_SCORE_MIN;   /* also NaN */
    if (x > (float)-H7DEC_SCORE_MIN) return -H7DEC_SCORE_MIN;
    /* round half away from zero by hand: the same on every libm, and no libm call */
    return x >= 0.0f ? (int32_t)(x + 0.5f) : -(int32_t)(0.5f - x);
}

void h7dec_scores_f32(const float *logp, int n, int32_t *scores)
{
    for (int i = 0; i < n; i++) scores[i] = to_score(logp[i]);
}

void h7dec_scores_i8(const int8_t *q, int n, float scale, int32_t zero_point, int32_t *scores)
{
    for (int i = 0; i < n; i++) scores[i] = to_score((float)((int32_t)q[i] - zero_point) * scale);
}

const char *h7dec_status_name(h7dec_status s)
{
    static const char *const names[] = {"ok", "bad argument", "not a graph", "checksum mismatch",
                                        "phone set mismatch", "corrupt graph", "workspace too small",
                                        "pool full", "invalid in this state"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown status";
}

/* ---- messages without stdio (snprintf is not free on the chip) ---- */
typedef struct {
    char *p;
    size_t n, used;
} msgbuf;

static void put(msgbuf *m, const char *s, size_t len)
{
    for (size_t i = 0; i < len && m->n && m->used + 1 < m->n; i++) m->p[m->used++] = s[i];
    if (m->n) m->p[m->used] = '\0';
}
static void puts_(msgbuf *m, const char *s) { put(m, s, strlen(s)); }
static void putu(msgbuf *m, uint32_t v)
{
    char b[12];
    int i = 11;
    b[i] = '\0';
    do { b[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    puts_(m, b + i);
}
static void putx(msgbuf *m, uint32_t v)
{
    char b[11] = "0x";
    for (int i = 0; i < 8; i++) b[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 15];
    b[10] = '\0';
    puts_(m, b);
}

static h7dec_status fail(msgbuf *m, h7dec_status s, const char *what, uint32_t a, const char *what2, uint32_t b)
{
    m->used = 0;
    puts_(m, "graph: ");
    puts_(m, what);
    if (what2) {
        putu(m, a);
        puts_(m, what2);
        putu(m, b);
    }
    return s;
}

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* CRC-32 (IEEE, reflected) a nibble at a time: a 64-byte table, ~4x faster than bitwise */
static uint32_t crc32(const uint8_t *p, size_t n)
{
    static const uint32_t table[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
        0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu, 0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        c = (c >> 4) ^ table[c & 15u];
        c = (c >> 4) ^ table[c & 15u];
    }
    return ~c;
}

/* a section of count elements of elem bytes at offset, inside total and 4-byte aligned */
static int section_ok(uint32_t offset, uint32_t count, uint32_t elem, uint32_t total)
{
    uint64_t end = (uint64_t)offset + (uint64_t)count * elem;
    return offset >= H7DEC_GRAPH_HEADER_BYTES && (offset & 3u) == 0 && end <= total;
}

h7dec_status h7dec_graph_load(h7dec_graph *g, const void *data, size_t size, char *msg, size_t msg_size)
{
    msgbuf m = {msg, msg ? msg_size : 0, 0};
    if (m.n) msg[0] = '\0';
    if (!g || !data) return fail(&m, H7DEC_ERR_ARG, "no graph data", 0, NULL, 0);
    memset(g, 0, sizeof *g);
    const uint8_t *p = data;
    if (((uintptr_t)p & 3u) != 0) return fail(&m, H7DEC_ERR_ARG, "data must be 4-byte aligned", 0, NULL, 0);
    if (size < H7DEC_GRAPH_HEADER_BYTES || memcmp(p, H7DEC_GRAPH_MAGIC, 4) != 0)
        return fail(&m, H7DEC_ERR_FORMAT, "not a search graph (no H7SG header)", 0, NULL, 0);
    if (rd16(p + 4) != H7DEC_GRAPH_VERSION)
        return fail(&m, H7DEC_ERR_FORMAT, "format version ", rd16(p + 4), ", this decoder reads ",
                    H7DEC_GRAPH_VERSION);
    if (rd16(p + 6) != H7DEC_GRAPH_HEADER_BYTES)
        return fail(&m, H7DEC_ERR_FORMAT, "header of ", rd16(p + 6), " bytes, expected ", H7DEC_GRAPH_HEADER_BYTES);
    uint32_t total = rd32(p + 12);
    if (total < H7DEC_GRAPH_HEADER_BYTES || total > size)
        return fail(&m, H7DEC_ERR_FORMAT, "truncated: header says ", total, " bytes, got ", (uint32_t)size);
    if (crc32(p + 12, total - 12) != rd32(p + 8))
        return fail(&m, H7DEC_ERR_CRC, "checksum mismatch (corrupt or modified file)", 0, NULL, 0);

    g->phoneset_hash = rd32(p + 16);
    g->phone_count = (uint16_t)rd16(p + 20);
    g->phoneset_name_length = (uint16_t)rd16(p + 22);
    g->node_count = rd32(p + 24);
    g->arc_count = rd32(p + 28);
    g->word_count = rd32(p + 32);
    g->null_count = rd32(p + 36);
    g->string_bytes = rd32(p + 40);
    uint32_t off_nodes = rd32(p + 44), off_arcs = rd32(p + 48), off_words = rd32(p + 52);
    uint32_t off_nulls = rd32(p + 56), off_strings = rd32(p + 60);

    if (!section_ok(off_strings, g->string_bytes, 1, total) || g->phoneset_name_length > g->string_bytes)
        return fail(&m, H7DEC_ERR_CORRUPT, "string table out of bounds", 0, NULL, 0);
    g->strings = (const char *)p + off_strings;
    if (g->phoneset_hash != h7dec_phoneset_hash() || g->phone_count != H7DEC_PHONE_COUNT) {
        m.used = 0;
        puts_(&m, "graph: built for phone set '");
        put(&m, g->strings, g->phoneset_name_length);
        puts_(&m, "' (");
        putu(&m, g->phone_count);
        puts_(&m, " phones, ");
        putx(&m, g->phoneset_hash);
        puts_(&m, "), this decoder uses '");
        puts_(&m, phoneset);
        puts_(&m, "' (");
        putu(&m, H7DEC_PHONE_COUNT);
        puts_(&m, " phones, ");
        putx(&m, h7dec_phoneset_hash());
        puts_(&m, "): rebuild the graph");
        return H7DEC_ERR_PHONESET;
    }
    if (g->node_count == 0 || g->node_count > 0xFFFEu)
        return fail(&m, H7DEC_ERR_CORRUPT, "node count ", g->node_count, " outside 1..", 0xFFFEu);
    if (g->word_count > 0xFFFEu)
        return fail(&m, H7DEC_ERR_CORRUPT, "word count ", g->word_count, " over ", 0xFFFEu);
    if (!section_ok(off_nodes, g->node_count, sizeof(h7dec_node), total))
        return fail(&m, H7DEC_ERR_CORRUPT, "node table out of bounds", 0, NULL, 0);
    if (!section_ok(off_arcs, g->arc_count, sizeof(h7dec_arc), total))
        return fail(&m, H7DEC_ERR_CORRUPT, "arc table out of bounds", 0, NULL, 0);
    if (!section_ok(off_words, g->word_count, sizeof(h7dec_word), total))
        return fail(&m, H7DEC_ERR_CORRUPT, "word table out of bounds", 0, NULL, 0);
    if (!section_ok(off_nulls, g->null_count, 2, total) || g->null_count > g->node_count)
        return fail(&m, H7DEC_ERR_CORRUPT, "null-node list out of bounds", 0, NULL, 0);
    g->nodes = (const h7dec_node *)(p + off_nodes);
    g->arcs = (const h7dec_arc *)(p + off_arcs);
    g->words = (const h7dec_word *)(p + off_words);
    g->nulls = (const uint16_t *)(p + off_nulls);

    for (uint32_t i = 0; i < g->word_count; i++) {
        const h7dec_word *w = &g->words[i];
        if ((uint64_t)w->offset + w->length > g->string_bytes)
            return fail(&m, H7DEC_ERR_CORRUPT, "word ", i, " text outside the string table of bytes ", g->string_bytes);
    }
    uint32_t nulls_seen = 0;
    for (uint32_t i = 0; i < g->node_count; i++) {
        const h7dec_node *n = &g->nodes[i];
        int is_null = n->phone == H7DEC_NULL_PHONE;
        if (!is_null && (n->phone == H7DEC_PHONE_BLANK || n->phone >= H7DEC_PHONE_COUNT))
            return fail(&m, H7DEC_ERR_CORRUPT, "node ", i, " has an invalid phone ", n->phone);
        if (n->flags & ~(uint32_t)(H7DEC_NODE_FINAL | H7DEC_NODE_LINK))
            return fail(&m, H7DEC_ERR_CORRUPT, "node ", i, " has unknown flags ", n->flags);
        if (is_null && (n->flags & H7DEC_NODE_FINAL))
            return fail(&m, H7DEC_ERR_CORRUPT, "null node ", i, " is final (only emitting nodes may be), flags ", n->flags);
        if (i == 0 && !is_null)
            return fail(&m, H7DEC_ERR_CORRUPT, "node 0 (the start) must be a null node", 0, NULL, 0);
        if (n->word != H7DEC_NONE && n->word >= g->word_count)
            return fail(&m, H7DEC_ERR_CORRUPT, "node ", i, " names word ", n->word);
        if ((uint64_t)n->first_arc + n->arc_count > g->arc_count)
            return fail(&m, H7DEC_ERR_CORRUPT, "node ", i, " arcs past the arc table end ", g->arc_count);
        for (uint32_t a = n->first_arc; a < n->first_arc + n->arc_count; a++) {
            uint32_t t = g->arcs[a].target;
            if (t >= g->node_count) return fail(&m, H7DEC_ERR_CORRUPT, "arc ", a, " targets node ", t);
            if (t == 0) return fail(&m, H7DEC_ERR_CORRUPT, "arc ", a, " re-enters the start node from node ", i);
            /* null-to-null arcs go forward only: the null nodes are then processed in one
             * ascending pass and an epsilon cycle cannot exist */
            if (is_null && g->nodes[t].phone == H7DEC_NULL_PHONE && t <= i)
                return fail(&m, H7DEC_ERR_CORRUPT, "null arc goes backwards from node ", i, " to ", t);
        }
        if (is_null) {
            if (nulls_seen >= g->null_count || g->nulls[nulls_seen] != i)
                return fail(&m, H7DEC_ERR_CORRUPT, "null-node list does not match null node ", i, " at entry ", nulls_seen);
            nulls_seen++;
        }
    }
    if (nulls_seen != g->null_count)
        return fail(&m, H7DEC_ERR_CORRUPT, "null-node list has ", g->null_count, " entries, null nodes ", nulls_seen);
    return H7DEC_OK;
}

h7dec_status h7dec_graph_check_model(const h7dec_graph *g, const char *model_phoneset, uint32_t model_hash,
                                     int model_outputs, char *msg, size_t msg_size)
{
    msgbuf m = {msg, msg ? msg_size : 0, 0};
    if (m.n) msg[0] = '\0';
    if (!g || !g->nodes) return fail(&m, H7DEC_ERR_ARG, "no graph loaded", 0, NULL, 0);
    if (model_hash == g->phoneset_hash && model_outputs == (int)g->phone_count) return H7DEC_OK;
    puts_(&m, "model has ");
    putu(&m, model_outputs < 0 ? 0u : (uint32_t)model_outputs);
    puts_(&m, " outputs of phone set '");
    puts_(&m, model_phoneset ? model_phoneset : "?");
    puts_(&m, "' (");
    putx(&m, model_hash);
    puts_(&m, "), the graph expects ");
    putu(&m, g->phone_count);
    puts_(&m, " of '");
    put(&m, g->strings, g->phoneset_name_length);
    puts_(&m, "' (");
    putx(&m, g->phoneset_hash);
    puts_(&m, ")");
    return H7DEC_ERR_PHONESET;
}

const char *h7dec_graph_word(const h7dec_graph *g, uint32_t word, uint32_t *length)
{
    if (!g || !g->words || word >= g->word_count) return NULL;
    if (length) *length = g->words[word].length;
    return g->strings + g->words[word].offset;
}
