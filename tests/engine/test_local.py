from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from emoscore.engine import read_errors, read_results
from emoscore.engine.local import WORKER_DIED, LocalEngine
from emoscore.engine.task import BatchSettings, FileTask
from emoscore.recognize import AnalysisSettings

HERE = Path(__file__).resolve().parent
EMOSCORE = Path(sys.executable).with_name("emoscore")


def test_model_is_loaded_once_per_worker(tiny_bundle: Path, corpus: Path) -> None:
    files = sorted(str(p) for p in corpus.rglob("*.wav")) * 2
    with LocalEngine(
        BatchSettings(AnalysisSettings(model=str(tiny_bundle), domain="speech")), workers=2
    ) as engine:
        results = list(engine.results(FileTask(f) for f in files))
    assert sorted(r.file for r in results) == sorted(files)
    assert len({r.worker for r in results}) <= 2
    assert {r.model_loads for r in results} == {1}
    assert sum(not r.ok for r in results) == 2  # broken.wav, twice


@pytest.fixture
def crash_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The tiny model's recipe with an extractor that kills its worker on loud audio."""
    monkeypatch.syspath_prepend(str(HERE))
    from crash_extractor import CrashingExtractor

    from conftest import build_tiny_bundle

    return build_tiny_bundle(tmp_path / "crashy.emo", CrashingExtractor())


def test_a_worker_that_dies_loses_only_its_file(crash_bundle: Path, corpus: Path, tmp_path: Path) -> None:
    t = np.arange(3 * 16_000) / 16_000
    sf.write(corpus / "loud.wav", 0.95 * np.sin(2 * np.pi * 300 * t), 16_000)
    out = tmp_path / "res.parquet"
    # the crashing extractor is this folder's own class: trusted explicitly (bundles are allow-listed)
    env = {**os.environ, "PYTHONPATH": str(HERE), "EMOSCORE_TRUSTED_MODULES": "crash_extractor"}
    cmd = [
        str(EMOSCORE),
        "batch",
        str(corpus),
        "--out",
        str(out),
        "--model",
        str(crash_bundle),
        "--domain",
        "speech",
        "--workers",
        "2",
    ]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "5 analysed, 0 already done, 2 failed of 7 files" in p.stdout
    assert read_results(out).index.get_level_values("file").nunique() == 5
    errs = read_errors(out).set_index("file")["message"]
    assert WORKER_DIED in errs[str(corpus / "loud.wav")]
    assert "broken.wav" in errs[str(corpus / "broken.wav")]
