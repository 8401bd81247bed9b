"""The Speech Commands v2 loader on a small fake tree in the standard layout."""
import numpy as np
import pytest

from h7data.speech_commands import load_speech_commands
from h7data.vocab import LABELS
from h7data.wavio import AudioError, write_wav


def _tree(root):
    rng = np.random.default_rng(0)
    files = {}
    for word in ('yes', 'stop', 'marvin', 'bed'):
        for speaker in ('0a1b2c3d', '1f2e3d4c', '2a2a2a2a'):
            rel = f'{word}/{speaker}_nohash_0.wav'
            n = 16000 if speaker != '2a2a2a2a' else 12000   # some clips are shorter
            write_wav(root / rel, (rng.standard_normal(n) * 1000).astype(np.int16))
            files[rel] = word
    write_wav(root / '_background_noise_' / 'white.wav',
              (rng.standard_normal(48000) * 500).astype(np.int16))
    (root / 'validation_list.txt').write_text('yes/1f2e3d4c_nohash_0.wav\nbed/1f2e3d4c_nohash_0.wav\n')
    (root / 'testing_list.txt').write_text('yes/2a2a2a2a_nohash_0.wav\nstop/2a2a2a2a_nohash_0.wav\n'
                                           'marvin/2a2a2a2a_nohash_0.wav\n')
    return files


def test_subsets_labels_and_padding(tmp_path):
    _tree(tmp_path)
    test = load_speech_commands(str(tmp_path), 'testing')
    names = [LABELS[y] for y in test['y']]
    assert sorted(test['files'][:3]) == ['marvin/2a2a2a2a_nohash_0.wav', 'stop/2a2a2a2a_nohash_0.wav',
                                         'yes/2a2a2a2a_nohash_0.wav']
    assert names.count('unknown') == 1 and names.count('yes') == 1 and names.count('stop') == 1
    assert names.count('silence') == 1            # sliced from _background_noise_
    assert test['x'].shape[1:] == (16000,) and not test['x'][0, 12000:].any()
    train = load_speech_commands(str(tmp_path), 'training')
    assert len([f for f in train['files'] if not f.startswith('_')]) == 4 * 3 - 5
    val = load_speech_commands(str(tmp_path), 'validation', limit=1)
    assert val['counts']['yes'] == 1 and val['counts']['unknown'] == 1


def test_bad_trees_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match='no such folder'):
        load_speech_commands(str(tmp_path / 'missing'))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ValueError, match='no word folders'):
        load_speech_commands(str(tmp_path / 'empty'))
    _tree(tmp_path / 'sc')
    import wave
    with wave.open(str(tmp_path / 'sc' / 'yes' / 'ffffffff_nohash_0.wav'), 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b'')
    with pytest.raises(AudioError, match='no audio'):
        load_speech_commands(str(tmp_path / 'sc'), 'training')
    with pytest.raises(ValueError, match='subset'):
        load_speech_commands(str(tmp_path / 'sc'), 'train')
