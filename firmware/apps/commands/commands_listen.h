/* When to decode and what to print: the commands image's utterance logic, independent of the
 * board (main.c wires it; commands_host_api.c runs recordings through the same code).
 *
 * Per scored frame (the phone model's 41 scores) and the VAD's state for the hop:
 *   wake mode:  the wake phrase's graph is spotted on every frame (h7dec SPOT: likelihood
 *               ratio against the filler); when it fires, the command is whatever speech
 *               follows: frames from the end of the phrase (a pre-roll ring keeps them) until
 *               the VAD says the speech ended;
 *   push-to-talk: any VAD speech segment is a command (the pre-roll ring supplies the frames
 *               from before the VAD's start, which it only declares after a few loud frames).
 * The utterance is decoded against the context graph (h7dec RECOGNIZE) and decided by
 * cmd_decide (commands_intent.h): {"intent", "slots", "score"} or intent null.
 * Portable C11, no allocation: the decoders' workspaces come from the caller.
 */
#ifndef H7_APPS_COMMANDS_LISTEN_H
#define H7_APPS_COMMANDS_LISTEN_H

#include <stdint.h>

#include "apps/commands/commands_intent.h"
#include "speech/decoder/h7dec.h"

#define CMD_PREROLL_FRAMES 32u     /* 640 ms of scores fed before a start */
#define CMD_RING_FRAMES 96u        /* scores kept: the pre-roll, and a wake phrase to verify
                                    * (its start at most 1.9 s before the event is reported) */
/* The image's settings (main.c; tools/h7intent/engine.py reads them from here to replay
 * the board on the host): */
#define CMD_MAX_COMMAND_MS 6000u
#define CMD_WAIT_AFTER_WAKE_MS 3000u
#define CMD_VAD_HANGOVER_FRAMES 8u    /* 160 ms of quiet ends a command (the 300 ms latency budget) */
#define CMD_TAIL_EXTRA_FRAMES 1u      /* decoded after the VAD's end: the model's look-ahead + this */
/* A wake phrase heard while the VAD still holds its speech (the phrase's energy tail and
 * hangover) starts no command: the listener waits for that speech to end, then for the
 * next. Speech that goes on this long after the phrase is a command said without a pause;
 * it starts from the phrase's end (the pre-roll holds those frames). */
#define CMD_WAKE_TAIL_MAX_FRAMES 20u  /* 400 ms: more than the hangover + a phrase's tail */
#define CMD_MAX_SEGMENTS 160

/* The wake phrase's second look (commands_listen.c, cmd_wake_verify): the spotter's event
 * (phrase - filler likelihood ratio over a low first threshold) is re-aligned phone by phone
 * over its frames, and each phone of the phrase is scored by its best frame against the best
 * phone there (0 when it is the top phone somewhere in its segment, negative otherwise);
 * verified = ratio + coverage_weight x the sum of those, accepted at >= accept. A phrase
 * that is one or two phones well matched and the others not (most false alarms in real
 * speech) is refused. calibration.json sets the weight and the threshold. */
typedef struct {
    h7dec *align;                 /* ALIGN over the wake graph */
    int32_t accept;               /* score units (the sensitivity applied) */
    int32_t coverage_weight_q8;   /* x / 256 */
} cmd_wake_check_t;

/* The verified score of a spotted event from the scores kept in a ring (rows[k] holds frame
 * ring_frame[k], k = frame % ring_frames), or INT32_MIN when its frames are no longer there
 * (a phrase longer than the ring) or do not align. */
int32_t cmd_wake_verify(const cmd_wake_check_t *w, const h7dec_event *ev, const int32_t (*rows)[H7DEC_PHONE_COUNT],
                        const int32_t *ring_frame, uint32_t ring_frames);

typedef struct {
    uint8_t wake_mode;            /* 1: after the wake phrase; 0: push-to-talk */
    cmd_wake_check_t wake_check;  /* wake mode: the second look (align NULL: none) */
    int32_t reject;               /* score units per frame (calibration.json) */
    uint32_t max_frames;          /* the longest command */
    uint32_t wait_frames;         /* after the wake phrase: how long speech may take to start */
    uint32_t tail_frames;         /* frames still decoded after the VAD's end (model look-ahead) */
} cmd_listen_config_t;

typedef enum { CMD_EV_NONE = 0, CMD_EV_WAKE = 1, CMD_EV_INTENT = 2, CMD_EV_LISTEN = 3 } cmd_event_kind_t;

typedef enum { CMD_IDLE = 0, CMD_WAITING, CMD_LISTENING, CMD_ENDING } cmd_state_t;

typedef struct {
    cmd_listen_config_t config;
    h7dec *intent;                /* RECOGNIZE over the context graph */
    h7dec *wake;                  /* SPOT over the wake graph (wake mode) */
    const cmd_table_t *table;
    const h7dec_graph *graph;
    cmd_state_t state;
    int32_t frame;                /* scored frames seen */
    uint32_t count, countdown;    /* frames in this utterance; frames left */
    uint32_t wake_tail;           /* waiting: frames of the wake phrase's own speech seen since
                                   * its event (0: that speech has ended) */
    int32_t ring[CMD_RING_FRAMES][H7DEC_PHONE_COUNT];
    int32_t ring_frame[CMD_RING_FRAMES];
    h7dec_event wake_event;       /* the last wake event (its frames on the listener's count) */
    int32_t wake_origin;          /* the listener's frame that is the wake decoder's frame 0 */
    int32_t start_frame, end_frame; /* the utterance decoded last */
    cmd_meaning_t meaning;        /* the last decision */
    h7dec_segment segments[CMD_MAX_SEGMENTS];
    uint32_t wakes, commands, understood;
    uint32_t wakes_refused;       /* spotted, refused by the second look */
} cmd_listener_t;

/* Returns NULL, or what is wrong. wake may be NULL in push-to-talk mode. */
const char *cmd_listen_init(cmd_listener_t *l, const cmd_listen_config_t *c, h7dec *intent, h7dec *wake,
                            const cmd_table_t *table, const h7dec_graph *graph);

/* One scored frame; vad_start / vad_end: the VAD's events during this hop, in_speech its
 * state. Returns what happened (CMD_EV_WAKE: l->wake_event; CMD_EV_LISTEN: a command
 * started; CMD_EV_INTENT: l->meaning holds the decision), or a negative h7dec status. */
int cmd_listen_frame(cmd_listener_t *l, const int32_t *scores, int vad_start, int vad_end, int in_speech);

/* The frames stop here and resume later (the board's Stop): the wake decoder starts afresh
 * with the next frame (no phrase spans the gap). Returns 0 or a negative h7dec status. */
int cmd_listen_restart_wake(cmd_listener_t *l);

#endif
