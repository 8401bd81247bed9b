"""Phone mapping and the 10 ms -> 20 ms hop conversion of the frame targets."""
import numpy as np
import pytest

from h7phones import labels as L
from h7speech import phones as P


def test_pocketsphinx_phones_map_to_our_set():
    assert L.map_phone('AA') == P.INDEX['AA']
    assert L.map_phone('ZH') == P.INDEX['ZH']
    assert L.map_phone('ah0') == P.INDEX['AH']          # stress stripped
    for filler in ('SIL', '+NSN+', '+SPN+', '+BREATH+', '<sil>'):
        assert L.map_phone(filler) == P.SIL
    with pytest.raises(ValueError, match='no counterpart'):
        L.map_phone('XX')
    # every phone PocketSphinx's en-us dictionaries use has a place in ours
    import os
    import pocketsphinx
    model = os.path.join(pocketsphinx.get_model_path(), 'en-us')
    used = set()
    for path in (os.path.join(model, 'cmudict-en-us.dict'), os.path.join(model, 'en-us', 'noisedict')):
        with open(path, encoding='utf-8') as f:
            for line in f:
                used.update(line.split()[1:])
    assert {L.map_phone(p) for p in used} == set(range(1, P.COUNT))   # all but the blank


def test_hops_take_every_second_10ms_frame():
    assert L.frames_for(16000) == 49 and L.frames_for(479) == 0
    ps = np.repeat(np.arange(1, 11, dtype=np.int8), 10)     # 100 frames of 10 ms
    hop = L.to_hops(ps, 16000)
    assert len(hop) == 49
    assert list(hop[:6]) == [1, 1, 1, 1, 1, 2]                # frame i <- 10 ms frame 2 i
    assert hop[-1] == 10


def test_espeak_events_become_frame_labels():
    from h7data.espeak import _EVENT_END, _EVENT_PHONEME
    from h7phones.synth import espeak_frame_labels
    ev = [(_EVENT_PHONEME, 100, 1, 0, 'D'), (_EVENT_PHONEME, 160, 1, 0, "'"),
          (_EVENT_PHONEME, 160, 1, 0, '@L'), (_EVENT_PHONEME, 360, 1, 0, '_:'),
          (_EVENT_PHONEME, 500, 1, 0, 'Q9'), (_EVENT_END, 600, 0, 0, '')]
    lab, unknown = espeak_frame_labels(ev, 16000)
    names = [P.PHONES[i] if i >= 0 else '-' for i in lab]
    assert unknown == 1
    assert names[:4] == ['SIL'] * 4 and names[5] == 'DH'
    assert names[9] == 'AH' and names[15] == 'L'              # '@L' splits in two
    assert names[20] == 'SIL' and names[26] == '-' and names[-1] == 'SIL'
