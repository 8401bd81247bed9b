"""The whole model pipeline from a seed: data -> features -> train -> prune (magnitude and
channels) -> distill -> QAT -> int8 (PTQ with a calibration set) -> evaluate -> models/.

    python -m h7train all --seed 1            # the shipped default models
    python -m h7train all --preset smoke      # minutes, tiny data (CI)
"""
import json
import os
import time

import numpy as np

from h7data.vocab import LABELS

PRESETS = {
    # clean clips per keyword (unknown gets 2x), augmented copies, epochs, sizes
    'full': dict(per_word=500, copies=2, val_per_word=150, test_per_word=300, val_limit=1500,
                 width=96, epochs=30, tiny_epochs=24, finetune_epochs=5, qat_epochs=3,
                 prune_keep=0.75,
                 sparsity=0.5, calibration=400, fa_minutes=20, snr_subset=1200, batch=64),
    'smoke': dict(per_word=6, copies=1, val_per_word=4, test_per_word=4, val_limit=100, width=16,
                  epochs=1, tiny_epochs=1, finetune_epochs=1, qat_epochs=1, prune_keep=0.5,
                  sparsity=0.5, calibration=24, fa_minutes=0.1, snr_subset=24, batch=32,
                  tflm_check=8, fa_keywords=10),
}


def _load(split, per_word, copies, seed, frontend):
    from h7data.dataset import build
    from .features import cached
    d = build(split, per_word=per_word, copies=copies, seed=seed)
    return d, cached(f'{split}-{per_word}-{copies}-{seed}', d['x'], frontend)


