"""Classical models *are* scikit-learn pipelines: scaler (+ optional PCA) + estimator.

Kinds and hyper-parameter grids are data (``data/classifiers.toml``). With tuning on, the
pipeline is wrapped in a grid search whose inner folds are grouped by speaker, so it only ever
sees the training part of an outer fold.
"""

from __future__ import annotations

import importlib
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, GroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from emoscore.errors import ConfigError


@dataclass(frozen=True)
class ClassifierSpec:
    """One model kind from the grid file."""

    kind: str
    estimator: str
    fixed: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, list[Any]] = field(default_factory=dict)
    pca: float | None = None
    calibrate: bool = False


def load_classifier_specs() -> dict[str, ClassifierSpec]:
    raw = tomllib.loads(resources.files("emoscore.data").joinpath("classifiers.toml").read_text())
    return {
        kind: ClassifierSpec(
            kind,
            d["estimator"],
            dict(d.get("fixed", {})),
            dict(d.get("grid", {})),
            d.get("pca"),
            bool(d.get("calibrate", False)),
        )
        for kind, d in raw.items()
    }


def _estimator(spec: ClassifierSpec, params: dict[str, Any]) -> BaseEstimator:
    module, name = spec.estimator.rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)
    kwargs = {**spec.fixed, **params}
    if "hidden_layer_sizes" in kwargs:
        kwargs["hidden_layer_sizes"] = tuple(kwargs["hidden_layer_sizes"])
    est = cls(**kwargs)
    if spec.calibrate:
        from sklearn.calibration import CalibratedClassifierCV

        return CalibratedClassifierCV(est, ensemble=False, cv=3)
    return est


class GroupTunedClassifier(ClassifierMixin, BaseEstimator):
    """Grid search over ``grid`` with inner folds grouped by speaker when groups are given."""

    def __init__(self, pipeline: Pipeline, grid: dict[str, list[Any]], inner_folds: int = 3):
        self.pipeline = pipeline
        self.grid = grid
        self.inner_folds = inner_folds

    def fit(self, X: Any, y: Any, groups: Any = None) -> GroupTunedClassifier:
        grid = {
            f"clf__{k}": [tuple(v) if isinstance(v, list) else v for v in vs] for k, vs in self.grid.items()
        }
        if not grid:
            self.best_estimator_ = clone(self.pipeline).fit(X, y)
            self.best_params_: dict[str, Any] = {}
        else:
            n_groups = len(set(groups)) if groups is not None else 0
            cv = (
                GroupKFold(self.inner_folds)
                if n_groups >= self.inner_folds
                else StratifiedKFold(self.inner_folds)
            )
            search = GridSearchCV(
                clone(self.pipeline), grid, cv=cv, scoring="balanced_accuracy", n_jobs=1, refit=True
            )
            search.fit(X, y, groups=groups if n_groups >= self.inner_folds else None)
            self.best_estimator_ = search.best_estimator_
            self.best_params_ = {
                k.removeprefix("clf__").removeprefix("estimator__"): v for k, v in search.best_params_.items()
            }
        self.classes_ = self.best_estimator_.classes_
        return self

    def predict_proba(self, X: Any) -> Any:
        return self.best_estimator_.predict_proba(X)

    def predict(self, X: Any) -> Any:
        return self.best_estimator_.predict(X)


def build_classifier(
    kind: str, *, params: dict[str, Any] | None = None, tune: bool = True, inner_folds: int = 3
) -> BaseEstimator:
    """A fresh, unfitted classifier of ``kind`` for 2-D feature matrices.

    >>> build_classifier("logreg", tune=False).steps[-1][0]
    'clf'
    """
    specs = load_classifier_specs()
    if kind not in specs:
        raise ConfigError(f"unknown model kind {kind!r}; choose one of {', '.join(sorted(specs) + ['cnn'])}")
    spec = specs[kind]
    steps: list[tuple[str, Any]] = [("scale", StandardScaler())]
    if spec.pca:
        steps.append(("pca", PCA(n_components=spec.pca, svd_solver="full")))
    fixed_params = dict(params or {})
    grid = {k: v for k, v in spec.grid.items() if k not in fixed_params}
    if not tune:
        fixed_params = {**{k: v[0] for k, v in grid.items()}, **fixed_params}
        grid = {}
    steps.append(("clf", _estimator(spec, fixed_params)))
    if spec.calibrate:
        grid = {f"estimator__{k}": v for k, v in grid.items()}
    pipe = Pipeline(steps)
    return GroupTunedClassifier(pipe, grid, inner_folds) if grid else pipe
