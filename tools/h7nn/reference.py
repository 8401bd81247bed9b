"""TFLite Micro's own kernels (the tflite_micro host runtime): the bit-exact reference."""
import os

import numpy as np


class Reference:
    def __init__(self, model_bytes):
        os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
        from tflite_micro.python.tflite_micro import runtime
        from h7nn.tflite import Model
        self._outputs = len(Model(model_bytes).outputs)
        self._interp = runtime.Interpreter.from_bytes(bytes(model_bytes))

    def run(self, *inputs):
        # TFLM reuses the input tensor's memory for activations: set every input every time
        for i, x in enumerate(inputs):
            self._interp.set_input(np.ascontiguousarray(x), i)
        self._interp.invoke()
        outs = [np.array(self._interp.get_output(i)) for i in range(self._outputs)]
        return outs[0] if len(outs) == 1 else outs

    def input_details(self, index=0):
        return self._interp.get_input_details(index)
