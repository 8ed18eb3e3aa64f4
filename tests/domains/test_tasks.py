"""Task labels, task manifests, grouped cross-validation and bundles on synthetic features."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from emoscore.domains.tasks import (
    cross_validate_task,
    fit_task_bundle,
    load_task_manifest,
    task_frame,
    task_recipe,
)
from emoscore.domains.windowed import WindowedExtractor

from emoscore.errors import ConfigError, DataError
from emoscore.models.training import FeatureTable
from emoscore.protocols.evaluation import evaluate_bundle


def _frame(labels: list[str], corpus: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "path": [f"{corpus}/{i}.wav" for i in range(len(labels))],
            "label": labels,
            "code": "",
            "speaker": [f"{corpus}:{i % 7}" for i in range(len(labels))],
            "corpus": corpus,
        }
    )


def test_task_labels_from_quadrants_and_speech_classes() -> None:
    music = _frame(["Q1", "Q2", "Q3", "Q4"], "mer-4q")
    speech = _frame(["happy", "sad", "neutral", "angry", "calm", "disgust"], "ravdess")
    both = pd.concat([music, speech], ignore_index=True)
    assert task_frame(both, "valence")["label"].tolist() == [
        "high",
        "low",
        "low",
        "high",
        "high",
        "low",
        "low",
        "high",
        "low",
    ]  # neutral valence (0.5) left out
    arousal = task_frame(both, "arousal")
    assert arousal["label"].tolist() == ["high", "high", "low", "low", "high", "low", "low", "high", "low"]
    assert "disgust" not in arousal["code"].tolist()  # arousal 0.55: too close to the middle
    assert task_frame(both, "quadrant")["label"].tolist() == ["Q1", "Q2", "Q3", "Q4"]
    assert task_frame(both, "domain")["label"].tolist() == ["music"] * 4 + ["speech"] * 6
    with pytest.raises(DataError, match="no clips usable for task quadrant"):
        task_frame(speech, "quadrant")
    with pytest.raises(ConfigError, match="unknown task"):
        task_frame(speech, "tempo")


def test_task_manifest_accepts_task_labels_only(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        sf.write(tmp_path / f"{name}.wav", np.zeros(1600, np.float32), 16000)
    (tmp_path / "q.csv").write_text("path,label\na.wav,Q1\nb.wav,q3\nc.wav,happy\n")
    frame = load_task_manifest(tmp_path / "q.csv", "quadrant")
    assert frame["label"].tolist() == ["Q1", "Q3"]
    assert len(frame.attrs["bad_rows"]) == 1 and "unknown label 'happy'" in frame.attrs["bad_rows"][0]
    (tmp_path / "a.csv").write_text("path,label\na.wav,LOW\nb.wav,high\n")
    assert load_task_manifest(tmp_path / "a.csv", "arousal")["label"].tolist() == ["low", "high"]


def _table(n_per: int = 20, seed: int = 0) -> FeatureTable:
    rng = np.random.default_rng(seed)
    labels = [q for q in ("Q1", "Q2", "Q3", "Q4") for _ in range(n_per)]
    centres = {"Q1": (2, 2), "Q2": (-2, 2), "Q3": (-2, -2), "Q4": (2, -2)}
    X = np.empty(len(labels), dtype=object)
    for i, lab in enumerate(labels):
        X[i] = rng.normal(centres[lab], 1.0, size=(2, 2))
    frame = _frame(labels, "mer-4q")
    frame["speaker"] = [f"mer-4q:artist{i // 2}" for i in range(len(labels))]  # two clips per artist
    return FeatureTable(frame, X, ())


def test_grouped_cross_validation_keeps_artists_together() -> None:
    recipe = task_recipe("quadrant")
    res = cross_validate_task(recipe, _table(), protocol="group-kfold", folds=4)
    assert res.report.n == 80 and res.report.ua > 0.9 and res.report.chance_ua == 0.25
    folds = res.predictions.assign(artist=_table().frame["speaker"]).groupby("artist")["fold"].nunique()
    assert (folds == 1).all()


def test_task_bundle_scores_held_out_clips() -> None:
    recipe = task_recipe("quadrant")
    bundle = fit_task_bundle(recipe, _table(seed=1), WindowedExtractor("egemaps"))
    assert bundle.task == "quadrant" and bundle.labels == ("Q1", "Q2", "Q3", "Q4")
    assert bundle.meta["training"]["n_windows"] == 160
    res = evaluate_bundle(bundle, _table(seed=2), corpus="held-out")
    assert res.report.wa > 0.9
