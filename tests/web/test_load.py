"""Bounded load against a real server on 127.0.0.1: 50 concurrent uploads of short clips.

Every upload is accepted (202) or cleanly refused (4xx with a detail), every accepted job ends
done, and /api/health keeps answering within a second throughout. Figures go to
test-artifacts/web/load.json (quoted in docs/web.md)."""

from __future__ import annotations

import io
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile as sf

UPLOADS = 50
OUT = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"


def clip(i: int) -> bytes:
    """2 s of a tone, different per upload so each is stored and analysed on its own."""
    t = np.arange(32_000) / 16_000
    buf = io.BytesIO()
    sf.write(buf, (0.3 * np.sin(2 * np.pi * (150 + 9 * i) * t)).astype(np.float32), 16_000, format="WAV")
    return buf.getvalue()


@pytest.mark.slow
def test_fifty_concurrent_uploads(live_server, wait_done):
    health: list[float] = []
    stop = threading.Event()

    # clips and clients are made up front: building them in 50 threads at once would make this
    # process (not the server) the bottleneck of what is measured
    bodies = [clip(i) for i in range(UPLOADS)]
    limits = httpx.Limits(max_connections=UPLOADS, max_keepalive_connections=UPLOADS)
    client = httpx.Client(base_url=live_server, timeout=30, limits=limits)
    probe = httpx.Client(base_url=live_server, timeout=5)
    probe.get("/api/health")

    def watch() -> None:
        while not stop.is_set():
            t0 = time.perf_counter()
            assert probe.get("/api/health").status_code == 200
            health.append(time.perf_counter() - t0)
            time.sleep(0.05)

    def upload(i: int) -> tuple[int, dict]:
        r = client.post(
            "/api/analyses", files={"file": (f"c{i}.wav", bodies[i], "audio/wav")}, data={"window": "1"}
        )
        return r.status_code, r.json()

    watcher = threading.Thread(target=watch)
    watcher.start()
    t0 = time.perf_counter()
    try:
        with ThreadPoolExecutor(UPLOADS) as pool:
            answers = list(pool.map(upload, range(UPLOADS)))
        accepted_s = time.perf_counter() - t0
        ids = [j["id"] for code, j in answers if code == 202]
        for code, j in answers:
            assert code == 202 or (400 <= code < 500 and isinstance(j.get("detail"), str)), (code, j)
        jobs = [wait_done(lambda i: client.get(f"/api/analyses/{i}").json(), i, timeout=50) for i in ids]
        done_s = time.perf_counter() - t0
    finally:
        stop.set()
        watcher.join()
        client.close()
        probe.close()
    assert ids, "no upload was accepted"
    assert all(j["status"] == "done" and len(j["result"]["segments"]) == 2 for j in jobs)
    assert health and max(health) < 1.0, f"slowest /api/health: {max(health):.3f} s"
    OUT.mkdir(parents=True, exist_ok=True)
    figures = {
        "uploads": UPLOADS,
        "accepted": len(ids),
        "refused": UPLOADS - len(ids),
        "all_answered_s": round(accepted_s, 2),
        "all_done_s": round(done_s, 2),
        "health_checks": len(health),
        "health_median_ms": round(1000 * float(np.median(health)), 1),
        "health_max_ms": round(1000 * max(health), 1),
    }
    (OUT / "load.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(figures)
