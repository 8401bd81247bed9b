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


def test_piper_texts_come_from_training_material_never_from_held_out_speech():
    import numpy as np
    tr = synth._transcripts()
    assert len(tr) > 100
    held = [it['text'] for it in dataset.real_items('ljspeech_aligned')] + \
        [it['text'] for it in dataset.real_items('transcribed_misc', split='eval')]
    windows = {' '.join(w.split()[i:i + 5]) for w in held for i in range(len(w.split()) - 4)}
    assert windows and not [t for t in tr if any(x in t for x in windows)]
    plan = synth._piper_plan(200, 3)
    assert {p[2] for p in plan} <= set(synth.PIPER_VOICES)
    assert not set(synth.PIPER_VOICES) & {v for vs in dataset.HELD_OUT_VOICES.values() for v in vs}
    lens = np.array([len(p[0].split()) for p in plan])
    assert lens.max() >= 10 and (lens >= 5).mean() > 0.4     # sentences, not single words
    assert all(0.7 <= p[3]['length_scale'] <= 1.5 for p in plan)


def test_espeak_clips_do_not_depend_on_the_clips_made_before():
    # the corpus pool's workers take jobs in a timing-dependent order: a clip (audio and
    # labels) may depend on its own job alone, or the corpus differs from run to run
    import numpy as np
    job = ('turn the kitchen lights on', 'espeak', 'en-us+m1', {'rate': 160, 'pitch': 40, 'pitch_range': 50})
    first = synth._make(job)
    synth._make(('the quick brown fox jumps', 'espeak', 'en-gb-x-rp+f2',
                 {'rate': 200, 'pitch': 70, 'pitch_range': 30}))
    again = synth._make(job)
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert first[3] == '' and len(set(first[1].tolist())) > 5   # labelled, every phoneme known
