"""The window-pooled classifier of the music/sound task models."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from emoscore.models.pooled import WindowPooledClassifier


def _clips(rng: np.random.Generator, n: int, shift: float) -> list[np.ndarray]:
    return [rng.normal(shift, 1.0, size=(int(rng.integers(1, 4)), 3)) for _ in range(n)]


def test_pooled_classifier_averages_window_probabilities() -> None:
    rng = np.random.default_rng(0)
    clips = _clips(rng, 30, -2.0) + _clips(rng, 30, 2.0)
    X: Any = np.empty(len(clips), dtype=object)
    for i, c in enumerate(clips):
        X[i] = c
    y = np.array(["low"] * 30 + ["high"] * 30)
    clf = WindowPooledClassifier(LogisticRegression()).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (60, 2) and np.allclose(proba.sum(axis=1), 1)
    assert np.allclose(proba[0], clf.window_proba(clips[0]).mean(axis=0))
    assert (clf.predict(X) == y).mean() > 0.95
    # a plain 2-D matrix is one window per row
    assert clf.predict_proba(np.vstack([clips[0][:1], clips[-1][:1]])).shape == (2, 2)
