"""Evaluate a recipe by cross-validation, or a fitted bundle on held-out data.

Cross-validation retrains the recipe in every fold on everything except the test fold's
speakers (or artists, songs, sound kinds; other corpora in the recipe stay in training), so
scores are group-independent unless the protocol is ``random``, which is flagged as leaky. One
path for every task: speech emotion and the music/sound task models alike. Augmented copies of
clips (a table's ``augmented`` rows) only ever train, and only with their own speaker's folds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from emoscore.errors import DataError
from emoscore.models.bundle import ModelBundle
from emoscore.models.recipe import TrainingRecipe
from emoscore.models.training import FeatureTable, augmented_rows, fit_normalized, recipe_labels, take
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
    augmented = augmented_rows(frame)
    if test_corpus is None:
        is_test = ~augmented
    else:
        is_test = (frame["corpus"] == test_corpus).to_numpy() & ~augmented
    if not is_test.any():
        raise DataError(f"corpus {test_corpus!r} has no clips in the evaluation table")
    test_idx = np.flatnonzero(is_test)
    other_idx = np.flatnonzero(~is_test & ~augmented)
    aug_idx = np.flatnonzero(augmented)
    labels = frame["label"].astype(str).to_numpy()
    speakers = frame["speaker"].astype(str).to_numpy()
    predicted = np.empty(len(frame), dtype=object)
    fold_of = np.full(len(frame), -1)
    splits = make_splits(protocol, labels[test_idx], speakers[test_idx], folds=folds, seed=seed)
    for k, (tr, te) in enumerate(splits):
        # augmented copies train with their speaker: never those of a test-fold speaker
        copies = aug_idx[~np.isin(speakers[aug_idx], speakers[test_idx[te]])]
        train = np.concatenate([test_idx[tr], other_idx, copies])
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


@dataclass(frozen=True)
class LocoResult:
    """Leave-one-corpus-out: one held-out evaluation per corpus, all on the same shared classes."""

    model: str
    classes: tuple[str, ...]
    results: tuple[EvaluationResult, ...]
    bad_rows: tuple[str, ...] = ()

    @property
    def mean_ua(self) -> float:
        """Mean UA over the held-out corpora (each corpus counts once, whatever its size)."""
        return float(np.mean([r.report.ua for r in self.results]))

    def table(self) -> pd.DataFrame:
        """One row per held-out corpus: corpus, n, classes, wa, ua, macro_f1, chance_ua."""
        return pd.DataFrame(
            [
                {
                    "corpus": r.corpus,
                    "n": r.report.n,
                    "classes": len(self.classes),
                    "wa": r.report.wa,
                    "ua": r.report.ua,
                    "macro_f1": r.report.macro_f1,
                    "chance_ua": r.report.chance_ua,
                }
                for r in self.results
            ]
        )

    def narrowed(self, labels: Sequence[str]) -> LocoResult:
        """The same predictions scored on fewer classes (no refit): each clip of those classes is
        given the most probable of them (``predictions`` keep a ``p_<class>`` column per class).

        >>> preds = pd.DataFrame({"path": ["a", "b"], "label": ["x", "y"], "predicted": ["z", "z"],
        ...                       "fold": -1, "p_x": [0.3, 0.1], "p_y": [0.2, 0.3], "p_z": [0.5, 0.6]})
        >>> r = EvaluationResult(classification_report(["x", "y"], ["z", "z"], ["x", "y", "z"]),
        ...                      "held-out corpus", "loco", 1, "c", "m", preds, (), True)
        >>> LocoResult("m", ("x", "y", "z"), (r,)).narrowed(["x", "y"]).mean_ua
        1.0
        """
        keep = tuple(lab for lab in self.classes if lab in set(labels))
        if len(keep) < 2:
            raise DataError(f"loco: fewer than two of {', '.join(labels)} are shared classes")
        results = []
        for r in self.results:
            p = r.predictions[r.predictions["label"].isin(keep)]
            proba = p[[f"p_{lab}" for lab in keep]].to_numpy()
            preds = p.assign(predicted=np.asarray(keep)[proba.argmax(axis=1)])
            report = classification_report(preds["label"], preds["predicted"], labels=list(keep))
            results.append(replace(r, report=report, predictions=preds.reset_index(drop=True)))
        return replace(self, classes=keep, results=tuple(results))

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": Protocol.LOCO.value,
            "model": self.model,
            "classes": list(self.classes),
            "mean_ua": self.mean_ua,
            "corpora": [
                {k: v for k, v in r.to_dict().items() if k not in ("bad_rows", "leaky")} for r in self.results
            ],
            "bad_rows": list(self.bad_rows),
        }


def shared_classes(frame: pd.DataFrame, labels: Sequence[str] | None = None) -> tuple[str, ...]:
    """The classes every corpus of ``frame`` has (only ``labels`` when given), in ``labels`` order
    or sorted.

    >>> f = pd.DataFrame({"corpus": ["a", "a", "b", "b", "b"], "label": ["x", "y", "y", "x", "z"]})
    >>> shared_classes(f), shared_classes(f, ["y", "z"])
    (('x', 'y'), ('y',))
    """
    per_corpus = [set(g["label"].astype(str)) for _, g in frame.groupby("corpus", sort=False)]
    common = set.intersection(*per_corpus) if per_corpus else set()
    order = list(labels) if labels is not None else sorted(common)
    return tuple(lab for lab in order if lab in common)


@dataclass(frozen=True)
class HeldOutCorpusFit:
    """The recipe fitted on every corpus but ``corpus``, and its probabilities for that corpus's
    clips (rows ``test`` of the table, every class, in the order of ``estimator.classes_``)."""

    corpus: str
    test: np.ndarray
    estimator: Any
    proba: np.ndarray


def held_out_corpus_fits(
    recipe: TrainingRecipe, table: FeatureTable, classes: Sequence[str] | None = None
) -> Iterator[HeldOutCorpusFit]:
    """For each corpus in turn: fit on the others (with their augmented copies), predict its clips
    (only those of ``classes`` when given).

    Test speakers are normalised by the unlabelled features of their tested clips, as at inference.
    """
    frame = table.frame
    corpora = list(dict.fromkeys(frame["corpus"].astype(str)))
    if len(corpora) < 2:
        raise DataError(f"loco needs at least two corpora, got {', '.join(corpora) or 'none'}")
    augmented = augmented_rows(frame)
    for corpus in corpora:
        held = (frame["corpus"] == corpus).to_numpy()
        train = np.flatnonzero(~held)
        tested = frame["label"].astype(str).isin(classes).to_numpy() if classes is not None else True
        test = np.flatnonzero(held & ~augmented & tested)
        est, normalizer = fit_normalized(recipe, take(table.X, train), frame.iloc[train])
        X_test = take(table.X, test)
        if normalizer is not None:
            X_test = normalizer.transform(X_test, held_out_groups(frame.iloc[test]))
        yield HeldOutCorpusFit(corpus, test, est, np.asarray(est.predict_proba(X_test), dtype=np.float64))


def leave_one_corpus_out(
    recipe: TrainingRecipe, table: FeatureTable, *, labels: Sequence[str] | None = None
) -> LocoResult:
    """For each corpus in turn: fit ``recipe`` on every other corpus, test on the held-out one.

    Scores count only the classes every corpus shares (narrowed to ``labels`` when given), and
    the model's predictions are restricted to them, as in cross-corpus studies; training uses
    every row of the other corpora. Test speakers are normalised by their own unlabelled
    features, as at inference.
    """
    frame = table.frame
    corpora = list(dict.fromkeys(frame["corpus"].astype(str)))
    if len(corpora) < 2:
        raise DataError(f"loco needs at least two corpora, got {', '.join(corpora) or 'none'}")
    wanted = labels if labels is not None else recipe.labels
    classes = shared_classes(frame, wanted)
    if len(classes) < 2:
        shown = ", ".join(classes) or "none"
        raise DataError(f"loco: corpora {', '.join(corpora)} share fewer than two classes ({shown})")
    label_of = frame["label"].astype(str)
    results = []
    for fit in held_out_corpus_fits(recipe, table, classes):
        test = fit.test
        known = [str(c) for c in fit.estimator.classes_]
        proba = fit.proba[:, [known.index(c) for c in classes]]
        predicted = np.asarray(classes)[proba.argmax(axis=1)]
        truth = label_of.to_numpy()[test]
        preds = pd.DataFrame(
            {"path": frame["path"].to_numpy()[test], "label": truth, "predicted": predicted, "fold": -1}
            | {f"p_{c}": proba[:, j] for j, c in enumerate(classes)}
        )
        report = classification_report(truth, predicted, labels=list(classes))
        results.append(
            EvaluationResult(
                report, "held-out corpus", Protocol.LOCO.value, 1, fit.corpus, recipe.name, preds, (), True
            )
        )
    return LocoResult(recipe.name, classes, tuple(results), table.errors)
