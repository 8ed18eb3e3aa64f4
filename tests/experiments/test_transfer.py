"""Paper 003 table logic on synthetic feature matrices."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression

from emoscore.experiments.transfer import COLUMNS, random_baseline, transfer_rows, transfer_table


def test_random_baseline_uses_the_training_prior() -> None:
    wa, ua = random_baseline(["Q1"] * 3 + ["Q2"], ["Q1", "Q2"])
    assert wa == 0.5 and ua == 0.5  # 0.75 * 0.5 + 0.25 * 0.5; mean recall = mean prior of test classes
    assert random_baseline(["a", "b"], ["a"] * 9 + ["b"]) == (0.5, 0.5)


def _data(rng: np.random.Generator, n: int, shift: float) -> tuple[np.ndarray, np.ndarray]:
    y = np.array(["high", "low"] * (n // 2))
    X = rng.normal(0, 1, (n, 3))
    X[:, 0] += np.where(y == "high", 2.0, -2.0)
    X[:, 1] += shift  # a domain offset in an uninformative dimension
    return X, y


def test_transfer_rows_beat_the_baseline_when_the_signal_is_shared() -> None:
    rng = np.random.default_rng(0)
    Xs, ys = _data(rng, 200, 0.0)
    Xt, yt = _data(rng, 100, 3.0)
    groups = np.repeat(np.arange(25), 4).astype(str)
    rows = transfer_rows(
        Xs,
        ys,
        Xt,
        yt,
        groups,
        make_estimator=LogisticRegression,
        task="arousal",
        source="speech",
        target="music",
        folds=5,
    )
    table = transfer_table(rows)
    assert list(table.columns) == list(COLUMNS)
    assert table["setting"].tolist() == ["SER→MER", "MER→MER", "random (SER prior)"]
    ser, mer, rand = table["ua"].tolist()
    assert ser > 0.85 and mer > 0.85 and rand == 0.5
    assert table["n_test"].tolist() == [100, 100, 100]


def test_transfer_fails_honestly_when_the_signal_is_not_shared() -> None:
    rng = np.random.default_rng(1)
    Xs, ys = _data(rng, 200, 0.0)
    Xt, yt = _data(rng, 100, 0.0)
    Xt[:, [0, 2]] = Xt[:, [2, 0]]  # music carries the label in another feature
    groups = np.repeat(np.arange(25), 4).astype(str)
    table = transfer_table(
        transfer_rows(
            Xs,
            ys,
            Xt,
            yt,
            groups,
            make_estimator=LogisticRegression,
            task="valence",
            source="s",
            target="m",
            folds=5,
        )
    )
    ser, mer, _ = table["ua"].tolist()
    assert ser < 0.7 < 0.85 < mer
