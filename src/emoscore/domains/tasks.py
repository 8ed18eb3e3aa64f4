"""Music and sound tasks: quadrant (Q1..Q4), valence and arousal (low/high), and the
speech / music / other domain — their labels, training, cross-validation and held-out tests.

Every task model is a bundle whose extractor is a :class:`~emoscore.domains.windowed.
WindowedExtractor` and whose estimator is a :class:`~emoscore.domains.windowed.
WindowPooledClassifier`: trained on analysis-sized windows, it scores a 4-s ``analyze`` window
and a 30-s clip (mean over its windows) alike. Speech clips join the valence and arousal tasks
through the taxonomy's class coordinates (SPEC §3): a class above 0.5 + ``margin`` is ``high``,
below 0.5 − ``margin`` is ``low``, in between (neutral valence, disgust arousal) is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from emoscore.corpora import load_corpus, load_manifest
from emoscore.corpora.music import MUSIC_LOADERS, QUADRANT_SIGNS, QUADRANTS
from emoscore.domains.windowed import WindowedExtractor, WindowPooledClassifier, extract_windows
from emoscore.errors import ConfigError, DataError
from emoscore.features import FeatureCache
from emoscore.models.bundle import ModelBundle
from emoscore.models.classical import build_classifier
from emoscore.models.recipe import TrainingRecipe, load_recipe
from emoscore.models.training import FeatureTable, bundle_metadata
from emoscore.protocols.evaluation import EvaluationResult, evaluate_bundle
from emoscore.protocols.metrics import classification_report
from emoscore.protocols.splits import make_splits
from emoscore.taxonomy import Taxonomy, load_taxonomy

TASKS = ("quadrant", "valence", "arousal", "domain")
TASK_LABELS: dict[str, tuple[str, ...]] = {
    "quadrant": QUADRANTS,
    "valence": ("low", "high"),
    "arousal": ("low", "high"),
    "domain": ("speech", "music", "other"),
}
#: the corpus name of the generated non-speech, non-music sounds (see :mod:`emoscore.domains.sounds`)
OTHER_CORPUS = "synthetic-other"
#: speech over a music bed (RAVDESS + 4Q audio), for the domain detector
MIX_CORPUS = "dialogue-over-music"
VA_MARGIN = 0.1
WINDOW_KEYS = ("window", "max_windows")


def check_task(task: str) -> str:
    if task not in TASKS:
        raise ConfigError(f"unknown task {task!r}; known: {', '.join(TASKS)}")
    return task


def _speech_level(label: str, dim: int, vad: Any, margin: float) -> str:
    coords = vad.get(label)
    if coords is None:
        return ""
    x = coords[dim]
    return "high" if x > 0.5 + margin else "low" if x < 0.5 - margin else ""


def task_frame(
    frame: pd.DataFrame, task: str, *, taxonomy: Taxonomy | None = None, margin: float = VA_MARGIN
) -> pd.DataFrame:
    """The rows of a corpus table usable for ``task``, relabelled; ``code`` keeps the old label.

    >>> f = pd.DataFrame({"path": ["a", "b", "c"], "label": ["Q2", "angry", "neutral"], "code": "",
    ...                   "speaker": ["m:1", "s:1", "s:2"], "corpus": ["mer-4q", "ravdess", "ravdess"]})
    >>> task_frame(f, "arousal")["label"].tolist(), task_frame(f, "valence")["label"].tolist()
    (['high', 'high', 'low'], ['low', 'low'])
    """
    check_task(task)
    labels = frame["label"].astype(str)
    if task == "quadrant":
        out = labels.where(labels.isin(QUADRANTS), "")
    elif task == "domain":
        music = frame["corpus"].isin(MUSIC_LOADERS) | labels.isin(QUADRANTS)
        other = frame["corpus"] == OTHER_CORPUS
        out = pd.Series(np.where(other, "other", np.where(music, "music", "speech")), index=frame.index)
    else:
        dim = 0 if task == "valence" else 1
        vad = (taxonomy or load_taxonomy()).vad
        out = pd.Series(
            [
                lab
                if lab in ("low", "high")
                else ("high" if QUADRANT_SIGNS[lab][dim] > 0 else "low")
                if lab in QUADRANT_SIGNS
                else _speech_level(lab, dim, vad, margin)
                for lab in labels
            ],
            index=frame.index,
        )
    kept = frame.assign(code=labels, label=out)
    kept = kept[kept["label"] != ""].reset_index(drop=True)
    if kept.empty:
        raise DataError(f"no clips usable for task {task} (labels: {', '.join(sorted(set(labels)))})")
    return kept


def task_taxonomy(task: str) -> Taxonomy:
    """A taxonomy whose generic map accepts exactly the task's labels (for manifests)."""
    labels = TASK_LABELS[check_task(task)]
    names = {lab: lab for lab in labels} | {lab.lower(): lab for lab in labels}
    return Taxonomy(vad={lab: (0.5, 0.5, 0.5) for lab in labels}, corpus_maps={"generic": names})


