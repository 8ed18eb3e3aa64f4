"""``batch --transcript``: rows carry the window's words; the transcript setting is part of resume."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from emoscore.engine import read_results, run_batch


@pytest.mark.slow
@pytest.mark.parametrize("out_name", ["res.parquet", "sqlite"])
def test_transcript_rows_and_resume(tiny_bundle: Path, espeak_speech, tmp_path: Path, out_name: str) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(espeak_speech("Please close the window before you leave."), src / "a.wav")
    out = f"sqlite:///{tmp_path / 'r.db'}" if out_name == "sqlite" else str(tmp_path / out_name)
    log = io.StringIO()
    kw = {"model": str(tiny_bundle), "domain": "speech", "workers": 1, "progress_stream": log}
    first = run_batch(src, out, **kw)
    assert first.analysed == 1 and read_results(out)["text"].isna().all()
    words = run_batch(src, out, transcript=True, **kw)  # a changed setting: analysed again
    assert (words.analysed, words.skipped) == (1, 0)
    text = " ".join(read_results(out)["text"]).lower()
    assert "window" in text and "close" in text
    again = run_batch(src, out, transcript=True, **kw)
    assert (again.analysed, again.skipped) == (0, 1)
