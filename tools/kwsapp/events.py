"""Console events of the firmware: the one reader is tools/h7voice/events.py (the event
contract and the list of every event are documented there); kwsapp keeps these names."""
from h7voice.events import detections, last, of_kind, parse_console, parse_line  # noqa: F401
