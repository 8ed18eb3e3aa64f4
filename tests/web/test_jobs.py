"""Jobs: a worker run in this process, and a server restart over jobs left running or queued."""

from __future__ import annotations

import shutil

from emoscore.recognize import AnalysisSettings
from emoscore.store import Store
from emoscore.web import ServerConfig, create_app
from emoscore.web.app import RESTART_MESSAGE
from emoscore.web.jobs import AnalysisTask, run_analysis
from emoscore.web.uploads import store_upload


def test_run_analysis_records_result_and_failure(tmp_path, tiny_model, clips):
    store = Store(f"sqlite:///{tmp_path / 'j.db'}")
    ok = store.create_analysis(filename="s.wav", sha256="0" * 64, size=1, duration=8.0, options={})
    task = AnalysisTask(
        store.url,
        ok.id,
        str(clips["sad_angry"]),
        "s.wav",
        AnalysisSettings(str(tiny_model), domain="speech"),
        8.0,
    )
    assert run_analysis(task) == "done"
    got = store.get_analysis(ok.id)
    assert [s["emotion"] for s in got.result["segments"]] == ["sad", "angry"]
    assert got.result["input"] == "s.wav" and len(store.waveform(ok.id)) == 1200

    bad = store.create_analysis(filename="n.wav", sha256="1" * 64, size=1, duration=None, options={})
    task = AnalysisTask(
        store.url,
        bad.id,
        str(clips["junk"]),
        "n.wav",
        AnalysisSettings(str(tiny_model), domain="speech"),
        None,
    )
    assert run_analysis(task) == "failed"
    err = store.get_analysis(bad.id).error
    assert err.startswith("n.wav: ") and str(clips["junk"]) not in err
    store.close()


def test_restart_fails_running_jobs_and_requeues_queued(tmp_path, tiny_model, clips, wait_done):
    from fastapi.testclient import TestClient

    cfg = ServerConfig(
        data_dir=tmp_path / "srv",
        models={"tiny": tiny_model},
        default_model="tiny",
        default_domain="speech",
        workers=1,
    )
    cfg.data_dir.mkdir()
    with clips["sad_angry"].open("rb") as fh:
        up = store_upload(fh, cfg.uploads_dir, max_bytes=10**8)
    store = Store(cfg.database_url)
    opts = {"model": "tiny", "window": 4.0, "hop": None, "method": "both"}
    running = store.create_analysis(
        filename="r.wav", sha256=up.sha256, size=up.size, duration=8.0, options=opts
    )
    store.set_progress(running.id, 0.3)
    queued = store.create_analysis(
        filename="q.wav", sha256=up.sha256, size=up.size, duration=8.0, options=opts
    )
    store.close()

    with TestClient(create_app(cfg), base_url="http://localhost") as c:
        r = c.get(f"/api/analyses/{running.id}").json()
        assert (r["status"], r["error"]) == ("failed", RESTART_MESSAGE)
        q = wait_done(lambda i: c.get(f"/api/analyses/{i}").json(), queued.id)
        assert q["status"] == "done" and [s["emotion"] for s in q["result"]["segments"]] == ["sad", "angry"]
    shutil.rmtree(cfg.data_dir)
