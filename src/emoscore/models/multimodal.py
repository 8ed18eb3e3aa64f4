"""Speech + words: the ``multimodal`` model (paper 001's best system, as late fusion).

A multimodal bundle is an ordinary :class:`~emoscore.models.bundle.ModelBundle` of the audio
model (its extractor, preprocessing and per-speaker normaliser) whose estimator is a
:class:`FusedEmotionModel`: the audio model's estimator, the text model (a ``text-emotion``
bundle) and a :class:`LateFusion`. Without words (streaming, a clip with no speech recognised)
it is the audio model; with words it fuses, per class ``c``::

    score_c = a_c · log p_audio(c) + t_c · [log p_text(c) − log prior_text(c)]

``a`` and ``t`` (non-negative) are learned on held-out data: RAVDESS clips scored by audio models
that never heard their speaker (the words there are two fixed sentences: no evidence) and MELD
dev utterances (words only). So the fusion learns how far to trust the words: where words say
nothing about emotion (fixed sentences), their weight cannot cost the voice its say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emoscore.models.bundle import ModelBundle
from emoscore.models.text import TextEmotionModel

#: a multimodal bundle's ``modalities`` metadata: it needs a transcript
MODALITIES = ("audio", "text")
EPS = 1e-6


@dataclass
class LateFusion:
    """Per-class weights of the audio log-probabilities and the text evidence (see module doc).

    ``absent_bias`` is used only in training, for rows that have no audio (MELD text); at
    inference every row has audio.

    >>> f = LateFusion(("happy", "sad"), ("happy", "sad"))
    >>> f.combine(np.array([[0.8, 0.2]]), np.zeros((1, 2))).round(2).tolist()
    [[0.8, 0.2]]
    """

    classes: tuple[str, ...]
    text_labels: tuple[str, ...]
    audio_weight: np.ndarray = field(default_factory=lambda: np.ones(0))
    text_weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    absent_bias: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        k = len(self.classes)
        if len(self.audio_weight) != k:
            self.audio_weight = np.ones(k)
        if len(self.text_weight) != k:
            self.text_weight = np.zeros(k)
        if len(self.absent_bias) != k:
            self.absent_bias = np.zeros(k)

    def evidence(self, llr: np.ndarray) -> np.ndarray:
        """Text evidence per fused class (0 for a class the text model does not know, e.g. calm)."""
        out = np.zeros((len(llr), len(self.classes)))
        for j, c in enumerate(self.classes):
            if c in self.text_labels:
                out[:, j] = llr[:, self.text_labels.index(c)]
        return out

    def _scores(self, log_audio: np.ndarray, ev: np.ndarray, has_audio: np.ndarray) -> np.ndarray:
        z = self.audio_weight * log_audio * has_audio[:, None] + self.text_weight * ev
        return z + self.absent_bias * (~has_audio)[:, None]

    def combine(self, audio: np.ndarray, llr: np.ndarray) -> np.ndarray:
        """Fused probabilities of rows with audio probabilities ``audio`` and text evidence ``llr``."""
        z = self._scores(np.log(np.clip(audio, EPS, 1.0)), self.evidence(llr), np.ones(len(audio), bool))
        return _softmax(z)

    def fit(
        self,
        audio: np.ndarray | None,
        llr: np.ndarray,
        y: Sequence[str] | np.ndarray,
        *,
        has_audio: np.ndarray,
        sample_weight: np.ndarray | None = None,
        l2: float = 1e-3,
    ) -> LateFusion:
        """Minimise weighted cross-entropy; rows without audio (``has_audio`` False) fit the text
        weights and ``absent_bias`` only. ``audio`` rows of absent audio are ignored."""
        from scipy.optimize import minimize

        k = len(self.classes)
        n = len(llr)
        la = (
            np.zeros((n, k))
            if audio is None
            else np.log(np.clip(np.nan_to_num(audio, nan=1.0 / k), EPS, 1.0))
        )
        ev = self.evidence(llr)
        onehot = np.zeros((n, k))
        onehot[np.arange(n), [self.classes.index(str(c)) for c in y]] = 1.0
        w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
        w = w / w.sum()
        has = np.asarray(has_audio, bool)

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            a, t, b = theta[:k], theta[k : 2 * k], theta[2 * k :]
            z = a * la * has[:, None] + t * ev + b * (~has)[:, None]
            z -= z.max(axis=1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            ce = -(w * (onehot * logp).sum(axis=1)).sum()
            g = (np.exp(logp) - onehot) * w[:, None]
            ga = (g * la * has[:, None]).sum(0)
            gt = (g * ev).sum(0)
            gb = (g * (~has)[:, None]).sum(0)
            reg = l2 * (((a - 1) ** 2).sum() + (t**2).sum())
            grad = np.concatenate([ga + 2 * l2 * (a - 1), gt + 2 * l2 * t, gb])
            return ce + reg, grad

        theta0 = np.concatenate([np.ones(k), np.zeros(k), np.zeros(k)])
        bounds = [(0.0, None)] * (2 * k) + [(None, None)] * k
        res = minimize(loss, theta0, jac=True, method="L-BFGS-B", bounds=bounds)
        self.audio_weight, self.text_weight, self.absent_bias = res.x[:k], res.x[k : 2 * k], res.x[2 * k :]
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "audio_weight": dict(zip(self.classes, np.round(self.audio_weight, 4).tolist(), strict=True)),
            "text_weight": dict(zip(self.classes, np.round(self.text_weight, 4).tolist(), strict=True)),
        }


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class FusedEmotionModel:
    """The estimator of a multimodal bundle: audio estimator + text model + fusion."""

    audio: Any
    text: TextEmotionModel
    fusion: LateFusion

    @property
    def classes_(self) -> np.ndarray:
        return np.asarray(self.audio.classes_)

    def audio_proba(self, X: Any) -> np.ndarray:
        return np.asarray(self.audio.predict_proba(X), dtype=np.float64)

    def predict_proba(self, X: Any, texts: Sequence[str] | None = None) -> np.ndarray:
        """Fused probabilities in the order of :attr:`classes_`; without ``texts`` the audio model's."""
        audio = self.audio_proba(X)
        if texts is None:
            return audio
        return self.fusion.combine(audio, self.text.evidence(texts))

    def predict(self, X: Any, texts: Sequence[str] | None = None) -> np.ndarray:
        return self.classes_[self.predict_proba(X, texts).argmax(axis=1)]


