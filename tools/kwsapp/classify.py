"""Classify WAV files with a keyword model, computing what the board computes: features
from the C front end (h7frontend, the configuration named in the model's metadata, as the
firmware build takes it), quantized with the model's input parameters, the int8 model run
by our engine's host build (h7nn.engine, the kernels the firmware links), the output
dequantized as the firmware does.

    python -m kwsapp.classify --model models/kws_default.tflite --json a.wav b.wav
    python -m kwsapp.classify --model models/kws_default.tflite recordings/   # a folder

One line per file: with --json {"file": ..., "label": ..., "score": ...}, else a table row.
A file shorter than one model window (1 s) is padded with silence at the end; a longer one
is classified on its loudest window (the board would hear the rest as other windows).
A file that cannot be read gives one line on stderr (`error: FILE: why`) and the rest are
still classified; the exit status is then 2.
"""
import argparse
import json
import os
import sys

import numpy as np

EXIT_BAD_INPUT = 2


class ClassifyError(ValueError):
    """The model cannot be used (one line naming the file)."""


class Classifier:
    def __init__(self, tflite_path):
        import h7frontend
        from h7nn.engine import EngineError, Interpreter
        from .detector import DetectorError, model_metadata
        try:
            data, self.labels, frontend = model_metadata(tflite_path)
        except DetectorError as err:
            raise ClassifyError(str(err)) from None
        try:
            self.frontend = h7frontend.Frontend(frontend)
        except (h7frontend.ConfigError, OSError) as err:
            raise ClassifyError(f'{tflite_path}: front-end config {frontend!r}: {err}') from None
        try:
            self.engine = Interpreter(data)
        except EngineError as err:
            raise ClassifyError(f'{tflite_path}: our engine refuses the model ({err})') from None
        except FileNotFoundError as err:
            raise ClassifyError(str(err)) from None
        inp, out = self.engine.input_details(), self.engine.output_details()
        if inp['dtype'] != np.int8 or out['dtype'] != np.int8:
            raise ClassifyError(f'{tflite_path}: input and output must be int8')
        config = self.frontend.config
        if int(np.prod(inp['shape'])) != config.feature_count * config.values['clip_frames']:
            raise ClassifyError(f'{tflite_path}: input {inp["shape"]} does not match the front '
                                f'end {config.name} ({config.input_shape})')
        if int(np.prod(out['shape'])) != len(self.labels):
            raise ClassifyError(f'{tflite_path}: {int(np.prod(out["shape"]))} outputs but '
                                f'{len(self.labels)} labels in its metadata')
        self.input, self.output = inp, out
        self.rate = config.values['sample_rate_hz']
        self.window = config.clip_samples

    def clip(self, samples):
        """The one model window of a recording (see the module's help)."""
        n = self.window
        if len(samples) <= n:
            return np.concatenate([samples, np.zeros(n - len(samples), np.int16)])
        energy = np.concatenate([[0.0], np.cumsum(samples.astype(np.float64) ** 2)])
        hop = self.frontend.config.values['hop_length']
        starts = np.arange(0, len(samples) - n + 1, hop)
        best = int(starts[np.argmax(energy[starts + n] - energy[starts])])
        return samples[best:best + n]

    def probabilities(self, samples):
        import h7frontend
        features = self.frontend.features(self.clip(samples))
        q = h7frontend.quantize(features, self.input['scale'], self.input['zero_point'])
        raw = self.engine.run(q).reshape(-1).astype(np.float32)
        return (raw - self.output['zero_point']) * self.output['scale']

    def classify(self, path):
        from h7frontend.wav import read_wav
        probs = self.probabilities(read_wav(path, self.rate))
        best = int(np.argmax(probs))
        return {'file': path, 'label': self.labels[best], 'score': round(float(probs[best]), 4)}


def wav_files(inputs):
    """Files and folders (their *.wav, recursively, sorted) in the order given."""
    for item in inputs:
        if os.path.isdir(item):
            found = sorted(os.path.join(d, f) for d, _, files in os.walk(item)
                           for f in files if f.lower().endswith('.wav'))
            if not found:
                yield item  # reported as bad: an empty folder is a mistake
            yield from found
        else:
            yield item


def main(argv=None):
    p = argparse.ArgumentParser(prog='h7voice classify', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', required=True, help='int8 .tflite with its .json beside it')
    p.add_argument('--json', action='store_true', help='one JSON object per line')
    p.add_argument('inputs', nargs='+', metavar='WAV|FOLDER')
    args = p.parse_args(argv)
    from h7frontend.wav import WavFormatError
    from h7voice.paths import MissingPart
    try:
        classifier = Classifier(args.model)
    except (ClassifyError, MissingPart) as err:
        print(f'error: {err}', file=sys.stderr)
        return EXIT_BAD_INPUT
    failed = 0
    for path in wav_files(args.inputs):
        try:
            if os.path.isdir(path):
                raise WavFormatError(f'{path}: no .wav files in this folder')
            result = classifier.classify(path)
        except (WavFormatError, OSError) as err:
            failed += 1
            print(f'error: {err}', file=sys.stderr, flush=True)
            continue
        if args.json:
            print(json.dumps(result), flush=True)
        else:
            print(f'{result["file"]}\t{result["label"]}\t{result["score"]:.3f}', flush=True)
    return EXIT_BAD_INPUT if failed else 0


if __name__ == '__main__':
    sys.exit(main())
