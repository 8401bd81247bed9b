/* Host unit tests of the decoder library on synthetic posteriors whose answer is known.
 * Graphs are built here with a small writer of the documented format (README.md); the
 * Python compiler (tools/h7speech) is tested against the same loader through ctypes. */
#include <stdlib.h>
#include <string.h>

#include "speech/decoder/h7dec.h"
#include "testing/h7test.h"

enum { P_SIL = H7DEC_PHONE_SIL, P_AA = H7DEC_PHONE_AA, P_B = H7DEC_PHONE_B, P_K = H7DEC_PHONE_K,
       P_T = H7DEC_PHONE_T, P_IY = H7DEC_PHONE_IY, P_S = H7DEC_PHONE_S, P_N = H7DEC_PHONE_N,
       P_OW = H7DEC_PHONE_OW, P_EH = H7DEC_PHONE_EH, P_M = H7DEC_PHONE_M };

/* ---- a graph writer (test side) ---- */
#define MAXN 4096
#define MAXA 8192
typedef struct {
    h7dec_node nodes[MAXN];
    int from[MAXA], to[MAXA], weight[MAXA];
    char strings[8192];
    h7dec_word words[512];
    int nn, na, nw, ns;
} gbuild;

static gbuild gb;
static uint32_t graph_words[(MAXN * 12 + MAXA * 4 + 8192 + 512 * 8 + MAXN * 2 + 64) / 4 + 16];

static void gb_init(void)
{
    memset(&gb, 0, sizeof gb);
    const char *name = h7dec_phoneset_name();
    gb.ns = (int)strlen(name);
    memcpy(gb.strings, name, (size_t)gb.ns);
    gb.nodes[0] = (h7dec_node){H7DEC_NULL_PHONE, 0, H7DEC_NONE, 0, 0, 0};
    gb.nn = 1;
}
static int gb_node(int phone, int flags, int word)
{
    gb.nodes[gb.nn] = (h7dec_node){(uint8_t)phone, (uint8_t)flags, (uint16_t)word, 0, 0, 0};
    return gb.nn++;
}
static void gb_arc(int from, int to, int weight)
{
    gb.from[gb.na] = from;
    gb.to[gb.na] = to;
    gb.weight[gb.na] = weight;
    gb.na++;
}
static int gb_word(const char *text)
{
    size_t n = strlen(text);
    gb.words[gb.nw] = (h7dec_word){(uint32_t)gb.ns, (uint16_t)n, 0};
    memcpy(gb.strings + gb.ns, text, n);
    gb.ns += (int)n;
    return gb.nw++;
}
/* a word as a chain of phones; returns its last node, *first gets the first */
static int gb_chain(const int *phones, int n, int word, int *first)
{
    int prev = -1, f = -1;
    for (int i = 0; i < n; i++) {
        int k = gb_node(phones[i], i == 0 ? H7DEC_NODE_LINK : 0, i == 0 ? word : (int)H7DEC_NONE);
        if (prev >= 0) gb_arc(prev, k, 0);
        else f = k;
        prev = k;
    }
    *first = f;
    return prev;
}

static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}
static void w16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void w32(uint8_t *p, uint32_t v) { w16(p, v & 0xFFFF); w16(p + 2, v >> 16); }

static void gb_crc(uint8_t *p, size_t size) { w32(p + 8, crc32(p + 12, size - 12)); }

/* serializes; returns its size */
static size_t gb_write(uint8_t *out)
{
    uint8_t *p = out;
    memset(p, 0, sizeof graph_words);
    int nulls[MAXN], nnull = 0;
    /* arcs grouped by source node */
    h7dec_arc *arcs = (h7dec_arc *)(p + 64 + gb.nn * sizeof(h7dec_node));
    int na = 0;
    for (int n = 0; n < gb.nn; n++) {
        gb.nodes[n].first_arc = (uint32_t)na;
        for (int a = 0; a < gb.na; a++)
            if (gb.from[a] == n) arcs[na++] = (h7dec_arc){(uint16_t)gb.to[a], (int16_t)gb.weight[a]};
        gb.nodes[n].arc_count = (uint16_t)(na - (int)gb.nodes[n].first_arc);
        if (gb.nodes[n].phone == H7DEC_NULL_PHONE) nulls[nnull++] = n;
    }
    memcpy(p + 64, gb.nodes, gb.nn * sizeof(h7dec_node));
    uint32_t off_nodes = 64, off_arcs = off_nodes + gb.nn * (uint32_t)sizeof(h7dec_node);
    uint32_t off_words = off_arcs + (uint32_t)na * 4;
    memcpy(p + off_words, gb.words, gb.nw * sizeof(h7dec_word));
    uint32_t off_nulls = off_words + gb.nw * 8;
    for (int i = 0; i < nnull; i++) w16(p + off_nulls + 2 * i, (uint32_t)nulls[i]);
    uint32_t off_strings = (off_nulls + 2 * nnull + 3) & ~3u;
    memcpy(p + off_strings, gb.strings, (size_t)gb.ns);
    uint32_t total = (off_strings + gb.ns + 3) & ~3u;
    memcpy(p, "H7SG", 4);
    w16(p + 4, 1);
    w16(p + 6, 64);
    w32(p + 12, total);
    w32(p + 16, h7dec_phoneset_hash());
    w16(p + 20, H7DEC_PHONE_COUNT);
    w16(p + 22, (uint32_t)strlen(h7dec_phoneset_name()));
    w32(p + 24, (uint32_t)gb.nn);
    w32(p + 28, (uint32_t)na);
    w32(p + 32, (uint32_t)gb.nw);
    w32(p + 36, (uint32_t)nnull);
    w32(p + 40, (uint32_t)gb.ns);
    w32(p + 44, off_nodes);
    w32(p + 48, off_arcs);
    w32(p + 52, off_words);
    w32(p + 56, off_nulls);
    w32(p + 60, off_strings);
    gb_crc(p, total);
    return total;
}

