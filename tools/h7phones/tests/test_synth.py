"""The synthetic training voices never include the held-out ones."""
import pytest

from h7phones import dataset, synth


def test_held_out_voices_are_never_planned():
    voices = synth.espeak_voices()
    assert 'en-us+m1' in voices and 'en-gb-x-rp' in voices
    assert not [v for v in voices if v.endswith('+f3') or v.endswith('+m7')]
    assert not set(synth.FLITE_VOICES) & set(dataset.HELD_OUT_VOICES['flite'])
    for engine, voice in (('espeak', 'en-us+f3'), ('espeak', 'en-us+m7'), ('flite', 'slt'),
                          ('flite', 'rms')):
        with pytest.raises(ValueError, match='held out'):
            synth._check_not_held_out(engine, voice)
