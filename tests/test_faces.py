"""One input, four faces, one answer: the Python API, ``emoscore analyze``, the REST API and the
batch engine give the same windows with the same values.

Every face is compared through the one row schema (:data:`emoscore.timeline.ROW_SCHEMA`): the
API's ``Timeline.to_frame()``, the CLI's and the REST job's JSON read back with
``Timeline.from_dict``, and the batch's Parquet read back with ``read_results``. Only the
``file`` column may differ (a path, the upload's name), and only up to its folder.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from emoscore.timeline import ROW_COLUMNS, ROW_SCHEMA, Timeline

RATE = 16_000
WINDOW, HOP = 2.0, 1.5  # overlapping windows and a short, padded last one
# numbers agree to 1e-5: the music models' float32 torch network (musicnn) differs by ~2e-6
# between a batch worker process and the test's own process; any real divergence is far larger
TOL = 1e-5


def _scene() -> np.ndarray:
    """7 s: a voiced-like harmonic tone with vibrato, near silence, a rising chirp, then noise."""
    rng = np.random.default_rng(7)

    def t(seconds: float) -> np.ndarray:
        return np.arange(int(seconds * RATE)) / RATE

    a = t(2.0)
    f0 = 220 * (1 + 0.03 * np.sin(2 * np.pi * 5 * a))
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    tone = sum(0.3 / k * np.sin(k * phase) for k in (1, 2, 3, 4))
    quiet = 0.002 * rng.standard_normal(t(1.5).size)
    c = t(2.0)
    chirp = 0.3 * np.sin(2 * np.pi * (300 * c + 150 * c**2)) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * c))
    noise = 0.1 * rng.standard_normal(t(1.5).size)
    return np.concatenate([tone, quiet, chirp, noise]).astype(np.float32)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faces") / "in" / "scene.wav"
    path.parent.mkdir()
    sf.write(path, _scene(), RATE)
    return path


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from fastapi.testclient import TestClient

    from emoscore.web import ServerConfig, create_app

    config = ServerConfig(data_dir=tmp_path_factory.mktemp("srv"), workers=1)
    with TestClient(create_app(config), base_url="http://localhost") as c:
        yield c


def api_face(clip: Path, domain: str | None, tmp_path: Path, client) -> pd.DataFrame:
    from emoscore.recognize import AnalysisSettings, analyze

    return analyze(clip, AnalysisSettings(window=WINDOW, hop=HOP, domain=domain)).to_frame()  # type: ignore[arg-type]


def cli_face(clip: Path, domain: str | None, tmp_path: Path, client) -> pd.DataFrame:
    exe = Path(sys.executable).with_name("emoscore")
    cmd = [str(exe), "analyze", str(clip), "--format", "json", "--window", str(WINDOW), "--hop", str(HOP)]
    if domain is not None:
        cmd += ["--domain", domain]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"emoscore analyze failed: {proc.stderr[-2000:]}"
    return Timeline.from_dict(json.loads(proc.stdout)).to_frame()


def rest_face(clip: Path, domain: str | None, tmp_path: Path, client) -> pd.DataFrame:
    form = {"window": str(WINDOW), "hop": str(HOP)}
    if domain is not None:
        form["domain"] = domain
    r = client.post("/api/analyses", files={"file": (clip.name, clip.read_bytes(), "audio/wav")}, data=form)
    assert r.status_code == 202, r.text
    url = r.json()["url"]
    deadline = time.monotonic() + 120
    while True:
        job = client.get(url).json()
        if job["status"] in ("done", "failed"):
            break
        assert time.monotonic() < deadline, f"REST job still {job['status']} after 120 s"
        time.sleep(0.1)
    assert job["status"] == "done", job.get("error")
    return Timeline.from_dict(job["result"]).to_frame()


def batch_face(clip: Path, domain: str | None, tmp_path: Path, client) -> pd.DataFrame:
    from emoscore.engine import read_results, run_batch

    out = tmp_path / "results.parquet"
    summary = run_batch(clip.parent, out, window=WINDOW, hop=HOP, domain=domain, workers=1, progress=False)
    assert (summary.analysed, summary.failed) == (1, 0), summary
    return read_results(out)[[c for c in ROW_COLUMNS if c not in ("file", "start", "end")]]


#: face name -> ``face(clip, domain, tmp_path, client)``: that face's rows for ``clip``
FACES = {"api": api_face, "cli": cli_face, "rest": rest_face, "batch": batch_face}


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _same(a: object, b: object) -> bool:
    """Equal values: both missing (None or NaN), numbers within TOL, anything else exactly."""
    if _missing(a) or _missing(b):
        return _missing(a) and _missing(b)
    if isinstance(a, float) or isinstance(b, float):
        return abs(float(a) - float(b)) <= TOL  # type: ignore[arg-type]
    return a == b


def _spans(frame: pd.DataFrame) -> list[tuple[float, float]]:
    return [(round(s, 4), round(e, 4)) for s, e in zip(frame["start"], frame["end"], strict=True)]


def differences(name: str, got: pd.DataFrame, want: pd.DataFrame) -> list[str]:
    """Readable differences of face ``name`` from the Python API, one line per value."""
    got, want = got.reset_index(), want.reset_index()
    assert list(got.columns) == list(ROW_COLUMNS), f"{name}: columns {list(got.columns)}"
    if _spans(got) != _spans(want):
        return [f"{name}: windows (start, end) {_spans(got)} != api {_spans(want)}"]
    out = []
    for g, w in zip(got.to_dict("records"), want.to_dict("records"), strict=True):
        where = f"{name}: window {w['start']:g}-{w['end']:g} s"
        if Path(g["file"]).name != Path(w["file"]).name:
            out.append(f"{where}: file {g['file']!r} != api {w['file']!r}")
        for col in ROW_COLUMNS:
            if col in ("file", "probabilities"):
                continue
            if not _same(g[col], w[col]):
                out.append(f"{where}: {col} {g[col]!r} != api {w[col]!r}")
        gp, wp = json.loads(g["probabilities"]), json.loads(w["probabilities"])
        if list(gp) != list(wp) or not all(_same(gp[k], wp[k]) for k in wp):
            out.append(f"{where}: probabilities {gp} != api {wp}")
    return out


@pytest.mark.parametrize("domain", ["speech", "auto"], ids=["speech-only", "domain-auto"])
def test_every_face_gives_the_same_rows(domain: str | None, clip: Path, client, tmp_path: Path) -> None:
    frames = {name: face(clip, domain, tmp_path, client) for name, face in FACES.items()}
    want = frames["api"]
    assert len(want) == 5 and set(want.columns) == set(ROW_SCHEMA) - {"file", "start", "end"}
    assert want["domain"].notna().all()  # every window says what it holds
    speech = want["domain"] == "speech"
    assert want.loc[speech, "emotion"].notna().all() and want.loc[~speech, "emotion"].isna().all()
    if domain == "speech":
        assert speech.all()
    problems = [
        line for name, got in frames.items() if name != "api" for line in differences(name, got, want)
    ]
    assert not problems, "faces disagree with the Python API:\n" + "\n".join(problems)
