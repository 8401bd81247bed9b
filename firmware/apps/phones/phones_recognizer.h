/* Phone scores per frame -> recognized phone segments, with the h7dec decoder library:
 *
 *   CTC models (the model record says "ctc": true): CTC greedy decoding (h7dec_greedy_step);
 *     a segment is a run of frames whose best output is the same phone;
 *   frame-posterior models: Viterbi over a free phone loop (the embedded loop graph, ALIGN
 *     mode: segments are committed while streaming, memory bounded by the graph).
 *
 * Either way the loop graph is loaded and checked against the model at start-up
 * (h7dec_graph_load, h7dec_graph_check_model): a graph built for another phone set, or a
 * model whose output count does not match the graph, is refused with one message naming
 * both. Portable C11: the board (main.c) and the host library (phones_host_api.c) run it.
 */
#ifndef H7_APPS_PHONES_RECOGNIZER_H
#define H7_APPS_PHONES_RECOGNIZER_H

#include <stddef.h>
#include <stdint.h>

#include "speech/decoder/h7dec.h"

typedef struct {
    int32_t start, end;   /* frames [start, end) */
    int32_t score;        /* summed frame scores of the phone (score units, 1/256 nat) */
    uint8_t phone;        /* phones.def index (SIL included) */
    uint8_t reserved[3];
} phones_segment_t;

typedef void (*phones_segment_fn)(void *user, const phones_segment_t *segment);

typedef struct {
    uint8_t ctc;
    h7dec_graph graph;
    h7dec *dec;               /* phone loop (frame-posterior models) */
    h7dec_greedy greedy;      /* CTC */
    int32_t run_phone, run_start, run_score;
    int32_t frames;           /* frames of this utterance */
    uint32_t digest;          /* FNV-1a over every frame's scores (int32, little-endian) */
    uint32_t segments;        /* segments reported in this utterance */
    phones_segment_fn emit;
    void *user;
} phones_recognizer_t;

/* Workspace bytes the phone-loop decoder needs for this graph (0 for CTC models or a bad
 * graph: then none is needed or init says why). */
size_t phones_recognizer_workspace_size(const void *graph_data, size_t graph_size, int ctc);

/* Loads and checks the graph against the model (its phone set and output count); msg gets
 * one line naming both on a refusal. workspace: phones_recognizer_workspace_size bytes,
 * 8-byte aligned (NULL/0 for CTC models). */
h7dec_status phones_recognizer_init(phones_recognizer_t *r, int ctc, const void *graph_data, size_t graph_size,
                                    const char *model_phoneset, uint32_t model_hash, int model_outputs,
                                    void *workspace, size_t workspace_size, phones_segment_fn emit,
                                    void *user, char *msg, size_t msg_size);

/* One frame's scores (H7DEC_PHONE_COUNT, from phones_pipeline). Segments that became final
 * are passed to emit. */
h7dec_status phones_recognizer_step(phones_recognizer_t *r, const int32_t *scores);

/* End of an utterance: the segments not yet final are passed to emit, then the recognizer
 * starts a new utterance (the digest and frame count are kept until then for the caller). */
h7dec_status phones_recognizer_finish(phones_recognizer_t *r);

/* A new utterance: frame count, digest and segments back to zero. */
void phones_recognizer_reset(phones_recognizer_t *r);

#endif