def run_all(seed=1, preset='full', out_dir='models', work_dir=None, progress=True,
            name_default='kws_default', name_tiny='kws_tiny', demo=True, board=True):
    from . import models as M, prune as P, train as T
    from .evaluate import accuracy_report, evaluate
    from .export import Int8Model, metadata, save_model, to_int8_tflite
    from .features import DEFAULT_CONFIG, load_frontend
    from .report import plot_confusion, plot_curves, plot_snr, stage_table
    from h7data.wavio import atomic_write_text
    p = PRESETS[preset]
    T.limit_threads()
    # Same seed, same models: seeded initializers/dropout and deterministic TF kernels.
    T.keras.utils.set_random_seed(seed)
    T.tf.config.experimental.enable_op_determinism()
    started = time.time()
    work_dir = work_dir or os.path.join('build', 'h7train', f'{preset}-{seed}')
    os.makedirs(work_dir, exist_ok=True)
    os.makedirs(out_dir, exist_ok=True)
    frontend = load_frontend(DEFAULT_CONFIG)

    def say(msg):
        if progress:
            print(f'[{time.time() - started:6.0f} s] {msg}', flush=True)

    say('data and features')
    tr, xtr = _load('train', p['per_word'], p['copies'], seed, frontend)
    va, xva = _load('val', p['val_per_word'], 1, seed, frontend)
    tv, xtv = _load('test_voices', p['test_per_word'], 1, seed, frontend)
    te, xte = _load('test_engine', p['test_per_word'], 1, seed, frontend)
    ytr, yva, ytv, yte = tr['y'], va['y'], tv['y'], te['y']
    vsel = np.random.default_rng(seed).permutation(len(yva))[:p['val_limit']]
    val = (xva[vsel], yva[vsel])
    cal_idx = np.random.default_rng(seed + 1).permutation(len(yva))[:p['calibration']]
    calibration = xva[cal_idx]
    shape = xtr.shape[1:]
    classes = len(LABELS)
    histories, rows, int8 = {}, [], {}

    def float_acc(model):
        return {'val': T.evaluate_float(model, xva, yva)[0],
                'voices_float': T.evaluate_float(model, xtv, ytv)[0],
                'engine_float': T.evaluate_float(model, xte, yte)[0]}

    def add_row(stage, model, quantize=False, nonzero=None):
        row = {'stage': stage, 'model': model.name, 'params': M.parameters(model),
               'nonzero': nonzero if nonzero is not None else P.nonzero_weights(model),
               'int8_weight_bytes': M.weight_bytes_int8(model), 'macs': M.macs(model)}
        row.update(float_acc(model))
        if quantize:
            data = to_int8_tflite(model, calibration)
            net = Int8Model(data)
            row['tflite_bytes'] = len(data)
            row['voices_int8'] = float(np.mean(np.argmax(net.predict(xtv), 1) == ytv))
            row['engine_int8'] = float(np.mean(np.argmax(net.predict(xte), 1) == yte))
            int8[stage] = data
        rows.append(row)
        say(f'{stage}: ' + ', '.join(f'{k} {100 * v:.2f}%' for k, v in row.items()
                                     if k.endswith(('val', 'float', 'int8')) and v is not None))
        return row

    fit = dict(batch=p['batch'], seed=seed, progress=progress)
    say(f'1. train DS-CNN width {p["width"]} ({len(ytr)} windows, {p["epochs"]} epochs)')
    base = M.ds_cnn(shape, classes, width=p['width'])
    histories['DS-CNN'] = T.fit(base, (xtr, ytr), val, epochs=p['epochs'], lr=3e-3,
                                label='DS-CNN', **fit)
    add_row('1 train (float) + PTQ int8', base, quantize=True)

    say('2. magnitude pruning')
    mag = M.ds_cnn(shape, classes, width=p['width'], name=base.name + '_sparse')
    mag.set_weights(base.get_weights())
    masks = P.magnitude_masks(mag, p['sparsity'])
    histories['magnitude pruned'] = T.fit(mag, (xtr, ytr), val, epochs=p['finetune_epochs'],
                                          lr=1e-3, masks=masks, label='magnitude', **fit)
    add_row(f'2 magnitude prune {int(100 * p["sparsity"])}% of 1x1/dense', mag, quantize=True)

    say('3. structured channel pruning + distillation from the stage-1 model')
    small = P.channel_prune(base, p['prune_keep'])
    add_row(f'3a channel prune to {int(100 * p["prune_keep"])}% (no fine-tune)', small)
    histories['channel pruned + KD'] = T.fit(small, (xtr, ytr), val,
                                             epochs=p['finetune_epochs'] * 2, lr=2e-3,
                                             teacher=base, label='prune+KD', **fit)
    add_row('3b + fine-tune with distillation', small, quantize=True)

    say('4. quantization-aware training')
    qat = T.with_activation_fake_quant(small)
    histories['QAT'] = T.fit(qat, (xtr, ytr), val, epochs=p['qat_epochs'], lr=3e-4, qat=True,
                             teacher=base, label='QAT', **fit)
    T.strip_fake_quant(qat, small)
    add_row('4 + QAT, int8 (PTQ ranges)', small, quantize=True)
    compressed = small

    say(f'5. always-on tiny model with distillation ({p["tiny_epochs"]} epochs)')
    tiny = M.tiny(shape, classes)
    histories['tiny + KD'] = T.fit(tiny, (xtr, ytr), val, epochs=p['tiny_epochs'], lr=4e-3,
                                   teacher=base, label='tiny', **fit)
    tqat = T.with_activation_fake_quant(tiny)
    histories['tiny QAT'] = T.fit(tqat, (xtr, ytr), val, epochs=p['qat_epochs'], lr=3e-4,
                                  qat=True, teacher=base, label='tiny QAT', **fit)
    T.strip_fake_quant(tqat, tiny)
    add_row('5 tiny always-on + KD + QAT, int8', tiny, quantize=True)

    # The default model: the compressed one if it stays within 1 point of the full-size
    # int8 model on held-out voices, else the full-size one.
    full_row, comp_row = rows[0], rows[4]
    use_compressed = comp_row['voices_int8'] >= full_row['voices_int8'] - 0.01
    default_stage = comp_row['stage'] if use_compressed else full_row['stage']
    default_model = compressed if use_compressed else base
    say(f'default model: stage "{default_stage}"')

    training = {'seed': seed, 'preset': preset, 'command': f'python -m h7train all --seed {seed}'
                + ('' if preset == 'full' else f' --preset {preset}'),
                'data': {'train_windows': int(len(ytr)), 'val_windows': int(len(yva)),
                         'engines_trained': 'espeak-ng (8 English languages x 34 variants), '
                                            'flite kal kal16 awb rms',
                         'held_out_voices': 'espeak-ng variants f3 m7 Annie steph klatt3 rob '
                                            'travis belinda, flite slt',
                         'held_out_engine': 'festival (ked diphone, cmu_us_slt_arctic_hts)',
                         'augmentation': 'voice shift (formants+pitch x1.08-1.38 for 55% of '
                                         'flite clips, x0.85-1.3 for 30% of espeak-ng clips), '
                                         'speed 0.85-1.15, VTLP 0.8-1.25, reverb RT60 0.15-0.7 s, '
                                         'colored noise / hum / babble / non-speech at 0-30 dB '
                                         'SNR, gain -24..0 dB, shift +-150 ms, SpecAugment'},
                'frontend_config': DEFAULT_CONFIG, 'stages': rows}
    results = {}
    for name, model, stage in ((name_default, default_model, default_stage),
                               (name_tiny, tiny, rows[-1]['stage'])):
        data = int8[stage]
        meta = metadata(name, data, model, LABELS, frontend.config,
                        dict(training, stage=stage))
        save_model(out_dir, name, data, meta)
        say(f'wrote {out_dir}/{name}.tflite ({len(data)} bytes) + .json')

    demo_wav = os.path.join(out_dir, 'recordings', 'demo_commands.wav')
    if demo:  # the real-speech demo: speech_commands_dev speakers held out of training
        from .realdata import make_demo
        make_demo(demo_wav)
    full = {'seed': seed, 'preset': preset, 'stage_table': rows, 'default_stage': default_stage,
            'histories': histories}
    return write_reports(full, out_dir, (name_default, name_tiny), started, progress, board)


