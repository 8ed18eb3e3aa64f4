"""Per-group feature normalisation with shrinkage: speaker / corpus / per-input normalisation.

Cross-corpus emotion recognition loses most of its accuracy to differences between speakers,
rooms and microphones. The classic remedy (Schuller et al. 2010, "Cross-corpus acoustic
emotion recognition: variances and strategies") standardises features per speaker or per
corpus. Here each group's mean and standard deviation are shrunk toward the training
statistics with a prior worth ``prior`` rows, so a group with one window is barely changed
while a speaker with hundreds of clips is fully normalised. At inference a group is the test
speaker (when known), the evaluated corpus, or the windows of one input file.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin


class GroupStandardizer(TransformerMixin, BaseEstimator):
    """Standardise rows by their group's shrunk mean and scale."""

    def __init__(self, prior: float = 20.0):
        self.prior = prior

    def fit(
        self, X: np.ndarray, y: object = None, groups: Sequence[str] | np.ndarray | None = None
    ) -> GroupStandardizer:
        """Learn the prior: the overall mean and the pooled *within-group* variance.

        Pooling within groups keeps between-speaker differences out of the prior scale.
        """
        X = np.asarray(X, dtype=np.float64)
        self.mean_ = X.mean(axis=0)
        if groups is None:
            self.var_ = X.var(axis=0) + 1e-12
        else:
            keys = np.unique(np.asarray(groups), return_inverse=True)[1]
            sq = np.zeros(X.shape[1])
            for g in np.unique(keys):
                rows = X[keys == g]
                sq += ((rows - rows.mean(axis=0)) ** 2).sum(axis=0)
            self.var_ = sq / len(X) + 1e-12
        return self

    def transform(self, X: np.ndarray, groups: Sequence[str] | np.ndarray | None = None) -> np.ndarray:
        """``groups=None`` treats all rows as one group (one input file, one corpus)."""
        X = np.asarray(X, dtype=np.float64)
        keys = (
            np.zeros(len(X), dtype=int)
            if groups is None
            else np.unique(np.asarray(groups), return_inverse=True)[1]
        )
        out = np.empty_like(X)
        for g in np.unique(keys):
            rows = keys == g
            out[rows] = self._apply(X[rows], float(rows.sum()), X[rows].mean(axis=0), X[rows].var(axis=0))
        return out.astype(np.float32)

    def _apply(
        self, X: np.ndarray, n: float, mean: np.ndarray | float, var: np.ndarray | float
    ) -> np.ndarray:
        w = n / (n + self.prior)
        m = w * mean + (1 - w) * self.mean_
        v = w * var + (1 - w) * self.var_
        return (X - m) / np.sqrt(v + 1e-12)


class RunningNormalizer:
    """Causal per-input normalisation for streams: each batch uses the statistics of all rows so far."""

    def __init__(self, standardizer: GroupStandardizer):
        self.standardizer = standardizer
        self.n = 0.0
        self.total: np.ndarray | float = 0.0
        self.total_sq: np.ndarray | float = 0.0

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        self.n += len(X)
        self.total = self.total + X.sum(axis=0)
        self.total_sq = self.total_sq + (X**2).sum(axis=0)
        mean = self.total / self.n
        var = np.maximum(self.total_sq / self.n - mean**2, 0.0)
        return self.standardizer._apply(X, self.n, mean, var).astype(np.float32)
