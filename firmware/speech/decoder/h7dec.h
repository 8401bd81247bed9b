/* h7dec: portable speech decoder library (no platform includes, no malloc).
 *
 * Input: one vector of phone log-probabilities per frame (the acoustic model's outputs, in
 * the order of phones.def), as float or int8 (scale, zero point). Everything works on
 * integer scores in H7DEC_SCORE_ONE units per nat, so the host and the board give
 * bit-identical results.
 *
 * Parts:
 *   - CTC greedy and prefix-beam decoding (phone recognizer, tests);
 *   - search graphs (compiled by tools/h7speech, format in README.md), validated at load;
 *   - token-passing Viterbi over a graph with beam pruning and a phone-loop filler, in three
 *     modes: RECOGNIZE (best path through the graph + confidence vs. the filler), SPOT
 *     (phrases in a continuous stream, one event per occurrence) and ALIGN (phone and word
 *     boundaries, committed while streaming so memory does not grow with the audio).
 *
 * Memory: the caller gives one workspace of h7dec_workspace_size() bytes (the CMSIS-NN
 * buffer-size style); its size depends on the graph and the configuration, never on the
 * length of the audio.
 */
#ifndef H7_SPEECH_DECODER_H7DEC_H
#define H7_SPEECH_DECODER_H7DEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- phone set (phones.def) ---- */
enum {
#define H7_PHONESET(name)
#define H7_PHONE(sym, name) H7DEC_PHONE_##sym,
#include "speech/decoder/phones.def"
#undef H7_PHONE
#undef H7_PHONESET
    H7DEC_PHONE_COUNT
};

const char *h7dec_phone_name(int phone);   /* "AA", ...; NULL out of range */
const char *h7dec_phoneset_name(void);     /* "arpabet39+sil+blank" */
uint32_t h7dec_phoneset_hash(void);        /* FNV-1a over the name and the phone names */

/* ---- scores ---- */
#define H7DEC_SCORE_ONE 256               /* score units per nat (natural-log probability) */
#define H7DEC_SCORE_MIN (-(1 << 20))      /* a frame's log-probability is clamped to this */
#define H7DEC_NONE 0xFFFFu

/* One frame of log-probabilities -> integer scores (round to nearest, clamped). The int8
 * form: logp = (q - zero_point) * scale. n must be H7DEC_PHONE_COUNT for the decoders. */
void h7dec_scores_f32(const float *logp, int n, int32_t *scores);
void h7dec_scores_i8(const int8_t *q, int n, float scale, int32_t zero_point, int32_t *scores);

typedef enum {
    H7DEC_OK = 0,
    H7DEC_ERR_ARG,        /* a NULL or out-of-range argument */
    H7DEC_ERR_FORMAT,     /* not a graph: magic, version, sizes */
    H7DEC_ERR_CRC,        /* the graph's checksum does not match */
    H7DEC_ERR_PHONESET,   /* graph or model built for another phone set */
    H7DEC_ERR_CORRUPT,    /* an index, offset or count out of bounds */
    H7DEC_ERR_WORKSPACE,  /* workspace too small or misaligned */
    H7DEC_ERR_FULL,       /* link/prefix pool or output queue full (see README) */
    H7DEC_ERR_STATE,      /* call not valid in this mode/state */
} h7dec_status;

const char *h7dec_status_name(h7dec_status s);

/* ---- CTC ---- */
typedef struct {
    int last;        /* last frame's argmax */
    int32_t frame;
} h7dec_greedy;

void h7dec_greedy_init(h7dec_greedy *g);
/* One frame; returns the phone emitted at this frame (CTC collapse: not blank, not a
 * repeat of the previous frame's argmax) or -1. */
int h7dec_greedy_step(h7dec_greedy *g, const int32_t *scores);

