"""The peer: PocketSphinx 5.1.1's phone decoding (allphone search with its real-trained en-us
acoustic model and en-us-phone.lm.bin, both in the pocketsphinx wheel) on the same clips as
our recognizer, its phones mapped to our 39 + SIL set. A runnable comparison, never shipped.

    from h7phones.psbaseline import PocketSphinxPhones
    ps = PocketSphinxPhones()
    ps.phones(samples)      # ['DH', 'IH', 'S', ...] (SIL and noise units removed)
"""
import os

from h7voice import paths

# allphone settings of the PocketSphinx phoneme-recognition tutorial: a wide beam, phone
# language weight 2 (the phone bigram is weak; a higher weight favours it)
SETTINGS = {'lw': 2.0, 'beam': 1e-20, 'pbeam': 1e-20}


def model_dir():
    try:
        from pocketsphinx import get_model_path
    except ImportError:
        raise paths.MissingPart('pocketsphinx is not installed in the venv (tools/requirements.txt pins '
                                'pocketsphinx==5.1.1): run bash tools/setup.sh') from None
    return get_model_path()


class PocketSphinxPhones:
    def __init__(self):
        from h7speech import phones
        from pocketsphinx import Decoder
        mp = model_dir()
        hmm = os.path.join(mp, 'en-us', 'en-us')
        lm = os.path.join(mp, 'en-us', 'en-us-phone.lm.bin')
        for p in (hmm, lm):
            if not os.path.exists(p):
                raise paths.MissingPart(f'{p} is missing from the pocketsphinx wheel (reinstall pocketsphinx==5.1.1)')
        self.decoder = Decoder(hmm=hmm, allphone=lm, loglevel='FATAL', backtrace=False, **SETTINGS)
        self.known = set(phones.ARPABET)
        self.description = (f'PocketSphinx 5.1.1 allphone, en-us acoustic model + en-us-phone.lm.bin '
                            f'(lw {SETTINGS["lw"]}, beam {SETTINGS["beam"]:g}, pbeam {SETTINGS["pbeam"]:g})')

    def phones(self, samples):
        """Recognized ARPAbet phones of int16 16 kHz audio; SIL and the noise units (+NSN+,
        +SPN+, ...) removed, as our recognizer's SIL is."""
        d = self.decoder
        d.start_utt()
        d.process_raw(samples.tobytes(), full_utt=True)
        d.end_utt()
        return [s.word for s in d.seg() if s.word in self.known]
