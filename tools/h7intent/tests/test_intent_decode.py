"""The intent and wake decisions on the C decoder, fed phone posteriors made from the
phrase's own pronunciations (what a perfect phone model would give, plus noise): checks
this package's lowering, interpretation and rejection without the trained model. The
model's own accuracy is the benchmark's job (python -m h7intent.bench)."""
import json
import subprocess
import sys

import numpy as np
import pytest

from h7context.expand import sample
from h7context.parser import load
from h7intent.engine import IntentError, Intents, Wake, wake_threshold
from h7speech import g2p, phones as P
from h7voice import paths

LIGHTS = paths.TOP + '/tools/h7context/examples/lights.yml'


def posteriors(words, rng, hold=5, sil=10, boost=6.0):
    seq = ['SIL'] * sil
    for w in words:
        for ph in g2p.pronounce(w)[0][0]:
            seq += [ph] * hold
    seq += ['SIL'] * sil
    x = rng.normal(0, 1, (len(seq), P.COUNT))
    for t, ph in enumerate(seq):
        x[t, P.INDEX[ph]] += boost
    return (x - np.log(np.exp(x).sum(1, keepdims=True))).astype(np.float32)


@pytest.fixture(scope='module')
def lights():
    return Intents(LIGHTS)


def test_sampled_phrases_decode_to_their_intent_and_slots(lights):
    rng = np.random.default_rng(1)
    for p in sample(load(LIGHTS), 12, seed=3):
        got = lights.decode(posteriors(p['words'], rng))
        assert (got['intent'], got['slots']) == (p['intent'], p['slots']), p['words']


def test_out_of_context_speech_is_rejected(lights):
    rng = np.random.default_rng(2)
    for text in ('the quick brown fox jumps over the lazy dog', 'what time is it in tokyo'):
        got = lights.decode(posteriors(text.split(), rng))
        assert got['intent'] is None and got['score'] < lights.reject


def test_the_score_is_per_frame_of_speech_not_of_silence():
    """The decision's score (cmd_decide) is the path over the filler per frame of the speech
    the path claims: the same command with 10 or 60 frames of silence on each side scores
    the same (per frame of the whole file it fell by half), so how much silence a recording
    or the image's pre-roll holds does not move a command across the threshold. Speech read
    as silence still counts against the path."""
    i = Intents(LIGHTS, reject=-1e9)
    words = 'turn on the kitchen lights'.split()
    short = i.decode(posteriors(words, np.random.default_rng(4), sil=10))
    long = i.decode(posteriors(words, np.random.default_rng(4), sil=60))
    assert short['intent'] == long['intent'] == 'turnOn'
    assert abs(long['score'] - short['score']) < 0.05 * abs(short['score']), (short, long)


def test_wake_fires_once_where_the_phrase_is():
    rng = np.random.default_rng(3)
    before = posteriors('hello there'.split(), rng)
    x = np.concatenate([before, posteriors('hey computer'.split(), rng),
                        posteriors('what is the weather'.split(), rng)])
    events = Wake('hey computer').spot(x, 0.02)
    assert len(events) == 1
    assert len(before) * 0.02 < events[0]['time_s'] < len(before) * 0.02 + 2.0
    assert Wake('hey computer').spot(posteriors('what is the weather today'.split(), rng), 0.02) == []


def test_sensitivity_maps_monotonically():
    t = [wake_threshold(s) for s in (0.0, 0.25, 0.5, 0.75, 1.0)]
    assert all(a > b for a, b in zip(t, t[1:]))
    with pytest.raises(IntentError):
        wake_threshold(1.5)


@pytest.mark.parametrize('argv, message', [
    (['intent', '--context', 'nope.yml', 'x.wav'], 'nope.yml'),
    (['intent', 'x.wav'], '--context'),
    (['intent', '--context', LIGHTS, '--json', 'nope.wav'], 'nope.wav: no such file'),
    (['wake', '--phrase', 'hey computer', '--sensitivity', '2', 'nope.wav'], 'sensitivity'),
    (['wake', '--phrase', 'mp3 player', 'nope.wav'], 'mixes letters and digits'),
])
def test_bad_input_is_one_line(argv, message):
    out = subprocess.run([sys.executable, '-m', 'h7intent'] + argv, capture_output=True, text=True,
                         cwd=paths.TOP, env={'PYTHONPATH': paths.TOOLS, 'PATH': '/usr/bin:/bin'})
    assert out.returncode == 2 and message in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr


def vad_of(x, start_after=3, hangover=8):
    """VAD flags per frame from posteriors made by posteriors(): speech = not SIL."""
    speech = x.argmax(1) != P.SIL
    flags, run, quiet, inside = np.zeros(len(x), np.uint8), 0, 0, False
    for t, sp in enumerate(speech):
        run = run + 1 if sp else 0
        quiet = 0 if sp else quiet + 1
        if not inside and run >= start_after:
            inside, flags[t] = True, flags[t] | 1
        elif inside and quiet >= hangover:
            inside, flags[t] = False, flags[t] | 2
        flags[t] |= 4 if inside else 0
    return flags


def test_board_logic_wake_then_command(lights):
    """commands_listen.c on the host: the wake phrase fires, the command after it is decoded."""
    from h7intent.engine import listen
    rng = np.random.default_rng(4)
    x = np.concatenate([posteriors('hey computer'.split(), rng, sil=20),
                        posteriors('turn on the kitchen lights'.split(), rng, sil=20)])
    events = listen(lights, x, vad_of(x), wake=Wake('hey computer'))
    assert [e['event'] for e in events] == ['wake', 'intent']
    assert (events[1]['intent'], events[1]['slots']) == ('turnOn', {'location': 'kitchen'})


