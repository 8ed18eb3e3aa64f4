"""Classical pipelines: every kind learns separable blobs; tuning stays inside the training data
and its inner folds are grouped by speaker."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

from emoscore.errors import ConfigError
from emoscore.models import classical
from emoscore.models.classical import GroupTunedClassifier, build_classifier, load_classifier_specs

KINDS = ("svm", "mlp", "knn", "logreg", "rf", "lightgbm")


def blobs(n_per: int = 30, labels=("happy", "sad", "angry"), dim: int = 6, seed: int = 0):
    """Well separated Gaussian blobs, one per label, with 6 'speakers' per label."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 6, size=(len(labels), dim))
    X = np.vstack([c + rng.normal(0, 0.7, size=(n_per, dim)) for c in centres])
    y = np.repeat(np.asarray(labels), n_per)
    groups = np.array([f"spk{i % 6}" for i in range(len(y))])
    return X.astype(np.float32), y, groups


def test_shipped_grid_lists_every_kind() -> None:
    specs = load_classifier_specs()
    assert set(KINDS) <= set(specs)
    assert all(spec.grid for spec in specs.values()), "every kind has something to tune"


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_learns_blobs(kind: str) -> None:
    X, y, _ = blobs(n_per=80, seed=1)  # MLP early stopping holds out 10%
    Xt, yt, _ = blobs(n_per=10, seed=1)  # same centres, fresh noise
    rng = np.random.default_rng(99)
    Xt = Xt + rng.normal(0, 0.01, Xt.shape).astype(np.float32)
    clf = build_classifier(kind, tune=False)
    assert isinstance(clf, Pipeline)
    clf.fit(X, y)
    proba = clf.predict_proba(Xt)
    assert proba.shape == (len(yt), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert list(clf.classes_) == sorted(set(y))
    accuracy = np.mean(clf.classes_[proba.argmax(axis=1)] == yt)
    assert accuracy >= 0.95, f"{kind}: accuracy {accuracy:.2f}"


def test_no_tune_takes_first_grid_value_and_params_override() -> None:
    clf = build_classifier("logreg", tune=False)
    assert clf.named_steps["clf"].C == load_classifier_specs()["logreg"].grid["C"][0]
    clf = build_classifier("logreg", params={"C": 7.0})
    assert isinstance(clf, Pipeline), "a fixed parameter leaves nothing to tune for logreg"
    assert clf.named_steps["clf"].C == 7.0


def test_knn_has_pca_and_svm_is_calibrated() -> None:
    knn = build_classifier("knn", tune=False)
    assert [name for name, _ in knn.steps] == ["scale", "pca", "clf"]
    svm = build_classifier("svm", tune=False)
    assert type(svm.named_steps["clf"]).__name__ == "CalibratedClassifierCV"


def test_unknown_kind_is_config_error_listing_kinds() -> None:
    with pytest.raises(ConfigError) as exc:
        build_classifier("transformer")
    msg = str(exc.value)
    assert "'transformer'" in msg and "\n" not in msg
    for kind in (*KINDS, "cnn"):
        assert kind in msg


class SpyGroupKFold(classical.GroupKFold):
    """Records every inner split so the test can check speakers never straddle one."""

    calls: list = []

    def split(self, X, y=None, groups=None):
        for tr, te in super().split(X, y, groups):
            SpyGroupKFold.calls.append((np.asarray(groups)[tr], np.asarray(groups)[te]))
            yield tr, te


def test_tuning_uses_grouped_inner_folds(monkeypatch: pytest.MonkeyPatch) -> None:
    SpyGroupKFold.calls = []
    monkeypatch.setattr(classical, "GroupKFold", SpyGroupKFold)
    X, y, groups = blobs(seed=2)
    clf = build_classifier("logreg", tune=True)
    assert isinstance(clf, GroupTunedClassifier)
    clf.fit(X, y, groups=groups)
    assert len(SpyGroupKFold.calls) >= clf.inner_folds
    for train_groups, test_groups in SpyGroupKFold.calls:
        assert not set(train_groups) & set(test_groups)
    assert set(clf.best_params_) == {"C"}
    assert clf.best_params_["C"] in load_classifier_specs()["logreg"].grid["C"]
    assert np.mean(clf.predict(X) == y) >= 0.95
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0, atol=1e-6)


def test_tuning_without_enough_groups_falls_back_to_stratified(monkeypatch: pytest.MonkeyPatch) -> None:
    SpyGroupKFold.calls = []
    monkeypatch.setattr(classical, "GroupKFold", SpyGroupKFold)
    X, y, _ = blobs(seed=3)
    clf = build_classifier("knn", tune=True).fit(X, y)  # no groups at all
    assert SpyGroupKFold.calls == []
    assert set(clf.best_params_) == {"n_neighbors"}
    clf = build_classifier("knn", tune=True).fit(X, y, groups=np.array(["a", "b"] * (len(y) // 2)))
    assert SpyGroupKFold.calls == [], "2 groups < 3 inner folds: stratified folds instead"


def test_calibrated_svm_tunes_the_inner_estimator() -> None:
    X, y, groups = blobs(n_per=20, seed=4)
    clf = build_classifier("svm", tune=True).fit(X, y, groups=groups)
    assert set(clf.best_params_) == {"C"}, clf.best_params_
    assert np.mean(clf.predict(X) == y) >= 0.95
