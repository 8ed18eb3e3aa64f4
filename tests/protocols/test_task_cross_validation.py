"""One cross-validation and one bundle path for the music/sound tasks too (synthetic window features)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from emoscore.features.windowed import WindowedExtractor
from emoscore.models.recipe import recipe_for
from emoscore.models.training import FeatureTable, fit_bundle
from emoscore.protocols.evaluation import cross_validate, evaluate_bundle


def _frame(labels: list[str], corpus: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "path": [f"{corpus}/{i}.wav" for i in range(len(labels))],
            "label": labels,
            "code": "",
            "speaker": [f"{corpus}:{i % 7}" for i in range(len(labels))],
            "corpus": corpus,
        }
    )


def _table(n_per: int = 20, seed: int = 0) -> FeatureTable:
    rng = np.random.default_rng(seed)
    labels = [q for q in ("Q1", "Q2", "Q3", "Q4") for _ in range(n_per)]
    centres = {"Q1": (2, 2), "Q2": (-2, 2), "Q3": (-2, -2), "Q4": (2, -2)}
    X = np.empty(len(labels), dtype=object)
    for i, lab in enumerate(labels):
        X[i] = rng.normal(centres[lab], 1.0, size=(2, 2))
    frame = _frame(labels, "mer-4q")
    frame["speaker"] = [f"mer-4q:artist{i // 2}" for i in range(len(labels))]  # two clips per artist
    return FeatureTable(frame, X, ())


def test_grouped_cross_validation_keeps_artists_together() -> None:
    recipe = recipe_for("quadrant")
    res = cross_validate(recipe, _table(), protocol="group-kfold", folds=4)
    assert res.report.n == 80 and res.report.ua > 0.9 and res.report.chance_ua == 0.25
    folds = res.predictions.assign(artist=_table().frame["speaker"]).groupby("artist")["fold"].nunique()
    assert (folds == 1).all()


def test_task_bundle_scores_held_out_clips() -> None:
    recipe = recipe_for("quadrant")
    bundle = fit_bundle(recipe, _table(seed=1), WindowedExtractor("egemaps"))
    assert bundle.task == "quadrant" and bundle.labels == ("Q1", "Q2", "Q3", "Q4")
    assert bundle.meta["training"]["n_windows"] == 160
    res = evaluate_bundle(bundle, _table(seed=2), corpus="held-out")
    assert res.report.wa > 0.9
