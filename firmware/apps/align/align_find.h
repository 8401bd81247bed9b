/* Phrase search for the meeting recorder, portable C (no allocation, no platform includes):
 * phrases as text in, per-frame phone scores and the voice activity detector's segments in,
 * every occurrence of each phrase out, with its times and score.
 *
 *   phrase --align_text_normalise, align_lex_pronounce--> a phrase graph in RAM (the words'
 *          pronunciations in order, an optional pause between words; no pause around it)
 *   speech segment [start_ms, end_ms] of the detector, widened by ALIGN_FIND_MARGIN frames
 *          either side --> h7dec SPOT over its frames, a fresh decoder per segment and phrase:
 *          an event where the phrase beats the decoder's free phone loop by the threshold
 *
 * The board runs it while it records (the phrases are given before `record`), the host tools
 * (`h7voice record --find`, tools/h7align/record.py) over a whole recording: the same calls,
 * so the same hits. Frames are kept in a ring of ALIGN_FIND_RING, enough for the detector's
 * start decision to come after the speech began: memory does not grow with the recording.
 * Decoding may lag the frames (segments whose margins overlap are searched one after the
 * other); a segment whose first frames already left the ring loses them (frames_lost).
 * A stream with gaps (the board in Stop between segments: no audio, no frames) resumes at
 * the gap's end frame (align_find_resume): searches never read across a gap.
 */
#ifndef H7_ALIGN_FIND_H
#define H7_ALIGN_FIND_H

#include <stddef.h>
#include <stdint.h>

#include "speech/decoder/h7dec.h"

#define ALIGN_FIND_PHRASES 4
#define ALIGN_FIND_TEXT 128        /* normalised words of one phrase, bytes */
#define ALIGN_FIND_WORDS 8         /* words in one phrase */
#define ALIGN_FIND_NODES 128       /* graph nodes of one phrase (all its pronunciations) */
#define ALIGN_FIND_ARCS 256
#define ALIGN_FIND_WORKSPACE 24576 /* decoders of all phrases together (h7dec_workspace_size: 4 of the
                                    * biggest graphs, ALIGN_FIND_NODES each, need about 23 KB) */
#define ALIGN_FIND_RING 64         /* frames kept (1.28 s): the detector decides a start after
                                    * start_frames loud frames, dated back to the first, and
                                    * the search holds back ALIGN_FIND_HOLD frames */
#define ALIGN_FIND_MARGIN 5        /* frames searched before and after a segment (100 ms) */
#define ALIGN_FIND_QUEUE 8         /* segments waiting to be searched */
#define ALIGN_FIND_MIN_FRAMES 3    /* shorter segments (clipped by the end of the audio) are skipped */
/* An open segment is searched no closer than this to the newest frame: the detector dates a
 * segment's end back by its hangover, so the end (+ margin) is known before the search could
 * read past it. Must be >= the detector's hangover_frames (15: the align image checks). */
#define ALIGN_FIND_HOLD 16
/* what the free phone loop pays per phone change (1/256 nat): the decoder's default */
#define ALIGN_FIND_FILLER_PENALTY (-2 * H7DEC_SCORE_ONE)

typedef struct {
    uint32_t phrase;               /* index in the order the phrases were added */
    int32_t start_ms, end_ms;      /* on the recording's axis, as the aligner reports times */
    int32_t score;                 /* phrase minus free phone loop (1/256 nat) */
} align_hit_t;

typedef void (*align_hit_fn)(void *ctx, const align_hit_t *hit);

typedef struct {
    char text[ALIGN_FIND_TEXT];
    uint16_t word_off[ALIGN_FIND_WORDS];
    uint32_t nwords, text_used;
    h7dec_node nodes[ALIGN_FIND_NODES];
    h7dec_arc arcs[ALIGN_FIND_ARCS];
    h7dec_word labels[ALIGN_FIND_WORDS];
    uint16_t nulls[ALIGN_FIND_WORDS];
    h7dec_graph g;
    h7dec *dec;
    size_t ws_off, ws_size;        /* its part of the workspace */
} align_phrase_t;

typedef struct {
    int32_t first, end;            /* frames [first, end); end < 0: the segment is still open */
    int32_t base;                  /* the first frame its decoders were given (hit times count
                                    * from it: after a gap or a loss it is later than first) */
} align_find_seg_t;

typedef struct {
    align_phrase_t phrases[ALIGN_FIND_PHRASES];
    uint32_t nphrases;
    h7dec_config cfg;
    uint8_t workspace[ALIGN_FIND_WORKSPACE] __attribute__((aligned(8)));
    size_t ws_used;
    int32_t ring[ALIGN_FIND_RING][H7DEC_PHONE_COUNT];
    int32_t frames;                /* frames received */
    align_find_seg_t queue[ALIGN_FIND_QUEUE];
    uint32_t queued;               /* queue[0] is searched first */
    int32_t cursor;                /* next frame of queue[0] to search; < 0: not begun */
    int32_t resumed;               /* first frame after the last gap (align_find_resume) */
    int ended;
    align_hit_fn on_hit;
    void *ctx;
    /* statistics */
    uint32_t hits, segments, frames_searched, frames_lost, segments_lost;
    char msg[160];
} align_find_t;

/* Forgets phrases and audio; threshold: the score a hit must reach (1/256 nat; the
 * decoder's SPOT default when < 0). */
void align_find_reset(align_find_t *f, int32_t threshold, align_hit_fn on_hit, void *ctx);
/* A phrase to find (plain ASCII; normalised as transcripts are): 0, or ALIGN_ERR_TEXT /
 * ALIGN_ERR_LIMIT with msg. Only before the first frame. */
int align_find_add(align_find_t *f, const char *phrase, size_t len);
/* The detector's events, in order: speech from start_ms; speech ended at end_ms. */
int align_find_speech_start(align_find_t *f, int32_t start_ms);
int align_find_speech_end(align_find_t *f, int32_t end_ms);
/* One frame of phone scores (h7dec units, phones.def order). */
int align_find_frame(align_find_t *f, const int32_t *scores);
/* End of audio: speech still going ends with it; the last hits. */
int align_find_end(align_find_t *f);
/* The stream stopped (the board's Stop between segments) and resumes at frame `frame` (>=
 * the frames received): what was queued is searched up to the gap, as at the end of audio;
 * the frames of the gap do not exist and are not searched (nor counted lost). */
int align_find_resume(align_find_t *f, int32_t frame);

#endif
