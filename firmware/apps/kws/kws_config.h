/* The keyword firmware's settings, in one place: main.c runs the board with them and the
 * host build of the pipeline (kws_host_api.c: tools/kwsapp/detector.py, every evaluation)
 * runs the same hops with them, so a published figure is what the firmware does.
 * The detector's own settings (threshold, smoothing, segment limits) are in
 * speech/kws_detector.c (kws_detector_default_config).
 */
#ifndef H7_APPS_KWS_CONFIG_H
#define H7_APPS_KWS_CONFIG_H

#define KWS_SAMPLE_RATE_HZ 16000u
#define KWS_MODEL_HOP_MS 60u            /* N: the model stride (README.md, "Model stride") */
/* The driver's sample ring holds 256 ms (H7AUDIO_RING_SAMPLES). A model run is skipped when
 * the audio waiting plus the run's expected time would come within 56 ms of filling it, so
 * the firmware may miss a word, never samples. */
#define KWS_MAX_BACKLOG_MS 200u
#define KWS_VAD_HANGOVER_FRAMES 8u      /* 160 ms: longer than a plosive's closure */
/* Silence (no VAD speech, every frame below its -55 dBFS floor) before the power policy
 * asks for Stop; the microphone's wake-on-sound pin brings it back (README.md, "Stop
 * between words"): 50 ms after the VAD's end (its 160 ms hangover), so the board stops in
 * the pauses between words. Chosen with `h7voice stop-sweep` (held-out real speech and
 * the demo recording, host build with the wake pin modelled). Console 'p' returns to the
 * long-silence policy (KWS_STOP_AFTER_LONG_SILENCE_MS), 'P' back to this. */
#define KWS_STOP_AFTER_SILENCE_MS 50u
#define KWS_STOP_AFTER_LONG_SILENCE_MS 5000u
/* Model runs still scored after the word's end before the decision (the detector's
 * settle_ms); the decision comes at the VAD's speech end (hangover) or this, the later. */
#define KWS_SETTLE_MS 120u
/* The model runs only once the word may be ending: the VAD has seen at least this many
 * quiet frames inside the segment (its hangover), or the segment is closing. 0: every
 * model hop of the segment (README.md, "Fewer model runs"). */
#define KWS_RUN_AFTER_QUIET_FRAMES 1u
/* The first quiet frames of the hangover get a run each (20 ms apart) instead of one per
 * model hop: the windows that hold the whole word. */
#define KWS_DENSE_RUNS 3u
/* At the first quiet frame the window that ended with the last speech frame (still in the
 * feature ring) is scored too, before the newest: the smoothing history is full one frame
 * sooner and the early decision comes 20 ms earlier (README.md, "Latency"). */
#define KWS_DENSE_LEAD 1u
/* Decide at the end of the dense runs when the smoothed score already reaches the
 * threshold, instead of at the end of the VAD's hangover (1: on; README.md, "Latency"). */
#define KWS_EARLY_DECISION 1u
/* ... only when every quiet frame so far is within this of the noise floor (dB). Off (100):
 * it did not tell a final plosive's closure from the end of the word (the demo recording's
 * clips carry their own background); the rule below does. */
#define KWS_EARLY_QUIET_DB 100.0f
/* ... and a word ending in a stop consonant (up, stop, left, right) only after this many
 * quiet frames: its closure is quiet, its release comes after it. */
#define KWS_EARLY_STOP_QUIET_FRAMES 6u
/* ... unless the release has been heard: a run of at most this many speech frames after a
 * quiet gap inside the word, then quiet again (its end is known then). */
#define KWS_RELEASE_MAX_FRAMES 3u
/* The cascade (README.md, "Cascade"): the small gate model (models/kws_tiny.tflite) runs
 * first at the GATE point; the model runs only from the hop the gate's best command word
 * reaches KWS_GATE_THRESHOLD in the segment. The threshold is chosen on real speech by
 * `h7voice cascade` (the highest one that loses <= 0.5 points of keywords found). */
#define KWS_CASCADE 1u
#define KWS_GATE_THRESHOLD 0.05f
/* Streaming (README.md, "Streaming"): a model the engine can stream (h7nn_stream_state_bytes
 * > 0 at a hop of 1 up to KWS_MODEL_HOP_MS of frames; kws_default cannot, its 'same' padding
 * reads future frames) keeps one state per phase of its hop (the smallest it streams at): a
 * run whose window follows the last of its phase by exactly the hop computes only the new
 * frames; any other run (the segment's first ones, after a skip, a Stop, a catch-up of older
 * windows) is a full window. The schedule above stays, with one run per hop instead of per
 * model stride after the dense runs. 0: full windows, as for a model that cannot stream. */
#define KWS_STREAM 1u
/* The cascade in front of a streaming model: off. Its gate (models/kws_tiny, 1.00 M cycles a
 * run, every hop until it opens) costs more than what it saves: kws_stream's streamed hop
 * takes 0.36 M cycles, its full window 0.83 M; on the demo recording 5.86 mJ per command with
 * the gate, 4.28 without, same commands found (README.md, "Streaming"). */
#define KWS_STREAM_CASCADE 0u
/* The most the states may take: the build sizes the image's buffer (AXI SRAM) to the model's
 * plan within it (kws_model_stream.h; kws_stream takes 2 x 5,184 B, kws_default none) and fails
 * naming this setting beyond it. */
#define KWS_STREAM_STATE_MAX_BYTES (48u * 1024u)

#endif
