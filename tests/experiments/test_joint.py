"""Paper 004 mixing-ratio table logic on synthetic feature matrices."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from emoscore.errors import ConfigError
from emoscore.experiments.joint import JointData, joint_table


def _set(
    name: str, rng: np.random.Generator, n: int, informative: int, continuous: bool = False
) -> JointData:
    X = rng.normal(0, 1, (n, 2))
    v = rng.uniform(-1, 1, n)
    X[:, informative] += 3 * v
    target = v if continuous else np.where(v > 0, "high", "low")
    return JointData(name, X, np.repeat(np.arange(n // 4), 4).astype(str), {"valence": target})


def test_rows_per_test_set_and_ratio() -> None:
    rng = np.random.default_rng(0)
    a, b = _set("A", rng, 80, 0), _set("B", rng, 80, 1)  # the label lives in different features
    table = joint_table(
        a, b, ks=(0, 1), ps=(0, 1), make_classifier=LogisticRegression, dimensions=("valence",), folds=4
    )
    assert len(table) == 6 and set(table["test"]) == {"A", "B"}  # (0, 0) skipped
    acc = {(r.test, r.k, r.p): r.wa for r in table.itertuples()}
    assert acc[("A", 1, 0)] > 0.85 and acc[("A", 0, 1)] < 0.75  # B alone does not transfer to A
    assert acc[("B", 0, 1)] > 0.85 and acc[("B", 1, 0)] < 0.75
    n_train = {(r.test, r.k, r.p): r.n_train for r in table.itertuples()}
    assert n_train[("A", 1, 1)] == n_train[("A", 1, 0)] + 80  # all of B joins A's training folds
    assert table["rmse"].isna().all()


def test_continuous_targets_give_rmse_and_r2() -> None:
    rng = np.random.default_rng(1)
    a, b = _set("A", rng, 80, 0, continuous=True), _set("B", rng, 80, 0, continuous=True)
    table = joint_table(
        a,
        b,
        ks=(1,),
        ps=(0, 0.5),
        make_classifier=LogisticRegression,
        make_regressor=LinearRegression,
        dimensions=("valence",),
        folds=4,
    )
    assert table["wa"].isna().all() and (table["r2"] > 0.7).all() and (table["rmse"] < 0.45).all()


def test_ratios_outside_unit_interval_are_refused() -> None:
    rng = np.random.default_rng(2)
    a = _set("A", rng, 40, 0)
    with pytest.raises(ConfigError, match="mixing ratio 1.5"):
        joint_table(a, a, ks=(1.5,), ps=(0,), make_classifier=LogisticRegression)
