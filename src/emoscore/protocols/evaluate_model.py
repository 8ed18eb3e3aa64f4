"""``evaluate`` as a library call: pick cross-validation or a held-out test for a model and data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from emoscore.corpora import load_corpora, load_corpus
from emoscore.errors import DataError
from emoscore.features import FeatureCache
from emoscore.models.recipe import TrainingRecipe
from emoscore.models.registry import load_model
from emoscore.models.training import compute_features
from emoscore.protocols.evaluation import EvaluationResult, cross_validate, evaluate_bundle


def evaluate_model(
    model: str | Path | None,
    *,
    task: str | None = None,
    corpus: str | None = None,
    manifest: str | Path | None = None,
    data_root: str | Path | None = None,
    protocol: str = "speaker-kfold",
    folds: int = 5,
    restrict_labels: bool = False,
    n_jobs: int = 1,
    progress: bool = False,
    notify: Callable[[str], None] = lambda _m: None,
) -> EvaluationResult:
    """Evaluate ``model`` honestly.

    A corpus the model was trained on is scored by cross-validating the model's recipe (test
    folds by speaker, the recipe's other corpora always in training); any other corpus or a
    manifest is a held-out test of the fitted model. ``task`` (quadrant, valence, arousal,
    domain) scores a music/sound task model instead: by default the task's committed bundle.
    """
    if task is not None:
        from emoscore.domains.tasks import evaluate_task

        return evaluate_task(
            task,
            model=model,
            corpus=corpus,
            manifest=manifest,
            data_root=data_root,
            protocol="group-kfold" if protocol == "speaker-kfold" else protocol,
            folds=folds,
            n_jobs=n_jobs,
            progress=progress,
            notify=notify,
        )
    bundle = load_model(model or "default")
    cache = FeatureCache()
    trained_on = set(bundle.meta.get("training", {}).get("corpora", []))
    if corpus is not None and corpus in trained_on and "recipe" in bundle.meta:
        recipe = TrainingRecipe.from_dict(bundle.meta["recipe"], origin=f"{model} recipe")
        frame = load_corpora(list(recipe.corpora), data_root, labels=recipe.labels)
        notify(
            f"cross-validating recipe {recipe.name} ({recipe.features} + {recipe.model}) on {corpus}, "
            f"protocol {protocol}; other corpora stay in training"
        )
        table = compute_features(
            frame, bundle.extractor, recipe, cache=cache, n_jobs=n_jobs, progress=progress
        )
        return cross_validate(
            recipe, table, test_corpus=corpus, protocol=protocol, folds=folds, seed=recipe.seed
        )
    source = str(manifest) if manifest is not None else str(corpus)
    frame = load_corpus(source, data_root)
    bad = tuple(frame.attrs.get("bad_rows", ()))
    unknown = sorted(set(frame["label"]) - set(bundle.labels))
    if unknown and manifest is None and restrict_labels:
        notify(
            f"left out {int(frame['label'].isin(unknown).sum())} clip(s) labelled {', '.join(unknown)} "
            f"(unknown to model {bundle.name})"
        )
        frame = frame[~frame["label"].isin(unknown)].reset_index(drop=True)
    elif unknown:
        raise DataError(
            f"{source}: label(s) {', '.join(unknown)} unknown to model {bundle.name} "
            f"(it knows {', '.join(bundle.labels)})"
        )
    if frame.empty:
        raise DataError(f"{source}: no usable rows to evaluate")
    recipe = TrainingRecipe(preprocessing=bundle.preprocessing)
    table = compute_features(frame, bundle.extractor, recipe, cache=cache, n_jobs=n_jobs, progress=progress)
    result = evaluate_bundle(
        bundle,
        table,
        corpus=Path(source).stem if manifest is not None else source,
        restrict_labels=restrict_labels,
    )
    from dataclasses import replace

    return replace(result, bad_rows=bad + result.bad_rows)
