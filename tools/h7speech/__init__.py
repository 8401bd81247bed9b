"""h7speech: the Python side of the speech decoder (firmware/speech/decoder).

  phones    the phone set, read from firmware/speech/decoder/phones.def (one definition)
  g2p       words -> phones: the CMU dictionary first, then letter-to-sound rules derived
            from it; text normalisation ("2" -> "two")
  graph     grammar expressions -> the decoder's binary search graph
  decoder   the C library's host build through ctypes (h7voice.native)
  fuzz      seeds and runner for the graph-loader fuzzer

`python -m h7speech --help` lists the commands.
"""
