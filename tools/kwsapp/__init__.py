"""Host-side helpers of the keyword firmware (firmware/apps/kws): parse its console events,
score detections against a recording's ground truth, and format the demo's report.

Shared by tools/demo.py and the Robot suites in robot_tests/kws/ so both judge a run the
same way.
"""
