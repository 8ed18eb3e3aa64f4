"""Corpus tables relabelled for the music/sound tasks, and task manifests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from emoscore.corpora.tasks import load_task_manifest, task_frame
from emoscore.errors import ConfigError, DataError


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
