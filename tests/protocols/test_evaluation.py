"""Cross-validation never trains on a test speaker and keeps other corpora in training; held-out
evaluation of a bundle restricts labels on request and names labels the model does not know."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from emoscore.audio.preprocess import Preprocessing
from emoscore.errors import DataError
from emoscore.features import Seed94Extractor
from emoscore.models import training
from emoscore.models.bundle import ModelBundle
from emoscore.models.classical import build_classifier
from emoscore.models.recipe import TrainingRecipe
from emoscore.models.training import FeatureTable
from emoscore.protocols.evaluation import cross_validate, evaluate_bundle

LABELS = ("happy", "sad", "angry")
CENTRES = {"happy": (6.0, 0.0), "sad": (-6.0, 0.0), "angry": (0.0, 6.0)}


def two_corpora(seed: int = 0) -> FeatureTable:
    """Corpus 'main' (8 speakers) and corpus 'extra' (3 speakers); column 0 of X is the row id."""
    rng = np.random.default_rng(seed)
    rows, feats = [], []
    for corpus, n_spk in (("main", 8), ("extra", 3)):
        for s in range(n_spk):
            for lab in LABELS:
                for _ in range(2):
                    rows.append({"path": f"{corpus}/{s}/{lab}{len(rows)}.wav", "label": lab,
                                 "speaker": f"{corpus}:{s}", "corpus": corpus})  # fmt: skip
                    feats.append([len(feats), *(np.array(CENTRES[lab]) + rng.normal(0, 0.5, 2))])
    return FeatureTable(pd.DataFrame(rows), np.asarray(feats, dtype=np.float64), ("bad.wav: broken",))


class Spy:
    """Records the rows it is trained on and asked about; predicts the nearest class centre."""

    fits: list = []

    def fit(self, X, y, groups=None):
        Spy.fits.append({"train": X[:, 0].astype(int).tolist(), "groups": list(groups), "test": []})
        return self

    def predict(self, X):
        Spy.fits[-1]["test"] += X[:, 0].astype(int).tolist()
        names = list(CENTRES)
        d = [np.linalg.norm(X[:, 1:] - np.array(CENTRES[n]), axis=1) for n in names]
        return np.asarray(names)[np.argmin(d, axis=0)]


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> type[Spy]:
    Spy.fits = []
    monkeypatch.setattr(training, "build_estimator", lambda recipe: Spy())
    return Spy


@pytest.mark.parametrize("protocol,folds", [("speaker-kfold", 4), ("loso", 0)])
def test_cross_validation_is_speaker_independent(spy, protocol: str, folds: int) -> None:
    table = two_corpora()
    frame = table.frame
    recipe = TrainingRecipe(name="spy", labels=LABELS)
    res = cross_validate(recipe, table, test_corpus="main", protocol=protocol, folds=folds or 5)
    main_rows = set(np.flatnonzero(frame["corpus"] == "main"))
    extra_rows = set(np.flatnonzero(frame["corpus"] == "extra"))
    assert len(spy.fits) == (4 if protocol == "speaker-kfold" else 8) == res.folds
    tested = [r for f in spy.fits for r in f["test"]]
    assert sorted(tested) == sorted(main_rows), "each test-corpus row predicted exactly once"
    for f in spy.fits:
        assert extra_rows <= set(f["train"]), "the other corpus is always in training"
        test_speakers = set(frame["speaker"].iloc[f["test"]])
        train_speakers = set(frame["speaker"].iloc[f["train"]])
        assert not test_speakers & train_speakers
        assert f["groups"] == frame["speaker"].iloc[f["train"]].tolist(), "speakers passed as groups"
    assert res.report.n == len(main_rows) and res.report.wa == 1.0
    assert res.mode == "cross-validation" and not res.leaky and res.corpus == "main"
    assert res.bad_rows == ("bad.wav: broken",)
    assert sorted(res.predictions["fold"].unique()) == list(range(res.folds))
    assert res.report.labels == LABELS


def test_augmented_copies_train_with_their_speaker_and_are_never_tested(spy) -> None:
    clean = two_corpora()
    copies = clean.frame.assign(augmented=True)
    X_copies = clean.X.copy()
    X_copies[:, 0] += 1000  # row ids of the copies
    table = FeatureTable(
        pd.concat([clean.frame.assign(augmented=False), copies], ignore_index=True),
        np.concatenate([clean.X, X_copies]),
        (),
    )
    speaker_of = dict(enumerate(clean.frame["speaker"]))
    res = cross_validate(TrainingRecipe(name="spy", labels=LABELS), table, test_corpus="main", folds=4)
    assert res.report.n == int((clean.frame["corpus"] == "main").sum())
    for f in spy.fits:
        assert max(f["test"]) < 1000, "an augmented copy is never scored"
        test_speakers = {speaker_of[i] for i in f["test"]}
        trained_copies = [i - 1000 for i in f["train"] if i >= 1000]
        assert not test_speakers & {speaker_of[i] for i in trained_copies}
        # every copy of a training speaker (either corpus) trains
        assert len(trained_copies) == sum(sp not in test_speakers for sp in speaker_of.values())


def test_random_protocol_is_flagged_leaky(spy) -> None:
    res = cross_validate(TrainingRecipe(), two_corpora(), test_corpus="main", protocol="random", folds=3)
    assert res.leaky and res.to_dict()["leaky"] is True
    assert res.report.labels == tuple(sorted(LABELS)), "no recipe labels: sorted classes"


def test_unknown_test_corpus(spy) -> None:
    with pytest.raises(DataError, match="'nope' has no clips"):
        cross_validate(TrainingRecipe(), two_corpora(), test_corpus="nope")


def test_cross_validation_with_a_real_tuned_model() -> None:
    table = two_corpora(seed=1)
    recipe = TrainingRecipe(model="logreg", tune=True, labels=LABELS)
    res = cross_validate(recipe, table, test_corpus="main", protocol="speaker-kfold", folds=4)
    assert res.report.ua >= 0.95 and res.report.chance_ua == pytest.approx(1 / 3)


def blob_bundle() -> ModelBundle:
    table = two_corpora(seed=2)
    est = build_classifier("logreg", tune=False).fit(table.X[:, 1:], table.frame["label"])
    return ModelBundle(est, Seed94Extractor(), Preprocessing(), LABELS, {"name": "blobs"})


def held_out(labels_and_points) -> FeatureTable:
    frame = pd.DataFrame(
        [{"path": f"t{i}.wav", "label": lab, "speaker": "x", "corpus": "t"} for i, (lab, _) in
         enumerate(labels_and_points)]
    )  # fmt: skip
    return FeatureTable(frame, np.asarray([p for _, p in labels_and_points], dtype=np.float64), ())


def test_evaluate_bundle_restricts_to_present_labels() -> None:
    bundle = blob_bundle()
    # clips labelled happy/sad, two of which sound "angry" to the model
    table = held_out(
        [("happy", (6, 0)), ("happy", (0, 6)), ("sad", (-6, 0)), ("sad", (-1, 6)), ("sad", (-6, 0.5))]
    )
    free = evaluate_bundle(bundle, table, corpus="t")
    assert set(free.predictions["predicted"]) == {"happy", "sad", "angry"}
    assert free.report.labels == LABELS and not free.restricted
    restricted = evaluate_bundle(bundle, table, corpus="t", restrict_labels=True)
    assert set(restricted.predictions["predicted"]) <= {"happy", "sad"}
    assert restricted.report.labels == ("happy", "sad") and restricted.restricted
    assert restricted.predictions["predicted"].tolist()[::2] == ["happy", "sad", "sad"]
    assert restricted.report.wa >= free.report.wa
    assert restricted.mode == "held-out" and restricted.folds == 1


def test_evaluate_bundle_names_unknown_labels() -> None:
    table = held_out([("happy", (6, 0)), ("fearful", (0, 0)), ("calm", (0, 0))])
    with pytest.raises(DataError) as exc:
        evaluate_bundle(blob_bundle(), table, corpus="mine.csv")
    msg = str(exc.value)
    assert msg.startswith("mine.csv: label(s) calm, fearful unknown to model blobs")
