"""The firmware's keyword pipeline on the host (kwsapp.detector over libh7kws.so): the
settings come from C, a detection is the firmware's event, thresholds sweep without
re-running the model, bad models are refused in one line."""
import numpy as np
import pytest

from h7data.wavio import read_wav
from h7voice import paths
from kwsapp import detector, score, truth

MODEL = f'{paths.MODELS}/kws_default.tflite'
DEMO = f'{paths.MODELS}/recordings/demo_commands'


@pytest.fixture(scope='module')
def stream():
    return detector.KwsStream(MODEL)


def test_settings_are_the_firmwares():
    s = detector.settings()
    # kws_config.h and kws_detector_default_config: if these change, the report must be re-run
    assert (s['model_hop_ms'], s['vad_hangover_frames'], s['smooth_count']) == (60, 8, 3)
    assert 0.5 <= s['threshold'] <= 1.0


def test_demo_recording_detections(stream):
    audio = read_wav(DEMO + '.wav')
    dets, stats = stream.run(audio)
    assert stats['hops'] == len(audio) // 320 and stats['model_failures'] == 0
    assert stats['inferences'] > 0 and stats['skipped_inferences'] == 0
    assert len(dets) == stats['detections'] > 0
    for d in dets:
        assert d['start_ms'] < d['end_ms'] <= d['decided_ms']
        assert d['score'] >= detector.settings()['threshold']
        assert d['word'] in stream.labels[2:]
    result = score.score(dets, truth.load_truth(DEMO + '.json'), 200.0,
                         {'yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go'})
    assert result['exactly_once'] >= 5  # the shipped model finds most of them


def test_threshold_sweep_reuses_the_model_outputs(stream):
    audio = read_wav(DEMO + '.wav')
    # the high threshold first: with the early decision (kws_config.h) a lower one decides
    # sooner, so its runs are a subset of these
    high, first = stream.run(audio, threshold=0.99)
    low, again = stream.run(audio, threshold=0.3)
    assert again['model_evaluations'] == 0 and again['inferences'] > 0
    assert len(high) <= len(low)
    silence, st = stream.run(np.zeros(16000 * 3, np.int16))
    assert silence == [] and st['model_evaluations'] == st['inferences'] == 0


def test_bad_model_and_audio_one_line(tmp_path, stream):
    bad = tmp_path / 'bad.tflite'
    bad.write_bytes(b'not a model')
    with pytest.raises(detector.DetectorError, match='metadata is missing'):
        detector.KwsStream(str(bad))
    (tmp_path / 'bad.json').write_text('{"labels": ["a"], "frontend": {"name": "kws_stream"}}')
    with pytest.raises(detector.DetectorError, match='refused as the firmware would'):
        detector.KwsStream(str(bad))
    with pytest.raises(detector.DetectorError, match='int16'):
        stream.run(np.zeros(100, np.float32))