/* ---- synthetic posteriors ---- */
static void frame_for(int phone, int32_t *s)
{
    float lp[H7DEC_PHONE_COUNT];
    for (int i = 0; i < H7DEC_PHONE_COUNT; i++) lp[i] = logf(0.1f / (H7DEC_PHONE_COUNT - 1));
    lp[phone] = logf(0.9f);
    h7dec_scores_f32(lp, H7DEC_PHONE_COUNT, s);
}

/* a sequence of (phone, frames) pairs written out as frames; returns frame count */
static int frames_of(const int *spec, int n, int32_t (*out)[H7DEC_PHONE_COUNT])
{
    int t = 0;
    for (int i = 0; i < n; i += 2)
        for (int k = 0; k < spec[i + 1]; k++) frame_for(spec[i], out[t++]);
    return t;
}

static uint8_t ws[1 << 20] __attribute__((aligned(8)));
static int32_t frames[20000][H7DEC_PHONE_COUNT];

/* ---- tests ---- */
H7_TEST(phone_set_is_the_def_file)
{
    H7_EXPECT_EQ_INT(H7DEC_PHONE_COUNT, 41);
    H7_EXPECT(strcmp(h7dec_phone_name(0), "<blank>") == 0);
    H7_EXPECT(strcmp(h7dec_phone_name(P_SIL), "SIL") == 0);
    H7_EXPECT(strcmp(h7dec_phone_name(H7DEC_PHONE_ZH), "ZH") == 0);
    H7_EXPECT(h7dec_phone_name(41) == NULL);
    H7_EXPECT(strcmp(h7dec_phoneset_name(), "arpabet39+sil+blank") == 0);
    H7_EXPECT(h7dec_phoneset_hash() != 0);
}

H7_TEST(scores_round_and_clamp)
{
    float lp[5] = {-1.0f, 0.5f / 256, -1e9f, -1.5f / 256, 0.49f / 256};
    int32_t s[5];
    h7dec_scores_f32(lp, 5, s);
    H7_EXPECT_EQ_INT(s[0], -256);
    H7_EXPECT_EQ_INT(s[1], 1);   /* halves round away from zero */
    H7_EXPECT_EQ_INT(s[2], H7DEC_SCORE_MIN);
    H7_EXPECT_EQ_INT(s[3], -2);
    H7_EXPECT_EQ_INT(s[4], 0);
    int8_t q[3] = {-128, 10, 127};
    h7dec_scores_i8(q, 3, 1.0f / 16, 127, s);
    H7_EXPECT_EQ_INT(s[0], -255 * 16);
    H7_EXPECT_EQ_INT(s[1], -117 * 16);
    H7_EXPECT_EQ_INT(s[2], 0);
}

H7_TEST(greedy_collapses_repeats_and_blanks)
{
    int spec[] = {0, 2, P_K, 3, 0, 1, P_AA, 2, P_AA, 1, 0, 2, P_AA, 2, P_T, 1};
    int n = frames_of(spec, 16, frames);
    h7dec_greedy g;
    h7dec_greedy_init(&g);
    int out[16], k = 0;
    for (int t = 0; t < n; t++) {
        int p = h7dec_greedy_step(&g, frames[t]);
        if (p >= 0) out[k++] = p;
    }
    /* K, AA (AA AA collapse), AA again after a blank, T */
    H7_EXPECT_EQ_INT(k, 4);
    H7_EXPECT_EQ_INT(out[0], P_K);
    H7_EXPECT_EQ_INT(out[1], P_AA);
    H7_EXPECT_EQ_INT(out[2], P_AA);
    H7_EXPECT_EQ_INT(out[3], P_T);
}

