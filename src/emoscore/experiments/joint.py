"""Paper 004: joint learning with mixing ratios — train on ``k × A + p × B`` (a share ``k`` of
data set A's training clips and ``p`` of B's) and test on held-out folds of A and of B, per
dimension (valence, arousal).

Binary labels (low/high) are scored by accuracy (WA) and UA beside the chance level; continuous
labels in [-1, 1] by RMSE and R² (paper 004 tables 1–2). Test folds are grouped (speakers,
artists, songs), and the ``k``/``p`` shares are drawn by group from the training folds only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from emoscore.errors import ConfigError
from emoscore.protocols.metrics import classification_report
from emoscore.protocols.splits import make_splits
from emoscore.vocabulary import Protocol

COLUMNS = ("test", "dimension", "k", "p", "n_train", "n_test", "wa", "ua", "chance_ua", "rmse", "r2")


@dataclass(frozen=True)
class JointData:
    """One data set of the experiment: features (2-D, or an object array of per-clip window
    matrices), groups and per-dimension targets (str low/high, or floats in [-1, 1])."""

    name: str
    X: Any
    groups: np.ndarray
    targets: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.groups)


def _share(idx: np.ndarray, groups: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """A share of the rows ``idx``, drawn by whole groups (at least one group when share > 0)."""
    if share >= 1.0:
        return idx
    if share <= 0.0:
        return idx[:0]
    uniq = np.unique(groups[idx])
    n = max(1, int(round(share * len(uniq))))
    keep = set(rng.choice(uniq, n, replace=False).tolist())
    return idx[np.isin(groups[idx], list(keep))]


def _stack(parts: Sequence[tuple[Any, np.ndarray]]) -> Any:
    parts = [(X, i) for X, i in parts if len(i)]
    if all(np.asarray(X).dtype != np.dtype(object) for X, _ in parts):
        return np.vstack([X[i] for X, i in parts])
    out = np.empty(sum(len(i) for _, i in parts), dtype=object)
    k = 0
    for X, i in parts:
        for j in i:
            out[k] = X[j]
            k += 1
    return out


def _binary(y: np.ndarray) -> bool:
    return y.dtype.kind in "UOS"


def _scores(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    if _binary(y_true):
        labels = sorted(set(y_true.tolist()))
        r = classification_report(y_true.tolist(), np.asarray(y_pred).astype(str).tolist(), labels=labels)
        return {"wa": r.wa, "ua": r.ua, "chance_ua": r.chance_ua, "rmse": np.nan, "r2": np.nan}
    err = np.asarray(y_pred, dtype=float) - y_true
    ss = float(np.sum((y_true - y_true.mean()) ** 2))
    r2 = 1.0 - float(np.sum(err**2)) / ss if ss > 0 else np.nan
    return {
        "wa": np.nan,
        "ua": np.nan,
        "chance_ua": np.nan,
        "rmse": float(np.sqrt(np.mean(err**2))),
        "r2": r2,
    }


def joint_table(
    a: JointData,
    b: JointData,
    *,
    ks: Sequence[float],
    ps: Sequence[float],
    make_classifier: Callable[[], Any],
    make_regressor: Callable[[], Any] | None = None,
    dimensions: Sequence[str] = ("valence", "arousal"),
    folds: int = 5,
    seed: int = 0,
    keep_predictions: bool = False,
) -> pd.DataFrame:
    """One row per (test set, dimension, k, p); (k, p) = (0, 0) is skipped.

    ``keep_predictions`` adds columns ``y_true``, ``y_pred`` (arrays over the held-out folds),
    for scores computed elsewhere (e.g. CCC in :mod:`emoscore.experiments.joint_regression`).

    For test set A, training takes share ``k`` of A's training folds and share ``p`` of all of B
    (and symmetrically for test set B), so test clips never train.
    """
    for x in (*ks, *ps):
        if not 0.0 <= x <= 1.0:
            raise ConfigError(f"mixing ratio {x}: k and p must be in [0, 1]")
    rows = []
    for test, other, own_share_is_k in ((a, b, True), (b, a, False)):
        for dim in dimensions:
            if dim not in test.targets or dim not in other.targets:
                continue
            y_test_all, y_other = test.targets[dim], other.targets[dim]
            binary = _binary(y_test_all)
            if binary != _binary(y_other):
                raise ConfigError(f"{dim}: {a.name} and {b.name} must both be binary or both continuous")
            strat = y_test_all if binary else np.where(y_test_all >= 0, "high", "low")
            splits = make_splits(
                Protocol.GROUP_KFOLD, list(strat), test.groups.astype(str).tolist(), folds=folds, seed=seed
            )
            for k in ks:
                for p in ps:
                    if k == 0 and p == 0:
                        continue
                    own, oth = (k, p) if own_share_is_k else (p, k)
                    rng = np.random.default_rng(seed)
                    truth, pred, n_train = [], [], 0
                    for tr, te in splits:
                        i_own = _share(np.asarray(tr), test.groups, own, rng)
                        i_oth = _share(np.arange(len(other)), other.groups, oth, rng)
                        y = np.concatenate([y_test_all[i_own], y_other[i_oth]])
                        if binary and len(set(y.tolist())) < 2:
                            continue
                        X = _stack([(test.X, i_own), (other.X, i_oth)])
                        factory = make_classifier if binary else make_regressor
                        if factory is None:
                            raise ConfigError(f"{dim}: continuous targets need a regressor")
                        est = factory().fit(X, y)
                        pred.append(est.predict(_stack([(test.X, np.asarray(te))])))
                        truth.append(y_test_all[te])
                        n_train += len(y)
                    if not truth:
                        continue
                    y_true, y_pred = np.concatenate(truth), np.concatenate(pred)
                    row = dict(
                        test=test.name,
                        dimension=dim,
                        k=k,
                        p=p,
                        n_train=n_train // len(truth),
                        n_test=int(sum(len(t) for t in truth)),
                        **_scores(y_true, y_pred),
                    )
                    if keep_predictions:
                        row.update(y_true=y_true, y_pred=y_pred)
                    rows.append(row)
    extra = ["y_true", "y_pred"] if keep_predictions else []
    return pd.DataFrame(rows, columns=[*COLUMNS, *extra])


def joint_data(
    names: Sequence[str],
    *,
    data_root: Any = None,
    dimensions: Sequence[str] = ("valence", "arousal"),
    n_jobs: int = 1,
) -> JointData:
    """Corpora as one :class:`JointData` with binary low/high targets per dimension (clips a
    dimension cannot label, e.g. neutral valence, are dropped for all dimensions)."""
    from emoscore.corpora import load_corpora
    from emoscore.corpora.tasks import task_frame
    from emoscore.features import FeatureCache
    from emoscore.models.recipe import recipe_for
    from emoscore.models.training import compute_features, recipe_extractor

    frame = load_corpora(list(names), data_root)
    frame.attrs = {}
    per_dim = {d: task_frame(frame, d).set_index("path")["label"] for d in dimensions}
    common = set.intersection(*(set(s.index) for s in per_dim.values()))
    frame = frame[frame["path"].isin(common)].reset_index(drop=True)
    recipe = recipe_for(dimensions[0])
    table = compute_features(frame, recipe_extractor(recipe), recipe, cache=FeatureCache(), n_jobs=n_jobs)
    f = table.frame
    return JointData(
        "+".join(names),
        table.X,
        f["speaker"].astype(str).to_numpy(),
        {d: per_dim[d].loc[f["path"]].to_numpy().astype(str) for d in dimensions},
    )


def run_joint(
    a: Sequence[str],
    b: Sequence[str],
    *,
    ks: Sequence[float] = (0.0, 0.5, 1.0),
    ps: Sequence[float] = (0.0, 0.5, 1.0),
    folds: int = 5,
    data_root: Any = None,
    n_jobs: int = 1,
    notify: Callable[[str], None] = lambda _m: None,
) -> pd.DataFrame:
    """Paper 004's mixing-ratio design on real corpora, with the shipped valence recipe's model."""
    from emoscore.models.recipe import recipe_for
    from emoscore.models.training import build_estimator

    da = joint_data(a, data_root=data_root, n_jobs=n_jobs)
    db = joint_data(b, data_root=data_root, n_jobs=n_jobs)
    notify(f"A = {da.name} ({len(da)} clips), B = {db.name} ({len(db)} clips)")
    recipe = recipe_for("valence")
    return joint_table(da, db, ks=ks, ps=ps, make_classifier=lambda: build_estimator(recipe), folds=folds)
