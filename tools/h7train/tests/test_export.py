"""int8 export, the TFLM cross-check, arena measurement and bad model files."""
import json

import numpy as np
import pytest

from h7train import models as M
from h7train.export import (Int8Model, ModelFileError, load_metadata, measure_arena,
                            to_int8_tflite)


@pytest.fixture(scope='module')
def tflite_bytes():
    model = M.ds_cnn(width=8, blocks=2)
    cal = np.random.default_rng(0).standard_normal((16, 49, 10)).astype(np.float32) * 4
    return to_int8_tflite(model, cal)


def test_int8_model_runs_and_matches_tflm(tflite_bytes):
    net = Int8Model(tflite_bytes)
    assert net.input_shape == (1, 49, 10) and net.output_shape == (1, 12)
    assert net.output_scale == pytest.approx(1 / 256) and net.output_zero_point == -128
    x = np.random.default_rng(2).standard_normal((6, 49, 10)).astype(np.float32) * 4
    p = net.predict(x)
    assert np.allclose(p.sum(axis=1), 1.0, atol=0.05)
    top1, lsb, _ = net.tflm_agreement(x)
    assert top1 == 1.0 and lsb <= 1
    assert 1000 < measure_arena(tflite_bytes) < 64 * 1024


def test_corrupt_and_missing_models_are_clear_errors(tmp_path, tflite_bytes):
    with pytest.raises(ModelFileError, match='cannot read'):
        Int8Model(str(tmp_path / 'none.tflite'))
    bad = tmp_path / 'bad.tflite'
    bad.write_bytes(b'\0' * 100)
    with pytest.raises(ModelFileError, match='not a TFLite model'):
        Int8Model(str(bad))
    cut = tmp_path / 'cut.tflite'
    cut.write_bytes(tflite_bytes[:len(tflite_bytes) // 3])
    with pytest.raises(ModelFileError):
        Int8Model(str(cut))
    meta = tmp_path / 'm.json'
    meta.write_text('{"format": "h7voice-model/1"}')
    with pytest.raises(ModelFileError, match='lacks "labels"'):
        load_metadata(str(meta))
    meta.write_text('{nope')
    with pytest.raises(ModelFileError, match='not valid JSON'):
        load_metadata(str(meta))


def test_metadata_labels_outside_vocabulary(tmp_path, tflite_bytes):
    from h7train.evaluate import Model
    (tmp_path / 'm.tflite').write_bytes(tflite_bytes)
    import h7frontend
    meta = {'format': 'h7voice-model/1', 'labels': ['silence', 'unknown', 'banana'] + ['yes'] * 9,
            'frontend': h7frontend.load_config('kws_stream').to_metadata(),
            'input': {}, 'output': {}}
    (tmp_path / 'm.json').write_text(json.dumps(meta))
    with pytest.raises(ValueError, match='outside the vocabulary: banana'):
        Model(str(tmp_path / 'm.tflite'))


def test_constant_bytes_counts_every_constant_tensor(tflite_bytes):
    from h7nn.tflite import Model
    from h7train.export import constant_bytes
    c = constant_bytes(tflite_bytes)
    m = Model(tflite_bytes)
    kernels = [t for t in m.tensors if t['constant'] and t['type'] == 9]   # int8
    biases = [t for t in m.tensors if t['constant'] and t['type'] == 2]    # int32
    assert c['constant_tensor_bytes'] == (sum(int(np.prod(t['shape'])) for t in kernels)
                                          + 4 * sum(int(np.prod(t['shape']) or 1) for t in biases))
    assert 0 < c['quantization_bytes'] < len(tflite_bytes)


def test_shipped_tiny_model_fits_its_8_kb_weight_budget():
    """Issue 14: the always-on model keeps <= 8 KB of weights (constant tensors, counted
    from the .tflite itself), and its record says the same number."""
    from h7train.export import constant_bytes
    from h7voice import paths
    import os
    path = os.path.join(paths.MODELS, 'kws_tiny.tflite')
    with open(path, 'rb') as f:
        c = constant_bytes(f.read())
    assert c['constant_tensor_bytes'] <= 8 * 1024
    meta = load_metadata(os.path.join(paths.MODELS, 'kws_tiny.json'))
    assert meta['model']['constant_tensor_bytes'] == c['constant_tensor_bytes']
