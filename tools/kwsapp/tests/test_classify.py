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
    words = tmp_path / 'words'
    words.mkdir()
    write_wav(str(words / 'a_yes.wav'), demo[int(0.3 * 16000):int(1.3 * 16000)])   # "yes"
    write_wav(str(words / 'b_stop_long.wav'), demo[int(4.0 * 16000):int(5.6 * 16000)])  # 1.6 s
    write_wav(str(words / 'c_short.wav'), demo[int(0.55 * 16000):int(1.0 * 16000)])
    (tmp_path / 'bad.wav').write_bytes(b'RIFF nonsense')
    with wave.open(str(tmp_path / 'stereo.wav'), 'wb') as w:
        w.setnchannels(2), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(np.zeros(3200, np.int16).tobytes())
    code = classify.main(['--model', MODEL, '--json', str(tmp_path / 'bad.wav'), str(words),
                          str(tmp_path / 'stereo.wav'), str(tmp_path / 'missing.wav')])
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 2
    assert [r['file'].split('/')[-1] for r in rows] == ['a_yes.wav', 'b_stop_long.wav', 'c_short.wav']
    assert rows[0]['label'] == 'yes' and rows[1]['label'] == 'stop'
    assert all(set(r) == {'file', 'label', 'score'} and 0 < r['score'] <= 1 for r in rows)
    bad = err.strip().splitlines()
    assert len(bad) == 3 and all(line.startswith('error: ') for line in bad)
    assert 'stereo.wav: 2 channels' in err and 'missing.wav: no such file' in err


def test_same_numbers_as_the_firmware_pipeline_window():
    """The score of a 1 s window equals the engine's output the host build of the firmware
    pipeline dequantizes: both are our engine on the C front end's features."""
    c = classify.Classifier(MODEL)
    probs = c.probabilities(np.zeros(16000, np.int16))
    assert c.labels[int(np.argmax(probs))] == 'silence'
    assert abs(float(probs.sum()) - 1.0) < 0.05
    assert KwsStream(MODEL).labels == c.labels


def test_bad_model_is_one_line(tmp_path, capsys):
    assert classify.main(['--model', str(tmp_path / 'none.tflite'), 'x.wav']) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and err.startswith('error: ')
