"""The aligner, pronunciation feedback and the meeting log on REAL speech (ljspeech_aligned,
a speaker the phone model never trained on) with the shipped phone model, host build of the
board's C. Loose limits that still fail when something is broken (times, words, verdicts)."""
import json

import numpy as np
import pytest
from scipy.signal import resample_poly

from h7align import __main__ as M
from h7align import align as A
from h7align import bench, formats
from h7align import pronounce as PR
from h7align import record as R
from h7frontend import wav


@pytest.fixture(scope='module')
def clips():
    return {u: (wav.load(p).samples, t, r) for u, p, t, r in bench.corpus_ljspeech()
            if u in ('LJ001-0002', 'LJ001-0008')}


@pytest.fixture(scope='module')
def aligner():
    return A.Aligner()


def test_cli_writes_json_and_textgrid(tmp_path, clips):
    audio = bench.paths.shared('data', 'ljspeech_aligned', 'audio', 'LJ001-0002.flac')
    ref = clips['LJ001-0002'][2]
    out = tmp_path / 'a.json'
    assert M.main(['align', audio, 'in being comparatively modern.', '-o', str(out)]) == 0
    words = json.loads(out.read_text())['words']
    assert [w['word'] for w in words] == ['in', 'being', 'comparatively', 'modern']
    assert max(bench.boundary_errors(words, ref)) < 100          # ms, against MFA
    assert M.main(['align', audio, 'in being comparatively modern.', '-o', str(tmp_path / 'a.TextGrid')]) == 0
    tier = formats.read_textgrid_tier((tmp_path / 'a.TextGrid').read_text(), 'words')
    assert [(round(a, 3), round(b, 3), t) for a, b, t in tier] == [(w['start_s'], w['end_s'], w['word']) for w in words]


def test_pronunciation_feedback_catches_wrong_inputs(clips, aligner):
    x, text, _ = clips['LJ001-0008']            # "has never been surpassed."
    normal = PR.analyse(aligner, x, text)
    assert normal['overall'] == 'within read-speech rate'
    assert [w['verdict'] for w in normal['words']][1:] == ['good', 'good', 'good']
    slow = PR.analyse(aligner, resample_poly(x.astype(float), 2, 1).astype(np.int16), text)
    assert all(w['verdict'] == 'too slow' for w in slow['words'])
    fast = PR.analyse(aligner, resample_poly(x.astype(float), 1, 2).astype(np.int16), text)
    assert all(w['verdict'] == 'too fast' for w in fast['words'])
    wrong = PR.analyse(aligner, x, 'has elephant been surpassed.')   # a word substituted
    assert wrong['words'][1]['verdict'].startswith('check this sound')
    assert wrong['words'][1]['gop'] < normal['words'][1]['gop'] - 0.5
    ref = aligner.align(x, text)
    stretched = PR.analyse(aligner, resample_poly(x.astype(float), 2, 1).astype(np.int16), text, ref=ref, ref_samples=x)
    assert all(w['verdict'] == 'too slow' for w in stretched['words'])
    same = PR.analyse(aligner, x, text, ref=ref, ref_samples=x)
    assert all(w['ratio'] == 1.0 for w in same['words'])


def test_meeting_log_segments_and_phrase_search(clips, aligner):
    sil = np.zeros(16000, np.int16)
    x = np.concatenate([sil, clips['LJ001-0002'][0], sil, clips['LJ001-0008'][0], sil])
    # 2 nats: the shipped model's phrase-vs-phone-loop ratios are low (3.2 for this phrase)
    out = R.log(x, ['never been', 'printing press'], aligner=aligner, threshold=2.0)
    segs = [(s['start_s'], s['end_s']) for s in out['segments']]
    assert len(segs) == 2 and abs(segs[0][0] - 1.0) < 0.1 and abs(segs[1][0] - 3.9) < 0.15
    hits = out['found']
    ref = clips['LJ001-0008'][2]                # never 0.47-..., been ...: shifted by 3.9 s
    assert len(hits) == 1 and abs(hits[0]['start_s'] - (3.9 + ref[1][1])) < 0.1
