"""The k-fold table says which recipe made it, and the shipped-recipe run refuses a shipped
model that its recipe did not make."""
import json

import numpy as np
import pytest

from h7train import realkfold
from h7train.realeval import scores


def _folds():
    rng = np.random.default_rng(0)
    out = []
    for k in range(5):
        y = rng.integers(0, 12, 60)
        pred = np.where(rng.random(60) < 0.9, y, rng.integers(0, 12, 60))
        out.append({'fold': k, 'clips': 60, 'speakers': 6, 'ours': scores(pred, y),
                    'peer': scores(y, y)})
    return out


def test_the_table_names_the_shipped_recipe_when_it_made_the_folds():
    md = realkfold.markdown({'recipe': {'shipped': 'kws_default', 'flags': '--stages 1:30:3e-3,2:8:1e-3',
                                        'seed': 1, 'fold0_is_shipped_file': True,
                                        'fold0_same_bytes_as_shipped': None},
                             'folds': _folds(), 'seconds': 1}, 'python -m h7train.realkfold --shipped')
    assert "Recipe: kws_default's own (`realtrain --stages 1:30:3e-3,2:8:1e-3`" in md
    assert "fold 0's run is the shipped kws_default itself" in md
    assert 'cheaper' not in md
    assert md.count('\n| ') >= 6 + 12   # five folds + all, and twelve classes


def test_a_shipped_model_made_otherwise_cannot_stand_for_the_recipe(tmp_path, monkeypatch):
    from h7voice import paths
    record = json.load(open('models/kws_default.json'))
    record['training']['command'] = 'python -m h7train.realtrain --epochs 3'
    (tmp_path / 'kws_default.json').write_text(json.dumps(record))
    monkeypatch.setattr(paths, 'MODELS', str(tmp_path))
    with pytest.raises(ValueError, match='cannot stand for the recipe'):
        realkfold.run_shipped(progress=False)


def test_each_shipped_recipe_says_the_same_in_its_flags_its_arguments_and_its_models_record():
    """SHIPPED_RECIPES holds a recipe twice (the realtrain options checked against the model's
    record, and train_and_export's arguments): they must agree, and the record must name them."""
    from h7train import realtrain as T
    for model, recipe in realkfold.SHIPPED_RECIPES.items():
        record = json.load(open(f'models/{model}.json'))['training']['command']
        assert recipe['flags'] in record, (model, record)
        tokens = recipe['flags'].split()
        given = dict(zip(tokens[::2], tokens[1::2]))
        kwargs = recipe['kwargs']
        for flag, value in given.items():
            key = flag[2:]
            want = T.parse_stages(value) if key == 'stages' else value
            assert str(kwargs[key]) == str(want) or kwargs[key] == want, (model, flag)
        assert set(kwargs) - {'lr'} == {f[2:] for f in given}, model
