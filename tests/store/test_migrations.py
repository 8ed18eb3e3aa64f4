"""A database made by an older revision opens under the newest code with its data intact, and
the migrations build exactly the tables the code queries."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from emoscore.errors import ConfigError
from emoscore.store import Store, alembic_config, make_engine, sqlite_url
from emoscore.store.schema import BATCH_TABLES, metadata

HEAD = "0004"


def tables(path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        con.close()


def migrate_to(url: str, revision: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
    engine.dispose()


def test_upgrade_from_first_revision_keeps_data(tmp_path):
    url = sqlite_url(tmp_path / "old.db")
    migrate_to(url, "0001")
    assert "analyses" in tables(tmp_path / "old.db") and "compositions" not in tables(tmp_path / "old.db")
    con = sqlite3.connect(tmp_path / "old.db")
    now = datetime.now(UTC).isoformat(" ")
    con.execute(
        "INSERT INTO analyses (id, status, progress, error, filename, sha256, size, duration, options,"
        " result, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            "a" * 32,
            "done",
            1.0,
            None,
            "old.wav",
            "cd" * 32,
            42,
            3.0,
            json.dumps({"window": 4.0}),
            json.dumps({"segments": [{"emotion": "sad"}]}),
            now,
            now,
        ),
    )
    con.commit()
    con.close()

    store = Store(url)  # opening upgrades to head
    try:
        assert store.revision() == HEAD
        rec = store.get_analysis("a" * 32)
        assert (rec.filename, rec.size, rec.options, rec.result) == (
            "old.wav",
            42,
            {"window": 4.0},
            {"segments": [{"emotion": "sad"}]},
        )
        assert store.waveform(rec.id) is None  # the new column exists, empty for old rows
        comp = store.add_composition(rec.id, method="B", root=48, program=48, document={}, files=[])
        assert store.compositions_for(rec.id)[0].id == comp.id
        assert store.batch_done_keys() == {} and store.read_batch_results().empty
    finally:
        store.close()


def test_web_database_gains_the_batch_tables(tmp_path):
    url = sqlite_url(tmp_path / "web.db")
    migrate_to(url, "0002")
    assert not set(BATCH_TABLES) & tables(tmp_path / "web.db")
    store = Store(url)
    assert store.revision() == HEAD and set(BATCH_TABLES) <= tables(tmp_path / "web.db")
    store.close()


def test_downgrade_to_first_revision_and_back(tmp_path):
    store = Store(sqlite_url(tmp_path / "e.db"))
    rec = store.create_analysis(filename="x.wav", sha256="ef" * 32, size=1, duration=None, options={})
    store.record_batch_error("/a.wav", "/a.wav: is silent")
    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0002")
    assert store.revision() == "0002" and not set(BATCH_TABLES) & tables(tmp_path / "e.db")
    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
    assert store.revision() == "0001"
    store.upgrade()
    assert store.revision() == HEAD and store.get_analysis(rec.id).filename == "x.wav"
    assert store.read_batch_errors().empty
    store.close()


def test_migrations_build_the_tables_the_code_queries():
    store = Store("sqlite://")
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    store.close()
    assert diff == []


@pytest.mark.parametrize("revision", [None, "0002"])
def test_batch_tables_made_without_migrations_are_one_clear_error(tmp_path, revision):
    # what an earlier emoscore's `batch --out sqlite:///…` left: batch_* by create_all, either in
    # a database of its own (no schema version) or beside the web app's tables at 0002
    url = sqlite_url(tmp_path / "old.db")
    if revision:
        migrate_to(url, revision)
    con = sqlite3.connect(tmp_path / "old.db")
    con.execute("CREATE TABLE batch_results (id INTEGER PRIMARY KEY, file TEXT NOT NULL)")
    con.execute("CREATE TABLE batch_files (file VARCHAR(1024) PRIMARY KEY)")
    con.execute("CREATE TABLE batch_errors (file VARCHAR(1024) PRIMARY KEY)")
    con.commit()
    con.close()
    with pytest.raises(ConfigError) as err:
        Store(url)
    message = str(err.value)
    assert message.startswith(f"--db {url}: tables batch_errors, batch_files, batch_results were created")
    assert "drop or rename them" in message and "\n" not in message
    assert tables(tmp_path / "old.db") >= set(BATCH_TABLES)  # nothing was touched


def test_a_newer_schema_is_one_clear_error(tmp_path):
    url = sqlite_url(tmp_path / "new.db")
    Store(url).close()
    con = sqlite3.connect(tmp_path / "new.db")
    con.execute("UPDATE alembic_version SET version_num = '0999'")
    con.commit()
    con.close()
    with pytest.raises(ConfigError, match="schema revision 0999 is newer than this emoscore"):
        Store(url)
