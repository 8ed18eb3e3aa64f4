"""Late fusion of voice and words: it learns how far to trust the words."""

from __future__ import annotations

import numpy as np
import pytest

from emoscore.models.multimodal import (
    FusedEmotionModel,
    LateFusion,
    fused_model,
    needs_words,
    predict_with_words,
)

CLASSES = ("neutral", "calm", "happy", "sad", "angry")
TEXT = ("neutral", "happy", "sad", "angry")


def audio_probs(y: np.ndarray, skill: float, rng: np.random.Generator) -> np.ndarray:
    """Noisy audio probabilities: the true class gets ``skill`` extra logit on average."""
    z = rng.normal(0, 1, (len(y), len(CLASSES)))
    z[np.arange(len(y)), y] += skill
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def fixed_sentence_evidence(n: int) -> np.ndarray:
    """Two fixed sentences that a text model reads as neutral-ish, whatever the voice says."""
    ev = np.zeros((n, len(TEXT)))
    ev[:, 0] = np.where(np.arange(n) % 2 == 0, 0.6, 0.4)
    ev[:, 1:] = -0.3
    return ev


def informative_evidence(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ev = rng.normal(0, 0.5, (len(y), len(TEXT)))
    for i, c in enumerate(y):
        if CLASSES[c] in TEXT:
            ev[i, TEXT.index(CLASSES[c])] += 1.5
    return ev


def accuracy(p: np.ndarray, y: np.ndarray) -> float:
    return float((p.argmax(1) == y).mean())


def fit(rng: np.random.Generator) -> tuple[LateFusion, tuple[np.ndarray, ...]]:
    """Fusion fitted as the shipped one is: fixed-sentence speech clips + words-only rows."""
    y_a = rng.integers(0, len(CLASSES), 800)
    pa = audio_probs(y_a, 2.0, rng)
    ev_a = fixed_sentence_evidence(len(y_a))
    y_t = rng.choice([0, 2, 3, 4], 800)
    ev_t = informative_evidence(y_t, rng)
    fusion = LateFusion(CLASSES, TEXT).fit(
        np.vstack([pa, np.full((len(y_t), len(CLASSES)), 1 / len(CLASSES))]),
        np.vstack([ev_a, ev_t]),
        [CLASSES[i] for i in np.r_[y_a, y_t]],
        has_audio=np.r_[np.ones(len(y_a), bool), np.zeros(len(y_t), bool)],
    )
    return fusion, (y_a, pa, ev_a)


def test_fusion_is_not_worse_than_the_voice_on_fixed_sentences():
    rng = np.random.default_rng(0)
    fusion, _ = fit(rng)
    y = rng.integers(0, len(CLASSES), 2000)  # unseen clips of the same kind
    pa = audio_probs(y, 2.0, rng)
    fused = fusion.combine(pa, fixed_sentence_evidence(len(y)))
    assert accuracy(fused, y) >= accuracy(pa, y) - 0.01
    assert (fusion.text_weight >= 0).all() and (fusion.audio_weight >= 0).all()


def test_fusion_uses_words_that_carry_emotion():
    rng = np.random.default_rng(1)
    fusion, _ = fit(rng)
    y = rng.choice([0, 2, 3, 4], 2000)
    pa = audio_probs(y, 0.5, rng)  # a weak voice model (unseen speakers, another language)
    fused = fusion.combine(pa, informative_evidence(y, rng))
    assert accuracy(fused, y) > accuracy(pa, y) + 0.1


def test_no_words_is_the_voice_alone():
    f = LateFusion(CLASSES, TEXT, text_weight=np.full(len(CLASSES), 2.0))
    pa = np.array([[0.1, 0.1, 0.5, 0.2, 0.1]])
    assert np.allclose(f.combine(pa, np.zeros((1, len(TEXT)))), pa)


class Audio:
    classes_ = np.array(sorted(CLASSES))

    def predict_proba(self, X):
        return np.tile(np.linspace(1, 2, len(self.classes_)), (len(X), 1)) / np.linspace(1, 2, 5).sum()


class Words:
    labels = TEXT

    def evidence(self, texts):
        return np.array([[0, 3.0, 0, 0] if "great" in t else [0, 0, 0, 0] for t in texts])


def test_fused_model_orders_classes_like_the_bundle():
    from emoscore.audio.preprocess import Preprocessing
    from emoscore.models.bundle import ModelBundle

    fused = FusedEmotionModel(
        Audio(), Words(), LateFusion(tuple(sorted(CLASSES)), TEXT, text_weight=np.ones(5))
    )
    bundle = ModelBundle(fused, None, Preprocessing(), CLASSES, meta={"modalities": ["audio", "text"]})
    assert fused_model(bundle) is fused and needs_words(bundle.meta)
    X = np.zeros((2, 3))
    p = predict_with_words(bundle, X, ["a great day", ""], normalized=True)
    assert p.shape == (2, 5) and np.allclose(p.sum(1), 1)
    assert CLASSES[p[0].argmax()] == "happy"
    assert np.allclose(p[1], predict_with_words(bundle, X, None, normalized=True)[1])


@pytest.mark.corpus
@pytest.mark.slow
def test_shipped_multimodal_keeps_the_voice_on_ravdess_sentences(tmp_path):
    """The shipped bundle on fixed-sentence clips: fused predictions stay with the voice's."""
    from pathlib import Path

    from emoscore.features.asr import Transcriber, TranscriptCache
    from emoscore.features.extract import load_clip
    from emoscore.models.registry import load_model

    data = Path("../shared/data/ravdess/Actor_03")
    if not data.is_dir():
        pytest.skip("needs ../shared/data")
    files = sorted(data.glob("*.flac"))[::6]
    bundle = load_model("multimodal")
    X = np.vstack(bundle.extractor.batch([load_clip(f, bundle.preprocessing) for f in files], 16000))
    words = Transcriber(cache=TranscriptCache(tmp_path)).clip_words(
        [load_clip(f, bundle.preprocessing) for f in files]
    )
    assert sum("door" in w.lower() for w in words) >= len(files) - 1
    audio = predict_with_words(bundle, X, None)
    fused = predict_with_words(bundle, X, words)
    assert (audio.argmax(1) == fused.argmax(1)).mean() >= 0.9
