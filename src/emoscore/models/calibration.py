"""Temperature scaling: make a model's probabilities mean what they say on speech it never heard.

A classifier trained on acted studio speech is over-confident on other corpora (it says 0.9 and
is right half the time). One temperature ``T`` fitted on held-out probabilities — by default the
leave-one-corpus-out predictions, so the shift to an unseen corpus is what it corrects — softens
(``T > 1``) or sharpens (``T < 1``) every prediction without changing which class wins:
``p_i ∝ p_i ** (1 / T)``. The fitted value is data in the bundle's metadata (``calibration``),
not part of the pickled estimator, so it is visible without unpickling anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

from emoscore.errors import ConfigError, DataError

#: the calibration methods a recipe may name
CALIBRATIONS = ("none", "temperature")
#: equal-width confidence bins for the expected calibration error and the reliability diagram
ECE_BINS = 10
_EPS = 1e-12


def apply_temperature(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Rows of ``proba`` rescaled by ``temperature`` (each row still sums to 1, same argmax).

    >>> apply_temperature(np.array([[0.8, 0.2]]), 2.0).round(3).tolist()
    [[0.667, 0.333]]
    >>> apply_temperature(np.array([[0.8, 0.2]]), 1.0).tolist()
    [[0.8, 0.2]]
    """
    p = np.asarray(proba, dtype=np.float64)
    if temperature == 1.0:
        return p
    logits = np.log(np.clip(p, _EPS, None)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return out / out.sum(axis=1, keepdims=True)


def negative_log_likelihood(proba: np.ndarray, truth: np.ndarray) -> float:
    """Mean −log p(true class); ``truth`` holds column indices."""
    p = np.asarray(proba, dtype=np.float64)[np.arange(len(truth)), truth]
    return float(-np.mean(np.log(np.clip(p, _EPS, None))))


def fit_temperature(proba: np.ndarray, truth: np.ndarray) -> float:
    """The temperature in [0.05, 20] that minimises the negative log-likelihood of ``truth``.

    >>> rng = np.random.default_rng(0)
    >>> truth = rng.integers(0, 2, 2000)
    >>> right = rng.random(2000) < 0.7           # right 70 % of the time, but says 0.99
    >>> top = np.where(right, truth, 1 - truth)
    >>> proba = np.where(np.arange(2) == top[:, None], 0.99, 0.01)
    >>> t = fit_temperature(proba, truth)
    >>> calibrated = apply_temperature(proba, t).max(axis=1).mean()   # now says what it scores
    >>> bool(abs(calibrated - right.mean()) < 0.01), bool(t > 1)
    (True, True)
    """
    return _fit_blocks([np.asarray(proba, dtype=np.float64)], [np.asarray(truth, dtype=int)])


@dataclass(frozen=True)
class ReliabilityBin:
    """One confidence bin: its range, how many predictions fell in it, their mean confidence and accuracy."""

    low: float
    high: float
    n: int
    confidence: float
    accuracy: float


def reliability(proba: np.ndarray, truth: np.ndarray, bins: int = ECE_BINS) -> list[ReliabilityBin]:
    """Top-label reliability: predictions binned by their confidence (equal-width bins)."""
    p = np.asarray(proba, dtype=np.float64)
    return _bins(p.max(axis=1), p.argmax(axis=1) == np.asarray(truth, dtype=int), bins)


def _bins(conf: np.ndarray, correct: np.ndarray, bins: int) -> list[ReliabilityBin]:
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    out = []
    for b in range(bins):
        m = which == b
        n = int(m.sum())
        out.append(
            ReliabilityBin(
                float(edges[b]),
                float(edges[b + 1]),
                n,
                float(conf[m].mean()) if n else float("nan"),
                float(correct[m].mean()) if n else float("nan"),
            )
        )
    return out


def _ece(table: list[ReliabilityBin]) -> float:
    total = sum(b.n for b in table)
    return round(sum(b.n * abs(b.accuracy - b.confidence) for b in table if b.n) / max(total, 1), 12)


def expected_calibration_error(proba: np.ndarray, truth: np.ndarray, bins: int = ECE_BINS) -> float:
    """ECE: the size-weighted mean |accuracy − confidence| over the confidence bins (0 is perfect).

    >>> expected_calibration_error(np.array([[0.9, 0.1], [0.9, 0.1]]), np.array([0, 1]))
    0.4
    """
    return _ece(reliability(proba, truth, bins))


@dataclass(frozen=True)
class Calibration:
    """A fitted temperature with the held-out evidence for it (stored as the bundle's ``calibration``)."""

    method: str
    temperature: float
    fitted_on: str
    n: int
    nll_before: float
    nll_after: float
    ece_before: float
    ece_after: float
    per_corpus: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class HeldOutProbabilities:
    """Probabilities a model gave to clips it never trained on, with their true class index and group."""

    proba: tuple[np.ndarray, ...]  # one block per held-out part (their class sets may differ)
    truth: tuple[np.ndarray, ...]
    parts: tuple[str, ...]


def fit_calibration(held: HeldOutProbabilities, fitted_on: str) -> Calibration:
    """One temperature for all held-out parts together; ECE and NLL before/after, overall and per
    part, and per part the ECE under a temperature fitted on the other parts only (``crossfit``)."""
    temperature = _fit_blocks(held.proba, held.truth)
    per: dict[str, dict[str, float]] = {}
    for i, (name, p, t) in enumerate(zip(held.parts, held.proba, held.truth, strict=True)):
        q = apply_temperature(p, temperature)
        # the honest figure: a temperature fitted without this part, applied to it
        others = [j for j in range(len(held.parts)) if j != i]
        crossfit = (
            _fit_blocks([held.proba[j] for j in others], [held.truth[j] for j in others]) if others else 1.0
        )
        per[name] = {
            "n": int(len(t)),
            "ece_before": expected_calibration_error(p, t),
            "ece_after": expected_calibration_error(q, t),
            "temperature_without": crossfit,
            "ece_after_crossfit": expected_calibration_error(apply_temperature(p, crossfit), t),
            "mean_confidence_before": float(p.max(axis=1).mean()),
            "mean_confidence_after": float(q.max(axis=1).mean()),
            "accuracy": float((p.argmax(axis=1) == t).mean()),
        }
    return Calibration(
        method="temperature",
        temperature=temperature,
        fitted_on=fitted_on,
        n=int(sum(len(t) for t in held.truth)),
        nll_before=_pooled_nll(held.proba, held.truth, 1.0),
        nll_after=_pooled_nll(held.proba, held.truth, temperature),
        ece_before=_pooled_ece(held.proba, held.truth, 1.0),
        ece_after=_pooled_ece(held.proba, held.truth, temperature),
        per_corpus=per,
    )


def _fit_blocks(proba: Sequence[np.ndarray], truth: Sequence[np.ndarray]) -> float:
    if sum(len(t) for t in truth) == 0:
        raise DataError("calibration: no held-out predictions to fit a temperature on")
    res = minimize_scalar(
        lambda log_t: _pooled_nll(proba, truth, float(np.exp(log_t))),
        bounds=(np.log(0.05), np.log(20.0)),
        method="bounded",
    )
    return float(np.exp(res.x))


def _pooled_nll(proba: Sequence[np.ndarray], truth: Sequence[np.ndarray], t: float) -> float:
    """The negative log-likelihood over every block together (each clip counts once)."""
    pairs = zip(proba, truth, strict=True)
    total = sum(negative_log_likelihood(apply_temperature(p, t), y) * len(y) for p, y in pairs)
    return float(total / sum(len(y) for y in truth))


def pooled_reliability(
    proba: Sequence[np.ndarray], truth: Sequence[np.ndarray], temperature: float = 1.0, bins: int = ECE_BINS
) -> list[ReliabilityBin]:
    """Reliability bins over every block together (blocks may have different class sets: only the
    top-label confidence and its correctness count)."""
    conf = np.concatenate([apply_temperature(p, temperature).max(axis=1) for p in proba])
    right = np.concatenate([p.argmax(axis=1) == y for p, y in zip(proba, truth, strict=True)])
    return _bins(conf, right, bins)


def _pooled_ece(proba: Sequence[np.ndarray], truth: Sequence[np.ndarray], t: float) -> float:
    return _ece(pooled_reliability(proba, truth, t))


def check_calibration(method: str, *, origin: str = "recipe") -> str:
    """A recipe's ``calibration`` value, checked."""
    if method not in CALIBRATIONS:
        raise ConfigError(f"{origin}: calibration must be one of {', '.join(CALIBRATIONS)}, not {method!r}")
    return method


def bundle_temperature(meta: dict[str, Any]) -> float:
    """The temperature a bundle's metadata asks for (1.0: none)."""
    cal = meta.get("calibration") or {}
    t = cal.get("temperature", 1.0) if isinstance(cal, dict) else 1.0
    return float(t) if isinstance(t, int | float) and np.isfinite(t) and t > 0 else 1.0