H7_TEST(prefix_beam_finds_the_sequence)
{
    int spec[] = {0, 3, P_S, 2, P_IY, 4, 0, 2, P_IY, 1, P_N, 3, 0, 3};
    int n = frames_of(spec, 14, frames);
    h7dec_ctc_config cfg = {8, 64, 6, 0};
    size_t need = h7dec_ctc_workspace_size(&cfg);
    H7_EXPECT(need > 0 && need < 8192);
    h7dec_ctc *c;
    H7_EXPECT_EQ_INT(h7dec_ctc_init(&c, &cfg, ws, need - 1), H7DEC_ERR_WORKSPACE);
    H7_EXPECT_EQ_INT(h7dec_ctc_init(&c, &cfg, ws, need), H7DEC_OK);
    for (int t = 0; t < n; t++) H7_EXPECT_EQ_INT(h7dec_ctc_step(c, frames[t]), H7DEC_OK);
    uint8_t ph[16];
    int32_t fr[16];
    int k = h7dec_ctc_best(c, ph, fr, 16, NULL);
    H7_EXPECT_EQ_INT(k, 4);
    H7_EXPECT_EQ_INT(ph[0], P_S);
    H7_EXPECT_EQ_INT(ph[1], P_IY);
    H7_EXPECT_EQ_INT(ph[2], P_IY);
    H7_EXPECT_EQ_INT(ph[3], P_N);
    H7_EXPECT_EQ_INT(fr[0], 3);
    H7_EXPECT_EQ_INT(fr[3], 12);
}

H7_TEST(prefix_beam_sums_paths_greedy_misses)
{
    /* each frame: blank 0.4, K 0.35 (x2 frames). Greedy: blank blank -> "". The prefix "K"
     * sums 0.35*0.35 + 0.35*0.4 + 0.4*0.35 = 0.4025 > "" (0.16): beam search says K. */
    float lp[H7DEC_PHONE_COUNT];
    for (int i = 0; i < H7DEC_PHONE_COUNT; i++) lp[i] = logf(0.25f / (H7DEC_PHONE_COUNT - 2));
    lp[0] = logf(0.4f);
    lp[P_K] = logf(0.35f);
    h7dec_scores_f32(lp, H7DEC_PHONE_COUNT, frames[0]);
    h7dec_greedy g;
    h7dec_greedy_init(&g);
    H7_EXPECT_EQ_INT(h7dec_greedy_step(&g, frames[0]), -1);
    H7_EXPECT_EQ_INT(h7dec_greedy_step(&g, frames[0]), -1);
    h7dec_ctc_config cfg = {4, 32, 4, 0};
    h7dec_ctc *c;
    H7_EXPECT_EQ_INT(h7dec_ctc_init(&c, &cfg, ws, sizeof ws), H7DEC_OK);
    h7dec_ctc_step(c, frames[0]);
    h7dec_ctc_step(c, frames[0]);
    uint8_t ph[4];
    int32_t score;
    H7_EXPECT_EQ_INT(h7dec_ctc_best(c, ph, NULL, 4, &score), 1);
    H7_EXPECT_EQ_INT(ph[0], P_K);
}

H7_TEST(prefix_beam_memory_is_bounded)
{
    /* 3000 frames, 600 phones out, with a 300-prefix pool: the pool is reclaimed (pruned
     * alternatives free theirs), and a result longer than the pool is reported as "full",
     * never overrun. Without pruning, 4 alternatives that never rejoin fill it 4x sooner. */
    int phones[5] = {P_K, P_AA, P_T, P_S, P_N};
    h7dec_ctc_config cfg = {4, 300, 3, 4 * H7DEC_SCORE_ONE};
    h7dec_ctc *c;
    H7_EXPECT_EQ_INT(h7dec_ctc_init(&c, &cfg, ws, h7dec_ctc_workspace_size(&cfg)), H7DEC_OK);
    int t, st = H7DEC_OK;
    for (t = 0; t < 3000 && st == H7DEC_OK; t++) {
        frame_for(t % 5 == 4 ? 0 : phones[(t / 5) % 5], frames[0]);
        st = h7dec_ctc_step(c, frames[0]);
    }
    H7_EXPECT_EQ_INT(st, H7DEC_ERR_FULL);
    H7_EXPECT(t > 1400 && t < 1510);
    cfg.prune = 0;
    H7_EXPECT_EQ_INT(h7dec_ctc_init(&c, &cfg, ws, h7dec_ctc_workspace_size(&cfg)), H7DEC_OK);
    st = H7DEC_OK;
    for (t = 0; t < 3000 && st == H7DEC_OK; t++) {
        frame_for(t % 5 == 4 ? 0 : phones[(t / 5) % 5], frames[0]);
        st = h7dec_ctc_step(c, frames[0]);
    }
    H7_EXPECT(st == H7DEC_ERR_FULL && t > 300 && t < 400);   /* ~300 phones recognized before the pool (300) ran out */
}

/* graph: start -> (optional SIL) -> one of words -> (optional SIL), final at word ends/SIL */
static const int W_CAT[] = {P_K, P_AA, P_T}, W_BEE[] = {P_B, P_IY}, W_SNOW[] = {P_S, P_N, P_OW};

