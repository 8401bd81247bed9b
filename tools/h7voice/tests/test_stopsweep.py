"""Stop between words in the host build of the firmware C (libh7kws.so): with the
microphone's wake pin modelled the pipeline stops where the board stops, hears nothing until
the pin rises and still finds the words; without the pin it keeps listening; bad input to
`h7voice stop-sweep` is one line."""
import os

import numpy as np
import pytest

from h7voice import paths, stopsweep

WAV = os.path.join(paths.MODELS, 'recordings', 'demo_commands.wav')


@pytest.fixture(scope='module')
def stream_and_audio():
    from h7frontend.wav import load
    from kwsapp.detector import KwsStream
    audio = np.asarray(load(WAV).samples, dtype=np.int16)[:16000 * 8]  # "left left yes on seven"
    k = KwsStream(stopsweep.MODEL)
    yield k, audio
    k.close()


def test_the_host_stops_between_words_and_wakes_on_the_pin(stream_and_audio):
    from h7sim.periph.microphone import AAD_WINDOW, activity_windows
    k, audio = stream_and_audio
    awake, st_awake = k.run(audio)
    stopped, st = k.run(audio, wake_pin=True)
    assert st_awake['stopped_ms'] == 0 and st_awake['stop_requests'] > 0
    # in Stop for most of the pauses, and the same words, each starting at a pin edge
    assert 3000 < st['stopped_ms'] < 6000 and st['stop_requests'] >= 4
    assert [d['word'] for d in stopped] == [d['word'] for d in awake] == ['left', 'left', 'yes', 'on']
    active = activity_windows(audio)
    edges_ms = [(i + 1) * AAD_WINDOW / 16 for i in range(1, len(active)) if active[i] and not active[i - 1]]
    for d in stopped:
        assert min(abs(d['start_ms'] - e) for e in edges_ms) <= 40
    # a policy that never stops here (5 s) is the run that keeps listening
    same, st5 = k.run(audio, wake_pin=True, stop_after_ms=5000)
    assert st5['stopped_ms'] == 0 and same == awake


@pytest.mark.parametrize('args, message', [
    (['--after-ms', 'soon'], 'expected whole milliseconds'),
    (['--after-ms', '0'], 'positive'),
    (['--json', '/no/such/folder/x.json'], 'does not exist'),
])
def test_bad_input_is_one_line(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        stopsweep.main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count('\n') == 1
