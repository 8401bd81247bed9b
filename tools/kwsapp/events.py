"""Console events of the firmware: one JSON object per line, starting with '{' and holding
"event" (the shared console contract). Human log lines are kept apart."""
import json


def parse_console(text):
    """Splits console text into (events, log_lines). Lines that look like JSON but do not
    parse are kept as log lines (a truncated last line must not break a report)."""
    events, logs = [], []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith('{'):
            try:
                obj = json.loads(line)
            except ValueError:
                logs.append(raw)
                continue
            if isinstance(obj, dict) and 'event' in obj:
                events.append(obj)
                continue
        if line:
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
