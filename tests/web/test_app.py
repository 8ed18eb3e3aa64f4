"""The REST API with the real app, real worker processes, real files and a real SQLite file."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from fractions import Fraction

import mido
import numpy as np
import pytest
import soundfile as sf


@pytest.fixture(scope="module")
def done_job(client, clips, wait_done) -> dict:
    """The 8-s clip (4 s at 600 Hz = sad, then 4 s at 150 Hz = angry), analysed with 2-s windows."""
    with clips["sad_angry"].open("rb") as fh:
        r = client.post(
            "/api/analyses",
            files={"file": ("scene one.wav", fh, "audio/wav")},
            data={"window": "2", "method": "both"},
        )
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued"
    assert r.headers["location"] == f"/api/analyses/{r.json()['id']}"
    return wait_done(lambda i: client.get(f"/api/analyses/{i}").json(), r.json()["id"])


def test_result_is_the_analyze_json_shape(done_job):
    assert done_job["status"] == "done", done_job["error"]
    assert done_job["progress"] == 1.0 and done_job["error"] is None
    res = done_job["result"]
    assert set(res) >= {"input", "duration", "model", "window", "hop", "segments"}
    assert res["input"] == "scene one.wav"  # the client's name, never the server's hash path
    assert res["model"] == {"name": "tiny", "version": "1.0", "labels": ["angry", "happy", "neutral", "sad"]}
    assert res["window"] == 2.0 and res["hop"] == 2.0
    assert abs(res["duration"] - 8.0) < 0.01
    assert [(s["start"], s["end"]) for s in res["segments"]] == [(0, 2), (2, 4), (4, 6), (6, 8)]
    assert [s["emotion"] for s in res["segments"]] == ["sad", "sad", "angry", "angry"]
    for s in res["segments"]:
        assert abs(sum(s["probabilities"].values()) - 1) < 1e-3
        assert s["emotion"] == max(s["probabilities"], key=s["probabilities"].get)


def test_result_round_trips_through_timeline(done_job):
    from emoscore.timeline import Timeline

    assert Timeline.from_dict(done_job["result"]).to_dict() == done_job["result"]


def test_timeline_downloads(client, done_job):
    r = client.get(f"/api/analyses/{done_job['id']}/timeline", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "filename*=utf-8''scene%20one.timeline.csv" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert r.text.startswith("file,start,end,domain,emotion") and len(rows) == 4
    assert [row["emotion"] for row in rows] == ["sad", "sad", "angry", "angry"]
    assert rows[0]["file"] == "scene one.wav" and rows[0]["domain"] == "speech"
    r = client.get(f"/api/analyses/{done_job['id']}/timeline")
    assert json.loads(r.text) == done_job["result"]


def test_waveform_follows_the_audio(client, done_job):
    w = client.get(f"/api/analyses/{done_job['id']}/waveform").json()
    assert len(w["peaks"]) == 1200 and abs(w["duration"] - 8.0) < 0.01
    assert 0.25 < max(w["peaks"]) < 0.36  # amplitude 0.3 plus a little noise


def test_compose_writes_midi_wav_and_mix(client, done_job):
    r = client.post(
        f"/api/analyses/{done_job['id']}/compose", json={"method": "both", "root": "C3", "program": 0}
    )
    assert r.status_code == 201, r.text
    comp = r.json()
    kinds = sorted((a["kind"], a["method"]) for a in comp["artifacts"])
    assert kinds == [
        ("intervals", None),
        ("midi", "A"),
        ("midi", "B"),
        ("mix", "A"),
        ("mix", "B"),
        ("wav", "A"),
        ("wav", "B"),
    ]
    # method B: sad -> minor 3rd, angry -> tritone
    assert [s["interval"] for s in comp["methods"]["B"]["steps"]] == ["m3", "m3", "TT", "TT"]
    assert comp["comparison"]["n"] == 4
    midi = next(a for a in comp["artifacts"] if a["kind"] == "midi" and a["method"] == "B")
    d = client.get(midi["url"])
    assert d.status_code == 200 and d.headers["content-type"] == "audio/midi"
    assert "filename*=utf-8''scene%20one.B.mid" in d.headers["content-disposition"]
    mid = mido.MidiFile(file=io.BytesIO(d.content))
    notes = [m.note for m in mid if m.type == "note_on" and m.velocity > 0]
    assert notes[:2] == [48, 51] and notes[-2:] == [48, 54]
    assert any(m.type == "program_change" and m.program == 0 for m in mid)
    wav = next(a for a in comp["artifacts"] if a["kind"] == "mix" and a["method"] == "A")
    y, rate = sf.read(io.BytesIO(client.get(wav["url"]).content))
    # the mix holds the whole 8-s dialogue (the music may ring on a little after it)
    assert rate == 44_100 and y.ndim == 2 and 8.0 <= len(y) / rate < 12.0 and np.abs(y).max() > 0.05
    again = client.get(f"/api/analyses/{done_job['id']}").json()
    assert [c["id"] for c in again["compositions"]] == [comp["id"]]


def _scene_video(path, *, seconds: float = 3.0, rate: int = 16_000):
    """An MP4: a 64x48 picture fading from red to blue at 10 fps over a 300-Hz tone (AAC)."""
    import av

    c = av.open(str(path), "w")
    v = c.add_stream("mpeg4", rate=10)
    v.width, v.height, v.pix_fmt = 64, 48, "yuv420p"
    a = c.add_stream("aac", rate=rate, layout="mono")
    n = int(seconds * 10)
    for i in range(n):
        rgb = np.zeros((48, 64, 3), np.uint8)
        rgb[..., 0], rgb[..., 2] = 255 - 255 * i // n, 255 * i // n
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        frame.pts = i
        c.mux(v.encode(frame))
    c.mux(v.encode(None))
    t = np.arange(int(seconds * rate)) / rate
    y = (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    for i in range(0, len(y), 1024):
        fr = av.AudioFrame.from_ndarray(y[None, i : i + 1024], format="fltp", layout="mono")
        fr.sample_rate, fr.pts, fr.time_base = rate, i, Fraction(1, rate)
        c.mux(a.encode(fr))
    c.mux(a.encode(None))
    c.close()
    return path


def test_compose_of_a_video_upload_writes_scored_videos(client, tmp_path, wait_done):
    import av

    src = _scene_video(tmp_path / "scene.mp4")
    with src.open("rb") as fh:
        r = client.post("/api/analyses", files={"file": ("clip.mp4", fh, "video/mp4")}, data={"window": "1"})
    assert r.status_code == 202, r.text
    job = wait_done(lambda i: client.get(f"/api/analyses/{i}").json(), r.json()["id"])
    assert job["status"] == "done", job["error"]
    r = client.post(f"/api/analyses/{job['id']}/compose", json={"method": "both"})
    assert r.status_code == 201, r.text
    videos = sorted((a for a in r.json()["artifacts"] if a["kind"] == "video"), key=lambda a: a["method"])
    assert [(a["method"], a["media_type"]) for a in videos] == [("A", "video/mp4"), ("B", "video/mp4")]
    for a in videos:
        d = client.get(a["url"])
        assert d.status_code == 200 and d.headers["content-type"] == "video/mp4"
        assert f'filename="clip.{a["method"]}.mp4"' in d.headers["content-disposition"]
        assert len(d.content) == a["size"] > 0
        out = tmp_path / f"scored.{a['method']}.mp4"
        out.write_bytes(d.content)
        with av.open(str(out)) as c:
            assert len(c.streams.video) == 1 and len(c.streams.audio) == 1
            assert (c.streams.video[0].width, c.streams.video[0].height) == (64, 48)


def test_audio_upload_gets_no_scored_video(client, done_job):
    comp = client.post(f"/api/analyses/{done_job['id']}/compose", json={"method": "A"}).json()
    assert "video" not in {a["kind"] for a in comp["artifacts"]}


def test_domain_auto_adds_domains_quadrants_and_models(client, wait_done):
    rate = 16_000
    t = np.arange(4 * rate) / rate
    chord = sum(0.1 * np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0))
    noise = np.random.default_rng(0).normal(scale=0.1, size=t.size)
    buf = io.BytesIO()
    sf.write(buf, np.r_[chord, noise].astype(np.float32), rate, format="WAV")
    r = client.post(
        "/api/analyses",
        files={"file": ("chord then noise.wav", io.BytesIO(buf.getvalue()))},
        data={"window": "2", "domain": "auto"},
    )
    assert r.status_code == 202, r.text
    job = wait_done(lambda i: client.get(f"/api/analyses/{i}").json(), r.json()["id"])
    assert job["status"] == "done", job["error"]
    assert job["options"]["domain"] == "auto"
    res = job["result"]
    assert res["domain_mode"] == "auto" and {"emotion", "domain", "quadrant"} <= set(res["models"])
    for s in res["segments"]:
        assert s["domain"] in ("speech", "music", "other", "silence")
        assert bool(s["quadrant"]) == (s["domain"] == "music")
        assert s["va_model"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [({"method": "C"}, "method C"), ({"root": "H9"}, "root"), ({"program": 200}, "program")],
)
def test_compose_rejects_bad_options(client, done_job, body, fragment):
    r = client.post(f"/api/analyses/{done_job['id']}/compose", json=body)
    assert r.status_code == 422 and fragment in r.json()["detail"]


def test_history_is_paged_newest_first(client, clips, wait_done):
    ids = []
    for _ in range(2):
        with clips["sad_angry"].open("rb") as fh:
            ids.append(
                client.post("/api/analyses", files={"file": ("again.wav", fh)}, data={"window": "4"}).json()[
                    "id"
                ]
            )
    page = client.get("/api/analyses", params={"limit": 2}).json()
    assert page["limit"] == 2 and page["total"] >= 3
    assert [it["id"] for it in page["items"]] == ids[::-1]
    assert "result" not in page["items"][0]
    rest = client.get("/api/analyses", params={"limit": 2, "offset": 2}).json()
    assert ids[0] not in [it["id"] for it in rest["items"]]
    for i in ids:
        wait_done(lambda x: client.get(f"/api/analyses/{x}").json(), i)


def test_same_content_is_stored_once_by_hash(client, app_config, clips, done_job):
    files = [p for p in app_config.uploads_dir.rglob("*") if p.is_file()]
    digests = {p.name for p in files}
    assert done_job["filename"] == "scene one.wav"
    assert all(len(n) == 64 for n in digests)
    assert not any("scene" in str(p) or "again" in str(p) for p in files)


def test_database_is_sqlite_in_wal_mode(app_config, done_job):
    db = app_config.data_dir / "emoscore.db"
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        status = con.execute("SELECT status FROM analyses WHERE id = ?", (done_job["id"],)).fetchone()[0]
    finally:
        con.close()
    assert status == "done"


def test_path_traversal_name_is_only_a_label(client, app_config, clips, wait_done):
    with clips["sad_angry"].open("rb") as fh:
        r = client.post(
            "/api/analyses", files={"file": ("../../../../tmp/evil.wav", fh)}, data={"window": "4"}
        )
    assert r.status_code == 202
    job = wait_done(lambda i: client.get(f"/api/analyses/{i}").json(), r.json()["id"])
    assert job["filename"] == "evil.wav"
    assert not (app_config.data_dir.parent / "evil.wav").exists()


def test_junk_is_415_with_a_clear_message(client, clips, app_config):
    before = sorted(p.name for p in app_config.uploads_dir.rglob("*") if p.is_file())
    with clips["junk"].open("rb") as fh:
        r = client.post("/api/analyses", files={"file": ("notes.wav", fh, "audio/wav")})
    assert r.status_code == 415
    assert r.json()["detail"].startswith("notes.wav: not a readable audio or video file")
    assert sorted(p.name for p in app_config.uploads_dir.rglob("*") if p.is_file()) == before  # not kept


def test_too_long_is_422(client, clips):
    with clips["long"].open("rb") as fh:
        r = client.post("/api/analyses", files={"file": ("long.wav", fh)})
    assert r.status_code == 422
    assert r.json()["detail"] == "long.wav: 20.0 s is longer than this server's limit of 15 s"


def test_too_large_is_413(client):
    big = io.BytesIO(b"\0" * (2 * 1024 * 1024))
    r = client.post("/api/analyses", files={"file": ("big.wav", big)})
    assert r.status_code == 413 and "limit is 1.0 MB" in r.json()["detail"]


def test_empty_file_is_422(client):
    r = client.post("/api/analyses", files={"file": ("empty.wav", io.BytesIO(b""))})
    assert r.status_code == 422 and r.json()["detail"] == "empty.wav: the file is empty"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"window": "7"}, "window 7: must be between 1 and 5 seconds"),
        ({"window": "abc"}, "window: Input should be a valid number"),
        ({"window": "2", "hop": "3"}, "hop 3: must be between 0.1 s and the window (2 s)"),
        ({"method": "C"}, "method C: use A, B or both"),
        ({"domain": "jazz"}, "domain jazz: choose one of auto, speech, music"),
        ({"model": "../../etc/passwd"}, "unknown model '../../etc/passwd'; this server has:"),
        ({"model": "quadrant"}, "model quadrant: is a quadrant model; a speech emotion model is needed here"),
    ],
)
def test_bad_options_are_422(client, clips, data, fragment):
    with clips["sad_angry"].open("rb") as fh:
        r = client.post("/api/analyses", files={"file": ("a.wav", fh)}, data=data)
    assert r.status_code == 422
    assert r.json()["detail"].startswith(fragment)  # a field name, not a command-line option


def test_missing_file_field_is_422(client):
    r = client.post("/api/analyses", data={"window": "2"})
    assert r.status_code == 422 and r.json()["detail"] == "file: Field required"


@pytest.mark.parametrize(
    "path",
    [
        "/api/analyses/nope",
        "/api/analyses/nope/timeline",
        "/api/analyses/nope/waveform",
        "/api/artifacts/nope",
    ],
)
def test_unknown_ids_are_404(client, path):
    r = client.get(path)
    assert r.status_code == 404 and "not found" in r.json()["detail"]


def test_compose_unknown_is_404_and_delete_unknown_is_404(client):
    assert client.post("/api/analyses/nope/compose", json={}).status_code == 404
    assert client.delete("/api/analyses/nope").status_code == 404


def test_failed_job_keeps_its_message(client, tmp_path, wait_done):
    # a WAV whose header promises far more data than the file holds: probe passes, decoding fails
    good = tmp_path / "g.wav"
    sf.write(good, np.zeros(16000 * 3, dtype=np.float32), 16000, subtype="PCM_16")
    raw = good.read_bytes()
    with io.BytesIO(raw[: len(raw) // 3]) as fh:
        r = client.post("/api/analyses", files={"file": ("cut.wav", fh)})
    if r.status_code != 202:  # the probe already saw the truncation: also a clean refusal
        assert r.status_code in (415, 422) and r.json()["detail"].startswith("cut.wav:")
        return
    job = wait_done(lambda i: client.get(f"/api/analyses/{i}").json(), r.json()["id"])
    assert job["status"] == "failed" and job["error"].startswith("cut.wav:")
    assert job["result"] is None
    r = client.post(f"/api/analyses/{job['id']}/compose", json={})
    assert r.status_code == 409 and "failed" in r.json()["detail"]


def test_delete_removes_record_and_files(client, app_config, clips, wait_done):
    data = np.r_[np.zeros(800, dtype=np.float32), 0.2 * np.ones(16000, dtype=np.float32)]
    buf = io.BytesIO()
    sf.write(buf, data, 16000, format="WAV")
    r = client.post(
        "/api/analyses", files={"file": ("unique.wav", io.BytesIO(buf.getvalue()))}, data={"window": "1"}
    )
    aid = r.json()["id"]
    wait_done(lambda i: client.get(f"/api/analyses/{i}").json(), aid)
    comp = client.post(f"/api/analyses/{aid}/compose", json={"method": "B", "mix": False}).json()
    art = comp["artifacts"][0]
    assert client.get(art["url"]).status_code == 200
    n_uploads = len([p for p in app_config.uploads_dir.rglob("*") if p.is_file()])
    assert client.delete(f"/api/analyses/{aid}").json() == {"id": aid, "deleted": True}
    assert client.get(f"/api/analyses/{aid}").status_code == 404
    assert client.get(art["url"]).status_code == 404
    assert not (app_config.artifacts_dir / aid).exists()
    assert len([p for p in app_config.uploads_dir.rglob("*") if p.is_file()]) == n_uploads - 1


def test_models_maps_health(client):
    m = client.get("/api/models").json()
    assert m["default"] == "tiny"
    tiny = next(r for r in m["models"] if r["name"] == "tiny")
    assert tiny["labels"] == ["angry", "happy", "neutral", "sad"] and "path" not in tiny
    maps = client.get("/api/maps").json()
    assert [i["semitones"] for i in maps["intervals"]] == list(range(12))
    assert maps["B"]["emotions"]["sad"] == "m3" and maps["B"]["emotions"]["angry"] == "TT"
    assert len(maps["A"]["regions"]) == 12
    h = client.get("/api/health").json()
    assert h["status"] == "ok" and h["workers"] == 2


def test_page_and_openapi_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "<title>emoscore" in page.text
    for asset in ("/static/app.js", "/static/style.css"):
        body = client.get(asset).text
        assert "http://" not in body.replace("http://www.w3.org/2000/svg", "") and "https://" not in body
    spec = client.get("/openapi.json").json()
    assert {
        "/api/analyses",
        "/api/analyses/{analysis_id}",
        "/api/analyses/{analysis_id}/compose",
        "/api/artifacts/{artifact_id}",
        "/api/models",
        "/api/maps",
        "/api/health",
    } <= set(spec["paths"])


def _linked_urls(html: str) -> list[str]:
    """The URLs a page loads or links to: ``src``, ``href`` and ReDoc's ``spec-url`` attributes."""
    from html.parser import HTMLParser

    urls: list[str] = []

    class Links(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            urls.extend(v for k, v in attrs if k in ("src", "href", "spec-url") and v)

    Links().feed(html)
    return urls


@pytest.mark.parametrize(("path", "title"), [("/docs", "Swagger UI"), ("/redoc", "ReDoc")])
def test_api_docs_load_only_from_the_app(client, path, title):
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert f"<title>emoscore - {title}</title>" in r.text
    urls = _linked_urls(r.text)
    assert any(u.endswith(".js") for u in urls), urls
    assert "/openapi.json" in r.text
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), f"{path} loads {url} from another host"
        asset = client.get(url)
        assert asset.status_code == 200, url
        if url.endswith(".js"):
            assert "javascript" in asset.headers["content-type"] and len(asset.content) > 100_000
        elif url.endswith(".css"):
            assert asset.headers["content-type"].startswith("text/css")


