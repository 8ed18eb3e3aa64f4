"""Store on a real SQLite file: analyses, progress, results, compositions, restart recovery."""

from __future__ import annotations

import sqlite3

import pytest

from emoscore.errors import ConfigError
from emoscore.store import Store, sqlite_url


@pytest.fixture
def store(tmp_path):
    s = Store(sqlite_url(tmp_path / "db" / "e.db"))
    yield s
    s.close()


def add(store: Store, name: str = "a.wav"):
    return store.create_analysis(
        filename=name, sha256="ab" * 32, size=100, duration=2.5, options={"model": "default", "window": 2.0}
    )


def test_new_database_is_at_head_in_wal_mode(store, tmp_path):
    assert store.revision() == "0004"
    con = sqlite3.connect(tmp_path / "db" / "e.db")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_job_life_cycle(store):
    rec = add(store)
    assert (rec.status, rec.progress, rec.result) == ("queued", 0.0, None)
    store.set_progress(rec.id, 0.4)
    got = store.get_analysis(rec.id)
    assert (got.status, got.progress) == ("running", 0.4)
    store.finish(rec.id, {"segments": [1, 2]}, waveform=[0.1, 0.5])
    got = store.get_analysis(rec.id)
    assert (got.status, got.progress, got.result) == ("done", 1.0, {"segments": [1, 2]})
    assert store.waveform(rec.id) == [0.1, 0.5]
    assert got.created.tzinfo is not None and got.updated >= got.created
    store.set_progress(rec.id, 0.1)  # a late progress write never reopens a finished job
    assert not store.fail(rec.id, "late")
    assert store.get_analysis(rec.id).status == "done"


def test_failure_keeps_the_message(store):
    rec = add(store)
    assert store.fail(rec.id, "a.wav: not a readable audio or video file")
    got = store.get_analysis(rec.id)
    assert (got.status, got.error) == ("failed", "a.wav: not a readable audio or video file")


def test_history_pages_newest_first_without_results(store):
    ids = [add(store, f"{i}.wav").id for i in range(5)]
    store.finish(ids[0], {"big": "x" * 1000})
    rows, total = store.list_analyses(limit=2, offset=0)
    assert total == 5 and [r.id for r in rows] == ids[:-3:-1]
    rows, _ = store.list_analyses(limit=10, offset=3)
    assert [r.id for r in rows] == ids[1::-1] and all(r.result is None for r in rows)


def test_recover_fails_running_and_returns_queued(store):
    running, queued, done = add(store), add(store), add(store)
    store.set_progress(running.id, 0.5)
    store.finish(done.id, {})
    assert store.recover("server restarted") == [queued.id]
    assert store.get_analysis(running.id).error == "server restarted"
    assert store.get_analysis(queued.id).status == "queued"
    assert store.get_analysis(done.id).status == "done"


def test_compositions_and_artifacts(store):
    rec = add(store)
    comp = store.add_composition(
        rec.id,
        method="both",
        root=48,
        program=48,
        document={"methods": {"A": {}}},
        files=[
            {
                "kind": "midi",
                "method": "A",
                "path": "artifacts/x/A.mid",
                "media_type": "audio/midi",
                "size": 12,
            }
        ],
    )
    (got,) = store.compositions_for(rec.id)
    assert got.id == comp.id and got.document == {"methods": {"A": {}}}
    (art,) = got.artifacts
    assert store.get_artifact(art.id).path == "artifacts/x/A.mid"
    assert store.analysis_of(comp.id) == rec.id
    assert store.delete_analysis(rec.id) == ["artifacts/x/A.mid"]
    assert store.get_artifact(art.id) is None and store.compositions_for(rec.id) == []
    assert store.delete_analysis(rec.id) is None


def test_uses_count_by_hash(store):
    a = add(store)
    add(store)
    assert store.count_uses("ab" * 32) == 2 and store.count_active() == 2
    store.delete_analysis(a.id)
    assert store.count_uses("ab" * 32) == 1


def test_bad_url_is_a_config_error():
    with pytest.raises(ConfigError, match="not a database URL"):
        Store("not a url")
