"""A small reader for .tflite flatbuffers (schema v3): just what the tools need (op codes,
tensors, operators, buffers, options). Field ids are the schema's."""
import struct

from h7nn.oplist import OP_NAMES  # noqa: E402  (BuiltinOperator names, from the engine's op list)
TYPE_NAMES = {0: 'float32', 1: 'float16', 2: 'int32', 3: 'uint8', 4: 'int64', 7: 'int16', 9: 'int8'}
TYPE_SIZES = {0: 4, 2: 4, 3: 1, 4: 8, 7: 2, 9: 1}


class ModelError(Exception):
    pass


class _Table:
    def __init__(self, buf, pos):
        self.buf, self.pos = buf, pos
        vt = pos - struct.unpack_from('<i', buf, pos)[0]
        self.vt_size, = struct.unpack_from('<H', buf, vt)
        self.vt = vt

    def _off(self, fid):
        entry = 4 + 2 * fid
        if entry + 2 > self.vt_size:
            return 0
        return struct.unpack_from('<H', self.buf, self.vt + entry)[0]

    def scalar(self, fid, fmt, default=0):
        off = self._off(fid)
        return struct.unpack_from('<' + fmt, self.buf, self.pos + off)[0] if off else default

    def _target(self, fid):
        off = self._off(fid)
        if not off:
            return None
        p = self.pos + off
        return p + struct.unpack_from('<I', self.buf, p)[0]

    def table(self, fid):
        t = self._target(fid)
        return _Table(self.buf, t) if t is not None else None

    def vector(self, fid, fmt):
        t = self._target(fid)
        if t is None:
            return []
        n, = struct.unpack_from('<I', self.buf, t)
        return list(struct.unpack_from('<%d%s' % (n, fmt), self.buf, t + 4))

    def vector_raw(self, fid):
        t = self._target(fid)
        if t is None:
            return b''
        n, = struct.unpack_from('<I', self.buf, t)
        return bytes(self.buf[t + 4:t + 4 + n])

    def tables(self, fid):
        t = self._target(fid)
        if t is None:
            return []
        n, = struct.unpack_from('<I', self.buf, t)
        out = []
        for i in range(n):
            p = t + 4 + 4 * i
            out.append(_Table(self.buf, p + struct.unpack_from('<I', self.buf, p)[0]))
        return out

    def string(self, fid):
        return self.vector_raw(fid).decode('utf-8', 'replace')


class Model:
    """The first subgraph of a .tflite file: tensors, ops and their op codes."""

    def __init__(self, data):
        self.data = bytes(data)
        if len(data) < 16 or data[4:8] != b'TFL3':
            raise ModelError('not a .tflite model (no TFL3 identifier)')
        try:
            root = _Table(self.data, struct.unpack_from('<I', self.data, 0)[0])
            self.version = root.scalar(0, 'I')
            codes = []
            for oc in root.tables(1):
                codes.append(max(oc.scalar(0, 'b'), oc.scalar(3, 'i')))
            self.opcodes = codes
            buffers = [b.vector_raw(0) for b in root.tables(4)]
            sg = root.tables(2)[0]
            self.tensors = []
            for t in sg.tables(0):
                q = t.table(4)
                scales = q.vector(2, 'f') if q else []
                zps = q.vector(3, 'q') if q else []
                buf = t.scalar(2, 'I')
                data_bytes = buffers[buf] if buf < len(buffers) else b''
                self.tensors.append({
                    'name': t.string(3), 'shape': t.vector(0, 'i'), 'type': t.scalar(1, 'b'),
                    'scales': scales, 'zero_points': zps, 'constant': len(data_bytes) > 0, 'data': data_bytes,
                    'quantized_dimension': q.scalar(6, 'i') if q else 0,
                })
            self.inputs = sg.vector(1, 'i')
            self.outputs = sg.vector(2, 'i')
            self.ops = []
            for op in sg.tables(3):
                code = self.opcodes[op.scalar(0, 'I')]
                self.ops.append({'code': code, 'name': OP_NAMES.get(code, 'BUILTIN_%d' % code),
                                 'inputs': op.vector(1, 'i'), 'outputs': op.vector(2, 'i'),
                                 'options': op.table(4)})
        except (struct.error, IndexError, ValueError, OverflowError, MemoryError, RecursionError) as e:
            raise ModelError('corrupt or truncated .tflite model (%s)' % e) from None

    @classmethod
    def load(cls, path):
        with open(path, 'rb') as f:
            return cls(f.read())

    def tensor_bytes(self, i):
        t = self.tensors[i]
        n = 1
        for d in t['shape']:
            n *= d
        return n * TYPE_SIZES.get(t['type'], 0)

    def op_names(self):
        return sorted({op['name'] for op in self.ops})
