"""Issue 15's web targets against a real ``emoscore serve`` (marked slow): a chunked upload far
over the limit, 50 concurrent compose calls while the page is polled, Host and Origin checks, and
no worker left 5 s after the server is SIGKILLed. Figures go to test-artifacts/web/hardening.json."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
FIGURES: dict[str, object] = {}


def _get(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _post(url: str, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers={"content-type": ctype, **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_model):
    port = free_port()
    data = tmp_path_factory.mktemp("hard")
    exe = Path(sys.executable).with_name("emoscore")
    cmd = [str(exe), "serve", "--port", str(port), "--data-dir", str(data), "--model", f"tiny={tiny_model}"]
    cmd += ["--default-model", "tiny", "--domain", "speech", "--workers", "2", "--max-upload-mb", "10"]
    cmd += ["--log-level", "warning"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/api/health", timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "emoscore serve did not start"
            time.sleep(0.2)
    yield proc, base, port, data
    if proc.poll() is None:
        proc.terminate()
        proc.wait(15)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "hardening.json").write_text(json.dumps(FIGURES, indent=2) + "\n")


def _dir_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _open_bytes(pid: int, folder: Path) -> int:
    """Bytes in the files ``pid`` holds open under ``folder`` (unlinked temporary files too)."""
    total = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd).startswith(str(folder)):
                total += os.stat(fd).st_size
        except OSError:
            continue
    return total


def test_chunked_upload_refused_within_the_limit(server):
    proc, _, port, data = server
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    # a small send buffer, so the count below is close to what reached the server
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 << 10)
    sock.sendall(
        b"POST /api/analyses HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: multipart/form-data; boundary=b\r\n\r\n"
    )
    part = b"--b\r\nContent-Disposition: form-data; name=file; filename=big.wav\r\n\r\n"
    sock.sendall(b"%x\r\n%s\r\n" % (len(part), part))
    chunk = b"\0" * (256 << 10)
    frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    sent, peak_tmp, answer = 0, 0, b""
    try:
        while sent < 1 << 30:  # 1 GB, unless the server answers or hangs up first
            if select.select([sock], [], [], 0)[0]:
                answer = sock.recv(4096)
                break
            sock.sendall(frame)
            sent += len(chunk)
            peak_tmp = max(peak_tmp, _open_bytes(proc.pid, data / "tmp") + _dir_bytes(data / "uploads"))
    except OSError:  # the server closed the connection: it stopped reading
        pass
    if not answer:
        sock.settimeout(10)
        try:
            answer = sock.recv(4096)
        except OSError:
            answer = b""
    sock.close()
    FIGURES["chunked_upload_mb_sent_before_refusal"] = round(sent / 2**20, 1)
    FIGURES["chunked_upload_peak_temp_mb"] = round(peak_tmp / 2**20, 1)
    FIGURES["chunked_upload_answer"] = answer.split(b"\r\n", 1)[0].decode()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    # the limit is 10 MB (+64 KiB for the form); the rest is the server's socket receive buffer
    assert sent <= 11 << 20 and peak_tmp <= 11 << 20
    time.sleep(0.5)
    assert _open_bytes(proc.pid, data / "tmp") == 0 and _dir_bytes(data / "uploads") == 0


def test_foreign_host_and_cross_origin_post(server):
    _, base, _, _ = server
    assert _get(base + "/api/health", {"host": "rebind.example"})[0] == 400
    assert _post(base + "/api/analyses", b"x", "text/plain", {"origin": "https://evil.example"})[0] == 403


def test_page_answers_during_50_concurrent_compose_calls(server, clips, wait_done):
    _, base, _, _ = server
    boundary = "hardening"
    body = (
        (
            f"--{boundary}\r\nContent-Disposition: form-data; name=file; filename=s.wav\r\n"
            "Content-Type: audio/wav\r\n\r\n"
        ).encode()
        + clips["sad_angry"].read_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, raw = _post(base + "/api/analyses", body, f"multipart/form-data; boundary={boundary}")
    assert status == 202, raw
    job = wait_done(lambda i: json.loads(_get(f"{base}/api/analyses/{i}")[1]), json.loads(raw)["id"])
    assert job["status"] == "done"
    url = f"{base}/api/analyses/{job['id']}/compose"
    codes: list[int] = []
    slow: list[float] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            t = time.monotonic()
            assert _get(base + "/")[0] == 200 and _get(base + "/api/health")[0] == 200
            slow.append(time.monotonic() - t)
            time.sleep(0.05)

    def compose(i: int) -> None:
        # half identical (shared), half distinct (bounded by --max-compose)
        opts = {"method": "A", "program": 0 if i % 2 else i, "mix": True}
        codes.append(_post(url, json.dumps(opts).encode(), "application/json")[0])

    poller = threading.Thread(target=poll)
    poller.start()
    t0 = time.monotonic()
    threads = [threading.Thread(target=compose, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    stop.set()
    poller.join()
    FIGURES["compose_50_wall_s"] = round(time.monotonic() - t0, 2)
    FIGURES["compose_50_status_counts"] = {str(c): codes.count(c) for c in sorted(set(codes))}
    FIGURES["page_and_health_during_compose_slowest_s"] = round(max(slow), 3)
    FIGURES["page_and_health_polls"] = len(slow)
    assert set(codes) <= {201, 429} and codes.count(201) >= 25
    assert max(slow) < 1.0


def test_no_worker_outlives_a_killed_server(server):
    proc, _, _, _ = server
    kids = psutil.Process(proc.pid).children(recursive=True)
    assert kids, "the server has no worker processes"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    t0 = time.monotonic()
    alive = kids
    while time.monotonic() - t0 < 5:
        alive = [k for k in kids if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            break
        time.sleep(0.1)
    FIGURES["workers_before_kill"] = len(kids)
    FIGURES["workers_gone_after_s"] = round(time.monotonic() - t0, 2) if not alive else None
    assert not alive, [k.cmdline() for k in alive]
