"""Fit a recipe on a corpus table: features (cached), estimator, bundle — for every task.

Speech emotion recipes use a feature set per clip; the music and sound tasks (quadrant, valence,
arousal, domain) see it per analysis-sized window (:class:`~emoscore.features.windowed.
WindowedExtractor`) and train a :class:`~emoscore.models.pooled.WindowPooledClassifier`, so a
4-s ``analyze`` window and a 30-s clip are scored alike. Everything else is the same path.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from emoscore.audio.augment import Augmentation
from emoscore.corpora.catalog import corpus_catalog
from emoscore.corpora.registry import load_corpus
from emoscore.errors import AudioError, DataError
from emoscore.features import FeatureCache, extract_files, get_extractor
from emoscore.features.windowed import WindowedExtractor, extract_windows
from emoscore.models.bundle import ModelBundle
from emoscore.models.classical import build_classifier
from emoscore.models.normalization import GroupStandardizer
from emoscore.models.pooled import WindowPooledClassifier
from emoscore.models.recipe import AUGMENT_KEYS, WINDOW_PARAMS, TrainingRecipe
from emoscore.vocabulary import TASK_LABELS, Task

#: recipe params that shape the windowing of a task model, not its classifier


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
    if isinstance(extractor, WindowedExtractor):
        return _window_features(frame, extractor, recipe, cache=cache, n_jobs=n_jobs, progress=progress)
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


def _window_features(
    frame: pd.DataFrame,
    extractor: WindowedExtractor,
    recipe: TrainingRecipe,
    *,
    cache: FeatureCache | None,
    n_jobs: int,
    progress: bool,
) -> FeatureTable:
    mats, errors = extract_windows(
        frame["path"].tolist(),
        extractor,
        preprocessing=recipe.preprocessing,
        cache=cache,
        n_jobs=n_jobs,
        progress=progress,
    )
    keep = [i for i, m in enumerate(mats) if m is not None]
    if not keep:
        raise DataError(f"none of the {len(mats)} files could be used; first problem: {errors[0]}")
    X = np.empty(len(keep), dtype=object)
    for j, i in enumerate(keep):
        X[j] = mats[i]
    return FeatureTable(frame.iloc[keep].reset_index(drop=True), X, errors)


def recipe_augmentations(recipe: TrainingRecipe, data_root: str | Path | None = None) -> list[Augmentation]:
    """One :class:`Augmentation` per augmented copy the recipe asks for (seeds differ by copy);
    the music beds are the clips of the recipe's ``music_corpora`` under the data root."""
    spec = recipe.augment
    if not spec:
        return []
    settings = {k: v for k, v in spec.items() if k not in AUGMENT_KEYS}
    beds: list[str] = []
    for name in spec.get("music_corpora", []):
        beds.extend(str(p) for p in load_corpus(name, data_root)["path"])
    base = int(settings.pop("seed", recipe.seed))
    return [
        Augmentation.from_dict({**settings, "seed": base + k, "music_beds": beds})
        for k in range(int(spec.get("copies", 1)))
    ]


def training_table(
    frame: pd.DataFrame,
    extractor: Any,
    recipe: TrainingRecipe,
    *,
    data_root: str | Path | None = None,
    cache: FeatureCache | None = None,
    n_jobs: int = 1,
    progress: bool = False,
) -> FeatureTable:
    """:func:`compute_features`, plus the recipe's augmented copies of every usable row, marked
    ``augmented`` (True): training rows only, which every protocol keeps with their speaker and
    never scores."""
    table = compute_features(frame, extractor, recipe, cache=cache, n_jobs=n_jobs, progress=progress)
    augmentations = [] if is_window_task(recipe) else recipe_augmentations(recipe, data_root)
    if not augmentations:
        return table
    paths = table.frame["path"].tolist()
    frames, arrays = [table.frame.assign(augmented=False)], [table.X]
    for aug in augmentations:
        feats = extract_files(
            paths,
            extractor,
            preprocessing=recipe.preprocessing,
            augment=aug,
            cache=cache,
            n_jobs=n_jobs,
            progress=progress,
        )
        frames.append(table.frame.assign(augmented=True))
        arrays.append(_stack(feats))
    return FeatureTable(pd.concat(frames, ignore_index=True), np.concatenate(arrays), table.errors)


