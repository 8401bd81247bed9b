"""PocketSphinx 5.1.1's forced aligner (Decoder.set_align_text), the peer in the alignment
benchmark: its own real-speech en-us acoustic model and dictionary, 10 ms frames."""
import re

import numpy as np


def align(samples, words, rate=16000):
    """[{'word', 'start_s', 'end_s'}] for the words (already normalised, in order)."""
    import pocketsphinx as ps
    d = ps.Decoder(samprate=rate, bestpath=False, loglevel='FATAL')
    frate = int(d.config['frate'])
    for w in set(words):   # words outside its dictionary get our G2P's pronunciation
        if d.lookup_word(w) is None:
            from h7speech import g2p
            d.add_word(w, ' '.join(g2p.pronounce(w)[0][0]), False)
    d.set_align_text(' '.join(words))
    d.start_utt()
    d.process_raw(np.asarray(samples, dtype=np.int16).tobytes(), full_utt=True)
    d.end_utt()
    out = []
    for s in d.seg():
        w = re.sub(r'\(\d+\)$', '', s.word)
        if w.startswith(('<', '[')) or w in ('sil', '<sil>'):
            continue
        # start_frame..end_frame inclusive, frame k = [k, k + 1) / frate
        out.append({'word': w, 'start_s': s.start_frame / frate, 'end_s': (s.end_frame + 1) / frate})
    return out
