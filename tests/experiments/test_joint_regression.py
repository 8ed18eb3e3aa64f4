"""Paper 004 regression table (ElasticNet / SVR on PCA, mean baseline) on synthetic matrices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from emoscore.errors import ConfigError
from emoscore.experiments.joint import JointData
from emoscore.experiments.joint_regression import (
    REG_COLUMNS,
    _window_rows,
    ccc,
    regression_models,
    regression_table,
)


def _set(name: str, rng: np.random.Generator, n: int, informative: int, d: int = 6) -> JointData:
    """Continuous valence/arousal in [-1, 1], carried linearly by one feature each."""
    X = rng.normal(0, 0.3, (n, d))
    v, a = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n)
    X[:, informative] += 3 * v
    X[:, informative + 1] += 3 * a
    return JointData(name, X, np.repeat(np.arange(n // 4), 4).astype(str), {"valence": v, "arousal": a})


def test_ccc_values() -> None:
    t = np.array([-1.0, -0.5, 0.5, 1.0])  # zero mean, so -t is a perfect disagreement
    assert ccc(t, t) == pytest.approx(1.0)
    assert ccc(t, -t) == pytest.approx(-1.0)
    assert ccc(t, t + 1.0) < 0.6  # a bias lowers CCC although Pearson r stays 1
    assert ccc(t, np.full(4, t.mean())) == 0.0


def test_table_rows_models_and_scores() -> None:
    rng = np.random.default_rng(0)
    a, b = _set("A", rng, 80, 0), _set("B", rng, 80, 3)  # the targets live in different features
    table = regression_table(a, b, ks=(1,), ps=(0, 1), folds=4)
    assert list(table.columns) == list(REG_COLUMNS)
    assert len(table) == 2 * 2 * 3 * 2  # test sets × dimensions × models × (k, p)
    row = {(r.test, r.dimension, r.model, r.k, r.p): r for r in table.itertuples()}
    for dim in ("valence", "arousal"):
        mean = row[("A", dim, "mean", 1, 0)]
        assert abs(mean.r2) < 0.1 and abs(mean.ccc) < 0.1  # the baseline: R² ≈ 0, CCC ≈ 0
        assert mean.rmse == pytest.approx(np.std(a.targets[dim]), rel=0.1)
        for model in ("elasticnet", "svr"):
            own = row[("A", dim, model, 1, 0)]
            assert own.r2 > 0.7 and own.ccc > 0.8 and own.rmse < 0.5 * mean.rmse
        # B alone (test B, k=1 of A, p=0 of B) cannot predict B: its features carry nothing for A
        assert row[("B", dim, "svr", 1, 0)].r2 < 0.2
    assert (table["n_test"] == 80).all()


def test_fixed_component_count_and_bad_values() -> None:
    rng = np.random.default_rng(1)
    a = _set("A", rng, 40, 0)
    pipe = regression_models(2)["svr"]().fit(a.X, a.targets["valence"])
    assert pipe.named_steps["pca"].n_components_ == 2
    with pytest.raises(ConfigError, match="PCA components"):
        regression_models(1.5)
    labels = JointData("L", a.X, a.groups, {"valence": np.where(a.targets["valence"] > 0, "high", "low")})
    with pytest.raises(ConfigError, match="must be numbers"):
        regression_table(labels, a, ks=(1,), ps=(0,), dimensions=("valence",))


def test_curve_windows_average_the_curve() -> None:
    t = np.arange(15.0, 45.0, 0.5)
    curve = pd.DataFrame({"time": t, "valence": t / 100, "arousal": -t / 100})
    rows = _window_rows(curve, 3.0, 15.0, 45.0)
    assert len(rows) == 10 and rows[0][0] == 15.0 and rows[-1][0] == 42.0
    assert rows[0][1] == pytest.approx(np.mean(np.arange(15.0, 18.0, 0.5)) / 100)
    assert rows[0][2] == pytest.approx(-rows[0][1])


def test_cli_regression_refuses_mixed_emomusic(capfd) -> None:  # type: ignore[no-untyped-def]
    from emoscore.cli import main

    code = 0
    try:
        main(["experiment", "joint", "--task", "regression", "--a", "emomusic,ravdess"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    _, err = capfd.readouterr()
    assert code == 1 and err.strip() == (
        "emoscore: emomusic curve windows cannot be mixed with other corpora in one data set"
    )
