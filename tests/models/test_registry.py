"""Named models: shipped names resolve, bundle paths load, unknown names are one clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emoscore.audio.preprocess import Preprocessing
from emoscore.errors import ModelError
from emoscore.features import Seed94Extractor
from emoscore.models.bundle import ModelBundle
from emoscore.models.classical import build_classifier
from emoscore.models.registry import list_models, load_model, resolve_model, shipped_model_names
from emoscore.taxonomy import load_taxonomy


def test_shipped_models_are_listed_without_unpickling() -> None:
    names = shipped_model_names()
    assert "default" in names
    rows = {r["name"]: r for r in list_models()}
    assert set(rows) == set(names)
    emotions = set(load_taxonomy().emotions)
    from emoscore.vocabulary import TASK_LABELS

    for row in rows.values():
        known = set(TASK_LABELS[row["task"]]) if row["task"] in TASK_LABELS else emotions
        assert row["labels"] and set(row["labels"]) <= known
        assert Path(row["path"]).is_file() and row["path"].endswith(".emo")
        assert row["feature_set"] != "?" and row["licence"]
    assert resolve_model("default") == Path(rows["default"]["path"])


def test_unknown_name_lists_shipped_models() -> None:
    with pytest.raises(ModelError) as exc:
        resolve_model("no-such-model")
    msg = str(exc.value)
    assert "'no-such-model'" in msg and "default" in msg and "\n" not in msg


def test_missing_path_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "gone.emo")
    with pytest.raises(ModelError, match="not found"):
        resolve_model("models/other")


def test_bundle_by_path(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-3, 1, (10, 4)), rng.normal(3, 1, (10, 4))])
    y = np.repeat(["calm", "angry"], 10)
    est = build_classifier("logreg", tune=False).fit(X, y)
    path = ModelBundle(est, Seed94Extractor(), Preprocessing(), ("calm", "angry"), {"name": "p"}).save(
        tmp_path / "p.emo"
    )
    assert resolve_model(str(path)) == path
    loaded = load_model(path)
    assert loaded.labels == ("calm", "angry")
    assert loaded.predict_proba(X).argmax(axis=1).tolist() == [0] * 10 + [1] * 10


def test_each_tier_names_a_shipped_model_for_every_task() -> None:
    from emoscore.models.registry import TIER_MODELS, TIER_VAD_RATE, default_model, model_tier
    from emoscore.vocabulary import Task, Tier

    shipped = set(shipped_model_names())
    for tier, models in TIER_MODELS.items():
        assert set(models) == set(Task) and set(models.values()) <= shipped and tier in TIER_VAD_RATE
        for task, name in models.items():
            assert default_model(task, tier) == name
            assert load_model(name, task=task).task == task
    assert model_tier(TIER_MODELS[Tier.FAST][Task.EMOTION]) == Tier.FAST
    assert model_tier("default") == Tier.STANDARD
    # the fast tier's task models read the fast emotion model's features: computed once a window
    fast = load_model("fast")
    for task in (Task.VALENCE, Task.AROUSAL, Task.QUADRANT, Task.DOMAIN):
        assert load_model(default_model(task, Tier.FAST)).extractor.base == fast.extractor


def test_a_bundle_without_a_tier_is_standard_and_a_bad_tier_is_refused() -> None:
    from emoscore.errors import ConfigError
    from emoscore.models.recipe import TrainingRecipe
    from emoscore.models.registry import model_tier
    from emoscore.vocabulary import Tier

    bundle = ModelBundle(None, Seed94Extractor(), Preprocessing(), ("a", "b"), {"recipe": {}})
    assert model_tier(bundle) == Tier.STANDARD
    assert TrainingRecipe.from_dict({"tier": "FAST"}).tier == "fast"
    with pytest.raises(ConfigError, match="unknown tier 'turbo'"):
        TrainingRecipe.from_dict({"tier": "turbo"}, origin="x.toml")
