"""``emoscore train`` and ``emoscore evaluate`` end to end on a tiny synthetic folder-per-label
corpus of tones (low quiet = sad, high loud = happy), plus one check of the shipped default model
on real RAVDESS clips."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
import soundfile as sf

from emoscore.cli import main
from emoscore.models.bundle import load_bundle, read_metadata
from emoscore.models.registry import shipped_models_dir

RATE = 16_000
RAVDESS = {
    1: "neutral",
    2: "calm",
    3: "happy",
    4: "sad",
    5: "angry",
    6: "fearful",
    7: "disgust",
    8: "surprised",
}
EVAL_KEYS = {"n", "wa", "ua", "macro_f1", "labels", "confusion", "chance_ua"}


def write_tone(path: Path, label: str, i: int, seed: int | None = None) -> Path:
    f = 1 + 0.06 * (i - 3)
    freq, amp = (200.0 * f, 0.08 * f) if label == "sad" else (1500.0 * f, 0.5 * f)
    t = np.arange(int((1.0 + 0.25 * (i % 3)) * RATE)) / RATE
    y = amp * np.sin(2 * np.pi * freq * t) + np.random.default_rng(i if seed is None else seed).normal(
        0, 0.002, len(t)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, y.astype(np.float32), RATE)
    return path


def run(argv: list, capfd) -> tuple[int, str, str]:
    code = 0
    try:
        main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capfd.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Train once via the CLI; returns the bundle and the command's stderr."""
    root = tmp_path_factory.mktemp("train")
    corpus = root / "tones"
    for label in ("sad", "happy"):
        for i in range(6):
            write_tone(corpus / label / f"{label}{i}.wav", label, i)
    out = root / "b.emo"
    argv = ["train", "--corpus", corpus, "--features", "seed94", "--model", "logreg", "--no-tune",
            "--protocol", "speaker-kfold", "--folds", "2", "-o", out]  # fmt: skip
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stderr(err):
        mp.setenv("EMOSCORE_CACHE", str(root / "cache"))
        main([str(a) for a in argv])  # exits only on failure
    return out, err.getvalue()


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMOSCORE_CACHE", str(tmp_path / "cache"))


def manifest(folder: Path, rows: list[tuple[str, str]]) -> Path:
    man = folder / "m.csv"
    with man.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "label", "speaker"])
        for i, (rel, label) in enumerate(rows):
            w.writerow([rel, label, f"t{i % 3}"])
    return man


def test_train_writes_a_bundle_with_cv_metrics(trained) -> None:
    bundle_path, err = trained
    meta = read_metadata(bundle_path)
    assert meta["labels"] == ["happy", "sad"] and meta["feature_set"] == "seed94"
    assert meta["training"]["n_clips"] == 12 and meta["training"]["corpora"] == ["tones"]
    assert len(meta["training"]["speakers"]) == 12, "no speaker level: each clip is its own speaker"
    m = meta["metrics"]
    assert m["protocol"] == "speaker-kfold" and m["folds"] == 2 and m["n"] == 12
    assert m["ua"] >= 0.9 and m["mode"] == "cross-validation" and m["leaky"] is False
    assert meta["recipe"]["model"] == "logreg" and meta["recipe"]["tune"] is False
    assert "UA" in err and "wrote" in err
    assert load_bundle(bundle_path).labels == ("happy", "sad")


def test_evaluate_manifest_reports_bad_rows(trained, tmp_path: Path, cache, capfd) -> None:
    bundle_path, _ = trained
    rows = []
    for lab in ("sad", "happy"):
        for i in range(3):
            clip = write_tone(tmp_path / "clips" / f"{lab}{i}.wav", lab, 2 * i, seed=10 + i)
            rows.append((clip.relative_to(tmp_path).as_posix(), lab))
    man = manifest(tmp_path, [*rows, ("clips/gone.wav", "sad")])
    code, out, err = run(["evaluate", "--model", bundle_path, "--manifest", man, "--format", "json"], capfd)
    assert code == 0, err
    d = json.loads(out)
    assert EVAL_KEYS <= set(d)
    assert d["n"] == 6 and d["labels"] == ["happy", "sad"]
    assert d["confusion"] == [[3, 0], [0, 3]] and d["ua"] == 1.0 and d["chance_ua"] == 0.5
    assert d["mode"] == "held-out" and len(d["bad_rows"]) == 1
    assert "gone.wav" in err and "1 row(s) skipped" in err and "Traceback" not in err


def test_evaluate_unknown_label_is_one_line(trained, tmp_path: Path, cache, capfd) -> None:
    bundle_path, _ = trained
    # three clips: a manifest that lists one clip again with another label has a bad row instead
    clips = [write_tone(tmp_path / f"{c}.wav", "happy", i) for i, c in enumerate("abc")]
    man = manifest(
        tmp_path, [(c.name, lab) for c, lab in zip(clips, ("happy", "angry", "fearful"), strict=True)]
    )
    for extra in ([], ["--restrict-labels"]):
        code, out, err = run(["evaluate", "--model", bundle_path, "--manifest", man, *extra], capfd)
        assert code == 1 and out == ""
        assert len(err.strip().splitlines()) == 1, err
        assert "angry, fearful unknown to model" in err and str(man) in err


