"""Leave one corpus out: each corpus is tested by a model that never saw it, on the classes
every corpus shares, and the per-corpus scores are the ones a known data set must give."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from emoscore.errors import ConfigError, DataError
from emoscore.models import training
from emoscore.models.recipe import TrainingRecipe
from emoscore.models.training import FeatureTable
from emoscore.protocols.evaluation import leave_one_corpus_out, shared_classes
from emoscore.protocols.splits import make_splits

CENTRES = {"happy": (6.0, 0.0), "sad": (-6.0, 0.0), "angry": (0.0, 6.0), "calm": (0.0, -6.0)}
# where corpus c puts each class when swapped
SWAPPED = {"happy": "sad", "sad": "angry", "angry": "happy"}


def corpora(offset_c: float = 0.0, *, swap_c: bool = False, seed: int = 0) -> FeatureTable:
    """Corpora a (with calm), b and c, 3 speakers each; column 0 of X is the row id."""
    rng = np.random.default_rng(seed)
    rows, feats = [], []
    for corpus in ("a", "b", "c"):
        labels = ["happy", "sad", "angry"] + (["calm"] if corpus == "a" else [])
        for s in range(3):
            shift = rng.normal(0, 1.0, 2) + (offset_c if corpus == "c" else 0.0)  # a speaker's own offset
            for lab in labels:
                for _ in range(4):
                    where = SWAPPED[lab] if swap_c and corpus == "c" else lab
                    rows.append({"path": f"{corpus}/{s}/{len(rows)}.wav", "label": lab,
                                 "speaker": f"{corpus}:{s}", "corpus": corpus})  # fmt: skip
                    feats.append([len(feats), *(np.array(CENTRES[where]) + shift + rng.normal(0, 0.7, 2))])
    return FeatureTable(pd.DataFrame(rows), np.asarray(feats, dtype=np.float64), ("x.wav: broken",))


class Nearest:
    """Predicts the nearest class centre (no learning) and records the rows it was fitted on."""

    fits: list[list[int]] = []

    def fit(self, X, y, groups=None):
        Nearest.fits.append(X[:, 0].astype(int).tolist())
        self.classes_ = np.asarray(sorted(set(np.asarray(y).tolist())))
        return self

    def predict_proba(self, X):
        d = np.stack([np.linalg.norm(X[:, 1:] - np.array(CENTRES[c]), axis=1) for c in self.classes_], axis=1)
        return np.exp(-d) / np.exp(-d).sum(axis=1, keepdims=True)


def test_each_corpus_is_scored_by_a_model_that_never_saw_it(monkeypatch) -> None:
    monkeypatch.setattr(training, "build_estimator", lambda recipe: Nearest())
    Nearest.fits = []
    table = corpora(swap_c=True)
    result = leave_one_corpus_out(TrainingRecipe(name="r"), table)
    frame = table.frame
    assert [r.corpus for r in result.results] == ["a", "b", "c"]
    for fitted, corpus in zip(Nearest.fits, "abc", strict=True):
        assert set(frame.loc[fitted, "corpus"]) == set("abc") - {corpus}
    # calm exists only in corpus a: scored nowhere, but a's calm clips stay in training for b and c
    assert result.classes == ("angry", "happy", "sad")
    assert result.to_dict()["classes"] == ["angry", "happy", "sad"]
    assert frame.loc[Nearest.fits[1], "label"].eq("calm").any()
    t = result.table()
    assert t["n"].tolist() == [36, 36, 36] and t["classes"].tolist() == [3, 3, 3]
    # c's classes sit at other classes' centres: every clip of c is wrong, a and b are right
    assert t["ua"].tolist() == pytest.approx([1.0, 1.0, 0.0], abs=0.03)
    assert t["chance_ua"].tolist() == pytest.approx([1 / 3] * 3)
    assert result.mean_ua == pytest.approx(2 / 3, abs=0.02)
    assert result.results[2].report.per_class_recall == {"angry": 0.0, "happy": 0.0, "sad": 0.0}
    assert result.bad_rows == ("x.wav: broken",)
    assert {r.protocol for r in result.results} == {"loco"}


def test_labels_narrow_the_scored_classes(monkeypatch) -> None:
    monkeypatch.setattr(training, "build_estimator", lambda recipe: Nearest())
    result = leave_one_corpus_out(TrainingRecipe(), corpora(), labels=["sad", "happy", "calm"])
    assert result.classes == ("sad", "happy")
    assert result.table()["n"].tolist() == [24, 24, 24]
    assert shared_classes(corpora().frame) == ("angry", "happy", "sad")
    full = leave_one_corpus_out(TrainingRecipe(), corpora(swap_c=True))
    direct = leave_one_corpus_out(TrainingRecipe(), corpora(swap_c=True), labels=["happy", "sad"])
    narrowed = full.narrowed(["sad", "happy", "fearful"])
    assert narrowed.classes == direct.classes == ("happy", "sad")
    assert narrowed.table().equals(direct.table()), "rescoring without a refit = scoring those classes"
    with pytest.raises(DataError, match="fewer than two of sad, fearful"):
        full.narrowed(["sad", "fearful"])


def test_speaker_normalisation_carries_a_shifted_corpus() -> None:
    """A real model: corpus c is shifted far away; per-speaker normalisation (a weak prior, as the
    speakers here have few clips) brings it back, without it the held-out corpora are missed."""
    with_ids = corpora(offset_c=25.0)
    table = FeatureTable(with_ids.frame, with_ids.X[:, 1:], ())  # without the row id column
    recipe = TrainingRecipe(model="logreg", tune=False, normalization="speaker", normalization_prior=1.0)
    normalised = leave_one_corpus_out(recipe, table).table()
    assert normalised["ua"].min() > 0.9
    raw = leave_one_corpus_out(replace(recipe, normalization="none"), table).table()
    assert raw["ua"].max() < 0.7


def test_bad_input() -> None:
    table = corpora()
    one = FeatureTable(table.frame[table.frame["corpus"] == "a"].reset_index(drop=True), table.X[:48], ())
    with pytest.raises(DataError, match="loco needs at least two corpora, got a"):
        leave_one_corpus_out(TrainingRecipe(), one)
    with pytest.raises(DataError, match=r"share fewer than two classes \(sad\)"):
        leave_one_corpus_out(TrainingRecipe(), table, labels=["calm", "sad"])
    with pytest.raises(ConfigError, match="loco holds out whole corpora"):
        make_splits("loco", ["a", "b"], ["s1", "s2"])
