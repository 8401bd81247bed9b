"""The one reader of the firmware's console events.

The contract (the C writer is firmware/common/json.[ch], h7_json_*): an event is one line
holding one JSON object that starts with {"event":"<name>" and ends at the newline. Every
other line is a human log line. A line that starts like an event but does not parse (a
line cut by a reset, a full console buffer) is kept as a log line and never breaks a report;
when the writer's buffer runs out the object stays valid and carries "truncated": true.

Used by the demo (tools/h7voice/demo.py through kwsapp), the simulated board
(tools/h7sim), the Robot libraries, kwsapp (reports, scoring) and the tests.

Events (name: who writes it — fields). Times are ms; "audio_ms" is audio time, "time_ms"
platform time since capture start.

  every image
    boot              all apps — app, version, model (kws), reset; lsi_hz (kws, commands,
                      align: the Stop clock's LSI as the boot measured it, 0 if it could not)
    fault             platform/stm32h743/faults.c (HardFault etc.) — kind, pc, lr, cfsr, ...
    error             kws, platform_demo — what, detail (kws: the app stops, red LED)
  kws (firmware/apps/kws/main.c)
    kws_ready         classes, frames, features, hop_ms, frame_ms, arena_used, threshold,
                      stop_mode, stop_after_ms, model_cycles, recognize_mhz, run_nj_480/240/120/64,
                      cascade (the gate runs first), gate (its model), gate_threshold,
                      stream_frames (the hop the model streams at; 0: full windows),
                      stream_state_bytes (one state per phase of the hop, all together),
                      model_file (the embedded .tflite's file name)
    kws_mode          the modes from now on (console c/C, f/F) — stream_frames (0: full
                      windows), cascade
    kws               a detection — word, score, start_ms, end_ms, decided_ms, latency_ms,
                      action, light, level, running, selection, confirm, opp_mhz
    kws_stats         reason (period|stop|request), audio_ms, time_ms, mode_ms{listen,
                      recognize, stop}, stop_entries, samples, inferences,
                      model_runs (full model, catch-up included), streamed_runs (of
                      those, hops the pipeline ran from the stream state), stream_hops (the
                      engine's count of them), gate_runs, gate_opened
                      (segments), gate_cycles_max, skipped_inferences, model_failures,
                      detections, segments,
                      latency_max_ms, latency_mean_ms, dropped_samples, ring_overflows,
                      spi_overruns, suspend_timeouts, dma_errors, console_dropped, opp_switches,
                      opp_switch_failures, opp_switch_us_max, opp[{mhz, busy_cycles, frames,
                      frame_cycles_max, frame_load_max, inferences, inference_cycles_max}]
    kws_stop          audio_ms, time_ms (entering Stop)
    kws_wake          audio_ms, time_ms, stopped_ms, source, entered_stop
    kws_stop_skipped  audio_ms, reason (no wake-on-sound source)
    kws_opp           recognize_mhz (console commands l / n)
    kws_opp_error     wanted_mhz, mhz, rc
  platform_demo (firmware/apps/platform_demo/commands.c): opp, info, sleep, stop, wake,
    dvfs, pin, fault_provoke, watchdog, led, cycles, error
  frontend_check (firmware/apps/frontend_check/main.c): fe_frame, fe_bench, vad,
    audio_stats, audio_error
  nn_bench (firmware/apps/nn_bench/main.c): nn_embedded (the model's name and CRC-32),
    nn_model, nn_check, nn_op, nn_invoke, nn_error
  stream_bench (firmware/apps/stream_bench/main.c): stream_model, stream_hops, stream_op,
    stream_done (and nn_error)
  kernel_check (firmware/apps/kernel_check/main.c): kc_ready, kc_model, kc_check, kc_dump,
    kc_dump_end, kc_error
  phones (firmware/apps/phones/main.c; error also with what=graph when the graph is refused)
    phones_ready      window_frames, features, lookahead_frames, outputs, decoder
                      (ctc_greedy|phone_loop), frame_ms, arena_bytes, weights_bytes, graph_nodes
    phone             a recognized phone segment — phone, start, end (frames), start_ms,
                      end_ms, score (1/256 nat); gop in the align image
    phones_utterance  console 'f': frames, hops, segments, digest (FNV-1a of every score), status
    phones_stats      reason, audio_ms, mhz, hops, scored, {hop,frontend,model,decode}_cycles_
                      {mean,max}, arena_bytes, weights_bytes, model_failures, captured, lost_*
  align (firmware/apps/align/main.c)
    align_ready       lexicon_bytes, max_words, line_max, lookahead_frames
    align_started     words, mode (align|record), phrases (record: phrases to find) (the
                      transcript was accepted; audio may start)
    word              an aligned word — index, word, start_ms, end_ms, score (and phones
                      when 'phones on')
    governor          cycles_per_hop, points[{mhz, ...}], chosen_mhz, wait_mhz ('opp auto')
    align_done        words, audio_ms, cycles after the end of audio, peak RAM, lost samples,
                      pause_cuts, speech_segments, stops, stopped_ms, opp_switches, wait_mhz
                      (also vad, stop, wake in record mode; wake's first_sample: where the
                      clock places the first sample heard after Stop)
    found             record mode with 'find PHRASE': phrase (normalised words), start_ms,
                      end_ms, score (nats above the free phone loop)
    find_done         found, segments_searched, frames_searched, frames_lost, segments_lost,
                      search_bytes (just before align_done)
    align_error       what, message (empty audio/text, text too long, non-ASCII, model)
  commands (firmware/apps/commands/main.c)
    commands_ready    context, mode (wake|push_to_talk), wake_phrase, graph_bytes,
                      table_bytes, wake_graph_bytes, decoder_bytes, frame_ms
    wake              the wake phrase spotted — phrase, time_ms, start_ms, end_ms, score
    intent            intent (null when not understood), slots{}, score, start_ms,
                      time_ms, latency_ms
    action            text (the action the intent maps to, from the table beside the context)
    commands_stats    reason, hops, utterances, cycles, lost samples
    commands_stop     audio_ms (5 s of quiet: Stop)
    commands_wake     audio_ms, stopped_ms, source, entered_stop
    commands_opp      decode_mhz, spot_mhz: the points set again (see firmware/apps/commands/README.md)
  qspi_bench (firmware/apps/qspi_bench/main.c)
    qspi              jedec_id, clock_hz (the external flash answered)
    qspi_error        where, message (no flash, MDMA transfer error)
    qspi_model        name, model_bytes, placement, streamed_ops, setup_us,
                      setup_instructions, arena_used
    qspi_mode         mode (prefetch|sync|inplace)
    qspi_run          mode, fnv1a, first_us, rest_us, instructions, bytes_copied, waits,
                      streaming
  decoder_bench (firmware/apps/decoder_bench/main.c): decoder_bench (status, nodes,
    cycles_load, cycles_steps, result digest, workspace bytes), decoder_error (message)

The list comes from the one writer, firmware/common/json.h: `grep -rn h7_json_begin firmware`
(tests/test_events.py checks every name written there is listed here).
"""
import json