static size_t words_graph(uint8_t *buf)
{
    gb_init();
    int words[3] = {gb_word("cat"), gb_word("bee"), gb_word("snow")};
    const int *ph[3] = {W_CAT, W_BEE, W_SNOW};
    int len[3] = {3, 2, 3};
    int hub = gb_node(H7DEC_NULL_PHONE, 0, H7DEC_NONE);
    int sil0 = gb_node(P_SIL, H7DEC_NODE_LINK, H7DEC_NONE);
    int sil1 = gb_node(P_SIL, H7DEC_NODE_LINK | H7DEC_NODE_FINAL, H7DEC_NONE);
    gb_arc(0, sil0, 0);
    gb_arc(0, hub, 0);
    gb_arc(sil0, hub, 0);
    for (int w = 0; w < 3; w++) {
        int first, last = gb_chain(ph[w], len[w], words[w], &first);
        gb_arc(hub, first, 0);
        gb.nodes[last].flags |= H7DEC_NODE_FINAL;
        gb_arc(last, sil1, 0);
    }
    return gb_write(buf);
}

static h7dec *decoder(const h7dec_graph *g, h7dec_mode mode, h7dec_config *cfg)
{
    h7dec_config c;
    if (!cfg) {
        h7dec_config_default(&c, mode);
        cfg = &c;
    }
    h7dec *d;
    size_t need = h7dec_workspace_size(g, cfg);
    if (need == 0 || need > sizeof ws || h7dec_init(&d, g, cfg, ws, need) != H7DEC_OK) return NULL;
    return d;
}

H7_TEST(graph_loads_and_names_its_words)
{
    uint8_t *buf = (uint8_t *)graph_words;
    size_t n = words_graph(buf);
    h7dec_graph g;
    char msg[200];
    H7_EXPECT_EQ_INT(h7dec_graph_load(&g, buf, n, msg, sizeof msg), H7DEC_OK);
    H7_EXPECT_EQ_INT(g.word_count, 3);
    uint32_t len;
    const char *w = h7dec_graph_word(&g, 2, &len);
    H7_EXPECT(w && len == 4 && memcmp(w, "snow", 4) == 0);
    H7_EXPECT(h7dec_graph_word(&g, 3, &len) == NULL);
    H7_EXPECT_EQ_INT(h7dec_graph_check_model(&g, h7dec_phoneset_name(), h7dec_phoneset_hash(), 41, msg, sizeof msg), H7DEC_OK);
    H7_EXPECT_EQ_INT(h7dec_graph_check_model(&g, "kws12", 0x1234, 12, msg, sizeof msg), H7DEC_ERR_PHONESET);
    H7_EXPECT(strstr(msg, "12 outputs") && strstr(msg, "kws12") && strstr(msg, "arpabet39+sil+blank") && strstr(msg, "41"));
}

H7_TEST(corrupt_graphs_are_refused_with_a_message)
{
    uint8_t *buf = (uint8_t *)graph_words;
    size_t n = words_graph(buf);
    h7dec_graph g;
    char msg[200];
    /* every single-byte change is caught (by the checksum at least), never a crash */
    for (size_t i = 0; i < n; i++) {
        buf[i] ^= 0x5A;
        h7dec_status s = h7dec_graph_load(&g, buf, n, msg, sizeof msg);
        buf[i] ^= 0x5A;
        if (s == H7DEC_OK || msg[0] == '\0') { H7_EXPECT(0); break; }
    }
    /* truncated */
    H7_EXPECT_EQ_INT(h7dec_graph_load(&g, buf, n - 4, msg, sizeof msg), H7DEC_ERR_FORMAT);
    H7_EXPECT(strstr(msg, "truncated") != NULL);
    H7_EXPECT_EQ_INT(h7dec_graph_load(&g, buf, 10, msg, sizeof msg), H7DEC_ERR_FORMAT);
    /* structural errors with a valid checksum */
    const struct { size_t at; uint32_t value; int bytes; h7dec_status want; const char *text; } cases[] = {
        {4, 2, 2, H7DEC_ERR_FORMAT, "version"},
        {16, 0xDEADBEEF, 4, H7DEC_ERR_PHONESET, "phone set"},
        {20, 40, 2, H7DEC_ERR_PHONESET, "40 phones"},
        {24, 70000, 4, H7DEC_ERR_CORRUPT, "node count"},
        {28, 100000, 4, H7DEC_ERR_CORRUPT, "arc table"},
        {36, 9, 4, H7DEC_ERR_CORRUPT, "null-node"},
        {48, 2, 4, H7DEC_ERR_CORRUPT, "arc table"},
        {64 + 12 * 1 + 0, 0x00, 1, H7DEC_ERR_CORRUPT, "invalid phone"},   /* the blank is no graph phone */
        {64 + 12 * 2 + 0, 77, 1, H7DEC_ERR_CORRUPT, "invalid phone"},
        {64 + 12 * 2 + 1, 0x40, 1, H7DEC_ERR_CORRUPT, "unknown flags"},
        {64 + 12 * 1 + 1, 1, 1, H7DEC_ERR_CORRUPT, "is final"},
        {64 + 12 * 2 + 2, 7, 2, H7DEC_ERR_CORRUPT, "names word"},
        {64 + 12 * 2 + 4, 1000, 4, H7DEC_ERR_CORRUPT, "arcs past"},
        {64 + 12 * 0, 5, 1, H7DEC_ERR_CORRUPT, "node 0"},
    };
    uint8_t copy[4096];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        memcpy(copy, buf, n);
        if (cases[c].bytes == 1) copy[cases[c].at] = (uint8_t)cases[c].value;
        else if (cases[c].bytes == 2) w16(copy + cases[c].at, cases[c].value);
        else w32(copy + cases[c].at, cases[c].value);
        gb_crc(copy, n);
        h7dec_status s = h7dec_graph_load(&g, copy, n, msg, sizeof msg);
        if (s != cases[c].want || !strstr(msg, cases[c].text))
            printf("  case %zu: status %d msg '%s'\n", c, s, msg);
        H7_EXPECT_EQ_INT(s, cases[c].want);
        H7_EXPECT(strstr(msg, cases[c].text) != NULL);
    }
    /* an arc back into the start node, an arc to a missing node, a backwards null arc */
    h7dec_graph ok;
    h7dec_graph_load(&ok, buf, n, NULL, 0);
    size_t arcs_at = (size_t)((const uint8_t *)ok.arcs - buf);
    const struct { uint32_t target; const char *text; } arc_cases[] = {{0, "start node"}, {999, "targets node"}};
    for (int c = 0; c < 2; c++) {
        memcpy(copy, buf, n);
        w16(copy + arcs_at, arc_cases[c].target);
        gb_crc(copy, n);
        H7_EXPECT_EQ_INT(h7dec_graph_load(&g, copy, n, msg, sizeof msg), H7DEC_ERR_CORRUPT);
        H7_EXPECT(strstr(msg, arc_cases[c].text) != NULL);
    }
}

