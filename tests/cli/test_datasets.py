from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emoscore.cli import main

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def run(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
        sys.exit(0)
    out = capsys.readouterr()
    return exc.value.code or 0, out.out, out.err


@pytest.fixture
def data_root(tmp_path):
    for name in ("savee/DC_a01.wav", "savee/JE_sa02.wav", "savee/JE/h03.wav"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, np.zeros(4000), 8000)  # 0.5 s
    (tmp_path / "emovo" / "audio").mkdir(parents=True)
    sf.write(tmp_path / "emovo" / "audio" / "rab-f1-b1.flac", np.zeros(4000), 8000)
    (tmp_path / "emovo" / "manifest.csv").write_text("path,label,speaker\naudio/rab-f1-b1.flac,angry,f1\n")
    return tmp_path


def test_datasets_list_table_and_json(data_root, capsys):
    code, out, _ = run(["datasets", "list", "--data-root", str(data_root)], capsys)
    assert code == 0
    lines = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert lines["savee"][1:3] == ["yes", "3"] and lines["ravdess"][1:3] == ["no", "-"]
    assert lines["emovo"][1:3] == ["yes", "1"] and lines["spanish-students"][1:3] == ["no", "-"]
    code, out, _ = run(["datasets", "list", "--data-root", str(data_root), "--format", "json"], capsys)
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["savee"]["found"] is True and rows["savee"]["clips"] == 3
    assert rows["tess"]["found"] is False and rows["tess"]["licence"].startswith("CC BY-NC-ND")
    assert rows["spanish-students"]["licence"].startswith("research use only")


def test_datasets_describe(data_root, capsys):
    code, out, _ = run(
        ["datasets", "describe", "savee", "--data-root", str(data_root), "--format", "json"], capsys
    )
    summary = json.loads(out)
    assert summary["clips"] == 3 and summary["speakers"] == 2
    assert summary["labels"] == {"angry": 1, "sad": 1, "happy": 1}
    assert summary["duration_s"] == pytest.approx(1.5)
    code, out, _ = run(["datasets", "describe", "savee", "--data-root", str(data_root)], capsys)
    assert code == 0 and "clips     3" in out and "duration  1.5 s" in out and "angry  1      33.3%" in out


def test_datasets_errors_are_one_line(tmp_path, capsys):
    code, out, err = run(["datasets", "describe", "cremad", "--data-root", str(tmp_path)], capsys)
    assert code == 1 and out == ""
    assert (
        err.startswith(f"emoscore: {tmp_path}/cremad: cremad not found; to get it,") and err.count("\n") == 1
    )
    code, _, err = run(["datasets", "list", "--data-root", str(tmp_path / "nope")], capsys)
    assert code == 1 and err == f"emoscore: {tmp_path / 'nope'}: data root not found\n"


@pytest.mark.corpus
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data not present")
def test_describe_ravdess_real(capsys):
    code, out, _ = run(["datasets", "describe", "ravdess", "--data-root", str(SHARED_DATA)], capsys)
    assert code == 0
    assert "clips     1200" in out and "speakers  20" in out and "licence   ravdess: CC BY-NC-SA 4.0" in out
    assert "neutral    80     6.7%" in out


def test_models_list(monkeypatch, capsys):
    entries = [
        {
            "name": "default",
            "version": "1",
            "task": "categorical",
            "labels": ["angry", "sad"],
            "feature_set": "compare",
            "path": "/x/default.emo",
            "description": "trained on RAVDESS",
        }
    ]
    fake = types.ModuleType("emoscore.models.registry")
    fake.list_models = lambda: entries
    monkeypatch.setitem(sys.modules, "emoscore.models.registry", fake)
    code, out, _ = run(["models", "list"], capsys)
    header, row = out.splitlines()
    assert header.split() == ["name", "version", "task", "feature_set", "labels", "description"]
    assert row.split()[:5] == ["default", "1", "categorical", "compare", "2"] and row.endswith(
        "trained on RAVDESS"
    )
    code, out, _ = run(["models", "list", "--format", "json"], capsys)
    assert json.loads(out) == entries
