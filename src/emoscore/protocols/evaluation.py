"""Evaluate a recipe by cross-validation, or a fitted bundle on held-out data.

Cross-validation retrains the recipe in every fold on everything except the test fold's
speakers (or artists, songs, sound kinds; other corpora in the recipe stay in training), so
scores are group-independent unless the protocol is ``random``, which is flagged as leaky. One
path for every task: speech emotion and the music/sound task models alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from emoscore.errors import DataError
from emoscore.models.bundle import ModelBundle
from emoscore.models.recipe import TrainingRecipe
from emoscore.models.training import FeatureTable, fit_normalized, recipe_labels, take
from emoscore.protocols.metrics import ClassificationReport, classification_report
from emoscore.protocols.splits import LEAKY, make_splits
from emoscore.vocabulary import Protocol


@dataclass(frozen=True)
class EvaluationResult:
    """Scores plus how they were obtained; ``predictions`` has path, label, predicted, fold."""

    report: ClassificationReport
    mode: str  # "cross-validation" or "held-out"
    protocol: str
    folds: int
    corpus: str
    model: str
    predictions: pd.DataFrame = field(repr=False)
    bad_rows: tuple[str, ...] = ()
    restricted: bool = False

    @property
    def leaky(self) -> bool:
        return self.protocol in LEAKY

    def to_dict(self) -> dict[str, Any]:
        d = self.report.to_dict()
        d.update(
            mode=self.mode,
            protocol=self.protocol,
            folds=self.folds,
            corpus=self.corpus,
            model=self.model,
            leaky=self.leaky,
            restricted=self.restricted,
            bad_rows=list(self.bad_rows),
        )
        return d


def held_out_groups(frame: pd.DataFrame) -> np.ndarray | None:
    """Normalisation groups for test rows: real speakers when known, else the whole set as one group.

    Corpus loaders give each clip its own speaker when the data has no speaker information;
    per-clip groups would carry no information, so such a set is normalised as one corpus.
    """
    speakers = frame["speaker"].astype(str).to_numpy()
    return None if len(set(speakers)) == len(speakers) else speakers


def cross_validate(
    recipe: TrainingRecipe,
    table: FeatureTable,
    *,
    test_corpus: str | None = None,
    protocol: str = Protocol.SPEAKER_KFOLD,
    folds: int = 5,
    seed: int = 0,
) -> EvaluationResult:
    """Group-wise CV with ``test_corpus`` rows (default: every row) as test folds; the recipe's
    other corpora always stay in training."""
    frame = table.frame
    if test_corpus is None:
        is_test = np.ones(len(frame), dtype=bool)
    else:
        is_test = (frame["corpus"] == test_corpus).to_numpy()
    if not is_test.any():
        raise DataError(f"corpus {test_corpus!r} has no clips in the evaluation table")
    test_idx = np.flatnonzero(is_test)
    other_idx = np.flatnonzero(~is_test)
    labels = frame["label"].astype(str).to_numpy()
    speakers = frame["speaker"].astype(str).to_numpy()
    predicted = np.empty(len(frame), dtype=object)
    fold_of = np.full(len(frame), -1)
    splits = make_splits(protocol, labels[test_idx], speakers[test_idx], folds=folds, seed=seed)
    for k, (tr, te) in enumerate(splits):
        train = np.concatenate([test_idx[tr], other_idx])
        est, normalizer = fit_normalized(recipe, take(table.X, train), frame.iloc[train])
        X_test = take(table.X, test_idx[te])
        if normalizer is not None:
            X_test = normalizer.transform(X_test, held_out_groups(frame.iloc[test_idx[te]]))
        predicted[test_idx[te]] = est.predict(X_test)
        fold_of[test_idx[te]] = k
    preds = pd.DataFrame(
        {
            "path": frame["path"].to_numpy()[test_idx],
            "label": labels[test_idx],
            "predicted": predicted[test_idx].astype(str),
            "fold": fold_of[test_idx],
        }
    )
    report = classification_report(
        preds["label"], preds["predicted"], labels=list(recipe_labels(recipe, labels.tolist()))
    )
    name = test_corpus or "+".join(dict.fromkeys(frame["corpus"].astype(str)))
    return EvaluationResult(
        report, "cross-validation", protocol, len(splits), name, recipe.name, preds, table.errors
    )


def evaluate_bundle(
    bundle: ModelBundle, table: FeatureTable, *, corpus: str, restrict_labels: bool = False
) -> EvaluationResult:
    """Score a fitted bundle on data it never saw (another corpus, a manifest)."""
    frame = table.frame
    truth = frame["label"].astype(str).to_numpy()
    unknown = sorted(set(truth) - set(bundle.labels))
    if unknown:
        raise DataError(
            f"{corpus}: label(s) {', '.join(unknown)} unknown to model {bundle.name} "
            f"(it knows {', '.join(bundle.labels)})"
        )
    proba = bundle.predict_proba(table.X, held_out_groups(frame))
    labels = list(bundle.labels)
    if restrict_labels:
        present = [lab for lab in labels if lab in set(truth)]
        cols = [labels.index(lab) for lab in present]
        proba, labels = proba[:, cols], present
    predicted = np.asarray(labels)[proba.argmax(axis=1)]
    preds = pd.DataFrame(
        {"path": frame["path"].to_numpy(), "label": truth, "predicted": predicted, "fold": -1}
    )
    order = labels if restrict_labels else [lab for lab in bundle.labels]
    report = classification_report(truth, predicted, labels=order)
    return EvaluationResult(
        report, "held-out", "held-out", 1, corpus, bundle.name, preds, table.errors, restrict_labels
    )