typedef struct {
    uint16_t beam;        /* prefixes kept per frame (1..64) */
    uint16_t max_prefixes;/* trie pool: bounds the recognized length (after sharing) */
    uint16_t top_phones;  /* extensions tried per frame: the best-scoring phones */
    int32_t prune;        /* drop prefixes this far below the best (score units; 0: keep
                           * `beam` always; alternatives that never rejoin then hold
                           * beam x length prefixes) */
} h7dec_ctc_config;

typedef struct h7dec_ctc h7dec_ctc;  /* lives at the start of its workspace */

size_t h7dec_ctc_workspace_size(const h7dec_ctc_config *cfg);
h7dec_status h7dec_ctc_init(h7dec_ctc **out, const h7dec_ctc_config *cfg, void *ws, size_t ws_size);
h7dec_status h7dec_ctc_step(h7dec_ctc *c, const int32_t *scores);
/* The best prefix so far: up to max phones (and the frame each was first emitted) into
 * phones/frames (either may be NULL); returns its length, or -1 if longer than max.
 * score: its log-probability summed over all its alignments (score units). */
int h7dec_ctc_best(const h7dec_ctc *c, uint8_t *phones, int32_t *frames, int max, int32_t *score);

/* ---- search graphs ---- */
enum {
    H7DEC_NODE_FINAL = 1,   /* the graph may end here (emitting nodes only) */
    H7DEC_NODE_LINK = 2,    /* entering the node records a boundary (word starts, silence, tags) */
};
#define H7DEC_NULL_PHONE 0xFFu  /* a non-emitting node (grammar structure, tags) */
#define H7DEC_GRAPH_MAGIC "H7SG"
#define H7DEC_GRAPH_VERSION 1
#define H7DEC_GRAPH_HEADER_BYTES 64

typedef struct {
    uint8_t phone;      /* phones.def index, or H7DEC_NULL_PHONE */
    uint8_t flags;      /* H7DEC_NODE_* */
    uint16_t word;      /* label (word or tag) that starts here, or H7DEC_NONE */
    uint32_t first_arc;
    uint16_t arc_count;
    uint16_t reserved;
} h7dec_node;

typedef struct {
    uint16_t target;
    int16_t weight;     /* added to the score when the arc is taken (score units) */
} h7dec_arc;

typedef struct {
    uint32_t offset;    /* into the string table */
    uint16_t length;
    uint16_t kind;      /* 0 word, 1 tag (intent/slot markers: the tools decide) */
} h7dec_word;

typedef struct {
    const h7dec_node *nodes;
    const h7dec_arc *arcs;
    const h7dec_word *words;
    const uint16_t *nulls;     /* the non-emitting nodes, ascending */
    const char *strings;
    uint32_t node_count, arc_count, word_count, null_count, string_bytes;
    uint32_t phoneset_hash;
    uint16_t phone_count, phoneset_name_length;  /* name: the first bytes of strings */
} h7dec_graph;

/* Validates everything (checksum, phone set, every index/offset/count) and fills g with
 * pointers into data (which must stay alive and be 4-byte aligned). On error msg (if not
 * NULL) gets one line naming the problem. */
h7dec_status h7dec_graph_load(h7dec_graph *g, const void *data, size_t size, char *msg, size_t msg_size);
/* A model with model_outputs outputs of the phone set (name, hash) against the graph;
 * the message names both on a mismatch. */
h7dec_status h7dec_graph_check_model(const h7dec_graph *g, const char *model_phoneset, uint32_t model_hash,
                                     int model_outputs, char *msg, size_t msg_size);
/* A label's text (not NUL-terminated) and its length; NULL if out of range. */
const char *h7dec_graph_word(const h7dec_graph *g, uint32_t word, uint32_t *length);

/* ---- Viterbi token passing ---- */
typedef enum { H7DEC_RECOGNIZE = 0, H7DEC_SPOT = 1, H7DEC_ALIGN = 2 } h7dec_mode;

