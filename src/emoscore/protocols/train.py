"""Train a recipe with an honest score: load its corpora, cross-validate by group, fit on all.

The one training path for every task (speech emotion, quadrant, valence, arousal, domain); the
cross-validation it reports is stored in the bundle's metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from emoscore.corpora.tasks import load_corpora_for
from emoscore.errors import ConfigError, DataError
from emoscore.features import FeatureCache
from emoscore.models.bundle import ModelBundle
from emoscore.models.recipe import TrainingRecipe
from emoscore.models.training import fit_bundle, recipe_extractor, training_table
from emoscore.protocols.calibration import calibrate_recipe
from emoscore.protocols.evaluation import EvaluationResult, cross_validate
from emoscore.protocols.splits import make_splits
from emoscore.vocabulary import Protocol, Task


@dataclass(frozen=True)
class TrainingRun:
    """A trained bundle, the cross-validation reported in it (if any) and the rows left out."""

    bundle: ModelBundle
    evaluation: EvaluationResult | None = None
    errors: tuple[str, ...] = field(default=())


def train_recipe(
    recipe: TrainingRecipe,
    *,
    data_root: str | Path | None = None,
    cache: FeatureCache | None = None,
    protocol: str | None = Protocol.SPEAKER_KFOLD,
    folds: int = 5,
    n_jobs: int = 1,
    progress: bool = False,
    notify: Callable[[str], None] = lambda _m: None,
) -> TrainingRun:
    """Fit ``recipe`` on its corpora; with ``protocol``, first cross-validate it on its first
    corpus (the domain detector: on held-out groups of every corpus), other corpora in training."""
    if not recipe.corpora:
        raise ConfigError("train: name the training data with --corpus (or a --recipe that has corpora)")
    cache = cache or FeatureCache()
    frame = load_corpora_for(recipe.task, list(recipe.corpora), data_root, labels=recipe.labels)
    bad = tuple(frame.attrs.get("bad_rows", ()))
    extractor = recipe_extractor(recipe)
    first = None if recipe.task == Task.DOMAIN else str(frame["corpus"].iloc[0]) if len(frame) else None
    if protocol and len(frame):  # too few speakers for the folds: say so before any feature is computed
        tested = frame if first is None else frame[frame["corpus"].astype(str) == first]
        try:
            make_splits(
                protocol,
                tested["label"].astype(str),
                tested["speaker"].astype(str),
                folds=folds,
                seed=recipe.seed,
            )
        except DataError as exc:
            named = recipe.corpora[0] if len(recipe.corpora) == 1 else first or ", ".join(recipe.corpora)
            raise DataError(f"{named}: {exc}") from None
    notify(f"features {extractor.name} for {len(frame)} clips …")
    table = training_table(
        frame, extractor, recipe, data_root=data_root, cache=cache, n_jobs=n_jobs, progress=progress
    )
    evaluation = None
    if protocol:
        evaluation = cross_validate(
            recipe, table, test_corpus=first, protocol=protocol, folds=folds, seed=recipe.seed
        )
    metrics = {k: v for k, v in evaluation.to_dict().items() if k != "bad_rows"} if evaluation else {}
    bundle = fit_bundle(recipe, table, extractor, metrics=metrics)
    if recipe.calibration == "temperature":
        notify("calibrating the confidence on leave-one-corpus-out predictions …")
        bundle.meta["calibration"] = calibrate_recipe(recipe, table).to_dict()
    return TrainingRun(bundle, evaluation, bad + table.errors)