H7_TEST(phone_set_mismatch_names_both)
{
    uint8_t *buf = (uint8_t *)graph_words;
    size_t n = words_graph(buf);
    w32(buf + 16, 0x11111111u);
    gb_crc(buf, n);
    h7dec_graph g;
    char msg[300];
    H7_EXPECT_EQ_INT(h7dec_graph_load(&g, buf, n, msg, sizeof msg), H7DEC_ERR_PHONESET);
    H7_EXPECT(strstr(msg, "0x11111111") && strstr(msg, "arpabet39+sil+blank") && strstr(msg, "rebuild"));
}

static int recognize(const h7dec_graph *g, const int *spec, int nspec, h7dec_result *r, h7dec_segment *segs)
{
    h7dec *d = decoder(g, H7DEC_RECOGNIZE, NULL);
    if (!d) return -1;
    int n = frames_of(spec, nspec, frames);
    for (int t = 0; t < n; t++)
        if (h7dec_step(d, frames[t]) != H7DEC_OK) return -1;
    return h7dec_best(d, r, segs, 8);
}

H7_TEST(recognizes_the_spoken_word_with_boundaries)
{
    uint8_t *buf = (uint8_t *)graph_words;
    size_t n = words_graph(buf);
    h7dec_graph g;
    H7_EXPECT_EQ_INT(h7dec_graph_load(&g, buf, n, NULL, 0), H7DEC_OK);
    int spec[] = {P_SIL, 5, P_S, 4, P_N, 3, P_OW, 6, P_SIL, 7};
    h7dec_result r;
    h7dec_segment segs[8];
    int k = recognize(&g, spec, 10, &r, segs);
    H7_EXPECT_EQ_INT(k, 3);   /* SIL, snow, SIL */
    H7_EXPECT(r.reached_final);
    H7_EXPECT_EQ_INT(r.frames, 25);
    H7_EXPECT(r.score > 0 && r.confidence > 0);
    H7_EXPECT_EQ_INT(segs[1].word, 2);
    H7_EXPECT_EQ_INT(segs[0].start, 0);
    H7_EXPECT_EQ_INT(segs[0].end, 5);
    H7_EXPECT_EQ_INT(segs[1].start, 5);
    H7_EXPECT_EQ_INT(segs[1].end, 18);
    H7_EXPECT_EQ_INT(segs[2].start, 18);
    H7_EXPECT_EQ_INT(segs[2].end, 25);
    H7_EXPECT_EQ_INT(segs[0].score + segs[1].score + segs[2].score, 25 * -27);   /* log 0.9 each frame */
}