# The real-speech results each have their own command and file (models/<stem>.json/.md);
# report.json carries them under these keys and report.md shows them in this order.
REAL_SECTIONS = (('real_speech', 'real_speech', 'Real speech: speakers never trained on'),
                 ('real_kfold', 'real_speech_kfold', 'Real speech: speaker-disjoint 5-fold cross-validation'),
                 ('real_kfold_tiny', 'real_speech_kfold_tiny',
                  'Real speech: speaker-disjoint 5-fold cross-validation of the 8 KB model'),
                 ('real_noise_suppression', 'real_speech_ns', 'Real noisy speech: the noise-suppression stage'),
                 ('real_stream', 'real_stream', 'Streaming on real speech: false alarms per hour'))


def refresh_report(out_dir, full=None):
    """Rewrites report.json/.md from the evaluation already in report.json (full=None) and
    the current real-speech result files, without re-evaluating anything: the real-speech
    commands (realeval, realkfold, realstream) call it after writing their files."""
    from h7data.wavio import atomic_write_text
    from .report import stage_table
    if full is None:
        with open(os.path.join(out_dir, 'report.json')) as f:
            full = json.load(f)
    for key, stem, _ in REAL_SECTIONS:
        path = os.path.join(out_dir, stem + '.json')
        if os.path.exists(path):
            with open(path) as f:
                full[key] = json.load(f)
        else:
            full.pop(key, None)
    atomic_write_text(os.path.join(out_dir, 'report.json'), json.dumps(full, indent=1) + '\n')
    atomic_write_text(os.path.join(out_dir, 'report.md'),
                      markdown(full, stage_table(full['stage_table']), out_dir))
    return full


def write_reports(full, out_dir, names=('kws_default', 'kws_tiny'), started=None, progress=True,
                  board=True):
    """Evaluates the shipped int8 models, runs the demo recording on the simulated board
    with each (board=True), and writes report.md/.json and the plots."""
    from .evaluate import board_demo, evaluate
    from .report import plot_confusion, plot_curves, plot_snr, stage_table
    from h7data.wavio import atomic_write_text
    from h7voice import paths
    started = started or time.time()
    p = PRESETS[full['preset']]
    seed = full['seed']
    demo_wav = os.path.join(out_dir, 'recordings', 'demo_commands.wav')

    def say(msg):
        if progress:
            print(f'[{time.time() - started:6.0f} s] {msg}', flush=True)
    # the board first: it fails fast (no toolchain, simulator not built) before the long part
    boards = {}
    if board:
        # the default model last, so the build is left with the default image
        for name in sorted(names, key=lambda n: n == names[0]):
            say(f'demo recording on the simulated board with {name} (h7voice demo)')
            os.makedirs(paths.BENCH, exist_ok=True)
            d = board_demo(os.path.join(out_dir, f'{name}.tflite'), demo_wav,
                           os.path.join(paths.BENCH, f'demo_{name}.json'))
            boards[name] = d
            say(f'  board: {d["exactly_once"]}/{d["commands"]} commands, missed {d["missed"]}, '
                f'wrong words {d["wrong_words"]}, {d["false_alarms"]} false alarms')
    histories = full['histories']
    reports = {}
    for name in names:
        say(f'evaluating {name}')
        rep = evaluate(os.path.join(out_dir, f'{name}.tflite'), seed=seed,
                       per_word=p['test_per_word'], fa_minutes=p['fa_minutes'],
                       snr_subset=p['snr_subset'], demo_wav=demo_wav, progress=progress,
                       tflm_check=p.get('tflm_check', 300), fa_keywords=p.get('fa_keywords', 200))
        reports[name] = rep
        if name in boards:
            rep['demo_board'] = boards[name]
        plot_confusion(rep['test_voices']['confusion'], LABELS,
                       f'{name} int8, held-out voices', os.path.join(out_dir, f'{name}_confusion_voices.png'))
        plot_confusion(rep['test_engine']['confusion'], LABELS,
                       f'{name} int8, held-out engine (festival)',
                       os.path.join(out_dir, f'{name}_confusion_engine.png'))
    plot_curves(histories, os.path.join(out_dir, 'training_curves.png'))
    plot_snr(reports, os.path.join(out_dir, 'snr.png'))
    full['evaluation'] = reports
    full.setdefault('seconds', round(time.time() - started))
    refresh_report(out_dir, full)
    say('done')
    return full


