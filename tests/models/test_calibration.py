"""Temperature scaling: a model that claims more than it scores is softened until its confidence
matches its accuracy, which class wins never changes, and the bundle applies what it was fitted."""

from __future__ import annotations

import numpy as np
import pytest

from emoscore.audio.preprocess import Preprocessing
from emoscore.errors import ConfigError, DataError
from emoscore.models.bundle import ModelBundle
from emoscore.models.calibration import (
    HeldOutProbabilities,
    apply_temperature,
    bundle_temperature,
    expected_calibration_error,
    fit_calibration,
    fit_temperature,
)
from emoscore.models.recipe import TrainingRecipe


def overconfident(n: int, accuracy: float, k: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """k-class predictions right ``accuracy`` of the time, always claiming ~0.95."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n)
    wrong = (truth + rng.integers(1, k, n)) % k
    top = np.where(rng.random(n) < accuracy, truth, wrong)
    proba = np.full((n, k), 0.05 / (k - 1))
    proba[np.arange(n), top] = 0.95
    return proba, truth


def test_an_overconfident_model_is_softened_to_its_accuracy() -> None:
    proba, truth = overconfident(4000, 0.6)
    t = fit_temperature(proba, truth)
    calibrated = apply_temperature(proba, t)
    assert t > 1.5
    assert expected_calibration_error(proba, truth) == pytest.approx(0.35, abs=0.02)
    assert expected_calibration_error(calibrated, truth) < 0.02
    assert (calibrated.argmax(axis=1) == proba.argmax(axis=1)).all()
    np.testing.assert_allclose(calibrated.sum(axis=1), 1.0)


def test_an_underconfident_model_is_sharpened() -> None:
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 2, 3000)
    proba = np.where(np.arange(2) == truth[:, None], 0.6, 0.4)  # always right, says 0.6
    assert fit_temperature(proba, truth) < 0.5


def test_calibration_reports_a_cross_fitted_ece_per_part() -> None:
    """Each part's honest ECE uses a temperature fitted without it: a part unlike the others
    (well calibrated already) is made worse by the others' temperature, and the report shows it."""
    a, ya = overconfident(2000, 0.5, seed=2)
    b, yb = overconfident(2000, 0.55, seed=3)
    c, yc = overconfident(2000, 0.95, seed=4)  # says 0.95 and is right 95 %: calibrated as it is
    cal = fit_calibration(HeldOutProbabilities((a, b, c), (ya, yb, yc), ("a", "b", "c")), "test")
    assert cal.per_corpus["c"]["ece_before"] < 0.02
    assert cal.per_corpus["c"]["ece_after_crossfit"] > 0.2  # the others' temperature is far too soft for c
    assert cal.per_corpus["a"]["ece_after_crossfit"] < cal.per_corpus["a"]["ece_before"]
    assert cal.n == 6000 and cal.nll_after < cal.nll_before


def test_no_predictions_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="no held-out predictions"):
        fit_temperature(np.zeros((0, 3)), np.zeros(0, dtype=int))


class Fixed:
    classes_ = np.array(["a", "b"])

    def predict_proba(self, X):
        return np.tile([0.9, 0.1], (len(X), 1))


def test_a_bundle_applies_its_temperature_from_metadata() -> None:
    meta = {"calibration": {"method": "temperature", "temperature": 2.0}}
    plain = ModelBundle(Fixed(), None, Preprocessing(), ("a", "b"), {})
    calibrated = ModelBundle(Fixed(), None, Preprocessing(), ("a", "b"), meta)
    assert plain.predict_proba(np.zeros((1, 2)))[0, 0] == pytest.approx(0.9)
    assert calibrated.predict_proba(np.zeros((1, 2)))[0, 0] == pytest.approx(0.75)  # 3:1 = sqrt(9):1


@pytest.mark.parametrize("meta", [{}, {"calibration": None}, {"calibration": {"temperature": -1}},
                                  {"calibration": {"temperature": "x"}}])  # fmt: skip
def test_bad_or_missing_temperatures_leave_probabilities_alone(meta) -> None:
    assert bundle_temperature(meta) == 1.0


def test_a_recipe_names_a_known_calibration() -> None:
    assert TrainingRecipe.from_dict({"calibration": "temperature"}).calibration == "temperature"
    with pytest.raises(ConfigError, match="calibration must be one of none, temperature"):
        TrainingRecipe.from_dict({"calibration": "platt"})
