"""``evaluate --task``, ``train --task`` and ``analyze --domain`` through the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emoscore.cli import main

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def run(argv: list, capfd) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = 0
    try:
        main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capfd.readouterr()
    return code, out, err


@pytest.mark.corpus
def test_evaluate_task_quadrant_manifest_uses_the_committed_model(tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    rows = []
    for q in ("Q1", "Q2", "Q3", "Q4"):
        clip = sorted((SHARED / "mer-4q" / "audio" / q).glob("*.ogg"))[0]
        rows.append((str(clip), q))
    rows.append(("missing.ogg", "Q1"))
    with open(tmp_path / "q.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([("path", "label"), *rows])
    code, out, err = run(
        ["evaluate", "--task", "quadrant", "--manifest", tmp_path / "q.csv", "--format", "json"], capfd
    )
    assert code == 0, err
    d = json.loads(out)
    assert d["n"] == 4 and d["labels"] == ["Q1", "Q2", "Q3", "Q4"] and d["chance_ua"] == 0.25
    assert 0.0 <= d["ua"] <= 1.0 and d["model"] == "quadrant"
    assert "missing.ogg not found" in err and "1 row(s) skipped" in err


def test_evaluate_task_refuses_labels_of_another_task(tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    sf.write(tmp_path / "a.wav", np.zeros(16000, np.float32), 16000)
    (tmp_path / "m.csv").write_text("path,label\na.wav,Q1\n")
    code, _, err = run(["evaluate", "--task", "arousal", "--manifest", tmp_path / "m.csv"], capfd)
    assert code == 1 and err.startswith("emoscore: ") and "unknown label 'Q1'" in err
    assert "Traceback" not in err


def test_analyze_domain_music_adds_quadrant_and_models(tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    t = np.arange(16000 * 8) / 16000
    chord = sum(np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0)) * 0.1
    sf.write(tmp_path / "chord.wav", chord.astype(np.float32), 16000)
    code, out, err = run(["analyze", tmp_path / "chord.wav", "--domain", "music", "--model", "fast",
                          "--format", "json"], capfd)  # fmt: skip
    assert code == 0, err
    d = json.loads(out)
    assert d["domain_mode"] == "music"
    assert set(d["models"]) == {"emotion", "valence", "arousal", "quadrant", "vad"}
    assert len(d["segments"]) == 2
    for seg in d["segments"]:
        assert seg["domain"] == "music" and abs(sum(seg["quadrant"].values()) - 1) < 1e-5
        assert 0 <= seg["valence"] <= 1 and 0 <= seg["arousal"] <= 1 and seg["dominance"] is None
        assert seg["emotion"] is None and seg["probabilities"] == {}  # music carries no speech emotion
    code, plain, _ = run(["analyze", tmp_path / "chord.wav", "--model", "fast", "--format", "json"], capfd)
    auto = json.loads(plain)
    assert code == 0 and auto["domain_mode"] == "auto"  # the default: every window says what it holds
    assert {s["domain"] for s in auto["segments"]} <= {"music", "other"}