def test_board_logic_wake_heard_inside_its_own_speech_waits_for_the_command(lights):
    """The real VAD's speech outlasts the phrase's last phone (its energy tail, then the
    hangover), so the wake event can come while the VAD is still in the phrase. That is no
    command: the listener waits for the phrase's speech to end and decodes the next one (it
    had decoded the tail's silence and reported nothing understood, phone model v4 on the board)."""
    from h7intent.engine import listen
    rng = np.random.default_rng(4)
    x = np.concatenate([posteriors('hey computer'.split(), rng, sil=20),
                        posteriors('turn on the kitchen lights'.split(), rng, sil=20)])
    first = listen(lights, x, vad_of(x), wake=Wake('hey computer'))[0]
    flags = vad_of(x, hangover=first['frame'] - first['end'] + 4)   # still in speech at the event
    assert flags[first['frame']] & 4 and not flags[first['frame'] + 12] & 4
    events = listen(lights, x, flags, wake=Wake('hey computer'))
    assert [e['event'] for e in events] == ['wake', 'intent']
    assert (events[1]['intent'], events[1]['slots']) == ('turnOn', {'location': 'kitchen'})


def test_board_logic_command_said_without_a_pause_after_the_wake_phrase(lights):
    """No pause at all: the VAD never leaves speech, the command starts at the phrase's end."""
    from h7intent.engine import listen
    rng = np.random.default_rng(4)
    x = np.concatenate([posteriors('hey computer'.split(), rng, sil=20)[:-20],
                        posteriors('turn on the kitchen lights'.split(), rng, sil=20)[20:],
                        posteriors([], rng, sil=20)])
    flags = vad_of(x, hangover=8)
    events = listen(lights, x, flags, wake=Wake('hey computer'))
    assert [e['event'] for e in events] == ['wake', 'intent']
    assert (events[1]['intent'], events[1]['slots']) == ('turnOn', {'location': 'kitchen'})


def test_board_logic_push_to_talk(lights):
    from h7intent.engine import listen
    rng = np.random.default_rng(5)
    x = np.concatenate([posteriors('the quick brown fox jumps'.split(), rng, sil=20),
                        posteriors('set the brightness to level three'.split(), rng, sil=20)])
    events = listen(lights, x, vad_of(x))
    assert [(e['event'], e['intent']) for e in events] == [('intent', None), ('intent', 'setBrightness')]
    assert events[1]['slots'] == {'level': '3'}


def test_board_logic_second_command_frames_are_absolute(lights):
    """The wake decoder restarts after each command (its frames count from the restart): the
    second wake event and command are placed on the stream's frames, and decoded right."""
    from h7intent.engine import listen
    rng = np.random.default_rng(6)
    parts = [posteriors('hey computer'.split(), rng, sil=20),
             posteriors('turn on the kitchen lights'.split(), rng, sil=20),
             posteriors('hey computer'.split(), rng, sil=40),
             posteriors('turn off the bedroom lights'.split(), rng, sil=20)]
    x = np.concatenate(parts)
    events = listen(lights, x, vad_of(x), wake=Wake('hey computer'))
    assert [e['event'] for e in events] == ['wake', 'intent', 'wake', 'intent']
    second = len(parts[0]) + len(parts[1])
    assert second + 30 <= events[2]['start'] <= second + 50, events[2]
    assert second + 40 <= events[2]['end'] <= second + 40 + len(parts[2]), events[2]
    assert (events[3]['intent'], events[3]['slots']) == ('turnOff', {'location': 'bedroom'})


def test_wake_second_look_refuses_a_phrase_whose_phones_are_not_on_top():
    """The second look (cmd_wake_verify): a phrase said clearly keeps its ratio (every phone
    tops its segment: coverage 0); the same phrase with three phones only second best is
    marked down by coverage_weight x their deficits (more than the ratio loses)."""
    rng = np.random.default_rng(7)
    clear = np.concatenate([posteriors('hello'.split(), rng), posteriors('hey computer'.split(), rng),
                            posteriors('hello'.split(), rng)])
    w = Wake('hey computer')
    w.settings = dict(w.settings, coverage_weight=0.0)
    plain = w.events(clear, raw=True)
    w.settings = dict(w.settings, coverage_weight=4.0)
    weighted = w.events(clear, raw=True)
    best = max(plain, key=lambda e: e[3])
    assert any(e[:3] == best[:3] and abs(e[3] - best[3]) < 0.5 for e in weighted), (plain, weighted)

    seq = ['SIL'] * 10 + [ph for ph in g2p.pronounce('hey')[0][0] + g2p.pronounce('computer')[0][0]
                          for _ in range(5)] + ['SIL'] * 10
    x = rng.normal(0, 1, (len(seq), P.COUNT))
    for t, ph in enumerate(seq):
        if ph in ('K', 'P', 'T'):  # these phones are second best throughout, 1 nat below S
            x[t] *= 0.1
            x[t, P.INDEX['S']] += 7.0
        x[t, P.INDEX[ph]] += 6.0
    x = (x - np.log(np.exp(x).sum(1, keepdims=True))).astype(np.float32)
    w.settings = dict(w.settings, coverage_weight=0.0)
    r0 = max(e[3] for e in w.events(x, raw=True) if e[3] is not None)
    w.settings = dict(w.settings, coverage_weight=4.0)
    r4 = max(e[3] for e in w.events(x, raw=True) if e[3] is not None)
    assert r4 < r0 - 8.0, (r0, r4)
