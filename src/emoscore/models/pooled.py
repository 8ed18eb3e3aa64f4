"""A classifier over analysis windows: trained on every window of a clip with the clip's label,
it scores a clip by the mean of its windows' probabilities (the music and sound task models)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone

from emoscore.errors import ConfigError


def _as_windows(X: Any) -> list[np.ndarray]:
    """A clip list: object array of (windows, d) matrices, or a 2-D matrix (one window per row)."""
    if isinstance(X, np.ndarray) and X.dtype != object:
        X2 = np.atleast_2d(X)
        return [X2[i : i + 1] for i in range(len(X2))]
    return [np.atleast_2d(np.asarray(x, dtype=np.float32)) for x in X]


class WindowPooledClassifier(ClassifierMixin, BaseEstimator):
    """Trains ``estimator`` on windows labelled with their clip's class; a clip's probabilities
    are the mean over its windows."""

    def __init__(self, estimator: Any):
        self.estimator = estimator

    def fit(self, X: Any, y: Any, groups: Any = None) -> WindowPooledClassifier:
        clips = _as_windows(X)
        y = np.asarray(y)
        if len(clips) != len(y):
            raise ConfigError(f"{len(clips)} clips but {len(y)} labels")
        Xw = np.vstack(clips)
        yw = np.repeat(y, [len(c) for c in clips])
        self.estimator_ = clone(self.estimator).fit(Xw, yw)
        self.classes_ = self.estimator_.classes_
        return self

    def window_proba(self, X: Any) -> np.ndarray:
        """Probabilities of each window of a (windows, d) matrix."""
        return np.asarray(self.estimator_.predict_proba(np.atleast_2d(X)), dtype=np.float64)

    def predict_proba(self, X: Any) -> np.ndarray:
        clips = _as_windows(X)
        if not clips:
            return np.zeros((0, len(self.classes_)))
        lengths = [len(c) for c in clips]
        proba = self.window_proba(np.vstack(clips))
        bounds = np.cumsum([0, *lengths])
        return np.vstack([proba[a:b].mean(axis=0) for a, b in zip(bounds[:-1], bounds[1:], strict=True)])

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.classes_)[self.predict_proba(X).argmax(axis=1)]