H7_TEST(out_of_grammar_speech_has_low_confidence)
{
    uint8_t *buf = (uint8_t *)graph_words;
    size_t n = words_graph(buf);
    h7dec_graph g;
    h7dec_graph_load(&g, buf, n, NULL, 0);
    int in[] = {P_SIL, 5, P_K, 4, P_AA, 5, P_T, 3, P_SIL, 5};
    int out[] = {P_SIL, 5, P_M, 4, P_EH, 5, P_N, 3, P_SIL, 5};   /* "men": not in the grammar */
    h7dec_result rin, rout;
    h7dec_segment segs[8];
    H7_EXPECT_EQ_INT(recognize(&g, in, 10, &rin, segs), 3);
    H7_EXPECT_EQ_INT(segs[1].word, 0);
    H7_EXPECT(recognize(&g, out, 10, &rout, segs) >= 0);
    H7_EXPECT(rin.confidence > 0);
    H7_EXPECT(rout.confidence < 0);   /* the filler explains it better than any word */
}

/* spotting graph: the phrase "cat snow" */
static size_t phrase_graph(uint8_t *buf)
{
    gb_init();
    int wc = gb_word("cat"), wsn = gb_word("snow");
    int f1, l1 = gb_chain(W_CAT, 3, wc, &f1);
    int f2, l2 = gb_chain(W_SNOW, 3, wsn, &f2);
    gb_arc(0, f1, 0);
    gb_arc(l1, f2, 0);
    gb.nodes[l2].flags |= H7DEC_NODE_FINAL;
    return gb_write(buf);
}

H7_TEST(spotting_reports_each_occurrence_once)
{
    uint8_t *buf = (uint8_t *)graph_words;
    size_t n = phrase_graph(buf);
    h7dec_graph g;
    H7_EXPECT_EQ_INT(h7dec_graph_load(&g, buf, n, NULL, 0), H7DEC_OK);
    /* babble, the phrase at [20, 39), babble, "cat" alone (not the phrase), the phrase at [88, 107) */
    int spec[] = {P_SIL, 5, P_M, 3, P_EH, 4, P_B, 3, P_IY, 5,
                  P_K, 4, P_AA, 5, P_T, 3, P_S, 3, P_N, 2, P_OW, 1 + 1,
                  P_SIL, 10, P_M, 4, P_IY, 4, P_K, 4, P_AA, 5, P_T, 3, P_SIL, 10, P_N, 5, P_EH, 4,
                  P_K, 4, P_AA, 5, P_T, 3, P_S, 3, P_N, 2, P_OW, 2, P_SIL, 30};
    int nf = frames_of(spec, (int)(sizeof spec / sizeof spec[0]), frames);
    h7dec *d = decoder(&g, H7DEC_SPOT, NULL);
    H7_EXPECT(d != NULL);
    if (!d) return;
    h7dec_event ev[8];
    int ne = 0;
    for (int t = 0; t < nf; t++) {
        H7_EXPECT_EQ_INT(h7dec_step(d, frames[t]), H7DEC_OK);
        while (ne < 8 && h7dec_event_pop(d, &ev[ne])) ne++;
    }
    h7dec_flush(d);
    while (ne < 8 && h7dec_event_pop(d, &ev[ne])) ne++;
    H7_EXPECT_EQ_INT(ne, 2);
    H7_EXPECT_EQ_INT(ev[0].start, 20);
    H7_EXPECT_EQ_INT(ev[0].end, 39);
    H7_EXPECT_EQ_INT(ev[1].start, 88);
    H7_EXPECT_EQ_INT(ev[1].end, 107);
    H7_EXPECT_EQ_INT(ev[0].word, 0);
    H7_EXPECT(ev[0].score >= 5 * H7DEC_SCORE_ONE);
}

/* alignment graph: words in order, optional SIL before, between and after */
static size_t align_graph(uint8_t *buf, int nwords, const int **ph, const int *len)
{
    gb_init();
    int hub = gb_node(H7DEC_NULL_PHONE, 0, H7DEC_NONE);
    gb_arc(0, hub, 0);
    for (int i = 0; i <= nwords; i++) {
        int sil = gb_node(P_SIL, H7DEC_NODE_LINK | (i == nwords ? H7DEC_NODE_FINAL : 0), H7DEC_NONE);
        gb_arc(hub, sil, 0);
        if (i == nwords) break;
        int word = gb_word(i % 2 ? "snow" : "cat");
        int first, last = gb_chain(ph[i], len[i], word, &first);
        gb_arc(hub, first, 0);
        gb_arc(sil, first, 0);
        int next = gb_node(H7DEC_NULL_PHONE, 0, H7DEC_NONE);
        gb_arc(last, next, 0);
        if (i == nwords - 1) gb.nodes[last].flags |= H7DEC_NODE_FINAL;
        hub = next;
    }
    return gb_write(buf);
}

