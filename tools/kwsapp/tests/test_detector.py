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


def test_the_early_decision_can_be_turned_off_to_measure_it(stream):
    """early=False: every word is decided after the VAD's hangover (160 ms of quiet after the
    last speech frame) and the settle time; the firmware's setting (early decision on) decides
    confident words sooner. The setting holds for that run only."""
    audio = read_wav(DEMO + '.wav')
    s = detector.settings()
    hangover_ms = s['vad_hangover_frames'] * 20
    late, _ = stream.run(audio, early=False)
    assert late and all(d['decided_ms'] - d['end_ms'] >= hangover_ms for d in late)
    soon, _ = stream.run(audio)
    assert any(d['decided_ms'] - d['end_ms'] < hangover_ms for d in soon)
    assert stream.run(audio)[0] == soon


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


def test_a_streamable_model_streams_and_decides_as_with_full_windows():
    """models/kws_stream.tflite streams (kws_stream.h decides, as on the board): most runs
    of the demo recording are hops computed from the model's state, and the same schedule
    with every run a full window (h7nn_invoke) gives the same detections, scores and times:
    streaming changes no output. kws_default cannot stream: no streamed run."""
    audio = read_wav(DEMO + '.wav')
    ks = detector.KwsStream(f'{paths.MODELS}/kws_stream.tflite')
    assert ks.stream_frames == 2  # its stride-2 first convolution refuses a 1-frame hop
    dets, st = ks.run(audio)
    assert st['stream_frames'] == 2 and st['model_failures'] == 0 and dets
    assert 0 < st['streamed_runs'] < st['model_runs'] == st['model_evaluations']
    full, sf = ks.run(audio, stream='schedule')
    assert full == dets and sf['model_runs'] == st['model_runs'] and sf['model_evaluations'] == st['model_runs']
    # full windows with the schedule of a model that cannot stream (console 'f'): no hop
    _, off = ks.run(audio, stream=False)
    assert off['stream_frames'] == off['streamed_runs'] == 0 and off['model_runs'] > 0
    # a threshold sweep served from the cache leaves the state behind: the next run that
    # computes is a full window, and still decides the same
    ks.run(audio, threshold=0.3)  # (a new mode: the cache starts empty) decides sooner: fewer runs
    again, sa = ks.run(audio)
    assert 0 < sa['model_evaluations'] < sa['model_runs']
    assert again == dets and sa['streamed_runs'] == st['streamed_runs']
    with pytest.raises(detector.DetectorError, match='stream='):
        ks.run(audio, stream='yes')
    default = detector.KwsStream(MODEL)
    assert default.stream_frames == 0
    _, sd = default.run(audio)
    assert sd['stream_frames'] == sd['streamed_runs'] == 0 and sd['model_runs'] > 0
