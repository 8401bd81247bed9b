"""PhoneModel: the firmware's C (libh7phones.so) on the shipped model: the scores training
measures with (h7phones.export.EngineModel, same front end and engine) bit for bit, and the
recognizer's segments equal h7dec's through tools/h7speech/decoder.py on those scores."""
import numpy as np
import pytest

from h7phones import acoustic, dataset
from h7speech import decoder, phones


@pytest.fixture(scope='module')
def model():
    return acoustic.PhoneModel()


@pytest.fixture(scope='module')
def clip():
    items = [it for it in dataset.real_items('speech_commands_dev', split='eval', transcribed=True) if it['text']]
    return dataset.read_audio(sorted(items, key=lambda i: i['file'])[0]['file'])


def test_scores_are_every_frame_and_equal_the_training_side_engine(model, clip):
    from h7frontend import frontend
    from h7phones import export
    logp = model.scores(clip)
    feats = frontend.features(clip, model.record['frontend_config'])
    assert logp.shape == (len(feats), phones.COUNT) == (model.frames_for(len(clip)), phones.COUNT)
    assert np.isfinite(logp).all()
    if model.record['output'] == 'log_softmax':   # the training side dequantizes, as the C does
        ref = export.EngineModel(open(model.path, 'rb').read()).frame_scores(feats)
        assert np.array_equal(logp, ref)


def test_streamed_first_layer_gives_the_full_windows_scores(clip):
    """The images run the model hop by hop with its stride-2 first layer streamed, one engine
    stream per parity of the run (phones_model_run); every score equals the full-window run's
    (the first layer's rows reused are the same arithmetic on the same frames)."""
    m = acoustic.PhoneModel()
    items = [it for it in dataset.real_items('transcribed_misc', transcribed=True) if it['text']]
    long_clip = dataset.read_audio(sorted(items, key=lambda i: i['file'])[0]['file'])
    assert m.set_streaming(True)   # the engine streams the shipped model at a 2-frame hop
    for audio in (clip, long_clip):
        streamed = m.run(audio)
        before = m.model_runs()
        m.set_streaming(False)
        full = m.run(audio)
        after = m.model_runs()
        m.set_streaming(True)
        assert after[0] == before[0]   # the second pass ran full windows only
        for a, b in zip(streamed, full):
            assert np.array_equal(a, b)
    streamed_runs, full_runs = before
    assert streamed_runs > 10 * 2 and full_runs >= 2   # two parities primed per clip, the rest streamed
    m.close()


def test_recognizer_segments_equal_h7dec_through_the_python_binding(model, clip):
    segs = model.recognize(clip)
    sc = decoder.scores(model.scores(clip))
    if model.ctc:
        ref = [p for p, _t in decoder.ctc_greedy(sc)]
        assert [s['phone'] for s in segs] == ref
    else:
        d = decoder.Decoder(model.graph, decoder.ALIGN, ctc=0)
        out = d.step(sc)
        _, rest = d.best()
        ref = [(s['phone'], s['start'], s['end']) for s in out + rest if s['phone']]
        assert [(s['phone'], s['start'], s['end']) for s in segs] == ref
    assert segs and segs[-1]['end'] == len(sc)


def test_a_graph_for_another_phone_set_is_refused_by_the_host_library_naming_both(model):
    with pytest.raises(acoustic.Refused) as e:
        acoustic.PhoneModel(model.path, graph=acoustic.foreign_graph())
    assert acoustic.FOREIGN_PHONESET in str(e.value) and phones.NAME in str(e.value)
