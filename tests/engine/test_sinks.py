from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from emoscore.engine.sinks import (
    ERROR_COLUMNS,
    RESULT_COLUMNS,
    ParquetSink,
    SqlSink,
    expand_probabilities,
    open_sink,
    read_errors,
    read_results,
)
from emoscore.engine.task import FileResult
from emoscore.errors import ConfigError
from emoscore.timeline import Segment


def result(file: str, n: int, *, digest: str = "h1", version: str = "1", p_sad: float = 0.8) -> FileResult:
    segs = tuple(
        Segment(4.0 * i, 4.0 * i + 4, {"happy": 1 - p_sad, "sad": p_sad}, 0.2, 0.3, 0.4) for i in range(n)
    )
    return FileResult(file, digest, "tiny", version, 4.0 * n, segs)


def test_parquet_rows_commit_replace_and_errors(tmp_path: Path) -> None:
    out = tmp_path / "res.parquet"
    sink = open_sink(str(out))
    assert isinstance(sink, ParquetSink)
    sink.record_error("/a.wav", "/a.wav: decoding failed", content_hash="h0", model_name="tiny")
    sink.commit(result("/a.wav", 3))
    sink.commit(result("/b.wav", 2))
    sink.record_error("/c.wav", "/c.wav: is silent")
    df = read_results(out)
    assert list(df.columns) == list(RESULT_COLUMNS)
    assert sorted(df["file"].value_counts().items()) == [("/a.wav", 3), ("/b.wav", 2)]
    assert df["emotion"].eq("sad").all() and df["model_version"].eq("1").all()
    assert json.loads(df["probabilities"].iloc[0]) == pytest.approx({"happy": 0.2, "sad": 0.8})
    assert expand_probabilities(df)["p_sad"].tolist() == pytest.approx([0.8] * 5)
    errs = read_errors(out)  # a later success removes the file's error
    assert list(errs.columns) == list(ERROR_COLUMNS) and errs["file"].tolist() == ["/c.wav"]
    assert sink.is_done("/a.wav", "h1", "tiny", "1") and not sink.is_done("/a.wav", "h1", "tiny", "2")
    # new content (or a new model version) replaces the file's rows: never two results for one file
    sink.commit(result("/a.wav", 1, digest="h2", p_sad=0.1))
    sink.close()
    df = read_results(out)
    assert df["file"].value_counts().to_dict() == {"/b.wav": 2, "/a.wav": 1}
    assert df.loc[df.file == "/a.wav", "emotion"].tolist() == ["happy"]
    # pandas reads the folder as one table; bookkeeping files are invisible to it
    assert len(pd.read_parquet(out)) == 3


def test_parquet_reopen_sees_committed_and_cleans_leftovers(tmp_path: Path) -> None:
    out = tmp_path / "res.parquet"
    sink = ParquetSink(out)
    sink.commit(result("/a.wav", 2))
    sink.close()
    (out / ".part-x.parquet.123.tmp").write_bytes(b"half a file")  # what a SIGKILL mid-write leaves
    again = ParquetSink(out)
    assert again.has_result("/a.wav") and not again.has_result("/b.wav")
    assert again.is_done("/a.wav", "h1", "tiny", "1")
    assert not list(out.glob(".*.tmp"))
    assert len(read_results(out)) == 2
    again.close()


def test_parquet_one_writer_at_a_time(tmp_path: Path) -> None:
    first = ParquetSink(tmp_path / "res.parquet")
    with pytest.raises(ConfigError, match="another batch is writing"):
        ParquetSink(tmp_path / "res.parquet")
    first.close()
    ParquetSink(tmp_path / "res.parquet").close()


def test_unusable_outputs_are_refused(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ConfigError, match="cannot write results"):
        open_sink(str(tmp_path / "file.txt" / "res.parquet"))
    (tmp_path / "single.parquet").write_bytes(b"PAR1")
    with pytest.raises(ConfigError, match="exists and is a file"):
        open_sink(str(tmp_path / "single.parquet"))
    (tmp_path / "other.parquet").mkdir()
    (tmp_path / "other.parquet" / "data.parquet").write_bytes(b"PAR1")
    with pytest.raises(ConfigError, match="not an emoscore batch output"):
        open_sink(str(tmp_path / "other.parquet"))
    with pytest.raises(ConfigError, match=r"\.parquet path or a database URL"):
        open_sink(str(tmp_path / "res.csv"))
    with pytest.raises(ConfigError, match="cannot open the results database"):
        open_sink(f"sqlite:///{tmp_path}/file.txt/x.db")
    with pytest.raises(ConfigError, match="cannot open the results database"):
        open_sink("nosuchdialect://host/db")


def test_sql_tables_next_to_other_tables(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, inspect, text

    url = f"sqlite:///{tmp_path}/app.db"
    app = create_engine(url)
    with app.begin() as conn:  # the web app's own table must be left alone
        conn.execute(text("CREATE TABLE jobs (id INTEGER PRIMARY KEY, name TEXT)"))
        conn.execute(text("INSERT INTO jobs (name) VALUES ('keep me')"))
    sink = open_sink(url)
    assert isinstance(sink, SqlSink)
    sink.commit(result("/a.wav", 3))
    sink.record_error("/b.wav", "/b.wav: is silent", model_name="tiny", model_version="1")
    sink.commit(result("/a.wav", 2, version="2"))
    sink.close()
    assert set(inspect(app).get_table_names()) == {"jobs", "batch_results", "batch_files", "batch_errors"}
    with app.connect() as conn:
        assert conn.execute(text("SELECT name FROM jobs")).scalar_one() == "keep me"
    df = read_results(url)
    assert list(df.columns) == list(RESULT_COLUMNS)
    assert df["model_version"].tolist() == ["2", "2"] and df["start"].tolist() == [0.0, 4.0]
    assert read_errors(url)["message"].tolist() == ["/b.wav: is silent"]
    reopened = SqlSink(url)
    assert reopened.is_done("/a.wav", "h1", "tiny", "2") and not reopened.is_done("/a.wav", "h1", "tiny", "1")
    reopened.close()
