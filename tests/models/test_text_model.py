"""The shipped text emotion model (MELD words): held-out sentences, the bundle's licence, MELD test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emoscore.errors import ModelError
from emoscore.models.bundle import load_bundle, read_metadata
from emoscore.models.registry import load_model, shipped_models_dir
from emoscore.models.text import TextEmotionModel
from emoscore.vocabulary import TEXT_EMOTION_TASK

TEXT_EMO = shipped_models_dir() / "text.emo"

# written for this test, in none of MELD's splits
HELD_OUT = {
    "I hate you, get out of my house!": "angry",
    "This is the best day of my life, I am so happy!": "happy",
    "I miss her so much, I can not stop crying.": "sad",
    "Oh my God! Really? No way!": "surprised",
    "That is disgusting, it smells like rotten eggs.": "disgust",
    "The meeting is at three o'clock on the second floor.": "neutral",
}


@pytest.fixture(scope="module")
def text() -> TextEmotionModel:
    return TextEmotionModel.from_bundle(load_bundle(TEXT_EMO))


def test_held_out_sentences(text):
    p = text.proba(list(HELD_OUT))
    got = [text.labels[i] for i in p.argmax(1)]
    assert sum(g == want for g, want in zip(got, HELD_OUT.values(), strict=True)) >= 5, got
    assert np.allclose(p.sum(1), 1)


def test_no_words_is_no_evidence(text):
    ev = text.evidence(["", "  ", "Get out!"])
    assert (ev[:2] == 0).all() and ev[2, text.labels.index("angry")] > 0.5


def test_bundle_says_what_it_was_trained_on():
    meta = read_metadata(TEXT_EMO)
    assert meta["task"] == TEXT_EMOTION_TASK and "GPL-3.0" in meta["licence"] and "MELD" in meta["licence"]
    assert meta["metrics"]["wf1"] > meta["baselines"]["majority (neutral)"]["wf1"]
    with pytest.raises(ModelError, match="text-emotion model"):
        load_model("text", task="emotion")


@pytest.mark.corpus
@pytest.mark.slow
def test_meld_test_beats_the_baselines(text):
    from sklearn.metrics import f1_score

    from emoscore.corpora.meld_text import load_meld_text

    root = Path("../shared/data/meld-text")
    if not root.is_dir():
        pytest.skip("needs ../shared/data")
    test = load_meld_text(root, "test").sample(600, random_state=0)
    pred = np.asarray(text.labels)[text.proba(test["text"].tolist()).argmax(1)]
    assert f1_score(test["label"], pred, average="weighted") >= 0.5  # majority: 0.31, TF-IDF: 0.47
