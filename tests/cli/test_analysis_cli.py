"""``emoscore analyze``: the JSON contract, CSV, output files and plots, and one-line errors.

Most tests use a tiny real bundle (seed94 + logistic regression on tones: low quiet = sad, high
loud = happy) given by path; one runs the shipped default model on espeak-ng speech.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
import soundfile as sf

from emoscore.audio.preprocess import Preprocessing
from emoscore.cli import main
from emoscore.features import Seed94Extractor
from emoscore.models.bundle import ModelBundle
from emoscore.models.classical import build_classifier
from emoscore.models.registry import shipped_models_dir
from emoscore.timeline import ROW_COLUMNS

RATE = 16_000
SEGMENT_KEYS = {"start", "end", "emotion", "confidence", "probabilities", "valence", "arousal", "dominance"}


def tone(freq: float, seconds: float, amp: float, seed: int = 0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    noise = np.random.default_rng(seed).normal(0, 0.001 + 0.002 * (seed % 4), len(t))
    return (amp * np.sin(2 * np.pi * freq * t) + noise).astype(np.float32)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ext = Seed94Extractor()
    X, y = [], []
    for i in range(8):
        f = 1 + 0.08 * (i - 3.5)
        for label, freq, amp in (("sad", 200.0, 0.08), ("happy", 1500.0, 0.5)):
            X.append(ext(tone(freq * f, 1.0 + 0.5 * (i % 3), amp * f, seed=i), RATE))
            y.append(label)
    est = build_classifier("logreg", params={"C": 1.0}).fit(np.vstack(X), y)
    bundle = ModelBundle(est, ext, Preprocessing(trim_silence=False), ("happy", "sad"), {"name": "tones"})
    return bundle.save(tmp_path_factory.mktemp("model") / "tones.emo")


@pytest.fixture
def scene(tmp_path: Path) -> Path:
    path = tmp_path / "scene.flac"
    sf.write(path, np.concatenate([tone(200.0, 4.0, 0.08, 1), tone(1500.0, 4.0, 0.5, 2)]), RATE)
    return path


def run(argv: list[str], capfd) -> tuple[int, str, str]:
    code = 0
    try:
        main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capfd.readouterr()
    return code, out, err


def check_contract(d: dict, path: Path, window: float, hop: float) -> None:
    assert {"input", "duration", "model", "window", "hop", "segments"} <= set(d)
    assert set(d["model"]) >= {"name", "version", "labels"}
    assert d["input"] == str(path) and (d["window"], d["hop"]) == (window, hop)
    labels = d["model"]["labels"]
    assert d["segments"]
    for s in d["segments"]:
        assert SEGMENT_KEYS <= set(s)
        assert list(s["probabilities"]) == labels
        assert sum(s["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)
        assert s["emotion"] == max(s["probabilities"], key=s["probabilities"].get)
        assert s["confidence"] == pytest.approx(s["probabilities"][s["emotion"]])
        assert all(0.0 <= s[k] <= 1.0 for k in ("valence", "arousal", "dominance"))
    assert d["segments"][-1]["end"] == pytest.approx(d["duration"], abs=1e-3)


def test_json_contract(tiny_model: Path, scene: Path, capfd) -> None:
    code, out, err = run(
        ["analyze", scene, "--model", tiny_model, "--domain", "speech", "--window", "2", "--format", "json"],
        capfd,
    )
    assert code == 0, err
    d = json.loads(out)
    check_contract(d, scene, 2.0, 2.0)
    assert d["model"] == {"name": "tones", "version": "0", "labels": ["happy", "sad"]}
    assert [s["emotion"] for s in d["segments"]] == ["sad", "sad", "happy", "happy"]
    assert [(s["start"], s["end"]) for s in d["segments"]] == [(0, 2), (2, 4), (4, 6), (6, 8)]
    assert d["duration"] == pytest.approx(8.0)


def test_csv_and_table(tiny_model: Path, scene: Path, capfd) -> None:
    code, out, err = run(
        ["analyze", scene, "--model", tiny_model, "--domain", "speech", "--window", "4", "--format", "csv"],
        capfd,
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == [c for c in ROW_COLUMNS if c != "probabilities"] + ["p_happy", "p_sad"]
    assert [r["emotion"] for r in rows] == ["sad", "happy"]
    assert float(rows[0]["p_happy"]) + float(rows[0]["p_sad"]) == pytest.approx(1.0, abs=1e-5)
    code, out, _ = run(
        ["analyze", scene, "--model", tiny_model, "--domain", "speech", "--window", "4"], capfd
    )
    assert code == 0 and "sad" in out and "happy" in out and "model tones" in out


def test_output_folder_gets_json_csv_and_png(tiny_model: Path, scene: Path, tmp_path: Path, capfd) -> None:
    out_dir = tmp_path / "out"
    code, stdout, err = run(
        [
            "analyze",
            scene,
            "--model",
            tiny_model,
            "--domain",
            "speech",
            "--window",
            "2",
            "--format",
            "json",
            "-o",
            out_dir,
        ],
        capfd,
    )
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == ["scene.csv", "scene.json", "scene.png"]
    written = json.loads((out_dir / "scene.json").read_text())
    assert written.pop("audio") == "../scene.flac"  # the audio, from the timeline file's folder
    assert written == json.loads(stdout)
    assert len(list(csv.DictReader((out_dir / "scene.csv").open()))) == 4
    assert mpimg.imread(out_dir / "scene.png").shape[:2] == (616, 1100)
    assert err.count("wrote ") == 3


def test_output_file_and_plot(tiny_model: Path, scene: Path, tmp_path: Path, capfd) -> None:
    target, plot = tmp_path / "x.json", tmp_path / "figs" / "tl.png"
    code, _, err = run(
        ["analyze", scene, "--model", tiny_model, "--domain", "speech", "-o", target, "--plot", plot], capfd
    )
    assert code == 0, err
    check_contract(json.loads(target.read_text()), scene, 4.0, 4.0)
    assert plot.read_bytes()[:4] == b"\x89PNG" and plot.stat().st_size > 5000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figs", "scene.flac", "x.json"]


def test_bad_window_is_one_line(tiny_model: Path, scene: Path, capfd) -> None:
    code, out, err = run(
        ["analyze", scene, "--model", tiny_model, "--domain", "speech", "--window", "0.5"], capfd
    )
    assert code == 1 and out == ""
    assert err.splitlines() == [err.strip()] and err.startswith("emoscore: --window 0.5")


def test_unknown_model_is_one_line(scene: Path, capfd) -> None:
    code, out, err = run(["analyze", scene, "--model", "no-such-model"], capfd)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "'no-such-model'" in err and "default" in err and "Traceback" not in err


@pytest.mark.skipif(not (shipped_models_dir() / "default.emo").exists(), reason="no default model")
def test_default_model_on_speech(espeak_speech, capfd) -> None:
    speech = espeak_speech("I can't believe you did that. Get out of here, now! I am so happy today.")
    code, out, err = run(["analyze", speech, "--window", "2", "--format", "json"], capfd)
    assert code == 0, err
    d = json.loads(out)
    check_contract(d, speech, 2.0, 2.0)
    assert d["model"]["name"] == "default" and len(d["model"]["labels"]) == 8
    assert len(d["segments"]) == pytest.approx(d["duration"] / 2, abs=1)


@pytest.mark.parametrize("command", ["analyze", "compose", "batch"])
def test_a_task_model_is_not_a_speech_model(command: str, scene: Path, tmp_path: Path, capfd) -> None:
    extra = ["--out", str(tmp_path / "r.parquet")] if command == "batch" else ["-o", str(tmp_path / "o")]
    target = scene.parent if command == "batch" else scene
    code, out, err = run([command, target, "--model", "quadrant", *extra], capfd)
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "model quadrant: is a quadrant model; a speech emotion model is needed here" in err
    assert not (tmp_path / "o").exists() and not (tmp_path / "r.parquet").exists()
