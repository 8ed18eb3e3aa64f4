"""Batch outputs: Parquet folders and the SQL store, committed one file at a time, read alike."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from emoscore.engine.sinks import (
    ERROR_COLUMNS,
    RESULT_COLUMNS,
    ParquetSink,
    SqlSink,
    open_sink,
    read_errors,
    read_results,
)
from emoscore.engine.task import FileResult
from emoscore.errors import ConfigError
from emoscore.store import Store, sqlite_url
from emoscore.timeline import ROW_INDEX, ModelInfo, Segment, Timeline, expand_probabilities


def result(
    file: str, n: int, *, digest: str = "h1", key: str = "k1", version: str = "1", p_sad: float = 0.8
) -> FileResult:
    segs = tuple(
        Segment(4.0 * i, 4.0 * i + 4, {"happy": 1 - p_sad, "sad": p_sad}, 0.2, 0.3, 0.4) for i in range(n)
    )
    timeline = Timeline(file, 4.0 * n, ModelInfo("tiny", version, ("happy", "sad")), 4.0, 4.0, segs)
    return FileResult(file, digest, "tiny", version, 4.0 * n, timeline, settings_key=key)


def files(df: pd.DataFrame) -> dict[str, int]:
    return df.index.get_level_values("file").value_counts().to_dict()


def test_parquet_rows_commit_replace_and_errors(tmp_path: Path) -> None:
    out = tmp_path / "res.parquet"
    sink = open_sink(str(out))
    assert isinstance(sink, ParquetSink)
    sink.record_error("/a.wav", "/a.wav: decoding failed", content_hash="h0", model_name="tiny")
    sink.commit(result("/a.wav", 3))
    sink.commit(result("/b.wav", 2))
    sink.record_error("/c.wav", "/c.wav: is silent")
    df = read_results(out)
    assert list(df.index.names) == list(ROW_INDEX)
    assert list(df.columns) == [c for c in RESULT_COLUMNS if c not in ROW_INDEX]
    assert files(df) == {"/a.wav": 3, "/b.wav": 2}
    assert df["emotion"].eq("sad").all() and df["model_version"].eq("1").all()
    assert df["settings_key"].eq("k1").all() and df["content_hash"].eq("h1").all()
    assert json.loads(df["probabilities"].iloc[0]) == pytest.approx({"happy": 0.2, "sad": 0.8})
    assert expand_probabilities(df)["p_sad"].tolist() == pytest.approx([0.8] * 5)
    errs = read_errors(out)  # a later success removes the file's error
    assert list(errs.columns) == list(ERROR_COLUMNS) and errs["file"].tolist() == ["/c.wav"]
    assert sink.is_done("/a.wav", "h1", "k1") and not sink.is_done("/a.wav", "h1", "k2")
    # new content (or new settings or model versions) replaces the file's rows: never two results
    sink.commit(result("/a.wav", 1, digest="h2", p_sad=0.1))
    sink.close()
    df = read_results(out)
    assert files(df) == {"/b.wav": 2, "/a.wav": 1}
    assert df.loc["/a.wav", "emotion"].tolist() == ["happy"]
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
    assert again.is_done("/a.wav", "h1", "k1")
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
    with pytest.raises(ConfigError, match=r"^--out sqlite:///.*/file\.txt/x\.db: cannot create the database"):
        open_sink(f"sqlite:///{tmp_path}/file.txt/x.db")
    (tmp_path / "garbage.db").write_bytes(b"not a database " * 100)
    with pytest.raises(
        ConfigError, match=r"garbage\.db: cannot open the database \(file is not a database\)"
    ):
        open_sink(f"sqlite:///{tmp_path}/garbage.db")
    with pytest.raises(ConfigError, match=r"^--out nosuchdialect://host/db: database driver missing"):
        open_sink("nosuchdialect://host/db")


def test_sql_tables_next_to_other_tables(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, inspect, text

    url = f"sqlite:///{tmp_path}/app.db"
    app = create_engine(url)
    with app.begin() as conn:  # a table of someone else's must be left alone
        conn.execute(text("CREATE TABLE jobs (id INTEGER PRIMARY KEY, name TEXT)"))
        conn.execute(text("INSERT INTO jobs (name) VALUES ('keep me')"))
    sink = open_sink(url)
    assert isinstance(sink, SqlSink)
    sink.commit(result("/a.wav", 3))
    sink.record_error("/b.wav", "/b.wav: is silent", model_name="tiny", model_version="1")
    sink.commit(result("/a.wav", 2, version="2", key="k2"))
    sink.close()
    assert {"jobs", "batch_results", "batch_files", "batch_errors", "analyses"} <= set(
        inspect(app).get_table_names()
    )
    with app.connect() as conn:
        assert conn.execute(text("SELECT name FROM jobs")).scalar_one() == "keep me"
    app.dispose()
    df = read_results(url)
    assert list(df.columns) == [c for c in RESULT_COLUMNS if c not in ROW_INDEX]
    assert df["model_version"].tolist() == ["2", "2"]
    assert df.index.get_level_values("start").tolist() == [0.0, 4.0]
    assert read_errors(url)["message"].tolist() == ["/b.wav: is silent"]
    reopened = SqlSink(url)
    assert reopened.is_done("/a.wav", "h1", "k2") and not reopened.is_done("/a.wav", "h1", "k1")
    assert reopened.has_result("/a.wav") and not reopened.has_result("/b.wav")
    reopened.close()


def test_parquet_and_sql_read_alike(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "res.db")
    for out in (str(tmp_path / "res.parquet"), url):
        sink = open_sink(out)
        sink.commit(result("/b.wav", 2, p_sad=0.3))
        sink.commit(result("/a.wav", 3))
        sink.record_error("/c.wav", "/c.wav: is silent", model_name="tiny", model_version="1")
        sink.record_error("/d.wav", "/d.wav: file not found", content_hash="h9")
        sink.close()
    pd.testing.assert_frame_equal(read_results(tmp_path / "res.parquet"), read_results(url))
    errors = [read_errors(out).drop(columns="failed_at") for out in (tmp_path / "res.parquet", url)]
    pd.testing.assert_frame_equal(*errors)
    assert errors[0]["content_hash"].tolist() == [None, "h9"]
    empty = [read_results(tmp_path / "new.parquet"), read_results(sqlite_url(tmp_path / "new.db"))]
    assert all(e.empty and list(e.columns) == list(empty[1].columns) for e in empty)


def test_batch_into_the_web_app_database(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "emoscore.db")
    web = Store(url)  # what `emoscore serve` opens
    rec = web.create_analysis(filename="a.wav", sha256="ab" * 32, size=1, duration=4.0, options={})
    sink = open_sink(url)
    sink.commit(result("/x/a.wav", 2))
    sink.record_error("/x/b.wav", "/x/b.wav: is silent")
    sink.close()
    assert files(read_results(url)) == {"/x/a.wav": 2}
    assert web.batch_done_keys() == {"/x/a.wav": ("h1", "k1")}
    # the web store goes on working, opened before the batch and opened again after it
    web.finish(rec.id, {"segments": []})
    web.add_composition(rec.id, method="A", root=48, program=0, document={}, files=[])
    web.close()
    again = Store(url)
    assert again.revision() == "0004" and again.get_analysis(rec.id).status == "done"
    assert len(again.compositions_for(rec.id)) == 1 and again.list_analyses()[1] == 1
    assert again.read_batch_errors()["file"].tolist() == ["/x/b.wav"]
    again.close()


def test_batch_tables_of_an_earlier_emoscore_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    con = sqlite3.connect(db)  # what create_all of an earlier emoscore's SqlSink left
    con.execute("CREATE TABLE batch_results (id INTEGER PRIMARY KEY, file TEXT NOT NULL, start FLOAT)")
    con.execute("CREATE TABLE batch_files (file VARCHAR(1024) PRIMARY KEY, content_hash VARCHAR(64))")
    con.execute("CREATE TABLE batch_errors (file VARCHAR(1024) PRIMARY KEY, message TEXT)")
    con.commit()
    con.close()
    url = f"sqlite:///{db}"
    for open_output in (open_sink, read_results, read_errors):
        with pytest.raises(ConfigError) as err:
            open_output(url)
        assert str(err.value) == (
            f"--out {url}: tables batch_errors, batch_files, batch_results were created by an earlier "
            "emoscore without migrations; drop or rename them (run the batch again to recompute "
            "their results), or use another database"
        )


def test_commit_refuses_rows_of_another_file(tmp_path: Path) -> None:
    store = Store(sqlite_url(tmp_path / "s.db"))
    rows = result("/a.wav", 1).timeline.to_rows()
    with pytest.raises(ValueError, match="rows of another file"):
        store.commit_batch_file(
            "/b.wav",
            content_hash="h",
            settings_key="k",
            model_name="m",
            model_version="1",
            duration=1,
            rows=rows,
        )
    store.close()
