"""A database made by the first revision opens under the newest code with its data intact."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

from alembic import command

from emoscore.store import Store, alembic_config, make_engine, sqlite_url


def test_upgrade_from_first_revision_keeps_data(tmp_path):
    url = sqlite_url(tmp_path / "old.db")
    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
    engine.dispose()
    con = sqlite3.connect(tmp_path / "old.db")
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "analyses" in tables and "compositions" not in tables
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
        assert store.revision() == "0002"
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
    finally:
        store.close()


def test_downgrade_to_first_revision_and_back(tmp_path):
    store = Store(sqlite_url(tmp_path / "e.db"))
    rec = store.create_analysis(filename="x.wav", sha256="ef" * 32, size=1, duration=None, options={})
    with store.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0001")
    assert store.revision() == "0001"
    store.upgrade()
    assert store.revision() == "0002" and store.get_analysis(rec.id).filename == "x.wav"
    store.close()
