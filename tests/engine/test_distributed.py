from __future__ import annotations

import io
import socket
from pathlib import Path

import pytest

from emoscore.engine import read_errors, read_results, run_batch
from emoscore.engine.distributed import DaskEngine, check_scheduler_address
from emoscore.engine.task import BatchSettings, FileTask, run_task
from emoscore.errors import ConfigError
from emoscore.recognize import AnalysisSettings


def test_local_cluster_matches_in_process_results(tiny_bundle: Path, corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "res.parquet"
    s = run_batch(
        corpus,
        out,
        model=str(tiny_bundle),
        domain="speech",
        workers=2,
        engine="dask",
        progress_stream=io.StringIO(),
    )
    assert (s.analysed, s.failed) == (5, 1)
    assert s.model_loads == 2  # once per worker process, not once per file
    df = read_results(out)
    settings = BatchSettings(AnalysisSettings(model=str(tiny_bundle), domain="speech"))
    for file, rows in df.groupby("file"):
        expected = run_task(FileTask(str(file)), settings)
        assert rows["emotion"].tolist() == [seg.emotion for seg in expected.segments]
        assert rows["confidence"].tolist() == pytest.approx(
            [seg.confidence for seg in expected.segments], abs=1e-6
        )
    assert "broken.wav" in read_errors(out)["message"].iloc[0]


def test_a_scheduler_that_does_not_answer(tiny_bundle: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = DaskEngine(
        BatchSettings(AnalysisSettings(model=str(tiny_bundle), domain="speech")),
        scheduler=f"tcp://127.0.0.1:{port}",
        connect_timeout=1.0,
    )
    with pytest.raises(ConfigError, match=rf"tcp://127.0.0.1:{port}: no Dask scheduler answered within 1 s"):
        engine.__enter__()
    for bad in ("127.0.0.1:8786", "tcp://host", "http://host:1"):
        with pytest.raises(ConfigError, match="tcp://HOST:PORT"):
            check_scheduler_address(bad)
