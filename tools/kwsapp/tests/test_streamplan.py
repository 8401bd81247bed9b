"""The build's stream plan (kwsapp.streamplan, the board's kws_stream_plan on the host engine):
the hop and the states' bytes the image's buffer gets, checked against the engine's own
streaming (h7nn.stream) of the same model."""
import json

from h7nn import stream as h7stream
from h7nn.embed import record_of
from h7voice import paths
from kwsapp import streamplan

FRONTEND = f'{paths.TOP}/firmware/frontend/configs/%s.json'


def _frontend(model):
    """The front end the model's metadata names (as SConscript.firmware reads it)."""
    with open(FRONTEND % record_of(model)[2]) as f:
        return json.load(f)


def test_a_model_that_cannot_stream_gets_no_buffer():
    # kws_default's 'same' padding reads future frames: the engine refuses every hop
    model = f'{paths.MODELS}/kws_default.tflite'
    assert streamplan.plan(model, _frontend(model)) == (0, 0)


def test_kws_stream_gets_one_state_per_phase_of_its_hop():
    model = f'{paths.MODELS}/kws_stream.tflite'
    hop, total = streamplan.plan(model, _frontend(model))
    with open(model, 'rb') as f:
        data = f.read()
    # its stride-2 first convolution refuses a 1-frame hop: 2 frames (40 ms), two phases
    assert h7stream.refusal(data, 1) is not None and hop == 2
    one = h7stream.Stream(data, hop).state_bytes
    assert total == hop * ((one + 7) // 8 * 8) == 10368  # 2 x 5,184 B (39,168 before the kept rows)


def test_header_names_both_kernel_builds():
    text = streamplan.header(f'{paths.MODELS}/kws_stream.tflite', FRONTEND % 'kws_stream',
                             streamplan.PLAN_LIBRARY)
    assert text.count('#define KWS_MODEL_STREAM_STATE_BYTES 10368u') == 2
    assert '#ifdef H7NN_REFERENCE_KERNELS' in text