H7_TEST(alignment_gives_phone_and_word_boundaries)
{
    const int *ph[2] = {W_CAT, W_SNOW};
    int len[2] = {3, 3};
    uint8_t *buf = (uint8_t *)graph_words;
    size_t n = align_graph(buf, 2, ph, len);
    h7dec_graph g;
    H7_EXPECT_EQ_INT(h7dec_graph_load(&g, buf, n, NULL, 0), H7DEC_OK);
    int spec[] = {P_SIL, 4, P_K, 3, P_AA, 6, P_T, 2, P_S, 5, P_N, 3, P_OW, 7, P_SIL, 3};
    int nf = frames_of(spec, 16, frames);
    h7dec *d = decoder(&g, H7DEC_ALIGN, NULL);
    H7_EXPECT(d != NULL);
    if (!d) return;
    for (int t = 0; t < nf; t++) H7_EXPECT_EQ_INT(h7dec_step(d, frames[t]), H7DEC_OK);
    h7dec_segment segs[16];
    int k = 0;
    while (h7dec_pop(d, &segs[k])) k++;
    h7dec_result r;
    int rest = h7dec_best(d, &r, segs + k, 16 - k);
    H7_EXPECT(rest > 0);
    k += rest;
    H7_EXPECT(r.reached_final);
    H7_EXPECT_EQ_INT(k, 8);
    int want_start[] = {0, 4, 7, 13, 15, 20, 23, 30}, want_phone[] = {P_SIL, P_K, P_AA, P_T, P_S, P_N, P_OW, P_SIL};
    for (int i = 0; i < k && i < 8; i++) {
        H7_EXPECT_EQ_INT(segs[i].start, want_start[i]);
        H7_EXPECT_EQ_INT(segs[i].end, i < 7 ? want_start[i + 1] : 33);
        H7_EXPECT_EQ_INT(segs[i].phone, want_phone[i]);
    }
    H7_EXPECT_EQ_INT(segs[1].word, 0);
    H7_EXPECT_EQ_INT(segs[4].word, 1);
    H7_EXPECT_EQ_INT(segs[2].word, H7DEC_NONE);
}

H7_TEST(long_alignment_runs_in_fixed_memory)
{
    /* 400 words (1,200 phones, ~10,000 frames) through a decoder whose link pool holds far
     * fewer boundaries than the audio has: partial tracebacks commit as it goes */
    enum { NW = 400 };
    static const int *ph[NW];
    static int len[NW];
    for (int i = 0; i < NW; i++) {
        ph[i] = i % 2 ? W_SNOW : W_CAT;
        len[i] = 3;
    }
    uint8_t *buf = (uint8_t *)graph_words;
    size_t n = align_graph(buf, NW, ph, len);
    h7dec_graph g;
    H7_EXPECT_EQ_INT(h7dec_graph_load(&g, buf, n, NULL, 0), H7DEC_OK);
    h7dec_config cfg;
    h7dec_config_default(&cfg, H7DEC_ALIGN);
    cfg.max_links = (uint16_t)(g.node_count + 200);
    cfg.out_capacity = 32;
    h7dec *d = decoder(&g, H7DEC_ALIGN, &cfg);
    H7_EXPECT(d != NULL);
    if (!d) return;
    int t = 0, k = 0, bad = 0;
    int32_t expect_start = 0;
    h7dec_segment s;
    for (int i = 0; i < NW; i++) {
        const int *p = ph[i];
        int dur[3] = {3 + i % 5, 2 + i % 3, 4 + i % 7};
        for (int j = 0; j < 3; j++)
            for (int f = 0; f < dur[j]; f++) {
                frame_for(p[j], frames[0]);
                if (h7dec_step(d, frames[0]) != H7DEC_OK) bad++;
                t++;
                while (h7dec_pop(d, &s)) {
                    if (s.start != expect_start || s.phone == P_SIL) bad++;
                    expect_start = s.end;
                    k++;
                }
            }
    }
    H7_EXPECT_EQ_INT(bad, 0);
    h7dec_stats st;
    h7dec_get_stats(d, &st);
    H7_EXPECT(st.commits > 100);
    H7_EXPECT_EQ_INT(st.forced_commits, 0);
    H7_EXPECT(st.links_max <= (int)cfg.max_links);
    H7_EXPECT(k > NW * 3 - 20);   /* almost everything committed before the end */
    h7dec_segment rest[64];
    int r = h7dec_best(d, NULL, rest, 64);
    H7_EXPECT(r >= 1 && k + r == NW * 3);
    H7_EXPECT_EQ_INT(rest[r - 1].end, t);
}

H7_TEST(ctc_mode_absorbs_blanks)
{
    uint8_t *buf = (uint8_t *)graph_words;
    size_t n = words_graph(buf);
    h7dec_graph g;
    h7dec_graph_load(&g, buf, n, NULL, 0);
    h7dec_config cfg;
    h7dec_config_default(&cfg, H7DEC_RECOGNIZE);
    cfg.ctc = 1;
    h7dec *d = decoder(&g, H7DEC_RECOGNIZE, &cfg);
    H7_EXPECT(d != NULL);
    if (!d) return;
    int spec[] = {0, 4, P_B, 1, 0, 5, P_IY, 1, 0, 6};   /* CTC spikes */
    int nf = frames_of(spec, 10, frames);
    for (int t = 0; t < nf; t++) H7_EXPECT_EQ_INT(h7dec_step(d, frames[t]), H7DEC_OK);
    h7dec_result r;
    h7dec_segment segs[4];
    int k = h7dec_best(d, &r, segs, 4);
    H7_EXPECT(r.reached_final);
    H7_EXPECT(k >= 1);
    H7_EXPECT_EQ_INT(segs[k - 1].word, 1);
    H7_EXPECT_EQ_INT(segs[k - 1].start, 4);
}

