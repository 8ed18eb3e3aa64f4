"""LogMelCNN on synthetic log-mel "images": two classes that differ in low vs high band energy."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from emoscore.errors import ConfigError, ModelError
from emoscore.models.neural import LogMelCNN, crop_starts, fit_to_length

SMALL = {"crop_frames": 48, "width": 8, "batch_size": 16, "lr": 3e-3, "n_threads": 1}


def synthetic(
    n: int, *, seed: int, lo: int = 30, hi: int = 120, signal: float = 2.0
) -> tuple[list, np.ndarray]:
    """Class "low" has extra energy in mel bands 0–9, class "high" in bands 30–39 (static channel)."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for i in range(n):
        t = int(rng.integers(lo, hi))
        x = rng.normal(size=(3, 40, t)).astype(np.float32) + 5.0
        label = ("low", "high")[i % 2]
        bands = slice(0, 10) if label == "low" else slice(30, 40)
        x[0, bands] += signal
        X.append(x)
        y.append(label)
    return X, np.array(y)


@pytest.fixture(scope="module")
def fitted() -> tuple[LogMelCNN, list, np.ndarray]:
    X, y = synthetic(80, seed=0)
    model = LogMelCNN(epochs=6, patience=6, **SMALL).fit(X, y)
    X_test, y_test = synthetic(40, seed=1)
    return model, X_test, y_test


def test_learns_separable_classes(fitted):
    model, X_test, y_test = fitted
    assert list(model.classes_) == ["high", "low"]
    assert np.mean(model.predict(X_test) == y_test) >= 0.9


def test_predict_proba_shape_and_sums(fitted):
    model, X_test, _ = fitted
    proba = model.predict_proba(X_test)
    assert proba.shape == (40, 2)
    assert np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    np.testing.assert_array_equal(model.predict(X_test), model.classes_[proba.argmax(axis=1)])


def test_standardises_with_global_per_channel_statistics(fitted):
    model, _, _ = fitted
    X, _ = synthetic(80, seed=0)
    flat = np.concatenate([x.reshape(3, -1) for x in X], axis=1)
    np.testing.assert_allclose(model.mean_.ravel(), flat.mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(model.std_.ravel(), flat.std(axis=1), rtol=1e-4)


def test_pickle_round_trip_gives_identical_probabilities(fitted):
    model, X_test, _ = fitted
    before = model.predict_proba(X_test)
    blob = pickle.dumps(model)
    assert b"torch.nn" not in blob  # weights are stored as numpy arrays, the module is rebuilt
    restored = pickle.loads(blob)
    assert not hasattr(restored, "_net")
    np.testing.assert_array_equal(restored.predict_proba(X_test), before)


def test_variable_lengths_including_clips_shorter_than_the_crop():
    X, y = synthetic(40, seed=2, lo=10, hi=200)  # many clips shorter than the 48-frame crop
    model = LogMelCNN(epochs=2, **SMALL).fit(X, y)
    odd = [X[0][:, :, :3], X[1][:, :, :1], X[2], np.concatenate([X[3]] * 5, axis=2)]
    proba = model.predict_proba(odd)
    assert proba.shape == (4, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)


def test_same_seed_same_model_and_different_seed_differs():
    X, y = synthetic(32, seed=3)
    a = LogMelCNN(epochs=2, seed=7, **SMALL).fit(X, y).predict_proba(X)
    b = LogMelCNN(epochs=2, seed=7, **SMALL).fit(X, y).predict_proba(X)
    c = LogMelCNN(epochs=2, seed=8, **SMALL).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_early_stopping_on_a_plateau_restores_the_best_epoch():
    rng = np.random.default_rng(4)
    X, _ = synthetic(60, seed=4, signal=0.0)
    y = rng.permutation(np.array(["a", "b"] * 30))  # labels carry no signal: validation loss plateaus
    model = LogMelCNN(epochs=40, patience=3, val_fraction=0.2, **SMALL).fit(X, y)
    val = [r.val_loss for r in model.history_]
    assert model.n_epochs_ < 40
    assert model.n_epochs_ == model.best_epoch_ + 3
    assert model.best_epoch_ == int(np.argmin(val)) + 1
    assert [r.epoch for r in model.history_] == list(range(1, model.n_epochs_ + 1))


def test_validation_split_keeps_speakers_apart():
    y = np.repeat([0, 1], 50)
    groups = np.tile(np.arange(10), 10)
    tr, va = LogMelCNN(val_fraction=0.2)._split(y, groups)
    assert len(va) > 0 and not set(groups[tr]) & set(groups[va])
    assert set(y[va]) == {0, 1}


def test_small_data_with_one_clip_per_speaker_falls_back_to_a_stratified_split():
    # 6 clips per class, each its own speaker: too few per class for 7 grouped folds
    y = np.repeat(["a", "b"], 6)
    tr, va = LogMelCNN(val_fraction=0.15)._split(y, np.arange(12).astype(str))
    assert len(va) >= 2 and set(y[va]) == {"a", "b"} and not set(tr) & set(va)


def test_adcrnn_trains_and_predicts():
    X, y = synthetic(40, seed=5)
    model = LogMelCNN("adcrnn", epochs=4, **SMALL).fit(X, y)
    proba = model.predict_proba(X[:6])
    assert proba.shape == (6, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X[:6]), proba)


def test_is_a_scikit_learn_estimator():
    model = LogMelCNN("adcrnn", epochs=3, seed=5)
    copy = clone(model)
    assert copy.get_params()["arch"] == "adcrnn" and copy.get_params()["epochs"] == 3
    assert not hasattr(copy, "classes_")


def test_bad_inputs_and_settings_are_clear_errors():
    X, y = synthetic(10, seed=6)
    with pytest.raises(ModelError, match="not fitted"):
        LogMelCNN().predict_proba(X)
    with pytest.raises(ConfigError, match="unknown neural architecture"):
        LogMelCNN("resnet").fit(X, y)
    with pytest.raises(ConfigError, match=r"X\[1\]"):
        LogMelCNN(**SMALL).fit([X[0], X[1][0]], y[:2])
    with pytest.raises(ConfigError, match="NaN"):
        LogMelCNN(**SMALL).fit([X[0], np.full_like(X[1], np.nan)], y[:2])
    with pytest.raises(ConfigError, match="two classes"):
        LogMelCNN(**SMALL).fit(X[:4], ["a"] * 4)


def test_crop_helpers():
    clip = np.arange(10, dtype=np.float32).reshape(1, 1, 10)
    assert fit_to_length(clip, 4, 3).ravel().tolist() == [3, 4, 5, 6]
    assert fit_to_length(clip, 25).shape == (1, 1, 25)
    assert crop_starts(1000, 300, 3) == [0, 350, 700]