def load_task_manifest(csv_path: str | Path, task: str) -> pd.DataFrame:
    """A manifest CSV (``path,label[,speaker]``) whose labels are the task's (Q1..Q4, low/high);
    bad rows are named in ``attrs["bad_rows"]``."""
    result = load_manifest(csv_path, taxonomy=task_taxonomy(task))
    frame = result.frame
    frame.attrs["bad_rows"] = result.bad_rows
    return frame


def load_task_corpora(
    names: Sequence[str], task: str, data_root: str | Path | None = None, *, cache: FeatureCache | None = None
) -> pd.DataFrame:
    """Named corpora (speech, music, ``synthetic-other``) relabelled for ``task``."""
    frames, bad = [], []
    for name in names:
        if name == OTHER_CORPUS:
            from emoscore.domains.sounds import load_other_sounds

            f = load_other_sounds(root=(cache or FeatureCache()).root)
        elif name == MIX_CORPUS:
            from emoscore.domains.sounds import load_dialogue_over_music

            speech, music = load_corpus("ravdess", data_root), load_corpus("mer-4q", data_root)
            f = load_dialogue_over_music((cache or FeatureCache()).root, speech, music)
        else:
            f = load_corpus(name, data_root)
        bad.extend(f.attrs.get("bad_rows", ()))
        f.attrs = {}
        frames.append(task_frame(f, task))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame.attrs["bad_rows"] = tuple(bad)
    return frame


# --- features and estimators -------------------------------------------------------------------


def recipe_windowed_extractor(recipe: TrainingRecipe) -> WindowedExtractor:
    """The recipe's feature set, windowed as its params say (``window`` s, ``max_windows``)."""
    p = recipe.params
    return WindowedExtractor(
        recipe.features, window=float(p.get("window", 4.0)), max_windows=int(p.get("max_windows", 4))
    )


def build_task_estimator(recipe: TrainingRecipe) -> WindowPooledClassifier:
    params = {k: v for k, v in recipe.params.items() if k not in WINDOW_KEYS}
    return WindowPooledClassifier(build_classifier(recipe.model, params=params, tune=False))


def task_features(
    frame: pd.DataFrame,
    extractor: WindowedExtractor,
    recipe: TrainingRecipe,
    *,
    cache: FeatureCache | None = None,
    n_jobs: int = 1,
    progress: bool = False,
) -> FeatureTable:
    """Window features of every row (cached); rows whose audio fails are dropped and named."""
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