def fused_model(bundle: ModelBundle) -> FusedEmotionModel | None:
    """The bundle's :class:`FusedEmotionModel`, or ``None`` for an audio-only bundle."""
    return bundle.estimator if isinstance(bundle.estimator, FusedEmotionModel) else None


def needs_words(meta: dict[str, Any]) -> bool:
    """Whether a bundle (by its metadata, nothing unpickled) needs a transcript."""
    return "text" in (meta.get("modalities") or ())


def predict_with_words(
    bundle: ModelBundle,
    features: Any,
    texts: Sequence[str] | None,
    *,
    groups: Any = None,
    normalized: bool = False,
) -> np.ndarray:
    """Probabilities in the order of ``bundle.labels`` from audio features and each row's words
    (English; ``""`` for none); an audio-only bundle ignores the words."""
    fused = fused_model(bundle)
    if fused is None or texts is None:
        return bundle.classify(features) if normalized else bundle.predict_proba(features, groups)
    X = features if normalized else bundle.normalize(features, groups)
    proba = fused.predict_proba(X, texts)
    order = [list(fused.classes_).index(lab) for lab in bundle.labels]
    proba = np.clip(proba[:, order], 0.0, None)
    return proba / proba.sum(axis=1, keepdims=True)


def multimodal_bundle(
    audio: ModelBundle, text: ModelBundle, fusion: LateFusion, meta: dict[str, Any]
) -> ModelBundle:
    """The multimodal bundle: the audio bundle's extractor, preprocessing and normaliser; the
    fused estimator."""
    return ModelBundle(
        estimator=FusedEmotionModel(audio.estimator, TextEmotionModel.from_bundle(text), fusion),
        extractor=audio.extractor,
        preprocessing=audio.preprocessing,
        labels=audio.labels,
        meta={"modalities": list(MODALITIES), "fusion": fusion.to_dict(), **meta},
        normalizer=audio.normalizer,
    )


@dataclass
class _WithWords:
    """A fused estimator bound to the words of the rows it will be asked about (held-out scoring
    through the ordinary bundle interface)."""

    fused: FusedEmotionModel
    texts: Sequence[str]

    @property
    def classes_(self) -> np.ndarray:
        return self.fused.classes_

    def predict_proba(self, X: Any) -> np.ndarray:
        if len(X) != len(self.texts):
            raise ValueError(f"{len(X)} rows of features but words for {len(self.texts)}")
        return self.fused.predict_proba(X, self.texts)


def with_words(bundle: ModelBundle, texts: Sequence[str]) -> ModelBundle:
    """``bundle`` scoring exactly the rows whose words are ``texts`` (in order) with the fusion."""
    from dataclasses import replace

    fused = fused_model(bundle)
    if fused is None:
        return bundle
    return replace(bundle, estimator=_WithWords(fused, list(texts)))
