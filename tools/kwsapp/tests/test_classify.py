"""h7voice classify (kwsapp.classify): one JSON line per file from the C front end and our
engine's host build; bad files one line each, the rest still classified, exit 2."""
import json
import wave

import numpy as np

from h7data.wavio import read_wav
from h7frontend.wav import write_wav
from h7voice import paths
from kwsapp import classify
from kwsapp.detector import KwsStream

MODEL = f'{paths.MODELS}/kws_default.tflite'


def test_files_folder_and_bad_files(tmp_path, capsys):
    demo = read_wav(f'{paths.MODELS}/recordings/demo_commands.wav')
    with open(f'{paths.MODELS}/recordings/demo_commands.json') as f:
        truth = json.load(f)['words']
    first = {}
    for w in truth:  # the first occurrence of each word in the real-speech demo
        first.setdefault(w['word'], w)

    def window(word, seconds):
        mid = (first[word]['start_ms'] + first[word]['end_ms']) // 2 * 16
        half = int(seconds * 8000)
        return demo[mid - half:mid + half]
    words = tmp_path / 'words'
    words.mkdir()
    write_wav(str(words / 'a_yes.wav'), window('yes', 1.0))
    write_wav(str(words / 'b_stop_long.wav'), window('stop', 1.6))
    write_wav(str(words / 'c_short.wav'), window('left', 0.45))
    (tmp_path / 'bad.wav').write_bytes(b'RIFF nonsense')
    with wave.open(str(tmp_path / 'empty.wav'), 'wb') as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
    code = classify.main(['--model', MODEL, '--json', str(tmp_path / 'bad.wav'), str(words),
                          str(tmp_path / 'empty.wav'), str(tmp_path / 'missing.wav')])
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 2
    assert [r['file'].split('/')[-1] for r in rows] == ['a_yes.wav', 'b_stop_long.wav', 'c_short.wav']
    assert rows[0]['label'] == 'yes' and rows[1]['label'] == 'stop'
    assert all(set(r) == {'file', 'label', 'score'} and 0 < r['score'] <= 1 for r in rows)
    bad = err.strip().splitlines()
    assert len(bad) == 3 and all(line.startswith('error: ') for line in bad)
    assert 'empty.wav: no audio' in err and 'missing.wav: no such file' in err


def test_same_numbers_as_the_firmware_pipeline_window():
    """The score of a 1 s window equals the engine's output the host build of the firmware
    pipeline dequantizes: both are our engine on the C front end's features."""
    c = classify.Classifier(MODEL)
    probs = c.probabilities(np.zeros(16000, np.int16))
    assert abs(float(probs.sum()) - 1.0) < 0.05
    assert KwsStream(MODEL).labels == c.labels


def test_bad_model_is_one_line(tmp_path, capsys):
    assert classify.main(['--model', str(tmp_path / 'none.tflite'), 'x.wav']) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and err.startswith('error: ')