@pytest.mark.skipif("not __import__('shutil').which('espeak-ng')", reason="espeak-ng is not installed")
def test_speech_clip_is_analysed(client, clips, wait_done):
    with clips["speech"].open("rb") as fh:
        r = client.post("/api/analyses", files={"file": ("speech.wav", fh)}, data={"window": "1"})
    job = wait_done(lambda i: client.get(f"/api/analyses/{i}").json(), r.json()["id"])
    assert job["status"] == "done", job["error"]
    segs = job["result"]["segments"]
    assert len(segs) >= 3 and segs[-1]["end"] == pytest.approx(job["result"]["duration"], abs=1e-3)
    assert all(0 <= s["voiced"] <= 1 for s in segs)


def test_compose_the_score_sketch_beside_a_and_b(client, done_job):
    r = client.post(
        f"/api/analyses/{done_job['id']}/compose",
        json={"method": "both", "style": "intervals,sketch", "seed": 1},
    )
    assert r.status_code == 201, r.text
    comp = r.json()
    assert comp["method"] == "all" and set(comp["methods"]) == {"A", "B"}
    kinds = {(a["kind"], a["method"]) for a in comp["artifacts"]}
    assert {("midi", "sketch"), ("wav", "sketch"), ("mix", "sketch"), ("cues", None)} <= kinds
    assert {("midi", "A"), ("midi", "B"), ("intervals", None)} <= kinds
    midi = next(a for a in comp["artifacts"] if a["kind"] == "midi" and a["method"] == "sketch")
    d = client.get(midi["url"])
    assert (
        d.status_code == 200 and "filename*=utf-8''scene%20one.sketch.mid" in d.headers["content-disposition"]
    )
    mid = mido.MidiFile(file=io.BytesIO(d.content))
    assert mid.type == 1 and [m.text for m in mid if m.type == "marker"][0].startswith("cue 1 - ")
    cues = next(a for a in comp["artifacts"] if a["kind"] == "cues")
    sheet = client.get(cues["url"])
    assert sheet.headers["content-type"].startswith("text/csv")
    assert "filename*=utf-8''scene%20one.cues.csv" in sheet.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    doc = client.get(next(a for a in comp["artifacts"] if a["kind"] == "intervals")["url"]).json()
    assert [c["key"] for c in doc["sketch"]["cues"]] == [row["key"] for row in rows] and rows
    wav = next(a for a in comp["artifacts"] if a["kind"] == "mix" and a["method"] == "sketch")
    y, rate = sf.read(io.BytesIO(client.get(wav["url"]).content))
    assert rate == 44_100 and 8.0 <= len(y) / rate < 14.0


def test_compose_refuses_an_unknown_style(client, done_job):
    r = client.post(f"/api/analyses/{done_job['id']}/compose", json={"style": "jazz"})
    assert r.status_code == 422 and r.json()["detail"].startswith(
        "style jazz: choose one of intervals, sketch"
    )
