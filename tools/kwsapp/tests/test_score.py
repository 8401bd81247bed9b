import json

import pytest

from h7voice import events
from kwsapp import score, truth

TRUTH = [
    {'word': 'on', 'start_ms': 1000, 'end_ms': 1400},
    {'word': 'off', 'start_ms': 3000, 'end_ms': 3450},
    {'word': 'banana', 'start_ms': 5000, 'end_ms': 5500},
]
KEYWORDS = {'on', 'off', 'up', 'down'}


def det(word, start, end):
    return {'event': 'kws', 'word': word, 'start_ms': start, 'end_ms': end}


def test_each_command_once_within_tolerance_is_ok():
    r = score.score([det('on', 1050, 1380), det('off', 2850, 3600)], TRUTH, 200, KEYWORDS)
    assert r['ok'] and r['exactly_once'] == 2 and r['commands'] == 2


def test_missed_duplicate_wrong_and_false_alarm_are_reported():
    r = score.score([det('on', 1000, 1400), det('on', 1100, 1400), det('up', 3000, 3400),
                     det('down', 8000, 8300), det('off', 5100, 5400)], TRUTH, 200, KEYWORDS)
    assert not r['ok']
    assert r['duplicates'] == 1
    assert [w['word'] for w in r['missed']] == ['off']
    assert len(r['wrong_word']) == 1 and len(r['false_alarms']) == 1
    assert len(r['non_keyword_hits']) == 1
    assert len(score.describe_failures(r)) == 5


def test_outside_tolerance_is_not_a_match():
    r = score.score([det('on', 1000, 1650)], TRUTH[:1], 200, KEYWORDS)
    assert not r['ok'] and r['wrong_word']


def test_console_parsing_keeps_logs_and_skips_broken_lines():
    text = 'h7voice kws 0.1.0 (x)\n{"event":"boot","app":"kws"}\n{"event":"kws","word":"on"\n' \
           '{"not_event":1}\n{"event":"kws","word":"on","start_ms":1,"end_ms":2}\n'
    evs, logs = events.parse_console(text)
    assert [e['event'] for e in evs] == ['boot', 'kws']
    assert len(logs) == 3
    assert events.detections(evs)[0]['word'] == 'on'


def test_truth_formats(tmp_path):
    p = tmp_path / 't.json'
    p.write_text(json.dumps({'words': [{'word': 'up', 'start': 1.5, 'end': 2.0},
                                       {'word': 'on', 'start_ms': 100, 'end_ms': 400}]}))
    words = truth.load_truth(str(p))
    assert [w['word'] for w in words] == ['on', 'up'] and words[1]['start_ms'] == 1500
    p.write_text('{"words": [{"word": "up"}]}')
    with pytest.raises(truth.TruthError, match='start_ms'):
        truth.load_truth(str(p))
    with pytest.raises(truth.TruthError, match='not found'):
        truth.load_truth(str(tmp_path / 'missing.json'))


def test_report_tables_mark_detections():
    from kwsapp import report
    dets = [det('on', 1000, 1400), det('up', 8000, 8300)]
    dets[0].update(score=0.9, latency_ms=250, action='light on', decided_ms=1650)
    r = score.score(dets, TRUTH, 200, KEYWORDS)
    table = report.detection_table(dets, r)
    assert 'light on' in table[1] and table[1].rstrip().endswith('ok')
    assert table[2].rstrip().endswith('WRONG')
    assert 'MISSED' in report.truth_table(r)[1]
    assert '1/2 commands' in report.score_line(r)
    lines = report.load_lines({'opp': [{'mhz': 64, 'busy_cycles': 2e6, 'frames': 50,
                                        'frame_cycles_max': 48000, 'frame_load_max': 0.0375,
                                        'inferences': 0, 'inference_cycles_max': 0},
                                       {'mhz': 480, 'busy_cycles': 5e6, 'frames': 0,
                                        'inferences': 1, 'inference_cycles_max': 4.8e6}]})
    assert '64 MHz' in lines[0] and '3.8 % of a hop' in lines[0] and 'model' not in lines[0]
    assert '10.0 ms' in lines[1]


def test_sim_load_adds_voltage_variants_of_one_frequency():
    from kwsapp import report
    summary = {'per_operating_point': {
        '64MHz/VOS3': {'run': 1.0, 'sleep': 9.0, 'stop': 0.0, 'instructions': 64},
        '64MHz/VOS1': {'run': 0.5, 'sleep': 0.0, 'stop': 0.0, 'instructions': 32},
        '480MHz/VOS0': {'run': 2.0, 'sleep': 0.0, 'stop': 0.0, 'instructions': 960}}}
    loads = report.sim_load(summary)
    assert loads[64] == (1.5, 9.0, 0.0, 96) and loads[480][0] == 2.0
    lines = report.sim_load_lines(summary)
    assert 'load  14.3 %' in lines[0] and 'load 100.0 %' in lines[1]


def test_energy_lines_cost_per_second_and_per_command():
    from kwsapp import report
    rows = [{'mode': 'sleep', 'cpu_mhz': 64, 'vos': 'VOS3', 'seconds': 9.0, 'table_key': 'sleep/64/VOS3',
             'mA': 10.0, 'source': 'test', 'joules': 0.297},
            {'mode': 'run', 'cpu_mhz': 480, 'vos': 'VOS0', 'seconds': 1.0, 'table_key': 'run/480/VOS0',
             'mA': 100.0, 'source': 'test', 'joules': 0.33}]
    summary = {'energy': {'rows': rows, 'joules_costed': 0.627, 'seconds_not_costed': 0.0}}
    lines = report.energy_lines(summary, 3, 10.0)
    assert '627.00 mJ' in lines[0] and '62.700 mJ per second' in lines[0]
    assert '110.000 mJ' in lines[1]
    rows[1]['joules'] = None
    summary['energy']['seconds_not_costed'] = 1.0
    assert 'run/480/VOS0' in report.energy_lines(summary, 3, 10.0)[0]


def test_command_energy_is_taken_where_the_firmware_ran_the_model():
    """A streamed model runs at 64 MHz while the boot's LSI measurement runs 16 ms at 120 MHz:
    the firmware's per-point run counts (kws_stats) say where the model ran, not the highest
    point (which gave 0.064 mJ a command for 91 mJ of runs)."""
    from kwsapp import report
    rows = [{'mode': 'run', 'cpu_mhz': 16, 'vos': 'VOS3', 'seconds': 4.0, 'joules': 0.158},
            {'mode': 'run', 'cpu_mhz': 64, 'vos': 'VOS3', 'seconds': 1.7, 'joules': 0.096},
            {'mode': 'run', 'cpu_mhz': 120, 'vos': 'VOS3', 'seconds': 0.001, 'joules': 0.0001},
            {'mode': 'stop', 'cpu_mhz': 64, 'vos': 'SVOS5', 'seconds': 35.0, 'joules': 0.147}]
    stats = {'opp': [{'mhz': 16, 'frames': 1376}, {'mhz': 64, 'inferences': 210}]}
    assert report.model_run_energy(rows, stats) == (0.096, [64.0])
    assert report.model_run_energy(rows, None) == (0.0001, [120.0])   # without the counters: the highest point
    summary = {'energy': {'rows': [dict(r, mA=1.0, source='test', table_key='k') for r in rows],
                          'joules_costed': 0.4011, 'seconds_not_costed': 0.0}}
    assert any('model runs at 64 MHz / commands): 3.692 mJ' in line
               for line in report.energy_lines(summary, 26, 63.0, stats))