# every event name a firmware writer emits (checked against the firmware by the tests)
NAMES = frozenset('''
    boot fault error
    kws_ready kws_mode kws kws_stats kws_stop kws_wake kws_stop_skipped kws_opp kws_opp_error
    opp info sleep stop wake dvfs pin fault_provoke watchdog led cycles
    fe_frame fe_bench vad audio_stats audio_error
    nn_embedded nn_model nn_check nn_op nn_invoke nn_error
    stream_model stream_hops stream_op stream_done
    kc_ready kc_model kc_check kc_dump kc_dump_end kc_error
    decoder_bench decoder_error
    phones_ready phone phones_utterance phones_stats
    align_ready align_started word governor align_done align_error found find_done
    commands_ready wake intent action commands_stats commands_stop commands_wake commands_opp
    qspi qspi_error qspi_model qspi_mode qspi_run
'''.split())


def parse_line(line):
    """The event of one console line (a dict with "event"), or None for a log line or a
    line that does not parse."""
    text = line.strip()
    if not text.startswith('{') or '"event"' not in text:
        return None
    try:
        obj = json.loads(text)
    except ValueError:
        return None
    if isinstance(obj, dict) and isinstance(obj.get('event'), str):
        return obj
    return None


def parse_console(text):
    """Splits console text (str, or an iterable of lines) into (events, log_lines)."""
    events, logs = [], []
    lines = text.splitlines() if isinstance(text, str) else text
    for raw in lines:
        event = parse_line(raw)
        if event is not None:
            events.append(event)
        elif raw.strip():
            logs.append(raw)
    return events, logs


def of_kind(events, kind):
    return [e for e in events if e.get('event') == kind]


def detections(events):
    """The keyword detections ("kws" events) in order."""
    return of_kind(events, 'kws')


def last(events, kind):
    found = of_kind(events, kind)
    return found[-1] if found else None
