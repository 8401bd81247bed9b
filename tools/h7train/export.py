"""int8 TFLite export (post-training quantization with a calibration set), TFLM checks and
the model metadata JSON written beside every .tflite.

Metadata (models/<name>.json, format "h7voice-model/1"): labels, the front-end
configuration the features come from, input/output shape, scale and zero point, the TFLM
arena size measured with the tflite_micro host runtime, size/MAC figures and how the model
was trained. The firmware build and every tool read it, so they cannot disagree.
"""
import hashlib
import json
import os

import numpy as np

from h7data.wavio import atomic_write_bytes, atomic_write_text
from h7nn.convert import int8_tflite



def _tf():
    """TensorFlow and Keras, imported when a function needs them (seconds): evaluation and
    the metadata checks run without them."""
    from .train import keras, limit_threads, tf
    return tf, keras, limit_threads

FORMAT = 'h7voice-model/1'


class ModelFileError(ValueError):
    """A .tflite or metadata file that cannot be used (the message says why)."""


def with_softmax(model):
    """The deployed graph ends in a softmax, so the int8 output is a probability."""
    _, keras, _ = _tf()
    outputs = keras.layers.Softmax(name='probabilities')(model.output)
    return keras.Model(model.input, outputs, name=model.name)


def to_int8_tflite(model, calibration, add_softmax=True):
    """Full-integer int8 model (int8 input and output) from a float Keras model.

    calibration: float32 features [n, frames, coeffs]; a few hundred windows of every
    class set the activation ranges (post-training quantization)."""
    _, _, limit_threads = _tf()
    limit_threads()
    deployed = with_softmax(model) if add_softmax else model
    calibration = np.asarray(calibration, np.float32)

    def representative():
        for i in range(len(calibration)):
            yield [calibration[i:i + 1]]

    return int8_tflite(deployed, representative)


class Int8Io:
    """What every int8 model of ours shares, whichever engine runs it (Int8Model: TFLite's
    kernels; evaluate.Model: our engine): the input quantization, dequantized outputs and the
    agreement with TFLM. A subclass sets data, path, input/output shape, scale and zero
    point, and predict_int8()."""

    def quantize(self, features):
        import h7frontend
        return h7frontend.quantize(np.asarray(features, np.float32), self.input_scale,
                                   self.input_zero_point)

    def predict(self, features):
        """Dequantized probabilities [n, classes]."""
        q = self.predict_int8(features).astype(np.float32)
        return (q - self.output_zero_point) * self.output_scale

    def tflm_agreement(self, features):
        """Runs features through TFLM's kernels; returns (top-1 agreement, largest output
        difference in LSB, fraction of outputs that differ)."""
        from tflite_micro.python.tflite_micro import runtime
        try:
            interp = runtime.Interpreter.from_bytes(self.data, arena_size=512 * 1024)
        except Exception as err:
            raise ModelFileError(f'{self.path}: TFLM cannot load the model ({err})') from None
        q = self.quantize(features)
        ref = np.empty((len(q), self.output_shape[-1]), np.int8)
        for i in range(len(q)):
            interp.set_input(q[i].reshape(self.input_shape), 0)
            interp.invoke()
            ref[i] = interp.get_output(0).reshape(-1)
        ours = self.predict_int8(features)
        diff = np.abs(ref.astype(int) - ours.astype(int))
        return (float(np.mean(np.argmax(ref, 1) == np.argmax(ours, 1))), int(diff.max()),
                float(np.mean(diff > 0)))


