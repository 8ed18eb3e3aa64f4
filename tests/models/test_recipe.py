"""Recipes are data: shipped ones load, typos are errors, command-line options override them."""

from __future__ import annotations

from pathlib import Path

import pytest

from emoscore.audio.preprocess import Preprocessing
from emoscore.errors import ConfigError
from emoscore.models.classical import load_classifier_specs
from emoscore.models.recipe import TrainingRecipe, load_recipe, shipped_recipes
from emoscore.taxonomy import load_taxonomy


def test_shipped_recipes_load_and_are_consistent() -> None:
    assert {"default", "fast"} <= set(shipped_recipes())
    emotions = set(load_taxonomy().emotions)
    kinds = set(load_classifier_specs()) | {"cnn"}
    for name in shipped_recipes():
        r = load_recipe(name)
        assert r.name == name
        assert r.corpora and r.model in kinds
        if r.task == "emotion":
            assert r.labels is not None and set(r.labels) <= emotions
        assert isinstance(r.preprocessing, Preprocessing)
        assert r.licence
    fast = load_recipe("fast")
    assert (fast.features, fast.model, fast.normalization, fast.tier) == (
        "logmel-stats", "logreg", "speaker", "fast"
    )  # fmt: skip
    assert fast.corpora == load_recipe("default").corpora and load_recipe("default").tier == "standard"
    assert load_recipe("default").labels == (
        "neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"
    )  # fmt: skip


def test_recipe_file_and_round_trip(tmp_path: Path) -> None:
    p = tmp_path / "mine.toml"
    p.write_text(
        'name = "mine"\ncorpora = ["a.csv"]\nlabels = ["happy", "sad"]\nfeatures = "seed94"\n'
        'model = "knn"\ntune = false\nparams = { n_neighbors = 3 }\n'
        "[preprocessing]\ntrim_silence = false\nsample_rate = 8000\n"
    )
    r = load_recipe(p)
    assert r.corpora == ("a.csv",) and r.labels == ("happy", "sad")
    assert r.params == {"n_neighbors": 3} and r.tune is False
    assert r.preprocessing == Preprocessing(sample_rate=8000, trim_silence=False)
    assert TrainingRecipe.from_dict(r.to_dict()) == r


def test_unknown_key_is_config_error(tmp_path: Path) -> None:
    p = tmp_path / "typo.toml"
    p.write_text('name = "x"\nfeatrues = "seed94"\nmodle = "svm"\n')
    with pytest.raises(ConfigError) as exc:
        load_recipe(p)
    assert str(p) in str(exc.value) and "featrues, modle" in str(exc.value)


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such recipe.*shipped: .*default"):
        load_recipe(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_recipe(bad)
    with pytest.raises(ConfigError, match="malformed recipe"):
        TrainingRecipe.from_dict({"preprocessing": 3}, origin="x")


def test_overrides_replace_only_given_values() -> None:
    base = load_recipe("fast")
    r = base.with_overrides(model="svm", features=None, corpora=("x",), tune=False, name=None)
    assert (r.model, r.features, r.corpora, r.tune, r.name) == ("svm", "logmel-stats", ("x",), False, "fast")
    assert base.model == "logreg", "the recipe itself is immutable"
    assert base.with_overrides() == base


def test_feature_params_reach_the_feature_sets_that_take_them() -> None:
    from emoscore.models.training import recipe_extractor

    spec = {"features": "whisper-base+egemaps", "feature_params": {"pooling": "mean"}}
    recipe = TrainingRecipe.from_dict(spec)
    whisper = recipe_extractor(recipe).parts[0]
    assert (whisper.pooling, whisper.dim) == ("mean", 512)
    with pytest.raises(ConfigError, match="has no parameter nonsense"):
        recipe_extractor(TrainingRecipe.from_dict({"features": "egemaps", "feature_params": {"nonsense": 1}}))


def test_another_model_for_a_task_recipe_keeps_only_its_windows() -> None:
    """`train --task quadrant --model mlp` once passed the recipe's logistic-regression C to the MLP."""
    from emoscore.models.training import build_estimator

    recipe = load_recipe("quadrant").with_overrides(model="mlp")
    assert set(recipe.params) == {"window", "max_windows"}
    build_estimator(recipe)  # no stray hyper-parameter