def same_detections(board, host):
    """'identical detections' or what differs (word, times; scores to the 3 decimals both
    print)."""
    keys = ('word', 'start_ms', 'end_ms', 'decided_ms')
    if len(board) == len(host) and all(
            all(b[k] == h[k] for k in keys) and abs(b['score'] - h['score']) <= 0.0015
            for b, h in zip(board, host)):
        return f'identical detections ({len(board)}: word, score, start, end, decision time)'
    return (f'DIFFERENT: board {[(d["word"], d["start_ms"]) for d in board]}, host '
            f'{[(d["word"], d["start_ms"]) for d in host]}')


def _demo_line(d, where):
    return (f'- demo recording ({d["recording"]}), {where}: **{d["exactly_once"]}/{d["commands"]} '
            f'commands** detected exactly once (±200 ms), missed: {", ".join(d["missed"]) or "none"}, '
            f'wrong words: {", ".join(d["wrong_words"]) or "none"}, {d["false_alarms"]} false alarms '
            f'— {d["code"]}')


def markdown(full, table, out_dir=None):
    from h7data.vocab import LABELS as labels
    from h7voice import paths
    lines = ['# h7voice keyword-spotting models: evaluation report', '']
    made = []
    for name in full['evaluation']:
        try:
            with open(os.path.join(paths.MODELS, f'{name}.json')) as f:
                made.append(f'`{name}`: `{json.load(f)["training"]["command"]}`')
        except (OSError, ValueError, KeyError):
            made.append(f'`{name}`: (no training record in models/{name}.json)')
    lines += ['The shipped models were made by ' + '; '.join(made) + ' (real speech + '
              'distillation from the real-trained MLPerf Tiny model, see below). Every figure '
              'below is re-made by `h7voice train report` (`python -m h7train report`) and '
              '`h7voice eval-real` (the real-speech section).', '']
    for _, stem, title in REAL_SECTIONS:  # real speech leads: it decides
        md = os.path.join(out_dir or paths.MODELS, stem + '.md')
        if os.path.exists(md):
            with open(md) as f:
                body = f.read().splitlines()
            lines += [f'## {title}', ''] + [
                ('#' + l if l.startswith('## ') else l) for l in body[1:]] + ['']
    lines += ['## Synthetic voices, streaming, the board', '',
             'Which code made each figure:', '',
             '- **stage table**: made during training: the .tflite run by TFLite\'s built-in '
             'int8 kernels on features from the C front end (h7frontend);',
             '- **classification** (accuracy, per class, by voice, SNR, word windows): features '
             'from the C front end\'s host build, the int8 model run by our engine\'s host build '
             '(libh7nn.so, the kernels the firmware links), checked against TFLM\'s kernels '
             '(agreement below);',
             '- **detection** (streaming, false alarms, real recordings, demo on the host): the '
             'firmware\'s keyword pipeline and decision C built for the host (libh7kws.so: '
             'front end, VAD, kws_detector, pacer, power policy, engine; tools/kwsapp/detector.py) '
             'with the firmware\'s own settings read from C;',
             '- **demo on the board**: `h7voice demo` running the firmware image on the simulated '
             'NUCLEO-H743ZI2, its "kws" events scored by kwsapp.score.', '',
             '']
    for name, r in full['evaluation'].items():
        lines += [f'### {name}', '',
                  f'- held-out voices: **{100 * r["test_voices"]["accuracy"]:.2f}%** '
                  f'(n={r["test_voices"]["n"]})',
                  f'- held-out engine (festival, never trained on): '
                  f'**{100 * r["test_engine"]["accuracy"]:.2f}%** (n={r["test_engine"]["n"]})',
                  '- held-out voices by voice: ' + ', '.join(
                      f'{k} {100 * v["accuracy"]:.1f}%' for k, v in r['test_voices'].get('by_voice', {}).items()),
                  '- held-out engine by voice: ' + ', '.join(
                      f'{k} {100 * v["accuracy"]:.1f}%' for k, v in r['test_engine'].get('by_voice', {}).items()),
                  '- held-out voices with noise (colored / hum / babble): ' +
                  ', '.join(f'{s} dB {100 * a:.1f}%' for s, a in
                            sorted(r['snr'].items(), key=lambda kv: float(kv[0]))),
                  f'  (classification figures: {r["code"]["classification"]})']
        fa = r.get('false_alarms')
        if fa:
            s = fa['firmware_settings']
            lines.append(f'- streaming detection on {fa["audio_minutes"]} min of keyword-free '
                         f'speech and {fa.get("keywords", 0)} isolated keywords (held-out voices, '
                         f'reverb + 25 dB noise), the firmware\'s pipeline (model every '
                         f'{s["model_hop_ms"]} ms during speech, {s["smooth_count"]} posteriors '
                         f'averaged, one decision per VAD segment): at the firmware\'s threshold '
                         f'{s["threshold"]:g}: **{fa["false_alarms_per_hour"]} false alarms/h, '
                         f'{100 * (fa.get("keyword_hit_rate") or 0):.0f}% of keywords found** '
                         f'exactly once (±200 ms); sweep: ' + '; '.join(
                             f'{x["threshold"]:g}: {x["false_alarms_per_hour"]} FA/h, '
                             f'{100 * x.get("keyword_hit_rate", 0):.0f}% found'
                             for x in fa.get('threshold_sweep', []))
                         + f' — {fa["code"]}')
        rr = r.get('real_recordings', {})
        if 'streaming' in rr:
            lines.append(f'- real recordings (pocketsphinx test data, {rr["seconds"]} s): '
                         f'{rr["keywords_found"]}/{rr["keywords_expected"]} keywords found, '
                         f'{rr["false_alarms"]} false alarms — {rr["code"]}')
            ws = rr.get('read_speech_word_windows')
            if ws:
                lines.append(f'- real read speech, {ws["n"]} word windows (no keywords): '
                             f'{100 * ws["classified_unknown"]:.1f}% unknown, '
                             f'{100 * ws["classified_silence"]:.1f}% silence, '
                             f'{100 * ws["classified_keyword"]:.1f}% a keyword '
                             f'({", ".join(ws["keyword_confusions"][:8])}) — '
                             f'{ws.get("code", "C front end + TFLite kernels")}')
        if 'demo_board' in r:
            lines.append(_demo_line(r['demo_board'], 'on the board'))
        if 'demo_host' in r:
            lines.append(_demo_line(r['demo_host'], 'host build'))
        if 'demo_board' in r and 'demo_host' in r:
            lines.append('- demo recording, board vs host build: ' + same_detections(
                r['demo_board']['detections'], r['demo_host']['detections']))
        if 'tflm_check' in r:
            t = r['tflm_check']
            lines.append(f'- our engine vs TFLM kernels on {t["windows"]} windows: top-1 '
                         f'agreement {100 * t["top1_agreement"]:.2f}%, largest output difference '
                         f'{t["max_output_lsb_difference"]} LSB')
        lines += ['', '| class | held-out voices % | held-out engine % |', '|---|---:|---:|']
        for lab in labels:
            a = r['test_voices']['per_class'].get(lab, {}).get('accuracy')
            b = r['test_engine']['per_class'].get(lab, {}).get('accuracy')
            lines.append(f'| {lab} | {"—" if a is None else f"{100 * a:.1f}"} | '
                         f'{"—" if b is None else f"{100 * b:.1f}"} |')
        lines += ['', f'![confusion, held-out voices]({name}_confusion_voices.png) '
                      f'![confusion, held-out engine]({name}_confusion_engine.png)', '']
    lines += ['![accuracy vs SNR](snr.png)', '',
              '## The synthetic-only pipeline (`h7train all`), for comparison', '',
              f'Stages of the models `python -m h7train all --seed {full["seed"]}` made from '
              'synthetic speech alone (TFLite built-in int8 kernels on C front-end features); '
              'these are not the shipped models, which the real-speech recipe above replaced.', '',
              table, '', '![training curves](training_curves.png)', '']
    return '\n'.join(lines)