typedef struct {
    uint8_t mode;             /* h7dec_mode */
    uint8_t ctc;              /* 1: blank may follow every phone (CTC models); 0: frame posteriors */
    uint16_t max_links;       /* boundary records (12 + 2 bytes each); 0: min(nodes, 2 x
                               * max_active) + LINK nodes + 64, or when aligning 2 x
                               * emitting nodes + 256; at most 65534. Live tokens hold one
                               * each; the pool is reclaimed on demand, "full" if too small */
    uint16_t out_capacity;    /* ALIGN: committed segments waiting for h7dec_pop (0: 64) */
    uint16_t spot_hold;       /* SPOT: frames the ratio must stay below threshold (or past
                               * its peak) before the event is reported (0: 10) */
    int32_t beam;             /* prune tokens this far below the frame's best (score units) */
    int32_t filler_penalty;   /* added per phone change in the filler loop (<= 0) */
    int32_t spot_threshold;   /* SPOT: report when phrase - filler >= this (score units) */
    uint16_t max_active;      /* histogram pruning: at most this many tokens survive a frame
                               * (0: the beam alone); bounds time and the link pool */
    uint16_t reserved;
} h7dec_config;

void h7dec_config_default(h7dec_config *cfg, h7dec_mode mode);

typedef struct {
    int32_t start, end;       /* frames [start, end) */
    int32_t score;            /* acoustic + arc score of the segment (score units) */
    uint16_t node;            /* graph node entered (H7DEC_NONE: none) */
    uint16_t word;            /* label starting here or H7DEC_NONE */
    uint8_t phone;            /* H7DEC_NULL_PHONE for tags */
    uint8_t flags;            /* the node's flags */
    uint16_t reserved;
} h7dec_segment;

typedef struct {
    int32_t start, end;       /* frames [start, end) of the phrase */
    int32_t score;            /* phrase path minus filler path (score units) */
    uint16_t final_node;
    uint16_t word;            /* first label on the phrase's path, or H7DEC_NONE */
} h7dec_event;

typedef struct {
    int32_t frames;
    int32_t reached_final;    /* 0: no final node is active; the result is the best partial */
    int32_t score;            /* best path (final if reached) minus the filler, score units */
    int32_t confidence;       /* score / frames: score units per frame */
    uint16_t node;
    uint16_t reserved;
} h7dec_result;

typedef struct h7dec h7dec;   /* lives at the start of its workspace */

size_t h7dec_workspace_size(const h7dec_graph *g, const h7dec_config *cfg);
h7dec_status h7dec_init(h7dec **out, const h7dec_graph *g, const h7dec_config *cfg, void *ws, size_t ws_size);
h7dec_status h7dec_reset(h7dec *d);                    /* a new utterance, same graph */
h7dec_status h7dec_step(h7dec *d, const int32_t *scores); /* one frame */
/* RECOGNIZE/ALIGN: the best path so far (final if reached). segments may be NULL; returns
 * the number of segments (written up to max, earliest first), or -1 on error. In ALIGN
 * mode the segments already committed (h7dec_pop) are not repeated. */
int h7dec_best(h7dec *d, h7dec_result *result, h7dec_segment *segments, int max);
/* ALIGN: the next committed segment (1) or none yet (0). */
int h7dec_pop(h7dec *d, h7dec_segment *seg);
/* SPOT: the next phrase event (1) or none (0). h7dec_flush reports a pending one at the end. */
int h7dec_event_pop(h7dec *d, h7dec_event *ev);
void h7dec_flush(h7dec *d);

typedef struct {
    int32_t frames;
    int32_t active_max;       /* most emitting nodes active in one frame */
    int32_t links_max;        /* most boundary records in use */
    int32_t commits;          /* ALIGN: partial tracebacks committed */
    int32_t forced_commits;   /* ALIGN: commits of the best path when the pool was full */
    int32_t filler_score;     /* filler path score at the last frame, relative */
} h7dec_stats;

void h7dec_get_stats(const h7dec *d, h7dec_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
