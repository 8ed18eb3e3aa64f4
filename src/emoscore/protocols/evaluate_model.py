"""``evaluate`` as a library call: cross-validation or a held-out test, for a model of any task."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from emoscore.corpora.tasks import load_corpora_for, load_source_for
from emoscore.errors import ConfigError, DataError
from emoscore.features import FeatureCache
from emoscore.models.recipe import TrainingRecipe
from emoscore.models.registry import default_model, load_model
from emoscore.models.training import compute_features
from emoscore.protocols.evaluation import EvaluationResult, cross_validate, evaluate_bundle
from emoscore.protocols.splits import protocol_for_task
from emoscore.vocabulary import Protocol, Task, parse_task


def evaluate_model(
    model: str | Path | None,
    *,
    task: str | None = None,
    corpus: str | None = None,
    manifest: str | Path | None = None,
    data_root: str | Path | None = None,
    protocol: str = Protocol.SPEAKER_KFOLD,
    folds: int = 5,
    restrict_labels: bool = False,
    n_jobs: int = 1,
    progress: bool = False,
    notify: Callable[[str], None] = lambda _m: None,
) -> EvaluationResult:
    """Evaluate ``model`` (default: the task's shipped model) honestly.

    A corpus the model was trained on is scored by cross-validating the model's recipe (test
    folds by speaker, artist or group; the recipe's other corpora always in training); any other
    corpus or a manifest is a held-out test of the fitted model. ``task`` is speech emotion by
    default, or quadrant, valence, arousal, domain.
    """
    t = parse_task(task or Task.EMOTION)
    if (corpus is None) == (manifest is None):
        raise ConfigError("evaluate: give exactly one of --corpus or --manifest")
    name = str(model or default_model(t))
    bundle = load_model(name, task=t)
    protocol = protocol_for_task(t, protocol)
    cache = FeatureCache()
    trained_on = set(bundle.meta.get("training", {}).get("corpora", []))
    if corpus is not None and corpus in trained_on and "recipe" in bundle.meta:
        recipe = TrainingRecipe.from_dict(bundle.meta["recipe"], origin=f"{name} recipe")
        notify(
            f"cross-validating recipe {recipe.name} ({recipe.features} + {recipe.model}) on {corpus}, "
            f"protocol {protocol}; other corpora stay in training"
        )
        frame = load_corpora_for(t, list(recipe.corpora), data_root, labels=recipe.labels)
        table = compute_features(
            frame, bundle.extractor, recipe, cache=cache, n_jobs=n_jobs, progress=progress
        )
        res = cross_validate(
            recipe, table, test_corpus=corpus, protocol=protocol, folds=folds, seed=recipe.seed
        )
        return replace(res, bad_rows=tuple(frame.attrs.get("bad_rows", ())) + res.bad_rows)
    frame = load_source_for(t, corpus=corpus, manifest=manifest, data_root=data_root)
    source = str(manifest) if manifest is not None else str(corpus)
    bad = tuple(frame.attrs.get("bad_rows", ()))
    unknown = sorted(set(frame["label"].astype(str)) - set(bundle.labels))
    if unknown and restrict_labels and manifest is None:
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
    recipe = TrainingRecipe(task=t.value, preprocessing=bundle.preprocessing)
    table = compute_features(frame, bundle.extractor, recipe, cache=cache, n_jobs=n_jobs, progress=progress)
    result = evaluate_bundle(
        bundle,
        table,
        corpus=Path(source).stem if manifest is not None else source,
        restrict_labels=restrict_labels,
    )
    return replace(result, bad_rows=bad + result.bad_rows)
