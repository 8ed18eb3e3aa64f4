"""Fit a recipe on a corpus table: features (cached), estimator, bundle."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from emoscore.errors import AudioError, DataError
from emoscore.features import FeatureCache, extract_files, get_extractor
from emoscore.models.bundle import ModelBundle
from emoscore.models.classical import build_classifier
from emoscore.models.normalization import GroupStandardizer
from emoscore.models.recipe import TrainingRecipe


@dataclass(frozen=True)
class FeatureTable:
    """Features of a corpus table's usable rows; ``frame`` keeps only the rows that decoded."""

    frame: pd.DataFrame
    X: Any  # 2-D float array, or an object array of per-clip arrays (logmel3)
    errors: tuple[str, ...]


def take(X: Any, idx: Sequence[int] | np.ndarray) -> Any:
    """Rows of a feature matrix or of an object array of per-clip arrays."""
    return X[np.asarray(idx, dtype=int)]


def _stack(arrays: list[np.ndarray]) -> Any:
    if arrays and all(a.ndim == 1 for a in arrays):
        return np.vstack(arrays).astype(np.float32)
    out = np.empty(len(arrays), dtype=object)
    for i, a in enumerate(arrays):
        out[i] = a
    return out


def compute_features(
    frame: pd.DataFrame,
    extractor: Any,
    recipe: TrainingRecipe,
    *,
    cache: FeatureCache | None = None,
    n_jobs: int = 1,
    progress: bool = False,
) -> FeatureTable:
    """Features for every row; rows whose audio cannot be used are dropped and reported."""
    paths = frame["path"].tolist()
    try:
        arrays = extract_files(
            paths,
            extractor,
            preprocessing=recipe.preprocessing,
            cache=cache,
            n_jobs=n_jobs,
            progress=progress,
        )
        return FeatureTable(frame.reset_index(drop=True), _stack(arrays), ())
    except AudioError:
        pass
    keep, arrays, errors = [], [], []
    for i, p in enumerate(paths):
        try:
            arrays.extend(extract_files([p], extractor, preprocessing=recipe.preprocessing, cache=cache))
            keep.append(i)
        except AudioError as exc:
            errors.append(str(exc))
    if not keep:
        raise DataError(f"none of the {len(paths)} files could be used; first problem: {errors[0]}")
    return FeatureTable(frame.iloc[keep].reset_index(drop=True), _stack(arrays), tuple(errors))


def build_estimator(recipe: TrainingRecipe) -> Any:
    """A fresh estimator for the recipe's model kind."""
    if recipe.model == "cnn":
        from emoscore.models.neural import LogMelCNN

        return LogMelCNN(**recipe.params)
    return build_classifier(recipe.model, params=recipe.params, tune=recipe.tune)


def fit_estimator(estimator: Any, X: Any, y: Sequence[str], groups: Sequence[str] | None) -> Any:
    """Fit, passing speaker groups to estimators that tune or validate by group."""
    if groups is not None and "groups" in inspect.signature(estimator.fit).parameters:
        return estimator.fit(X, np.asarray(y), groups=np.asarray(groups))
    return estimator.fit(X, np.asarray(y))


def normalization_groups(recipe: TrainingRecipe, frame: pd.DataFrame) -> np.ndarray | None:
    """The group of each row for the recipe's normalisation (None: no normalisation)."""
    if recipe.normalization == "none":
        return None
    return frame["speaker" if recipe.normalization == "speaker" else "corpus"].astype(str).to_numpy()


def fit_normalized(
    recipe: TrainingRecipe, X: Any, frame: pd.DataFrame
) -> tuple[Any, GroupStandardizer | None]:
    """Fit the recipe's estimator, normalising features per group first when the recipe says so."""
    groups = normalization_groups(recipe, frame)
    normalizer = None
    if groups is not None:
        normalizer = GroupStandardizer(recipe.normalization_prior).fit(X, groups=groups)
        X = normalizer.transform(X, groups)
    estimator = fit_estimator(build_estimator(recipe), X, frame["label"], frame["speaker"])
    return estimator, normalizer


def bundle_metadata(
    recipe: TrainingRecipe, frame: pd.DataFrame, metrics: dict[str, Any] | None = None, **training: Any
) -> dict[str, Any]:
    """What every bundle records about its recipe and training data; ``training`` adds
    model-specific entries to the ``training`` summary."""
    return {
        "name": recipe.name,
        "version": recipe.version,
        "task": recipe.task,
        "description": recipe.description,
        "licence": recipe.licence,
        "recipe": recipe.to_dict(),
        "training": {
            "corpora": sorted(frame["corpus"].unique().tolist()),
            "n_clips": int(len(frame)),
            **training,
            "label_counts": {k: int(v) for k, v in frame["label"].value_counts().sort_index().items()},
        },
        "metrics": metrics or {},
    }


def fit_bundle(
    recipe: TrainingRecipe, table: FeatureTable, extractor: Any, *, metrics: dict[str, Any] | None = None
) -> ModelBundle:
    """Fit the recipe on every row of ``table`` and wrap it as a bundle."""
    frame = table.frame
    estimator, normalizer = fit_normalized(recipe, table.X, frame)
    labels = tuple(recipe.labels) if recipe.labels else tuple(sorted(frame["label"].unique()))
    labels = tuple(lab for lab in labels if lab in set(estimator.classes_))
    meta = bundle_metadata(
        recipe, frame, metrics, speakers=sorted(frame["speaker"].astype(str).unique().tolist())
    )
    best = getattr(estimator, "best_params_", None)
    if best:
        meta["tuned_params"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in best.items()}
    meta["normalization"] = {"kind": recipe.normalization, "prior": recipe.normalization_prior}
    return ModelBundle(estimator, extractor, recipe.preprocessing, labels, meta, normalizer)


def recipe_extractor(recipe: TrainingRecipe) -> Any:
    return get_extractor(recipe.features)
