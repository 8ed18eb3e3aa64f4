"""Web fixtures: a tiny real model bundle (seed94 + logistic regression on tones), generated clips
(tones and espeak-ng speech), and a running app on a real SQLite file."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

LABELS = ("angry", "happy", "neutral", "sad")
FREQS = {"angry": 150.0, "happy": 300.0, "neutral": 450.0, "sad": 600.0}
RATE = 16_000


def tone(freq: float, seconds: float, *, amp: float = 0.3, seed: int = 0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    noise = np.random.default_rng(seed).normal(scale=0.01, size=t.size)
    return (amp * np.sin(2 * np.pi * freq * t) + noise).astype(np.float32)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real bundle whose classes are told apart by pitch (150/300/450/600 Hz)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from emoscore.audio.preprocess import Preprocessing
    from emoscore.features.registry import get_extractor
    from emoscore.models.bundle import ModelBundle

    ex = get_extractor("seed94")
    clips, y = [], []
    for i in range(32):
        lab = LABELS[i % 4]
        clips.append(tone(FREQS[lab] * (1 + 0.03 * ((i // 4) % 3 - 1)), 1.0, seed=i))
        y.append(lab)
    est = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(
        np.vstack(ex.batch(clips, RATE)), y
    )
    bundle = ModelBundle(
        est, ex, Preprocessing(), LABELS, {"name": "tiny", "version": "1.0", "description": "test"}
    )
    return bundle.save(tmp_path_factory.mktemp("models") / "tiny.emo")


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``sad_angry.wav``: 4 s at 600 Hz then 4 s at 150 Hz; ``speech.wav``: espeak-ng (if installed);
    ``junk.wav``: text; ``long.wav``: 20 s."""
    d = tmp_path_factory.mktemp("clips")
    out = {}
    out["sad_angry"] = d / "sad_angry.wav"
    sf.write(out["sad_angry"], np.r_[tone(600, 4.0), tone(150, 4.0, seed=1)], RATE)
    out["long"] = d / "long.wav"
    sf.write(out["long"], tone(300, 20.0), RATE)
    out["junk"] = d / "junk.wav"
    out["junk"].write_text("this is not audio\n" * 20)
    exe = shutil.which("espeak-ng")
    if exe:
        out["speech"] = d / "speech.wav"
        subprocess.run(
            [
                exe,
                "-v",
                "en",
                "-w",
                str(out["speech"]),
                "I cannot believe you did this. Get out of here now! Well, maybe it was not so bad.",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    return out


def _wait_done(get: Callable[[str], dict], analysis_id: str, timeout: float = 90.0) -> dict:
    """Poll until the job is done or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = get(analysis_id)
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"analysis {analysis_id} still {job['status']} after {timeout} s")


@pytest.fixture(scope="session")
def wait_done() -> Callable[..., dict]:
    """``wait_done(get, id)``: poll ``get(id)`` (a job dict) until it is done or failed."""
    return _wait_done


@pytest.fixture(scope="module")
def app_config(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path):
    from emoscore.web import ServerConfig

    return ServerConfig(
        data_dir=tmp_path_factory.mktemp("srv"),
        models={"tiny": tiny_model},
        default_model="tiny",
        default_domain="speech",  # the tone model's emotions on every window (auto is tested on its own)
        workers=2,
        max_upload_mb=1.0,
        max_duration=15.0,
    )


@pytest.fixture(scope="module")
def client(app_config) -> Iterator:
    from fastapi.testclient import TestClient

    from emoscore.web import create_app

    # a name the server's Host allow-list accepts (TestClient's default "testserver" is refused)
    with TestClient(create_app(app_config), base_url="http://localhost") as c:
        yield c


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Iterator[str]:
    """``emoscore serve`` on 127.0.0.1 and a free port, in a subprocess; yields its base URL."""
    import sys
    import urllib.request

    port = free_port()
    data = tmp_path_factory.mktemp("live")
    exe = Path(sys.executable).with_name("emoscore")
    cmd = [
        str(exe),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(data),
        "--model",
        f"tiny={tiny_model}",
        "--default-model",
        "tiny",
        "--domain",
        "speech",  # the tone model's emotions on every window; the page's auto is tested on its own
        "--workers",
        "2",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/api/health", timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise AssertionError(f"emoscore serve exited: {proc.stderr.read()[-500:]}") from None
                if time.monotonic() > deadline:
                    raise AssertionError("emoscore serve did not answer within 60 s") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
