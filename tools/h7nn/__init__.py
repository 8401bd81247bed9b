"""h7nn tools: inspect, embed, run and benchmark int8 .tflite models for the h7nn engine.

  python -m h7nn inspect MODEL.tflite          ops, tensors, arena plan
  python -m h7nn embed MODEL.tflite -o DIR     C source + header (bytes, resolver, arena size)
  python -m h7nn bench [MODEL.tflite]          instructions per op on the simulated board (default: all MLPerf Tiny models)
"""
