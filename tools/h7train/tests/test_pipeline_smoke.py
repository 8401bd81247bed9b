"""The whole pipeline at smoke size (tiny data, 1 epoch per stage): data -> features ->
train -> prune -> distill -> QAT -> int8 -> metadata -> evaluation report. Checks that
every artifact is there and consistent, not accuracy."""
import json
import os
import subprocess
import sys

import numpy as np

from h7train.export import Int8Model, load_metadata


def test_smoke_pipeline(tmp_path, monkeypatch):
    monkeypatch.setenv('H7_DATA_CACHE', str(tmp_path / 'cache'))
    from h7train.pipeline import run_all
    out = tmp_path / 'models'
    full = run_all(seed=5, preset='smoke', out_dir=str(out), work_dir=str(tmp_path / 'work'),
                   progress=False, board=False)
    stages = [r['stage'] for r in full['stage_table']]
    assert len(stages) == 6 and stages[0].startswith('1 train')
    pruned, unpruned = full['stage_table'][3], full['stage_table'][0]
    assert pruned['macs'] < unpruned['macs'] and pruned['params'] < unpruned['params']
    assert full['stage_table'][1]['nonzero'] < unpruned['nonzero']      # magnitude pruning
    for name in ('kws_default', 'kws_tiny'):
        meta = load_metadata(str(out / f'{name}.json'))
        net = Int8Model(str(out / f'{name}.tflite'))
        assert meta['input']['scale'] == net.input_scale
        assert meta['input']['zero_point'] == net.input_zero_point
        assert meta['labels'][:2] == ['silence', 'unknown'] and len(meta['labels']) == 12
        assert meta['frontend']['name'] == 'kws_stream' and meta['arena']['tflm_arena_bytes'] > 0
        assert meta['training']['seed'] == 5
        rep = full['evaluation'][name]
        assert set(rep['snr']) == {'0', '5', '10', '20', '30'}
        # (an untrained smoke model has near-equal outputs, so top-1 can flip on 1 LSB:
        # the output difference is what must stay tiny)
        assert rep['tflm_check']['max_output_lsb_difference'] <= 2
        assert 'false_alarms_per_hour' in rep['false_alarms']
        sweep = rep['false_alarms']['threshold_sweep']
        from kwsapp.detector import settings
        assert settings()['threshold'] in [r['threshold'] for r in sweep]
        assert all(0 <= r['keyword_hit_rate'] <= 1 for r in sweep)
        # detection figures come from the firmware's C (host build), and say so
        assert 'libh7kws.so' in rep['false_alarms']['code']
        assert rep['demo_host']['commands'] >= 8
        assert 'by_voice' in rep['test_engine']
        assert (out / f'{name}_confusion_voices.png').stat().st_size > 1000
    assert json.loads((out / 'report.json').read_text())['seed'] == 5
    assert '| stage |' in (out / 'report.md').read_text()
    demo = json.loads((out / 'recordings' / 'demo_commands.json').read_text())
    assert sum(w['keyword'] for w in demo['words']) >= 8
    assert not [f for f in os.listdir(out) if f.startswith('.tmp')]


def test_evaluate_command_rejects_a_corrupt_model(tmp_path):
    bad = tmp_path / 'kws.tflite'
    bad.write_bytes(b'garbage' * 10)
    (tmp_path / 'kws.json').write_text('{}')
    tools = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    run = subprocess.run([sys.executable, '-m', 'h7train', 'evaluate', str(bad)],
                         capture_output=True, text=True, cwd=tools,
                         env=dict(os.environ, PYTHONPATH=tools))
    assert run.returncode != 0
    assert run.stderr.strip().splitlines()[-1].startswith('error: ')
    assert 'Traceback' not in run.stderr
