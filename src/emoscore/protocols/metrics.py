"""Classification metrics as researchers report them, always beside the chance level.

WA is accuracy, UA is balanced accuracy (mean per-class recall). The chance levels are those of
a random guesser that knows only the label prior of the test set: UA is 1/K for *any* guess
that ignores the input, and the best WA such a guesser can reach is the majority-class share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, recall_score


@dataclass(frozen=True)
class ClassificationReport:
    """Scores of one evaluation; ``confusion[i][j]`` counts true ``labels[i]`` predicted as ``labels[j]``."""

    n: int
    wa: float
    ua: float
    macro_f1: float
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]
    per_class_recall: dict[str, float]
    chance_ua: float
    chance_wa: float

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["labels"] = list(self.labels)
        d["confusion"] = [list(r) for r in self.confusion]
        return d


def classification_report(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str] | None = None
) -> ClassificationReport:
    """Scores over the classes present in ``y_true`` (or ``labels``).

    >>> r = classification_report(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    >>> r.wa, r.ua, r.chance_ua
    (0.75, 0.75, 0.5)
    """
    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    labs = list(labels) if labels is not None else sorted(set(yt.tolist()))
    present = [lab for lab in labs if lab in set(yt.tolist())]
    cm = _confusion(yt, yp, labs)
    recalls = recall_score(yt, yp, labels=present, average=None, zero_division=0)
    prior = np.array([np.mean(yt == lab) for lab in present])
    return ClassificationReport(
        n=len(yt),
        wa=float(accuracy_score(yt, yp)),
        ua=float(np.mean(recalls)) if present else 0.0,
        macro_f1=float(f1_score(yt, yp, labels=present, average="macro", zero_division=0)),
        labels=tuple(labs),
        confusion=tuple(tuple(int(v) for v in row) for row in cm),
        per_class_recall={lab: round(float(r), 6) for lab, r in zip(present, recalls, strict=True)},
        chance_ua=1.0 / len(present) if present else 0.0,
        chance_wa=float(prior.max()) if len(prior) else 0.0,
    )


def _confusion(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """Counts of (true, predicted) pairs over ``labels``; pairs with other labels are ignored.

    Counted here rather than by scikit-learn, which warns on every 1 x 1 matrix (a restricted
    single-class evaluation), and that warning would reach the command line's stderr.
    """
    index = {lab: i for i, lab in enumerate(labels)}
    cm = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for t, p in zip(y_true.tolist(), y_pred.tolist(), strict=True):
        if t in index and p in index:
            cm[index[t], index[p]] += 1
    return cm
