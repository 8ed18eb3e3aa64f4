"""Training: features for a corpus table (bad clips dropped and reported), fitting, bundle metadata."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emoscore.audio.augment import Augmentation
from emoscore.audio.preprocess import Preprocessing
from emoscore.errors import ConfigError, DataError
from emoscore.features import FeatureCache, Seed94Extractor
from emoscore.models.recipe import TrainingRecipe
from emoscore.models.training import (
    FeatureTable,
    build_estimator,
    bundle_metadata,
    compute_features,
    fit_bundle,
    fit_estimator,
    normalization_groups,
    take,
    training_table,
)

RECIPE = TrainingRecipe(
    name="tones",
    features="seed94",
    model="logreg",
    tune=False,
    labels=("happy", "sad", "angry"),  # angry has no clips: left out of the bundle's labels
    preprocessing=Preprocessing(trim_silence=False),
)


def tone_frame(tone, n: int = 4) -> pd.DataFrame:
    rows = []
    for i in range(n):
        for label, freq in (("sad", 180.0), ("happy", 1200.0)):
            path = tone(f"{label}{i}.wav", freq=freq * (1 + 0.03 * i), seconds=1.0)
            rows.append({"path": str(path), "label": label, "speaker": f"s{i}", "corpus": "tones"})
    return pd.DataFrame(rows)


def test_features_drop_and_report_bad_clips(tone, tmp_path: Path) -> None:
    frame = tone_frame(tone, n=2)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....not audio at all")
    frame = pd.concat(
        [frame, pd.DataFrame([{"path": str(broken), "label": "sad", "speaker": "s9", "corpus": "tones"}])],
        ignore_index=True,
    )
    table = compute_features(frame, Seed94Extractor(), RECIPE, cache=FeatureCache(tmp_path / "cache"))
    assert table.X.shape == (4, 94) and table.X.dtype == np.float32
    assert table.frame["path"].tolist() == frame["path"].tolist()[:4]
    assert len(table.errors) == 1 and "broken.wav" in table.errors[0]


def test_no_usable_clip_is_data_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_text("nope")
    frame = pd.DataFrame([{"path": str(bad), "label": "sad", "speaker": "a", "corpus": "c"}])
    with pytest.raises(DataError, match="none of the 1 files"):
        compute_features(frame, Seed94Extractor(), RECIPE, cache=FeatureCache(tmp_path / "cache"))


def test_fit_bundle_metadata_and_predictions(tone, tmp_path: Path) -> None:
    frame = tone_frame(tone)
    table = compute_features(frame, Seed94Extractor(), RECIPE, cache=FeatureCache(tmp_path / "cache"))
    bundle = fit_bundle(RECIPE, table, Seed94Extractor(), metrics={"ua": 1.0})
    assert bundle.labels == ("happy", "sad")
    assert bundle.preprocessing == RECIPE.preprocessing
    training = bundle.meta["training"]
    assert training == {
        "corpora": ["tones"],
        "licences": {"tones": "see the data's own terms"},
        "n_clips": 8,
        "speakers": ["s0", "s1", "s2", "s3"],
        "label_counts": {"happy": 4, "sad": 4},
    }
    assert bundle.meta["metrics"] == {"ua": 1.0}
    named = bundle_metadata(RECIPE, frame.assign(corpus=["emovo"] * 4 + ["spanish-students"] * 4))
    assert [v.split(" (")[0] for v in named["training"]["licences"].values()] == ["research use only"] * 2
    assert TrainingRecipe.from_dict(bundle.meta["recipe"]) == RECIPE
    assert "tuned_params" not in bundle.meta
    proba = bundle.predict_proba(table.X)
    assert [bundle.labels[i] for i in proba.argmax(axis=1)] == frame["label"].tolist()


def test_tuned_bundle_records_best_params(tone, tmp_path: Path) -> None:
    frame = tone_frame(tone)
    table = compute_features(frame, Seed94Extractor(), RECIPE, cache=FeatureCache(tmp_path / "cache"))
    tuned = RECIPE.with_overrides(tune=True)
    bundle = fit_bundle(tuned, table, Seed94Extractor())
    assert set(bundle.meta["tuned_params"]) == {"C"}


class GroupAware:
    def fit(self, X, y, groups=None):
        self.seen = (len(X), None if groups is None else list(groups))
        return self


class GroupBlind:
    def fit(self, X, y):
        self.seen = len(X)
        return self


def test_fit_estimator_passes_groups_only_where_accepted() -> None:
    X = np.zeros((3, 2))
    assert fit_estimator(GroupAware(), X, ["a", "b", "a"], ["s1", "s2", "s3"]).seen == (3, ["s1", "s2", "s3"])
    assert fit_estimator(GroupAware(), X, ["a", "b", "a"], None).seen == (3, None)
    assert fit_estimator(GroupBlind(), X, ["a", "b", "a"], ["s1", "s2", "s3"]).seen == 3


def test_take_works_on_matrices_and_per_clip_arrays() -> None:
    X = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_array_equal(take(X, [2, 0]), X[[2, 0]])
    ragged = np.empty(3, dtype=object)
    for i in range(3):
        ragged[i] = np.zeros((3, 2, 5 + i))
    picked = take(ragged, [2])
    assert picked.shape == (1,) and picked[0].shape == (3, 2, 7)
    table = FeatureTable(pd.DataFrame({"label": ["a"] * 3}), ragged, ())
    assert take(table.X, np.array([0, 1])).dtype == object


def test_build_estimator_kinds() -> None:
    assert type(build_estimator(RECIPE)).__name__ == "Pipeline"
    assert type(build_estimator(RECIPE.with_overrides(tune=True))).__name__ == "GroupTunedClassifier"
    assert type(build_estimator(RECIPE.with_overrides(model="cnn", params={}))).__name__ == "LogMelCNN"


def test_training_table_adds_augmented_copies_over_music_beds(tone, tmp_path: Path) -> None:
    frame = tone_frame(tone, n=2)
    bed = tone("beds/bed.wav", freq=3000.0, seconds=3.0)
    beds = tmp_path / "beds" / "beds.csv"
    beds.write_text("path,label\nbed.wav,happy\n")
    spec = {"copies": 2, "music_p": 1.0, "music_snr_db": [0.0, 0.0], "music_corpora": [str(beds)]}
    recipe = TrainingRecipe.from_dict({**RECIPE.to_dict(), "augment": spec})
    cache = FeatureCache(tmp_path / "cache")
    table = training_table(frame, Seed94Extractor(), recipe, cache=cache)
    assert len(table.frame) == 3 * len(frame) and table.X.shape == (12, 94)
    assert table.frame["augmented"].tolist() == [False] * 4 + [True] * 8
    assert table.frame["path"].tolist() == frame["path"].tolist() * 3
    clean, first, second = table.X[:4], table.X[4:8], table.X[8:]
    assert not np.allclose(clean, first) and not np.allclose(first, second), "copies differ by seed"
    groups = normalization_groups(RECIPE.with_overrides(normalization="speaker"), table.frame)
    assert groups.tolist()[:5] == ["s0", "s0", "s1", "s1", "s0~augmented"]
    bundle = fit_bundle(recipe, table, Seed94Extractor())
    assert bundle.meta["training"]["n_clips"] == 4 and bundle.meta["training"]["augmented_rows"] == 8
    # the bed is really under the speech, at the drawn ratio
    y = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000).astype(np.float32)
    aug = Augmentation(music_p=1.0, music_snr_db=(0.0, 0.0), music_beds=(str(bed),))
    mixed = aug.apply(y, 16000)
    spectrum = np.abs(np.fft.rfft(mixed))
    assert spectrum[3000] > 0.5 * spectrum[440] and np.array_equal(mixed, aug.apply(y, 16000))


def test_recipe_augment_is_checked_on_load() -> None:
    base = RECIPE.to_dict()
    for spec, message in (
        ({"copies": 0}, "copies=0 must be a whole number"),
        ({"reverb": 0.5}, "unknown augment key"),
        ({"music_p": 0.5}, "music_p needs music_corpora"),
        ({"noise_p": 2.0}, "noise_p=2.0: must be a probability"),
    ):
        with pytest.raises(ConfigError, match=message):
            TrainingRecipe.from_dict({**base, "augment": spec})
    with pytest.raises(ConfigError, match="no music_beds"):
        Augmentation(music_p=0.5)