H7_TEST(workspace_depends_on_the_graph_not_the_audio)
{
    uint8_t *buf = (uint8_t *)graph_words;
    size_t n = words_graph(buf);
    h7dec_graph g;
    h7dec_graph_load(&g, buf, n, NULL, 0);
    h7dec_config cfg;
    h7dec_config_default(&cfg, H7DEC_RECOGNIZE);
    size_t need = h7dec_workspace_size(&g, &cfg);
    H7_EXPECT(need > 0 && need < 4096);
    h7dec *d;
    H7_EXPECT_EQ_INT(h7dec_init(&d, &g, &cfg, ws, need - 1), H7DEC_ERR_WORKSPACE);
    H7_EXPECT_EQ_INT(h7dec_init(&d, &g, &cfg, ws + 4, need), H7DEC_ERR_WORKSPACE);   /* misaligned */
    cfg.max_links = 3;   /* fewer than one per node */
    H7_EXPECT_EQ_INT(h7dec_workspace_size(&g, &cfg), 0);
    H7_EXPECT_EQ_INT(h7dec_init(&d, &g, &cfg, ws, sizeof ws), H7DEC_ERR_ARG);
    /* a recognizer over a long stream of babble: the workspace does not grow, and the
     * bounded link pool is reclaimed (a word loop would report "full" instead of overrunning) */
    h7dec_config_default(&cfg, H7DEC_SPOT);
    need = h7dec_workspace_size(&g, &cfg);
    H7_EXPECT_EQ_INT(h7dec_init(&d, &g, &cfg, ws, need), H7DEC_OK);
    int ok = 1;
    for (int t = 0; t < 20000 && ok; t++) {
        frame_for((t / 3) % 2 ? P_K : P_IY, frames[0]);
        ok = h7dec_step(d, frames[0]) == H7DEC_OK;
    }
    H7_EXPECT(ok);
}

H7_TEST(histogram_pruning_caps_active_tokens)
{
    /* a 3-word graph decoded with a cap of 4 tokens: the cap holds every frame, and the
     * spoken word (whose tokens score best) still wins */
    uint8_t *buf = (uint8_t *)graph_words;
    size_t n = words_graph(buf);
    h7dec_graph g;
    h7dec_graph_load(&g, buf, n, NULL, 0);
    h7dec_config cfg;
    h7dec_config_default(&cfg, H7DEC_RECOGNIZE);
    cfg.max_active = 4;
    h7dec *d = decoder(&g, H7DEC_RECOGNIZE, &cfg);
    H7_EXPECT(d != NULL);
    if (!d) return;
    int spec[] = {P_SIL, 4, P_B, 3, P_IY, 5, P_SIL, 4};
    int nf = frames_of(spec, 8, frames);
    for (int t = 0; t < nf; t++) H7_EXPECT_EQ_INT(h7dec_step(d, frames[t]), H7DEC_OK);
    h7dec_stats st;
    h7dec_get_stats(d, &st);
    H7_EXPECT(st.active_max <= 4);
    h7dec_result r;
    h7dec_segment segs[4];
    int k = h7dec_best(d, &r, segs, 4);
    H7_EXPECT(r.reached_final && k == 3);
    H7_EXPECT_EQ_INT(segs[1].word, 1);
    /* without the cap, more tokens stay alive on the same input */
    cfg.max_active = 0;
    d = decoder(&g, H7DEC_RECOGNIZE, &cfg);
    for (int t = 0; t < nf; t++) h7dec_step(d, frames[t]);
    h7dec_get_stats(d, &st);
    H7_EXPECT(st.active_max > 4);
}

int main(void)
{
    H7_RUN(phone_set_is_the_def_file);
    H7_RUN(scores_round_and_clamp);
    H7_RUN(greedy_collapses_repeats_and_blanks);
    H7_RUN(prefix_beam_finds_the_sequence);
    H7_RUN(prefix_beam_sums_paths_greedy_misses);
    H7_RUN(prefix_beam_memory_is_bounded);
    H7_RUN(graph_loads_and_names_its_words);
    H7_RUN(corrupt_graphs_are_refused_with_a_message);
    H7_RUN(phone_set_mismatch_names_both);
    H7_RUN(recognizes_the_spoken_word_with_boundaries);
    H7_RUN(out_of_grammar_speech_has_low_confidence);
    H7_RUN(spotting_reports_each_occurrence_once);
    H7_RUN(alignment_gives_phone_and_word_boundaries);
    H7_RUN(long_alignment_runs_in_fixed_memory);
    H7_RUN(ctc_mode_absorbs_blanks);
    H7_RUN(workspace_depends_on_the_graph_not_the_audio);
    H7_RUN(histogram_pruning_caps_active_tokens);
    return h7test_summary();
}