def test_evaluate_restrict_labels_and_plot(trained, tmp_path: Path, cache, capfd) -> None:
    bundle_path, _ = trained
    rows = [(write_tone(tmp_path / f"s{i}.wav", "sad", i, seed=20 + i).name, "sad") for i in range(3)]
    man = manifest(tmp_path, rows)
    plot = tmp_path / "cm.png"
    argv = ["evaluate", "--model", bundle_path, "--manifest", man, "--restrict-labels", "--format", "json",
            "--plot", plot]  # fmt: skip
    code, out, err = run(argv, capfd)
    assert code == 0, err
    d = json.loads(out)
    assert d["labels"] == ["sad"] and d["confusion"] == [[3]] and d["restricted"] is True
    assert d["chance_ua"] == 1.0
    assert mpimg.imread(plot).shape[:2] == (round(1.6 * 110), round(1.7 * 110))
    code, out, err = run(["evaluate", "--model", bundle_path, "--manifest", man, "--format", "json"], capfd)
    d = json.loads(out)
    assert d["labels"] == ["happy", "sad"] and d["restricted"] is False and d["n"] == 3


def test_evaluate_loco_table_json_and_bad_input(trained, tmp_path: Path, cache, capfd) -> None:
    """Two tone corpora and a manifest, each held out in turn; bad input is one line."""
    bundle_path, _ = trained
    for corpus, seed in (("x", 30), ("y", 40)):
        for lab in ("sad", "happy"):
            for i in range(3):
                write_tone(tmp_path / corpus / lab / f"{lab}{i}.wav", lab, i, seed=seed + i)
    clips = {(lab, i): write_tone(tmp_path / "z" / f"{lab}{i}.wav", lab, i, seed=50 + i)
             for lab in ("sad", "happy") for i in range(3)}  # fmt: skip
    rows = [(p.relative_to(tmp_path).as_posix(), lab) for (lab, _), p in clips.items()]
    man = manifest(tmp_path, [*rows, ("z/gone.wav", "sad")])
    corpora = f"{tmp_path / 'x'},{tmp_path / 'y'}"
    base = ["evaluate", "--model", bundle_path, "--protocol", "loco", "--corpus", corpora]
    code, out, err = run([*base, "--manifest", man, "--format", "json"], capfd)
    assert code == 0, err
    d = json.loads(out)
    assert d["protocol"] == "loco" and d["classes"] == ["happy", "sad"]
    assert [c["corpus"] for c in d["corpora"]] == ["x", "y", "m"]
    assert [c["n"] for c in d["corpora"]] == [6, 6, 6] and d["mean_ua"] == 1.0
    assert all(c["chance_ua"] == 0.5 and c["mode"] == "held-out corpus" for c in d["corpora"])
    assert len(d["bad_rows"]) == 1 and "gone.wav" in err
    code, out, err = run(base, capfd)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[1].split() == ["corpus", "n", "classes", "WA", "UA", "macro-F1", "chance", "UA"]
    assert lines[3].split() == ["x", "6", "2", "1.000", "1.000", "1.000", "0.500"]
    assert lines[-1].split() == ["mean", "12", "2", "1.000"]
    bad = {
        "one corpus": (["--corpus", tmp_path / "x"], "--protocol loco needs at least two corpora, got "),
        "no shared class": (["--manifest", manifest(tmp_path, [(rows[0][0], "angry")])],
                            "m.csv: its labels (angry) share no class with model"),
        "missing corpus": (["--data-root", tmp_path], f"{tmp_path / 'emovo'}: emovo not found; to get it,"),
        "labels": (["--labels", "angry"], "--labels angry: unknown to model"),
    }  # fmt: skip
    for name, (extra, message) in bad.items():
        argv = [*base[:5], "--corpus", f"{corpora},emovo" if name == "missing corpus" else corpora]
        argv = [*argv, *extra] if name != "one corpus" else [*base[:5], *extra]
        code, out, err = run(argv, capfd)
        assert code == 1 and out == "", name
        assert err.startswith("emoscore: ") and message in err and len(err.splitlines()) == 1, (name, err)
    code, _, err = run([*base, "--plot", tmp_path / "p.png"], capfd)
    assert code == 1 and "--task and --plot do not apply" in err
    code, _, err = run(["evaluate", "--model", bundle_path, "--corpus", corpora, "--labels", "sad"], capfd)
    assert code == 1 and "--labels applies to --protocol loco" in err


def test_evaluate_needs_exactly_one_source(trained, capfd) -> None:
    code, _, err = run(["evaluate", "--model", trained[0]], capfd)
    assert code == 1 and err.strip() == "emoscore: evaluate: give exactly one of --corpus or --manifest"


def test_train_without_corpus_is_one_line(tmp_path: Path, capfd) -> None:
    code, _, err = run(["train", "-o", tmp_path / "x.emo"], capfd)
    assert (
        code == 1 and err.startswith("emoscore: train: name the training data") and len(err.splitlines()) == 1
    )


DATA = Path(os.environ.get("EMOSCORE_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data")


@pytest.mark.corpus
@pytest.mark.skipif(not (shipped_models_dir() / "default.emo").exists(), reason="no default model")
def test_default_model_on_ravdess_clips(tmp_path: Path, cache, capfd) -> None:
    clips = sorted((DATA / "ravdess" / "Actor_19").glob("*.flac"))[::3][:16]
    assert len(clips) == 16
    rows = [(os.path.relpath(f, tmp_path), RAVDESS[int(f.stem.split("-")[2])]) for f in clips]
    man = manifest(tmp_path, rows)
    code, out, err = run(["evaluate", "--model", "default", "--manifest", man, "--format", "json"], capfd)
    assert code == 0, err
    d = json.loads(out)
    assert EVAL_KEYS <= set(d) and d["n"] == 16
    assert len(d["labels"]) == 8 and sum(map(sum, d["confusion"])) == 16
    assert d["ua"] > d["chance_ua"]  # Actor 19 is in the default model's training data