def _take(X: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return X[np.asarray(idx, dtype=int)]


@dataclass(frozen=True)
class TaskRun:
    """A trained task bundle with the cross-validation that was reported in it (if any)."""

    bundle: ModelBundle
    evaluation: EvaluationResult | None = None
    errors: tuple[str, ...] = field(default=())


def cross_validate_task(
    recipe: TrainingRecipe,
    table: FeatureTable,
    *,
    test_corpus: str | None = None,
    protocol: str = "group-kfold",
    folds: int = 5,
    seed: int = 0,
) -> EvaluationResult:
    """Grouped CV: folds over ``test_corpus`` rows (default: all rows) by group; the recipe's
    other corpora always stay in training."""
    frame = table.frame
    is_test = (
        np.ones(len(frame), bool) if test_corpus is None else (frame["corpus"] == test_corpus).to_numpy()
    )
    if not is_test.any():
        raise DataError(f"corpus {test_corpus!r} has no clips in the evaluation table")
    test_idx, other_idx = np.flatnonzero(is_test), np.flatnonzero(~is_test)
    labels = frame["label"].astype(str).to_numpy()
    groups = frame["speaker"].astype(str).to_numpy()
    predicted = np.empty(len(frame), dtype=object)
    fold_of = np.full(len(frame), -1)
    splits = make_splits(protocol, labels[test_idx], groups[test_idx], folds=folds, seed=seed)
    for k, (tr, te) in enumerate(splits):
        train = np.concatenate([test_idx[tr], other_idx])
        est = build_task_estimator(recipe).fit(_take(table.X, train), labels[train])
        predicted[test_idx[te]] = est.predict(_take(table.X, test_idx[te]))
        fold_of[test_idx[te]] = k
    preds = pd.DataFrame(
        {
            "path": frame["path"].to_numpy()[test_idx],
            "label": labels[test_idx],
            "predicted": predicted[test_idx].astype(str),
            "fold": fold_of[test_idx],
        }
    )
    order = [lab for lab in TASK_LABELS.get(recipe.task, tuple(sorted(set(labels)))) if lab in set(labels)]
    report = classification_report(preds["label"], preds["predicted"], labels=order)
    name = test_corpus or "+".join(dict.fromkeys(frame["corpus"]))
    return EvaluationResult(
        report, "cross-validation", protocol, len(splits), name, recipe.name, preds, table.errors
    )


def fit_task_bundle(
    recipe: TrainingRecipe,
    table: FeatureTable,
    extractor: WindowedExtractor,
    *,
    metrics: dict[str, Any] | None = None,
) -> ModelBundle:
    frame = table.frame
    est = build_task_estimator(recipe).fit(table.X, frame["label"].astype(str).to_numpy())
    labels = tuple(lab for lab in TASK_LABELS[recipe.task] if lab in set(est.classes_))
    meta = bundle_metadata(
        recipe,
        frame,
        metrics,
        n_windows=int(sum(len(x) for x in table.X)),
        groups=int(frame["speaker"].nunique()),
    )
    return ModelBundle(est, extractor, recipe.preprocessing, labels, meta)


def task_recipe(
    task: str, recipe: str | Path | TrainingRecipe | None = None, **overrides: Any
) -> TrainingRecipe:
    """The shipped recipe of a task (``data/recipes/<task>.toml``) or a given one, checked."""
    rec = recipe if isinstance(recipe, TrainingRecipe) else load_recipe(recipe or check_task(task))
    rec = rec.with_overrides(**overrides)
    if rec.task != task:
        rec = replace(rec, task=check_task(task))
    return rec


def train_task(
    recipe: TrainingRecipe,
    *,
    data_root: str | Path | None = None,
    cache: FeatureCache | None = None,
    protocol: str | None = "group-kfold",
    folds: int = 5,
    n_jobs: int = 1,
    progress: bool = False,
    notify: Callable[[str], None] = lambda _m: None,
) -> TaskRun:
    """Load the recipe's corpora, cross-validate (grouped) on the first one (the domain task: on
    all of them), then fit on everything."""
    if not recipe.corpora:
        raise ConfigError(f"recipe {recipe.name}: no corpora to train on")
    cache = cache or FeatureCache()
    frame = load_task_corpora(list(recipe.corpora), recipe.task, data_root, cache=cache)
    extractor = recipe_windowed_extractor(recipe)
    notify(f"features {extractor.name} for {len(frame)} clips …")
    table = task_features(frame, extractor, recipe, cache=cache, n_jobs=n_jobs, progress=progress)
    evaluation = None
    if protocol:
        # the detector is scored on held-out groups of every corpus; a task on its first corpus
        first = None if recipe.task == "domain" else recipe.corpora[0]
        evaluation = cross_validate_task(
            recipe, table, test_corpus=first, protocol=protocol, folds=folds, seed=recipe.seed
        )
    metrics = {k: v for k, v in evaluation.to_dict().items() if k != "bad_rows"} if evaluation else {}
    bundle = fit_task_bundle(recipe, table, extractor, metrics=metrics)
    return TaskRun(bundle, evaluation, tuple(frame.attrs.get("bad_rows", ())) + table.errors)


def evaluate_task(
    task: str,
    *,
    model: str | Path | ModelBundle | None = None,
    corpus: str | None = None,
    manifest: str | Path | None = None,
    data_root: str | Path | None = None,
    protocol: str = "group-kfold",
    folds: int = 5,
    n_jobs: int = 1,
    progress: bool = False,
    notify: Callable[[str], None] = lambda _m: None,
) -> EvaluationResult:
    """``evaluate --task``: a manifest or an unseen corpus is a held-out test of the bundle (the
    committed default of the task without ``model``); a corpus the bundle trained on is
    cross-validated with its recipe, grouped (artists, songs, pieces, speakers)."""
    from emoscore.models.registry import load_model

    check_task(task)
    bundle = model if isinstance(model, ModelBundle) else load_model(model or task)
    if bundle.task != task:
        raise ConfigError(f"model {bundle.name} is for task {bundle.task}, not {task}")
    if (corpus is None) == (manifest is None):
        raise ConfigError("evaluate: give exactly one of --corpus or --manifest")
    cache = FeatureCache()
    recipe = (
        TrainingRecipe.from_dict(bundle.meta["recipe"], origin=f"{bundle.name} recipe")
        if "recipe" in bundle.meta
        else TrainingRecipe(task=task, preprocessing=bundle.preprocessing)
    )
    trained_on = set(bundle.meta.get("training", {}).get("corpora", []))
    if corpus is not None and corpus in trained_on:
        notify(
            f"cross-validating recipe {recipe.name} ({recipe.features} + {recipe.model}) on {corpus}, "
            f"protocol {protocol}; other corpora stay in training"
        )
        frame = load_task_corpora(list(recipe.corpora), task, data_root, cache=cache)
        extractor = bundle.extractor
        table = task_features(frame, extractor, recipe, cache=cache, n_jobs=n_jobs, progress=progress)
        res = cross_validate_task(
            recipe, table, test_corpus=corpus, protocol=protocol, folds=folds, seed=recipe.seed
        )
        return replace(res, bad_rows=tuple(frame.attrs.get("bad_rows", ())) + res.bad_rows)
    if manifest is not None:
        frame = load_task_manifest(manifest, task)
        name = Path(manifest).stem
    else:
        frame = load_task_corpora([str(corpus)], task, data_root, cache=cache)
        name = str(corpus)
    bad = tuple(frame.attrs.get("bad_rows", ()))
    table = task_features(frame, bundle.extractor, recipe, cache=cache, n_jobs=n_jobs, progress=progress)
    result = evaluate_bundle(bundle, table, corpus=name)
    return replace(result, bad_rows=bad + result.bad_rows)
