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
 * 1/256 nat) keeps one-frame flickers of the argmax from becoming phones. Chosen on 150
 * clips of TRAINING speakers (speech_commands_dev + transcribed_misc train split) with the
 * early model: PER 0.794 / 0.228 / 0.199 / 0.184 / 0.181 / 0.196 / 0.208 / 0.261 at
 * 0 / -2 / -4 / -5 / -6 / -7 / -8 / -12 nats; never tuned on held-out speakers. */
#define PHONES_LOOP_PENALTY (-6 * 256)
/* The phone model's two stream states (phones_runner_init: its first block's three windows
 * per parity of the run, with slide room; 2 x 5,760 B for phones.tflite). */
#define PHONES_STREAM_STATE_BYTES (12u * 1024u)
/* Decoder workspace of the board image (the phone-loop graph needs ~9 KB). */
#define PHONES_DECODER_WORKSPACE_BYTES (16u * 1024u)

#endif
