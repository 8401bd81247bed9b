"""Fuzzing the decoder library: seed corpus (graphs from the compiler) and a runner for
build/host/firmware/speech/decoder/fuzz_h7dec (libFuzzer, ASan + UBSan;
firmware/speech/decoder/fuzz/fuzz_h7dec.c).

  python -m h7speech fuzz --seconds 20         short run
  python -m h7speech fuzz --runs 1000000       a million executions
"""
import os
import struct

from h7voice import libfuzzer, paths

from . import graph

BINARY = os.path.join(paths.HOST_BUILD, 'firmware', 'speech', 'decoder', 'fuzz_h7dec')
WORK = os.path.join(paths.BUILD, 'h7speech_fuzz')

# pronunciations given inline: the seeds do not depend on the dictionary
LEX = {'go': [['G', 'OW']], 'forward': [['F', 'AO', 'R', 'W', 'ER', 'D']], 'stop': [['S', 'T', 'AA', 'P']],
       'on': [['AA', 'N'], ['AO', 'N']], 'off': [['AO', 'F']], 'the': [['DH', 'AH'], ['DH', 'IY']],
       'light': [['L', 'AY', 'T']], 'kitchen': [['K', 'IH', 'CH', 'AH', 'N']], 'hall': [['HH', 'AO', 'L']],
       'turn': [['T', 'ER', 'N']]}


def seed_graphs():
    lex = LEX.__getitem__
    return [
        graph.compile_graph(graph.word_list(['go forward', 'stop']), lex),
        graph.compile_graph(graph.transcript(['go', 'forward', 'stop']), lex),
        graph.compile_graph(graph.parse_grammar('@room: kitchen | hall\nturn [on, off] the (light)\n'
                                                '$room:where light [on|off]\n'), lex, silence=False),
        graph.compile_graph(graph.phrase('stop'), lex, silence=False),
    ]


def seed_corpus(folder):
    os.makedirs(folder, exist_ok=True)
    for i, data in enumerate(seed_graphs()):
        for mode in range(4):   # recognize / spot / align, blank on/off
            seed = struct.pack('<I', len(data) | (mode * 5) << 24) + data + bytes(range(0, 256, 3))
            with open(os.path.join(folder, 'graph%d_%d.seed' % (i, mode)), 'wb') as f:
                f.write(seed)
    return folder


def run(seconds=None, runs=None):
    """libFuzzer over the seed graphs (h7voice.libfuzzer.run): (exit status, executions, output)."""
    seeds = seed_corpus(os.path.join(WORK, 'seeds'))
    return libfuzzer.run(BINARY, WORK, seeds, max_len=8192, seconds=seconds, runs=runs)
