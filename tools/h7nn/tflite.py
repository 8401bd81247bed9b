"""A small reader for .tflite flatbuffers (schema v3): just what the tools need (op codes,
tensors, operators, buffers, options). Field ids are the schema's."""
import struct

OP_NAMES = {  # BuiltinOperator values of the schema
    0: 'ADD', 1: 'AVERAGE_POOL_2D', 2: 'CONCATENATION', 3: 'CONV_2D', 4: 'DEPTHWISE_CONV_2D',
    5: 'DEPTH_TO_SPACE', 6: 'DEQUANTIZE', 7: 'EMBEDDING_LOOKUP', 8: 'FLOOR', 9: 'FULLY_CONNECTED',
    10: 'HASHTABLE_LOOKUP', 11: 'L2_NORMALIZATION', 12: 'L2_POOL_2D', 13: 'LOCAL_RESPONSE_NORMALIZATION',
    14: 'LOGISTIC', 15: 'LSH_PROJECTION', 16: 'LSTM', 17: 'MAX_POOL_2D', 18: 'MUL', 19: 'RELU',
    20: 'RELU_N1_TO_1', 21: 'RELU6', 22: 'RESHAPE', 23: 'RESIZE_BILINEAR', 24: 'RNN', 25: 'SOFTMAX',
    26: 'SPACE_TO_DEPTH', 27: 'SVDF', 28: 'TANH', 29: 'CONCAT_EMBEDDINGS', 30: 'SKIP_GRAM', 31: 'CALL',
    32: 'CUSTOM', 33: 'EMBEDDING_LOOKUP_SPARSE', 34: 'PAD', 35: 'UNIDIRECTIONAL_SEQUENCE_RNN', 36: 'GATHER',
    37: 'BATCH_TO_SPACE_ND', 38: 'SPACE_TO_BATCH_ND', 39: 'TRANSPOSE', 40: 'MEAN', 41: 'SUB', 42: 'DIV',
    43: 'SQUEEZE', 44: 'UNIDIRECTIONAL_SEQUENCE_LSTM', 45: 'STRIDED_SLICE', 46: 'BIDIRECTIONAL_SEQUENCE_RNN',
    47: 'EXP', 48: 'TOPK_V2', 49: 'SPLIT', 50: 'LOG_SOFTMAX', 51: 'DELEGATE',
    52: 'BIDIRECTIONAL_SEQUENCE_LSTM', 53: 'CAST', 54: 'PRELU', 55: 'MAXIMUM', 56: 'ARG_MAX', 57: 'MINIMUM',
    58: 'LESS', 59: 'NEG', 60: 'PADV2', 61: 'GREATER', 62: 'GREATER_EQUAL', 63: 'LESS_EQUAL', 64: 'SELECT',
    65: 'SLICE', 66: 'SIN', 67: 'TRANSPOSE_CONV', 68: 'SPARSE_TO_DENSE', 69: 'TILE', 70: 'EXPAND_DIMS',
    71: 'EQUAL', 72: 'NOT_EQUAL', 73: 'LOG', 74: 'SUM', 75: 'SQRT', 76: 'RSQRT', 77: 'SHAPE', 78: 'POW',
    79: 'ARG_MIN', 80: 'FAKE_QUANT', 81: 'REDUCE_PROD', 82: 'REDUCE_MAX', 83: 'PACK', 84: 'LOGICAL_OR',
    85: 'ONE_HOT', 86: 'LOGICAL_AND', 87: 'LOGICAL_NOT', 88: 'UNPACK', 89: 'REDUCE_MIN', 90: 'FLOOR_DIV',
    91: 'REDUCE_ANY', 92: 'SQUARE', 93: 'ZEROS_LIKE', 94: 'FILL', 95: 'FLOOR_MOD', 96: 'RANGE',
    97: 'RESIZE_NEAREST_NEIGHBOR', 98: 'LEAKY_RELU', 99: 'SQUARED_DIFFERENCE', 100: 'MIRROR_PAD', 101: 'ABS',
    102: 'SPLIT_V', 103: 'UNIQUE', 104: 'CEIL', 105: 'REVERSE_V2', 106: 'ADD_N', 107: 'GATHER_ND', 108: 'COS',
    109: 'WHERE', 110: 'RANK', 111: 'ELU', 112: 'REVERSE_SEQUENCE', 113: 'MATRIX_DIAG', 114: 'QUANTIZE',
    115: 'MATRIX_SET_DIAG', 116: 'ROUND', 117: 'HARD_SWISH', 118: 'IF', 119: 'WHILE',
    120: 'NON_MAX_SUPPRESSION_V4', 121: 'NON_MAX_SUPPRESSION_V5', 122: 'SCATTER_ND', 123: 'SELECT_V2',
    124: 'DENSIFY', 125: 'SEGMENT_SUM', 126: 'BATCH_MATMUL', 127: 'PLACEHOLDER_FOR_GREATER_OP_CODES',
    128: 'CUMSUM', 129: 'CALL_ONCE', 130: 'BROADCAST_TO', 131: 'RFFT2D', 132: 'CONV_3D', 133: 'IMAG',
    134: 'REAL', 135: 'COMPLEX_ABS', 136: 'HASHTABLE', 137: 'HASHTABLE_FIND', 138: 'HASHTABLE_IMPORT',
    139: 'HASHTABLE_SIZE', 140: 'REDUCE_ALL', 141: 'CONV_3D_TRANSPOSE', 142: 'VAR_HANDLE',
    143: 'READ_VARIABLE', 144: 'ASSIGN_VARIABLE', 145: 'BROADCAST_ARGS', 146: 'RANDOM_STANDARD_NORMAL',
    147: 'BUCKETIZE', 148: 'RANDOM_UNIFORM', 149: 'MULTINOMIAL', 150: 'GELU', 151: 'DYNAMIC_UPDATE_SLICE',
    152: 'RELU_0_TO_1', 153: 'UNSORTED_SEGMENT_PROD', 154: 'UNSORTED_SEGMENT_MAX',
    155: 'UNSORTED_SEGMENT_SUM', 156: 'ATAN2', 157: 'UNSORTED_SEGMENT_MIN', 158: 'SIGN', 159: 'BITCAST',
    160: 'BITWISE_XOR', 161: 'RIGHT_SHIFT', 162: 'STABLEHLO_LOGISTIC', 163: 'STABLEHLO_ADD',
    164: 'STABLEHLO_DIVIDE', 165: 'STABLEHLO_MULTIPLY', 166: 'STABLEHLO_MAXIMUM', 167: 'STABLEHLO_RESHAPE',
    168: 'STABLEHLO_CLAMP', 169: 'STABLEHLO_CONCATENATE', 170: 'STABLEHLO_BROADCAST_IN_DIM',
    171: 'STABLEHLO_CONVOLUTION', 172: 'STABLEHLO_SLICE', 173: 'STABLEHLO_CUSTOM_CALL',
    174: 'STABLEHLO_REDUCE', 175: 'STABLEHLO_ABS', 176: 'STABLEHLO_AND', 177: 'STABLEHLO_COSINE',
    178: 'STABLEHLO_EXPONENTIAL', 179: 'STABLEHLO_FLOOR', 180: 'STABLEHLO_LOG', 181: 'STABLEHLO_MINIMUM',
    182: 'STABLEHLO_NEGATE', 183: 'STABLEHLO_OR', 184: 'STABLEHLO_POWER', 185: 'STABLEHLO_REMAINDER',
    186: 'STABLEHLO_RSQRT', 187: 'STABLEHLO_SELECT', 188: 'STABLEHLO_SUBTRACT', 189: 'STABLEHLO_TANH',
    190: 'STABLEHLO_SCATTER', 191: 'STABLEHLO_COMPARE', 192: 'STABLEHLO_CONVERT',
    193: 'STABLEHLO_DYNAMIC_SLICE', 194: 'STABLEHLO_DYNAMIC_UPDATE_SLICE', 195: 'STABLEHLO_PAD',
    196: 'STABLEHLO_IOTA', 197: 'STABLEHLO_DOT_GENERAL', 198: 'STABLEHLO_REDUCE_WINDOW',
    199: 'STABLEHLO_SORT', 200: 'STABLEHLO_WHILE', 201: 'STABLEHLO_GATHER', 202: 'STABLEHLO_TRANSPOSE',
    203: 'DILATE', 204: 'STABLEHLO_RNG_BIT_GENERATOR', 205: 'REDUCE_WINDOW', 206: 'STABLEHLO_COMPOSITE',
    207: 'STABLEHLO_SHIFT_LEFT', 208: 'STABLEHLO_CBRT', 209: 'STABLEHLO_CASE',
}
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
        except (struct.error, IndexError) as e:
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
