"""h7voice align's input checks and output formats (no phone model needed): bad input is
one line and exit 2 with nothing written; the TextGrid reads back in Praat's long format."""
import os

from h7align import __main__ as M
from h7align import formats

RESULT = {'words': [{'word': 'in', 'start_s': 0.005, 'end_s': 0.145, 'score': -0.4},
                    {'word': 'being', 'start_s': 0.145, 'end_s': 0.405, 'score': -0.2}],
          'phones': [{'phone': 'SIL', 'word': None, 'start_s': 0.0, 'end_s': 0.005, 'score': 0.0},
                     {'phone': 'IH', 'word': 'in', 'start_s': 0.005, 'end_s': 0.085, 'score': -0.3},
                     {'phone': 'N', 'word': 'in', 'start_s': 0.085, 'end_s': 0.145, 'score': -0.5},
                     {'phone': 'B', 'word': 'being', 'start_s': 0.145, 'end_s': 0.405, 'score': -0.2}]}


def _run(args, capsys):
    code = M.main(['align'] + args)
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


def test_bad_input_is_one_line_and_nothing_is_written(tmp_path, capsys):
    out = str(tmp_path / 'out.json')
    notwav = tmp_path / 'x.wav'
    notwav.write_text('not audio')
    silent = tmp_path / 'empty.wav'
    import wave
    with wave.open(str(silent), 'wb') as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
    cases = [([str(notwav), 'hello', '-o', out], 'x.wav'),
             ([str(silent), 'hello', '-o', out], 'no audio'),
             ([str(notwav), '', '-o', out], 'empty'),
             ([str(notwav), 'caf\u00e9', '-o', out], 'non-ASCII'),
             ([str(tmp_path / 'missing.wav'), 'hello', '-o', out], 'no such file'),
             ([str(notwav), str(tmp_path / 'missing.txt'), '-o', out], 'cannot read')]
    for args, part in cases:
        code, err = _run(args, capsys)
        assert code == 2 and len(err) == 1 and part in err[0], (args, err)
        assert not os.path.exists(out) and not os.path.exists(out + '.tmp')


def test_textgrid_tiers_tile_the_audio_and_read_back():
    tg = formats.to_textgrid(RESULT, 0.6)
    assert formats.read_textgrid_tier(tg, 'words') == [(0.005, 0.145, 'in'), (0.145, 0.405, 'being')]
    assert [t for _, _, t in formats.read_textgrid_tier(tg, 'phones')] == ['IH', 'N', 'B']
    assert 'xmax = 0.6' in tg and 'intervals: size = 4' in tg   # gap, in, being, tail


def test_csv_has_words_then_phones():
    rows = formats.to_csv(RESULT).splitlines()
    assert rows[0] == 'tier,label,start_s,end_s,score'
    assert rows[1] == 'word,in,0.005,0.145,-0.400' and rows[3].startswith('phone,SIL,')


def test_gop_calibration_substitutes_words_the_same_way_every_time():
    """v1: three words a sentence; v2: one word in eight (at least one)."""
    from h7align import gopcal
    text = 'the quick brown fox jumps over the lazy dog'
    for protocol, n in (('v1', 3), ('v2', 1)):
        swapped, where = gopcal.substituted(text, 'LJ000-0000', protocol)
        assert (swapped, where) == gopcal.substituted(text, 'LJ000-0000', protocol) and len(where) == n
        before, after = text.split(), swapped.split()
        assert len(after) == len(before)
        assert [k for k in range(len(before)) if before[k] != after[k]] == where
        assert all(after[k] in gopcal.SUBSTITUTES for k in where)
    long = ' '.join(['word'] * 17)
    assert len(gopcal.substituted(long, 'LJ000-0001', 'v2')[1]) == 2


def test_record_bad_phrases_are_one_line_and_nothing_is_written(tmp_path, capsys):
    """h7voice record --find: the board's core checks every phrase before any audio is read."""
    import wave
    log = str(tmp_path / 'log.json')
    audio = tmp_path / 'quiet.wav'
    with wave.open(str(audio), 'wb') as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(b'\0\0' * 16000)
    five = sum((['--find', w] for w in ('in', 'being', 'modern', 'printing', 'press')), [])
    cases = [(['--find', 'caf\u00e9'], 'non-ASCII'),
             (['--find', '   '], 'no words'),
             (five, 'at most 4 phrases'),
             (['--find', 'one two three four five six seven eight nine'], 'phrase'),
             (['--find', 'press', '--threshold', '200'], '0 to 100 nats'),
             (['--find', 'press', '--stop'], 'add --board')]
    for args, part in cases:
        code = M.main(['record', str(audio), '--json', log] + args)
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and part in err[0], (args, err)
        assert not os.path.exists(log) and not os.path.exists(log + '.tmp')


def test_phrase_search_benchmark_counts_each_occurrence_once():
    """findbench.score: a hit is right when it covers half an occurrence of its word; a second
    hit on the same occurrence, or one on nothing, is false."""
    from h7align import findbench
    words = [('printing', 1.0, 1.6), ('press', 1.6, 2.0), ('printing', 5.0, 5.5)]
    hits = [{'phrase': 'printing', 'start_s': 1.1, 'end_s': 1.5},    # right
            {'phrase': 'printing', 'start_s': 1.2, 'end_s': 1.6},    # the same occurrence again
            {'phrase': 'printing', 'start_s': 5.3, 'end_s': 5.9},    # covers 0.2 of 0.5 s: false
            {'phrase': 'printing', 'start_s': 8.0, 'end_s': 8.5}]    # nothing there
    assert findbench.queries(words) == ['printing']
    assert findbench.score(hits, words, ['printing']) == (1, 2, 3)


def test_board_stretches_place_each_capture_where_the_board_read_it():
    """record.board_stretches: stream position p of a stretch is microphone sample p + offset.
    The board reads from its clock's estimate (first_sample) up to the hop grid (audio_ms x 16),
    or starts at once when the estimate is less than 1 ms past a grid point."""
    from h7align import record
    events = [{'event': 'vad', 'type': 'speech_start', 'time_ms': 500},
              {'event': 'stop', 'audio_ms': 2000},
              {'event': 'wake', 'audio_ms': 4000, 'first_sample': 63990},    # 10 samples before the grid
              {'event': 'stop', 'audio_ms': 5000},
              {'event': 'wake', 'audio_ms': 7000, 'first_sample': 112008}]   # 8 samples past it: no skip
    truth = [0, 64003, 112011]   # the microphone sample each capture began with
    assert record.board_stretches(events, truth, 160000) == [
        (0, 32000, 0),
        (64000, 80000, 64003 + 10 - 64000),   # reads 10 samples, then the grid: sample 64013
        (112000, 160000, 112011 - 112000)]    # no skip: the grid is the capture's first sample
