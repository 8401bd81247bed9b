/* The phone recognizer's settings, in one place: main.c runs the board with them and the
 * host build (phones_host_api.c: tools/h7phones/acoustic.py, every evaluation) runs the same
 * hops with them, so a published figure is what the firmware does.
 */
#ifndef H7_APPS_PHONES_CONFIG_H
#define H7_APPS_PHONES_CONFIG_H

#define PHONES_SAMPLE_RATE_HZ 16000u
#define PHONES_MAX_WINDOW_FRAMES 64u     /* model context window W (phones_mel40: 32) */
#define PHONES_MAX_FEATURES 40u          /* features per frame (phones_mel40: 40 log-mel) */
/* Frame-posterior models (not CTC) are decoded by a free phone loop (Viterbi, ALIGN mode so
 * segments are committed while streaming): this penalty per phone change (score units,
 * 1/256 nat) keeps one-frame flickers of the argmax from becoming phones. */
#define PHONES_LOOP_PENALTY (-4 * 256)
/* Decoder workspace of the board image (the phone-loop graph needs ~9 KB). */
#define PHONES_DECODER_WORKSPACE_BYTES (16u * 1024u)

#endif
