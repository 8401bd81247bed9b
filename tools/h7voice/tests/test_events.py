"""The one reader of console events (h7voice.events): parsing rules, and every event name
a firmware writer emits is listed and documented there."""
import glob
import re

from h7voice import events, paths


def test_events_and_log_lines_apart():
    text = ('h7voice kws 0.1.0 (model kws_default)\n'
            '{"event":"kws","word":"on","score":0.9,"start_ms":1,"end_ms":2}\n'
            '{"event":"kws_stats","opp":[{"mhz":64}],"mode_ms":{"listen":5}}\n'
            '{"event":"kws","word":"of\n'          # cut by a reset: a log line
            '{"no_event":1}\n'
            '   \n')
    evs, logs = events.parse_console(text)
    assert [e['event'] for e in evs] == ['kws', 'kws_stats']
    assert evs[1]['opp'][0]['mhz'] == 64
    assert len(logs) == 3 and logs[0].startswith('h7voice')
    assert events.detections(evs)[0]['word'] == 'on'
    assert events.last(evs, 'kws_stats')['mode_ms'] == {'listen': 5}
    assert events.last(evs, 'boot') is None
    assert events.parse_console(text.splitlines())[0] == evs
    assert events.parse_line('{"event": 5}') is None


def _written_names():
    names = set()
    for path in glob.glob(f'{paths.FIRMWARE}/**/*.c', recursive=True):
        if '/tests/' in path or '/third_party/' in path:
            continue
        text = open(path, encoding='utf-8', errors='replace').read()
        names |= set(re.findall(r'h7_json_begin\([^;]*?"([a-z_0-9]+)"\s*\)', text))
        names |= set(re.findall(r'\\"event\\":\\"([a-z_0-9]+)', text))
    return names


def test_every_written_event_is_documented():
    written = _written_names()
    assert {'kws', 'kws_stats', 'boot', 'fault'} <= written
    assert written <= events.NAMES, f'undocumented events: {sorted(written - events.NAMES)}'
    doc = events.__doc__
    assert all(re.search(rf'\b{n}\b', doc) for n in events.NAMES)
