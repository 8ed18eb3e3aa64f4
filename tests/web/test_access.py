"""Access control, security headers, streamed body limits, cancelled and orphaned jobs, and
compositions off the request path (issue 15)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from emoscore.errors import ConfigError
from emoscore.web import ServerConfig
from emoscore.web.access import AccessControl

TOKEN = "t0ken-for-tests-0123456789"


async def _ok_app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def call(app, method="GET", path="/api/health", headers=(), query=b""):
    """Run one request through an ASGI app; ``(status, headers)``."""
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "scheme": "http",
        "headers": [(k.encode(), v.encode()) for k, v in headers],
    }
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}


def guard(tmp_path, **kw):
    return AccessControl(_ok_app, ServerConfig(data_dir=tmp_path, **kw))


LOCAL = [("host", "localhost:8000")]


def test_loopback_needs_no_token_and_gets_the_security_headers(tmp_path):
    status, h = call(guard(tmp_path), headers=LOCAL)
    assert status == 200
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert "script-src 'self';" in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
    assert (
        "'unsafe-inline'" in call(guard(tmp_path), path="/docs", headers=LOCAL)[1]["content-security-policy"]
    )


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io", ""])
def test_foreign_host_is_refused(tmp_path, host):
    assert call(guard(tmp_path), headers=[("host", host)])[0] == 400


def test_allowed_hosts(tmp_path):
    assert call(guard(tmp_path, allowed_hosts=("Box.Lan",)), headers=[("host", "box.lan:8000")])[0] == 200
    assert call(guard(tmp_path, allowed_hosts=("*",)), headers=[("host", "anything")])[0] == 200
    assert call(guard(tmp_path), headers=[("host", "[::1]:8000")])[0] == 200


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ([("origin", "https://evil.example")], 403),
        ([("origin", "null")], 403),
        ([("origin", "http://localhost:9999")], 403),
        ([("sec-fetch-site", "cross-site")], 403),
        ([("sec-fetch-site", "same-site")], 403),
        ([("origin", "http://localhost:8000"), ("sec-fetch-site", "same-origin")], 200),
        ([], 200),  # curl and scripts send no Origin
    ],
)
def test_state_changes_only_from_the_same_origin(tmp_path, extra, status):
    for method in ("POST", "DELETE"):
        assert call(guard(tmp_path), method, "/api/analyses", headers=LOCAL + extra)[0] == status
    assert call(guard(tmp_path), "GET", "/api/analyses", headers=LOCAL + extra)[0] == 200


def test_token(tmp_path):
    app = guard(tmp_path, token=TOKEN)
    assert call(app, headers=LOCAL)[0] == 401
    assert call(app, headers=LOCAL + [("authorization", "Bearer wrong-token-0123456789")])[0] == 401
    assert call(app, headers=LOCAL + [("authorization", f"Bearer {TOKEN}")])[0] == 200
    assert call(app, headers=LOCAL + [("cookie", f"emoscore_token={TOKEN}")])[0] == 200
    assert call(app, headers=LOCAL + [("cookie", "emoscore_token=x; other=1")])[0] == 401
    status, h = call(app, path="/", headers=LOCAL, query=f"token={TOKEN}".encode())
    assert status == 303 and h["location"] == "/"
    assert h["set-cookie"].startswith(f"emoscore_token={TOKEN}; HttpOnly; SameSite=Strict")
    assert call(app, path="/", headers=LOCAL, query=b"token=nope")[0] == 401


def test_non_loopback_bind_needs_a_token(tmp_path):
    with pytest.raises(ConfigError, match="needs a token"):
        ServerConfig(data_dir=tmp_path, host="0.0.0.0")
    with pytest.raises(ConfigError, match="--token"):
        ServerConfig(data_dir=tmp_path, host="0.0.0.0", token="short")
    cfg = ServerConfig(data_dir=tmp_path, host="0.0.0.0", token=TOKEN)
    assert "localhost" in cfg.host_names


def test_serve_refuses_to_start_without_a_token(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    exe = str(Path(sys.executable).with_name("emoscore"))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    p = subprocess.run(
        [exe, "serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert p.returncode == 1 and p.stderr.count("\n") == 1
    assert p.stderr.startswith("emoscore: --host 0.0.0.0: serving beyond this machine needs a token")


def test_the_real_app_refuses_foreign_hosts_and_cross_origin_posts(client, clips):
    assert client.get("/api/health", headers={"host": "evil.example"}).status_code == 400
    with clips["sad_angry"].open("rb") as fh:
        r = client.post(
            "/api/analyses",
            files={"file": ("x.wav", fh, "audio/wav")},
            headers={"origin": "https://evil.example"},
        )
    assert r.status_code == 403 and "cross-origin" in r.json()["detail"]
    page = client.get("/")
    assert page.status_code == 200 and "onsubmit" not in page.text  # no inline script under the CSP
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert client.get("/static/app.js").headers["x-content-type-options"] == "nosniff"


def test_chunked_upload_is_refused_as_it_arrives(tmp_path):
    """No Content-Length: the body is counted as it arrives and reading stops past the limit."""
    from emoscore.web import create_app

    app = create_app(ServerConfig(data_dir=tmp_path, max_upload_mb=1.0))
    chunk = b"x" * 65536
    pulled = 0
    sent: list[dict] = []

    async def receive():
        nonlocal pulled
        pulled += len(chunk)
        if pulled > 100 * 2**20:
            raise AssertionError("read far past the limit")
        body = (
            b"--b\r\nContent-Disposition: form-data; name=file; filename=a.wav\r\n\r\n"
            if pulled == 65536
            else b""
        )
        return {"type": "http.request", "body": body + chunk, "more_body": True}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/analyses",
        "query_string": b"",
        "scheme": "http",
        "headers": [(b"host", b"localhost"), (b"content-type", b"multipart/form-data; boundary=b")],
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert pulled <= 2**20 + 2 * 65536 + 65536
    assert b"the limit is 1.0 MB" in sent[1]["body"]


def test_large_json_body_is_refused(client):
    r = client.post(
        "/api/analyses/x/compose",
        content=b"{" + b" " * 200_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413


def test_store_ignores_results_of_jobs_no_longer_active(tmp_path):
    from emoscore.store import Store

    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    rec = store.create_analysis(filename="a.wav", sha256="0" * 64, size=1, duration=1.0, options={})
    assert store.set_progress(rec.id, 0.5)
    store.recover("the server stopped")  # a restarted server fails what was running
    assert not store.finish(rec.id, {"segments": []}) and not store.set_progress(rec.id, 0.9)
    assert store.get_analysis(rec.id).status == "failed"
    store.close()


def test_a_deleted_job_stops_and_stores_nothing(tmp_path, tiny_model, clips):
    from emoscore.recognize import AnalysisSettings
    from emoscore.store import Store
    from emoscore.web.jobs import AnalysisTask, run_analysis

    store = Store(f"sqlite:///{tmp_path / 'j.db'}")
    rec = store.create_analysis(filename="l.wav", sha256="0" * 64, size=1, duration=20.0, options={})
    store.delete_analysis(rec.id)
    task = AnalysisTask(
        store.url,
        rec.id,
        str(clips["long"]),
        "l.wav",
        AnalysisSettings(str(tiny_model), domain="speech"),
        20.0,
    )
    assert run_analysis(task) == "gone"
    assert store.get_analysis(rec.id) is None
    store.close()


def test_duration_limit_is_enforced_while_decoding(tmp_path, tiny_model, clips):
    """A container that states no duration cannot hold a worker past the limit."""
    from emoscore.recognize import AnalysisSettings
    from emoscore.store import Store
    from emoscore.web.jobs import AnalysisTask, run_analysis

    store = Store(f"sqlite:///{tmp_path / 'j.db'}")
    rec = store.create_analysis(filename="l.mkv", sha256="0" * 64, size=1, duration=None, options={})
    task = AnalysisTask(
        store.url,
        rec.id,
        str(clips["long"]),
        "l.mkv",
        AnalysisSettings(str(tiny_model), window=1.0, domain="speech"),
        None,
        max_duration=5.0,
    )
    assert run_analysis(task) == "failed"
    err = store.get_analysis(rec.id).error
    assert err.startswith("l.mkv: longer than this server's limit of 5 s"), err
    store.close()


def test_compose_requests_are_bounded_and_shared(monkeypatch, tmp_path):
    from emoscore.web import jobs

    release = threading.Event()
    calls: list[str] = []

    def slow_compose(task):
        calls.append(task.analysis_id)
        release.wait(10)
        return task.analysis_id

    monkeypatch.setattr(jobs, "run_compose", slow_compose)
    runner = jobs.JobRunner(store=None, workers=1, max_compose=2)  # type: ignore[arg-type]
    runner._compose_pool = ThreadPoolExecutor(1)  # noqa: SLF001 - no worker process in a unit test
    cfg = ServerConfig(data_dir=tmp_path)
    a1 = runner.compose(jobs.ComposeTask(cfg, "a", {"method": "A"}))
    a2 = runner.compose(jobs.ComposeTask(cfg, "a", {"method": "A"}))
    b = runner.compose(jobs.ComposeTask(cfg, "b", {"method": "A"}))
    assert a1 is a2
    with pytest.raises(jobs.ServerBusy, match="busy composing"):
        runner.compose(jobs.ComposeTask(cfg, "c", {}))
    release.set()
    assert a1.result(5) == "a" and b.result(5) == "b"
    assert calls == ["a", "b"]
    runner._compose_pool.shutdown()  # noqa: SLF001
