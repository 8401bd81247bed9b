"""TFLite Micro's own kernels (the tflite_micro host runtime): the bit-exact reference."""
import os

import numpy as np


def probe(model_bytes):
    """Whether the TFLM runtime loads and runs the model, found in a child process (TFLM
    aborts the process on some hostile models): None, or one line saying why not."""
    import signal
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: load, run zeros, report through the pipe
        code = 0
        try:
            os.dup2(write_end, 1)
            os.dup2(write_end, 2)
            ref = Reference(model_bytes)
            from h7nn.tflite import Model
            for i in range(len(Model(model_bytes).inputs)):
                d = ref.input_details(i)
                ref._interp.set_input(np.zeros(d['shape'], dtype=d['dtype']), i)
            ref._interp.invoke()
        except BaseException as e:  # noqa: BLE001 - reported to the parent as one line
            os.write(write_end, ('\n%s' % e).encode(errors='replace'))
            code = 3
        os._exit(code)
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    lines = [ln.strip() for ln in b''.join(chunks).decode(errors='replace').splitlines() if ln.strip()]
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return None
    why = lines[0] if lines else 'no message'
    if os.WIFSIGNALED(status):
        return 'it crashed (%s): %s' % (signal.Signals(os.WTERMSIG(status)).name, why)
    return why


class Reference:
    def __init__(self, model_bytes):
        os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
        from tflite_micro.python.tflite_micro import runtime
        from h7nn.tflite import Model
        model = Model(model_bytes)
        self._inputs, self._outputs = len(model.inputs), len(model.outputs)
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

    def arena_bytes(self):
        """The arena TFLM's allocator took for this model on this host (its RecordingMicroAllocator's
        "Arena allocation total", printed to stderr by print_allocations; 64-bit pointers, TFLM's
        reference kernels), after one run on zeros."""
        import re
        import tempfile
        for i in range(self._inputs):
            d = self.input_details(i)
            self._interp.set_input(np.zeros(d['shape'], dtype=d['dtype']), i)
        self._interp.invoke()
        with tempfile.TemporaryFile() as f:
            saved = os.dup(2)
            try:
                os.dup2(f.fileno(), 2)
                self._interp.print_allocations()
            finally:
                os.dup2(saved, 2)
                os.close(saved)
            f.seek(0)
            text = f.read().decode(errors='replace')
        m = re.search(r'Arena allocation total (\d+) bytes', text)
        if not m:
            raise RuntimeError('tflite_micro print_allocations gave no arena total: %r' % text[:200])
        return int(m.group(1))
