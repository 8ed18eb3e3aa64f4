"""``evaluate`` as a library call: cross-validation or a held-out test, for a model of any task, and
leave-one-corpus-out for a speech emotion model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from emoscore.corpora.registry import load_corpus, resolve_name
from emoscore.corpora.tasks import load_corpora_for, load_source_for
from emoscore.errors import ConfigError, DataError
from emoscore.features import FeatureCache
from emoscore.models.bundle import ModelBundle
from emoscore.models.multimodal import fused_model, with_words
from emoscore.models.recipe import TrainingRecipe
from emoscore.models.registry import default_model, load_model
from emoscore.models.training import compute_features, training_table
from emoscore.protocols.evaluation import (
    EvaluationResult,
    LocoResult,
    cross_validate,
    evaluate_bundle,
    leave_one_corpus_out,
)
from emoscore.protocols.multimodal import clip_words, cross_validate_multimodal, meld_dev_rows
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
    # a manifest is read (and a corpus name checked) before the model loads: a typo fails at once
    early = load_source_for(t, manifest=manifest, data_root=data_root) if manifest is not None else None
    if corpus is not None and t == Task.EMOTION:
        _check_corpus_name(corpus)
    name = str(model or default_model(t))
    bundle = load_model(name, task=t)
    protocol = protocol_for_task(t, protocol)
    cache = FeatureCache()
    trained_on = set(bundle.meta.get("training", {}).get("corpora", []))
    if fused_model(bundle) is not None and corpus is not None and corpus in trained_on:
        return _cross_validate_words(
            bundle, name, corpus, data_root, protocol, folds, n_jobs, progress, notify
        )
    if corpus is not None and corpus in trained_on and "recipe" in bundle.meta:
        recipe = TrainingRecipe.from_dict(bundle.meta["recipe"], origin=f"{name} recipe")
        notify(
            f"cross-validating recipe {recipe.name} ({recipe.features} + {recipe.model}) on {corpus}, "
            f"protocol {protocol}; other corpora stay in training"
        )
        frame = load_corpora_for(t, list(recipe.corpora), data_root, labels=recipe.labels)
        table = training_table(
            frame,
            bundle.extractor,
            recipe,
            data_root=data_root,
            cache=cache,
            n_jobs=n_jobs,
            progress=progress,
        )
        res = cross_validate(
            recipe, table, test_corpus=corpus, protocol=protocol, folds=folds, seed=recipe.seed
        )
        return replace(res, bad_rows=tuple(frame.attrs.get("bad_rows", ())) + res.bad_rows)
    frame = early if early is not None else load_source_for(t, corpus=corpus, data_root=data_root)
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
    if fused_model(bundle) is not None:  # a model that reads words: each clip transcribed (cached)
        notify(f"transcribing {len(table.frame)} clips (cached after the first run)")
        bundle = with_words(bundle, clip_words(table.frame["path"].tolist(), notify=notify))
    result = evaluate_bundle(
        bundle,
        table,
        corpus=Path(source).stem if manifest is not None else source,
        restrict_labels=restrict_labels,
    )
    return replace(result, bad_rows=bad + result.bad_rows)


def evaluate_loco(
    model: str | Path | None,
    *,
    corpora: Sequence[str] | None = None,
    manifests: Sequence[str | Path] = (),
    labels: Sequence[str] | None = None,
    data_root: str | Path | None = None,
    n_jobs: int = 1,
    progress: bool = False,
    notify: Callable[[str], None] = lambda _m: None,
) -> LocoResult:
    """Leave one corpus out with ``model``'s recipe: for each corpus in turn, train on all the others
    and test on it, on the classes they all share (only ``labels`` when given).

    The corpora are ``corpora`` (default: the ones the model was trained on) plus ``manifests``
    (each a corpus of its own, named by its file stem).
    """
    name = str(model or default_model(Task.EMOTION))
    if corpora or manifests:  # named here: checked before the model loads
        _check_loco_sources([*(corpora or ()), *(str(m) for m in manifests)])
        for c in corpora or ():
            _check_corpus_name(c)
    bundle = load_model(name, task=Task.EMOTION)
    if "recipe" not in bundle.meta:
        raise DataError(f"model {name}: its bundle records no training recipe, so it cannot be retrained")
    recipe = TrainingRecipe.from_dict(bundle.meta["recipe"], origin=f"{name} recipe")
    names = list(corpora) if corpora else ([] if manifests else list(recipe.corpora))
    sources = [*names, *(str(m) for m in manifests)]
    _check_loco_sources(sources)
    if labels is not None:
        unknown = sorted(set(labels) - set(bundle.labels))
        if unknown:
            raise DataError(
                f"--labels {', '.join(unknown)}: unknown to model {bundle.name} "
                f"(it knows {', '.join(bundle.labels)})"
            )
    frames, bad = [], []
    for source in sources:
        frame = load_corpus(source, data_root)
        bad.extend(frame.attrs.get("bad_rows", ()))
        frame.attrs = {}
        kept = frame[frame["label"].isin(bundle.labels)]
        if kept.empty:
            raise DataError(
                f"{source}: its labels ({', '.join(sorted(set(frame['label'].astype(str))))}) share no "
                f"class with model {bundle.name} ({', '.join(bundle.labels)})"
            )
        frames.append(kept)
    frame = pd.concat(frames, ignore_index=True)
    if frame["corpus"].nunique() < len(sources):
        raise DataError(f"--protocol loco: a corpus is named twice ({', '.join(sources)})")
    notify(
        f"leave one corpus out: recipe {recipe.name} ({recipe.features} + {recipe.model}), "
        f"{len(sources)} corpora, {len(frame)} clips"
    )
    table = training_table(
        frame,
        bundle.extractor,
        recipe,
        data_root=data_root,
        cache=FeatureCache(),
        n_jobs=n_jobs,
        progress=progress,
    )
    result = leave_one_corpus_out(recipe, table, labels=labels)
    return replace(result, model=name, bad_rows=tuple(bad) + result.bad_rows)


def _check_loco_sources(sources: Sequence[str]) -> None:
    if len(sources) < 2:
        raise DataError(
            f"--protocol loco needs at least two corpora, got {', '.join(sources) or 'none'} "
            "(name them with --corpus a,b,...)"
        )


def _check_corpus_name(corpus: str) -> None:
    """Refuse a speech corpus that is neither catalogued nor a manifest or folder on disk (what
    :func:`~emoscore.corpora.registry.load_corpus` would say, before a model is loaded)."""
    path = Path(corpus)
    if resolve_name(corpus) is None and path.suffix.lower() != ".csv" and not path.exists():
        load_corpus(corpus)  # raises the one-line "unknown corpus (known: ...)"


def _cross_validate_words(
    bundle: ModelBundle,
    name: str,
    corpus: str,
    data_root: str | Path | None,
    protocol: str,
    folds: int,
    n_jobs: int,
    progress: bool,
    notify: Callable[[str], None],
) -> EvaluationResult:
    """A multimodal model on a corpus its audio model was trained on: the audio recipe's folds,
    the fusion refitted in each fold (:func:`~emoscore.protocols.multimodal.cross_validate_multimodal`)."""
    recipe = TrainingRecipe.from_dict(bundle.meta["audio_recipe"], origin=f"{name} audio recipe")
    notify(
        f"cross-validating {name}: audio recipe {recipe.name} ({recipe.features} + {recipe.model}) and "
        f"the fusion, refitted per fold, on {corpus}, protocol {protocol}; clips transcribed (cached)"
    )
    frame = load_corpora_for(Task.EMOTION, list(recipe.corpora), data_root, labels=recipe.labels)
    table = compute_features(
        frame, bundle.extractor, recipe, cache=FeatureCache(), n_jobs=n_jobs, progress=progress
    )
    words = clip_words(table.frame.loc[table.frame["corpus"] == corpus, "path"].tolist(), notify=notify)
    fused = fused_model(bundle)
    assert fused is not None
    res = cross_validate_multimodal(
        bundle,
        recipe,
        table,
        words,
        meld_dev_rows(fused.text, data_root),
        test_corpus=corpus,
        protocol=protocol,
        folds=folds,
        seed=recipe.seed,
        notify=notify,
    )
    return replace(res, bad_rows=tuple(frame.attrs.get("bad_rows", ())) + res.bad_rows)
