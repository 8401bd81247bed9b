"""Robot keywords for the keyword firmware on the simulated board: make a test recording,
run the real `kws` image with it, and judge the console events (kwsapp, shared with the
demo). One run per recording is cached for the suite, so several checks can read it."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'tools'))  # robot runs this file outside the tools' path

from h7voice import board_pins  # noqa: E402
from h7voice import events as ev  # noqa: E402
from h7voice import paths  # noqa: E402
from kwsapp import scenarios, score, simrun, truth  # noqa: E402


LONG_SILENCE_MS = 5000  # kws_config.h KWS_STOP_AFTER_LONG_SILENCE_MS (console 'p')
KEYWORDS = {'yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go'}
AUDIO_DIR = os.path.join(paths.BUILD, 'kws_audio')


class KwsLibrary:
    ROBOT_LIBRARY_SCOPE = 'SUITE'

    def __init__(self):
        self.run = None
        self.wav = None
        self.console_input = None
        self.elf = simrun.DEFAULT_ELF

    def build_kws_image_with_model(self, model):
        """Builds the `kws` image with model=`model` (SConscript.firmware's option), keeps a
        copy under build/kws_images/<model name>/ for this suite's runs, and builds the
        default image again (other suites and the demo run it)."""
        import shutil
        from h7voice import cli
        name = os.path.splitext(os.path.basename(model))[0]
        try:
            code, out = cli.build(['variant=firmware', f'model={model}'], quiet=True)
            if code != 0:
                raise AssertionError(f'scons model={model} failed: {out[-2000:]}')
            folder = os.path.join(paths.BUILD, 'kws_images', name)
            os.makedirs(folder, exist_ok=True)
            self.elf = os.path.join(folder, 'kws.elf')
            shutil.copyfile(simrun.DEFAULT_ELF, self.elf)
            # its memory report (h7voice build's), for Image Flash Should Be At Most
            shutil.copyfile(os.path.splitext(simrun.DEFAULT_ELF)[0] + '.memory.json',
                            os.path.join(folder, 'kws.memory.json'))
        finally:
            code, out = cli.build(['variant=firmware'], quiet=True)
            if code != 0:
                raise AssertionError(f'rebuilding the default kws image failed: {out[-2000:]}')
        print(f'*INFO* {paths.rel(self.elf)}: the kws image with {model}')

    # ------------------------------------------------------------------ set-up
    def kws_image_should_be_built(self):
        if os.path.exists(simrun.DEFAULT_ELF):
            return
        raise AssertionError(f'{paths.rel(simrun.DEFAULT_ELF)} is missing: build it with '
                             f'h7voice build firmware')

    def make_recording(self, name):
        """Writes test recording `name` (kwsapp.scenarios) and returns its WAV path."""
        wav = os.path.join(AUDIO_DIR, f'{name}.wav')
        scenarios.make(name, wav)
        return wav

    def demo_recording(self):
        """The bundled demo recording (models/recordings), the one `h7voice demo` plays."""
        wav = os.path.join(paths.MODELS, 'recordings', 'demo_commands.wav')
        if not os.path.exists(wav):
            raise AssertionError(f'{paths.rel(wav)} is missing: it is part of the repository '
                                 f'(python -m h7data demo makes it)')
        return wav

    def run_kws_with(self, wav, seconds=None, console_input=None, console_at_s=0.0, lsi_hz=None):
        """Runs the firmware on the simulated board with `wav` in the microphone (lsi_hz: the
        simulated part's LSI, default the nominal 32 kHz)."""
        self.wav = wav
        self.console_input = console_input
        self.run = simrun.run_kws(wav, elf=self.elf, seconds=float(seconds) if seconds else None,
                                  console_input=console_input or None,
                                  console_at_s=float(console_at_s),
                                  lsi_hz=lsi_hz)
        dets = ev.detections(self.run['events'])
        print(f"*INFO* {len(dets)} detections: " +
              ', '.join(f"{d['word']}@{d['start_ms']}-{d['end_ms']}" for d in dets))
        faults = self.run['summary'].get('faults') or [e for e in self.run['events']
                                                       if e.get('event') in ('fault', 'error')]
        if faults:
            raise AssertionError(f'the firmware failed: {faults[0]}')
        stats = ev.last(self.run['events'], 'kws_stats') or {}
        if stats.get('model_failures'):
            raise AssertionError(f"{stats['model_failures']} model runs failed")
        return len(dets)

    # ------------------------------------------------------------------ checks
    def boot_should_report_an_lsi_of(self, hz):
        """The boot event's lsi_hz: the Stop clock's oscillator as the firmware measured it
        (within 0.05 %)."""
        boot = ev.last(self.run['events'], 'boot') or {}
        got = boot.get('lsi_hz')
        if not got or abs(got - float(hz)) > 0.0005 * float(hz):
            raise AssertionError(f'boot reports an LSI of {got} Hz, the simulated part runs at {hz} Hz: {boot}')

    def _stats(self):
        stats = ev.last(self.run['events'], 'kws_stats')
        if stats is None:
            raise AssertionError('the firmware printed no kws_stats line')
        return stats

    def each_command_should_be_detected_exactly_once(self, tolerance_ms=200):
        truth_path = os.path.splitext(self.wav)[0] + '.json'
        words = truth.load_truth(truth_path)
        result = score.score(ev.detections(self.run['events']), words, float(tolerance_ms), KEYWORDS)
        problems = score.describe_failures(result)
        if problems or result['commands'] == 0:
            raise AssertionError(score.__name__ and '; '.join(problems or ['no commands in the truth']))

    def detections_should_equal_the_host_build_of_the_firmware_c(self):
        """The board's "kws" events equal what the host build of the firmware's pipeline
        (kwsapp.detector, libh7kws.so: the code every evaluation uses) decides for the same
        recording with the model the image was built with."""
        from h7data.wavio import read_wav
        from kwsapp.detector import KwsStream
        model = self.firmware_model()
        stream = KwsStream(os.path.join(paths.MODELS, f'{model}.tflite'))
        # the host stops where the board stops when the board did (Stop between words: the
        # wake pin modelled, kws_host_api.c); without a Stop it keeps listening, as before
        ready = ev.last(self.run['events'], 'kws_ready') or {}
        stops = self.events_named('kws_stop')
        keys = self.console_input or ''
        # console 'f': full windows (the host's stream=False); 'F' or neither: the firmware's
        full_windows = 'f' in keys and keys.rfind('f') > keys.rfind('F')
        # console 'e': every word decided after the hangover (the host's early=False)
        late = 'e' in keys and keys.rfind('e') > keys.rfind('E')
        host, host_stats = stream.run(read_wav(self.wav), wake_pin=bool(stops),
                                      stop_after_ms=self._stop_after_ms(ready) if stops else None,
                                      stream=False if full_windows else None,
                                      early=False if late else None)
        self.host_stats = host_stats
        keys = ('word', 'start_ms', 'end_ms', 'decided_ms')
        board = ev.detections(self.run['events'])

        # After a Stop the board's audio clock is its platform time, which is not exact: LPTIM1
        # measures the Stop in whole milliseconds. The simulator knows when capture really
        # restarted (summary audio.captures): the board's times are compared on the
        # recording's axis, corrected by the clock's error at the wake before them, within
        # 1 ms (the wake's rounding). The error itself must stay within 2 ms at every wake:
        # LPTIM1's last tick is measured from its end (h7_stop_settle_time) and SysTick
        # carries the partial millisecond, so nothing adds up from wake to wake, while
        # lost ticks do (~5 ms per kws_stats line at 16 MHz while SysTick ranked below the
        # console interrupt: 3-10 ms after 11 wakes).
        wakes = self.events_named('kws_wake')
        captures = self.run['summary'].get('audio', {}).get('captures', [])
        if len(captures) != len(wakes) + 1:
            raise AssertionError(f'{len(captures)} captures for {len(wakes)} wakes: a capture restart '
                                 f'that is not a wake (DMA error?) leaves the board clock check undefined')
        origin = captures[0][0] if captures else 0.0
        errors = [(int(w['audio_ms']), (c[0] - origin) * 1000.0 - int(w['audio_ms']))
                  for w, c in zip(wakes, captures[1:])]

        def clock_error(b):
            before = [e for at, e in errors if at <= int(b['start_ms'])]
            return before[-1] if before else 0.0
        same = len(board) == len(host) and all(
            b['word'] == h['word'] and all(abs(int(b[k]) + clock_error(b) - int(h[k])) <= 1.0 for k in keys[1:])
            and abs(float(b['score']) - h['score']) <= 0.0015
            for b, h in zip(board, host))  # (scores printed with 3 decimals by each side)
        if not same:
            raise AssertionError(f'board {[{k: d[k] for k in keys + ("score",)} for d in board]} '
                                 f'(its clock behind the recording by {[round(e, 3) for _, e in errors]} ms '
                                 f'at its wakes) but host build {host}')
        worst = max((abs(e) for _, e in errors), default=0.0)
        for n, (at, e) in enumerate(errors, 1):
            if abs(e) > 2.0:
                raise AssertionError(f'board clock {e:.1f} ms off the recording at its wake {n} '
                                     f'(audio {at} ms): over 2 ms, more than Stop\'s rounding; lost ticks?')
        print(f'*INFO* board and host build agree on {len(board)} detections (the board clock up to '
              f'{worst:.1f} ms behind the recording after {len(wakes)} wakes)')

    def _stop_after_ms(self, ready):
        """The power policy's silence before Stop the board ran with: kws_ready's, or the
        long-silence policy if the run sent console 'p' (and no 'P' after it)."""
        keys = self.console_input or ''
        if 'p' in keys and keys.rfind('p') > keys.rfind('P'):
            return LONG_SILENCE_MS
        return int(ready.get('stop_after_ms') or 0) or None

    def stop_entries_should_be_at_least(self, n):
        stops = self.events_named('kws_stop')
        if len(stops) < int(n):
            raise AssertionError(f'{len(stops)} Stops, expected at least {n}')

    def commands_detected_exactly_once_should_be_at_least(self, count, tolerance_ms=200):
        """At least `count` commands of the truth detected exactly once within tolerance,
        no wrong word, no false alarm, no duplicate. Returns the count."""
        words = truth.load_truth(os.path.splitext(self.wav)[0] + '.json')
        result = score.score(ev.detections(self.run['events']), words, float(tolerance_ms), KEYWORDS)
        print(f"*INFO* {result['exactly_once']}/{result['commands']} exactly once; missed "
              f"{[m['word'] for m in result['missed']]}")
        if result['exactly_once'] < int(count) or result['wrong_word'] or result['false_alarms'] \
                or result['duplicates']:
            raise AssertionError('; '.join(score.describe_failures(result)))
        return result['exactly_once']

    def stop_and_wake_lines_should_be_at_most_one_pair_per_segment(self):
        """Stop between words: at most one kws_stop/kws_wake pair per VAD segment (+1 for
        the silence before the first), so the console cannot be flooded by them either."""
        stops = len(self.events_named('kws_stop'))
        segments = int(self._stats().get('segments', 0))
        print(f'*INFO* {stops} Stops, {segments} VAD segments')
        if stops > segments + 1:
            raise AssertionError(f'{stops} Stops for {segments} VAD segments')

    def every_word_should_be_decided_after_the_hangover(self):
        """Console 'e': no early decision; kws_mode says so, and every detection's decision
        comes at least the VAD's hangover after the word's last speech frame."""
        from kwsapp.detector import settings
        mode = ev.last(self.run['events'], 'kws_mode') or {}
        if mode.get('early_decision') is not False:
            raise AssertionError(f'kws_mode after console e: {mode}')
        hangover_ms = settings()['vad_hangover_frames'] * 20
        dets = ev.detections(self.run['events'])
        early = [d for d in dets if int(d['decided_ms']) - int(d['end_ms']) < hangover_ms]
        if not dets or early:
            raise AssertionError(f'{len(dets)} detections, decided before {hangover_ms} ms of '
                                 f'quiet: {early}')
        waits = [int(d['decided_ms']) - int(d['end_ms']) for d in dets]
        print(f'*INFO* decided {min(waits)}-{max(waits)} ms after the word')

    def detections_should_be(self, count):
        dets = ev.detections(self.run['events'])
        if len(dets) != int(count):
            raise AssertionError(f'{len(dets)} detections, expected {count}: '
                                 + json.dumps([d.get('word') for d in dets]))

    def no_samples_should_be_lost(self):
        stats = self._stats()
        audio = self.run['summary']['audio']
        problems = []
        for key in ('dropped_samples', 'ring_overflows', 'spi_overruns', 'dma_errors'):
            if stats.get(key):
                problems.append(f'firmware {key} = {stats[key]}')
        if audio.get('frames_dropped'):
            problems.append(f"simulated I2S dropped {audio['frames_dropped']} frames")
        if audio.get('half_buffers_late'):
            problems.append(f"{audio['half_buffers_late']} DMA half-buffers were late (overrun)")
        # every sample delivered was processed, up to the last (partial) hop and the ring
        delivered = int(audio.get('frames_delivered', 0))
        processed = int(stats.get('samples', 0))
        if delivered - processed > 4096 + 320:
            problems.append(f'{delivered} samples delivered but only {processed} processed')
        if problems:
            raise AssertionError('; '.join(problems))

    def audio_processed_should_cover_seconds(self, seconds):
        processed = int(self._stats().get('samples', 0)) / 16000.0
        if processed < float(seconds) - 0.5:
            raise AssertionError(f'only {processed:.2f} s of audio processed, expected {seconds} s')

    def console_lines_should_be_at_most(self, count, besides_stop_wake=False):
        """At most `count` console lines (besides the kws_stop/kws_wake pairs of Stop
        between words, if asked: they are bounded per VAD segment, see above)."""
        lines = self.run['lines']
        if besides_stop_wake:
            lines = [l for l in lines if '"kws_stop"' not in l and '"kws_wake"' not in l]
        n = len(lines)
        if n > int(count):
            raise AssertionError(f'{n} console lines (at most {count} allowed): '
                                 + ' | '.join(lines[-5:]))

    def stop_should_have_been_decided_after_silence(self, silence_ms=5000):
        """The power policy went to Stop (entered it, or without a wake-on-sound source
        decided it and said so) no earlier than `silence_ms` after the last word before."""
        stops = [e for e in self.run['events'] if e.get('event') in ('kws_stop', 'kws_stop_skipped')]
        if not stops:
            raise AssertionError('the power policy never went to Stop after the silence')
        at = int(stops[0].get('audio_ms', 0))
        before = [int(d['end_ms']) for d in ev.detections(self.run['events']) if int(d['end_ms']) < at]
        last_word_end = max(before, default=0)
        if at < last_word_end + int(silence_ms):
            raise AssertionError(f'Stop at {at} ms, less than {silence_ms} ms after the word '
                                 f'ending at {last_word_end} ms')
        if at > last_word_end + int(silence_ms) + 600:
            raise AssertionError(f'Stop only at {at} ms, {at - last_word_end} ms after the word '
                                 f'ending at {last_word_end} ms')

    def audio_time_should_cover_seconds(self, seconds):
        """The firmware's audio clock (processed audio plus the gaps spent in Stop) reached
        `seconds`: nothing was skipped or counted twice across Stop."""
        audio_ms = int(self._stats().get('audio_ms', 0))
        if audio_ms < 1000 * float(seconds) - 500:
            raise AssertionError(f'audio clock at {audio_ms} ms, expected {seconds} s')

    def firmware_should_have_woken_on_sound(self, max_lost_ms=30):
        """Every Stop ended with the microphone's wake-on-sound pin (source "sound", the
        chip really in Stop), capture restarted on the recording's time axis, and at most
        `max_lost_ms` of the word that woke the board were not captured. Returns the audio
        lost at each wake-up (ms)."""
        wakes = self.events_named('kws_wake')
        stops = self.events_named('kws_stop')
        if not stops:
            raise AssertionError('the firmware never entered Stop')
        if len(wakes) < len(stops) - 1 or not wakes:
            raise AssertionError('the firmware entered Stop and never woke up')
        captures = self.run['summary']['audio']['captures']
        origin = captures[0][0]
        words = truth.load_truth(os.path.splitext(self.wav)[0] + '.json')
        lost = []
        for i, wake in enumerate(wakes):
            if i == len(wakes) - 1 and wake.get('source') == 'uart' and i >= len(stops) - 1:
                break  # the run's closing statistics request ('s') after the last word
            if wake.get('source') != 'sound' or wake.get('entered_stop') is not True:
                raise AssertionError(f'wake-up {i + 1} was not a Stop ended by sound: {wake}')
            restart_ms = 1000.0 * (captures[i + 1][0] - origin)   # on the recording's axis
            # the audio clock follows the platform time, which counts each Stop in whole ms
            if abs(int(wake['audio_ms']) - restart_ms) > 2 + i:
                raise AssertionError(f"audio clock {wake['audio_ms']} ms at wake-up {i + 1}, "
                                     f'capture restarted at {restart_ms:.1f} ms of the recording')
            stop_ms = int(stops[i]['audio_ms'])
            word = next((w for w in words if w['start_ms'] > stop_ms), None)
            if word is None:
                raise AssertionError(f'wake-up {i + 1} at {restart_ms:.1f} ms with no word after the Stop')
            gap = restart_ms - float(word['start_ms'])
            if not 0 <= gap <= float(max_lost_ms):
                raise AssertionError(f"capture restarted {gap:.1f} ms after the start of '{word['word']}' "
                                     f'(allowed 0..{max_lost_ms} ms)')
            lost.append(round(gap, 1))
        print(f'*INFO* audio lost at wake-up (capture restart - word start): {lost} ms; '
              f"wake pin rising at {self.run['summary']['audio']['mic_wake_rising_s']} s")
        return lost

    def pins_should_show_level_and_selection(self):
        """Level (D3 D4 D5, bit 0 first) and selection (D6 D7) pins hold the values of the
        last detection's event (pins from firmware/platform/stm32h743/board_pins.def)."""
        last = ev.detections(self.run['events'])[-1]
        out = self.run['summary']['output_pins']
        pins = {name: out['%s%d' % board_pins.pin(name)] for name in ('D3', 'D4', 'D5', 'D6', 'D7')}
        level = pins['D3'] | pins['D4'] << 1 | pins['D5'] << 2
        selection = pins['D6'] | pins['D7'] << 1
        if (level, selection) != (int(last['level']), int(last['selection'])):
            raise AssertionError(f'pins show level {level} selection {selection}, the last event says '
                                 f"level {last['level']} selection {last['selection']}")

    def firmware_model(self):
        boot = ev.last(self.run['events'], 'boot') or {}
        return boot.get('model', '')

    def firmware_can_enter_stop(self):
        ready = ev.last(self.run['events'], 'kws_ready') or {}
        return bool(ready.get('stop_mode'))

    def opp_load_should_keep_up(self, mhz):
        """At `mhz` the worst frame (front end + VAD + decision) fits in a hop."""
        for opp in self._stats().get('opp', []):
            if int(opp['mhz']) == int(mhz):
                if float(opp['frame_load_max']) >= 1.0:
                    raise AssertionError(f'worst frame at {mhz} MHz takes '
                                         f"{100 * float(opp['frame_load_max']):.0f}% of a hop")
                return float(opp['frame_load_max'])
        raise AssertionError(f'no statistics for {mhz} MHz')

    def simulated_load_at(self, mhz):
        """Fraction of the time at `mhz` the core was running (not in WFI), from the simulator."""
        from kwsapp import report
        loads = report.sim_load(self.run['summary'])
        if int(mhz) not in loads:
            raise AssertionError(f'the board never ran at {mhz} MHz')
        run, sleep, _, _ = loads[int(mhz)]
        load = run / (run + sleep) if run + sleep else 0.0
        print(f'*INFO* load at {mhz} MHz: {100 * load:.1f} %')
        return load

    def simulated_time_in_stop(self):
        """Seconds the simulated core spent in Stop mode."""
        return float(self.run['summary']['time_per_mode_s'].get('stop', 0.0))

    def stats_value(self, key):
        return self._stats().get(key)

    def ready_value(self, key):
        ready = ev.last(self.run['events'], 'kws_ready')
        if ready is None or key not in ready:
            raise AssertionError(f'the firmware\'s kws_ready line has no {key!r}: {ready}')
        return ready[key]

    def image_flash_should_be_at_most(self, kib):
        """The image's flash (its memory report, from the linker's sections) within `kib` KiB."""
        with open(os.path.splitext(self.elf)[0] + '.memory.json') as f:
            flash = json.load(f)['totals']['flash_bytes']
        print(f'*INFO* {paths.rel(self.elf)}: flash {flash} B = {flash / 1024:.1f} KiB')
        if flash > float(kib) * 1024:
            raise AssertionError(f'flash {flash} B = {flash / 1024:.1f} KiB > {kib} KiB')

    def image_should_hold_exactly_the_stream_state_planned(self):
        """The image's stream state buffer (main.c's stream_state, sized by the build's plan:
        kws_model_stream.h) is exactly the bytes the board's own plan at boot uses (kws_ready
        stream_state_bytes); a model that cannot stream gets no buffer and no streaming code,
        and an image that never runs the cascade no gate model."""
        from h7sim.elf import load_elf
        image = load_elf(self.elf)
        used, hop = int(self.ready_value('stream_state_bytes')), int(self.ready_value('stream_frames'))
        size = image.symbol_size('stream_state') if image.has_symbol('stream_state') else 0
        print(f'*INFO* stream_state: {size} B in the image, {used} B used by the plan at boot ({hop}-frame hop)')
        if size != used:
            raise AssertionError(f'the image holds {size} B of stream state, the board plans {used} B')
        if hop == 0 and image.has_symbol('h7nn_stream_invoke'):
            raise AssertionError('a model that cannot stream, yet the image links h7nn_stream_invoke')
        gate = image.has_symbol('h7nn_kwsgate_model_data')
        if gate != bool(self.ready_value('gate')):
            raise AssertionError(f"kws_ready gate {self.ready_value('gate')!r}, the gate model "
                                 f"{'in' if gate else 'not in'} the image")

    def model_runs_should_be_streamed(self, streamed=True):
        """The board's stream counters (README.md "Streaming"): with streaming, some runs are
        hops from the model's state (the pipeline's streamed_runs, each confirmed by the
        engine: stream_hops) and the others full windows; without, none is. They equal the
        host build's counts of the same recording (Detections Should Equal ... first)."""
        st = self._stats()
        runs, hops, engine = int(st['model_runs']), int(st['streamed_runs']), int(st['stream_hops'])
        print(f'*INFO* {runs} model runs, {hops} streamed ({engine} by the engine), {runs - hops} full windows')
        if hops != engine:
            raise AssertionError(f'the pipeline streamed {hops} runs, the engine {engine}')
        if streamed and not 0 < hops < runs:
            raise AssertionError(f'{hops} of {runs} runs streamed: expected some streamed, some full')
        if not streamed and hops:
            raise AssertionError(f'{hops} runs streamed with streaming off')
        host = getattr(self, 'host_stats', None)
        if host is not None and (host['model_runs'], host['streamed_runs']) != (runs, hops):
            raise AssertionError(f"host build: {host['model_runs']} runs, {host['streamed_runs']} streamed; "
                                 f'board: {runs}, {hops}')

    def events_named(self, name):
        return ev.of_kind(self.run['events'], name)