def augmented_rows(frame: pd.DataFrame) -> np.ndarray:
    """Which rows are augmented copies (all False for a table without the column)."""
    if "augmented" not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame["augmented"].fillna(False).astype(bool).to_numpy()


def is_window_task(recipe: TrainingRecipe) -> bool:
    """Whether the recipe trains a window-level music/sound task model."""
    return recipe.task in TASK_LABELS


def build_estimator(recipe: TrainingRecipe) -> Any:
    """A fresh estimator for the recipe's model kind (window-pooled for the music/sound tasks)."""
    if recipe.model == "cnn":
        from emoscore.models.neural import LogMelCNN

        return LogMelCNN(**recipe.params)
    if is_window_task(recipe):
        params = {k: v for k, v in recipe.params.items() if k not in WINDOW_PARAMS}
        return WindowPooledClassifier(build_classifier(recipe.model, params=params, tune=recipe.tune))
    return build_classifier(recipe.model, params=recipe.params, tune=recipe.tune)


def recipe_labels(recipe: TrainingRecipe, present: Sequence[str]) -> tuple[str, ...]:
    """The class order of a recipe's results: its labels, the task's, else the sorted ones present."""
    order = recipe.labels or TASK_LABELS.get(cast(Task, recipe.task), ())
    seen = set(present)
    return tuple(lab for lab in order if lab in seen) if order else tuple(sorted(seen))


def fit_estimator(estimator: Any, X: Any, y: Sequence[str], groups: Sequence[str] | None) -> Any:
    """Fit, passing speaker groups to estimators that tune or validate by group."""
    if groups is not None and "groups" in inspect.signature(estimator.fit).parameters:
        return estimator.fit(X, np.asarray(y), groups=np.asarray(groups))
    return estimator.fit(X, np.asarray(y))


def normalization_groups(recipe: TrainingRecipe, frame: pd.DataFrame) -> np.ndarray | None:
    """The group of each row for the recipe's normalisation (None: no normalisation)."""
    if recipe.normalization == "none":
        return None
    groups = frame["speaker" if recipe.normalization == "speaker" else "corpus"].astype(str).to_numpy()
    # an augmented speaker is normalised by its own degraded clips, as an input file is at inference
    return np.where(augmented_rows(frame), np.char.add(groups.astype(str), "~augmented"), groups)


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
    model-specific entries to the ``training`` summary, which names each corpus's licence."""
    catalog = corpus_catalog()
    corpora = sorted(frame["corpus"].unique().tolist())
    return {
        "name": recipe.name,
        "version": recipe.version,
        "task": recipe.task,
        "description": recipe.description,
        "licence": recipe.licence,
        "recipe": recipe.to_dict(),
        "training": {
            "corpora": corpora,
            "licences": {
                c: catalog[c].licence if c in catalog else "see the data's own terms" for c in corpora
            },
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
    estimator, normalizer = fit_normalized(recipe, table.X, table.frame)
    labels = recipe_labels(recipe, [str(c) for c in estimator.classes_])
    augmented = augmented_rows(table.frame)
    frame = table.frame[~augmented]  # the clips; their augmented copies are counted apart
    if is_window_task(recipe):
        summary: dict[str, Any] = {
            "n_windows": int(sum(len(x) for x in table.X)),
            "groups": int(frame["speaker"].nunique()),
        }
    else:
        summary = {"speakers": sorted(frame["speaker"].astype(str).unique().tolist())}
    if augmented.any():
        summary["augmented_rows"] = int(augmented.sum())
    meta = bundle_metadata(recipe, frame, metrics, **summary)
    best = getattr(estimator, "best_params_", None)
    if best:
        meta["tuned_params"] = {k: (list(v) if isinstance(v, tuple) else v) for k, v in best.items()}
    meta["normalization"] = {"kind": recipe.normalization, "prior": recipe.normalization_prior}
    return ModelBundle(estimator, extractor, recipe.preprocessing, labels, meta, normalizer)


def recipe_extractor(recipe: TrainingRecipe) -> Any:
    """The recipe's feature set; per analysis-sized window (``window`` s, up to ``max_windows``
    spread over a clip) for the music/sound tasks."""
    if is_window_task(recipe):
        p = recipe.params
        return WindowedExtractor(
            get_extractor(recipe.features, **recipe.feature_params),
            window=float(p.get("window", 4.0)),
            max_windows=int(p.get("max_windows", 4)),
        )
    return get_extractor(recipe.features, **recipe.feature_params)
