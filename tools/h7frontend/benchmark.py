"""Front-end benchmark: writes build/reports/frontend_benchmark.{json,md}.

    python -m h7frontend.benchmark [--out DIR] [--no-board]

Measures (never wall-clock time):
  - host library vs the independent NumPy reference (tests/numpy_reference.py) and vs
    TensorFlow's MLPerf pipeline: max |difference| and int8 input agreement;
  - on the simulated board (frontend_check image): instructions per 20 ms hop of the front
    end and of the VAD (DWT = executed instructions), share of a 480 MHz core, and whether
    the board's features equal the host library's bit for bit;
  - flash and RAM of the front end, CMSIS-DSP and capture buffers (ELF symbols + map report);
  - VAD decisions against ground truth on synthesized speech scenarios.
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

from . import board_check, vad_eval
from .config import TOP
from .frontend import features, load_config, quantize, Stream

TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'tests')
SCALE, ZERO_POINT = 0.5847029089927673, 83


def host_accuracy():
    sys.path.insert(0, TESTS)
    import numpy_reference
    import signals
    clips = {'speech_like': signals.speech_like(1.0), 'white_noise': signals.white_noise(1.0),
             'chirp': signals.chirp(1.0), 'quiet_speech': signals.speech_like(1.0, seed=3, level=300.0)}
    try:
        clips['recorded_goforward'] = vad_eval.recordings()[0][8000:24000]   # real speech, 1 s
    except vad_eval.SynthesisUnavailable:
        pass
    rows = []
    for config in ('mlperf_kws', 'kws_stream', 'log_mel_40'):
        cfg = load_config(config)
        for name, x in clips.items():
            got, want = features(x, cfg), numpy_reference.features(x, cfg.values)
            row = {'config': config, 'signal': name, 'max_abs_error': float(np.abs(got - want).max()),
                   'mean_abs_error': float(np.abs(got - want).mean())}
            if cfg.values['output'] == 'mfcc':
                diff = np.abs(quantize(got, SCALE, ZERO_POINT).astype(int) - quantize(want, SCALE, ZERO_POINT))
                row['int8_values_differing'] = int((diff > 0).sum())
                row['int8_max_step_difference'] = int(diff.max())
            rows.append(row)
    tf_rows = []
    try:
        from test_tf_reference import mlperf_tf_features
        for name, x in clips.items():
            got, want = features(x, 'mlperf_kws'), mlperf_tf_features(x)
            diff = np.abs(quantize(got, SCALE, ZERO_POINT).astype(int) - quantize(want, SCALE, ZERO_POINT))
            tf_rows.append({'signal': name, 'max_abs_error': float(np.abs(got - want).max()),
                            'int8_values_differing': int((diff > 0).sum()), 'int8_values': int(diff.size)})
    except ImportError:
        pass
    return rows, tf_rows


def board_measures():
    sys.path.insert(0, TESTS)
    import signals
    speech = signals.speech_like(1.0).astype(np.float64)
    audio = np.concatenate([signals.speech_like(1.0), np.zeros(8000, np.int16),
                            signals.to_int16(speech * 30), signals.white_noise(0.5, rms=15000)])
    result = board_check.run(audio)
    host = Stream('kws_stream').push(audio)
    board = result['features'][:len(host)]
    cycles, vad = np.array(result['frame_cycles']), np.array(result['vad_cycles'])
    hop_instructions_480 = 480e6 * 0.020
    return {
        'audio_seconds': len(audio) / 16000,
        'frames_compared': int(len(host)),
        'bit_identical': bool(len(board) == len(host) and np.array_equal(board.view(np.uint32), host.view(np.uint32))),
        'max_abs_difference': float(np.abs(board - host).max()) if len(board) == len(host) else None,
        'frontend_instructions_per_hop': {'min': int(cycles.min()), 'mean': float(cycles.mean()), 'max': int(cycles.max())},
        'vad_instructions_per_hop': {'mean': float(vad.mean()), 'max': int(vad.max())},
        'percent_of_480mhz_core': float(100 * cycles.max() / hop_instructions_480),
        'percent_of_64mhz_core': float(100 * cycles.max() / (64e6 * 0.020)),
        'audio_stats': result['audio_stats'],
        'vad_events_board': result['vad_events'],
    }


def memory_measures():
    from elftools.elf.elffile import ELFFile
    report = board_check.memory_report()
    sizes = {}
    with open(board_check.ELF, 'rb') as f:
        for sym in ELFFile(f).get_section_by_name('.symtab').iter_symbols():
            if sym.name in ('frontend', 'vad', 'dma_buffer', 'ring_storage', 'ring', 'features', 'hop'):
                sizes[sym.name] = sym['st_size']
    modules = {m['module']: m for m in report['modules']}
    flash = {name: modules[name]['flash'] for name in ('frontend', 'third_party/cmsis_dsp', 'm') if name in modules}
    return {
        'flash_bytes': flash,
        'flash_front_end_total': sum(flash.values()),
        'ram_bytes': {
            'h7fe_t state (tables + buffers, kws_stream)': sizes.get('frontend'),
            'h7vad_t state': sizes.get('vad'),
            'DMA double buffer (SRAM1, non-cacheable)': sizes.get('dma_buffer'),
            'sample ring (256 ms)': sizes.get('ring_storage'),
        },
        'image_totals': report['totals'],
    }


def vad_measures():
    rows = []
    for kind in vad_eval.SCENARIOS:
        r = vad_eval.evaluate(kind)
        r.pop('events')
        r['truth'] = [[int(s), int(e)] for s, e in r['truth']]
        rows.append(r)
    return rows


def markdown(data):
    lines = ['# Front-end benchmark', '', 'Generated by `python -m h7frontend.benchmark`.', '']
    lines += ['## Host library vs independent NumPy reference', '',
              '| config | signal | max abs error | int8 values differing |', '|---|---|---:|---:|']
    for r in data['host_vs_numpy']:
        lines.append(f"| {r['config']} | {r['signal']} | {r['max_abs_error']:.2e} | {r.get('int8_values_differing', '-')} |")
    if data['host_vs_tensorflow']:
        lines += ['', '## mlperf_kws vs TensorFlow tf.signal (MLPerf Tiny KWS pipeline)', '',
                  '| signal | max abs error | int8 values differing |', '|---|---:|---:|']
        for r in data['host_vs_tensorflow']:
            lines.append(f"| {r['signal']} | {r['max_abs_error']:.2e} | {r['int8_values_differing']} of {r['int8_values']} |")
    b = data.get('board')
    if b:
        lines += ['', '## Simulated board (frontend_check, kws_stream)', '',
                  f"- board features vs host library: {'bit-identical' if b['bit_identical'] else 'DIFFERENT'} "
                  f"over {b['frames_compared']} frames ({b['audio_seconds']:.1f} s of audio)",
                  f"- front end: {b['frontend_instructions_per_hop']['max']:,} instructions per 20 ms hop (max; mean "
                  f"{b['frontend_instructions_per_hop']['mean']:,.0f}) = {b['percent_of_480mhz_core']:.2f}% of a 480 MHz core, "
                  f"{b['percent_of_64mhz_core']:.1f}% at 64 MHz",
                  f"- VAD: {b['vad_instructions_per_hop']['max']:,} instructions per hop (max)",
                  f"- capture: {b['audio_stats']}"]
    m = data.get('memory')
    if m:
        lines += ['', '## Memory (frontend_check image)', '', '| item | bytes |', '|---|---:|']
        for k, v in m['flash_bytes'].items():
            lines.append(f'| flash: {k} | {v:,} |')
        for k, v in m['ram_bytes'].items():
            lines.append(f'| RAM: {k} | {v:,} |' if v is not None else f'| RAM: {k} | ? |')
    lines += ['', '## VAD vs ground truth (espeak-ng speech placed at known times)', '',
              '| scenario | segments (truth/found) | frame accuracy | max start error ms | max end error ms | false speech frames |',
              '|---|---|---:|---:|---:|---:|']
    for r in data['vad']:
        lines.append(f"| {r['scenario']} | {r['truth_segments']}/{r['detected_segments']} | {r['frame_accuracy']:.3f} | "
                     f"{r['max_start_error_ms']} | {r['max_end_error_ms']} | {r['false_speech_frames']} |")
    return '\n'.join(lines) + '\n'


def write_atomic(path, text):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m h7frontend.benchmark', description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=os.path.join(TOP, 'build', 'reports'), help='output folder')
    parser.add_argument('--no-board', action='store_true', help='skip the simulated-board measures')
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    data = {}
    data['host_vs_numpy'], data['host_vs_tensorflow'] = host_accuracy()
    if not args.no_board:
        try:
            data['board'] = board_measures()
            data['memory'] = memory_measures()
        except board_check.FirmwareMissing as e:
            print(f'h7frontend.benchmark: error: {e}', file=sys.stderr)
            return 2
    try:
        data['vad'] = vad_measures()
    except vad_eval.SynthesisUnavailable as e:
        print(f'h7frontend.benchmark: error: {e}', file=sys.stderr)
        return 2
    json_path = os.path.join(args.out, 'frontend_benchmark.json')
    md_path = os.path.join(args.out, 'frontend_benchmark.md')
    write_atomic(json_path, json.dumps(data, indent=2, default=float) + '\n')
    text = markdown(data)
    write_atomic(md_path, text)
    print(text)
    print(f'written: {json_path}, {md_path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