class Int8Model(Int8Io):
    """An int8 .tflite model. Bulk predictions use TFLite's built-in int8 kernels without
    delegates (0.2 ms per look; XNNPACK is not used because it rounds differently);
    tflm_agreement() runs the same inputs through TFLM's own kernels (the tflite_micro
    host runtime, the reference the on-chip interpreter must match, ~18 ms per look) and
    reports how often the two agree."""

    def __init__(self, data):
        if isinstance(data, (str, os.PathLike)):
            path = str(data)
            try:
                with open(path, 'rb') as f:
                    data = f.read()
            except OSError as err:
                raise ModelFileError(f'{path}: cannot read ({err.strerror})') from None
        else:
            path = '<bytes>'
        check_tflite(data, path)
        self.data, self.path = bytes(data), path
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            try:
                tf, _, _ = _tf()
                self._interp = tf.lite.Interpreter(
                    model_content=self.data,
                    experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
                self._interp.allocate_tensors()
            except (ValueError, RuntimeError) as err:
                raise ModelFileError(f'{path}: TFLite cannot load the model ({err})') from None
        inp = self._interp.get_input_details()[0]
        out = self._interp.get_output_details()[0]
        if inp['dtype'] != np.int8 or out['dtype'] != np.int8:
            raise ModelFileError(f'{path}: input/output must be int8 '
                                 f'(got {inp["dtype"].__name__}/{out["dtype"].__name__})')
        self._in, self._out = inp['index'], out['index']
        self.input_shape = tuple(int(d) for d in inp['shape'])
        self.input_scale, self.input_zero_point = float(inp['quantization'][0]), int(inp['quantization'][1])
        self.output_shape = tuple(int(d) for d in out['shape'])
        self.output_scale, self.output_zero_point = float(out['quantization'][0]), int(out['quantization'][1])

    def predict_int8(self, features):
        """features float32 [n, frames, coeffs] -> int8 outputs [n, classes]."""
        q = self.quantize(features)
        out = np.empty((len(q), self.output_shape[-1]), np.int8)
        for i in range(len(q)):
            self._interp.set_tensor(self._in, q[i].reshape(self.input_shape))
            self._interp.invoke()
            out[i] = self._interp.get_tensor(self._out).reshape(-1)
        return out


def check_tflite(data, where='<bytes>'):
    """Raises ModelFileError unless data looks like a TFLite flatbuffer."""
    if len(data) < 16:
        raise ModelFileError(f'{where}: {len(data)} bytes, too short to be a .tflite model')
    if data[4:8] != b'TFL3':
        raise ModelFileError(f'{where}: not a TFLite model (no TFL3 identifier at byte 4); '
                             f'the file is corrupt or of another format')


def measure_arena(data, low=1024, high=512 * 1024):
    """Smallest TFLM arena (bytes, 16-byte steps) with which the model allocates and runs,
    found by bisection with the tflite_micro host runtime. The bisection runs in a child
    process: TFLM crashes (SIGSEGV) instead of failing on some arenas that are too small
    (models.ds_tcn at 6,000 B: a tail allocation after a failed prepare); the arena it died
    on counts as one that does not fit and the bisection goes on in a new child."""
    import subprocess
    import sys
    import tempfile
    with tempfile.NamedTemporaryFile(suffix='.tflite') as f:
        f.write(bytes(data))
        f.flush()
        first = True
        while True:
            # TFLM prints allocation failures on stderr: expected while bisecting, hidden.
            proc = subprocess.run([sys.executable, '-c', _ARENA_BISECT, f.name, str(low), str(high),
                                   '1' if first else '0'], capture_output=True, text=True)
            lines = proc.stdout.split()
            if proc.returncode == 0 and lines and lines[-1].startswith('arena='):
                return int(lines[-1][len('arena='):])
            if proc.returncode == 3:
                raise ModelFileError(f'model does not fit a {high}-byte TFLM arena')
            tried = [ln for ln in lines if ln.startswith('try=')]
            if proc.returncode > 0 or not tried:
                raise ModelFileError(f'TFLM arena probe failed (exit {proc.returncode}): '
                                     f'{proc.stderr.strip()[-200:]}')
            crashed = int(tried[-1][len('try='):])
            for ln in lines:   # the probes that finished before the crash
                if ln.startswith('fit='):
                    size, ok = map(int, ln[len('fit='):].split(','))
                    if ok:
                        high = size
                    else:
                        low = size
            if first and crashed == high:
                raise ModelFileError(f'TFLM crashes on the model with a {high}-byte arena')
            low, first = max(low, crashed), False


# the child of measure_arena: prints try=SIZE before each probe, fit=SIZE,0|1 after it
_ARENA_BISECT = """import sys
from tflite_micro.python.tflite_micro import runtime
data = open(sys.argv[1], 'rb').read()
low, high, check_high = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == '1'

def fits(size):
    print('try=%d' % size, flush=True)
    try:
        interp = runtime.Interpreter.from_bytes(data, arena_size=size)
        interp.invoke()
        ok = True
    except Exception:
        ok = False
    print('fit=%d,%d' % (size, ok), flush=True)
    return ok

if check_high and not fits(high):
    sys.exit(3)
while high - low > 16:
    mid = (low + high) // 2 // 16 * 16
    if fits(mid):
        high = mid
    else:
        low = mid
print('arena=%d' % high)
"""


def constant_bytes(tflite_bytes):
    """Bytes of the model's constant tensors as stored in the .tflite (int8 kernels, int32
    biases, the few int32 shape constants): the weights a board keeps in flash. The
    per-channel quantization parameters (float32 scale + int64 zero point per channel) and
    the flatbuffer's names/structure are counted apart (quantization_bytes, file size)."""
    from h7nn.tflite import Model
    m = Model(tflite_bytes)
    const = [t for t in m.tensors if t['constant']]
    return {'constant_tensor_bytes': sum(len(t['data']) for t in const),
            'quantization_bytes': sum(4 * len(t['scales']) + 8 * len(t['zero_points'])
                                      for t in m.tensors)}


def metadata(name, tflite_bytes, model, labels, frontend_config, training, extra=None):
    from .models import macs, parameters, weight_bytes_int8
    m = Int8Model(tflite_bytes)
    meta = {
        'format': FORMAT,
        'name': name,
        'file': f'{name}.tflite',
        'task': 'keyword spotting (Speech Commands v2 12-class set)',
        'labels': list(labels),
        'frontend': frontend_config.to_metadata(),
        'input': {'shape': list(m.input_shape), 'dtype': 'int8', 'scale': m.input_scale,
                  'zero_point': m.input_zero_point,
                  'layout': 'frames x coefficients, oldest frame first'},
        'output': {'shape': list(m.output_shape), 'dtype': 'int8', 'scale': m.output_scale,
                   'zero_point': m.output_zero_point, 'kind': 'softmax probabilities',
                   'labels_order': 'index i is labels[i]'},
        'arena': {'tflm_arena_bytes': measure_arena(tflite_bytes),
                  'measured_with': 'tflite_micro host runtime (TFLM reference kernels)'},
        'model': {'bytes': len(tflite_bytes), 'sha256': hashlib.sha256(tflite_bytes).hexdigest(),
                  'parameters': parameters(model), 'int8_weight_bytes': weight_bytes_int8(model),
                  'macs': macs(model), 'architecture': model.name,
                  **constant_bytes(tflite_bytes)},
        'training': training,
    }
    if extra:
        meta.update(extra)
    return meta


def save_model(directory, name, tflite_bytes, meta):
    """Writes <name>.tflite and <name>.json atomically (the .tflite first)."""
    atomic_write_bytes(os.path.join(directory, f'{name}.tflite'), tflite_bytes)
    atomic_write_text(os.path.join(directory, f'{name}.json'), json.dumps(meta, indent=2) + '\n')


def load_metadata(path):
    """Reads and checks a model's .json metadata."""
    try:
        with open(path, encoding='utf-8') as f:
            meta = json.load(f)
    except OSError as err:
        raise ModelFileError(f'{path}: cannot read ({err.strerror})') from None
    except json.JSONDecodeError as err:
        raise ModelFileError(f'{path}: not valid JSON ({err})') from None
    for key in ('format', 'labels', 'frontend', 'input', 'output'):
        if key not in meta:
            raise ModelFileError(f'{path}: metadata lacks "{key}"')
    if meta['format'] != FORMAT:
        raise ModelFileError(f'{path}: metadata format {meta["format"]!r}, expected {FORMAT!r}')
    return meta
